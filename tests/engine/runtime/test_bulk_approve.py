"""Bulk approval (批量审批): off by default, enabled per step (``bulkApprove``); several tasks of one step approved
with one comment, each in its own transaction and history event; a stale one is reported, the rest done."""

from __future__ import annotations

import pytest

from engine.errors import InvalidInput
from engine.org.people import Person
from tests.approver_rules import deploy_market_plan
from tests.journey import OPERATOR, decision, only_task, research_and_draft, start_plan, step

LI_NA = Person("li.na")


def _reviews(engine, count):
    plans = [start_plan(engine) for _ in range(count)]
    for plan in plans:
        research_and_draft(engine, plan)
    return plans, [only_task(engine, "li.na", "manager_review", plan)["id"] for plan in plans]


def test_several_reviews_are_approved_with_one_comment_and_a_stale_one_is_reported(engine, tmp_path):
    deploy_market_plan(engine, tmp_path, steps={"manager_review": {"bulkApprove": "true"}})
    plans, tasks = _reviews(engine, 3)
    assert all(t["bulk_approve"] for t in engine.work.tasks(LI_NA) if t["name"] == "manager_review")
    step(engine, "li.na", "manager_review", plans[1], decision("return", "Too vague"))  # stale in another tab
    result = engine.work.bulk_approve(LI_NA, [tasks[0], tasks[1], tasks[2]], "同意，按计划推进")
    assert result["approved"] == [tasks[0], tasks[2]]
    [stale] = result["refused"]
    assert (stale["id"], stale["error"]) == (tasks[1], "conflict")
    for plan in (plans[0], plans[2]):
        [done] = [e for e in engine.work.history(OPERATOR, plan)
                  if e["kind"] == "task_completed" and e["task_name"] == "manager_review"]
        assert (done["actor"], done["payload"]["decision"], done["payload"]["comment"]) == (
            "li.na", "approve", "同意，按计划推进")
        assert only_task(engine, "chen.yu", "director_signoff", plan)


def test_off_by_default_only_ones_own_and_each_once(engine, tmp_path):
    plans, tasks = _reviews(engine, 1)  # version 1: no step allows it
    assert not any(t["bulk_approve"] for t in engine.work.tasks(LI_NA))
    refused = engine.work.bulk_approve(LI_NA, tasks)
    assert refused["approved"] == [] and refused["refused"][0]["error"] == "invalid"
    assert only_task(engine, "li.na", "manager_review", plans[0])  # still open
    deploy_market_plan(engine, tmp_path, steps={"manager_review": {"bulkApprove": "true"},
                                                "research": {"bulkApprove": "true"}})
    other = start_plan(engine)
    research_and_draft(engine, other)
    review = only_task(engine, "li.na", "manager_review", other)["id"]
    theirs = engine.work.bulk_approve(Person("wang.lei"), [review])
    assert theirs["refused"][0]["error"] == "forbidden"  # not his to approve
    with pytest.raises(InvalidInput):
        engine.work.bulk_approve(LI_NA, [])
    assert engine.work.bulk_approve(LI_NA, [review, review])["approved"] == [review]  # once each
