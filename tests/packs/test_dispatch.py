"""The dispatch pack (任务接收与分配 → 进度追踪与汇报 → 问题反馈与解决): head → middle manager → staff, a progress
report due every N working days until done, problems raised at any time and answered in parallel,
the head's acceptance."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from engine.errors import FormInvalid, NotAllowed, ProcessError
from engine.org.people import Person
from tests.journey import OPERATOR, step
from tests.packs.support import install_pack
from tests.packs.walkthrough import (
    follow_ups,
    on_monday,
    run_due_jobs,
    status,
    task_of,
    verdicts,
    xes_traces,
)

START = {"title": "Check the north valve station", "description": "Inspect and log all valves",
         "manager": "xu.tao", "due_date": "2027-03-12", "report_every_days": 3}
HEAD, MANAGER, STAFF = "zhao.qiang", "xu.tao", "cao.jun"


def dispatched(engine, clock, **start) -> int:
    """A task the head started and the middle manager assigned to cao.jun, on a Monday morning."""
    on_monday(clock)
    install_pack(engine, "dispatch")
    instance = engine.work.start(Person(HEAD), "dispatch", {**START, **start}).id
    step(engine, MANAGER, "assign_staff", instance, {"staff": STAFF, "instructions": "All valves, photos of each"})
    return instance


def report(engine, instance: int, decision: str, percent: int) -> None:
    step(engine, STAFF, "report_progress", instance, {"progress": f"{percent}% of the valves", "percent": percent,
                                                       "decision": decision})


def open_steps(engine, instance: int) -> list[str]:
    return sorted(t["name"] for t in engine.work.show(OPERATOR, instance)["open_tasks"])


def test_head_manager_staff_reports_problems_and_acceptance_on_every_branch(demo, clock):
    instance = dispatched(demo, clock)
    assert open_steps(demo, instance) == ["raise_problem", "report_progress"]  # both the staff's, in parallel
    assert task_of(demo, STAFF, "report_progress", instance)["assignee"] == STAFF
    step(demo, STAFF, "raise_problem", instance, {"problem": "The east gate is locked", "needed": "A key"})
    assert open_steps(demo, instance) == ["answer_problem", "report_progress"]  # reporting goes on meanwhile
    step(demo, MANAGER, "answer_problem", instance, {"decision": "answer", "answer": "Han Mei has the key"})
    report(demo, instance, "in_progress", 40)
    step(demo, STAFF, "raise_problem", instance, {"problem": "Valve 7 leaks: a repair crew is needed"})
    step(demo, MANAGER, "answer_problem", instance, {"decision": "refer", "answer": "Needs the safety section"})
    context = demo.work.task(Person(HEAD), task_of(demo, HEAD, "head_answer", instance)["id"])["context"]
    assert context["raise_problem"]["problem"].startswith("Valve 7")
    step(demo, HEAD, "head_answer", instance, {"answer": "Safety sends a crew tomorrow"})
    answer_seen = demo.work.task(Person(STAFF), task_of(demo, STAFF, "raise_problem", instance)["id"])["context"]
    assert answer_seen["head_answer"] == {"answer": "Safety sends a crew tomorrow"}
    report(demo, instance, "done", 100)
    assert open_steps(demo, instance) == ["head_acceptance", "raise_problem"]
    with pytest.raises(FormInvalid):  # sending it back needs what is missing
        step(demo, HEAD, "head_acceptance", instance, {"decision": "rework"})
    step(demo, HEAD, "head_acceptance", instance, {"decision": "rework", "comment": "Photos of valve 7 missing"})
    assert open_steps(demo, instance) == ["raise_problem", "report_progress"]
    report(demo, instance, "done", 100)
    step(demo, HEAD, "head_acceptance", instance, {"decision": "accept"})
    assert status(demo, instance) == ("completed", "accepted")
    assert open_steps(demo, instance) == []  # the open "raise a problem" step closed with the task
    assert demo.work.task(OPERATOR, task_of_any(demo, instance, "raise_problem"))["state"] == "cancelled"
    copied = {c["instance_id"] for c in demo.work.copies(Person(HEAD))}
    assert instance in copied  # the progress reports went up to the head (copyTo starter)
    assert instance in {c["instance_id"] for c in demo.work.copies(Person(STAFF))}  # told of the acceptance
    assert verdicts(demo, "dispatch")[instance].fits is True
    [trace] = xes_traces(demo, "dispatch")
    assert trace.count("report_progress") == 3 and trace.count("answer_problem") == 2
    assert trace[0] == "assign_staff" and trace[-1] == "head_acceptance"


def task_of_any(engine, instance: int, name: str) -> int:
    """The id of the last step called ``name`` in ``instance``, open or not."""
    ids = [e["task_id"] for e in engine.work.history(OPERATOR, instance)
           if e["kind"] == "task_created" and e["task_name"] == name and e.get("task_id")]
    return int(ids[-1])


def test_a_report_is_due_every_n_working_days_reminded_then_escalated_to_the_manager(demo, clock):
    instance = dispatched(demo, clock)
    due = datetime.fromisoformat(task_of(demo, STAFF, "report_progress", instance)["due_at"])
    assert due == clock.now + timedelta(days=3)  # Monday 09:00 + 3 working days = Thursday 09:00
    clock.advance(days=2, hours=1)  # Wednesday: within a day of the report's deadline
    run_due_jobs(demo)
    assert follow_ups(demo, STAFF, instance) == ["reminder"]
    clock.advance(hours=23, minutes=2)  # Thursday 09:02: the report is late
    run_due_jobs(demo)
    assert follow_ups(demo, STAFF, instance) == ["overdue", "reminder"]
    assert follow_ups(demo, MANAGER, instance) == ["escalation"]  # cao.jun reports to xu.tao
    report(demo, instance, "in_progress", 30)  # late, still taken; the next report is due 3 working days on
    after = datetime.fromisoformat(task_of(demo, STAFF, "report_progress", instance)["due_at"])
    assert after == clock.now + timedelta(days=5)  # Thursday + 3 working days = Tuesday (over the weekend)
    assert verdicts(demo, "dispatch")[instance].fits is True  # reminders and escalations are no model steps


def test_the_report_interval_defaults_to_two_working_days(demo, clock):
    start = {k: v for k, v in START.items() if k != "report_every_days"}
    on_monday(clock)
    install_pack(demo, "dispatch")
    instance = demo.work.start(Person(HEAD), "dispatch", start).id
    step(demo, MANAGER, "assign_staff", instance, {"staff": "luo.qing", "instructions": "Go"})
    due = datetime.fromisoformat(task_of(demo, "luo.qing", "report_progress", instance)["due_at"])
    assert due == clock.now + timedelta(days=2)


def test_bad_input_is_refused_and_changes_nothing(demo, clock):
    on_monday(clock)
    install_pack(demo, "dispatch")
    with pytest.raises(NotAllowed):  # only the department's head assigns
        demo.work.start(Person(STAFF), "dispatch", START)
    with pytest.raises(FormInvalid):
        demo.work.start(Person(HEAD), "dispatch", {**START, "report_every_days": 0})
    with pytest.raises(ProcessError, match=r"nobody\.here"):  # a middle manager who is not a user
        demo.work.start(Person(HEAD), "dispatch", {**START, "manager": "nobody.here"})
    assert demo.work.instances(OPERATOR, process_key="dispatch") == []
    instance = demo.work.start(Person(HEAD), "dispatch", START).id
    assign = task_of(demo, MANAGER, "assign_staff", instance)
    with pytest.raises(ProcessError, match="ghost"):
        demo.work.complete(Person(MANAGER), assign["id"], {"staff": "ghost", "instructions": "Go"})
    assert open_steps(demo, instance) == ["assign_staff"]
    with pytest.raises(NotAllowed):  # another section's head cannot do xu.tao's step
        demo.work.complete(Person("pan.yong"), assign["id"], {"staff": STAFF, "instructions": "Go"})
