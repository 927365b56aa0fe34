"""A page that only reads runs all its reads in one session: one connection checkout, the directory read
once and the people taken from it; pages that write, and the use cases that write inside a page, keep
their own transactions."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, insert, select, text, update
from sqlalchemy.exc import OperationalError, ProgrammingError

from engine.errors import UserNotFound
from engine.facade import Engine, build_engine
from engine.models import Role, User, UserRole
from engine.org.people import Person
from tests.journey import OPERATOR, START, only_task
from tests.web.conftest import make_app, sign_in_session


@contextmanager
def watching(engine: Engine) -> Iterator[dict[str, list[Any]]]:
    """Connection checkouts and statements while inside."""
    seen: dict[str, list[Any]] = {"checkouts": [], "statements": []}

    def checkout(*_args: Any) -> None:
        seen["checkouts"].append(1)

    def statement(_conn: Any, _cursor: Any, sql: str, *_rest: Any) -> None:
        seen["statements"].append(sql)

    event.listen(engine.db.pool, "checkout", checkout)
    event.listen(engine.db, "before_cursor_execute", statement)
    try:
        yield seen
    finally:
        event.remove(engine.db.pool, "checkout", checkout)
        event.remove(engine.db, "before_cursor_execute", statement)


def looked_up(statements: list[str], table: str = "user_account") -> int:
    """How many statements looked a person up by username (with their roles)."""
    return sum(1 for sql in statements if f"FROM {table}" in sql and "user_role" in sql and "username" in sql)


def test_reads_together_share_one_checkout_and_take_the_person_from_the_directory(any_db_engine: Engine) -> None:
    engine = any_db_engine
    with watching(engine) as alone:
        engine.work.navigation(Person("li.na"))
        engine.work.instances(OPERATOR, started_by="li.na")
        engine.work.inbox(Person("li.na"))
    with watching(engine) as together, engine.core.reads_together():
        nav = engine.work.navigation(Person("li.na"))
        engine.work.instances(OPERATOR, started_by="li.na")
        engine.work.inbox(Person("li.na"))
    assert len(alone["checkouts"]) == 3 and looked_up(alone["statements"]) == 3
    assert len(together["checkouts"]) == 1 and looked_up(together["statements"]) == 0
    assert sum("directory_revision" in sql for sql in together["statements"]) == 1
    assert nav.rights == engine.work.navigation(Person("li.na")).rights and nav.audit is False


def test_a_failed_read_does_not_spoil_the_reads_after_it(any_db_engine: Engine) -> None:
    engine = any_db_engine
    with engine.core.reads_together():
        with pytest.raises(UserNotFound):
            engine.work.navigation(Person("nobody.here"))
        with pytest.raises(OperationalError if engine.db.dialect.name == "sqlite" else ProgrammingError), \
                engine.core.reading() as session:
            session.execute(text("SELECT no_such_column FROM user_account"))  # PostgreSQL aborts the transaction
        assert engine.work.navigation(Person("zhou.jie")).mine >= 0  # ... and the next read still runs


def test_what_a_transaction_changes_is_seen_by_its_own_next_read(any_db_engine: Engine) -> None:
    """The person is remembered only by sessions that only read: a use case that writes sees its own change."""
    engine = any_db_engine
    with engine.core.transaction() as session:
        from engine.org.people import load_actor
        before = load_actor(session, "zhou.jie").roles
        user_id = session.scalar(select(User.id).where(User.username == "zhou.jie"))
        role = session.scalar(select(Role.key).where(Role.kind == "org", Role.key.not_in(before)))
        session.execute(insert(UserRole).values(user_id=user_id, role_key=role))
        assert load_actor(session, "zhou.jie").roles == before | {role}


def test_a_read_only_page_uses_one_connection_and_a_form_post_its_own(any_db_engine: Engine) -> None:
    engine = any_db_engine
    app = make_app(engine)
    client = sign_in_session(app.test_client(), "li.na")
    pages: dict[str, Callable[[], Any]] = {"/": lambda: client.get("/"), "/requests": lambda: client.get("/requests")}
    for path, get in pages.items():
        get()  # the directory is read on the first page
        with watching(engine) as seen:
            assert get().status_code == 200
        assert len(seen["checkouts"]) == 1, path
        assert looked_up(seen["statements"]) == 0, path
        assert sum("directory_revision" in sql for sql in seen["statements"]) == 1, path
    # A form post writes in its own transaction; the page after it reads the change.
    engine.work.start(Person("li.na"), "market_plan", START)
    task = only_task(engine, "wang.lei", "research")
    manager = sign_in_session(app.test_client(), "wang.lei")
    assert manager.get("/").status_code == 200
    assert manager.post(f"/tasks/{task['id']}/claim").status_code in (302, 303)
    page = manager.get("/").get_data(as_text=True)
    assert engine.work.task(OPERATOR, task["id"])["assignee"] == "wang.lei"
    assert f'/tasks/{task["id"]}/unclaim' in page  # shown among my tasks, with the way to give it back


def test_a_role_granted_or_a_user_deactivated_elsewhere_counts_on_the_next_page(any_db_engine: Engine,
                                                                                 db_url: str) -> None:
    engine = any_db_engine
    with engine.core.reads_together():
        assert "model" not in engine.work.navigation(Person("zhou.jie")).rights
    other_node = build_engine(db_url)
    try:
        with other_node.db.begin() as conn:
            user_id = conn.scalar(select(User.id).where(User.username == "zhou.jie"))
            conn.execute(insert(UserRole).values(user_id=user_id, role_key="analyst"))
            conn.execute(update(User).where(User.username == "sun.hao").values(active=False))
    finally:
        other_node.db.dispose()
    with engine.core.reads_together():
        assert "model" in engine.work.navigation(Person("zhou.jie")).rights
        with pytest.raises(UserNotFound):
            engine.work.navigation(Person("sun.hao"))


def test_reads_hold_no_transaction_open_on_postgresql(postgres_url: str) -> None:
    """A page's reads run in autocommit: nothing stays 'idle in transaction' while it renders."""
    engine = build_engine(postgres_url)
    try:
        engine.setup.init(demo=True)
        with engine.core.reads_together():
            engine.work.navigation(Person("li.na"))
            with engine.core.reading() as session:
                connection = session.connection().connection.dbapi_connection
                assert connection is not None
                assert connection.info.transaction_status.name == "IDLE"
        with engine.core.transaction() as session:
            session.execute(select(User.id)).all()
            assert session.connection().connection.dbapi_connection.info.transaction_status.name == "INTRANS"
    finally:
        engine.db.dispose()


def test_files_and_the_health_check_open_no_shared_session(any_db_engine: Engine) -> None:
    """A stylesheet or icon asks nothing of the database; /healthz asks its one question itself."""
    app = make_app(any_db_engine)
    client = sign_in_session(app.test_client(), "li.na")
    with watching(any_db_engine) as seen:
        for path in ("/static/favicon.svg", "/favicon.ico"):
            with client.get(path) as answer:
                assert answer.status_code == 200 and answer.get_data().startswith(b"<svg")
    assert seen["statements"] == [] and seen["checkouts"] == []
    with watching(any_db_engine) as seen:
        assert client.get("/healthz").status_code == 200
    assert not any("directory_revision" in sql for sql in seen["statements"])
