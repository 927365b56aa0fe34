"""The task page of a step that comes back: the last draft filled in, the reviewers' comments beside it."""

from __future__ import annotations

from engine.facade import Engine
from tests.journey import DRAFT, RESEARCH, decision, only_task, step
from tests.web.conftest import ClientFor, World, text


def test_the_task_page_shows_the_last_draft_and_the_reviewers_comments(
        client_as: ClientFor, web_engine: Engine, world: World) -> None:
    step(web_engine, "wang.lei", "research", world.plan, RESEARCH)
    first = only_task(web_engine, "zhang.min", "draft_plan", world.plan)["id"]
    page = text(client_as("zhang.min").get(f"/tasks/{first}"))
    assert 'name="title" type="text" value="Spring launch"' in page and 'value="2027-Q1"' in page
    assert 'id="review-notes"' not in page
    step(web_engine, "zhang.min", "draft_plan", world.plan, DRAFT)
    step(web_engine, "li.na", "manager_review", world.plan, decision("return", "Cut the budget"))
    redraft = only_task(web_engine, "zhang.min", "draft_plan", world.plan)["id"]
    page = text(client_as("zhang.min").get(f"/tasks/{redraft}", headers={"Accept-Language": "en"}))
    assert 'value="480000"' in page and DRAFT["goals"] in page and 'value="Estate open days"' in page
    notes = page[page.index('id="review-notes"'):page.index('id="form-h"')]
    assert "Cut the budget" in notes and "Return for rework" in notes and "This step came back to you" in notes


def test_a_decision_step_that_came_back_shows_last_rounds_reason_beside_an_empty_form(
        client_as: ClientFor, web_engine: Engine, world: World) -> None:
    step(web_engine, "wang.lei", "research", world.plan, RESEARCH)
    step(web_engine, "zhang.min", "draft_plan", world.plan, DRAFT)
    step(web_engine, "li.na", "manager_review", world.plan, decision("return", "预算过高，请压缩到60万以内"))
    step(web_engine, "zhang.min", "draft_plan", world.plan, {**DRAFT, "budget_cny": 550000})
    review = only_task(web_engine, "li.na", "manager_review", world.plan)["id"]
    for language, said, fresh in (("en", "Last round's decision:", "Decide afresh"),
                                  ("zh-CN", "上一轮的决定：", "请重新决定")):
        page = text(client_as("li.na").get(f"/tasks/{review}", headers={"Accept-Language": language}))
        earlier = page[page.index('id="earlier-decision"'):page.index('id="form-h"')]
        assert said in earlier and fresh in earlier and "预算过高，请压缩到60万以内" in earlier
        form = page[page.index('id="form-h"'):]
        assert "预算过高" not in form  # the comment field starts empty
        assert 'checked' not in form[:form.index("</form>")]  # and no decision is chosen
