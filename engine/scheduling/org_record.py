"""Putting changes of the organisation on its record (``engine.org.record``, chained by ``engine.history.org_chain``):
for the use cases that change it and the worker's directory import (``engine.org`` cannot reach the history)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from ..history import org_chain
from ..history.log import PendingEvent
from ..org import record
from ..org.people import Actor
from ..org.record import OrgChange


def put_on_record(session: Session, actor: Actor, changes: list[OrgChange], effective_on: date | None,
                  now: datetime) -> date:
    """Chain ``changes`` onto the organisation's record, effective ``effective_on`` (default today); the day.

    :raise InvalidInput: a day after today, or before a change already recorded for one of their subjects.
    """
    day = record.effective_day(session, changes, effective_on, now)
    org_chain.append(session, [PendingEvent(c.kind, actor.username, None, None, c.payload(day)) for c in changes],
                     now)
    return day
