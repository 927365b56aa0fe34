"""The gas-leak pack (燃气泄漏应急处理制度, 燃气供应中断应急预案): report → immediate measures → dispatch → resolve →
review, with deadlines in minutes set by severity (DMN) and escalation within a minute of each deadline, nights and
weekends alike (the calendar counts only a duration's day part in working days)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from engine.errors import FormInvalid, NotAllowed, ProcessError
from engine.org.people import Person
from tests.journey import OPERATOR, step
from tests.packs.support import install_pack
from tests.packs.walkthrough import follow_ups, run_due_jobs, status, task_of, verdicts, xes_traces

REPORT = {"location": "12 Binhe Road, building 3", "severity": "leak", "description": "Hissing at the riser",
          "people_at_risk": True, "reporter_phone": "138 0000 0000"}
MEASURES = {"measures": ["evacuated", "valve_closed", "ventilated"], "details": "Riser valve shut at 02:14",
            "decision": "confirmed"}
CREW = {"crew_leader": "hu.bin", "crew": "Hu Bin, Lin Xue; van 3", "arrival": "02:35"}
REPAIR = {"cause": "Corroded riser joint", "repair": "Joint replaced, pressure-tested", "supply_interrupted": False}
REVIEW = {"cause_analysis": "Joint past its service life", "timeliness": "All steps within their windows",
          "prevention": "Survey the estate's risers this month"}
SATURDAY_NIGHT = datetime(2027, 3, 6, 18, 10, tzinfo=UTC)  # Saturday 02:10 in China: no working day in sight


def reported(engine, clock, severity: str = "leak", by: str = "yang.fan") -> int:
    clock.now = SATURDAY_NIGHT
    install_pack(engine, "gas_leak")
    return engine.work.start(Person(by), "gas_leak", {**REPORT, "severity": severity}).id


def due_in(engine, username: str, name: str, instance: int, now: datetime) -> timedelta:
    return datetime.fromisoformat(task_of(engine, username, name, instance)["due_at"]) - now


@pytest.mark.parametrize(("severity", "windows"), [
    ("major", ("PT5M", "PT10M", "PT2H")), ("leak", ("PT10M", "PT15M", "PT4H")), ("smell", ("PT15M", "PT30M", "PT8H"))])
def test_each_severity_sets_its_windows_in_minutes_on_a_saturday_night(demo, clock, severity, windows):
    instance = reported(demo, clock, severity)
    data = demo.work.show(OPERATOR, instance)["data"]
    assert (data["measures_window"], data["dispatch_window"], data["resolve_window"]) == windows
    minutes = {"PT5M": 5, "PT10M": 10, "PT15M": 15, "PT30M": 30, "PT2H": 120, "PT4H": 240, "PT8H": 480}
    due = due_in(demo, "jiang.hai", "immediate_measures", instance, clock.now)
    assert due == timedelta(minutes=minutes[windows[0]])
    step(demo, "jiang.hai", "immediate_measures", instance, MEASURES)
    assert due_in(demo, "xu.tao", "dispatch_crew", instance, clock.now) == timedelta(minutes=minutes[windows[1]])
    step(demo, "xu.tao", "dispatch_crew", instance, CREW)
    assert due_in(demo, "hu.bin", "resolve_leak", instance, clock.now) == timedelta(minutes=minutes[windows[2]])


def test_a_leak_resolved_without_interruption_is_reviewed_and_closed(demo, clock):
    instance = reported(demo, clock)
    step(demo, "jiang.hai", "immediate_measures", instance, MEASURES)
    step(demo, "xu.tao", "dispatch_crew", instance, CREW)
    assert task_of(demo, "hu.bin", "resolve_leak", instance)["assignee"] == "hu.bin"  # the crew leader named
    step(demo, "hu.bin", "resolve_leak", instance, REPAIR)
    review = task_of(demo, "jiang.hai", "review", instance)  # the review counts working days: Tuesday 02:10
    assert datetime.fromisoformat(review["due_at"]) == datetime(2027, 3, 8, 18, 10, tzinfo=UTC)
    step(demo, "jiang.hai", "review", instance, REVIEW)
    assert status(demo, instance) == ("completed", "closed")
    for reader in ("chen.yu", "zhao.qiang"):  # the closed emergency is copied to the director and ops manager
        assert instance in {c["instance_id"] for c in demo.work.copies(Person(reader))}
    assert verdicts(demo, "gas_leak")[instance].fits is True
    assert xes_traces(demo, "gas_leak") == [["immediate_measures", "dispatch_crew", "resolve_leak", "review"]]


def test_an_interrupted_supply_starts_the_interruption_plan(demo, clock):
    instance = reported(demo, clock, "major")
    step(demo, "jiang.hai", "immediate_measures", instance, MEASURES)
    step(demo, "xu.tao", "dispatch_crew", instance, CREW)
    step(demo, "hu.bin", "resolve_leak", instance, {**REPAIR, "supply_interrupted": True, "households_affected": 240})
    plan = task_of(demo, "song.jia", "supply_interruption_plan", instance)
    assert due_in(demo, "song.jia", "supply_interruption_plan", instance, clock.now) == timedelta(hours=1)
    assert plan["role"] == "cs_head"
    step(demo, "song.jia", "supply_interruption_plan", instance,
         {"users_notified": "Notice posted, 240 households called", "restored_at": "2027-03-06 09:30"})
    step(demo, "jiang.hai", "review", instance, REVIEW)
    assert status(demo, instance) == ("completed", "closed")
    assert verdicts(demo, "gas_leak")[instance].fits is True


def test_a_false_alarm_is_closed_with_its_reason(demo, clock):
    instance = reported(demo, clock, "smell")
    with pytest.raises(FormInvalid):
        step(demo, "jiang.hai", "immediate_measures", instance, {**MEASURES, "decision": "false_alarm"})
    step(demo, "jiang.hai", "immediate_measures", instance,
         {"measures": [], "details": "Checked with a detector", "decision": "false_alarm",
          "comment": "A neighbour's paint thinner"})
    assert status(demo, instance) == ("completed", "false_alarm")
    assert instance in {c["instance_id"] for c in demo.work.copies(Person("xu.tao"))}
    assert verdicts(demo, "gas_leak")[instance].fits is True


def test_each_missed_deadline_escalates_within_a_minute(demo, clock):
    instance = reported(demo, clock, "major")
    run_due_jobs(demo)
    assert follow_ups(demo, "jiang.hai", instance) == ["reminder"]
    clock.advance(minutes=5)  # the deadline itself: nothing yet
    run_due_jobs(demo)
    assert follow_ups(demo, "zhao.qiang", instance) == []
    clock.advance(minutes=1, seconds=1)  # a minute past the 5 minutes: the safety head's manager is told
    run_due_jobs(demo)
    assert follow_ups(demo, "jiang.hai", instance) == ["overdue", "reminder"]
    assert follow_ups(demo, "zhao.qiang", instance) == ["escalation"]
    step(demo, "jiang.hai", "immediate_measures", instance, MEASURES)
    step(demo, "xu.tao", "dispatch_crew", instance, CREW)
    clock.advance(hours=2, minutes=2)  # the crew's 2 hours pass: the crew leader's manager, the safety head, hears
    run_due_jobs(demo)
    assert follow_ups(demo, "hu.bin", instance) == ["overdue"]
    assert follow_ups(demo, "jiang.hai", instance) == ["escalation", "overdue", "reminder"]
    step(demo, "hu.bin", "resolve_leak", instance, REPAIR)
    step(demo, "jiang.hai", "review", instance, REVIEW)
    assert verdicts(demo, "gas_leak")[instance].fits is True  # escalations are no steps of the model


def test_bad_input_is_refused_and_changes_nothing(demo, clock):
    instance = reported(demo, clock)
    with pytest.raises(FormInvalid):
        demo.work.start(Person("yang.fan"), "gas_leak", {**REPORT, "severity": "catastrophic"})
    with pytest.raises(NotAllowed):  # the measures are the safety head's
        demo.work.complete(Person("yang.fan"), task_of(demo, "jiang.hai", "immediate_measures", instance)["id"],
                           MEASURES)
    step(demo, "jiang.hai", "immediate_measures", instance, MEASURES)
    dispatch = task_of(demo, "xu.tao", "dispatch_crew", instance)
    with pytest.raises(ProcessError, match=r"no\.such\.crew"):
        demo.work.complete(Person("xu.tao"), dispatch["id"], {**CREW, "crew_leader": "no.such.crew"})
    assert task_of(demo, "xu.tao", "dispatch_crew", instance)["state"] == "open"
    assert len(demo.work.instances(OPERATOR, process_key="gas_leak")) == 1
