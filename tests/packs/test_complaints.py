"""The complaints pack (客户服务科: 投诉处理, 满意度调查) run end to end on SQLite and PostgreSQL: a complaint
recorded, its first response within 1 working day and its resolution within 5 (timers on the working-day
calendar, fired with a moved clock), escalation to the section head and then the operations manager, the
satisfaction survey and the head's review of a dissatisfied customer; then conformance and XES on that history."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from engine.audit.xes import LogFilter
from engine.errors import NotAllowed, ProcessError
from engine.org.people import Person
from engine.scheduling.worker import Worker
from tests.journey import OPERATOR, only_task, step
from tests.packs.moved_timers import timers_follow
from tests.packs.support import install_pack

COMPLAINT = {"customer": "王女士", "contact": "138 0000 0000", "channel": "phone", "category": "supply",
             "subject": "No gas since this morning", "description": "The stove does not light; neighbours too.",
             "handler": "yang.fan"}
RESPONSE = {"contacted_by": "phone", "response": "Crew on the way; gas back by 18:00."}
RESOLUTION = {"cause": "A valve closed for works was not reopened.", "resolution": "Valve reopened, supply back."}


@pytest.fixture(autouse=True)
def _pack(demo, clock, monkeypatch):
    timers_follow(clock, monkeypatch)
    install_pack(demo, "complaints")


def record(engine, by: str = "yang.fan", **changes: Any) -> int:
    return int(engine.work.start(Person(by), "complaint_handling", {**COMPLAINT, **changes}).id)


def data(engine, instance: int) -> dict[str, Any]:
    return engine.work.show(OPERATOR, instance)["data"]


def past(engine, clock, instance: int, due: str) -> None:
    """Move the clock just past the deadline the instance's data holds, and run the worker's due jobs."""
    clock.now = datetime.fromisoformat(data(engine, instance)[due]) + timedelta(minutes=2)
    report = Worker(engine.core).run_once()
    assert report.incidents == 0


def survey(engine, instance: int, outcome: str) -> dict[str, Any]:
    return step(engine, "yang.fan", "satisfaction_survey", instance, {"outcome": outcome, "comment": "ok"})


def kinds(engine, instance: int) -> list[str]:
    return [e["kind"] for e in engine.work.history(OPERATOR, instance)]


def test_the_handler_responds_resolves_and_the_satisfied_customer_closes_it(demo, clock):
    complaint = record(demo)
    started = data(demo, complaint)
    recorded = clock.now
    assert datetime.fromisoformat(started["first_response_due"]) == demo.collaborators.calendar.deadline(
        recorded, "P1D")
    assert datetime.fromisoformat(started["resolution_due"]) == demo.collaborators.calendar.deadline(recorded, "P5D")
    first = only_task(demo, "yang.fan", "first_response", complaint)
    assert first["due_at"] is not None  # the inbox shows the first-response deadline
    assert step(demo, "yang.fan", "first_response", complaint, RESPONSE)["next_tasks"] == ["resolve"]
    assert step(demo, "yang.fan", "resolve", complaint, RESOLUTION)["next_tasks"] == ["satisfaction_survey"]
    done = survey(demo, complaint, "satisfied")
    assert (done["status"], done["end_event"]) == ("completed", "closed")
    final = data(demo, complaint)
    assert (final["first_response_breached"], final["resolution_breached"]) == (False, False)
    assert "timer_fired" not in kinds(demo, complaint)


def test_only_customer_service_people_and_other_staff_record_complaints(demo):
    with pytest.raises(NotAllowed, match="may not start"):
        record(demo, by="li.na")
    assert record(demo, by="song.jia") > 0  # the section head records one too


def test_a_late_first_response_goes_to_the_section_head(demo, clock):
    complaint = record(demo)
    handler_task = only_task(demo, "yang.fan", "first_response", complaint)
    past(demo, clock, complaint, "first_response_due")
    assert data(demo, complaint)["first_response_breached"] is True
    assert not [t for t in demo.work.tasks(Person("yang.fan")) if t["instance_id"] == complaint]
    head = only_task(demo, "song.jia", "head_first_response", complaint)
    history = demo.work.history(OPERATOR, complaint)
    assert [e["task_name"] for e in history if e["kind"] == "task_expired"] == ["first_response"]
    assert any(n.kind == "new_task" and n.task_id == head["id"] for n in demo.work.notifications(Person("song.jia")))
    assert any(n.kind == "expired" and n.task_id == handler_task["id"]
               for n in demo.work.notifications(Person("yang.fan")))
    assert step(demo, "song.jia", "head_first_response", complaint, RESPONSE)["next_tasks"] == ["resolve"]
    step(demo, "yang.fan", "resolve", complaint, RESOLUTION)
    assert survey(demo, complaint, "neutral")["end_event"] == "closed"


def test_a_late_resolution_goes_to_the_operations_manager_who_copies_the_head(demo, clock):
    complaint = record(demo)
    step(demo, "yang.fan", "first_response", complaint, RESPONSE)
    past(demo, clock, complaint, "resolution_due")
    assert data(demo, complaint)["resolution_breached"] is True
    only_task(demo, "zhao.qiang", "manager_resolution", complaint)
    assert step(demo, "zhao.qiang", "manager_resolution", complaint, RESOLUTION)["next_tasks"] == [
        "satisfaction_survey"]
    assert any(n.instance_id == complaint for n in demo.work.notifications(Person("song.jia")))  # copied (抄送)
    assert survey(demo, complaint, "unreachable")["end_event"] == "closed"


def test_both_deadlines_missed_escalate_to_the_head_then_the_operations_manager(demo, clock):
    complaint = record(demo)
    past(demo, clock, complaint, "first_response_due")
    only_task(demo, "song.jia", "head_first_response", complaint)
    past(demo, clock, complaint, "resolution_due")
    assert not [t for t in demo.work.tasks(Person("song.jia")) if t["instance_id"] == complaint]
    only_task(demo, "zhao.qiang", "manager_resolution", complaint)
    final = data(demo, complaint)
    assert (final["first_response_breached"], final["resolution_breached"]) == (True, True)
    assert [e["task_name"] for e in demo.work.history(OPERATOR, complaint) if e["kind"] == "task_expired"] == [
        "first_response", "head_first_response"]


def test_a_dissatisfied_customer_is_reopened_with_five_more_working_days_or_closed(demo, clock):
    complaint = record(demo)
    step(demo, "yang.fan", "first_response", complaint, RESPONSE)
    step(demo, "yang.fan", "resolve", complaint, RESOLUTION)
    assert survey(demo, complaint, "dissatisfied")["next_tasks"] == ["head_review"]
    clock.advance(hours=3)
    reopened = step(demo, "song.jia", "head_review", complaint, {"decision": "reopen", "comment": "Check the meter"})
    assert reopened["next_tasks"] == ["resolve"]
    again = data(demo, complaint)
    assert again["reopen_count"] == 1
    assert datetime.fromisoformat(again["resolution_due"]) == demo.collaborators.calendar.deadline(clock.now, "P5D")
    step(demo, "yang.fan", "resolve", complaint, RESOLUTION)
    survey(demo, complaint, "dissatisfied")
    closed = step(demo, "song.jia", "head_review", complaint, {"decision": "close", "comment": "Works as agreed"})
    assert (closed["status"], closed["end_event"]) == ("completed", "closed_dissatisfied")


def test_a_reopened_complaint_late_again_goes_to_the_operations_manager(demo, clock):
    complaint = record(demo)
    step(demo, "yang.fan", "first_response", complaint, RESPONSE)
    step(demo, "yang.fan", "resolve", complaint, RESOLUTION)
    survey(demo, complaint, "dissatisfied")
    step(demo, "song.jia", "head_review", complaint, {"decision": "reopen", "comment": "Again"})
    past(demo, clock, complaint, "resolution_due")
    only_task(demo, "zhao.qiang", "manager_resolution", complaint)


def test_a_late_survey_is_escalated_to_the_handlers_manager(demo, clock):
    complaint = record(demo)
    step(demo, "yang.fan", "first_response", complaint, RESPONSE)
    step(demo, "yang.fan", "resolve", complaint, RESOLUTION)
    task = only_task(demo, "yang.fan", "satisfaction_survey", complaint)
    clock.now = datetime.fromisoformat(task["due_at"]) + timedelta(minutes=5)
    assert Worker(demo.core).run_once().incidents == 0
    assert "task_overdue" in kinds(demo, complaint)
    assert any(n.kind == "escalation" and n.task_id == task["id"] for n in demo.work.notifications(Person("song.jia")))


def test_a_handler_who_is_nobody_is_refused_and_nothing_is_started(demo):
    before = len(demo.work.instances(OPERATOR, "complaint_handling"))
    with pytest.raises(ProcessError, match="not a known user"):
        record(demo, handler="no.body")
    assert len(demo.work.instances(OPERATOR, "complaint_handling")) == before


def test_every_path_of_the_pack_fits_its_model_and_exports_as_xes(demo, clock):
    happy = record(demo)
    step(demo, "yang.fan", "first_response", happy, RESPONSE)
    step(demo, "yang.fan", "resolve", happy, RESOLUTION)
    survey(demo, happy, "dissatisfied")
    step(demo, "song.jia", "head_review", happy, {"decision": "reopen", "comment": "Again"})
    step(demo, "yang.fan", "resolve", happy, RESOLUTION)
    survey(demo, happy, "satisfied")
    late = record(demo)
    past(demo, clock, late, "first_response_due")
    past(demo, clock, late, "resolution_due")
    step(demo, "zhao.qiang", "manager_resolution", late, RESOLUTION)
    survey(demo, late, "dissatisfied")
    step(demo, "song.jia", "head_review", late, {"decision": "close", "comment": "Compensated"})
    verdicts = demo.audit.conformance(OPERATOR, LogFilter("complaint_handling"))
    assert len(verdicts) == 2 and all(v.fits for v in verdicts), [v.deviation for v in verdicts]
    xes = "".join(demo.audit.xes_log(OPERATOR, LogFilter("complaint_handling")))
    assert xes.count("<trace>") == 2
    for element in ("first_response", "resolve", "manager_resolution", "satisfaction_survey", "head_review"):
        assert f'value="{element}"' in xes
