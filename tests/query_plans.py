"""The query plan a database chooses for a statement, as text (tests that an index is read)."""

from __future__ import annotations

from sqlalchemy import Connection, Executable, text


def plan_of(connection: Connection, statement: Executable) -> str:
    """The query plan of ``statement`` on ``connection``'s database; on PostgreSQL with sequential scans off for the
    transaction (a test's few rows would otherwise be read whole, where a department's many are read by index)."""
    sql = str(statement.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    if connection.dialect.name == "postgresql":
        connection.execute(text("SET LOCAL enable_seqscan = off"))
        return " ".join(str(row[0]) for row in connection.exec_driver_sql(f"EXPLAIN {sql}"))
    return " ".join(str(row[-1]) for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}"))
