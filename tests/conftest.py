"""Shared fixtures: an engine on a fresh SQLite file and on a fresh PostgreSQL schema."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import psycopg
import pytest

from engine.facade import Engine, build_engine
from tests.clocks import FakeClock
from tests.journey import DEMO_PASSWORD

POSTGRES_URL = os.environ.get("OPSFLOW_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _plain_dsn(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


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


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'opsflow.sqlite'}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A URL whose search_path is a new, empty schema; the schema is dropped afterwards."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_plain_dsn(POSTGRES_URL), autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(_plain_dsn(POSTGRES_URL), autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request) -> str:
    """Run the test once on SQLite and once on PostgreSQL."""
    return str(request.getfixturevalue(f"{request.param}_url"))


def _engine(url: str) -> Iterator[Engine]:
    engine = build_engine(url)
    engine.setup.init(demo=True)
    try:
        yield engine
    finally:
        engine.db.dispose()


@pytest.fixture
def engine(db_url) -> Iterator[Engine]:
    """An engine with the demo organisation and processes/ deployed, on both databases."""
    yield from _engine(db_url)


@pytest.fixture
def sqlite_engine(sqlite_url) -> Iterator[Engine]:
    """The same, on SQLite only: for tests of pure engine behaviour."""
    yield from _engine(sqlite_url)


@pytest.fixture
def clock() -> FakeClock:
    """The time the engines of a test read; the test moves it (``clock.advance(hours=1)``)."""
    return FakeClock()


@pytest.fixture
def demo(db_url: str, clock: FakeClock) -> Iterator[Engine]:
    """The demo organisation and processes on both databases, on ``clock``; everyone signs in with
    ``DEMO_PASSWORD``."""
    engine = build_engine(db_url, clock=clock)
    engine.setup.init(demo=True, demo_password=DEMO_PASSWORD)
    try:
        yield engine
    finally:
        engine.db.dispose()
