"""Who may claim, assign and complete; refused actions leave the instance untouched."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.errors import Conflict, FormInvalid, InvalidInput, NotAllowed, UserNotFound
from engine.models import ProcessInstance
from tests.journey import DRAFT, decision, only_task, research_and_draft, start_plan


def snapshot(engine, instance_id):
    """Everything a refused action must not change."""
    with engine.transaction() as session:
        row = session.scalars(select(ProcessInstance).where(ProcessInstance.id == instance_id)).one()
        instance = (row.version, row.state_json, row.data_json, row.history_seq, row.history_head, row.status)
    return instance, engine.show(instance_id)["open_tasks"]


def test_user_without_the_lane_role_can_neither_claim_nor_complete(engine):
    plan = start_plan(engine)
    task = only_task(engine, "wang.lei", "research")
    before = snapshot(engine, plan)
    with pytest.raises(NotAllowed, match="research_supervisor"):
        engine.claim(task["id"], "zhang.min")
    with pytest.raises(NotAllowed, match="research_supervisor"):
        engine.complete(task["id"], "zhang.min", {"findings": "x"})
    assert snapshot(engine, plan) == before
    assert [t["name"] for t in engine.tasks("zhang.min")] == []


def test_unknown_user_is_refused_and_changes_nothing(engine):
    plan = start_plan(engine)
    task = only_task(engine, "wang.lei", "research")
    before = snapshot(engine, plan)
    with pytest.raises(UserNotFound, match="nobody"):
        engine.complete(task["id"], "nobody", {})
    with pytest.raises(UserNotFound):
        engine.start("market_plan", "nobody", {})
    assert snapshot(engine, plan) == before


def test_invalid_data_names_every_field_and_changes_nothing(engine):
    plan = start_plan(engine)
    research_and_draft(engine, plan)
    review = only_task(engine, "li.na", "manager_review")
    before = snapshot(engine, plan)
    with pytest.raises(FormInvalid) as refused:
        engine.complete(review["id"], "li.na", {"decision": "maybe", "comment": 3, "extra": True})
    assert set(refused.value.fields) == {"decision", "comment", "extra"}
    assert snapshot(engine, plan) == before
    with pytest.raises(FormInvalid) as refused:
        engine.complete(review["id"], "li.na", "not an object")
    assert refused.value.fields == {"_form": ["data must be a JSON object"]}
    assert snapshot(engine, plan) == before


def test_a_return_without_a_reason_is_refused_even_with_a_blank_comment(engine):
    plan = start_plan(engine)
    research_and_draft(engine, plan)
    review = only_task(engine, "li.na", "manager_review")
    with pytest.raises(FormInvalid) as refused:
        engine.complete(review["id"], "li.na", decision("return", "   "))
    assert list(refused.value.fields) == ["comment"]


def test_claim_makes_the_task_mine_and_hides_it_from_the_team(engine):
    start_plan(engine)
    task = only_task(engine, "wang.lei", "research")
    engine.add_user("qian.bo", ["research_supervisor"], "li.na")
    assert engine.claim(task["id"], "wang.lei")["changed"] is True
    assert engine.claim(task["id"], "wang.lei")["changed"] is False  # a repeated claim is harmless
    assert engine.tasks("wang.lei")[0]["mine"] is True
    assert engine.tasks("qian.bo") == []
    with pytest.raises(Conflict, match="claimed"):
        engine.claim(task["id"], "qian.bo")
    with pytest.raises(Conflict, match="claimed"):
        engine.complete(task["id"], "qian.bo", {})
    engine.unclaim(task["id"], "wang.lei")
    assert [t["id"] for t in engine.tasks("qian.bo")] == [task["id"]]


def test_manager_assigns_to_someone_who_reports_to_them(engine):
    start_plan(engine)
    task = only_task(engine, "wang.lei", "research")
    engine.add_user("qian.bo", ["research_supervisor"], "li.na")
    with pytest.raises(NotAllowed):
        engine.assign(task["id"], "qian.bo", "wang.lei")  # a peer, not a manager
    with pytest.raises(InvalidInput, match="research_supervisor"):
        engine.assign(task["id"], "zhang.min", "li.na")  # reports to li.na but lacks the role
    assert engine.assign(task["id"], "qian.bo", "li.na")["assignee"] == "qian.bo"
    assert engine.tasks("wang.lei") == []
    assert engine.tasks("qian.bo")[0]["mine"] is True
    assert engine.assign(task["id"], "wang.lei", "chen.yu")["assignee"] == "wang.lei"  # the director, two levels up
    kinds = [(e["kind"], e["actor"], e["payload"].get("to")) for e in engine.history(task["instance_id"])
             if e["kind"] == "task_assigned"]
    assert kinds == [("task_assigned", "li.na", "qian.bo"), ("task_assigned", "chen.yu", "wang.lei")]


def test_completed_task_cannot_be_completed_again(engine):
    plan = start_plan(engine)
    research_and_draft(engine, plan)
    draft_task = [e for e in engine.history(plan) if e["kind"] == "task_completed"][-1]["task_id"]
    before = snapshot(engine, plan)
    with pytest.raises(Conflict, match="completed"):
        engine.complete(draft_task, "zhang.min", DRAFT)
    assert snapshot(engine, plan) == before


def test_cancel_needs_director_or_admin_and_a_reason(engine):
    plan = start_plan(engine)
    with pytest.raises(NotAllowed):
        engine.cancel(plan, "li.na", "Changed my mind")
    with pytest.raises(InvalidInput, match="reason"):
        engine.cancel(plan, "chen.yu", "  ")
    engine.cancel(plan, "chen.yu", "Budget frozen")
    shown = engine.show(plan)
    assert (shown["status"], shown["open_tasks"]) == ("cancelled", [])
    assert engine.tasks("wang.lei") == []
    cancelled = [e for e in engine.history(plan) if e["kind"] == "instance_cancelled"]
    assert cancelled[0]["actor"] == "chen.yu" and cancelled[0]["payload"]["reason"] == "Budget frozen"
    with pytest.raises(Conflict):
        engine.cancel(plan, "admin", "Again")


def test_instance_list_shows_exactly_what_each_user_may_open(engine):
    from engine.errors import NotAllowed as Refused

    first = start_plan(engine)
    research_and_draft(engine, first)
    start_plan(engine, "zhang.min")
    engine.cancel(start_plan(engine, "chen.yu"), "chen.yu", "Duplicate")
    all_ids = [i["id"] for i in engine.instances()]
    for user in [u["username"] for u in engine.users()]:
        allowed = []
        for instance_id in all_ids:
            try:
                engine.show(instance_id, user)
                allowed.append(instance_id)
            except Refused:
                pass
        assert [i["id"] for i in engine.instances(visible_to=user)] == allowed, user
    assert [i["id"] for i in engine.instances(visible_to="zhou.jie")] == []  # staff see none of these plans
    assert len(engine.instances(visible_to="wang.lei")) == 3  # research lane: all three plans


def test_comments_need_sight_of_the_task_and_auditors_only_read(engine):
    start_plan(engine)
    task = only_task(engine, "wang.lei", "research")
    engine.add_comment(task["id"], "li.na", "Include the rural estates")
    with pytest.raises(NotAllowed):
        engine.add_comment(task["id"], "he.ping", "An auditor's remark")
    with pytest.raises(NotAllowed):
        engine.add_comment(task["id"], "zhou.jie", "Not my business")
    with pytest.raises(InvalidInput):
        engine.add_comment(task["id"], "wang.lei", "   ")
    assert [(c["author"], c["body"]) for c in engine.comments(task["id"], "he.ping")] == [
        ("li.na", "Include the rural estates")]
    events = [e for e in engine.history(task["instance_id"]) if e["kind"] == "comment_added"]
    assert [(e["actor"], e["payload"]["comment"]) for e in events] == [("li.na", "Include the rural estates")]


def test_task_counts_are_not_capped(engine):
    for _ in range(3):
        start_plan(engine)
    first = engine.tasks("wang.lei")[0]
    engine.claim(first["id"], "wang.lei")
    assert engine.task_counts("wang.lei") == {"mine": 1, "team": 2}
    assert engine.task_counts("zhang.min") == {"mine": 0, "team": 0}


def test_instances_involving_someone_are_those_others_started_where_they_held_or_did_a_step(engine):
    plan, other = start_plan(engine), start_plan(engine, "zhang.min")
    research_and_draft(engine, plan)
    assert [i["id"] for i in engine.instances(involving="wang.lei")] == [plan]
    assert [i["id"] for i in engine.instances(involving="zhang.min")] == [plan]  # not her own
    engine.claim(only_task(engine, "wang.lei", "research", other)["id"], "wang.lei")
    assert [i["id"] for i in engine.instances(involving="wang.lei")] == [other, plan]
    assert engine.instances(involving="zhou.jie") == []
