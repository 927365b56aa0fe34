"""Answers about the directory kept per process while the directory revision stays: who a use case's actor is,
who holds a role and who stands in for whom today.

A completion asks both on every submission (its actor, and who gets its next steps: ``engine.org.absences``), and
the answers change only when the directory does. Triggers move the directory revision on any change to people,
roles, units and absences, made by any node, tool or plain SQL (migrations 0013, 0030, 0047). What depends on the
day (an absence ends by its date) has the day in its key.

The revision must be one the use case read **before it wrote anything** (``note_revision``; a completion reads it
in the statement that loads its task): a number read after the transaction moved it itself could be handed, after
a rollback, to someone else's change. A use case that may change the directory afterwards (a process's hook)
forgets it (``forget_revision``); without a noted revision every question goes to the database, as before.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from datetime import date
from typing import Any, TypeVar, cast

from sqlalchemy.orm import Session

from .absences import Holders, holders_and_stand_ins
from .people import Actor, Caller, Person, acting, load_actor

T = TypeVar("T")
REVISION_READ = "opsflow_directory_revision_read"  # session.info: the revision as the use case first read it
MAX_KEPT = 4096  # answers kept per process; beyond, the memo starts afresh


def note_revision(session: Session, revision: int | None) -> None:
    """The directory revision ``session``'s transaction read before writing anything (None: unknown)."""
    if revision is None:
        forget_revision(session)
    else:
        session.info[REVISION_READ] = revision


def forget_revision(session: Session) -> None:
    session.info.pop(REVISION_READ, None)


class RevisionMemo:
    def __init__(self) -> None:
        self._revision: int | None = None
        self._kept: dict[Hashable, Any] = {}
        self._lock = threading.Lock()
        self.asked = 0  # questions that went to the database (for tests and benchmarks)

    def answer(self, session: Session, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()``, or its answer kept from a use case that read the same revision as ``session`` noted.
        An exception is not kept. Answers must not be changed by those who get them."""
        revision = session.info.get(REVISION_READ)
        if revision is not None:
            with self._lock:
                if self._revision is None or revision > self._revision:
                    self._kept.clear()
                    self._revision = revision
                if revision == self._revision and key in self._kept:
                    return cast(T, self._kept[key])
        self.asked += 1
        found = compute()
        if revision is not None:
            with self._lock:
                if revision == self._revision:
                    if len(self._kept) >= MAX_KEPT:
                        self._kept.clear()
                    self._kept[key] = found
        return found

    def holders(self, session: Session, roles: list[str], user_ids: list[int], today: date) -> Holders:
        """``holders_and_stand_ins``, each caller with its own copy of the lists and maps."""
        if not roles and not user_ids:
            return Holders({}, {})
        kept = self.answer(session, ("holders", tuple(roles), tuple(user_ids), today),
                           lambda: holders_and_stand_ins(session, roles, user_ids, today))
        return Holders({role: list(ids) for role, ids in kept.by_role.items()}, dict(kept.stand_in))

    def acting(self, session: Session, caller: Caller) -> Actor:
        """``engine.org.people.acting``; a person's actor (frozen) from memory at the same revision.

        :raise UserNotFound: a person who is not an active user."""
        if isinstance(caller, Person) and caller.found is None:
            username = caller.username
            return self.answer(session, ("actor", username), lambda: load_actor(session, username))
        return acting(session, caller)
