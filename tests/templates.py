"""Demo databases made once per test session, then copied for each test that wants one.

``engine.setup.init(demo=True)`` migrates, adds the roles and the demo organisation, deploys processes/ and
imports data/calendar.json: a few hundred milliseconds per test (more with PostgreSQL, and with a password
to hash). Here each backend gets one template per variant (the demo users without a password, or with
one), made on first use; a test then gets a copy:

- SQLite: the template file, written with its WAL folded in, copied to the test's own path;
- PostgreSQL: a template schema, copied into the test's new, empty schema (``postgres_url``) by one script
  read from the catalog (see ``SchemaCopy``). Measured against ``CREATE DATABASE ... TEMPLATE`` (either
  strategy), which writes the whole database, system catalogs included, and was slower here.

What ``init`` leaves in memory besides the database (the working calendar read anew) is redone on the
copy by ``open_copy``; everything else an engine holds (definition catalog, directory cache, heatmap memo,
verified checkpoint trees) starts empty, as after ``init``. ``init`` writes no evidence (checkpoints,
signing key, log id): ``init_demo`` and ``init_by_cli`` point it at a folder of their own and check that
it stays absent, so a copy agrees with each test's empty ``evidence_dir``.

Rows written by ``init`` (users' ``created_at``, definitions' ``deployed_at``) carry the time the template
was made, not the time of the test's clock: a little earlier, never later.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy.engine import make_url

from engine.clock import Clock, utc_now
from engine.facade import Engine, build_engine
from engine.history.checkpoints import CheckpointSettings

Password = str | None  # the demo users' password: the variant of a template


def plain_dsn(url: str) -> str:
    """A SQLAlchemy PostgreSQL URL as psycopg takes it."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def sqlite_path(url: str) -> Path | None:
    """The file of a ``sqlite:///`` URL (None for another database or an in-memory one)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def fold_wal(path: Path) -> None:
    """Checkpoint ``path``'s WAL into the file and check nothing is left beside it (a copy of the file
    alone is then the whole database)."""
    connection = sqlite3.connect(path)
    try:
        busy, _, _ = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        assert busy == 0, f"{path}: the WAL could not be checkpointed (a connection is still open)"
    finally:
        connection.close()
    for suffix in ("-wal", "-journal"):
        side = path.with_name(path.name + suffix)
        assert not side.exists() or side.stat().st_size == 0, f"{side} is left beside the template"


def _no_evidence_written(folder: Path) -> CheckpointSettings:
    return CheckpointSettings(folder / "checkpoints", folder / "signing_key")


def _check_no_evidence(folder: Path) -> None:
    assert not folder.exists(), f"init wrote evidence into {folder}: a copied database would disagree with it"


def init_demo(url: str, password: Password, evidence: Path) -> None:
    """``init(demo=True)`` on ``url``, as the fixtures used to do per test (evidence: see module doc)."""
    engine = build_engine(url, checkpoints=_no_evidence_written(evidence))
    try:
        engine.setup.init(demo=True, demo_password=password)
    finally:
        engine.db.dispose()  # closes every connection: SQLite folds its WAL, PostgreSQL can copy the database
    _check_no_evidence(evidence)


def open_copy(url: str, clock: Clock = utc_now) -> Engine:
    """A new engine on a copied demo database, in the state ``init`` leaves one in."""
    engine = build_engine(url, clock=clock)
    engine.collaborators.calendar.refresh()  # what init does last in memory (the entered days, read now)
    return engine


def init_by_cli(path: Path, env: dict[str, str], cwd: Path, evidence: Path) -> None:
    """``opsflow init --demo`` on the SQLite file ``path`` in a subprocess (the browser tests' set-up)."""
    env = {**env, "OPSFLOW_DATABASE_URL": f"sqlite:///{path}", "OPSFLOW_CHECKPOINT_DIR": str(evidence / "checkpoints"),
           "OPSFLOW_SIGNING_KEY": str(evidence / "signing_key")}
    subprocess.run([sys.executable, "-m", "opsflow.cli", "init", "--demo"], cwd=cwd, env=env, check=True,
                   capture_output=True, timeout=120)
    _check_no_evidence(evidence)
    fold_wal(path)


class DemoTemplates:
    """The demo databases of one pytest session, made on first use and removed at its end."""

    def __init__(self, folder: Path, postgres_url: str) -> None:
        self.folder = folder
        self.postgres_url = postgres_url
        # Unique per session: two sessions may share the PostgreSQL server (no xdist here, but two people).
        self.session_id = f"{os.getpid()}_{secrets.token_hex(3)}"
        self._sqlite: dict[Password, Path] = {}
        self._postgres: dict[Password, SchemaCopy] = {}
        self._schemas: list[str] = []

    @staticmethod
    def _variant(password: Password) -> str:
        return "plain" if password is None else "pw_" + hashlib.sha256(password.encode()).hexdigest()[:8]

    # -- SQLite ---------------------------------------------------------------------------------------------
    def sqlite_template(self, password: Password) -> Path:
        if password not in self._sqlite:
            variant = self._variant(password)
            path = self.folder / f"demo-{variant}.sqlite"
            init_demo(f"sqlite:///{path}", password, self.folder / f"evidence-{variant}")
            fold_wal(path)
            self._sqlite[password] = path
        return self._sqlite[password]

    def copy_sqlite(self, password: Password, target: Path) -> None:
        shutil.copyfile(self.sqlite_template(password), target)

    # -- PostgreSQL -----------------------------------------------------------------------------------------
    def _admin(self, *statements: str) -> None:
        with psycopg.connect(plain_dsn(self.postgres_url), autocommit=True) as connection:
            for statement in statements:
                connection.execute(statement)

    def schema_url(self, schema: str) -> str:
        """``postgres_url``'s form: the session's database, with ``schema`` as the search_path."""
        separator = "&" if "?" in self.postgres_url else "?"
        return f"{self.postgres_url}{separator}options=-csearch_path%3D{schema}"

    def postgres_template(self, password: Password) -> SchemaCopy:
        if password not in self._postgres:
            variant = self._variant(password)
            schema = f"opsflow_tmpl_{self.session_id}_{variant}"
            self._schemas.append(schema)  # dropped at the end even if what follows fails
            self._admin(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE', f'CREATE SCHEMA "{schema}"')
            init_demo(self.schema_url(schema), password, self.folder / f"evidence-pg-{variant}")
            with psycopg.connect(plain_dsn(self.schema_url(schema))) as connection:
                copy = SchemaCopy.of(connection, schema)
            probe = f"opsflow_probe_{self.session_id}_{variant}"  # a first copy, checked against the template
            self._admin(f'CREATE SCHEMA "{probe}"')
            try:
                with psycopg.connect(plain_dsn(self.schema_url(probe))) as connection:
                    copy.into(connection)
                    copy.check(connection)
            finally:
                self._admin(f'DROP SCHEMA "{probe}" CASCADE')
            self._postgres[password] = copy
        return self._postgres[password]

    def copy_postgres(self, password: Password, url: str) -> bool:
        """Copy the template into the schema ``url`` works in, if it is empty; whether it was."""
        copy = self.postgres_template(password)
        with psycopg.connect(plain_dsn(url)) as connection:
            if not copy.fits_in(connection):
                return False
            copy.into(connection)
        return True

    def close(self) -> None:
        if self._schemas:  # a session of SQLite tests alone never connects to PostgreSQL
            self._admin(*(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE' for schema in self._schemas))
        self._schemas.clear()
        self._postgres.clear()


def demo_engine(request: pytest.FixtureRequest, url: str, password: Password,
                clock: Clock = utc_now) -> Iterator[Engine]:
    """An engine on ``url`` with the demo organisation, its users signing in with ``password`` (None: nobody).

    A copy of the template when the database at ``url`` is still empty (a SQLite file not made yet, a
    PostgreSQL schema holding none of the template's names); otherwise (something made it first) ``init``
    runs on it, as it always did.
    """
    templates: DemoTemplates = request.getfixturevalue("demo_templates")
    path = sqlite_path(url)
    if path is not None and not path.exists():
        templates.copy_sqlite(password, path)
        engine = open_copy(url, clock)
    elif path is None and make_url(url).get_backend_name() == "postgresql" and templates.copy_postgres(password, url):
        engine = open_copy(url, clock)
    else:
        engine = build_engine(url, clock=clock)
        engine.setup.init(demo=True, demo_password=password)
    try:
        yield engine
    finally:
        engine.db.dispose()


# -- Copying a PostgreSQL schema --------------------------------------------------------------------------------
# PostgreSQL has no "copy this schema". The template's objects are read from the catalog once and turned
# into one script that runs in a single round trip and transaction on a connection whose search_path is the
# new schema; names in it are unqualified, so they land there. The first copy of each template is compared
# with the template (``SchemaCopy.check``): columns, defaults, constraints, indexes, triggers, functions,
# sequences, every relation and every row, so an object this does not copy fails the session at once.

def _rows(connection: psycopg.Connection[Any], sql: str, schema: str) -> list[tuple[Any, ...]]:
    return connection.execute(sql, {"schema": schema}).fetchall()


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _unqualified(definition: str, schema: str) -> str:
    """``definition`` with the template's schema name taken off the names it qualifies."""
    return definition.replace(f"{_ident(schema)}.", "").replace(f"{schema}.", "")


_FUNCTION_NAMES = """SELECT proname FROM pg_proc WHERE pronamespace = %(schema)s::regnamespace ORDER BY proname"""
_TABLES = """SELECT c.relname FROM pg_class c WHERE c.relnamespace = %(schema)s::regnamespace AND c.relkind = 'r'
             ORDER BY c.relname"""
# pg_sequence, not the pg_sequences view: that one reads every sequence of the database, and one another
# session drops meanwhile makes it fail ("could not open relation"). The values are read from each sequence.
_SEQUENCES = """SELECT q.relname, format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement, s.seqmin, s.seqmax,
                       s.seqcache, s.seqcycle, t.relname, a.attname
                FROM pg_class q JOIN pg_sequence s ON s.seqrelid = q.oid
                LEFT JOIN pg_depend d ON d.objid = q.oid AND d.classid = 'pg_class'::regclass AND d.deptype = 'a'
                LEFT JOIN pg_class t ON t.oid = d.refobjid
                LEFT JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
                WHERE q.relnamespace = %(schema)s::regnamespace AND q.relkind = 'S' ORDER BY q.relname"""
_FUNCTIONS = """SELECT pg_get_functiondef(p.oid) FROM pg_proc p WHERE p.pronamespace = %(schema)s::regnamespace
                ORDER BY p.proname"""
# Primary keys and unique constraints first: foreign keys need them.
_CONSTRAINTS = """SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid)
                  FROM pg_constraint c WHERE c.connamespace = %(schema)s::regnamespace AND c.conrelid <> 0
                  ORDER BY c.contype = 'f', c.conrelid::regclass::text, c.conname"""
_INDEXES = """SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
              WHERE c.relnamespace = %(schema)s::regnamespace
                AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
              ORDER BY c.relname"""
_TRIGGERS = """SELECT pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
               WHERE c.relnamespace = %(schema)s::regnamespace AND NOT t.tgisinternal ORDER BY t.tgname"""
_COLUMNS = """SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
                     pg_get_expr(d.adbin, d.adrelid), a.attidentity, a.attgenerated, a.attcollation
              FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
              LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
              WHERE c.relnamespace = %(schema)s::regnamespace AND c.relkind = 'r' AND a.attnum > 0
                AND NOT a.attisdropped ORDER BY c.relname, a.attnum"""
_RELATIONS = """SELECT relname, relkind, reloptions FROM pg_class WHERE relnamespace = %(schema)s::regnamespace
                ORDER BY relname"""


@dataclass(frozen=True)
class SchemaCopy:
    """The script that makes a copy of the template schema in the current schema, and how to check one."""

    template: str
    script: str
    relations: tuple[str, ...]  # what the script makes, each a name that must not be taken yet
    functions: tuple[str, ...]

    @classmethod
    def of(cls, connection: psycopg.Connection[Any], template: str) -> SchemaCopy:
        """Read the template's objects (``connection``'s search_path is the template: names come out bare)."""
        statements = [_unqualified(f, template) for (f,) in _rows(connection, _FUNCTIONS, template)]
        tables = [name for (name,) in _rows(connection, _TABLES, template)]
        # Columns, their types, NOT NULL and defaults; constraints and indexes come after the rows.
        statements += [f"CREATE TABLE {_ident(t)} (LIKE {_ident(template)}.{_ident(t)} INCLUDING DEFAULTS"
                       " INCLUDING IDENTITY INCLUDING GENERATED INCLUDING STORAGE INCLUDING COMMENTS)"
                       for t in tables]
        for (name, data_type, start, increment, low, high, cache, cycle, table, column) in _rows(
                connection, _SEQUENCES, template):
            statements.append(f"CREATE SEQUENCE {_ident(name)} AS {data_type} START {start} INCREMENT {increment}"
                              f" MINVALUE {low} MAXVALUE {high} CACHE {cache} {'CYCLE' if cycle else 'NO CYCLE'}")
            last, called = _sequence_state(connection, template, name)
            statements.append(f"SELECT setval('{_ident(name)}', {last}, {'true' if called else 'false'})")
            if table is not None:  # a serial column: its default named the template's sequence until now
                statements.append(f"ALTER TABLE {_ident(table)} ALTER COLUMN {_ident(column)}"
                                  f" SET DEFAULT nextval('{_ident(name)}'::regclass)")
                statements.append(f"ALTER SEQUENCE {_ident(name)} OWNED BY {_ident(table)}.{_ident(column)}")
        statements += [f"INSERT INTO {_ident(t)} SELECT * FROM {_ident(template)}.{_ident(t)}" for t in tables]
        statements += [f"ALTER TABLE {_unqualified(table, template)} ADD CONSTRAINT {_ident(name)} {definition}"
                       for table, name, definition in _rows(connection, _CONSTRAINTS, template)]
        statements += [_unqualified(d, template) for (d,) in _rows(connection, _INDEXES, template)]
        statements += [_unqualified(d, template) for (d,) in _rows(connection, _TRIGGERS, template)]
        if tables:  # init ends with ANALYZE: the planner sees the copy as it saw the template
            statements.append("ANALYZE " + ", ".join(_ident(t) for t in tables))
        relations = tuple(name for (name, _kind, _options) in _rows(connection, _RELATIONS, template))
        functions = tuple(name for (name,) in _rows(connection, _FUNCTION_NAMES, template))
        return cls(template, ";\n".join(statements), relations, functions)

    def fits_in(self, connection: psycopg.Connection[Any]) -> bool:
        """Whether ``connection``'s current schema exists and has none of the names the copy makes (one
        lookup by name: the catalog of a shared test database can be large)."""
        row = connection.execute(
            "SELECT current_schema() IS NOT NULL"
            " AND NOT EXISTS (SELECT 1 FROM pg_class WHERE relnamespace = current_schema()::regnamespace"
            "                 AND relname = ANY(%(relations)s::name[]))"
            " AND NOT EXISTS (SELECT 1 FROM pg_proc WHERE pronamespace = current_schema()::regnamespace"
            "                 AND proname = ANY(%(functions)s::name[]))",
            {"relations": list(self.relations), "functions": list(self.functions)}).fetchone()
        return bool(row and row[0])

    def into(self, connection: psycopg.Connection[Any]) -> None:
        """Make the copy in ``connection``'s current schema, in one transaction."""
        connection.execute(self.script.encode())  # bytes: several statements in one simple query
        connection.commit()

    def check(self, connection: psycopg.Connection[Any]) -> None:
        """Compare the copy in ``connection``'s current schema with the template."""
        schema = connection.execute("SELECT current_schema()").fetchone()
        assert schema is not None
        copy, template = _fingerprint(connection, schema[0]), _fingerprint(connection, self.template)
        for part in template:
            only_copy = [x for x in copy[part] if x not in template[part]]
            only_template = [x for x in template[part] if x not in copy[part]]
            assert copy[part] == template[part], (
                f"the copy of {self.template} differs in its {part}: {only_copy} in the copy, "
                f"{only_template} in the template")


def _sequence_state(connection: psycopg.Connection[Any], schema: str, sequence: str) -> tuple[int, bool]:
    row = connection.execute(f"SELECT last_value, is_called FROM {_ident(schema)}.{_ident(sequence)}").fetchone()
    assert row is not None
    return int(row[0]), bool(row[1])


def _fingerprint(connection: psycopg.Connection[Any], schema: str) -> dict[str, Any]:
    """What a schema holds, with its own name taken out."""
    def bare(sql: str) -> list[tuple[Any, ...]]:
        return [tuple(_unqualified(v, schema) if isinstance(v, str) else v for v in row)
                for row in _rows(connection, sql, schema)]
    tables = [name for (name,) in _rows(connection, _TABLES, schema)]
    data = [(t, *connection.execute(  # type: ignore[misc]
        f"SELECT md5(coalesce(string_agg(r::text, '|' ORDER BY r::text), '')), count(*)"
        f" FROM {_ident(schema)}.{_ident(t)} r").fetchone()) for t in tables]
    return {"relations": bare(_RELATIONS), "columns": bare(_COLUMNS), "constraints": bare(_CONSTRAINTS),
            "indexes": bare(_INDEXES), "triggers": bare(_TRIGGERS), "functions": bare(_FUNCTIONS),
            "sequences": [(*row, *_sequence_state(connection, schema, str(row[0]))) for row in bare(_SEQUENCES)],
            "rows": data}
