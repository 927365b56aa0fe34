"""Everything a step of an instance leaves behind, written in the step's transaction.

``record_step`` resolves who gets each new task (from the instance's data for relationship
lanes such as ``employee``) and when it is due (a window of working days), saves the step
(``steps.save_step``), keeps the instance's timer job in line with the workflow's earliest
waiting timer, schedules reminders and overdue escalations, and sends notifications.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from . import calendar, notifications
from .catalog import DeployedProcess
from .errors import ProcessError
from .execution import StepResult
from .history import PendingEvent, aware_utc
from .jobs import cancel_pending, schedule_job, schedule_jobs
from .models import ProcessInstance
from .services import Services
from .steps import InstanceChanges, close_tasks, render_title, save_step

REMIND_BEFORE = timedelta(days=1)
# Escalation waits this long after a deadline, so that a timer closing the step at its deadline
# (e.g. a self-assessment closed as not submitted) runs first and nobody is told of a step that is gone.
OVERDUE_GRACE = timedelta(minutes=1)


def resolve(data: dict[str, Any], path: str) -> str:
    """The value at a dotted path of the data (``start.employee``), as text ('' if absent)."""
    return render_title("${" + path + "}", data)


def _aware(moment: datetime | None) -> datetime | None:
    return None if moment is None else aware_utc(moment)


def _plan_tasks(
    session: Session, process: DeployedProcess, step: StepResult, now: datetime,
) -> tuple[dict[str, int], dict[str, datetime]]:
    wanted: dict[str, str] = {}
    due: dict[str, datetime] = {}
    for task in step.new_tasks:
        form = process.tasks.get(task.name)
        if form is None:
            continue
        if form.assignee_path:
            wanted[task.spiff_id] = resolve(step.data, form.assignee_path)
        if form.due_window:
            window = resolve(step.data, form.due_window)
            if window:
                try:
                    due[task.spiff_id] = calendar.deadline(now, window)
                except calendar.DurationInvalid as exc:
                    raise ProcessError(f"{task.name}: due window {form.due_window}: {exc}") from exc
    ids = notifications.user_ids(session, sorted(set(wanted.values()) - {""}))
    assignees: dict[str, int] = {}
    for spiff_id, username in wanted.items():
        if username not in ids:
            name = next(t.name for t in step.new_tasks if t.spiff_id == spiff_id)
            raise ProcessError(f"{name}: the person it is for ({username or 'nobody'!r}) is not a known user")
        assignees[spiff_id] = ids[username]
    return assignees, due


def record_step(
    session: Session, services: Services, process: DeployedProcess, instance: ProcessInstance, step: StepResult,
    events: list[PendingEvent], now: datetime, changes: InstanceChanges, completed_task: str | None = None,
    gone_state: str = "cancelled", skip_gone: str | None = None,
) -> dict[str, int]:
    """Save a step with its tasks, jobs and notifications; return the new human task ids."""
    assignees, due = _plan_tasks(session, process, step, now)
    for event in events:
        if event.kind == "task_created":
            spiff_id = str(event.payload.get("task_id"))
            if spiff_id in due:
                event.payload["due_at"] = due[spiff_id].isoformat()
    if _aware(step.next_timer_at) != _aware(instance.next_timer_at):
        changes.extra["next_timer_at"] = step.next_timer_at
        if instance.next_timer_at is not None:
            cancel_pending(session, "timer", instance.id, now)
        if step.next_timer_at is not None:
            schedule_job(session, "timer", step.next_timer_at, now, instance_id=instance.id,
                         payload={"due_at": step.next_timer_at.isoformat()})
    gone = [t for t in step.gone_task_ids if t != skip_gone]
    created = save_step(session, instance, now, events, changes, step.new_tasks, [], assignees, due)
    close_tasks(session, gone, gone_state, now)
    follow_ups = []
    for spiff_id, due_at in due.items():
        task_id = created.get(spiff_id)
        follow_ups.append({"kind": "reminder", "due_at": max(now, due_at - REMIND_BEFORE),
                           "instance_id": instance.id, "human_task_id": task_id})
        follow_ups.append({"kind": "overdue", "due_at": due_at + OVERDUE_GRACE, "instance_id": instance.id,
                           "human_task_id": task_id})
    schedule_jobs(session, follow_ups, now)
    _notify(session, services, process, instance, step, changes, created, assignees, completed_task, now)
    return created


def step_label(process: DeployedProcess, name: str) -> str:
    """A step's title in both languages, for notification subjects (one subject serves every reader)."""
    form = process.tasks.get(name)
    if form is None:
        return name
    return f"{form.title_zh} · {form.title}" if form.title_zh else form.title


def _notify(
    session: Session, services: Services, process: DeployedProcess, instance: ProcessInstance, step: StepResult,
    changes: InstanceChanges, created: dict[str, int], assignees: dict[str, int], completed_task: str | None,
    now: datetime,
) -> None:
    title = changes.title or instance.title
    messages = []
    holders: dict[str, list[int]] = {}
    for task in step.new_tasks:
        label = step_label(process, task.name)
        if task.spiff_id in assignees:
            recipients = [assignees[task.spiff_id]]
        else:
            if task.lane not in holders:
                holders[task.lane] = notifications.users_with_role(session, task.lane)
            recipients = holders[task.lane]
        messages.append(notifications.Message(recipients, "new_task", f"新任务 New task: {label} — {title}",
                                              instance_id=instance.id, human_task_id=created.get(task.spiff_id)))
    form = process.tasks.get(completed_task) if completed_task else None
    if form is not None and form.notify_on_complete:
        people = notifications.user_ids(session, [resolve(step.data, p) for p in form.notify_on_complete])
        label = step_label(process, form.name)
        messages.append(notifications.Message(list(people.values()), "decided", f"已决定 Decided: {label} — {title}",
                                              instance_id=instance.id))
    if step.status == "completed" and process.notify_on_end:
        people = notifications.user_ids(session, [resolve(step.data, p) for p in process.notify_on_end])
        messages.append(notifications.Message(list(people.values()), "result", f"结果 Result: {title}",
                                              instance_id=instance.id))
    notifications.send(session, messages, now, services.email_enabled)
