"""The dispatch board: the dispatched tasks (the ``dispatch`` pack) that are overdue, as the head and the middle
managers would look for them.

A task is overdue when its deadline (``start.due_date``, a day) has passed in China time, or when one of its open
steps is past its due time (a progress report not sent, a problem not answered, an acceptance waiting). The board
shows only the instances its reader may see (``rights.visible_condition``, the rule of the instance lists).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from ..calendar import CHINA
from ..clock import aware_utc
from ..models import HumanTask, ProcessInstance, TaskDefinition, User
from ..org import rights
from ..org.people import Actor
from .inbox import OPEN

DISPATCH_PROCESS = "dispatch"
MAX_RUNNING = 1000  # running dispatch tasks read for one board; a department has far fewer


@dataclass(frozen=True, slots=True)
class LateStep:
    """An open step of a dispatched task past its due time."""

    task_id: int
    name: str
    title: str
    title_zh: str
    holder: str | None  # None: in the queue of ``role``
    role: str
    due_at: datetime


@dataclass(frozen=True, slots=True)
class OverdueTask:
    """A dispatched task that is overdue: past its deadline, or with late steps."""

    instance_id: int
    title: str
    manager: str
    staff: str  # "" until the middle manager has assigned it
    deadline: date | None
    days_past_deadline: int  # 0 when the deadline has not passed
    late_steps: tuple[LateStep, ...]
    started_at: datetime


@dataclass(frozen=True, slots=True)
class DispatchBoard:
    running: int  # the running dispatched tasks the reader may see
    overdue: list[OverdueTask]  # the most overdue first


def _day(text: Any) -> date | None:
    try:
        return date.fromisoformat(text) if isinstance(text, str) else None
    except ValueError:
        return None


def _late_steps(session: Session, instance_ids: list[int], now: datetime) -> dict[int, list[LateStep]]:
    if not instance_ids:
        return {}
    holder = aliased(User)
    rows = session.execute(
        select(HumanTask.id, HumanTask.instance_id, HumanTask.name, HumanTask.lane, HumanTask.due_at,
               holder.username, TaskDefinition.title, TaskDefinition.title_zh)
        .outerjoin(holder, holder.id == HumanTask.assignee_id)
        .outerjoin(TaskDefinition, (TaskDefinition.definition_id == HumanTask.definition_id)
                   & (TaskDefinition.name == HumanTask.name))
        .where(HumanTask.instance_id.in_(instance_ids), HumanTask.state == OPEN, HumanTask.due_at.is_not(None),
               HumanTask.due_at < now)
        .order_by(HumanTask.due_at)).all()
    steps: dict[int, list[LateStep]] = {}
    for row in rows:
        steps.setdefault(row.instance_id, []).append(LateStep(
            row.id, row.name, row.title or row.name, row.title_zh or "", row.username, row.lane,
            aware_utc(row.due_at)))
    return steps


def dispatch_board(session: Session, actor: Actor, now: datetime) -> DispatchBoard:
    """The overdue dispatched tasks ``actor`` may see, the most overdue first."""
    rows = session.execute(
        select(ProcessInstance.id, ProcessInstance.title, ProcessInstance.data_json, ProcessInstance.started_at)
        .where(ProcessInstance.process_key == DISPATCH_PROCESS, ProcessInstance.status == "running",
               rights.visible_condition(session, actor))
        .order_by(ProcessInstance.id).limit(MAX_RUNNING)).all()
    late = _late_steps(session, [row.id for row in rows], now)
    today = now.astimezone(CHINA).date()
    overdue = []
    for row in rows:
        data = json.loads(row.data_json)
        start = data.get("start") or {}
        deadline = _day(start.get("due_date"))
        days_past = (today - deadline).days if deadline is not None and today > deadline else 0
        steps = late.get(row.id, [])
        if not days_past and not steps:
            continue
        overdue.append(OverdueTask(
            row.id, row.title, str(start.get("manager", "")), str((data.get("assign_staff") or {}).get("staff", "")),
            deadline, days_past, tuple(steps), aware_utc(row.started_at)))
    earliest = {t.instance_id: min((s.due_at for s in t.late_steps), default=now) for t in overdue}
    overdue.sort(key=lambda t: (-t.days_past_deadline, earliest[t.instance_id], t.instance_id))
    return DispatchBoard(len(rows), overdue)
