"""The shift-handover pack (调度科 交接班制度): the outgoing shift records the handover, the incoming shift accepts or
disputes it, a dispute is settled by the dispatch head, then the incoming shift takes over."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from engine.errors import Conflict, FormInvalid, NotAllowed
from engine.org.people import Person
from tests.journey import OPERATOR, step
from tests.packs.support import install_pack
from tests.packs.walkthrough import follow_ups, on_monday, run_due_jobs, status, task_of, verdicts, xes_traces

HANDOVER = {
    "shift_date": "2027-03-01", "shift": "day", "incoming": "luo.qing",
    "supply_status": "North ring 0.32 MPa, all stations running", "equipment_status": "Compressor 2 under repair",
    "open_matters": "Work order 1187 (meter swap) pending", "abnormal_events": "", "instructions": "",
    "records_keys_tools": True,
}
OUTGOING, INCOMING, HEAD = "cao.jun", "luo.qing", "xu.tao"


def handed_over(engine, clock, **changes) -> int:
    on_monday(clock)
    install_pack(engine, "shift_handover")
    return engine.work.start(Person(OUTGOING), "shift_handover", {**HANDOVER, **changes}).id


def test_the_incoming_shift_accepts(demo, clock):
    instance = handed_over(demo, clock)
    task = task_of(demo, INCOMING, "take_over", instance)
    assert datetime.fromisoformat(task["due_at"]) == clock.now + timedelta(minutes=30)
    shown = demo.work.task(Person(INCOMING), task["id"])
    assert shown["context"]["start"]["equipment_status"] == "Compressor 2 under repair"
    step(demo, INCOMING, "take_over", instance, {"decision": "accept"})
    assert status(demo, instance) == ("completed", "taken_over")
    assert demo.work.show(OPERATOR, instance)["title"] == "2027-03-01 day → luo.qing"
    assert verdicts(demo, "shift_handover")[instance].fits is True


def test_a_dispute_goes_to_the_dispatch_head_who_settles_it(demo, clock):
    instance = handed_over(demo, clock)
    with pytest.raises(FormInvalid):  # a dispute says what does not match
        step(demo, INCOMING, "take_over", instance, {"decision": "dispute"})
    step(demo, INCOMING, "take_over", instance, {"decision": "dispute", "comment": "Compressor 2 is not logged"})
    settle = task_of(demo, HEAD, "settle_dispute", instance)
    assert settle["assignee"] is None and settle["role"] == "dispatch_head"  # the dispatch head's queue
    assert datetime.fromisoformat(settle["due_at"]) == clock.now + timedelta(hours=1)
    with pytest.raises(FormInvalid):  # corrections must be written out
        step(demo, HEAD, "settle_dispute", instance, {"decision": "corrected", "comment": "Both right in part"})
    step(demo, HEAD, "settle_dispute", instance, {"decision": "corrected", "comment": "Both right in part",
                                                  "corrections": "Compressor 2: logged at 07:40, repair by 12:00"})
    confirm = demo.work.task(Person(INCOMING), task_of(demo, INCOMING, "confirm_take_over", instance)["id"])
    assert confirm["context"]["settle_dispute"]["decision"] == "corrected"
    step(demo, INCOMING, "confirm_take_over", instance, {"note": "Taken over at 08:20"})
    assert status(demo, instance) == ("completed", "taken_over_after_dispute")
    assert instance in {c["instance_id"] for c in demo.work.copies(Person(HEAD))}  # the end is copied to the head
    fits = verdicts(demo, "shift_handover")
    assert fits[instance].fits is True and fits[instance].steps == 3
    assert xes_traces(demo, "shift_handover") == [["take_over", "settle_dispute", "confirm_take_over"]]


def test_the_handover_settled_as_recorded(demo, clock):
    instance = handed_over(demo, clock)
    step(demo, INCOMING, "take_over", instance, {"decision": "dispute", "comment": "Keys to room 3 missing"})
    step(demo, HEAD, "settle_dispute", instance, {"decision": "stands", "comment": "Room 3 keys are kept at security"})
    step(demo, INCOMING, "confirm_take_over", instance, {})
    assert status(demo, instance) == ("completed", "taken_over_after_dispute")


def test_a_handover_not_taken_over_in_30_minutes_escalates_to_the_incomings_manager(demo, clock):
    instance = handed_over(demo, clock)
    run_due_jobs(demo)  # the reminder of a window shorter than a day goes at once
    assert follow_ups(demo, INCOMING, instance) == ["reminder"]
    clock.advance(minutes=31)
    run_due_jobs(demo)
    assert follow_ups(demo, INCOMING, instance) == ["overdue", "reminder"]
    assert follow_ups(demo, HEAD, instance) == ["escalation"]  # luo.qing reports to xu.tao
    step(demo, INCOMING, "take_over", instance, {"decision": "dispute", "comment": "Log book missing"})
    run_due_jobs(demo)
    clock.advance(hours=1, minutes=2)  # the head's hour passes too: his manager hears of it
    run_due_jobs(demo)
    assert follow_ups(demo, HEAD, instance) == ["escalation", "overdue", "reminder"]
    assert follow_ups(demo, "zhao.qiang", instance) == ["escalation"]
    assert verdicts(demo, "shift_handover")[instance].fits is True


def test_bad_input_is_refused_and_changes_nothing(demo, clock):
    instance = handed_over(demo, clock)
    with pytest.raises(Conflict):  # one handover per shift
        demo.work.start(Person("luo.qing"), "shift_handover", {**HANDOVER, "incoming": "cao.jun"})
    with pytest.raises(FormInvalid):  # the fixed content is required
        demo.work.start(Person(OUTGOING), "shift_handover", {**HANDOVER, "shift": "night", "supply_status": " "})
    with pytest.raises(NotAllowed):  # only the incoming shift takes over
        demo.work.complete(Person("han.mei"), task_of(demo, INCOMING, "take_over", instance)["id"],
                           {"decision": "accept"})
    assert [i["id"] for i in demo.work.instances(OPERATOR, process_key="shift_handover")] == [instance]
    assert xes_traces(demo, "shift_handover") == [[]]  # nothing done yet: an empty trace
