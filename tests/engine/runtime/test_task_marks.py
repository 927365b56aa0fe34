"""The inbox marks an open task that came back by a return (退回), was urged (催办), or came by a transfer or a
delegation (转办, 委派), with who did it and why; read for a whole page in one statement (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event

from engine.clock import utc_iso
from engine.facade import Engine
from engine.org.people import Person
from engine.runtime.views import TaskMarks
from tests.journey import DRAFT, RESEARCH, decision, only_task, research_and_draft, start_plan, step


def marks_of(engine: Engine, username: str, task_id: int) -> TaskMarks | None:
    page = engine.work.inbox(Person(username), marks=True)
    assert task_id in {t["id"] for t in page.mine + page.team}, f"task {task_id} is not in {username}'s inbox"
    return page.marks.get(task_id)


def test_a_step_returned_to_by_a_reviewer_is_marked_with_who_and_why(demo: Engine):
    plan = start_plan(demo)
    step(demo, "wang.lei", "research", plan, RESEARCH)
    draft = only_task(demo, "zhang.min", "draft_plan", plan)["id"]
    back = demo.work.return_task(Person("zhang.min"), draft, "research", "请补充竞品价格")
    marks = marks_of(demo, "wang.lei", back["new_task_id"])
    assert marks is not None and (marks.returned_by, marks.return_reason) == ("zhang.min", "请补充竞品价格")
    assert (marks.urged_by, marks.handed_by) == (None, None)


def test_a_return_the_model_draws_is_marked_too_and_an_approval_is_not(demo: Engine):
    plan = start_plan(demo)
    research_and_draft(demo, plan)
    step(demo, "li.na", "manager_review", plan, decision("return", "Budget too high"))
    redraft = only_task(demo, "zhang.min", "draft_plan", plan)["id"]
    marks = marks_of(demo, "zhang.min", redraft)
    assert marks is not None and (marks.returned_by, marks.return_reason) == ("li.na", "Budget too high")
    step(demo, "zhang.min", "draft_plan", plan, DRAFT)
    step(demo, "li.na", "manager_review", plan, decision("approve"))
    signoff = only_task(demo, "chen.yu", "director_signoff", plan)["id"]
    assert marks_of(demo, "chen.yu", signoff) is None  # it came on as drawn: nothing to mark


def test_an_urged_task_is_marked_with_the_last_urge(demo: Engine, clock):
    plan = start_plan(demo)
    research = only_task(demo, "wang.lei", "research", plan)["id"]
    assert marks_of(demo, "wang.lei", research) is None
    demo.work.urge(Person("li.na"), research)
    clock.advance(hours=2)
    demo.work.urge(Person("chen.yu"), research)
    marks = marks_of(demo, "wang.lei", research)
    assert marks is not None and (marks.urged_by, marks.urged_at) == ("chen.yu", utc_iso(clock()))


def test_a_transferred_task_is_marked_until_its_holder_changes_otherwise(demo: Engine):
    plan = start_plan(demo)
    research = only_task(demo, "wang.lei", "research", plan)["id"]
    demo.work.transfer(Person("wang.lei"), research, "zhou.jie", "出差一周")
    marks = marks_of(demo, "zhou.jie", research)
    assert marks is not None and (marks.handed_by, marks.handed_as, marks.handed_reason) == (
        "wang.lei", "transfer", "出差一周")
    demo.work.assign(Person("li.na"), research, "wang.lei")  # his manager gives it back to him
    assert marks_of(demo, "wang.lei", research) is None


def test_a_delegated_task_is_marked_for_the_delegate(demo: Engine):
    plan = start_plan(demo)
    research = only_task(demo, "wang.lei", "research", plan)["id"]
    demo.work.claim(Person("wang.lei"), research)
    demo.work.delegate(Person("wang.lei"), research, "zhou.jie", "请整理数据")
    marks = marks_of(demo, "zhou.jie", research)
    assert marks is not None and (marks.handed_by, marks.handed_as) == ("wang.lei", "delegate")


def _statements(engine: Engine, username: str, marks: bool) -> list[str]:
    seen: list[str] = []

    def on_execute(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        seen.append(statement)

    event.listen(engine.db, "before_cursor_execute", on_execute)
    try:
        engine.work.inbox(Person(username), marks=marks)
    finally:
        event.remove(engine.db, "before_cursor_execute", on_execute)
    return seen


def test_the_marks_of_a_page_cost_one_statement_however_many_rows(demo: Engine):
    plans = [start_plan(demo) for _ in range(2)]
    demo.work.urge(Person("li.na"), only_task(demo, "wang.lei", "research", plans[0])["id"])
    _statements(demo, "wang.lei", True)  # warm the caches
    two = len(_statements(demo, "wang.lei", True)) - len(_statements(demo, "wang.lei", False))
    for _ in range(6):
        demo.work.urge(Person("li.na"), only_task(demo, "wang.lei", "research", start_plan(demo))["id"])
    eight = len(_statements(demo, "wang.lei", True)) - len(_statements(demo, "wang.lei", False))
    assert two == eight == 1
    assert len(demo.work.inbox(Person("wang.lei"), marks=True).marks) == 7
