"""Statements run on the driver's cursor (``engine.driver_sql``): they store what SQLAlchemy would store, read
entities equal to the ORM's, raise SQLAlchemy's exceptions (a unique clash is a ``Conflict``, a dropped connection
is invalidated), are seen by statement listeners, and a statement that needs SQLAlchemy at each run is refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import psycopg
import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, bindparam, event, insert, inspect, select, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from engine import db
from engine.driver_sql import DriverStatement, row_insert, write_rows
from engine.errors import Conflict
from engine.facade import Engine
from engine.models import HumanTask, Job, ProcessInstance
from engine.runtime.task_loading import load_task
from tests.journey import start_plan
from tests.templates import plain_dsn

JOBS: Table = Job.__table__  # type: ignore[assignment]
JOB_NAMES = ("kind", "state", "due_at", "instance_id", "human_task_id", "payload_json", "attempts", "max_attempts",
             "created_at")
SHANGHAI = timezone(timedelta(hours=8))


def _job(kind: str, due_at: datetime) -> dict[str, Any]:
    return {"kind": kind, "state": "pending", "due_at": due_at, "instance_id": None, "human_task_id": None,
            "payload_json": '{"提醒": "市场计划 \\u2028"}', "attempts": 0, "max_attempts": 5,
            "created_at": datetime(2026, 12, 7, 9, 30, 0, 123456)}


def _stored(session: Session, kind: str) -> tuple[Any, ...]:
    """The row as the database holds it, read by plain SQL (a timestamp as its text)."""
    return tuple(session.execute(text(
        "SELECT kind, state, CAST(due_at AS TEXT), instance_id, payload_json, attempts, max_attempts, "
        "CAST(created_at AS TEXT) FROM job WHERE kind = :kind"), {"kind": kind}).one())


@pytest.mark.parametrize("due_at", [datetime(2026, 12, 7, 23, 0, 1, 250, tzinfo=UTC),
                                    datetime(2026, 12, 8, 7, 0, 1, 250, tzinfo=SHANGHAI),
                                    datetime(2026, 12, 7, 23, 0, 1)])
def test_rows_written_on_the_driver_are_stored_as_sqlalchemy_stores_them(engine: Engine, due_at: datetime) -> None:
    sessions = db.make_session_factory(engine.db)
    with db.transaction(sessions) as session:
        session.execute(insert(JOBS), [_job("by-sqlalchemy", due_at)])
        write_rows(session, row_insert(JOBS, JOB_NAMES), [_job("by-driver", due_at), _job("by-driver-2", due_at)])
    with sessions() as session:
        ours, theirs = _stored(session, "by-driver"), _stored(session, "by-sqlalchemy")
        assert ours[1:] == theirs[1:]
        assert _stored(session, "by-driver-2")[1:] == theirs[1:]
        read = session.scalars(select(Job.due_at).where(Job.kind.in_(("by-driver", "by-sqlalchemy")))).all()
        assert len(read) == 2 and read[0] == read[1]


def test_a_task_read_on_the_driver_equals_the_orms_and_is_outside_the_session(engine: Engine) -> None:
    instance_id = start_plan(engine)
    sessions = db.make_session_factory(engine.db)
    with sessions() as session:
        task_id = session.scalar(select(HumanTask.id).where(HumanTask.instance_id == instance_id))
        assert task_id is not None
        task, instance = load_task(session, task_id)
        assert inspect(task).transient and inspect(instance).transient
        assert not session.identity_map
        orm_task, orm_instance = session.get(HumanTask, task_id), session.get(ProcessInstance, instance_id)
        for ours, theirs in ((task, orm_task), (instance, orm_instance)):
            for attribute in inspect(type(ours)).column_attrs:
                mine, loaded = getattr(ours, attribute.key), getattr(theirs, attribute.key)
                assert (mine, type(mine)) == (loaded, type(loaded)), attribute.key
        assert isinstance(task.created_at, datetime) and task.state == "open"


def test_a_unique_clash_on_the_driver_is_sqlalchemys_integrity_error_and_a_conflict(engine: Engine) -> None:
    instance_id = start_plan(engine)
    sessions = db.make_session_factory(engine.db)
    with sessions() as session:
        row = session.execute(select(HumanTask).where(HumanTask.instance_id == instance_id)).scalar_one()
        names = ("instance_id", "definition_id", "spiff_task_id", "name", "lane", "state", "created_at")
        again = {name: getattr(row, name) for name in names}
    statement = row_insert(HumanTask.__table__, names)  # type: ignore[arg-type]
    with sessions() as session, pytest.raises(IntegrityError) as raised:
        write_rows(session, statement, [again])
    assert "spiff_task_id" in str(raised.value.orig) or "unique" in str(raised.value.orig).lower()
    with pytest.raises(Conflict), db.transaction(sessions) as session:
        write_rows(session, statement, [again])
    with sessions() as session:
        assert session.scalar(select(HumanTask.id).where(HumanTask.instance_id == instance_id).offset(1)) is None


def test_statement_listeners_see_what_runs_on_the_driver(engine: Engine) -> None:
    seen: list[tuple[str, str, Any]] = []
    event.listen(engine.db, "before_cursor_execute", lambda _c, _cur, sql, params, _ctx, _many:
                 seen.append(("before", sql, params)))
    event.listen(engine.db, "after_cursor_execute", lambda _c, _cur, sql, params, _ctx, _many:
                 seen.append(("after", sql, params)))
    statement = DriverStatement(select(HumanTask.id).where(HumanTask.id == bindparam("b_id")))
    with db.make_session_factory(engine.db)() as session:
        assert statement.run(session, {"b_id": -5}).rows == []
    sql = statement.compiled(engine.db.dialect).sql
    assert [(when, text_) for when, text_, _ in seen] == [("before", sql), ("after", sql)]
    assert -5 in (seen[0][2].values() if isinstance(seen[0][2], dict) else seen[0][2])


def test_statements_that_need_sqlalchemy_at_each_run_are_refused() -> None:
    table = Table("t", MetaData(), Column("id", Integer, primary_key=True), Column("name", String),
                  Column("made", Integer, default=lambda: 1))
    dialect = sqlite.dialect()
    with pytest.raises(TypeError, match="expanding"):
        DriverStatement(select(table.c.id).where(table.c.name.in_(["a", "b"]))).compiled(dialect)
    with pytest.raises(TypeError, match="computed"):
        DriverStatement(insert(table).values(name=bindparam("b_name"))).compiled(dialect)
    fixed = DriverStatement(select(table.c.id).where(table.c.name == "a", table.c.id == bindparam("b_id")))
    assert fixed.compiled(dialect).fixed == {"name_1": "a"}


def test_a_connection_the_server_dropped_is_invalidated(postgres_url: str) -> None:
    engine = db.make_engine(postgres_url)
    statement = DriverStatement(select(bindparam("b_one", type_=Integer)))
    try:
        with Session(engine) as session:
            assert statement.run(session, {"b_one": 1}).rows == [(1,)]
            pid = session.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar()
            with psycopg.connect(plain_dsn(postgres_url), autocommit=True) as other:
                other.execute("SELECT pg_terminate_backend(%s)", (pid,))
            with pytest.raises(OperationalError) as raised:
                statement.run(session, {"b_one": 2})
            assert raised.value.connection_invalidated
        with Session(engine) as session:
            assert statement.run(session, {"b_one": 3}).rows == [(3,)]
    finally:
        engine.dispose()
