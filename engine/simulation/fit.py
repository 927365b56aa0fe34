"""Fitting a scenario from a process's own history: arrivals, working time per step, the forms people
submitted (resampled so that the model's conditions and DMN decide the branches), people per role, and
(``detours``) returns to earlier steps and the share of days people of each role were away.

Reads only. Working time is from when a step was taken (claimed; or created, when nobody claimed it) to
when it was done, counted in office hours; waiting is from created to taken (also reported, as observed).
"""

from __future__ import annotations

import json
import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from ..calendar import CHINA, WorkingCalendar
from ..clock import aware_utc
from ..models import HistoryEvent, HumanTask, ProcessInstance, User, UserRole
from ..org import people
from . import detours
from .model import Org
from .scenario import DEFAULT_CASES, Arrivals, Duration, Scenario, fit_lognormal
from .worktime import OfficeHours

MAX_FORMS = 500  # the most recent forms kept per step for resampling
MAX_INSTANCES = 5000  # the most recent instances a fit reads


@dataclass
class Observed:
    """What the history showed, beside the fitted parameters (for back-tests and the page)."""

    instances: int = 0
    ended: int = 0
    tasks: int = 0
    first_start: str | None = None
    last_start: str | None = None
    cycle_hours: list[float] = field(default_factory=list)  # ended instances, elapsed hours
    waiting_hours: dict[str, float] = field(default_factory=dict)  # step -> median elapsed hours
    working_hours: dict[str, float] = field(default_factory=dict)  # step -> median office hours

    def summary(self) -> dict[str, Any]:
        cycle = sorted(self.cycle_hours)
        return {"instances": self.instances, "ended": self.ended, "tasks": self.tasks,
                "first_start": self.first_start, "last_start": self.last_start,
                "cycle_time_median_hours": round(statistics.median(cycle), 2) if cycle else None,
                "waiting_median_hours": {k: round(v, 2) for k, v in self.waiting_hours.items()},
                "working_median_hours": {k: round(v, 2) for k, v in self.working_hours.items()}}


def _shares(counts: Counter[int], size: int, fallback: list[float]) -> list[float]:
    total = sum(counts.values())
    if not total:
        return list(fallback)
    return [round(counts.get(i, 0) / total, 6) for i in range(size)]


