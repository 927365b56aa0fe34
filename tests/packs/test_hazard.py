"""The hazard pack (安全科: 安全隐患排查, 及时消除) run end to end on SQLite and PostgreSQL: a hazard recorded at
inspection, its rectification deadline set by severity (DMN), rectification by the person named, re-inspection
by anyone but the rectifier (``notCompletedBy``), closure (销号) or back to rectification; the overdue escalation
with a moved clock; then conformance and XES on that history."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from engine.audit.xes import LogFilter
from engine.errors import FormInvalid, NotAllowed, ProcessError, SeparationOfDuties
from engine.org.people import Person
from engine.scheduling.worker import Worker
from tests.journey import OPERATOR, only_task, step
from tests.packs.moved_timers import timers_follow
from tests.packs.support import install_pack

HAZARD = {"location": "Regulator station 3", "facility": "Pressure regulator", "severity": "moderate",
          "description": "Gas smell at the outlet flange.", "responsible_section": "safety", "rectifier": "hu.bin"}
FIXED = {"measures": "Flange gasket replaced, leak test passed."}


@pytest.fixture(autouse=True)
def _pack(demo, clock, monkeypatch):
    timers_follow(clock, monkeypatch)
    install_pack(demo, "hazard")


def record(engine, by: str = "lin.xue", **changes: Any) -> int:
    return int(engine.work.start(Person(by), "hazard_rectification", {**HAZARD, **changes}).id)


@pytest.mark.parametrize("severity, window", [("major", "P1D"), ("moderate", "P3D"), ("general", "P10D")])
def test_the_rectification_deadline_follows_the_severity(demo, clock, severity, window):
    hazard = record(demo, severity=severity)
    assert demo.work.show(OPERATOR, hazard)["data"]["rectify_window"] == window
    task = only_task(demo, "hu.bin", "rectify", hazard)
    assert datetime.fromisoformat(task["due_at"]) == demo.collaborators.calendar.deadline(clock.now, window)


def test_rectified_then_re_inspected_by_someone_else_and_closed(demo):
    hazard = record(demo)
    assert step(demo, "hu.bin", "rectify", hazard, FIXED)["next_tasks"] == ["reinspect"]
    done = step(demo, "lin.xue", "reinspect", hazard, {"decision": "pass"})
    assert (done["status"], done["end_event"]) == ("completed", "hazard_closed")


def test_the_rectifier_may_not_claim_or_complete_the_re_inspection_and_it_stays_open_for_others(demo):
    hazard = record(demo)
    step(demo, "hu.bin", "rectify", hazard, FIXED)
    task = only_task(demo, "hu.bin", "reinspect", hazard)  # offered to the role's queue: hu.bin holds the role
    events = len(demo.work.history(OPERATOR, hazard))
    with pytest.raises(SeparationOfDuties, match=r"hu\.bin completed 'Rectify the hazard'") as refused:
        demo.work.claim(Person("hu.bin"), task["id"])
    assert (refused.value.username, refused.value.other[0], refused.value.step[0]) == ("hu.bin", "rectify",
                                                                                       "reinspect")
    with pytest.raises(SeparationOfDuties):
        demo.work.complete(Person("hu.bin"), task["id"], {"decision": "pass"})
    with pytest.raises(SeparationOfDuties):
        demo.work.assign(Person("jiang.hai"), task["id"], "hu.bin")  # nor given to him by his head
    after = demo.work.history(OPERATOR, hazard)  # nothing changed but the attempts, each on the record
    assert [(e["kind"], e["actor"], e["payload"]["person"]) for e in after[events:]] == [
        ("separation_refused", "hu.bin", "hu.bin"), ("separation_refused", "hu.bin", "hu.bin"),
        ("separation_refused", "jiang.hai", "hu.bin")]
    still = demo.work.task(OPERATOR, task["id"])
    assert (still["state"], still["assignee"]) == ("open", None)
    assert demo.work.claim(Person("lin.xue"), task["id"])["assignee"] == "lin.xue"
    assert demo.work.complete(Person("lin.xue"), task["id"], {"decision": "pass"})["end_event"] == "hazard_closed"


def test_a_failed_re_inspection_goes_back_to_rectification_and_the_rectifier_stays_kept_apart(demo):
    hazard = record(demo)
    step(demo, "hu.bin", "rectify", hazard, FIXED)
    with pytest.raises(FormInvalid, match="comment"):  # a failed re-inspection says why
        step(demo, "lin.xue", "reinspect", hazard, {"decision": "fail"})
    back = step(demo, "lin.xue", "reinspect", hazard, {"decision": "fail", "comment": "Still smells of gas"})
    assert back["next_tasks"] == ["rectify"]
    assert "reinspect" in demo.work.task(OPERATOR, only_task(demo, "hu.bin", "rectify", hazard)["id"])["context"]
    step(demo, "hu.bin", "rectify", hazard, FIXED)
    reinspection = only_task(demo, "lin.xue", "reinspect", hazard)
    with pytest.raises(SeparationOfDuties):
        demo.work.complete(Person("hu.bin"), reinspection["id"], {"decision": "pass"})
    with pytest.raises(NotAllowed):  # re-inspection stays within the safety section (unitScope)
        demo.work.complete(Person("cao.jun"), reinspection["id"], {"decision": "pass"})
    assert [t for t in demo.work.tasks(Person("cao.jun")) if t["instance_id"] == hazard] == []
    assert demo.work.complete(Person("lin.xue"), reinspection["id"], {"decision": "pass"})["end_event"] == \
        "hazard_closed"


def test_an_overdue_rectification_is_escalated_to_the_rectifiers_manager(demo, clock):
    hazard = record(demo, severity="major")
    task = only_task(demo, "hu.bin", "rectify", hazard)
    clock.now = datetime.fromisoformat(task["due_at"]) + timedelta(minutes=5)
    assert Worker(demo.core).run_once().incidents == 0
    overdue = [e for e in demo.work.history(OPERATOR, hazard) if e["kind"] == "task_overdue"]
    assert [e["task_name"] for e in overdue] == ["rectify"]
    assert any(n.kind == "escalation" and n.task_id == task["id"] for n in demo.work.notifications(Person("jiang.hai")))
    assert any(n.kind == "overdue" and n.task_id == task["id"] for n in demo.work.notifications(Person("hu.bin")))


def test_a_rectifier_who_is_nobody_is_refused_and_a_bad_severity_too(demo):
    before = len(demo.work.instances(OPERATOR, "hazard_rectification"))
    with pytest.raises(ProcessError, match="not a known user"):
        record(demo, rectifier="no.body")
    with pytest.raises(FormInvalid, match="severity"):
        record(demo, severity="tiny")
    assert len(demo.work.instances(OPERATOR, "hazard_rectification")) == before


def test_every_path_of_the_pack_fits_its_model_and_exports_as_xes(demo):
    closed = record(demo)
    step(demo, "hu.bin", "rectify", closed, FIXED)
    step(demo, "lin.xue", "reinspect", closed, {"decision": "fail", "comment": "Not yet"})
    step(demo, "hu.bin", "rectify", closed, FIXED)
    step(demo, "lin.xue", "reinspect", closed, {"decision": "pass"})
    waiting = record(demo, severity="general", responsible_section="dispatch", rectifier="cao.jun")
    step(demo, "cao.jun", "rectify", waiting, FIXED)
    verdicts = demo.audit.conformance(OPERATOR, LogFilter("hazard_rectification"))
    assert len(verdicts) == 2 and all(v.fits for v in verdicts), [v.deviation for v in verdicts]
    xes = "".join(demo.audit.xes_log(OPERATOR, LogFilter("hazard_rectification")))
    assert xes.count("<trace>") == 2 and xes.count('value="reinspect"') >= 2
