"""API tokens' actors kept per process while the directory revision stays (``engine.org.token_cache``): a kept
token costs one small read, and whatever moves the revision (a leaver, a role taken, a token revoked or deleted,
by this process, another node or plain SQL) is seen at the very next request."""

from __future__ import annotations

import pytest

from engine.facade import Engine, build_engine
from engine.org.people import Person
from engine.org.sign_in import LoginFailed
from tests.statements import plain_sql, statements


def test_a_kept_token_costs_one_read_of_the_revision(demo: Engine) -> None:
    token = demo.org.create_token(Person("li.na"), "script")
    assert demo.org.actor_for_token(token).username == "li.na"  # looked up (and its first use written)
    with statements(demo) as seen:
        actor = demo.org.actor_for_token(token)
    assert actor.username == "li.na" and "marketing_manager" in actor.roles
    assert len(seen) == 1 and "directory_revision" in seen[0] and "api_token" not in seen[0]


def test_a_leavers_token_is_refused_at_once(demo: Engine) -> None:
    token = demo.org.create_token(Person("li.na"), "script")
    demo.org.actor_for_token(token)
    demo.org.actor_for_token(token)  # kept now
    plain_sql(demo, "UPDATE user_account SET active = false WHERE username = 'li.na'")
    with pytest.raises(LoginFailed):
        demo.org.actor_for_token(token)


def test_a_role_taken_away_is_seen_at_the_next_request(demo: Engine) -> None:
    token = demo.org.create_token(Person("li.na"), "script")
    assert "marketing_manager" in demo.org.actor_for_token(token).roles
    plain_sql(demo, "DELETE FROM user_role WHERE role_key = 'marketing_manager' AND user_id = "
                    "(SELECT id FROM user_account WHERE username = 'li.na')")
    assert "marketing_manager" not in demo.org.actor_for_token(token).roles


@pytest.mark.parametrize("change", ["UPDATE api_token SET revoked = true", "DELETE FROM api_token"])
def test_a_token_revoked_or_deleted_elsewhere_is_refused_at_once(demo: Engine, change: str) -> None:
    token = demo.org.create_token(Person("li.na"), "script")
    other = demo.org.create_token(Person("wang.lei"), "script")
    demo.org.actor_for_token(token)
    demo.org.actor_for_token(token)
    plain_sql(demo, f"{change} WHERE user_id = (SELECT id FROM user_account WHERE username = 'li.na')")
    with pytest.raises(LoginFailed):
        demo.org.actor_for_token(token)
    assert demo.org.actor_for_token(other).username == "wang.lei"


def test_a_token_revoked_on_another_node_is_refused_at_once(demo: Engine) -> None:
    token = demo.org.create_token(Person("li.na"), "script")
    demo.org.actor_for_token(token)
    other_node = build_engine(demo.db.url.render_as_string(hide_password=False))
    try:
        assert other_node.org.actor_for_token(token).username == "li.na"
        demo.org.revoke_token(Person("li.na"), demo.org.tokens(Person("li.na"))[0].id)
        with pytest.raises(LoginFailed):
            other_node.org.actor_for_token(token)
    finally:
        other_node.db.dispose()


def test_its_last_use_is_still_written_once_an_hour(demo: Engine, clock) -> None:  # type: ignore[no-untyped-def]
    token = demo.org.create_token(Person("li.na"), "script")
    demo.org.actor_for_token(token)
    first = demo.org.tokens(Person("li.na"))[0].last_used_at
    clock.advance(minutes=30)
    demo.org.actor_for_token(token)
    assert demo.org.tokens(Person("li.na"))[0].last_used_at == first
    clock.advance(minutes=31)
    demo.org.actor_for_token(token)
    assert demo.org.tokens(Person("li.na"))[0].last_used_at != first
