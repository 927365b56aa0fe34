"""Database engines, sessions and transactions: SQLite (WAL) by default, PostgreSQL via psycopg."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar, cast

from sqlalchemy import CTE, Engine, Insert, Table, bindparam, create_engine, event, func, insert, make_url, select, true
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import DBAPIError, DisconnectionError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql import Executable

from .errors import Conflict, Unavailable
from .private_files import private_file, private_folder

T = TypeVar("T")

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "instance" / "opsflow.sqlite"


def database_url() -> str:
    """The configured database: ``OPSFLOW_DATABASE_URL`` or the default SQLite file."""
    url = os.environ.get("OPSFLOW_DATABASE_URL")
    if url:
        return url
    private_folder(DEFAULT_SQLITE_PATH.parent)
    return f"sqlite:///{DEFAULT_SQLITE_PATH}"


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _bind_lists_in_binary(dbapi_connection: Any, _record: Any) -> None:
    """psycopg sends a Python list (an array bound to a statement: a step's rows, ``= ANY(:ids)``) in PostgreSQL's
    binary format: its text format escapes every element with a regular expression, which made binding a step's
    events, jobs and notifications cost more than the server spends writing them (an empty list stays text)."""
    from psycopg.types.array import ListBinaryDumper

    dbapi_connection.adapters.register_dumper(list, ListBinaryDumper)


def _create_privately(url: str) -> None:
    """A new SQLite database file is made 0600 before SQLite opens it (SQLite gives its -wal and -shm files the
    database file's mode); an in-memory database, a URI (``file:...``) and an existing file are left alone."""
    database = make_url(url).database
    if database and database != ":memory:" and not database.startswith("file:"):
        private_file(Path(database))


def make_engine(url: str | None = None, **kwargs: Any) -> Engine:
    """Create an engine for ``url``; SQLite gets WAL, foreign keys and a busy timeout."""
    url = url or database_url()
    if url.startswith("sqlite"):
        _create_privately(url)
        kwargs.setdefault("connect_args", {"timeout": 10})
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _configure_sqlite)
        return engine
    engine = create_engine(url, **kwargs)
    if engine.dialect.driver == "psycopg":
        event.listen(engine, "connect", _bind_lists_in_binary)
    if not kwargs.get("pool_pre_ping"):
        _ping_when_idle(engine)
    return engine


PING_AFTER_IDLE = 1.0  # seconds a pooled PostgreSQL connection may rest before it is tried at checkout


def _ping_when_idle(engine: Engine) -> None:
    """Try a pooled connection before use only when it has rested (a server restart takes longer than that):
    SQLAlchemy's ``pool_pre_ping`` costs a round trip on every checkout, on a busy node one per use case for
    nothing. A connection that fails its try is replaced (the pool tries another)."""

    def checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info[_RESTED_SINCE] = time.monotonic()

    def checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        rested = record.info.get(_RESTED_SINCE)
        if rested is None or time.monotonic() - rested <= PING_AFTER_IDLE:
            return  # new (just connected) or used a moment ago
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:  # the driver's error for a connection the server dropped
            raise DisconnectionError(str(exc)) from exc

    event.listen(engine.pool, "checkin", checkin)
    event.listen(engine.pool, "checkout", checkout)


_RESTED_SINCE = "opsflow_rested_since"


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    """One use case: commit at the end, or roll back everything on any error.

    A unique-key clash or a lock the database gave up on is someone else's concurrent change,
    so it becomes a ``Conflict`` (try again), never a server error.
    """
    session = session_factory()
    try:
        yield session
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise Conflict("someone else changed the same data at the same time; reload and try again") from exc
    except DBAPIError as exc:
        _roll_back(session)
        refusal = storage_refusal(exc)
        if refusal is not None:
            raise Unavailable(refusal) from exc
        reason = str(exc.orig).lower()
        if "database is locked" in reason or "deadlock" in reason:
            raise Conflict("the database was busy with the same data; try again") from exc
        raise
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


# What the databases answer when they take no writes: SQLite's result codes, PostgreSQL's SQLSTATEs.
SQLITE_REFUSALS = {"SQLITE_READONLY": Unavailable.READ_ONLY,  # and its kinds (_DIRECTORY, _CANTINIT, ...)
                   "SQLITE_FULL": Unavailable.FULL}
POSTGRES_REFUSALS = {"25006": Unavailable.READ_ONLY,  # read_only_sql_transaction (also a hot standby)
                     "53100": Unavailable.FULL}  # disk_full


def storage_refusal(exc: DBAPIError) -> str | None:
    """Why the database refused a write, when it takes none now (``Unavailable.READ_ONLY`` or ``FULL``)."""
    orig = exc.orig
    name = getattr(orig, "sqlite_errorname", None)
    if isinstance(name, str):
        return next((reason for prefix, reason in SQLITE_REFUSALS.items() if name.startswith(prefix)), None)
    state = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    return POSTGRES_REFUSALS.get(state) if isinstance(state, str) else None


def _roll_back(session: Session) -> None:
    """Roll back after a failed statement; a database that cannot even roll back is closed with the session."""
    try:
        session.rollback()
    except DBAPIError:
        session.invalidate()


@contextmanager
def writing_tried(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    """Statements that try whether the database takes writes, always rolled back.

    :raise Unavailable: it takes none now.
    """
    session = session_factory()
    try:
        yield session
    except DBAPIError as exc:
        refusal = storage_refusal(exc)
        if refusal is None:
            raise
        raise Unavailable(refusal) from exc
    finally:
        _roll_back(session)
        session.close()


READ_ONLY = "opsflow_read_only"  # in ``Session.info``: the session only reads (see ``remembered``)


@contextmanager
def reading(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    """A use case that only reads: nothing to commit at its end.

    On PostgreSQL its statements run in autocommit, each in its own snapshot as in a READ COMMITTED
    transaction, without the BEGIN and ROLLBACK round trips (SQLite's driver begins no transaction
    for reads either).
    """
    session = session_factory(info={READ_ONLY: {}})
    try:
        if session.get_bind().dialect.name != "sqlite":
            session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        yield session
    finally:
        session.rollback()
        session.close()


def stream(session: Session, statement: Executable, rows_per_batch: int = 5000) -> Iterator[Any]:
    """The rows of a big read of columns (not mapped objects), fetched in batches (on PostgreSQL a
    server-side cursor).

    A server-side cursor needs a transaction, and a read-only session runs in autocommit there
    (see ``reading``): it streams on a connection of its own, in a transaction of its own.
    """
    batched = statement.execution_options(yield_per=rows_per_batch)
    bind = session.get_bind()
    if READ_ONLY not in session.info or bind.dialect.name == "sqlite":  # rows as the driver gives them:
        yield from session.connection().execute(batched)  # no ORM result processing per row (columns only)
        return
    with bind.engine.connect() as connection:
        yield from connection.execute(batched)


def remembered(session: Session, key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, kept for the rest of a read-only session (a page asks who I am once, not per list).

    A session that writes computes anew each time: what it reads may be what it has just changed.
    """
    kept = session.info.get(READ_ONLY)
    if kept is None:
        return compute()
    if key not in kept:
        kept[key] = compute()
    return cast(T, kept[key])


def refresh_statistics(engine: Engine) -> None:
    """Let the query planner see how the tables have grown.

    On SQLite, ``ANALYZE`` samples at most ``analysis_limit`` rows of each index, so it takes
    milliseconds on a database of a million events (``PRAGMA optimize`` would look only at tables
    queried on its own connection before SQLite 3.46). PostgreSQL's autovacuum analyses on its own;
    ``ANALYZE`` here makes sure right after a migration and once an hour, of opsflow's own tables only (those
    of its schema: a database it shares with others, or the tests' other schemas, is left alone; a database-
    wide ``ANALYZE`` can deadlock with another schema's ``DROP``).
    """
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql("PRAGMA analysis_limit=1000")
            connection.exec_driver_sql("ANALYZE")
            return
        tables = connection.exec_driver_sql(
            "SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
        ).scalars().all()
        if tables:
            connection.exec_driver_sql("ANALYZE " + ", ".join(tables))


def insert_from_arrays(table: Table, names: tuple[str, ...], prefix: str, after: CTE | None = None) -> Insert:
    """PostgreSQL: ``INSERT INTO table (names) SELECT * FROM unnest(<an array per column>)``, one statement of one
    shape for any number of rows (each column's values bound as ``<prefix><name>``: ``array_values``).

    ``after``: a ``WITH`` statement (e.g. an ``UPDATE ... RETURNING``) run first; the rows are inserted only if
    it returned a row.
    """
    each = func.unnest(*(bindparam(f"{prefix}{name}", type_=ARRAY(table.c[name].type)) for name in names)
                       ).table_valued(*names).render_derived(name="v")
    rows = select(*(each.c[name] for name in names))
    if after is not None:
        return insert(table).from_select(list(names), rows.select_from(after).join(each, true())).add_cte(after)
    return insert(table).from_select(list(names), rows)


def array_values(rows: list[dict[str, Any]], names: tuple[str, ...], prefix: str) -> dict[str, list[Any]]:
    """The values of ``insert_from_arrays`` for ``rows`` (none for no rows)."""
    return {f"{prefix}{name}": [row[name] for row in rows] for name in names} if rows else {}
