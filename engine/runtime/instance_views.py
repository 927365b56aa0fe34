"""Reading process instances: lists ("My requests", where I take part), one instance, its history, its forms."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, and_, select, union
from sqlalchemy.orm import Session, aliased

from ..clock import utc_iso
from ..errors import InvalidInput
from ..models import HistoryEvent as HistoryRecord
from ..models import HumanTask, ProcessDefinition, ProcessInstance, TaskDefinition, User
from ..org import rights
from ..org.people import Actor, load_actor, relationship_roles
from .collaborators import Collaborators
from .inbox import OPEN
from .instances import load_instance
from .moves import urge_offers
from .views import HistoryEvent, Instance, InstanceDetail, MyRequests, OpenTask, StepForm

# What a list shows of an instance: never its state or data (kilobytes a row).
LISTED = (ProcessInstance.id, ProcessInstance.process_key, ProcessInstance.title, ProcessInstance.status,
          ProcessInstance.end_event, ProcessInstance.started_at, ProcessInstance.ended_at)


def _instance(instance: Any, version: int, started_by: str, open_tasks: list[OpenTask]) -> Instance:
    """``instance``: a ``ProcessInstance`` or a row of ``LISTED``."""
    return {
        "id": instance.id, "process": instance.process_key, "version": version, "title": instance.title,
        "status": instance.status, "end_event": instance.end_event, "started_by": started_by,
        "started_at": utc_iso(instance.started_at),
        "ended_at": utc_iso(instance.ended_at) if instance.ended_at else None, "open_tasks": open_tasks,
    }


INSTANCE_STATUSES = ("running", "completed", "cancelled", "failed")


def list_instances(session: Session, actor: Actor, process_key: str | None = None, started_by: str | None = None,
                   limit: int = 200, status: str | None = None, before_id: int | None = None,
                   involving: bool = False) -> list[Instance]:
    """The instances ``actor`` may see, newest first, each with its open steps and who holds them.

    ``before_id`` pages backwards; ``involving`` keeps those someone else started in which the actor
    completed or holds a step.

    :raise InvalidInput: a ``status`` that no instance can have.
    """
    return _with_open_steps(session, _listed(session, actor, process_key, started_by, limit, status, before_id,
                                             involving))[0]


def _listed(session: Session, actor: Actor, process_key: str | None, started_by: str | None, limit: int,
            status: str | None, before_id: int | None, involving: bool) -> Sequence[Row[Any]]:
    """The rows of ``list_instances`` (``LISTED``, ``version``, ``starter``), without their open steps."""
    if status and status not in INSTANCE_STATUSES:
        raise InvalidInput(f"unknown status {status!r} (one of: {', '.join(INSTANCE_STATUSES)})")
    conditions: list[Any] = []
    if process_key:
        conditions.append(ProcessInstance.process_key == process_key)
    if started_by:
        conditions.append(ProcessInstance.started_by_id == load_actor(session, started_by).id)
    if status:
        conditions.append(ProcessInstance.status == status)
    if started_by != actor.username and not involving:  # a starter, and who took part, may see an instance
        conditions.append(rights.visible_condition(session, actor))
    if before_id:
        conditions.append(ProcessInstance.id < before_id)
    if involving:  # the ids first (at most ``limit``), then the instances by key, in the same statement
        conditions = [ProcessInstance.id.in_(_took_part(actor.id, conditions, before_id, limit))]
    # The instances alone, newest first, with their versions and starters by correlated subqueries
    # (run for the rows kept only): joined instead, SQLite (without statistics) may drive the join from
    # the definitions and sort them all; read apart, they cost two more round trips.
    version = (select(ProcessDefinition.version).where(ProcessDefinition.id == ProcessInstance.definition_id)
               .scalar_subquery())
    starter = select(User.username).where(User.id == ProcessInstance.started_by_id).scalar_subquery()
    return session.execute(select(*LISTED, version.label("version"), starter.label("starter"))
                           .where(*conditions).order_by(ProcessInstance.id.desc()).limit(limit)).all()


def _with_open_steps(session: Session, *lists: Sequence[Row[Any]]) -> list[list[Instance]]:
    """The instances of one or more lists of ``_listed`` rows, with their open steps (read in one statement)."""
    steps = _open_steps(session, sorted({row.id for rows in lists for row in rows}))
    return [[_instance(row, row.version, row.starter, steps.get(row.id, [])) for row in rows] for rows in lists]


def my_requests(session: Session, actor: Actor, limit: int, now: datetime, before_id: int | None = None,
                involved_before: int | None = None) -> MyRequests:
    """"My requests": the instances the actor started and those others started in which the actor took
    part, newest first, ``limit`` of each (``before_id``, ``involved_before``: where each page starts), and which
    open steps of their own they may urge (催办) and from when."""
    started, involved = _with_open_steps(
        session, _listed(session, actor, None, actor.username, limit, None, before_id, False),
        _listed(session, actor, None, None, limit, None, involved_before, True))
    return MyRequests(started=started, involved=involved, urge=urge_offers(session, actor, started, now))


def _took_part(user_id: int, conditions: list[Any], before_id: int | None, limit: int) -> Select[Any]:
    """The newest ``limit`` instances (meeting ``conditions``) someone else started in which the user
    completed a step, holds an open one, or held one that closed at its deadline (an appraisal whose
    self-assessment lapsed is still the employee's): a query of their ids, three reads of the user's steps
    in index order, newest instance first, each stopping at ``limit``, and their union.

    The instance is looked up per step by a correlated subquery (its starter, or NULL when it fails
    ``conditions``): joined instead, PostgreSQL merges the whole instance table backwards into it."""
    starter = (select(ProcessInstance.started_by_id)
               .where(ProcessInstance.id == HumanTask.instance_id, *conditions).scalar_subquery())
    newer = [HumanTask.instance_id < before_id] if before_id else []

    def newest(*took_part: Any) -> Any:
        return (select(HumanTask.instance_id).distinct().where(*took_part, *newer, starter != user_id)
                .order_by(HumanTask.instance_id.desc()).limit(limit).subquery())

    completed = newest(HumanTask.completed_by_id == user_id)
    held = newest(HumanTask.assignee_id == user_id, HumanTask.state == OPEN)
    lapsed = newest(HumanTask.assignee_id == user_id, HumanTask.state == "expired")  # closed at its deadline
    both = union(select(completed.c.instance_id), select(held.c.instance_id),
                 select(lapsed.c.instance_id)).subquery()
    return select(both.c.instance_id).order_by(both.c.instance_id.desc()).limit(limit)


def _open_steps(session: Session, instance_ids: list[int]) -> dict[int, list[OpenTask]]:
    if not instance_ids:
        return {}
    assignee = aliased(User)
    rows = session.execute(  # plain columns: lists show 50 instances and more, ORM objects cost ~5x
        select(HumanTask.id, HumanTask.instance_id, HumanTask.name, HumanTask.lane, HumanTask.due_at,
               assignee.username, TaskDefinition.title, TaskDefinition.title_zh, HumanTask.round_id)
        .outerjoin(assignee, assignee.id == HumanTask.assignee_id)
        .outerjoin(TaskDefinition, and_(TaskDefinition.definition_id == HumanTask.definition_id,
                                        TaskDefinition.name == HumanTask.name))
        .where(HumanTask.instance_id.in_(instance_ids), HumanTask.state == OPEN).order_by(HumanTask.id)
    ).all()
    steps: dict[int, list[OpenTask]] = {}
    fixed = relationship_roles(session) if rows else set()
    for task_id, instance_id, name, lane, due_at, holder, title, title_zh, round_id in rows:
        steps.setdefault(instance_id, []).append({
            "id": task_id, "name": name, "title": title or name, "title_zh": title_zh or "",
            "role": lane, "assignee": holder,
            "releasable": holder is not None and lane not in fixed and round_id is None,
            "due_at": utc_iso(due_at) if due_at else None,
        })
    return steps


def _visible(session: Session, actor: Actor, instance_id: int) -> ProcessInstance:
    """:raise InstanceNotFound: :raise NotAllowed: ``actor`` may not see it."""
    instance = load_instance(session, instance_id)
    rights.require_see_instance(session, actor, instance)
    return instance


def show_instance(session: Session, actor: Actor, instance_id: int) -> InstanceDetail:
    """An instance with its status, open steps and data, if ``actor`` may see it."""
    instance = _visible(session, actor, instance_id)
    version = session.scalar(select(ProcessDefinition.version).where(ProcessDefinition.id == instance.definition_id))
    started_by = session.scalar(select(User.username).where(User.id == instance.started_by_id)) or ""
    steps = _open_steps(session, [instance.id]).get(instance.id, [])
    return {**_instance(instance, version or 0, started_by, steps), "data": json.loads(instance.data_json)}


def instance_history(session: Session, actor: Actor, instance_id: int) -> list[HistoryEvent]:
    """An instance's history events in order, if ``actor`` may see it."""
    _visible(session, actor, instance_id)
    events = session.scalars(
        select(HistoryRecord).where(HistoryRecord.instance_id == instance_id).order_by(HistoryRecord.seq)
    ).all()
    return [{
        "seq": e.seq, "kind": e.kind, "at": utc_iso(e.occurred_at), "actor": e.actor,
        "task_name": e.task_name, "task_id": e.human_task_id, "payload": json.loads(e.payload_json),
        "hash": e.hash,
    } for e in events]


def instance_forms(session: Session, collaborators: Collaborators, actor: Actor,
                   instance_id: int) -> dict[str, StepForm]:
    """The forms of an instance's process version by data key: ``start``, then each user task in flow order
    (a UI labels earlier steps' data with them)."""
    instance = _visible(session, actor, instance_id)
    return version_forms(session, collaborators, instance.definition_id)


def version_forms(session: Session, collaborators: Collaborators, definition_id: int) -> dict[str, StepForm]:
    """The forms of a deployed version by data key: ``start``, then each user task in flow order (the caller
    checked the right to read the instance they label)."""
    process = collaborators.catalog.get(session, definition_id)
    forms: dict[str, StepForm] = {}
    if process.start_form is not None:
        forms["start"] = StepForm(str(process.start_form.get("title", process.title)),
                                  str(process.start_form.get("x-title-zh", process.title_zh)), process.start_form)
    for name, form in process.tasks.items():
        forms[name] = StepForm(form.title, form.title_zh, form.schema)
    return forms
