"""Retries never double: a write sent with a request key (the API's ``Idempotency-Key``, a web form's key per
render) is done once per key and person.

The key is held (``hold``) in the write's own transaction, so the write and its key commit together or not at
all: a retry after a cut connection either finds the key (the write was done) or does the write (it was not).
The answer is kept (``keep_answer``) right after, and given again (``recall``) to the same key with the same
request for ``KEPT_FOR``; the same key with another request is refused (``RequestKeyReused``); a key whose
write is done but whose answer is not kept yet is "under way" (a ``Conflict``: look again in a moment), and
past ``UNDER_WAY_AT_MOST`` its answer is lost (``AnswerLost``: the process stopped between the commit and keeping
the answer; the write is done and will not be done again, which the client is told instead of "under way" for a day).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from ..clock import aware_utc
from ..errors import Conflict, OpsflowError
from ..models import RequestKey as KeyRow

KEPT_FOR = timedelta(hours=24)
UNDER_WAY_AT_MOST = timedelta(minutes=2)  # between a write's commit and its answer kept (a request takes seconds)
MAX_KEY_LENGTH = 255


class RequestKeyReused(OpsflowError):
    """The key was sent before with another request (another body, path or method): nothing was done."""

    code = "idempotency_key_reused"


class AnswerLost(Conflict):
    """The write sent with the key was done, but its answer was never kept (the server stopped in between): it is
    not done again, and what it did is to be looked up (its instance, task or comment) rather than retried."""

    code = "idempotency_answer_lost"


@dataclass(frozen=True, slots=True)
class RequestKey:
    """Who sends a write with which key, and the fingerprint (SHA-256, hex) of what they send."""

    username: str
    key: str
    fingerprint: str


@dataclass(frozen=True, slots=True)
class KeptAnswer:
    """The answer given to the first request with a key: its status, body and Location (None: none)."""

    status: int
    body: str
    location: str | None


def _row(session: Session, request: RequestKey, now: datetime) -> KeyRow | None:
    row = session.scalar(select(KeyRow).where(KeyRow.username == request.username, KeyRow.key == request.key))
    if row is None or aware_utc(row.created_at) < now - KEPT_FOR:
        return None
    return row


def recall(session: Session, request: RequestKey, now: datetime) -> KeptAnswer | None:
    """The answer kept for ``request``'s key, None when the key is new (or its 24 hours are over).

    :raise RequestKeyReused: the key came with another request. :raise Conflict: its write is done and its answer
        not kept yet (the first request is still under way). :raise AnswerLost: that for over ``UNDER_WAY_AT_MOST``.
    """
    row = _row(session, request, now)
    if row is None:
        return None
    if row.fingerprint != request.fingerprint:
        raise RequestKeyReused(f"the Idempotency-Key {printable_key(request.key)!r} was sent before with another "
                               "request; nothing was done (use a new key for a new request)")
    if row.status is None or row.answer is None:
        if aware_utc(row.created_at) < now - UNDER_WAY_AT_MOST:
            raise AnswerLost(f"the request with the Idempotency-Key {printable_key(request.key)!r} was done at "
                             f"{aware_utc(row.created_at):%Y-%m-%d %H:%M:%S} UTC, but its answer was lost (the server "
                             "stopped before giving it); it will not be done again: look up what it did")
        raise Conflict("a request with this Idempotency-Key is under way; look again in a moment")
    return KeptAnswer(row.status, row.answer, row.location)


def hold(session: Session, request: RequestKey, now: datetime) -> None:
    """Hold the key in the write's transaction (a key whose 24 hours are over is given up first). Two requests
    with one key at once: the second's commit meets the unique index, a ``Conflict``, and nothing of it stays."""
    session.execute(delete(KeyRow).where(KeyRow.username == request.username, KeyRow.key == request.key,
                                         KeyRow.created_at < now - KEPT_FOR))
    session.add(KeyRow(username=request.username, key=request.key, fingerprint=request.fingerprint, created_at=now))


def keep_answer(session: Session, request: RequestKey, answer: KeptAnswer) -> None:
    """Keep the answer given to the write that held the key."""
    session.execute(update(KeyRow).where(KeyRow.username == request.username, KeyRow.key == request.key,
                                         KeyRow.fingerprint == request.fingerprint, KeyRow.status.is_(None))
                    .values(status=answer.status, answer=answer.body, location=answer.location))


def forget_old(session: Session, now: datetime) -> int:
    """Give up the keys whose 24 hours are over (the worker, hourly); how many."""
    result = session.execute(delete(KeyRow).where(KeyRow.created_at < now - KEPT_FOR))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def printable_key(key: str) -> str:
    return key if key.isascii() and key.isprintable() else key.encode("unicode_escape").decode("ascii")
