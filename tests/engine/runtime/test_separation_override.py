"""Separation of duties on the market plan: the drafter given the review is refused; the director overrides the
rule for that task with a reason; the auditors' report lists the override and the same person on both steps."""

from __future__ import annotations

import pytest

from engine.errors import Conflict, InvalidInput, NotAllowed, SeparationOfDuties
from engine.org.people import Person
from engine.org.staffing import PersonSpec
from tests.journey import DRAFT, OPERATOR, RESEARCH, decision, start_plan, step

AUDITOR = Person("he.ping")


def test_the_drafter_is_refused_the_review_until_the_gm_overrides_it(engine):
    plan = start_plan(engine, "zhang.min")
    step(engine, "wang.lei", "research", plan, RESEARCH)
    step(engine, "zhang.min", "draft_plan", plan, DRAFT)
    [review] = engine.work.show(OPERATOR, plan)["open_tasks"]
    engine.org.set_person(OPERATOR, "zhang.min", PersonSpec(
        roles=["planning_supervisor", "marketing_manager"]))  # a small department: she reviews as well
    with pytest.raises(SeparationOfDuties, match=r"separation of duties: zhang\.min completed"):
        engine.work.complete(Person("zhang.min"), review["id"], decision("approve"))
    with pytest.raises(NotAllowed):
        engine.separation.override(Person("li.na"), review["id"], "She is the only one")  # no override right
    with pytest.raises(InvalidInput):
        engine.separation.override(Person("chen.yu"), review["id"], " ")  # a reason is needed
    done = engine.separation.override(Person("chen.yu"), review["id"], "Li Na is away for a month")
    assert (done["step"], done["other_step"], done["by"]) == ("manager_review", "draft_plan", "chen.yu")
    with pytest.raises(Conflict):
        engine.separation.override(Person("chen.yu"), review["id"], "again")
    engine.work.complete(Person("zhang.min"), review["id"], decision("approve"))
    [event] = [e for e in engine.work.history(OPERATOR, plan) if e["kind"] == "separation_overridden"]
    assert event["actor"] == "chen.yu" and event["payload"]["reason"] == "Li Na is away for a month"
    report = engine.separation.report(AUDITOR, {})
    kinds = {(f["kind"], f["instance_id"], f["step"], f["person"]) for f in report}
    assert kinds == {("override", plan, "manager_review", "zhang.min"),
                     ("same_person", plan, "manager_review", "zhang.min"),
                     ("refused", plan, "manager_review", "zhang.min")}  # her first attempt, on the record
    [refused] = [e for e in engine.work.history(OPERATOR, plan) if e["kind"] == "separation_refused"]
    assert refused["actor"] == "zhang.min" and refused["payload"] == {"person": "zhang.min", "other_step": "draft_plan"}
    override = next(f for f in report if f["kind"] == "override")
    assert (override["by"], override["reason"]) == ("chen.yu", "Li Na is away for a month")
    assert engine.separation.report(AUDITOR, {"person": "chen.yu"}) == [override]
    assert [f["kind"] for f in engine.separation.report(AUDITOR, {})].count("refused") == 1
    assert engine.separation.report(AUDITOR, {"process": "overtime_request"}) == []
    with pytest.raises(NotAllowed):
        engine.separation.report(Person("zhang.min"), {})


def test_a_step_without_a_rule_cannot_be_overridden(engine):
    plan = start_plan(engine)
    [research] = engine.work.show(OPERATOR, plan)["open_tasks"]
    with pytest.raises(InvalidInput, match="no separation-of-duties rule"):
        engine.separation.override(Person("chen.yu"), research["id"], "why not")
