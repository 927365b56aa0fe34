"""Who holds a role and who stands in for whom today, kept per process while the directory revision stays.

Every step that creates tasks asks who holds their roles and who is away (``engine.org.absences``): on PostgreSQL
that question was a round trip of about a millisecond on every completion, and its answer changes only when the
directory does. Triggers move the directory revision on any change to people, roles, units and absences, made by
any node, tool or plain SQL (migrations 0013, 0030, 0047); the day is part of what is kept, so an absence that
ends by its date needs no trigger.

The revision must be one the use case read **before it wrote anything** (``note_revision``; a completion reads it
in the statement that loads its task): a number read after the transaction moved it itself could be handed, after
a rollback, to someone else's change. A use case that may change the directory afterwards (a process's hook)
forgets it (``forget_revision``); without a noted revision the question goes to the database as before.
"""

from __future__ import annotations

import threading
from datetime import date

from sqlalchemy.orm import Session

from .absences import Holders, holders_and_stand_ins

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


class HoldersMemo:
    def __init__(self) -> None:
        self._revision: int | None = None
        self._kept: dict[tuple[tuple[str, ...], tuple[int, ...], date], Holders] = {}
        self._lock = threading.Lock()
        self.asked = 0  # questions that went to the database (for tests and benchmarks)

    def holders(self, session: Session, roles: list[str], user_ids: list[int], today: date) -> Holders:
        """``holders_and_stand_ins``, answered from memory when the revision ``session`` noted is the one the
        answer was read at. Each caller gets its own copy of the lists and maps."""
        revision = session.info.get(REVISION_READ)
        key = (tuple(roles), tuple(user_ids), today)
        kept = None
        if revision is not None:
            with self._lock:
                if self._revision is None or revision > self._revision:
                    self._kept.clear()
                    self._revision = revision
                if revision == self._revision:
                    kept = self._kept.get(key)
        if kept is None:
            self.asked += bool(roles or user_ids)
            kept = holders_and_stand_ins(session, roles, user_ids, today)
            if revision is not None:
                with self._lock:
                    if revision == self._revision:
                        if len(self._kept) >= MAX_KEPT:
                            self._kept.clear()
                        self._kept[key] = kept
        return Holders({role: list(ids) for role, ids in kept.by_role.items()}, dict(kept.stand_in))
