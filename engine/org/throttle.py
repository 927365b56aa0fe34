"""Slowing down password guessing per account *and* client, and the log of sign-in attempts.

A client that keeps failing to sign in to one account waits longer after each failure past the
first few (``FREE_FAILURES``): 5 s, 10 s, 20 s... up to ``MAX_DELAY``. The wait belongs to that
account on that client only, so a colleague guessing at the director's password slows down
themselves, while the director, on their own computer, signs in as usual. The state is a table
(not memory), so it holds across web nodes. Every attempt is logged; admins see which accounts
are being targeted and from where (``targets``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ..clock import aware_utc, utc_iso
from ..models import SignInAttempt, SignInThrottle, User
from ..text_input import printable
from .views import SignInTarget

FREE_FAILURES = 3  # wrong passwords in a row before the first wait (typos happen)
FIRST_DELAY = timedelta(seconds=5)
MAX_DELAY = timedelta(minutes=15)
FORGET_AFTER = timedelta(hours=24)  # a failure streak this old starts again from nothing
KEEP_ATTEMPTS = timedelta(days=30)  # the log is pruned on failures past this age
MAX_KEY = 64
UNKNOWN_CLIENT = "unknown"


@dataclass(frozen=True)
class Throttled:
    """A client that must wait before trying this account again."""

    retry_after: int  # seconds


def key_of(username: str, client: str) -> tuple[str, str]:
    """The account as typed and the client, as stored (printable, at most 64 characters each)."""
    return printable(username)[:MAX_KEY], (printable(client)[:MAX_KEY] or UNKNOWN_CLIENT)


def delay_after(failures: int) -> timedelta:
    """How long a client waits after its ``failures``-th wrong password in a row."""
    if failures <= FREE_FAILURES:
        return timedelta(0)
    doubled: timedelta = FIRST_DELAY * 2 ** min(failures - FREE_FAILURES - 1, 20)
    return min(MAX_DELAY, doubled)


def check(session: Session, username: str, client: str, now: datetime) -> Throttled | None:
    """Whether this client must still wait before trying this account (the attempt is then logged)."""
    name, where = key_of(username, client)
    row = session.get(SignInThrottle, (name, where))
    if row is None or row.blocked_until is None or aware_utc(row.blocked_until) <= now:
        return None
    _log(session, name, where, now, "throttled")
    return Throttled(max(1, math.ceil((aware_utc(row.blocked_until) - now).total_seconds())))


def failed(session: Session, username: str, client: str, now: datetime) -> Throttled | None:
    """Count a wrong password; say how long the client must now wait, if at all."""
    name, where = key_of(username, client)
    row = session.get(SignInThrottle, (name, where))
    if row is None:
        row = SignInThrottle(username=name, client=where, failures=0, last_failure_at=now)
        session.add(row)
    elif aware_utc(row.last_failure_at) < now - FORGET_AFTER:
        row.failures = 0
    row.failures += 1
    row.last_failure_at = now
    wait = delay_after(row.failures)
    row.blocked_until = now + wait if wait else None
    _log(session, name, where, now, "wrong")
    session.execute(delete(SignInAttempt).where(SignInAttempt.at < now - KEEP_ATTEMPTS)
                    .execution_options(synchronize_session=False))
    return Throttled(int(wait.total_seconds())) if wait else None


def succeeded(session: Session, username: str, client: str, now: datetime) -> None:
    """A right password: this client's streak for the account is over."""
    name, where = key_of(username, client)
    session.execute(delete(SignInThrottle).where(SignInThrottle.username == name, SignInThrottle.client == where)
                    .execution_options(synchronize_session=False))
    _log(session, name, where, now, "ok")


def forget_account(session: Session, username: str) -> None:
    """Every client's streak for an account (its password was just set)."""
    session.execute(delete(SignInThrottle).where(SignInThrottle.username == username)
                    .execution_options(synchronize_session=False))


def _log(session: Session, username: str, client: str, now: datetime, outcome: str) -> None:
    session.add(SignInAttempt(username=username, client=client, at=now, outcome=outcome))


def targets(session: Session, now: datetime, since: timedelta = FORGET_AFTER, limit: int = 50) -> list[SignInTarget]:
    """Accounts with refused sign-ins since ``since`` ago, most refused first: how often, from how many
    clients (and which), when last, which clients must wait now, and whether the account exists."""
    start = now - since
    rows = session.execute(
        select(SignInAttempt.username, func.count(), func.count(func.distinct(SignInAttempt.client)),
               func.max(SignInAttempt.at))
        .where(SignInAttempt.at >= start, SignInAttempt.outcome != "ok")
        .group_by(SignInAttempt.username).order_by(func.count().desc(), SignInAttempt.username).limit(limit)
    ).all()
    names = [r[0] for r in rows]
    if not names:
        return []
    clients: dict[str, list[str]] = {}
    for name, client in session.execute(
            select(SignInAttempt.username, SignInAttempt.client).distinct()
            .where(SignInAttempt.username.in_(names), SignInAttempt.at >= start, SignInAttempt.outcome != "ok")
            .order_by(SignInAttempt.username, SignInAttempt.client)):
        clients.setdefault(name, []).append(client)
    waiting: dict[str, list[str]] = {}
    for name, client in session.execute(
            select(SignInThrottle.username, SignInThrottle.client)
            .where(SignInThrottle.username.in_(names), SignInThrottle.blocked_until > now)):
        waiting.setdefault(name, []).append(client)
    known = set(session.scalars(select(User.username).where(User.username.in_(names))))
    return [SignInTarget(name, int(refused), int(distinct), clients.get(name, [])[:10], utc_iso(aware_utc(last)),
                         sorted(waiting.get(name, [])), name in known)
            for name, refused, distinct, last in rows]
