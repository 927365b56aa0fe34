"""The market-plan lifecycle, driven through the engine facade on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from engine.errors import FormInvalid, NotAllowed
from engine.org.people import Person
from tests.journey import DRAFT, OPERATOR, RESEARCH, decision, only_task, research_and_draft, start_plan, step


def completions(engine, instance_id):
    return [(e["task_name"], e["actor"], e["payload"].get("decision"))
            for e in engine.work.history(OPERATOR, instance_id) if e["kind"] == "task_completed"]


def test_approve_path_reaches_approved_with_the_right_people(engine):
    plan = start_plan(engine)
    research_and_draft(engine, plan)
    step(engine, "li.na", "manager_review", plan, decision("approve"))
    result = step(engine, "chen.yu", "director_signoff", plan, decision("approve", "Go ahead"))
    assert result["status"] == "completed"
    shown = engine.work.show(OPERATOR, plan)
    assert (shown["status"], shown["end_event"]) == ("completed", "approved")
    assert shown["open_tasks"] == []
    assert completions(engine, plan) == [
        ("research", "wang.lei", None), ("draft_plan", "zhang.min", None),
        ("manager_review", "li.na", "approve"), ("director_signoff", "chen.yu", "approve"),
    ]
    assert shown["data"]["director_signoff"]["comment"] == "Go ahead"


def test_return_and_rework_shows_comments_to_the_drafter(engine):
    plan = start_plan(engine)
    research_and_draft(engine, plan)
    step(engine, "li.na", "manager_review", plan, decision("return", "Budget lines are missing"))
    rework = only_task(engine, "zhang.min", "draft_plan", plan)
    context = engine.work.task(OPERATOR, rework["id"])["context"]
    assert context["manager_review"]["comment"] == "Budget lines are missing"
    assert context["research"] == RESEARCH
    step(engine, "zhang.min", "draft_plan", plan, {**DRAFT, "response_to_comments": "Added budget lines"})
    step(engine, "li.na", "manager_review", plan, decision("approve"))
    step(engine, "chen.yu", "director_signoff", plan, decision("approve"))
    assert engine.work.show(OPERATOR, plan)["end_event"] == "approved"
    assert [c[0] for c in completions(engine, plan)] == [
        "research", "draft_plan", "manager_review", "draft_plan", "manager_review", "director_signoff"]


def test_return_to_research_goes_back_to_the_researcher(engine):
    plan = start_plan(engine)
    research_and_draft(engine, plan)
    result = step(engine, "li.na", "manager_review", plan, decision("return_research", "Need competitor prices"))
    assert result["next_tasks"] == ["research"]
    task = only_task(engine, "wang.lei", "research", plan)
    assert engine.work.task(OPERATOR, task["id"])["context"]["manager_review"]["decision"] == "return_research"
    research_and_draft(engine, plan)
    step(engine, "li.na", "manager_review", plan, decision("approve"))
    step(engine, "chen.yu", "director_signoff", plan, decision("approve"))
    assert engine.work.show(OPERATOR, plan)["end_event"] == "approved"
    gateway_paths = [e["payload"]["to"] for e in engine.work.history(OPERATOR, plan) if e["kind"] == "gateway_path"
                     and e["payload"]["gateway"] == "manager_return_cap"]
    assert gateway_paths == [["research"]]


def test_director_veto_ends_the_plan_with_its_reason(engine):
    plan = start_plan(engine)
    research_and_draft(engine, plan)
    step(engine, "li.na", "manager_review", plan, decision("approve"))
    with pytest.raises(FormInvalid) as refused:
        step(engine, "chen.yu", "director_signoff", plan, decision("veto"))
    assert "comment" in refused.value.fields
    step(engine, "chen.yu", "director_signoff", plan, decision("veto", "Not this year"))
    shown = engine.work.show(OPERATOR, plan)
    assert (shown["status"], shown["end_event"]) == ("completed", "vetoed")
    ended = [e for e in engine.work.history(OPERATOR, plan) if e["kind"] == "instance_ended"]
    assert ended[0]["payload"]["end_event"] == "vetoed"
    assert completions(engine, plan)[-1] == ("director_signoff", "chen.yu", "veto")


def test_director_return_goes_back_to_the_drafter(engine):
    plan = start_plan(engine)
    research_and_draft(engine, plan)
    step(engine, "li.na", "manager_review", plan, decision("approve"))
    result = step(engine, "chen.yu", "director_signoff", plan, decision("return", "Tighten the timeline"))
    assert result["next_tasks"] == ["draft_plan"]
    rework = only_task(engine, "zhang.min", "draft_plan", plan)
    assert engine.work.task(OPERATOR, rework["id"])["context"]["director_signoff"]["comment"] == "Tighten the timeline"


def test_rework_cap_sends_the_plan_to_a_final_approve_or_veto(sqlite_engine):
    engine = sqlite_engine
    plan = start_plan(engine)
    research_and_draft(engine, plan)
    for round_no in range(1, 6):
        result = step(engine, "li.na", "manager_review", plan, decision("return", f"Round {round_no}"))
        assert result["next_tasks"] == ["draft_plan"], round_no
        step(engine, "zhang.min", "draft_plan", plan, DRAFT)
    result = step(engine, "li.na", "manager_review", plan, decision("return", "Sixth return"))
    assert result["next_tasks"] == ["director_signoff"]
    signoff = only_task(engine, "chen.yu", "director_signoff", plan)
    assert engine.work.task(OPERATOR, signoff["id"])["form"]["properties"]["decision"]["enum"] == ["approve", "veto"]
    with pytest.raises(FormInvalid) as refused:
        engine.work.complete(Person("chen.yu"), signoff["id"], decision("return", "Once more"))
    assert "decision" in refused.value.fields
    engine.work.complete(Person("chen.yu"), signoff["id"], decision("veto", "Six rounds is enough"))
    assert engine.work.show(OPERATOR, plan)["end_event"] == "vetoed"


def test_director_returns_count_towards_the_cap(sqlite_engine):
    engine = sqlite_engine
    plan = start_plan(engine)
    research_and_draft(engine, plan)
    for _ in range(5):
        step(engine, "li.na", "manager_review", plan, decision("approve"))
        step(engine, "chen.yu", "director_signoff", plan, decision("return", "Again"))
        step(engine, "zhang.min", "draft_plan", plan, DRAFT)
    step(engine, "li.na", "manager_review", plan, decision("approve"))
    signoff = only_task(engine, "chen.yu", "director_signoff", plan)
    assert engine.work.task(OPERATOR, signoff["id"])["form"]["properties"]["decision"]["enum"] == ["approve", "veto"]


def test_only_planning_roles_may_start_a_plan(engine):
    with pytest.raises(NotAllowed):
        start_plan(engine, "wang.lei")
    for username in ("li.na", "zhang.min", "chen.yu"):
        assert engine.work.show(OPERATOR, start_plan(engine, username))["status"] == "running"
    assert len(engine.work.instances(OPERATOR, "market_plan")) == 3


def test_start_data_is_validated_and_a_refused_start_leaves_nothing(engine):
    with pytest.raises(FormInvalid) as refused:
        engine.work.start(Person("li.na"), "market_plan", {"period_type": "weekly", "period": "soon"})
    assert {"title", "period_type", "period"} <= set(refused.value.fields)
    assert engine.work.instances(OPERATOR) == []


def test_instance_title_comes_from_the_start_data(engine):
    plan = start_plan(engine)
    assert engine.work.show(OPERATOR, plan)["title"] == "Spring launch (2027-Q1)"
    assert only_task(engine, "wang.lei", "research")["instance_title"] == "Spring launch (2027-Q1)"
