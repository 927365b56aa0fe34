"""SQL statements and commits per use case, on SQLite.

Counts what the Engine sends to the database (SQLAlchemy ``before_cursor_execute``; the
implicit BEGIN of the sqlite3 driver is not a statement and is not counted) and the commits
and rollbacks on ``engine.db`` during one call of ``Engine.start``, ``Engine.tasks``,
``Engine.claim`` and ``Engine.complete`` for each step of the market-plan approve journey.

The definition cache is warmed by one whole journey first; the first call in a fresh process
(cold cache) is shown separately. Usage::

    .venv/bin/python bench/sql_per_step.py [--quiet]   # --quiet: counts only, no statements
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from _common import JOURNEY, START, STARTER, SqlCount, count_sql, open_task_id, run_journey, sqlite_engine

from engine.facade import Engine, build_engine

WIDTH = 150


def measure(engine: Engine, label: str, call: Callable[[], Any], rows: list[tuple[str, SqlCount]]) -> Any:
    with count_sql(engine) as counted:
        result = call()
    rows.append((label, counted))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quiet", action="store_true", help="print the counts only")
    args = parser.parse_args()

    rows: list[tuple[str, SqlCount]] = []
    with sqlite_engine() as engine:
        url = engine.db.url.render_as_string(hide_password=False)
        # cold: a second Engine on the same file has an empty definition cache
        cold = build_engine(url)
        try:
            measure(cold, "Engine.start (cold cache: first call in a process)",
                    lambda: cold.start("market_plan", STARTER, START), rows)
        finally:
            cold.db.dispose()

        run_journey(engine)  # warm the cache and every code path
        instance_id = int(measure(engine, "Engine.start", lambda: engine.start("market_plan", STARTER, START),
                                  rows)["id"])
        first_user, first_task, _ = JOURNEY[0]
        measure(engine, f"Engine.tasks({first_user!r})", lambda: engine.tasks(first_user), rows)
        task_id = open_task_id(engine, instance_id, first_task)
        measure(engine, f"Engine.claim ({first_task})", lambda: engine.claim(task_id, first_user), rows)
        for username, name, data in JOURNEY:
            task_id = open_task_id(engine, instance_id, name)
            measure(engine, f"Engine.complete ({name}{', claimed' if name == first_task else ''})",
                    lambda task_id=task_id, username=username, data=data: engine.complete(task_id, username, data),
                    rows)

    print("sql_per_step: SQL statements and commits per Engine call, SQLite, market-plan approve journey")
    print(f"  {'call':<58} {'statements':>10} {'commits':>8} {'rollbacks':>9}")
    for label, counted in rows:
        print(f"  {label:<58} {len(counted.statements):>10} {counted.commits:>8} {counted.rollbacks:>9}")
    if args.quiet:
        return
    for label, counted in rows:
        print(f"\n  {label}:")
        for i, statement in enumerate(counted.statements, 1):
            text = statement if len(statement) <= WIDTH else statement[:WIDTH - 3] + "..."
            print(f"    {i:>2}. {text}")


if __name__ == "__main__":
    main()
