"""What happens beside the model's own flow, fitted from the record: returns to an earlier step (驳回到任意步骤)
and people away (out of office, 代理).

Returns: per step, the share of its tasks whose holder returned the request (``task_returned`` in the history)
rather than completing it, and the shares of the steps returned to. A modelled loop (a reviewer's ``return``
decision taken by the model's gateway) is a completion with its form, resampled as such: it is not counted
here, so nothing is counted twice.

Away: per role, the share of its holders' working days inside the fitted period covered by an absence on
record (``out_of_office``: from one date to another, both included). A simulated person of the role is away on
a working day with that share, drawn per person and day from the run's seed: they take no work from the role's
queue that day (it waits for someone else, or for the next day). A step meant for one person (a countersign's)
goes to their proxy as the engine routes it: it does not wait.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..calendar import CHINA, WorkingCalendar
from ..models import HistoryEvent, HumanTask, OutOfOffice, User, UserRole

Returns = dict[str, dict[str, Any]]  # step -> {"share": p, "to": {earlier step: share}, "n": tasks seen}


def fit_returns(session: Session, instance_ids: list[int]) -> Returns:
    """Per step, how often its tasks were returned and where to, over the given instances (read in chunks)."""
    done: Counter[str] = Counter()
    returned: dict[str, Counter[str]] = {}
    for chunk in range(0, len(instance_ids), 500):
        part = instance_ids[chunk:chunk + 500]
        done.update(name for (name,) in session.execute(select(HumanTask.name).where(
            HumanTask.instance_id.in_(part), HumanTask.state == "completed")))
        for name, payload in session.execute(select(HistoryEvent.task_name, HistoryEvent.payload_json).where(
                HistoryEvent.instance_id.in_(part), HistoryEvent.kind == "task_returned")):
            to_step = json.loads(payload or "{}").get("to_step")
            if name and isinstance(to_step, str):
                returned.setdefault(str(name), Counter())[to_step] += 1
    fitted: Returns = {}
    for step, targets in sorted(returned.items()):
        total = sum(targets.values())
        seen = total + done.get(step, 0)
        fitted[step] = {"share": round(total / seen, 4), "n": seen,
                        "to": {k: round(v / total, 4) for k, v in sorted(targets.items())}}
    return fitted


def _working_days(calendar: WorkingCalendar, first: date, last: date) -> int:
    days, day = 0, first
    while day <= last:
        days += calendar.working(day)
        day += timedelta(days=1)
    return days


def fit_away(session: Session, calendar: WorkingCalendar, roles: list[str], first: datetime | None,
             last: datetime | None) -> dict[str, float]:
    """Per role, the share of its holders' working days from ``first`` to ``last`` that absences cover."""
    if first is None or last is None:
        return {role: 0.0 for role in roles}
    since, until = first.astimezone(CHINA).date(), last.astimezone(CHINA).date()
    period = _working_days(calendar, since, until)
    away: dict[str, float] = {}
    for role in roles:
        holders = list(session.scalars(select(User.id).join(UserRole, UserRole.user_id == User.id).where(
            UserRole.role_key == role, User.active.is_(True))))
        rows = session.execute(select(OutOfOffice.starts_on, OutOfOffice.ends_on).where(
            OutOfOffice.user_id.in_(holders), OutOfOffice.ends_on >= since, OutOfOffice.starts_on <= until)).all() \
            if holders else []
        days = sum(_working_days(calendar, max(start, since), min(end, until)) for start, end in rows)
        away[role] = round(days / (len(holders) * period), 4) if holders and period else 0.0
    return away


class Presence:
    """Who of a role is in on a given day: each person away with the role's share, drawn from the seed."""

    def __init__(self, seed: int, away: dict[str, float]) -> None:
        self.seed = seed
        self.away = away
        self._drawn: dict[tuple[str, int, date], bool] = {}

    def is_away(self, role: str, person: int, day: date) -> bool:
        share = self.away.get(role, 0.0)
        if share <= 0:
            return False
        key = (role, person, day)
        found = self._drawn.get(key)
        if found is None:  # its own stream per person and day: the run's other draws do not move
            found = self._drawn[key] = random.Random(f"{self.seed}:{role}:{person}:{day}").random() < share  # noqa: S311
        return found


def pick_return(rng: random.Random, fitted: Returns, step: str, passed: list[str]) -> str | None:
    """Whether this task of ``step`` is returned, and to which of the ``passed`` steps (None: it is completed).

    Targets the case has not passed are left out, their share going to the others."""
    found = fitted.get(step)
    if not found or rng.random() >= float(found.get("share", 0.0)):
        return None
    targets = [(k, float(v)) for k, v in dict(found.get("to") or {}).items() if k in passed and float(v) > 0]
    if not targets:
        return None
    return str(rng.choices([k for k, _ in targets], [w for _, w in targets])[0])
