"""Entering the working-day calendar (the edit-calendar right: admins, and the operator).

The days are kept by ``engine.calendar_store``; each function asks the right first and records who entered
what. Every node reads the days again within a minute (``engine.calendar.WorkingCalendar``).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from .. import calendar_store
from ..calendar import EnteredDays
from ..org.people import Actor
from ..org.rights import Right, require

WHAT = "change the working-day calendar"


def enter_day(session: Session, actor: Actor, day: date, working: bool, name: str, now: datetime) -> bool:
    """A holiday or a make-up working day; whether anything changed."""
    require(actor, Right.EDIT_CALENDAR, WHAT)
    return calendar_store.enter_day(session, day, working, name, actor.username, now)


def remove_day(session: Session, actor: Actor, day: date) -> bool:
    """Forget an entered day (the package's holiday data counts for it again); whether there was one."""
    require(actor, Right.EDIT_CALENDAR, WHAT)
    return calendar_store.remove_day(session, day)


def import_days(session: Session, actor: Actor, days: EnteredDays, now: datetime, replace: bool = False) -> int:
    """Enter the days of a calendar file; those entered already are kept unless ``replace``. How many changed."""
    require(actor, Right.EDIT_CALENDAR, WHAT)
    return calendar_store.import_days(session, days, actor.username, now, replace)
