"""The requester is told the outcome: when an instance ends (or is cancelled), its starter, and the people
the process names at its end (the appraised employee), get a "result" notification naming the end."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event

from engine.facade import Engine
from engine.org.people import Person
from tests.appraisal_steps import open_cycle, scores, self_assessment, task_of
from tests.journey import DRAFT, RESEARCH, decision, research_and_draft, start_plan, step


def results(engine: Engine, username: str) -> list[dict[str, Any]]:
    return [n for n in engine.work.notifications(Person(username)) if n.kind == "result"]


def test_the_starter_is_told_that_her_plan_was_approved(engine: Engine) -> None:
    plan = start_plan(engine)
    research_and_draft(engine, plan)
    step(engine, "li.na", "manager_review", plan, decision("approve"))
    assert results(engine, "li.na") == []  # nothing has ended yet
    step(engine, "chen.yu", "director_signoff", plan, decision("approve", "Go ahead"))
    [told] = results(engine, "li.na")
    assert told.subject == "结果 Result: 方案已批准 · Plan approved — Spring launch (2027-Q1)"
    assert told.instance_id == plan


def test_the_starter_is_told_that_her_plan_was_vetoed(engine: Engine) -> None:
    plan = start_plan(engine)
    research_and_draft(engine, plan)
    step(engine, "li.na", "manager_review", plan, decision("approve"))
    step(engine, "chen.yu", "director_signoff", plan, decision("veto", "Not this year"))
    [told] = results(engine, "li.na")
    assert "方案已否决 · Plan vetoed" in told.subject
    assert results(engine, "wang.lei") == []  # the others did their step; the result goes to the requester


def test_a_cancelled_plan_tells_its_starter_why(engine: Engine) -> None:
    plan = start_plan(engine)
    engine.work.cancel(Person("chen.yu"), plan, "The budget moved to next year")
    [told] = results(engine, "li.na")
    assert "已取消 · Cancelled" in told.subject and told.body == "The budget moved to next year"
    assert results(engine, "chen.yu") == []  # who cancelled it knows


def test_the_appraised_employee_is_told_the_recorded_result(sqlite_engine: Engine) -> None:
    engine = sqlite_engine
    open_cycle(engine)
    values = (4, 4, 4, 4)
    engine.work.complete(Person("zhou.jie"), task_of(engine, "zhou.jie", "self_assessment", "zhou.jie")["id"],
                         self_assessment(*values))
    engine.work.complete(Person("wang.lei"), task_of(engine, "wang.lei", "manager_scoring", "zhou.jie")["id"],
                         scores(*values))
    engine.work.complete(Person("li.na"), task_of(engine, "li.na", "calibration", "zhou.jie")["id"],
                         {"decision": "confirm"})
    assert results(engine, "zhou.jie") == []
    engine.work.complete(Person("zhou.jie"), task_of(engine, "zhou.jie", "acknowledge", "zhou.jie")["id"],
                         {"decision": "accept"})
    for person in ("zhou.jie", "wang.lei", "li.na", "chen.yu"):  # employee, appraiser, calibrator, starter
        [told] = results(engine, person)
        assert "结果已记录 · Result recorded" in told.subject and "(zhou.jie)" in told.subject, person


def test_an_ending_step_adds_only_its_notification_insert(sqlite_engine: Engine) -> None:
    """The last step of a plan costs what a middle one does, plus the one INSERT of its notifications, plus the two
    statements of the copy its end makes (抄送: whom to copy, the copies), plus the one that ends its pending jobs."""
    engine = sqlite_engine
    plan = start_plan(engine)
    step(engine, "wang.lei", "research", plan, RESEARCH)
    step(engine, "zhang.min", "draft_plan", plan, DRAFT)
    step(engine, "li.na", "manager_review", plan, decision("approve"))
    task = next(t for t in engine.work.tasks(Person("chen.yu")) if t["instance_id"] == plan)
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(engine.db, "before_cursor_execute", count)
    try:
        engine.work.complete(Person("chen.yu"), task["id"], decision("approve"))
    finally:
        event.remove(engine.db, "before_cursor_execute", count)
    # actor, task + instance, guarded task update, whom the end copies, the copies, instance update, history events,
    # the one UPDATE that ends the request's pending reminders and overdue checks (it ended: nothing is due any
    # more), the notifications (the result to the starter and the copy to the operations manager, in one insert)
    assert len(statements) == 9, "\n".join(statements)
    assert sum(s.startswith("UPDATE job SET state") for s in statements) == 1
    assert sum(s.startswith("INSERT INTO instance_copy") for s in statements) == 1
    assert sum(s.startswith("INSERT INTO notification") for s in statements) == 1
