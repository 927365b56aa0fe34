"""Schedules that start a process periodically, e.g. an appraisal cycle every quarter.

A schedule runs on the first working day of each month, quarter or year (09:00 China time)
and starts its process for the period that has just ended (on 2027-01-04, ``2026-Q4``).
Each occurrence is a ``scheduled_start`` job, so it is leased, retried and never run twice.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..calendar import CHINA, DurationInvalid, WorkingCalendar, window_date
from ..clock import aware_utc, utc_iso
from ..definitions.forms import validate_form
from ..errors import Conflict, FormInvalid, InvalidInput, NotAllowed, NotFound
from ..models import Job, Schedule, User
from ..org.people import Actor, load_actor
from ..runtime.collaborators import Collaborators
from ..runtime.instances import may_start, start_instance
from ..runtime.outbox import schedule_job
from .views import ScheduleAdded, ScheduleEntry

CADENCES = {"monthly": 1, "quarterly": 3, "annual": 12}
RUN_AT = time(9, 0)


def _period_start(day: date, months: int) -> date:
    month = ((day.month - 1) // months) * months + 1
    return date(day.year, month, 1)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def next_run(calendar: WorkingCalendar, after: datetime, cadence: str) -> datetime:
    """The first working day of the next period that starts after ``after``, at 09:00 China time."""
    months = CADENCES[cadence]
    local = after.astimezone(CHINA)
    start = _period_start(local.date(), months)
    while True:
        first = calendar.first_working_day(start.year, start.month)
        moment = datetime.combine(first, RUN_AT, tzinfo=CHINA)
        if moment > local:
            return moment.astimezone(after.tzinfo)
        start = _add_months(start, months)


def period_before(moment: datetime, cadence: str) -> tuple[str, str]:
    """The label and type of the period that ended just before ``moment``."""
    day = _add_months(_period_start(moment.astimezone(CHINA).date(), CADENCES[cadence]),
                      -CADENCES[cadence])
    if cadence == "monthly":
        return f"{day.year}-{day.month:02d}", "monthly"
    if cadence == "quarterly":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}", "quarterly"
    return str(day.year), "annual"


def add_schedule(session: Session, collaborators: Collaborators, actor: Actor, process_key: str, cadence: str,
                 data: dict[str, Any] | None, now: datetime) -> ScheduleAdded:
    """Start ``process_key`` every period, with ``data`` (the period is added at each run).

    :raise InvalidInput: unknown cadence; :raise FormInvalid: data the first run's start would refuse;
    :raise NotAllowed: the owner may not start the process; :raise Conflict: the same schedule exists.
    """
    if cadence not in CADENCES:
        raise InvalidInput(f"unknown cadence {cadence!r}; use one of: {', '.join(CADENCES)}")
    process = collaborators.catalog.latest(session, process_key)
    if not may_start(collaborators, process, actor):
        raise NotAllowed(f"{actor.username} may not start {process_key!r}, so cannot schedule it")
    first = next_run(collaborators.calendar, now, cadence)
    if process.start_form is not None:  # refuse now what the first run would refuse
        period, period_type = period_before(first, cadence)
        validate_form(process.start_form, {**(data or {}), "period": period, "period_type": period_type})
        fixed_days = {key: ["a schedule repeats: give a duration such as P5D, not a day"]
                      for key, prop in process.start_form.get("properties", {}).items()
                      if isinstance(prop, dict) and prop.get("x-format") == "working-duration"
                      and isinstance((data or {}).get(key), str) and _names_a_day(str((data or {})[key]))}
        if fixed_days:
            raise FormInvalid(fixed_days)
    same = session.scalar(select(Schedule.id).where(Schedule.process_key == process_key,
                                                    Schedule.cadence == cadence))
    if same is not None:
        raise Conflict(f"schedule {same} already starts {process_key!r} {cadence}; remove it first")
    schedule = Schedule(process_key=process_key, cadence=cadence, owner_id=actor.id,
                        data_json=json.dumps(data or {}, ensure_ascii=False), next_run_at=first, created_at=now)
    session.add(schedule)
    session.flush()
    schedule_job(session, "scheduled_start", first, now, payload={"schedule_id": schedule.id})
    return ScheduleAdded(schedule.id, process_key, cadence, utc_iso(first))


def _names_a_day(window: str) -> bool:
    try:
        return window_date(window) is not None
    except DurationInvalid:
        return True  # not a day that exists; still a day, not a duration


def list_schedules(session: Session) -> list[ScheduleEntry]:
    rows = session.execute(select(Schedule, User.username).join(User, User.id == Schedule.owner_id)
                           .order_by(Schedule.id)).all()
    return [ScheduleEntry(s.id, s.process_key, s.cadence, owner, json.loads(s.data_json), utc_iso(s.next_run_at))
            for s, owner in rows]


def remove_schedule(session: Session, schedule_id: int) -> None:
    schedule = session.get(Schedule, schedule_id)
    if schedule is None:
        raise NotFound(f"no schedule with id {schedule_id}")
    session.execute(delete(Job).where(Job.kind == "scheduled_start", Job.state == "pending",
                                      Job.payload_json == json.dumps({"schedule_id": schedule_id}))
                    .execution_options(synchronize_session=False))
    session.delete(schedule)


def run_occurrence(session: Session, collaborators: Collaborators, schedule_id: int, now: datetime) -> None:
    """Start the process for the period just ended, then plan the next occurrence."""
    schedule = session.get(Schedule, schedule_id)
    if schedule is None:
        return
    planned = aware_utc(schedule.next_run_at)
    period, period_type = period_before(planned, schedule.cadence)
    owner = session.scalar(select(User.username).where(User.id == schedule.owner_id)) or ""
    data = {**json.loads(schedule.data_json), "period": period, "period_type": period_type}
    try:
        with session.begin_nested():
            start_instance(session, collaborators, load_actor(session, owner), schedule.process_key, data)
    except Conflict:
        pass  # this period was already opened by hand: nothing to do
    following = next_run(collaborators.calendar, max(now, planned), schedule.cadence)
    schedule.next_run_at = following
    schedule_job(session, "scheduled_start", following, now, payload={"schedule_id": schedule.id})
