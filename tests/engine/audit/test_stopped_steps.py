"""A step open when its request was cancelled or withdrawn is shown as stopped there, not as passed."""

from __future__ import annotations

from engine.org.people import Person
from tests.journey import RESEARCH, start_plan, step

AUDITOR = Person("he.ping")


def test_the_open_step_of_a_cancelled_or_withdrawn_request_is_stopped(engine):
    cancelled, withdrawn, running = start_plan(engine), start_plan(engine), start_plan(engine)
    step(engine, "wang.lei", "research", cancelled, RESEARCH)
    engine.ops.cancel(Person("admin"), cancelled, "Duplicate")
    engine.work.withdraw(Person("li.na"), withdrawn, "Not needed now")
    path = engine.audit.diagram(AUDITOR, cancelled).path
    assert (path["stopped"], path["current"]) == (["draft_plan"], []) and path["visits"]["research"] == 1
    path = engine.audit.diagram(AUDITOR, withdrawn).path
    assert (path["stopped"], path["current"]) == (["research"], [])
    path = engine.audit.diagram(AUDITOR, running).path
    assert (path["stopped"], path["current"]) == ([], ["research"])
    early = engine.audit.diagram(AUDITOR, cancelled, step=2).path  # before the cancellation
    assert early["stopped"] == [] and early["current"] == ["draft_plan"]
