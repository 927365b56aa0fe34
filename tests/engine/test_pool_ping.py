"""PostgreSQL connections are tried before use only when they have rested (``engine.db.PING_AFTER_IDLE``): a
connection used a moment ago goes straight to work (no round trip for nothing), one that rested is tried, and
one the server dropped meanwhile is replaced without the use case seeing an error."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from engine import db


@pytest.fixture
def pings(postgres_url: str, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    engine = db.make_engine(postgres_url, pool_size=1, max_overflow=0)
    tried: list[object] = []
    real = engine.dialect.do_ping

    def counted(dbapi_connection):  # type: ignore[no-untyped-def]
        tried.append(dbapi_connection)
        return real(dbapi_connection)

    monkeypatch.setattr(engine.dialect, "do_ping", counted)
    try:
        yield engine, tried
    finally:
        engine.dispose()


def test_a_connection_used_a_moment_ago_is_not_tried(pings, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    engine, tried = pings
    monkeypatch.setattr(db, "PING_AFTER_IDLE", 3600.0)
    for _ in range(3):
        with engine.connect() as conn:
            assert conn.scalar(text("SELECT 1")) == 1
    assert tried == []


def test_a_rested_connection_the_server_dropped_is_replaced(pings, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    engine, tried = pings
    with engine.connect() as conn:
        first_pid = conn.scalar(text("SELECT pg_backend_pid()"))
    admin = db.make_engine(engine.url.render_as_string(hide_password=False))
    try:
        with admin.connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first_pid})
    finally:
        admin.dispose()
    monkeypatch.setattr(db, "PING_AFTER_IDLE", 0.0)  # it has rested long enough now
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT pg_backend_pid()")) != first_pid  # a new connection, no error
    assert len(tried) == 1
