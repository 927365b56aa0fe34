"""Writing one step of an instance: the only module that writes task rows, the instance row,
history events, and the jobs and notifications a step leaves behind.

A use case that changes an instance describes its step as a ``Step`` and hands it to
``write_step``, which writes in this order, always, so the conflict rules are the same everywhere:

1. the task a person acted on (claim, release, assign, complete), guarded by the state and holder
   read before: zero rows means someone else was quicker, a ``Conflict``;
2. new human tasks (who each is for, and when it is due, resolved first); their ids go into the events;
3. tasks that are no longer ready are closed (cancelled, or expired when their deadline closed them),
   and open tasks that a migration moves to another version are updated (``task_updates``);
4. the instance's timer job, when the earliest waiting timer moved;
5. the instance row ``WHERE version = <the version read>``: zero rows means someone else stepped the
   instance first, a ``Conflict``, and the whole use case rolls back;
6. the hash-chained history events, in one insert;
7. reminders and overdue checks for the new tasks' deadlines, in one insert;
8. notifications (one insert; e-mail jobs too when SMTP is set).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, or_, update
from sqlalchemy.orm import Session

from ..calendar import DurationInvalid
from ..clock import aware_utc
from ..definitions.catalog import DeployedProcess
from ..errors import Conflict, ProcessError
from ..history.log import PendingEvent, chain_events, insert_events
from ..models import HumanTask, ProcessInstance
from . import outbox
from .collaborators import Collaborators
from .execution import ReadyTask, StepResult
from .placeholders import render_title, resolve

_NO_SYNC = {"synchronize_session": False}
REMIND_BEFORE = timedelta(days=1)
# Escalation waits this long after a deadline, so that a timer closing the step at its deadline
# (e.g. a self-assessment closed as not submitted) runs first and nobody is told of a step that is gone.
OVERDUE_GRACE = timedelta(minutes=1)


@dataclass
class InstanceChanges:
    """Columns of the instance row that a step sets (None: leave as is)."""

    state_json: str | None = None
    data_json: str | None = None
    status: str | None = None
    end_event: str | None = None
    ended_at: datetime | None = None
    title: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def values(self) -> dict[str, Any]:
        values = {k: v for k, v in (
            ("state_json", self.state_json), ("data_json", self.data_json), ("status", self.status),
            ("end_event", self.end_event), ("ended_at", self.ended_at), ("title", self.title),
        ) if v is not None}
        values.update(self.extra)
        return values


@dataclass
class TaskAction:
    """The change to the task a person acted on, made only if it is still open and held as read."""

    task: HumanTask
    values: dict[str, Any]
    held_by: tuple[int | None, ...]  # who may hold it for the change to apply (None: nobody)
    conflict: str


@dataclass
class Step:
    """Everything one step of an instance writes; see the module docstring for the order."""

    instance: ProcessInstance
    events: list[PendingEvent]
    changes: InstanceChanges = field(default_factory=InstanceChanges)
    acted_on: TaskAction | None = None
    run: StepResult | None = None  # what the engine did, when the step ran the workflow
    process: DeployedProcess | None = None  # the version the run ran (needed with ``run``)
    close: list[str] = field(default_factory=list)  # spiff ids of open tasks to close besides the run's
    close_as: str = "cancelled"
    completed_task: str | None = None  # the step a person completed (for its notify-on-complete)
    notify: list[outbox.Message] = field(default_factory=list)
    task_updates: dict[int, dict[str, Any]] = field(default_factory=dict)  # open task row id -> new values


def workflow_changes(process: DeployedProcess, run: StepResult, now: datetime) -> InstanceChanges:
    """The instance columns a workflow run sets: state, data, status, end and title."""
    return InstanceChanges(
        state_json=run.state_json, data_json=json.dumps(run.data, ensure_ascii=False), status=run.status,
        end_event=run.end_event, ended_at=now if run.status != "running" else None,
        title=render_title(process.instance_title, run.data)[:300] if process.instance_title else None,
    )


def write_step(session: Session, collaborators: Collaborators, step: Step, now: datetime) -> dict[str, int]:
    """Write one step that happened at ``now``; return the human tasks it created (spiff id -> row id).

    :raise Conflict: the acted-on task or the instance changed since they were read.
    :raise ProcessError: a new task's person or due window cannot be resolved from the data.
    """
    instance, run = step.instance, step.run
    if step.acted_on is not None:
        _apply_action(session, step.acted_on)
    created: dict[str, int] = {}
    assignees: dict[str, int] = {}
    due: dict[str, datetime] = {}
    gone = list(step.close)
    if run is not None and step.process is not None:
        assignees, due = _plan_tasks(session, collaborators, step.process, run, now)
        created = _insert_tasks(session, instance, step.process.id, run.new_tasks, now, assignees, due)
        skip = step.acted_on.task.spiff_task_id if step.acted_on else None
        gone += [t for t in run.gone_task_ids if t != skip]
        _keep_timer_job(session, instance, run, step.changes, now)
    for event in step.events:
        if event.kind == "task_created":
            spiff_id = str(event.payload.get("task_id"))
            event.human_task_id = event.human_task_id or created.get(spiff_id)
            if spiff_id in due:
                event.payload["due_at"] = due[spiff_id].isoformat()
    _close_tasks(session, gone, step.close_as, now)
    for task_id, values in step.task_updates.items():
        session.execute(update(HumanTask).where(HumanTask.id == task_id, HumanTask.state == "open")
                        .values(**values).execution_options(**_NO_SYNC))
    _update_instance(session, instance, step, now)
    outbox.schedule_jobs(session, _follow_ups(instance, created, due, now), now)
    messages = list(step.notify)
    if run is not None and step.process is not None:
        messages += _step_messages(session, step.process, run, step, created, assignees)
    outbox.send(session, messages, now, collaborators.email_enabled)
    return created


def _apply_action(session: Session, action: TaskAction) -> None:
    holders = [HumanTask.assignee_id.is_(None) if h is None else HumanTask.assignee_id == h for h in action.held_by]
    result = session.execute(
        update(HumanTask).where(HumanTask.id == action.task.id, HumanTask.state == "open", or_(*holders))
        .values(**action.values).execution_options(**_NO_SYNC)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(action.conflict)


def _plan_tasks(
    session: Session, collaborators: Collaborators, process: DeployedProcess, run: StepResult, now: datetime,
) -> tuple[dict[str, int], dict[str, datetime]]:
    """Who each new task is for (relationship lanes, from the data) and when it is due (working days)."""
    wanted: dict[str, str] = {}
    due: dict[str, datetime] = {}
    for task in run.new_tasks:
        form = process.tasks.get(task.name)
        if form is None:
            continue
        if form.assignee_path:
            wanted[task.spiff_id] = resolve(run.data, form.assignee_path)
        if form.due_window:
            window = resolve(run.data, form.due_window)
            if window:
                try:
                    due[task.spiff_id] = collaborators.calendar.deadline(now, window)
                except DurationInvalid as exc:
                    raise ProcessError(f"{task.name}: due window {form.due_window}: {exc}") from exc
    ids = outbox.user_ids(session, sorted(set(wanted.values()) - {""}))
    assignees: dict[str, int] = {}
    for spiff_id, username in wanted.items():
        if username not in ids:
            name = next(t.name for t in run.new_tasks if t.spiff_id == spiff_id)
            raise ProcessError(f"{name}: the person it is for ({username or 'nobody'!r}) is not a known user")
        assignees[spiff_id] = ids[username]
    return assignees, due


def _insert_tasks(
    session: Session, instance: ProcessInstance, definition_id: int, tasks: list[ReadyTask], now: datetime,
    assignees: dict[str, int], due: dict[str, datetime],
) -> dict[str, int]:
    if not tasks:
        return {}
    rows = [{
        "instance_id": instance.id, "definition_id": definition_id, "spiff_task_id": t.spiff_id,
        "name": t.name, "lane": t.lane, "state": "open", "created_at": now,
        "assignee_id": assignees.get(t.spiff_id), "due_at": due.get(t.spiff_id),
    } for t in tasks]
    table = HumanTask.__table__
    result = session.execute(insert(table).returning(table.c.id, table.c.spiff_task_id), rows)  # type: ignore[arg-type]
    return {spiff_id: row_id for row_id, spiff_id in result.all()}


def _close_tasks(session: Session, spiff_ids: list[str], state: str, now: datetime) -> None:
    if spiff_ids:
        session.execute(
            update(HumanTask).where(HumanTask.spiff_task_id.in_(spiff_ids), HumanTask.state == "open")
            .values(state=state, completed_at=now).execution_options(**_NO_SYNC)
        )


def _keep_timer_job(
    session: Session, instance: ProcessInstance, run: StepResult, changes: InstanceChanges, now: datetime,
) -> None:
    """One pending timer job per instance, due when its earliest waiting timer is."""
    wanted = None if run.next_timer_at is None else aware_utc(run.next_timer_at)
    known = None if instance.next_timer_at is None else aware_utc(instance.next_timer_at)
    if wanted == known:
        return
    changes.extra["next_timer_at"] = run.next_timer_at
    if known is not None:
        outbox.cancel_pending(session, "timer", instance.id, now)
    if run.next_timer_at is not None:
        outbox.schedule_job(session, "timer", run.next_timer_at, now, instance_id=instance.id,
                            payload={"due_at": run.next_timer_at.isoformat()})


def _update_instance(session: Session, instance: ProcessInstance, step: Step, now: datetime) -> None:
    rows, seq, head = chain_events(instance.id, instance.history_seq, instance.history_head, step.events, now)
    values = step.changes.values()
    values.update(version=instance.version + 1, history_seq=seq, history_head=head)
    result = session.execute(
        update(ProcessInstance)
        .where(ProcessInstance.id == instance.id, ProcessInstance.version == instance.version)
        .values(**values).execution_options(**_NO_SYNC)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(f"instance {instance.id} was changed by someone else; reload and try again")
    insert_events(session, rows)


def _follow_ups(instance: ProcessInstance, created: dict[str, int], due: dict[str, datetime],
                now: datetime) -> list[dict[str, Any]]:
    jobs = []
    for spiff_id, due_at in due.items():
        task_id = created.get(spiff_id)
        jobs.append({"kind": "reminder", "due_at": max(now, due_at - REMIND_BEFORE), "instance_id": instance.id,
                     "human_task_id": task_id})
        jobs.append({"kind": "overdue", "due_at": due_at + OVERDUE_GRACE, "instance_id": instance.id,
                     "human_task_id": task_id})
    return jobs


def step_label(process: DeployedProcess, name: str) -> str:
    """A step's title in both languages, for notification subjects (one subject serves every reader)."""
    form = process.tasks.get(name)
    if form is None:
        return name
    return f"{form.title_zh} · {form.title}" if form.title_zh else form.title


