"""Use cases that start and cancel process instances."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..definitions.catalog import DeployedProcess
from ..definitions.forms import validate_form
from ..errors import Conflict, InstanceNotFound, InvalidInput, NotAllowed
from ..history.log import GENESIS_HASH, PendingEvent
from ..models import HumanTask, ProcessInstance
from ..org import rights
from ..org.people import Actor
from ..text_input import checked_reason
from . import alike_starts
from .collaborators import Collaborators
from .new_instances import NewInstance, write_new_instances
from .outbox import Message, user_ids
from .placeholders import render_title, resolve
from .step_writer import InstanceChanges, Step, write_step
from .views import Cancelled, Started

MAX_REASON_LENGTH = 4000


def load_instance(session: Session, instance_id: int) -> ProcessInstance:
    """:raise InstanceNotFound:"""
    instance = session.get(ProcessInstance, instance_id)
    if instance is None:
        raise InstanceNotFound(instance_id)
    return instance


def may_start(collaborators: Collaborators, process: DeployedProcess, actor: Actor) -> bool:
    """Whether ``actor`` may start ``process`` by hand (not one only another process starts)."""
    return rights.may_start(actor, process.start_roles, collaborators.hooks.started_by_parent.get(process.key))


def start_instance(
    session: Session, collaborators: Collaborators, actor: Actor, key: str, data: Any,
) -> Started:
    """Start the latest version of ``key`` and run it to its first wait state.

    A start that fails leaves no instance behind.
    """
    process = collaborators.catalog.latest(session, key)
    parent = collaborators.hooks.started_by_parent.get(key)
    if parent is not None:  # its data (e.g. who appraises whom) comes from the parent, not from a person
        raise NotAllowed(f"{key!r} is started by {parent!r}, not directly")
    if not may_start(collaborators, process, actor):
        needed = ", ".join(sorted(process.start_roles))
        raise NotAllowed(f"{actor.username} may not start {key!r} (needs one of: {needed})")
    if process.start_form is not None:
        start_data = validate_form(process.start_form, data if data is not None else {})
    elif data:
        raise InvalidInput(f"process {key!r} takes no start data")
    else:
        start_data = {}
    started = start_process(session, collaborators, process, actor, start_data)
    hook = collaborators.hooks.start.get(key)
    if hook is not None:
        return dataclasses.replace(started, hook_result=hook(session, collaborators, started.id, actor, start_data))
    return started


def start_process(
    session: Session, collaborators: Collaborators, process: DeployedProcess, actor: Actor,
    start_data: dict[str, Any], parent_id: int | None = None,
) -> Started:
    """Create an instance of ``process`` (already checked) and run it to its first wait state.

    :raise Conflict: an instance with the same business key (e.g. the same period) exists.
    """
    now = collaborators.clock()
    runner = collaborators.runner
    business_key = render_title(process.business_key, {"start": start_data}) if process.business_key else None
    if business_key and session.scalar(select(ProcessInstance.id).where(
            ProcessInstance.process_key == process.key, ProcessInstance.business_key == business_key)):
        raise Conflict(f"{process.key} {business_key!r} already exists")
    workflow = runner.new(process, start_data)
    before = runner.snapshot(workflow)
    run = runner.advance(workflow, before, {}, actor.username)
    title = render_title(process.instance_title, run.data) if process.instance_title else process.title
    instance = ProcessInstance(
        definition_id=process.id, process_key=process.key, title=title[:300], status=run.status,
        end_event=run.end_event, started_by_id=actor.id, started_at=now,
        ended_at=now if run.status != "running" else None, version=1, state_json=run.state_json,
        data_json=json.dumps(run.data, ensure_ascii=False), history_seq=0, history_head=GENESIS_HASH,
        business_key=business_key, parent_id=parent_id,
    )
    session.add(instance)
    session.flush()
    events = [PendingEvent("instance_started", actor.username, None,
                           payload={"process": process.key, "version": process.version, "start_data": start_data,
                                    **({"parent_id": parent_id} if parent_id else {})}),
              *run.events]
    write_step(session, collaborators, Step(instance, events, run=run, process=process), now)
    return Started(id=instance.id, process=process.key, version=process.version, title=title, status=run.status,
                   end_event=run.end_event, business_key=business_key, next_tasks=[t.name for t in run.new_tasks])


def plan_instances(
    collaborators: Collaborators, process: DeployedProcess, actor: Actor, start_data: list[dict[str, Any]],
    alike: bool = True,
) -> list[NewInstance]:
    """Run a new instance of ``process`` to its first wait state for each start data (no database needed).

    Done before a batch writes anything, so that SQLite's write lock is held only while it writes. Starts that
    differ only in values the model carries run once, as a template (``alike_starts``; ``alike=False``: each
    on its own).
    """
    runner = collaborators.runner
    runs = alike_starts.plan_alike(runner, process, actor.username, start_data) if alike else None
    if runs is None:
        runs = [runner.advance(workflow, runner.snapshot(workflow), {}, actor.username)
                for workflow in (runner.new(process, data) for data in start_data)]
    items = []
    for data, run in zip(start_data, runs, strict=True):
        title = render_title(process.instance_title, run.data) if process.instance_title else process.title
        key = render_title(process.business_key, {"start": data}) if process.business_key else None
        items.append(NewInstance(run, data, title, key))
    return items


def create_instances(
    session: Session, collaborators: Collaborators, process: DeployedProcess, actor: Actor,
    items: list[NewInstance], parent_id: int | None = None,
) -> list[int]:
    """Store planned instances (``plan_instances``) with one statement per kind of row.

    :raise Conflict: an instance with one of the business keys exists (then none is created).
    """
    keys = [item.business_key for item in items if item.business_key]
    if keys and session.scalar(select(ProcessInstance.business_key).where(
            ProcessInstance.process_key == process.key, ProcessInstance.business_key.in_(keys)).limit(1)):
        raise Conflict(f"{process.key}: an instance with one of these business keys already exists")
    return write_new_instances(session, collaborators, process, actor, items, collaborators.clock(), parent_id)


def start_processes(
    session: Session, collaborators: Collaborators, process: DeployedProcess, actor: Actor,
    start_data: list[dict[str, Any]], parent_id: int | None = None,
) -> list[int]:
    """Create many instances of ``process`` (already checked), each run to its first wait state.

    The same rows as ``start_process`` one by one, written with one statement per kind of row
    (``write_new_instances``): what a cycle opening hundreds of appraisals needs.

    :raise Conflict: an instance with one of the business keys exists (then none is created).
    """
    items = plan_instances(collaborators, process, actor, start_data)
    return create_instances(session, collaborators, process, actor, items, parent_id)


def cancel_instance(
    session: Session, collaborators: Collaborators, actor: Actor, instance_id: int, reason: str,
) -> Cancelled:
    """Cancel a running instance with a reason (directors and admins: the cancel right)."""
    rights.require(actor, rights.Right.CANCEL, "cancel instances")
    text = checked_reason(reason, "cancel an instance", MAX_REASON_LENGTH)
    instance = load_instance(session, instance_id)
    if instance.status != "running":
        raise Conflict(f"instance {instance.id} is already {instance.status}")
    process = collaborators.catalog.get(session, instance.definition_id)
    end_instance(session, collaborators, process, instance, PendingEvent(
        "instance_cancelled", actor.username, None, payload={"reason": text}), None,
        [_cancelled_message(session, process, instance, actor, text)])
    return {"id": instance.id, "status": "cancelled"}


def end_instance(session: Session, collaborators: Collaborators, process: DeployedProcess,
                 instance: ProcessInstance, event: PendingEvent, end_event: str | None,
                 notify: list[Message]) -> None:
    """End a running instance before its model does (cancelled, or withdrawn by its starter): the workflow is
    cancelled, its open tasks close, and ``event`` goes on its record; timers and reminders left behind find
    it ended and do nothing."""
    workflow = collaborators.runner.load(process, instance.state_json)
    collaborators.runner.run_action(workflow.cancel)
    open_ids = list(session.scalars(select(HumanTask.spiff_task_id).where(
        HumanTask.instance_id == instance.id, HumanTask.state == "open")))
    now = collaborators.clock()
    write_step(session, collaborators, Step(
        instance, [event], InstanceChanges(state_json=collaborators.codec.dump(workflow), status="cancelled",
                                           end_event=end_event, ended_at=now),
        close=open_ids, notify=notify), now)


def _cancelled_message(session: Session, process: DeployedProcess, instance: ProcessInstance, actor: Actor,
                       reason: str) -> Message:
    """The starter (and those the process names at its end) learn that it was cancelled, and why."""
    named = user_ids(session, [resolve(json.loads(instance.data_json), p) for p in process.notify_on_end]) \
        if process.notify_on_end else {}
    people = {instance.started_by_id, *named.values()} - {actor.id}
    return Message(sorted(people), "result", f"结果 Result: 已取消 · Cancelled — {instance.title}", body=reason,
                   instance_id=instance.id)
