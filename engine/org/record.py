"""The organisation's record: every change to people and units, effective-dated, in the hash-chained history.

Each change is one history event with no instance (``history_event.instance_id`` NULL), numbered and chained
on a chain of its own after the newest one that ``org_record`` anchors (``engine.history.org_chain`` writes
them); the sequencer puts them into the same Merkle tree as the instances' events, so checkpoints and
``opsflow verify`` cover them. This module says what the events mean and reads them back. An event's payload
names its subject (``user``, ``unit`` or ``role``), the ``field`` it changed with the value ``before`` and ``after``
(a person added: ``after`` holds all of their fields), the day it takes effect (``effective_on``, China's
date) and, for some, more (``handed_over``: the tasks passed on when someone left).

A change takes effect on a day that is neither in the future nor before the last change of the same subject,
so that the tables (the organisation now) are always what the record says as of today. ``person_at`` reads
the record back: someone's roles, manager and unit on a given day.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..calendar import CHINA
from ..errors import InvalidInput
from ..models import HistoryEvent

USER = "user"
UNIT = "unit"
ROLE = "role"
# The kinds of the organisation's events (what changed); a person's fields are name, email, language, roles,
# reports_to, unit and active; a unit's name_zh, name_en, parent and head.
USER_ADDED = "org_user_added"
USER_CHANGED = "org_user_changed"
DEACTIVATED = "org_user_deactivated"
REACTIVATED = "org_user_reactivated"
UNIT_ADDED = "org_unit_added"
UNIT_MOVED = "org_unit_moved"
UNIT_CHANGED = "org_unit_changed"
ROLE_ADDED = "org_role_added"  # a role's key, with its English and Chinese titles (``after``)
# Passwords (field "password", never a value): reset by an administrator, a set-password link e-mailed, a password
# set through one (``engine.org.password_links``).
PASSWORD_RESET = "org_password_reset"  # noqa: S105 - an event kind, not a secret
PASSWORD_LINK_SENT = "org_password_link_sent"  # noqa: S105 - an event kind
PASSWORD_SET = "org_password_set"  # noqa: S105 - an event kind
KINDS = frozenset({USER_ADDED, USER_CHANGED, DEACTIVATED, REACTIVATED, UNIT_ADDED, UNIT_MOVED, UNIT_CHANGED,
                   ROLE_ADDED, PASSWORD_RESET, PASSWORD_LINK_SENT, PASSWORD_SET})
PERSON_FIELDS = ("name", "email", "language", "roles", "reports_to", "unit", "active")


def china_today(now: datetime) -> date:
    return now.astimezone(CHINA).date()


@dataclass(frozen=True)
class OrgChange:
    """One change about to be recorded: ``subject`` is ``USER`` or ``UNIT``, ``key`` its username or unit key."""

    kind: str
    subject: str
    key: str
    field: str | None
    before: Any
    after: Any
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)

    def payload(self, effective_on: date) -> dict[str, Any]:
        return {self.subject: self.key, "field": self.field, "before": self.before, "after": self.after,
                "effective_on": effective_on.isoformat(), **self.extra}


@dataclass(frozen=True)
class RecordedEvent:
    """An event of the organisation's record as read back."""

    seq: int
    kind: str
    actor: str | None
    occurred_at: datetime
    payload: dict[str, Any]

    @property
    def effective_on(self) -> date:
        return date.fromisoformat(self.payload["effective_on"])


def _candidates(session: Session, subject: str, key: str) -> list[RecordedEvent]:
    """The record's events about one person or unit, in the order they were written."""
    needle = json.dumps({subject: key}, ensure_ascii=False, separators=(",", ":"))[1:-1]  # as canonical JSON has it
    rows = session.execute(
        select(HistoryEvent.seq, HistoryEvent.kind, HistoryEvent.actor, HistoryEvent.occurred_at,
               HistoryEvent.payload_json)
        .where(HistoryEvent.instance_id.is_(None), HistoryEvent.payload_json.contains(needle, autoescape=True))
        .order_by(HistoryEvent.seq)).all()
    events = [RecordedEvent(r.seq, r.kind, r.actor, r.occurred_at, json.loads(r.payload_json)) for r in rows]
    return [e for e in events if e.payload.get(subject) == key]  # the text matched; the field must be it


def events_about(session: Session, subject: str, key: str) -> list[RecordedEvent]:
    """What the record holds about one person (``USER``) or unit (``UNIT``), by effective day, then as written."""
    return sorted(_candidates(session, subject, key), key=lambda e: (e.effective_on, e.seq))


def effective_day(session: Session, changes: list[OrgChange], effective_on: date | None, now: datetime) -> date:
    """The day ``changes`` take effect: ``effective_on`` (default today) once checked.

    :raise InvalidInput: a day after today, or before a change already recorded for one of their subjects.
    """
    today = china_today(now)
    day = effective_on or today
    if day > today:
        raise InvalidInput(f"a change cannot take effect on a later day ({day.isoformat()}; today is "
                           f"{today.isoformat()}): record it on the day it happens")
    for subject, key in sorted({(c.subject, c.key) for c in changes}):
        latest = max((e.effective_on for e in _candidates(session, subject, key)), default=None)
        if latest is not None and day < latest:
            raise InvalidInput(f"{subject} {key!r} has a change on record effective {latest.isoformat()}: a new one "
                               f"cannot take effect before it ({day.isoformat()})")
    return day
