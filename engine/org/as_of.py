"""Who someone was on a given day — their roles, manager, unit — read back from the organisation's record.

For each field, the answer is the value of the newest change that had taken effect by that day; before the
first change of a field on record, the value that change found (its ``before``); for a field never changed,
the value now. Someone added through the record had not joined before the day of that event; someone who was
there before the record began (the demo, an upgraded database) counts from the day their account was made.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from ..clock import aware_utc
from .record import PERSON_FIELDS, USER, USER_ADDED, RecordedEvent, china_today, events_about
from .staffing import current_fields, load_user
from .views import PersonOnDate


def _touches(event: RecordedEvent, field: str) -> bool:
    return event.kind == USER_ADDED or event.payload.get("field") == field


def _after(event: RecordedEvent, field: str) -> Any:
    after = event.payload.get("after")
    return after.get(field) if event.kind == USER_ADDED and isinstance(after, dict) else after


def person_on(session: Session, username: str, day: date) -> PersonOnDate:
    """Who ``username`` was on ``day`` (China's date). :raise UserNotFound: nobody of that name, ever."""
    user = load_user(session, username)
    now = current_fields(session, user)
    events = events_about(session, USER, username)
    added = next((e for e in events if e.kind == USER_ADDED), None)
    joined = added.effective_on if added is not None else china_today(aware_utc(user.created_at))
    if day < joined:
        return PersonOnDate(username, day.isoformat(), False, "", [], None, None, False, bool(events))
    values: dict[str, Any] = {}
    for field in PERSON_FIELDS:
        touching = [e for e in events if _touches(e, field)]
        applied = [e for e in touching if e.effective_on <= day]
        if applied:
            values[field] = _after(applied[-1], field)
        elif touching:
            values[field] = touching[0].payload.get("before")
        else:
            values[field] = now[field]
    return PersonOnDate(username, day.isoformat(), True, values["name"] or "", sorted(values["roles"] or []),
                        values["reports_to"], values["unit"], bool(values["active"]), bool(events))
