"""Pin the SQL round trips of one task completion (statements are stable where timings are noisy).

bench/sql_per_step.py prints the same counts, with the statements, for every use case.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event

from engine.facade import build_engine
from engine.org.people import Person
from tests.journey import DRAFT, RESEARCH, only_task, start_plan, step

# One Engine.complete of draft_plan (mid-journey, definition cache warm), on SQLite:
#   1 SELECT actor + roles            2 SELECT task + instance        3 UPDATE task (guarded)
#   4 INSERT next task RETURNING id   5 UPDATE instance WHERE version = ?
#   6 INSERT the step's history events (one Core insert for all rows)
#   7 INSERT the reminder and overdue check of the next task's deadline (manager review is due in 2 working days)
#   8 SELECT the holders of the next task's role   9 INSERT their notifications
COMPLETE_STATEMENTS = 9
COMPLETE_COMMITS = 1


def test_one_completion_issues_a_pinned_number_of_statements_and_one_commit(tmp_path):
    engine = build_engine(f"sqlite:///{tmp_path}/db.sqlite")
    try:
        engine.setup.init(demo=True)
        plan = start_plan(engine)
        # The first use of a definition in a process loads it into the catalog's cache (extra
        # SELECTs); start_plan and this first completion warm it, so the count below is the
        # steady state.
        step(engine, "wang.lei", "research", plan, RESEARCH)
        task_id = only_task(engine, "zhang.min", "draft_plan", plan)["id"]

        statements: list[str] = []
        commits: list[Any] = []

        def on_execute(conn, cursor, statement, parameters, context, executemany):
            statements.append(" ".join(statement.split()))

        def on_commit(conn):
            commits.append(conn)

        event.listen(engine.db, "before_cursor_execute", on_execute)
        event.listen(engine.db, "commit", on_commit)
        try:
            result = engine.work.complete(Person("zhang.min"), task_id, DRAFT)
        finally:
            event.remove(engine.db, "before_cursor_execute", on_execute)
            event.remove(engine.db, "commit", on_commit)
    finally:
        engine.db.dispose()

    assert result["next_tasks"] == ["manager_review"]
    listing = "\n".join(f"  {i}. {s[:160]}" for i, s in enumerate(statements, 1))
    assert len(statements) == COMPLETE_STATEMENTS, (
        f"one task completion now issues {len(statements)} SQL statements, pinned at {COMPLETE_STATEMENTS}. "
        "Every statement is a database round trip on every step of every instance: a change here must be "
        "deliberate. If it is, update COMPLETE_STATEMENTS (and the comment above it) in the same commit "
        f"and say why.\n{listing}"
    )
    assert len(commits) == COMPLETE_COMMITS, (
        f"one task completion must be exactly one transaction; it committed {len(commits)} times.\n{listing}"
    )
