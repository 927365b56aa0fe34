"""What a use case sends to the database, and changes made beside opsflow's code (another node, plain SQL)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, text

from engine.facade import Engine


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    """The statements ``engine`` executes inside the block, as sent."""
    seen: list[str] = []

    def on_execute(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(engine.db, "before_cursor_execute", on_execute)
    try:
        yield seen
    finally:
        event.remove(engine.db, "before_cursor_execute", on_execute)


def plain_sql(engine: Engine, sql: str, **params: Any) -> None:
    """A change made outside opsflow's code (another node, a tool, an operator at the SQL prompt)."""
    with engine.db.begin() as conn:
        conn.execute(text(sql), params)
