"""Database engines and sessions: SQLite (WAL) by default, PostgreSQL via psycopg."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "instance" / "opsflow.sqlite"


def database_url() -> str:
    """The configured database: ``OPSFLOW_DATABASE_URL`` or the default SQLite file."""
    url = os.environ.get("OPSFLOW_DATABASE_URL")
    if url:
        return url
    DEFAULT_SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{DEFAULT_SQLITE_PATH}"


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def make_engine(url: str | None = None, **kwargs: Any) -> Engine:
    """Create an engine for ``url``; SQLite gets WAL, foreign keys and a busy timeout."""
    url = url or database_url()
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"timeout": 10})
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _configure_sqlite)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