def _step_messages(
    session: Session, process: DeployedProcess, run: StepResult, step: Step, created: dict[str, int],
    assignees: dict[str, int],
) -> list[outbox.Message]:
    """New tasks to whoever may take them; a decision to those the step names; the result at the end."""
    instance = step.instance
    title = step.changes.title or instance.title
    messages = []
    holders: dict[str, list[int]] = {}
    for task in run.new_tasks:
        label = step_label(process, task.name)
        if task.spiff_id in assignees:
            recipients = [assignees[task.spiff_id]]
        else:
            if task.lane not in holders:
                holders[task.lane] = outbox.users_with_role(session, task.lane)
            recipients = holders[task.lane]
        messages.append(outbox.Message(recipients, "new_task", f"新任务 New task: {label} — {title}",
                                       instance_id=instance.id, human_task_id=created.get(task.spiff_id)))
    form = process.tasks.get(step.completed_task) if step.completed_task else None
    if form is not None and form.notify_on_complete:
        people = outbox.user_ids(session, [resolve(run.data, p) for p in form.notify_on_complete])
        messages.append(outbox.Message(list(people.values()), "decided",
                                       f"已决定 Decided: {step_label(process, form.name)} — {title}",
                                       instance_id=instance.id))
    if run.status == "completed" and process.notify_on_end:
        people = outbox.user_ids(session, [resolve(run.data, p) for p in process.notify_on_end])
        messages.append(outbox.Message(list(people.values()), "result", f"结果 Result: {title}",
                                       instance_id=instance.id))
    return messages
