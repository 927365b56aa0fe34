"""Who may claim, assign and complete; refused actions leave the instance untouched."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.errors import Conflict, FormInvalid, InvalidInput, NotAllowed, UserNotFound
from engine.models import ProcessInstance
from engine.org.people import Person
from engine.runtime.views import TaskCounts
from tests.journey import DRAFT, OPERATOR, decision, only_task, research_and_draft, start_plan


def snapshot(engine, instance_id):
    """Everything a refused action must not change."""
    with engine.core.transaction() as session:
        row = session.scalars(select(ProcessInstance).where(ProcessInstance.id == instance_id)).one()
        instance = (row.version, row.state_json, row.data_json, row.history_seq, row.history_head, row.status)
    return instance, engine.work.show(OPERATOR, instance_id)["open_tasks"]


def test_user_without_the_lane_role_can_neither_claim_nor_complete(engine):
    plan = start_plan(engine)
    task = only_task(engine, "wang.lei", "research")
    before = snapshot(engine, plan)
    with pytest.raises(NotAllowed, match="research_supervisor"):
        engine.work.claim(Person("zhang.min"), task["id"])
    with pytest.raises(NotAllowed, match="research_supervisor"):
        engine.work.complete(Person("zhang.min"), task["id"], {"findings": "x"})
    assert snapshot(engine, plan) == before
    assert [t["name"] for t in engine.work.tasks(Person("zhang.min"))] == []


def test_unknown_user_is_refused_and_changes_nothing(engine):
    plan = start_plan(engine)
    task = only_task(engine, "wang.lei", "research")
    before = snapshot(engine, plan)
    with pytest.raises(UserNotFound, match="nobody"):
        engine.work.complete(Person("nobody"), task["id"], {})
    with pytest.raises(UserNotFound):
        engine.work.start(Person("nobody"), "market_plan", {})
    assert snapshot(engine, plan) == before


def test_invalid_data_names_every_field_and_changes_nothing(engine):
    plan = start_plan(engine)
    research_and_draft(engine, plan)
    review = only_task(engine, "li.na", "manager_review")
    before = snapshot(engine, plan)
    with pytest.raises(FormInvalid) as refused:
        engine.work.complete(Person("li.na"), review["id"], {"decision": "maybe", "comment": 3, "extra": True})
    assert set(refused.value.fields) == {"decision", "comment", "extra"}
    assert snapshot(engine, plan) == before
    with pytest.raises(FormInvalid) as refused:
        engine.work.complete(Person("li.na"), review["id"], "not an object")
    assert refused.value.fields == {"_form": ["data must be a JSON object"]}
    assert snapshot(engine, plan) == before


def test_a_return_without_a_reason_is_refused_even_with_a_blank_comment(engine):
    plan = start_plan(engine)
    research_and_draft(engine, plan)
    review = only_task(engine, "li.na", "manager_review")
    with pytest.raises(FormInvalid) as refused:
        engine.work.complete(Person("li.na"), review["id"], decision("return", "   "))
    assert list(refused.value.fields) == ["comment"]


def test_claim_makes_the_task_mine_and_hides_it_from_the_team(engine):
    start_plan(engine)
    task = only_task(engine, "wang.lei", "research")
    engine.org.add_user(OPERATOR, "qian.bo", ["research_supervisor"], "li.na")
    assert engine.work.claim(Person("wang.lei"), task["id"])["changed"] is True
    assert engine.work.claim(Person("wang.lei"), task["id"])["changed"] is False  # a repeated claim is harmless
    assert engine.work.tasks(Person("wang.lei"))[0]["mine"] is True
    assert engine.work.tasks(Person("qian.bo")) == []
    with pytest.raises(Conflict, match="claimed"):
        engine.work.claim(Person("qian.bo"), task["id"])
    with pytest.raises(Conflict, match="claimed"):
        engine.work.complete(Person("qian.bo"), task["id"], {})
    engine.work.unclaim(Person("wang.lei"), task["id"])
    assert [t["id"] for t in engine.work.tasks(Person("qian.bo"))] == [task["id"]]


def test_manager_assigns_to_someone_who_reports_to_them(engine):
    start_plan(engine)
    task = only_task(engine, "wang.lei", "research")
    engine.org.add_user(OPERATOR, "qian.bo", ["research_supervisor"], "li.na")
    with pytest.raises(NotAllowed):
        engine.work.assign(Person("wang.lei"), task["id"], "qian.bo")  # a peer, not a manager
    with pytest.raises(InvalidInput, match="research_supervisor"):
        engine.work.assign(Person("li.na"), task["id"], "zhang.min")  # reports to li.na but lacks the role
    assert engine.work.assign(Person("li.na"), task["id"], "qian.bo")["assignee"] == "qian.bo"
    assert engine.work.tasks(Person("wang.lei")) == []
    assert engine.work.tasks(Person("qian.bo"))[0]["mine"] is True
    assert engine.work.assign(Person("chen.yu"), task["id"],
                              "wang.lei")["assignee"] == "wang.lei"  # the director, two levels up
    kinds = [(e["kind"], e["actor"], e["payload"].get("to")) for e in engine.work.history(OPERATOR, task["instance_id"])
             if e["kind"] == "task_assigned"]
    assert kinds == [("task_assigned", "li.na", "qian.bo"), ("task_assigned", "chen.yu", "wang.lei")]


def test_completed_task_cannot_be_completed_again(engine):
    plan = start_plan(engine)
    research_and_draft(engine, plan)
    draft_task = [e for e in engine.work.history(OPERATOR, plan) if e["kind"] == "task_completed"][-1]["task_id"]
    before = snapshot(engine, plan)
    with pytest.raises(Conflict, match="completed"):
        engine.work.complete(Person("zhang.min"), draft_task, DRAFT)
    assert snapshot(engine, plan) == before


def test_cancel_needs_director_or_admin_and_a_reason(engine):
    plan = start_plan(engine)
    with pytest.raises(NotAllowed):
        engine.work.cancel(Person("li.na"), plan, "Changed my mind")
    with pytest.raises(InvalidInput, match="reason"):
        engine.work.cancel(Person("chen.yu"), plan, "  ")
    engine.work.cancel(Person("chen.yu"), plan, "Budget frozen")
    shown = engine.work.show(OPERATOR, plan)
    assert (shown["status"], shown["open_tasks"]) == ("cancelled", [])
    assert engine.work.tasks(Person("wang.lei")) == []
    cancelled = [e for e in engine.work.history(OPERATOR, plan) if e["kind"] == "instance_cancelled"]
    assert cancelled[0]["actor"] == "chen.yu" and cancelled[0]["payload"]["reason"] == "Budget frozen"
    with pytest.raises(Conflict):
        engine.work.cancel(Person("admin"), plan, "Again")


def test_instance_list_shows_exactly_what_each_user_may_open(engine):
    from engine.errors import NotAllowed as Refused

    first = start_plan(engine)
    research_and_draft(engine, first)
    start_plan(engine, "zhang.min")
    engine.work.cancel(Person("chen.yu"), start_plan(engine, "chen.yu"), "Duplicate")
    all_ids = [i["id"] for i in engine.work.instances(OPERATOR)]
    for user in [u.username for u in engine.org.users(OPERATOR)]:
        allowed = []
        for instance_id in all_ids:
            try:
                engine.work.show(Person(user), instance_id)
                allowed.append(instance_id)
            except Refused:
                pass
        assert [i["id"] for i in engine.work.instances(Person(user))] == allowed, user
    assert [i["id"] for i in engine.work.instances(Person("zhou.jie"))] == []  # staff see none of these plans
    assert len(engine.work.instances(Person("wang.lei"))) == 3  # research lane: all three plans


def test_comments_need_sight_of_the_task_and_auditors_only_read(engine):
    start_plan(engine)
    task = only_task(engine, "wang.lei", "research")
    engine.work.add_comment(Person("li.na"), task["id"], "Include the rural estates")
    with pytest.raises(NotAllowed):
        engine.work.add_comment(Person("he.ping"), task["id"], "An auditor's remark")
    with pytest.raises(NotAllowed):
        engine.work.add_comment(Person("zhou.jie"), task["id"], "Not my business")
    with pytest.raises(InvalidInput):
        engine.work.add_comment(Person("wang.lei"), task["id"], "   ")
    assert [(c["author"], c["body"]) for c in engine.work.comments(Person("he.ping"), task["id"])] == [
        ("li.na", "Include the rural estates")]
    events = [e for e in engine.work.history(OPERATOR, task["instance_id"]) if e["kind"] == "comment_added"]
    assert [(e["actor"], e["payload"]["comment"]) for e in events] == [("li.na", "Include the rural estates")]


def test_task_counts_are_not_capped(engine):
    for _ in range(3):
        start_plan(engine)
    first = engine.work.tasks(Person("wang.lei"))[0]
    engine.work.claim(Person("wang.lei"), first["id"])
    assert engine.work.task_counts(Person("wang.lei")) == TaskCounts(mine=1, team=2)
    assert engine.work.task_counts(Person("zhang.min")) == TaskCounts(mine=0, team=0)


def involved(engine, username):
    """The instances others started in which ``username`` holds or did a step ("My requests", second list)."""
    return engine.work.my_requests(Person(username)).involved


def test_instances_involving_someone_are_those_others_started_where_they_held_or_did_a_step(engine):
    plan, other = start_plan(engine), start_plan(engine, "zhang.min")
    research_and_draft(engine, plan)
    assert [i["id"] for i in involved(engine, "wang.lei")] == [plan]
    assert [i["id"] for i in involved(engine, "zhang.min")] == [plan]  # not her own
    engine.work.claim(Person("wang.lei"), only_task(engine, "wang.lei", "research", other)["id"])
    assert [i["id"] for i in involved(engine, "wang.lei")] == [other, plan]
    assert involved(engine, "zhou.jie") == []
