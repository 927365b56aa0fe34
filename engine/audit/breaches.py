"""Deadline breaches (超时): the steps that passed their due time, among the instances an actor may audit.

A step breached when it was done after its due time, was closed unfinished at it (an appraisal's
self-assessment not handed in), or is still open past it. Each comes with how late it was (or is), who held
it, and whether it was escalated (the overdue check told the holder's manager). Filters: process, the person
who held it, and the days its due time fell on (China's dates, like the audit search).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session, aliased

from ..clock import aware_utc, utc_iso
from ..errors import InvalidInput, UserNotFound
from ..models import HistoryEvent, HumanTask, ProcessInstance, TaskDefinition, User
from ..org import rights
from ..org.people import Actor
from ..text_input import text_problem
from .late_steps import late_step
from .search import day_start
from .views import Breach

MAX_LIMIT = 1000
DEFAULT_LIMIT = 200
LATE_STATES = ("completed", "expired")


@dataclass(frozen=True, slots=True)
class BreachQuery:
    process: str | None = None
    person: str | None = None
    date_from: date | None = None  # the due time's day, China's date
    date_to: date | None = None
    limit: int = DEFAULT_LIMIT
    instance_id: int | None = None  # one request's breaches (its case file)

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> BreachQuery:
        """The filters from text parameters (``process``, ``person``, ``from``, ``to``, ``limit``).
        :raise InvalidInput: naming the parameter that cannot be used."""
        values: dict[str, str] = {}
        for name in ("process", "person", "from", "to", "limit"):
            raw = str(params.get(name) or "").strip()
            if raw and text_problem(raw):
                raise InvalidInput(f"{name}: the text {text_problem(raw)}")
            if raw:
                values[name] = raw
        try:
            days = [date.fromisoformat(values[n]) if n in values else None for n in ("from", "to")]
        except ValueError as exc:
            raise InvalidInput("from/to: a day is written YYYY-MM-DD") from exc
        limit = values.get("limit", str(DEFAULT_LIMIT))
        if not limit.isdigit() or not 1 <= int(limit) <= MAX_LIMIT:
            raise InvalidInput(f"limit: a whole number from 1 to {MAX_LIMIT}")
        return cls(values.get("process"), values.get("person"), days[0], days[1], int(limit))


def list_breaches(session: Session, actor: Actor, query: BreachQuery, now: datetime) -> list[Breach]:
    """The breached steps ``actor`` may audit, the latest due first. :raise NotAllowed: :raise UserNotFound:"""
    rights.require_audit(actor)
    holder, done_by = aliased(User), aliased(User)
    # A CTE: the audit condition's own subqueries must not correlate with this statement's human_task.
    audited = select(ProcessInstance.id.label("id")).where(rights.audit_condition(session, actor)).cte("audited")
    escalated = exists().where(HistoryEvent.instance_id == HumanTask.instance_id,
                               HistoryEvent.human_task_id == HumanTask.id, HistoryEvent.kind == "task_overdue")
    statement = (
        select(HumanTask, ProcessInstance.process_key, ProcessInstance.title, TaskDefinition.title,
               TaskDefinition.title_zh, holder.username, done_by.username, escalated.label("escalated"))
        .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
        .outerjoin(TaskDefinition, and_(TaskDefinition.definition_id == HumanTask.definition_id,
                                        TaskDefinition.name == HumanTask.name))
        .outerjoin(holder, holder.id == HumanTask.assignee_id)
        .outerjoin(done_by, done_by.id == HumanTask.completed_by_id)
        .where(late_step(now), HumanTask.instance_id.in_(select(audited.c.id)))
        .order_by(HumanTask.due_at.desc(), HumanTask.id.desc()).limit(query.limit))
    if query.process:
        statement = statement.where(ProcessInstance.process_key == query.process)
    if query.instance_id is not None:
        statement = statement.where(HumanTask.instance_id == query.instance_id)
    if query.person:
        person = session.scalar(select(User.id).where(User.username == query.person))
        if person is None:
            raise UserNotFound(query.person)
        statement = statement.where(or_(HumanTask.assignee_id == person, HumanTask.completed_by_id == person))
    if query.date_from:
        statement = statement.where(HumanTask.due_at >= day_start(query.date_from))
    if query.date_to:
        statement = statement.where(HumanTask.due_at < day_start(query.date_to + timedelta(days=1)))
    found: list[Breach] = []
    for task, process, title, step_title, step_zh, held, done, was_escalated in session.execute(statement):
        due = aware_utc(task.due_at)
        end = aware_utc(task.completed_at) if task.state == "completed" and task.completed_at else \
            due if task.state == "expired" else now
        found.append(Breach(
            task_id=task.id, instance_id=task.instance_id, process=process, instance_title=title, step=task.name,
            step_title=step_title or task.name, step_title_zh=step_zh or "", holder=done or held,
            due_at=utc_iso(due), done_at=utc_iso(end) if task.state != "open" else None, state=task.state,
            late_minutes=max(0, int((end - due).total_seconds() // 60)), escalated=bool(was_escalated)))
    return found
