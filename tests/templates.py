"""Demo databases made once per test session, then copied for each test that wants one.

``engine.init(demo=True)`` migrates, adds the roles and the demo organisation, deploys processes/ and
imports data/calendar.json: a few hundred milliseconds per test (more with PostgreSQL, and with a password
to hash). Here each backend gets one template per variant (the demo users without a password, or with
one), made on first use; a test then gets a copy:

- SQLite: the template file, written with its WAL folded in, copied to the test's own path;
- PostgreSQL: ``CREATE DATABASE ... TEMPLATE`` (the default WAL_LOG strategy of PostgreSQL 15 measured
  faster here than FILE_COPY, which forces two checkpoints), dropped after the test.

What ``init`` leaves in memory besides the database (the working calendar read anew) is redone on the
copy by ``open_copy``; everything else an engine holds (definition catalog, directory cache, heatmap memo,
verified checkpoint trees) starts empty, as after ``init``. ``init`` writes no evidence (checkpoints,
signing key, log id): ``_build_*`` point it at a folder of their own and check that it stays absent, so a
copy agrees with each test's empty ``evidence_dir``.

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
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from engine.clock import Clock, utc_now
from engine.facade import Engine, build_engine
from engine.history.checkpoints import CheckpointSettings
from tests.journey import DEMO_PASSWORD

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
        engine.init(demo=True, demo_password=password)
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
        self._postgres: dict[Password, str] = {}

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
    def _admin(self, *statements: str, params: Sequence[object] = ()) -> None:
        with psycopg.connect(plain_dsn(self.postgres_url), autocommit=True) as connection:
            for statement in statements:
                connection.execute(statement, params if "%s" in statement else None)

    def url_of(self, database: str) -> str:
        return make_url(self.postgres_url).set(database=database).render_as_string(hide_password=False)

    def postgres_template(self, password: Password) -> str:
        if password not in self._postgres:
            variant = self._variant(password)
            name = f"opsflow_tmpl_{self.session_id}_{variant}"
            self._admin(f'CREATE DATABASE "{name}"')
            self._postgres[password] = name  # dropped at the end even if init fails
            init_demo(self.url_of(name), password, self.folder / f"evidence-pg-{variant}")
            # Nobody connects to a template: a lingering connection would make CREATE DATABASE wait, then fail.
            self._admin(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false',
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", params=[name])
        return self._postgres[password]

    def create_postgres_copy(self, password: Password) -> str:
        """A new database copied from the template; its URL."""
        template = self.postgres_template(password)
        name = f"opsflow_t_{uuid.uuid4().hex[:12]}"
        self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return self.url_of(name)

    def drop_postgres_copy(self, url: str) -> None:
        """Drop a copy, closing what the test left connected to it (another node, a CLI, an app)."""
        self._admin(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')

    def close(self) -> None:
        for name in self._postgres.values():
            self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self._postgres.clear()


# The fixtures that build the demo organisation on ``db_url``, and the password its users get
# (``engine`` and ``demo`` in tests/conftest.py, ``any_db_engine`` in tests/web/conftest.py).
DEMO_ON_DB_URL: dict[str, Password] = {"engine": None, "demo": DEMO_PASSWORD, "any_db_engine": DEMO_PASSWORD}

# The PostgreSQL databases ``db_url`` copied from a template for a test: URL -> the template's password.
COPIED = pytest.StashKey[dict[str, Password]]()


def demo_wanted_on_db_url(request: pytest.FixtureRequest) -> tuple[bool, Password]:
    """Whether the test builds the demo organisation on ``db_url`` with one password (and which).

    No when its fixtures would build two variants (each ran ``init`` on the same database), or when it
    also takes ``postgres_url``, which must then stay the very database ``db_url`` names.
    """
    names = set(request.fixturenames)
    passwords = {DEMO_ON_DB_URL[name] for name in names & DEMO_ON_DB_URL.keys()}
    if len(passwords) != 1 or "postgres_url" in names:
        return False, None
    return True, passwords.pop()


def postgres_copy_for(request: pytest.FixtureRequest, templates: DemoTemplates, password: Password) -> str:
    """A copy of the PostgreSQL template for this test, dropped after it."""
    url = templates.create_postgres_copy(password)
    request.addfinalizer(lambda: templates.drop_postgres_copy(url))
    request.node.stash.setdefault(COPIED, {})[url] = password
    return url


def demo_engine(request: pytest.FixtureRequest, url: str, password: Password,
                clock: Clock = utc_now) -> Iterator[Engine]:
    """An engine on ``url`` with the demo organisation, its users signing in with ``password`` (None: nobody).

    A copy of the template when ``url`` is a SQLite file not made yet, or a PostgreSQL database ``db_url``
    copied from this template; otherwise (a database something else made first) ``init`` runs on it, as
    it always did.
    """
    templates: DemoTemplates = request.getfixturevalue("demo_templates")
    path = sqlite_path(url)
    copied = request.node.stash.get(COPIED, {})
    if path is not None and not path.exists():
        templates.copy_sqlite(password, path)
        engine = open_copy(url, clock)
    elif path is None and url in copied and copied[url] == password:
        engine = open_copy(url, clock)
    else:
        engine = build_engine(url, clock=clock)
        engine.init(demo=True, demo_password=password)
    try:
        yield engine
    finally:
        engine.db.dispose()
