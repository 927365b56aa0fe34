"""Where bench/big_db.py's database lives: a SQLite file or a PostgreSQL database (not a benchmark itself).

Each target knows its URL, how to start afresh, where its marker is kept (``PATH.meta.json``, or the
PostgreSQL database's COMMENT), its size, and how to make a throwaway copy of itself.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import make_url

from engine.models import Base, HumanTask

DEFAULT_SQLITE = Path("/tmp/opsflow_big.sqlite")
DEFAULT_PG_DATABASE = "opsflow_big"


class SqliteTarget:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.url = f"sqlite:///{path}"
        self.label = f"SQLite {path}"
        self.marker = path.with_name(path.name + ".meta.json")

    def read_marker(self) -> dict[str, Any] | None:
        if not self.path.exists() or not self.marker.exists():
            return None
        return dict(json.loads(self.marker.read_text(encoding="utf-8")))

    def write_marker(self, meta: dict[str, Any]) -> None:
        self.marker.write_text(json.dumps(meta, indent=1, ensure_ascii=False), encoding="utf-8")

    def fresh(self) -> None:
        self.marker.unlink(missing_ok=True)
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def size(self) -> int:
        return sum(Path(f"{self.path}{s}").stat().st_size for s in ("", "-wal") if Path(f"{self.path}{s}").exists())

    @contextmanager
    def scratch_copy(self) -> Iterator[str]:
        copy = self.path.with_name(self.path.stem + "-check.sqlite")
        db = create_engine(self.url)
        with db.connect() as conn:  # fold the WAL in, so that one file is the whole database
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        db.dispose()
        shutil.copyfile(self.path, copy)
        try:
            yield f"sqlite:///{copy}"
        finally:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{copy}{suffix}").unlink(missing_ok=True)


class PostgresTarget:
    def __init__(self, server_url: str, database: str = DEFAULT_PG_DATABASE) -> None:
        base = make_url(server_url)
        self.database = database
        self.admin_dsn = base.set(drivername="postgresql").render_as_string(hide_password=False)
        self.url = base.set(database=database).render_as_string(hide_password=False)
        self.label = f"PostgreSQL database {database} on {base.host}:{base.port or 5432}"

    def _admin(self, *statements: str) -> list[Any]:
        import psycopg

        with psycopg.connect(self.admin_dsn, autocommit=True) as conn:
            return [conn.execute(s).fetchall() if s.lstrip().upper().startswith("SELECT") else conn.execute(s)
                    for s in statements]

    def read_marker(self) -> dict[str, Any] | None:
        rows = self._admin(f"SELECT shobj_description(oid, 'pg_database') FROM pg_database "
                           f"WHERE datname = '{self.database}'")[0]
        if not rows or not rows[0][0]:
            return None
        return dict(json.loads(rows[0][0]))

    def write_marker(self, meta: dict[str, Any]) -> None:
        body = json.dumps(meta, ensure_ascii=False).replace("'", "''")
        self._admin(f"COMMENT ON DATABASE {self.database} IS '{body}'")

    def fresh(self) -> None:
        self._admin(f"DROP DATABASE IF EXISTS {self.database} WITH (FORCE)", f"CREATE DATABASE {self.database}")

    def size(self) -> int:
        return int(self._admin(f"SELECT pg_database_size('{self.database}')")[0][0][0])

    def drop(self) -> None:
        self._admin(f"DROP DATABASE IF EXISTS {self.database} WITH (FORCE)")

    @contextmanager
    def scratch_copy(self) -> Iterator[str]:
        name = f"{self.database}_check"
        self._admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)",
                    f"CREATE DATABASE {name} TEMPLATE {self.database}")
        try:
            yield make_url(self.url).set(database=name).render_as_string(hide_password=False)
        finally:
            self._admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


Target = SqliteTarget | PostgresTarget


def postgres_unavailable(url: str) -> str | None:
    """Why the PostgreSQL server at ``url`` cannot be used, or None."""
    import psycopg

    try:
        with psycopg.connect(make_url(url).set(drivername="postgresql").render_as_string(hide_password=False),
                             autocommit=True, connect_timeout=5):
            return None
    except psycopg.OperationalError as exc:
        return str(exc).strip().splitlines()[0]


def schema_fingerprint() -> list[str]:
    return [f"{t.name}({','.join(c.name for c in t.columns)})" for t in Base.metadata.sorted_tables]


def table_counts(url: str) -> dict[str, int]:
    db = create_engine(url)
    try:
        with db.connect() as conn:
            counts = {t.name: int(conn.scalar(select(func.count()).select_from(t)) or 0)
                      for t in Base.metadata.sorted_tables}
            counts["open human_task"] = int(conn.scalar(select(func.count()).select_from(HumanTask).where(
                HumanTask.state == "open")) or 0)
        return counts
    finally:
        db.dispose()


