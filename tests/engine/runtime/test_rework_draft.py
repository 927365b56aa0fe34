"""Rework keeps the draft: a step that comes back opens with what was last submitted for it, a first step
with the start form's values of the same fields, and a renamed plan renames its instance."""

from __future__ import annotations

from engine.facade import Engine
from engine.org.people import Person
from tests.journey import DRAFT, OPERATOR, RESEARCH, START, decision, only_task, start_plan, step


def test_a_first_draft_starts_with_the_start_forms_title_and_period(engine: Engine) -> None:
    plan = start_plan(engine)
    step(engine, "wang.lei", "research", plan, RESEARCH)
    draft = engine.work.task(Person("zhang.min"), only_task(engine, "zhang.min", "draft_plan", plan)["id"])
    assert draft["draft"] == {"title": START["title"], "period_type": START["period_type"], "period": START["period"]}
    assert draft["returned"] is False
    step(engine, "zhang.min", "draft_plan", plan, DRAFT)
    review = engine.work.task(Person("li.na"), only_task(engine, "li.na", "manager_review", plan)["id"])
    assert review["draft"] == {} and review["returned"] is False  # no field of the start form's, nothing before


def test_a_returned_draft_opens_with_what_was_last_submitted_and_decisions_are_not_refilled(engine: Engine) -> None:
    plan = start_plan(engine)
    step(engine, "wang.lei", "research", plan, RESEARCH)
    step(engine, "zhang.min", "draft_plan", plan, DRAFT)
    step(engine, "li.na", "manager_review", plan, decision("return", "Cut the budget"))
    redraft = engine.work.task(Person("zhang.min"), only_task(engine, "zhang.min", "draft_plan", plan)["id"])
    assert redraft["returned"] is True
    assert redraft["draft"] == DRAFT
    assert redraft["context"]["manager_review"] == {"decision": "return", "comment": "Cut the budget"}
    step(engine, "zhang.min", "draft_plan", plan, {**DRAFT, "budget_cny": 300000})
    review = engine.work.task(Person("li.na"), only_task(engine, "li.na", "manager_review", plan)["id"])
    # Issue 19's defect: the return's reason used to stand pre-filled as the next round's comment. A decision
    # form now starts empty; the last round's decision and reason are given beside it, never in it.
    assert review["returned"] is True and review["draft"] == {}
    assert review["earlier_decision"] == {"decision": "return", "comment": "Cut the budget"}
    assert redraft["earlier_decision"] is None  # the drafter's form decides nothing: it is filled as it was


def test_approving_a_plan_that_came_back_records_no_words_the_reviewer_did_not_type(engine: Engine) -> None:
    """The reviewer returns with a reason, then approves the reworked plan without typing a comment: the
    approval carries no comment (the old pre-filled form would have recorded the return's reason)."""
    plan = start_plan(engine)
    step(engine, "wang.lei", "research", plan, RESEARCH)
    step(engine, "zhang.min", "draft_plan", plan, DRAFT)
    step(engine, "li.na", "manager_review", plan, decision("return", "预算过高，请压缩到60万以内"))
    step(engine, "zhang.min", "draft_plan", plan, {**DRAFT, "budget_cny": 550000})
    review = engine.work.task(Person("li.na"), only_task(engine, "li.na", "manager_review", plan)["id"])
    engine.work.complete(Person("li.na"), review["id"], {**review["draft"], "decision": "approve"})
    approvals = [e for e in engine.work.history(OPERATOR, plan)
                 if e["kind"] == "task_completed" and e["payload"].get("decision") == "approve"]
    assert len(approvals) == 1 and "comment" not in approvals[0]["payload"]


def test_renaming_the_plan_in_the_draft_renames_the_instance_and_it_stays_renamed(engine: Engine) -> None:
    plan = start_plan(engine)
    step(engine, "wang.lei", "research", plan, RESEARCH)
    step(engine, "zhang.min", "draft_plan", plan, {**DRAFT, "title": "Spring relaunch", "period": "2027-Q2"})
    assert engine.work.show(OPERATOR, plan)["title"] == "Spring relaunch (2027-Q2)"
    step(engine, "li.na", "manager_review", plan, decision("approve"))  # a later step renders the title again
    shown = engine.work.show(OPERATOR, plan)
    assert shown["title"] == "Spring relaunch (2027-Q2)"
    assert shown["data"]["start"]["title"] == START["title"]  # what the requester asked for stays on record
    assert only_task(engine, "chen.yu", "director_signoff", plan)["instance_title"] == "Spring relaunch (2027-Q2)"
