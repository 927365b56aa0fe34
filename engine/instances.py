"""Use cases on process instances: start, cancel, list, show and history."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, aliased

from .access import require_view, visible_condition
from .catalog import DeployedProcess
from .errors import Conflict, InstanceNotFound, InvalidInput, NotAllowed
from .forms import validate_form
from .history import PendingEvent, utc_iso
from .models import HistoryEvent, HumanTask, ProcessDefinition, ProcessInstance, TaskDefinition, User
from .org import Actor, load_actor, relationship_roles
from .services import Services
from .step_recorder import record_step
from .steps import InstanceChanges, render_title, save_step
from .text_input import text_problem

CANCEL_ROLES = frozenset({"director", "admin"})


def start_instance(
    session: Session, services: Services, key: str, username: str, data: Any,
) -> dict[str, Any]:
    """Start the latest version of ``key`` and run it to its first wait state.

    A start that fails leaves no instance behind.
    """
    actor = load_actor(session, username)
    process = services.catalog.latest(session, key)
    parent = services.started_by_parent.get(key)
    if parent is not None:  # its data (e.g. who appraises whom) comes from the parent, not from a person
        raise NotAllowed(f"{key!r} is started by {parent!r}, not directly")
    if not actor.has_any_role(process.start_roles):
        needed = ", ".join(sorted(process.start_roles))
        raise NotAllowed(f"{actor.username} may not start {key!r} (needs one of: {needed})")
    if process.start_form is not None:
        start_data = validate_form(process.start_form, data if data is not None else {})
    elif data:
        raise InvalidInput(f"process {key!r} takes no start data")
    else:
        start_data = {}
    result = start_process(session, services, process, actor, start_data)
    hook = services.start_hooks.get(key)
    if hook is not None:
        result.update(hook(session, services, result["id"], actor, start_data))
    return result


def may_start(services: Services, process: DeployedProcess, actor: Actor) -> bool:
    """Whether ``actor`` may start ``process`` by hand (not one only another process starts)."""
    return process.key not in services.started_by_parent and actor.has_any_role(process.start_roles)


def start_process(
    session: Session, services: Services, process: DeployedProcess, actor: Actor, start_data: dict[str, Any],
    parent_id: int | None = None,
) -> dict[str, Any]:
    """Create an instance of ``process`` (already checked) and run it to its first wait state.

    :raise Conflict: an instance with the same business key (e.g. the same period) exists.
    """
    now = services.clock()
    runner = services.runner
    business_key = render_title(process.business_key, {"start": start_data}) if process.business_key else None
    if business_key and session.scalar(select(ProcessInstance.id).where(
            ProcessInstance.process_key == process.key, ProcessInstance.business_key == business_key)):
        raise Conflict(f"{process.key} {business_key!r} already exists")
    workflow = runner.new(process, start_data)
    before = runner.snapshot(workflow)
    step = runner.advance(workflow, before, {}, actor.username)
    title = render_title(process.instance_title, step.data) if process.instance_title else process.title
    instance = ProcessInstance(
        definition_id=process.id, process_key=process.key, title=title[:300], status=step.status,
        end_event=step.end_event, started_by_id=actor.id, started_at=now,
        ended_at=now if step.status != "running" else None, version=1, state_json=step.state_json,
        data_json=json.dumps(step.data, ensure_ascii=False), history_seq=0, history_head="0" * 64,
        business_key=business_key, parent_id=parent_id,
    )
    session.add(instance)
    session.flush()
    events = [PendingEvent("instance_started", actor.username, None,
                           payload={"process": process.key, "version": process.version, "start_data": start_data,
                                    **({"parent_id": parent_id} if parent_id else {})}),
              *step.events]
    record_step(session, services, process, instance, step, events, now, InstanceChanges())
    return {"id": instance.id, "process": process.key, "version": process.version, "title": title,
            "status": step.status, "end_event": step.end_event, "business_key": business_key,
            "next_tasks": [t.name for t in step.new_tasks]}


def cancel_instance(
    session: Session, services: Services, instance_id: int, username: str, reason: str,
) -> dict[str, Any]:
    actor = load_actor(session, username)
    if not actor.has_any_role(CANCEL_ROLES):
        raise NotAllowed(f"{actor.username} may not cancel instances (director or admin only)")
    if not reason or not reason.strip():
        raise InvalidInput("a reason is required to cancel an instance")
    problem = text_problem(reason)
    if problem:
        raise InvalidInput(f"the reason {problem}")
    instance = _get(session, instance_id)
    if instance.status != "running":
        raise Conflict(f"instance {instance.id} is already {instance.status}")
    process = services.catalog.get(session, instance.definition_id)
    workflow = services.runner.load(process, instance.state_json)
    services.runner.run_action(workflow.cancel)
    open_ids = list(session.scalars(select(HumanTask.spiff_task_id).where(
        HumanTask.instance_id == instance.id, HumanTask.state == "open")))
    now = services.clock()
    save_step(session, instance, now,
              [PendingEvent("instance_cancelled", actor.username, None, payload={"reason": reason.strip()})],
              InstanceChanges(state_json=services.codec.dump(workflow), status="cancelled", ended_at=now),
              gone_task_ids=open_ids)
    return {"id": instance.id, "status": "cancelled"}


def _get(session: Session, instance_id: int) -> ProcessInstance:
    instance = session.get(ProcessInstance, instance_id)
    if instance is None:
        raise InstanceNotFound(instance_id)
    return instance


def _summary(instance: ProcessInstance, version: int, started_by: str) -> dict[str, Any]:
    return {
        "id": instance.id, "process": instance.process_key, "version": version, "title": instance.title,
        "status": instance.status, "end_event": instance.end_event, "started_by": started_by,
        "started_at": utc_iso(instance.started_at),
        "ended_at": utc_iso(instance.ended_at) if instance.ended_at else None,
    }


INSTANCE_STATUSES = ("running", "completed", "cancelled", "failed")


def list_instances(session: Session, process_key: str | None = None, started_by: str | None = None,
                   limit: int = 200, status: str | None = None, visible_to: str | None = None,
                   before_id: int | None = None, involving: str | None = None) -> list[dict[str, Any]]:
    """Newest first, each with its open steps and who holds them.

    ``visible_to`` keeps the instances that user may see; ``before_id`` pages backwards;
    ``involving`` keeps those someone else started in which that user completed or holds a step.

    :raise InvalidInput: a ``status`` that no instance can have.
    """
    if status and status not in INSTANCE_STATUSES:
        raise InvalidInput(f"unknown status {status!r} (one of: {', '.join(INSTANCE_STATUSES)})")
    query = (select(ProcessInstance, ProcessDefinition.version, User.username)
             .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
             .join(User, User.id == ProcessInstance.started_by_id)
             .order_by(ProcessInstance.id.desc()).limit(limit))
    if process_key:
        query = query.where(ProcessInstance.process_key == process_key)
    if started_by:
        query = query.where(User.username == started_by)
    if status:
        query = query.where(ProcessInstance.status == status)
    if visible_to:
        query = query.where(visible_condition(session, load_actor(session, visible_to)))
    if before_id:
        query = query.where(ProcessInstance.id < before_id)
    if involving:
        me = load_actor(session, involving)
        took_part = select(HumanTask.instance_id).where(
            or_(HumanTask.completed_by_id == me.id, HumanTask.assignee_id == me.id))
        query = query.where(ProcessInstance.id.in_(took_part), ProcessInstance.started_by_id != me.id)
    rows = [_summary(i, v, u) for i, v, u in session.execute(query).all()]
    steps = _open_steps(session, [r["id"] for r in rows])
    for row in rows:
        row["open_tasks"] = steps.get(row["id"], [])
    return rows


def _open_steps(session: Session, instance_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    if not instance_ids:
        return {}
    assignee = aliased(User)
    rows = session.execute(
        select(HumanTask, assignee.username, TaskDefinition.title, TaskDefinition.title_zh)
        .outerjoin(assignee, assignee.id == HumanTask.assignee_id)
        .outerjoin(TaskDefinition, and_(TaskDefinition.definition_id == HumanTask.definition_id,
                                        TaskDefinition.name == HumanTask.name))
        .where(HumanTask.instance_id.in_(instance_ids), HumanTask.state == "open").order_by(HumanTask.id)
    ).all()
    steps: dict[int, list[dict[str, Any]]] = {}
    fixed = relationship_roles(session) if rows else set()
    for task, holder, title, title_zh in rows:
        steps.setdefault(task.instance_id, []).append({
            "id": task.id, "name": task.name, "title": title or task.name, "title_zh": title_zh or "",
            "role": task.lane, "assignee": holder, "releasable": holder is not None and task.lane not in fixed,
            "due_at": utc_iso(task.due_at) if task.due_at else None,
        })
    return steps


def _visible(session: Session, instance_id: int, username: str | None) -> ProcessInstance:
    instance = _get(session, instance_id)
    if username is not None:
        require_view(session, load_actor(session, username), instance)
    return instance


def show_instance(session: Session, instance_id: int, username: str | None = None) -> dict[str, Any]:
    """An instance with its status, open steps and data (for ``username``, if they may see it)."""
    instance = _visible(session, instance_id, username)
    version = session.scalar(select(ProcessDefinition.version).where(ProcessDefinition.id == instance.definition_id))
    started_by = session.scalar(select(User.username).where(User.id == instance.started_by_id)) or ""
    view = _summary(instance, version or 0, started_by)
    view["open_tasks"] = _open_steps(session, [instance.id]).get(instance.id, [])
    view["data"] = json.loads(instance.data_json)
    return view


def instance_history(session: Session, instance_id: int, username: str | None = None) -> list[dict[str, Any]]:
    _visible(session, instance_id, username)
    events = session.scalars(
        select(HistoryEvent).where(HistoryEvent.instance_id == instance_id).order_by(HistoryEvent.seq)
    ).all()
    return [{
        "seq": e.seq, "kind": e.kind, "at": utc_iso(e.occurred_at), "actor": e.actor,
        "task_name": e.task_name, "task_id": e.human_task_id, "payload": json.loads(e.payload_json),
        "hash": e.hash,
    } for e in events]


def instance_forms(session: Session, services: Services, instance_id: int,
                   username: str | None = None) -> dict[str, dict[str, Any]]:
    """The forms of an instance's process version by data key: ``start``, then each user task in flow order.

    Each has ``title``, ``title_zh`` and ``schema``; a UI uses them to label earlier steps' data.
    """
    instance = _visible(session, instance_id, username)
    process = services.catalog.get(session, instance.definition_id)
    forms: dict[str, dict[str, Any]] = {}
    if process.start_form is not None:
        forms["start"] = {"title": process.start_form.get("title", process.title),
                          "title_zh": process.start_form.get("x-title-zh", process.title_zh),
                          "schema": process.start_form}
    for name, form in process.tasks.items():
        forms[name] = {"title": form.title, "title_zh": form.title_zh, "schema": form.schema}
    return forms
