"""The same approver twice (自动去重): with ``skipSameApprover``, a step is passed at once when whoever just
approved the step before would approve it too; on the record as ``task_auto_passed`` (reason: same approver),
and the history still replays against the model."""

from __future__ import annotations

from engine.audit.xes import LogFilter
from tests.approver_rules import deploy_market_plan, move_role
from tests.journey import OPERATOR, decision, research_and_draft, start_plan, step


def test_the_second_approval_by_the_same_person_is_passed_and_recorded_as_such(engine, tmp_path):
    deploy_market_plan(engine, tmp_path, {"skipSameApprover": "true"})
    move_role(engine, "director", "chen.yu", "li.na")  # li.na reviews and signs off: adjacent steps
    plan = start_plan(engine)
    research_and_draft(engine, plan)
    done = step(engine, "li.na", "manager_review", plan, decision("approve", "Good plan"))
    assert (done["status"], done["end_event"], done["next_tasks"]) == ("completed", "approved", [])
    history = engine.work.history(OPERATOR, plan)
    [passed] = [e for e in history if e["kind"] == "task_auto_passed"]
    assert passed["task_name"] == "director_signoff"
    assert (passed["payload"]["reason"], passed["payload"]["approver"]) == ("same approver", "li.na")
    assert [e["kind"] for e in history].count("task_completed") == 3  # research, draft, review: not the passed one
    assert engine.work.show(OPERATOR, plan)["data"]["director_signoff"] == {"decision": "approve"}
    [verdict] = engine.audit.conformance(OPERATOR, LogFilter("market_plan", version=2))
    assert verdict.fits is True, verdict.deviation
    xes = "".join(engine.audit.xes_log(OPERATOR, LogFilter("market_plan", version=2)))
    events = xes[xes.index("<trace>"):]  # the header's globals name a default transition too
    done = events.count('key="lifecycle:transition" value="complete"/>') - events.count('key="opsflow:automatic"')
    assert done == 4 and '<string key="opsflow:auto_passed" value="same approver"/>' in xes


def test_a_return_is_not_passed_on_and_without_the_option_nothing_is_passed(engine, tmp_path):
    move_role(engine, "director", "chen.yu", "li.na")
    plan = start_plan(engine)  # version 1: no skipSameApprover
    research_and_draft(engine, plan)
    assert step(engine, "li.na", "manager_review", plan, decision("approve"))["next_tasks"] == ["director_signoff"]
    deploy_market_plan(engine, tmp_path, {"skipSameApprover": "true"})
    other = start_plan(engine)
    research_and_draft(engine, other)
    returned = step(engine, "li.na", "manager_review", other, decision("return", "More detail"))
    assert returned["next_tasks"] == ["draft_plan"]
    assert not [e for e in engine.work.history(OPERATOR, other) if e["kind"] == "task_auto_passed"]


def test_a_step_held_by_someone_else_is_not_passed(engine, tmp_path):
    deploy_market_plan(engine, tmp_path, {"skipSameApprover": "true"})
    plan = start_plan(engine)
    research_and_draft(engine, plan)
    assert step(engine, "li.na", "manager_review", plan, decision("approve"))["next_tasks"] == ["director_signoff"]
