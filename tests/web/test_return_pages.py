"""Returning a request to an earlier step (驳回) in the web: the "Return to…" form on the task page, the reason on
the returned step's page, the timeline, and straight back."""

from __future__ import annotations

import re

from engine.facade import Engine
from engine.org.people import Person
from tests.journey import RESEARCH, decision, only_task, research_and_draft, step
from tests.web.conftest import ClientFor, World, text

ZH, EN = {"Accept-Language": "zh-CN"}, {"Accept-Language": "en"}


def return_form(page: str) -> str | None:
    match = re.search(r'<details class="card" id="return">.*?</details>', page, re.S)
    return match.group(0) if match else None


def test_the_director_returns_the_plan_to_research_and_it_comes_straight_back(
        client_as: ClientFor, web_engine: Engine, world: World) -> None:
    research_and_draft(web_engine, world.plan)
    step(web_engine, "li.na", "manager_review", world.plan, decision("approve"))
    signoff = only_task(web_engine, "chen.yu", "director_signoff", world.plan)["id"]
    director = client_as("chen.yu")
    form = return_form(text(director.get(f"/tasks/{signoff}", headers=ZH)))
    assert form is not None and 'name="csrf_token"' in form and 'name="reason"' in form
    assert re.findall(r'<option value="(\w+)">([^<]+)</option>', form) == [
        ("research", "市场调研报告"), ("draft_plan", "撰写营销策划方案"), ("manager_review", "审核方案")]
    assert "回到你这里" in form or "直接回到" in form  # says it comes straight back (in Chinese)
    english = return_form(text(director.get(f"/tasks/{signoff}", headers=EN)))
    assert english is not None and ">Market research report<" in english and "straight back to you" in english
    # li.na follows the plan, but the sign-off is not hers: no form, and a post is refused
    assert return_form(text(client_as("li.na").get(f"/tasks/{signoff}", headers=EN))) is None
    assert client_as("li.na").post(f"/tasks/{signoff}/return", data={"to_step": "research",
                                                                      "reason": "x"}).status_code == 403
    refused = director.post(f"/tasks/{signoff}/return", data={"to_step": "research", "reason": " "}, headers=EN,
                            follow_redirects=True)
    assert "Give a reason for returning the request." in text(refused)
    assert only_task(web_engine, "chen.yu", "director_signoff", world.plan)["id"] == signoff  # nothing changed
    done = director.post(f"/tasks/{signoff}/return", data={"to_step": "research", "reason": "请补充2026年数据"},
                         headers=ZH)
    assert done.status_code == 303 and done.headers["Location"].endswith("/")
    research = only_task(web_engine, "wang.lei", "research", world.plan)["id"]
    page = text(client_as("wang.lei").get(f"/tasks/{research}", headers=ZH))
    note = re.search(r'<section class="card returned" id="return-note".*?</section>', page, re.S)
    assert note is not None and "陈宇" in note.group(0) and "总监审批" in note.group(0)
    assert "请补充2026年数据" in note.group(0)
    assert 'value="Households in new estates"' in page or "Households in new estates" in page  # earlier data
    assert "已退回" in text(director.get(f"/tasks/{signoff}", headers=ZH))  # the returned task's own state
    timeline = text(client_as("li.na").get(f"/instances/{world.plan}", headers=EN))
    assert "returned the request from “Director sign-off” to “Market research report”" in timeline
    assert "请补充2026年数据" in timeline
    step(web_engine, "wang.lei", "research", world.plan, RESEARCH)
    again = only_task(web_engine, "chen.yu", "director_signoff", world.plan)
    assert again["assignee"] == "chen.yu"
    timeline = text(client_as("li.na").get(f"/instances/{world.plan}", headers=EN))
    assert "“Market research report” was done again: the request went straight back to “Director sign-off”" \
        in timeline
    assert "Returned" in text(client_as("wang.lei").get("/notifications", headers=EN))
    assert "returned" in {n.kind for n in web_engine.work.notifications(Person("chen.yu"))}
