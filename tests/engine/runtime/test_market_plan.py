"""The market-plan lifecycle, driven through the engine facade on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from engine.audit.xes import LogFilter
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


BIG = {**DRAFT, "budget_cny": 2000000}  # above the sign-off threshold of market_plan_signoff.dmn (1,000,000)


def joint_tasks(engine, plan):
    """The director's and the branch GM's open joint sign-off tasks: username -> task id."""
    found = {}
    for username in ("chen.yu", "sun.hao"):
        for task in engine.work.tasks(Person(username)):
            if task["instance_id"] == plan and task["name"] == "joint_signoff":
                found[username] = task["id"]
    return found


def test_a_budget_above_the_threshold_needs_the_director_and_the_branch_gm(engine):
    plan = start_plan(engine)
    research_and_draft(engine, plan, BIG)
    result = step(engine, "li.na", "manager_review", plan, decision("approve"))
    assert result["next_tasks"] == ["joint_signoff", "joint_signoff"]
    tasks = joint_tasks(engine, plan)
    assert sorted(tasks) == ["chen.yu", "sun.hao"]  # one each, in each one's own inbox
    shown = engine.work.task(Person("sun.hao"), tasks["sun.hao"])
    assert shown["countersign"]["size"] == 2 and shown["form"]["properties"]["decision"]["enum"] == [
        "approve", "return", "veto"]
    data = engine.work.show(OPERATOR, plan)["data"]
    assert data["joint_signers"] == ["chen.yu", "sun.hao"] and "joint_signer" not in data  # the round's, not one's
    step(engine, "sun.hao", "joint_signoff", plan, decision("approve", "同意"))
    assert engine.work.show(OPERATOR, plan)["status"] == "running"  # both must approve
    assert joint_tasks(engine, plan) == {"chen.yu": tasks["chen.yu"]}
    step(engine, "chen.yu", "joint_signoff", plan, decision("approve"))
    shown = engine.work.show(OPERATOR, plan)
    assert (shown["status"], shown["end_event"]) == ("completed", "approved")
    assert completions(engine, plan)[-2:] == [("joint_signoff", "sun.hao", "approve"),
                                              ("joint_signoff", "chen.yu", "approve")]
    [verdict] = [v for v in engine.audit.conformance(Person("he.ping"), LogFilter("market_plan"))
                 if v.instance_id == plan]
    assert (verdict.fits, verdict.steps) == (True, 5)  # the round replays, each decision as its person's


def test_either_signer_returning_ends_the_round_and_the_drafter_sees_why(engine):
    plan = start_plan(engine)
    research_and_draft(engine, plan, BIG)
    step(engine, "li.na", "manager_review", plan, decision("approve"))
    tasks = joint_tasks(engine, plan)
    result = step(engine, "sun.hao", "joint_signoff", plan, decision("return", "预算过高，请压缩"))
    assert result["next_tasks"] == ["draft_plan"]
    assert joint_tasks(engine, plan) == {}  # the director's task closed with the round
    assert engine.work.task(Person("chen.yu"), tasks["chen.yu"])["state"] == "cancelled"
    rework = only_task(engine, "zhang.min", "draft_plan", plan)
    context = engine.work.task(OPERATOR, rework["id"])["context"]
    assert context["director_signoff"] == {"decision": "return", "comment": "sun.hao: 预算过高，请压缩"}
    steps = engine.audit.replay(Person("he.ping"), plan, 1)["steps"]
    at_round = engine.audit.replay(Person("he.ping"), plan, steps - 1)  # the manager's approval opened the round
    assert sorted((t["name"], t["assignee"]) for t in at_round["open_tasks"]) == [
        ("joint_signoff", "chen.yu"), ("joint_signoff", "sun.hao")]
    after = engine.audit.replay(Person("he.ping"), plan, steps)  # the return closed the director's part with it
    assert [t["name"] for t in after["open_tasks"]] == ["draft_plan"]
    step(engine, "zhang.min", "draft_plan", plan, DRAFT)  # cut below the threshold: the director alone
    step(engine, "li.na", "manager_review", plan, decision("approve"))
    step(engine, "chen.yu", "director_signoff", plan, decision("approve"))
    assert engine.work.show(OPERATOR, plan)["end_event"] == "approved"


def test_either_signer_may_veto(engine):
    plan = start_plan(engine)
    research_and_draft(engine, plan, BIG)
    step(engine, "li.na", "manager_review", plan, decision("approve"))
    step(engine, "chen.yu", "joint_signoff", plan, decision("veto", "不符合战略"))
    shown = engine.work.show(OPERATOR, plan)
    assert (shown["status"], shown["end_event"]) == ("completed", "vetoed")
    [ended] = [e for e in engine.work.history(OPERATOR, plan) if e["kind"] == "countersign_ended"]
    assert ended["payload"]["closed"] == ["sun.hao"]
    [verdict] = [v for v in engine.audit.conformance(Person("he.ping"), LogFilter("market_plan"))
                 if v.instance_id == plan]
    assert verdict.fits is True


def test_a_budget_at_the_threshold_is_the_director_alone(engine):
    plan = start_plan(engine)
    research_and_draft(engine, plan, {**DRAFT, "budget_cny": 1000000})
    result = step(engine, "li.na", "manager_review", plan, decision("approve"))
    assert result["next_tasks"] == ["director_signoff"]


def test_a_second_joint_round_after_rework_starts_afresh(sqlite_engine):
    engine = sqlite_engine
    plan = start_plan(engine)
    research_and_draft(engine, plan, BIG)
    step(engine, "li.na", "manager_review", plan, decision("approve"))
    step(engine, "chen.yu", "joint_signoff", plan, decision("return", "再议"))
    step(engine, "zhang.min", "draft_plan", plan, BIG)
    step(engine, "li.na", "manager_review", plan, decision("approve"))
    tasks = joint_tasks(engine, plan)
    assert sorted(tasks) == ["chen.yu", "sun.hao"]
    shown = engine.work.task(Person("chen.yu"), tasks["chen.yu"])
    members = shown["countersign"]["members"]
    assert [(m["username"], m["state"]) for m in members] == [("chen.yu", "open"), ("sun.hao", "open")]
    # each decides afresh: the last round's outcome and reasons are shown above an empty form
    assert shown["earlier_decision"] == {"decision": "return", "comment": "chen.yu: 再议"} and shown["draft"] == {}
    step(engine, "chen.yu", "joint_signoff", plan, decision("approve"))
    step(engine, "sun.hao", "joint_signoff", plan, decision("approve"))
    assert engine.work.show(OPERATOR, plan)["end_event"] == "approved"
