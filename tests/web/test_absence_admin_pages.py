"""The admins' out-of-office page (/admin/absences, 代理): who is away now and to come, set and end one for anyone,
recorded as set by the admin; refusals told in the reader's language; only admins; CSRF; zh and en."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask

from engine.facade import Engine
from engine.org.absences import china_today
from engine.org.people import Person
from tests.journey import start_plan
from tests.web.conftest import ClientFor, csrf_token, sign_in_session, text

EN, ZH = {"Accept-Language": "en"}, {"Accept-Language": "zh-CN"}
ADMIN = Person("admin")


def _day(offset: int) -> str:
    return (china_today(datetime.now(UTC)) + timedelta(days=offset)).isoformat()


def test_an_admin_sets_someones_absence_and_the_proxy_gets_their_new_tasks(client_as: ClientFor,
                                                                             web_engine: Engine) -> None:
    admin = client_as("admin")
    empty = text(admin.get("/admin/absences", headers=EN))
    assert "Nobody is away" in empty and 'name="user"' in empty and 'name="proxy"' in empty
    answer = admin.post("/admin/absences", data={"user": "wang.lei", "from": _day(0), "to": _day(3),
                                                 "proxy": "zhou.jie"}, follow_redirects=True, headers=EN)
    page = text(answer)
    assert "new tasks for 王磊 go to 周杰" in page
    assert 'data-absent="wang.lei"' in page and "Away now" in page
    away = web_engine.org.away(Person("wang.lei"))
    assert (away["proxy"], away["set_by"], away["to"]) == ("zhou.jie", "admin", _day(3))
    plan = start_plan(web_engine)  # a new research task: to the proxy, on his behalf
    [task] = [t for t in web_engine.work.tasks(Person("zhou.jie")) if t["instance_id"] == plan]
    assert task["on_behalf_of"] == "wang.lei"
    zh = text(admin.get("/admin/absences", headers=ZH))
    assert "代理" in zh and "王磊" in zh and "周杰" in zh and "外出中" in zh


def test_an_upcoming_one_is_listed_as_to_come_and_an_admin_ends_it(client_as: ClientFor, web_engine: Engine) -> None:
    web_engine.org.set_away(Person("liu.yang"), china_today(datetime.now(UTC)) + timedelta(days=5),
                            china_today(datetime.now(UTC)) + timedelta(days=8), "wu.fang")
    admin = client_as("admin")
    assert "To come" in text(admin.get("/admin/absences", headers=EN))
    ended = admin.post("/admin/absences/end", data={"user": "liu.yang"}, follow_redirects=True, headers=EN)
    assert "is ended" in text(ended) and web_engine.org.absences(ADMIN) == []
    again = admin.post("/admin/absences/end", data={"user": "liu.yang"}, follow_redirects=True, headers=ZH)
    assert "没有可结束的外出代理" in text(again)


@pytest.mark.parametrize(("form", "en", "zh"), [
    ({"user": "", "from": _day(0), "to": _day(1), "proxy": "zhou.jie"}, "Choose the person who is away.",
     "请选择外出的人。"),
    ({"user": "wang.lei", "from": _day(2), "to": _day(1), "proxy": "zhou.jie"},
     "The last day away cannot come before the first day.", None),
    ({"user": "wang.lei", "from": "soon", "to": _day(1), "proxy": "zhou.jie"}, "Give the first and last day as dates.",
     None),
    ({"user": "no.body", "from": _day(0), "to": _day(1), "proxy": "zhou.jie"}, "There is no such person: no.body.",
     None),
])
def test_a_refused_form_is_told_and_stores_nothing(client_as: ClientFor, web_engine: Engine, form, en, zh) -> None:
    admin = client_as("admin")
    answer = admin.post("/admin/absences", data=form, headers=EN)
    assert answer.status_code == 303 and answer.headers["Location"] == "/admin/absences"
    assert en in text(admin.get("/admin/absences", headers=EN))
    if zh:
        admin.post("/admin/absences", data=form, headers=ZH)
        assert zh in text(admin.get("/admin/absences", headers=ZH))
    assert web_engine.org.absences(ADMIN) == []


@pytest.mark.parametrize("username", ["zhou.jie", "wang.lei", "li.na", "chen.yu", "he.ping", "gao.yan"])
def test_only_admins_see_or_use_the_page(client_as: ClientFor, web_engine: Engine, username: str) -> None:
    client = client_as(username)
    assert client.get("/admin/absences").status_code == 403
    own = {"user": username, "from": _day(0), "to": _day(1), "proxy": "feng.yi"}
    assert client.post("/admin/absences", data=own).status_code == 403  # not even their own, from here
    assert client.post("/admin/absences/end", data={"user": "wang.lei"}).status_code == 403
    assert web_engine.org.absences(ADMIN) == []
    assert 'id="absences-link"' not in text(client.get("/"))


def test_the_operations_page_leads_to_it(client_as: ClientFor) -> None:
    assert 'href="/admin/absences"' in text(client_as("admin").get("/ops", headers=EN))


def test_setting_one_needs_the_csrf_token(csrf_app: Flask, web_engine: Engine) -> None:
    admin = sign_in_session(csrf_app.test_client(), "admin")
    form = {"user": "wang.lei", "from": _day(0), "to": _day(1), "proxy": "zhou.jie"}
    assert admin.post("/admin/absences", data=form).status_code == 400
    assert web_engine.org.absences(ADMIN) == []
    token = csrf_token(admin, "/admin/absences")
    assert admin.post("/admin/absences", data={**form, "csrf_token": token}).status_code == 303
    assert [a["user"] for a in web_engine.org.absences(ADMIN)] == ["wang.lei"]