def fit_history(
    session: Session, key: str, calendar: WorkingCalendar, roles: list[str], *, since: datetime | None = None,
    until: datetime | None = None, seed: int = 1, cases: int = DEFAULT_CASES, limit: int | None = None,
) -> tuple[Scenario, Observed]:
    """A scenario fitted from the instances of ``key`` started in [since, until), and what was observed.

    ``roles``: the lanes of the model (people are counted for each, whether or not history shows them).
    """
    office = OfficeHours(calendar)
    query = select(ProcessInstance.id, ProcessInstance.started_at, ProcessInstance.ended_at,
                   ProcessInstance.status, ProcessInstance.data_json).where(ProcessInstance.process_key == key)
    if since is not None:
        query = query.where(ProcessInstance.started_at >= since)
    if until is not None:
        query = query.where(ProcessInstance.started_at < until)
    rows = list(session.execute(query.order_by(ProcessInstance.started_at.desc()).limit(limit or MAX_INSTANCES)).all())
    rows.reverse()
    observed = Observed(instances=len(rows))
    starts = [aware_utc(r.started_at) for r in rows]
    weekday: Counter[int] = Counter()
    hour: Counter[int] = Counter()
    for moment in starts:
        local = moment.astimezone(CHINA)
        weekday[local.weekday()] += 1
        hour[local.hour] += 1
    start_forms: list[dict[str, Any]] = []
    for r in rows:
        start = json.loads(r.data_json or "{}").get("start")
        if isinstance(start, dict):
            start_forms.append(start)
        if r.status == "completed" and r.ended_at is not None:
            observed.ended += 1
            observed.cycle_hours.append((aware_utc(r.ended_at) - aware_utc(r.started_at)).total_seconds() / 3600)
    ids = [r.id for r in rows]
    working: dict[str, list[float]] = {}
    waiting: dict[str, list[float]] = {}
    forms: dict[str, list[dict[str, Any]]] = {}
    for chunk in range(0, len(ids), 500):
        part = ids[chunk:chunk + 500]
        tasks = session.execute(select(HumanTask.id, HumanTask.name, HumanTask.created_at, HumanTask.completed_at)
                                .where(HumanTask.instance_id.in_(part), HumanTask.state == "completed")).all()
        events = session.execute(select(HistoryEvent.kind, HistoryEvent.human_task_id, HistoryEvent.occurred_at,
                                        HistoryEvent.payload_json)
                                 .where(HistoryEvent.instance_id.in_(part),
                                        HistoryEvent.kind.in_(("task_claimed", "task_completed")))
                                 .order_by(HistoryEvent.id)).all()
        claimed: dict[int, datetime] = {}
        submitted: dict[int, dict[str, Any]] = {}
        for kind, task_id, occurred, payload in events:
            if task_id is None:
                continue
            if kind == "task_claimed":
                claimed.setdefault(task_id, aware_utc(occurred))
            else:
                form = json.loads(payload or "{}").get("data")  # the payload: {"data": the form, "decider": ...}
                if isinstance(form, dict):
                    submitted[task_id] = form
        for task in tasks:
            if task.completed_at is None:
                continue
            created, done = aware_utc(task.created_at), aware_utc(task.completed_at)
            taken = min(max(claimed.get(task.id, created), created), done)
            working.setdefault(task.name, []).append(office.between(taken, done))
            waiting.setdefault(task.name, []).append((taken - created).total_seconds() / 3600)
            if task.id in submitted:
                forms.setdefault(task.name, []).append(submitted[task.id])
            observed.tasks += 1
    durations: dict[str, Duration] = {}
    for step, hours in working.items():
        fitted = fit_lognormal(hours)
        if fitted is not None:
            durations[step] = fitted
        observed.working_hours[step] = statistics.median(hours)
        observed.waiting_hours[step] = statistics.median(waiting[step])
    if starts:
        observed.first_start, observed.last_start = starts[0].isoformat(), starts[-1].isoformat()
        # arrivals per working week: the gaps between starts over the office hours they span
        span = office.between(starts[0], starts[-1])
        week = 5 * (office.hours[1] - office.hours[0])
        per_week = (len(starts) - 1) / span * week if len(starts) > 1 and span > 0 else 1.0
        begin = (starts[-1].astimezone(CHINA) + timedelta(days=1)).date()
    else:
        per_week, begin = 5.0, date.today()
    default = Arrivals(per_week)
    arrivals = Arrivals(round(per_week, 4), _shares(weekday, 7, default.by_weekday), _shares(hour, 24, default.by_hour))
    counts = {role: len(people.role_holders(session, role)) for role in sorted(set(roles))}
    data = {"start": start_forms[-MAX_FORMS:], "steps": {k: v[-MAX_FORMS:] for k, v in forms.items()}}
    away = detours.fit_away(session, calendar, sorted(set(roles)), starts[0] if starts else None,
                            starts[-1] if starts else None)
    scenario = Scenario(cases, seed, begin, arrivals, durations, counts, data, away=away,
                        returns=detours.fit_returns(session, ids))
    return scenario, observed


def read_org(session: Session) -> Org:
    """Who holds each role and who reports to whom, as of now (active people only), in two statements."""
    holders: dict[str, list[str]] = {}
    for role, username in session.execute(
            select(UserRole.role_key, User.username).join(User, User.id == UserRole.user_id)
            .where(User.active.is_(True)).order_by(UserRole.role_key, User.username)):
        holders.setdefault(role, []).append(username)
    boss = aliased(User)
    managers = dict(session.execute(select(User.username, boss.username)
                                    .join(boss, boss.id == User.reports_to_id)).tuples().all())
    return Org(holders, managers)


def read_arrivals(session: Session, key: str, since: datetime) -> list[tuple[datetime, dict[str, Any] | None]]:
    """When the instances of ``key`` started from ``since`` on did, with their start forms (for a replay)."""
    rows = session.execute(select(ProcessInstance.started_at, ProcessInstance.data_json)
                           .where(ProcessInstance.process_key == key, ProcessInstance.started_at >= since)
                           .order_by(ProcessInstance.started_at).limit(MAX_INSTANCES)).all()
    arrivals: list[tuple[datetime, dict[str, Any] | None]] = []
    for started, data in rows:
        start = json.loads(data or "{}").get("start")
        arrivals.append((aware_utc(started), dict(start) if isinstance(start, dict) else None))
    return arrivals
