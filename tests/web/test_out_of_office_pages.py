"""Out of office (代理) in the web: set on the account page, the proxy's inbox and task page say whose task it
is ("on behalf of" / 代 X 处理), and the request's timeline says who completed it for whom; zh and en."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from engine.facade import Engine
from engine.org.absences import china_today
from engine.org.people import Person
from tests.journey import RESEARCH, start_plan
from tests.web.conftest import ClientFor, text

EN, ZH = {"Accept-Language": "en"}, {"Accept-Language": "zh-CN"}


def test_set_on_the_account_page_then_the_proxy_acts_on_behalf_and_the_timeline_says_so(
        client_as: ClientFor, web_engine: Engine) -> None:
    today = china_today(datetime.now(UTC))
    wang = client_as("wang.lei")
    assert "Out of office" in text(wang.get("/account", headers=EN))
    response = wang.post("/account/out-of-office", data={
        "from": today.isoformat(), "to": (today + timedelta(days=2)).isoformat(), "proxy": "zhou.jie"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/account#away")
    page = text(wang.get("/account", headers=ZH))
    assert "你在" in page and "周杰" in page and "代为处理" in page
    assert web_engine.org.away(Person("wang.lei"))["proxy"] == "zhou.jie"

    plan = start_plan(web_engine)
    zhou = client_as("zhou.jie")
    [task] = [t for t in web_engine.work.tasks(Person("zhou.jie")) if t["instance_id"] == plan]
    assert "代 王磊 处理" in text(zhou.get("/", headers=ZH))
    assert "on behalf of 王磊" in text(zhou.get(f"/tasks/{task['id']}", headers=EN))
    web_engine.work.complete(Person("zhou.jie"), task["id"], RESEARCH)
    timeline = text(client_as("li.na").get(f"/instances/{plan}", headers=EN))
    assert "completed the step on behalf of 王磊" in timeline
    assert "Waiting for 周杰, on behalf of 王磊 (away): " in timeline
    assert "代 王磊 完成了此步骤" in text(client_as("li.na").get(f"/instances/{plan}", headers=ZH))
    assert "on behalf of 王磊" in text(client_as("he.ping").get(f"/audit/instances/{plan}", headers=EN))

    ended = wang.post("/account/out-of-office/end", follow_redirects=True, headers=EN)
    assert "new tasks come to you again" in text(ended)
    later = start_plan(web_engine)
    assert [t for t in web_engine.work.tasks(Person("zhou.jie")) if t["instance_id"] == later] == []


def test_a_refused_out_of_office_is_told_in_the_readers_language_and_stores_nothing(
        client_as: ClientFor, web_engine: Engine) -> None:
    today = china_today(datetime.now(UTC)).isoformat()
    zhou = client_as("zhou.jie")
    response = zhou.post("/account/out-of-office", data={"from": today, "to": today, "proxy": "zhou.jie"},
                         headers=ZH, follow_redirects=True)
    assert "请选择他人作为代理人" in text(response)
    response = zhou.post("/account/out-of-office", data={"from": today, "to": "2001-01-01", "proxy": "wu.fang"},
                         headers=EN, follow_redirects=True)
    assert "The last day away cannot come before the first day." in text(response)
    assert "You are away" not in text(zhou.get("/account", headers=EN))
