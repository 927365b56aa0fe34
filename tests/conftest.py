"""Shared fixtures: a fresh SQLite file and a fresh PostgreSQL schema, and engines with the demo organisation
on them (copied from a template made once per session: tests/templates.py)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import psycopg
import pytest

from engine.facade import Engine
from tests.clocks import FakeClock
from tests.journey import DEMO_PASSWORD
from tests.templates import DemoTemplates, demo_engine, plain_dsn

POSTGRES_URL = os.environ.get("OPSFLOW_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture(autouse=True, scope="session")
def _evidence_outside_the_repo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """No test writes checkpoints or a signing key into the repository's instance/ folder."""
    folder = tmp_path_factory.mktemp("evidence")
    saved = {name: os.environ.get(name) for name in ("OPSFLOW_CHECKPOINT_DIR", "OPSFLOW_SIGNING_KEY")}
    os.environ["OPSFLOW_CHECKPOINT_DIR"] = str(folder / "checkpoints")
    os.environ["OPSFLOW_SIGNING_KEY"] = str(folder / "signing_key")
    yield
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(autouse=True)
def evidence_dir(tmp_path, monkeypatch) -> object:
    """Each test's checkpoints and signing key (a checkpoint directory belongs to one database)."""
    folder = tmp_path / "evidence"
    monkeypatch.setenv("OPSFLOW_CHECKPOINT_DIR", str(folder / "checkpoints"))
    monkeypatch.setenv("OPSFLOW_SIGNING_KEY", str(folder / "signing_key"))
    return folder


@pytest.fixture(scope="session")
def demo_templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoTemplates]:
    """The session's demo databases (made on first use); its PostgreSQL schemas are dropped at the end."""
    templates = DemoTemplates(tmp_path_factory.mktemp("demo-templates"), POSTGRES_URL)
    try:
        yield templates
    finally:
        templates.close()


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'opsflow.sqlite'}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A URL whose search_path is a new, empty schema; the schema is dropped afterwards."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(plain_dsn(POSTGRES_URL), autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(plain_dsn(POSTGRES_URL), autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request) -> str:
    """Run the test once on SQLite and once on PostgreSQL."""
    return str(request.getfixturevalue(f"{request.param}_url"))


@pytest.fixture
def engine(request, db_url) -> Iterator[Engine]:
    """An engine with the demo organisation and processes/ deployed, on both databases."""
    yield from demo_engine(request, db_url, None)


@pytest.fixture
def sqlite_engine(request, sqlite_url) -> Iterator[Engine]:
    """The same, on SQLite only: for tests of pure engine behaviour."""
    yield from demo_engine(request, sqlite_url, None)


@pytest.fixture
def clock() -> FakeClock:
    """The time the engines of a test read; the test moves it (``clock.advance(hours=1)``)."""
    return FakeClock()


@pytest.fixture
def demo(request, db_url: str, clock: FakeClock) -> Iterator[Engine]:
    """The demo organisation and processes on both databases, on ``clock``; everyone signs in with
    ``DEMO_PASSWORD``. (What init wrote carries the template's time, a little before ``clock``'s start.)"""
    yield from demo_engine(request, db_url, DEMO_PASSWORD, clock)
