"""API tokens: made and revoked by their owner, stored as a digest, last use written at most once an hour,
and a request never pays a write for it (the token check stays a read)."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import event, select

from engine.errors import InvalidInput, NotFound
from engine.facade import Engine
from engine.models import ApiToken
from engine.org.people import Person
from engine.org.sign_in import LoginFailed
from tests.api.helpers import make_app
from tests.clocks import FakeClock


def test_a_token_is_stored_only_as_its_digest_and_listed_without_it(demo: Engine) -> None:
    token = demo.org.create_token(Person("li.na"), "monthly report")
    with demo.core.reading() as session:
        stored = session.scalars(select(ApiToken.token_hash)).all()
    assert stored == [hashlib.sha256(token.encode()).hexdigest()]
    [listed] = demo.org.tokens(Person("li.na"))
    assert listed.name == "monthly report" and listed.last_used_at is None and not listed.revoked
    assert token not in repr(listed)
    assert demo.org.tokens(Person("wang.lei")) == []


def test_the_owner_revokes_a_token_and_it_stops_working(demo: Engine) -> None:
    token = demo.org.create_token(Person("li.na"), "script")
    token_id = demo.org.tokens(Person("li.na"))[0].id
    with pytest.raises(NotFound):
        demo.org.revoke_token(Person("wang.lei"), token_id)  # someone else's token is not found
    assert demo.org.actor_for_token(token).username == "li.na"
    assert demo.org.revoke_token(Person("li.na"), token_id).changed is True
    assert demo.org.revoke_token(Person("li.na"), token_id).changed is False
    with pytest.raises(LoginFailed):
        demo.org.actor_for_token(token)
    assert demo.org.tokens(Person("li.na"))[0].revoked is True


def test_a_token_name_is_checked(demo: Engine) -> None:
    with pytest.raises(InvalidInput, match="limited to 200"):
        demo.org.create_token(Person("li.na"), "x" * 201)
    with pytest.raises(InvalidInput, match="control character"):
        demo.org.create_token(Person("li.na"), "bad\x00name")
    assert demo.org.tokens(Person("li.na")) == []


def test_last_use_is_written_at_most_once_an_hour(demo: Engine, clock: FakeClock) -> None:
    token = demo.org.create_token(Person("li.na"), "script")
    writes: list[str] = []

    def on_execute(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        if statement.startswith("UPDATE api_token"):
            writes.append(statement)

    event.listen(demo.db, "before_cursor_execute", on_execute)
    demo.org.actor_for_token(token)
    first = demo.org.tokens(Person("li.na"))[0].last_used_at
    assert first is not None and len(writes) == 1
    clock.advance(minutes=59)
    for _ in range(5):
        demo.org.actor_for_token(token)
    assert len(writes) == 1 and demo.org.tokens(Person("li.na"))[0].last_used_at == first
    clock.advance(minutes=2)
    demo.org.actor_for_token(token)
    assert len(writes) == 2 and demo.org.tokens(Person("li.na"))[0].last_used_at != first
    event.remove(demo.db, "before_cursor_execute", on_execute)


def test_an_api_request_within_the_hour_commits_nothing_for_its_token(demo: Engine) -> None:
    client = make_app(demo).test_client()
    headers = {"Authorization": f"Bearer {demo.org.create_token(Person('li.na'), 'script')}"}
    assert client.get("/api/v1/tasks", headers=headers).status_code == 200  # writes the first use
    commits: list[object] = []

    def on_commit(conn: object) -> None:
        commits.append(conn)

    event.listen(demo.db, "commit", on_commit)
    assert client.get("/api/v1/tasks", headers=headers).status_code == 200
    event.remove(demo.db, "commit", on_commit)
    assert commits == []
