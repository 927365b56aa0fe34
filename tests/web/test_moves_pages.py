"""Transfer, urge, withdraw and start again in the web: the forms and buttons appear for those who may, each
move does what it says, refusals are told clearly (in zh and en), and the timeline names each move."""

from __future__ import annotations

import re
from datetime import date
from zoneinfo import ZoneInfo

from engine.facade import Engine
from engine.org.people import Person
from tests.web.conftest import ClientFor, World, text

ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
CHINA = ZoneInfo("Asia/Shanghai")


def section(page: str, ident: str) -> str | None:
    match = re.search(rf'<(section|details)[^>]*id="{ident}".*?</\1>', page, re.S)
    return match.group(0) if match else None


def test_the_transfer_form_offers_only_whom_the_rule_allows(client_as: ClientFor, world: World) -> None:
    form = section(text(client_as("wang.lei").get(f"/tasks/{world.research}")), "transfer")
    assert form is not None and 'value="zhou.jie"' in form and 'name="reason"' in form
    assert 'value="zhao.qiang"' not in form and 'value="wang.lei"' not in form  # outside the rule; himself
    assert 'name="csrf_token"' in form
    assert section(text(client_as("he.ping").get(f"/tasks/{world.research}")), "transfer") is None  # reads only


def test_a_transfer_moves_the_task_and_is_on_the_timeline(client_as: ClientFor, web_engine: Engine,
                                                          world: World) -> None:
    wang = client_as("wang.lei")
    response = wang.post(f"/tasks/{world.held_research}/transfer", data={"to": "zhou.jie", "reason": "出差一周"},
                         follow_redirects=True)
    assert "The task is transferred to 周杰." in text(response)
    assert web_engine.work.task(Person("zhou.jie"), world.held_research)["assignee"] == "zhou.jie"
    timeline = text(client_as("li.na").get(f"/instances/{world.held_plan}"))
    assert "transferred the task to 周杰" in timeline and "出差一周" in timeline
    zh = text(client_as("li.na").get(f"/instances/{world.held_plan}", headers=ZH))
    assert "将任务转办给 周杰" in zh


def test_a_transfer_outside_the_rule_or_without_a_reason_changes_nothing(client_as: ClientFor, web_engine: Engine,
                                                                         world: World) -> None:
    wang = client_as("wang.lei")
    outside = wang.post(f"/tasks/{world.held_research}/transfer", data={"to": "zhao.qiang", "reason": "x"},
                        follow_redirects=True)
    assert "cannot receive this task" in text(outside)
    empty = wang.post(f"/tasks/{world.held_research}/transfer", data={"to": "zhou.jie", "reason": " "},
                      follow_redirects=True)
    assert "Give a reason for the transfer" in text(empty)
    today = date.fromisoformat(web_engine.collaborators.clock().astimezone(CHINA).date().isoformat())
    web_engine.org.set_away(Person("zhou.jie"), today, today, "feng.yi")
    away = wang.post(f"/tasks/{world.held_research}/transfer", data={"to": "zhou.jie", "reason": "出差"},
                     headers=ZH, follow_redirects=True)
    assert f"zhou.jie 在 {today.isoformat()} 至 {today.isoformat()} 不在岗" in text(away)
    assert web_engine.work.task(Person("wang.lei"), world.held_research)["assignee"] == "wang.lei"


def test_the_starter_urges_once_an_hour_and_is_told_when_again(client_as: ClientFor, web_engine: Engine,
                                                               world: World) -> None:
    li_na = client_as("li.na")
    page = text(li_na.get(f"/instances/{world.plan}"))
    assert f'action="/tasks/{world.research}/urge"' in page
    done = li_na.post(f"/tasks/{world.research}/urge", data={"next": f"/instances/{world.plan}"})
    assert done.status_code == 303 and done.headers["Location"].endswith(f"/instances/{world.plan}")
    assert "urged" in {n.kind for n in web_engine.work.notifications(Person("wang.lei"))}
    again = li_na.post(f"/tasks/{world.research}/urge", data={"next": f"/instances/{world.plan}"},
                       follow_redirects=True)
    assert "You may urge it again from" in text(again)
    again_zh = li_na.post(f"/tasks/{world.research}/urge", data={"next": f"/instances/{world.plan}"},
                          headers=ZH, follow_redirects=True)
    assert "一小时内已催办过" in text(again_zh)
    assert f'action="/tasks/{world.research}/urge"' not in text(client_as("zhou.jie").get(f"/tasks/{world.research}"))


def test_withdraw_then_start_again_prefilled(client_as: ClientFor, web_engine: Engine, world: World) -> None:
    li_na = client_as("li.na")
    assert section(text(li_na.get(f"/instances/{world.plan}")), "withdraw") is not None
    assert section(text(client_as("chen.yu").get(f"/instances/{world.plan}")), "withdraw") is None  # not his
    done = li_na.post(f"/instances/{world.plan}/withdraw", data={"reason": "预算方向有变"}, follow_redirects=True)
    page = text(done)
    assert "The request is withdrawn." in page and "Withdrawn" in page and "withdrew the request" in page
    assert section(page, "withdraw") is None
    again = section(page, "start-again")
    assert again is not None and f"/processes/market_plan?from={world.plan}" in again
    form = text(li_na.get(f"/processes/market_plan?from={world.plan}"))
    assert 'value="Spring launch"' in form and f"#{world.plan}" in form
    zh = text(li_na.get(f"/instances/{world.plan}", headers=ZH))
    assert "已撤回" in zh and "重新发起" in zh
    assert client_as("zhang.min").get(f"/processes/market_plan?from={world.plan}").status_code == 403  # not hers


def test_withdraw_is_refused_once_someone_acted_saying_to_urge(client_as: ClientFor, web_engine: Engine,
                                                               world: World) -> None:
    li_na = client_as("li.na")
    assert section(text(li_na.get(f"/instances/{world.held_plan}")), "withdraw") is None  # wang.lei claimed it
    refused = li_na.post(f"/instances/{world.held_plan}/withdraw", data={"reason": "Too late"},
                         follow_redirects=True)
    assert "You may urge the holder instead." in text(refused)
    assert web_engine.work.show(Person("li.na"), world.held_plan)["status"] == "running"


def test_the_task_page_offers_urging_to_the_starter_and_not_to_the_holder(client_as: ClientFor, web_engine: Engine,
                                                                          world: World) -> None:
    page = text(client_as("li.na").get(f"/tasks/{world.held_research}", headers=ZH))
    urge = re.search(r'<form[^>]*id="urge".*?</form>', page, re.S)
    assert urge and f'action="/tasks/{world.held_research}/urge"' in urge.group(0) and "每小时最多一次" in urge.group(0)
    assert 'id="urge"' not in text(client_as("wang.lei").get(f"/tasks/{world.held_research}"))  # he holds it
    assert 'id="urge"' not in text(client_as("zhou.jie").get(f"/tasks/{world.held_research}"))  # no right
    done = client_as("li.na").post(f"/tasks/{world.held_research}/urge",
                                   data={"next": f"/tasks/{world.held_research}"})
    assert done.headers["Location"].endswith(f"/tasks/{world.held_research}")
    assert "urged" in {n.kind for n in web_engine.work.notifications(Person("wang.lei"))}
