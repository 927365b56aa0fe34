"""Wrong passwords slow down the client that sends them, per account; nobody can lock a colleague out.

On SQLite and PostgreSQL, with a clock the test moves: the waits grow, end, and belong to one account on
one client; every attempt is logged, and the operations view names the accounts being targeted.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.facade import Engine
from engine.models import SignInAttempt, SignInThrottle
from engine.org import throttle
from engine.org.people import Person
from engine.org.sign_in import LoginFailed
from tests.clocks import FakeClock
from tests.journey import DEMO_PASSWORD, OPERATOR

PASSWORD = DEMO_PASSWORD
GUESSER, DIRECTOR_PC = "10.0.0.66", "10.0.0.7"


def refused(engine: Engine, username: str, password: str, client: str) -> LoginFailed:
    with pytest.raises(LoginFailed) as failure:
        engine.org.login(username, password, client)
    return failure.value


def test_the_waits_grow_after_three_free_failures_and_are_capped() -> None:
    assert [throttle.delay_after(n).total_seconds() for n in range(1, 9)] == [0, 0, 0, 5, 10, 20, 40, 80]
    assert throttle.delay_after(40) == throttle.MAX_DELAY


def test_a_guesser_waits_longer_each_time_while_the_owner_signs_in_from_elsewhere(demo: Engine,
                                                                                 clock: FakeClock) -> None:
    for _ in range(3):
        assert refused(demo, "chen.yu", "guess", GUESSER).retry_after is None  # "wrong username or password"
    assert refused(demo, "chen.yu", "guess", GUESSER).retry_after == 5
    waiting = refused(demo, "chen.yu", PASSWORD, GUESSER)  # the right password does not help that client
    assert waiting.retry_after == 5 and "try again in 5 seconds" in waiting.message
    assert demo.org.login("chen.yu", PASSWORD, DIRECTOR_PC).username == "chen.yu"  # the director is not locked out
    assert demo.org.login("li.na", PASSWORD, GUESSER).username == "li.na"  # nor other accounts on that client
    clock.advance(seconds=5)
    assert refused(demo, "chen.yu", "guess", GUESSER).retry_after == 10  # the fifth failure: twice as long
    clock.advance(seconds=10)
    assert refused(demo, "chen.yu", "guess", GUESSER).retry_after == 20
    clock.advance(seconds=20)
    assert demo.org.login("chen.yu", PASSWORD, GUESSER).username == "chen.yu"  # after the wait, the right one works
    assert refused(demo, "chen.yu", "guess", GUESSER).retry_after is None  # and the streak starts again


def test_attempts_are_logged_and_admins_see_who_is_targeted(demo: Engine, clock: FakeClock) -> None:
    for client in (GUESSER, "10.0.0.67"):
        for _ in range(4):
            refused(demo, "chen.yu", "guess", client)
    refused(demo, "chen.yu", "guess", GUESSER)  # while it must wait: logged as throttled
    refused(demo, "no.such.user", "guess", GUESSER)
    demo.org.login("li.na", PASSWORD, GUESSER)
    with demo.core.reading() as session:
        outcomes = [(a.username, a.client, a.outcome) for a in session.scalars(
            select(SignInAttempt).order_by(SignInAttempt.id))]
    assert outcomes.count(("chen.yu", GUESSER, "wrong")) == 4
    assert ("chen.yu", GUESSER, "throttled") in outcomes and ("li.na", GUESSER, "ok") in outcomes
    board = demo.ops.overview(Person("admin")).sign_in_targets
    assert [t.username for t in board] == ["chen.yu", "no.such.user"]
    chen = board[0]
    assert (chen.refused, chen.clients, chen.known_account) == (9, 2, True)
    assert chen.client_list == sorted([GUESSER, "10.0.0.67"])
    assert chen.waiting_clients == sorted([GUESSER, "10.0.0.67"])
    assert board[1].known_account is False
    clock.advance(hours=25)
    assert demo.ops.overview(Person("admin")).sign_in_targets == []  # the view covers the last 24 hours


def test_unknown_accounts_are_throttled_alike_so_the_answer_does_not_tell_them_apart(demo: Engine) -> None:
    for name in ("chen.yu", "ghost"):
        answers = [refused(demo, name, "guess", GUESSER) for _ in range(4)]
        assert [a.retry_after for a in answers] == [None, None, None, 5]
        assert answers[0].message == "wrong username or password"


def test_setting_the_password_ends_every_wait_for_the_account(demo: Engine) -> None:
    for _ in range(4):
        refused(demo, "chen.yu", "guess", GUESSER)
    demo.org.set_password(OPERATOR, "chen.yu", "a-new-password")
    assert demo.org.login("chen.yu", "a-new-password", GUESSER).username == "chen.yu"
    with demo.core.reading() as session:
        assert session.scalars(select(SignInThrottle)).all() == []


def test_odd_usernames_and_clients_are_stored_printable_and_short(demo: Engine) -> None:
    refused(demo, "x" * 300 + "\x00", "guess", "c" * 100)
    with demo.core.reading() as session:
        attempt = session.scalars(select(SignInAttempt)).one()
        session.expunge(attempt)
    assert len(attempt.username) == 64 and "\x00" not in attempt.username and len(attempt.client) == 64
    assert refused(demo, "admin", "guess", "").retry_after is None  # no client address: "unknown"
