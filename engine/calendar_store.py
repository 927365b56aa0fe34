"""The days operators entered on the working-day calendar, kept in the database (``calendar_day``)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from .calendar import EnteredDays
from .errors import InvalidInput
from .models import CalendarDay
from .text_input import text_problem

MAX_NAME = 200


def entered_days(session: Session) -> EnteredDays:
    return {row.day: (row.working, row.name) for row in session.scalars(select(CalendarDay))}


def enter_day(session: Session, day: date, working: bool, name: str, by: str, now: datetime) -> bool:
    """Enter (or change) one day; return whether anything changed.

    :raise InvalidInput: a name that is empty, too long or holds characters no field accepts.
    """
    name = name.strip()
    if not name:
        raise InvalidInput("a calendar day needs a name (the holiday, or what the make-up day is for)")
    if len(name) > MAX_NAME or text_problem(name):
        raise InvalidInput(f"the name {text_problem(name) or f'is longer than {MAX_NAME} characters'}")
    row = session.get(CalendarDay, day)
    if row is not None and (row.working, row.name) == (working, name):
        return False
    if row is None:
        session.add(CalendarDay(day=day, working=working, name=name, entered_by=by, entered_at=now))
    else:
        row.working, row.name, row.entered_by, row.entered_at = working, name, by, now
    return True


def remove_day(session: Session, day: date) -> bool:
    """Forget an entered day (the package's data counts again); return whether there was one."""
    result = session.execute(delete(CalendarDay).where(CalendarDay.day == day).execution_options(
        synchronize_session=False))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def import_days(session: Session, days: EnteredDays, by: str, now: datetime, replace: bool = False) -> int:
    """Enter the days of a calendar file; days already entered are kept unless ``replace``. Return how many changed."""
    known = entered_days(session)
    changed = 0
    for day, (working, name) in sorted(days.items()):
        if day in known and not replace:
            continue
        changed += enter_day(session, day, working, name, by, now)
    return changed
