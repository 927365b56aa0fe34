"""What each kind of job does. Every handler runs inside the job's transaction, which also
marks the job done; handlers must be safe to run again after a crash (at-least-once)."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ..calendar import CHINA
from ..clock import aware_utc
from ..errors import ProcessError
from ..history.log import PendingEvent
from ..history.sequencer import make_checkpoint
from ..models import HumanTask, Job, ProcessInstance
from ..org import password_links
from ..org.ldap import sync as directory_sync
from ..org.people import Actor, managers_of
from ..runtime import outbox
from ..runtime.collaborators import Collaborators
from ..runtime.step_plan import step_label
from ..runtime.step_writer import Step, workflow_changes, write_step
from . import letters, publishing, schedules
from .jobs import LeasedJob
from .org_record import put_on_record

log = logging.getLogger(__name__)
Handler = Callable[[Session, Collaborators, LeasedJob, datetime], None]


def run_timers(session: Session, collaborators: Collaborators, job: LeasedJob, now: datetime) -> None:
    """Fire the instance's due timers and run it to its next wait state."""
    instance = session.get(ProcessInstance, job.instance_id)
    if instance is None or instance.status != "running":
        return
    process = collaborators.catalog.get(session, instance.definition_id)
    runner = collaborators.runner
    workflow = runner.load(process, instance.state_json)
    before = runner.snapshot(workflow)
    before_data = json.loads(instance.data_json)
    try:
        runner.run_action(workflow.refresh_timers)
        run = runner.advance(workflow, before, before_data, None)
    except ProcessError as exc:
        exc.instance_id = instance.id
        raise
    expired = session.execute(
        select(HumanTask.id, HumanTask.name, HumanTask.assignee_id)
        .where(HumanTask.spiff_task_id.in_(run.gone_task_ids))
    ).all() if run.gone_task_ids else []
    events = [PendingEvent("timer_fired", None, None, payload={"due_at": job.payload.get("due_at")}),
              *[PendingEvent("task_expired", None, name, task_id, payload={"reason": "deadline passed"})
                for task_id, name, _holder in expired],
              *run.events]
    lapsed = [outbox.Message([holder], "expired", f"已关闭 Closed: {step_label(process, name)} — {instance.title}",
                             body="截止时间已过，此步骤未提交即关闭，流程已继续。 The deadline passed: the step closed "
                                  "without your submission and the request went on.",
                             instance_id=instance.id, human_task_id=task_id, dedupe=f"expired:{task_id}")
              for task_id, name, holder in expired if holder is not None]  # whom the step was for is told
    write_step(session, collaborators, Step(instance, events, workflow_changes(process, run, now), run=run,
                                            process=process, close_as="expired", notify=lapsed), now)


def _holders(session: Session, task: HumanTask) -> list[int]:
    if task.assignee_id is not None:
        return [task.assignee_id]
    return outbox.users_with_role(session, task.lane)


def _open_task(session: Session, job: LeasedJob) -> tuple[HumanTask, ProcessInstance] | None:
    task = session.get(HumanTask, job.human_task_id) if job.human_task_id else None
    if task is None or task.state != "open":
        return None
    instance = session.get(ProcessInstance, task.instance_id)
    return (task, instance) if instance is not None else None


def _label(session: Session, collaborators: Collaborators, task: HumanTask, instance: ProcessInstance) -> str:
    return step_label(collaborators.catalog.get(session, instance.definition_id), task.name)


def _due_text(task: HumanTask) -> str:
    if task.due_at is None:
        return ""
    local = aware_utc(task.due_at).astimezone(CHINA)
    return f"截止 Due: {local:%Y-%m-%d %H:%M} (China time)"


def remind(session: Session, collaborators: Collaborators, job: LeasedJob, now: datetime) -> None:
    """Tell the holder that a step is due within a day (once; not after the deadline, escalation does that)."""
    found = _open_task(session, job)
    if found is None:
        return
    task, instance = found
    if task.due_at is not None and aware_utc(task.due_at) <= now:
        return
    message = outbox.Message(
        _holders(session, task), "reminder", f"提醒 Reminder: {_label(session, collaborators, task, instance)} — "
        f"{instance.title}", body=_due_text(task), instance_id=instance.id, human_task_id=task.id,
        dedupe=f"reminder:{task.id}")
    write_step(session, collaborators, Step(instance, [PendingEvent("reminder_sent", None, task.name, task.id)],
                                            notify=[message]), now)


def escalate(session: Session, collaborators: Collaborators, job: LeasedJob, now: datetime) -> None:
    """A step is overdue: tell the holder and escalate to the holder's manager."""
    found = _open_task(session, job)
    if found is None:
        return
    task, instance = found
    holders = _holders(session, task)
    managers = sorted({m for h in holders for m in managers_of(session, h)[:1]})
    label, due = _label(session, collaborators, task, instance), _due_text(task)
    messages = [
        outbox.Message(holders, "overdue", f"已逾期 Overdue: {label} — {instance.title}", body=due,
                       instance_id=instance.id, human_task_id=task.id, dedupe=f"overdue:{task.id}"),
        outbox.Message(managers, "escalation", f"逾期上报 Escalation: {label} — {instance.title}", body=due,
                       instance_id=instance.id, human_task_id=task.id, dedupe=f"escalation:{task.id}"),
    ]
    write_step(session, collaborators, Step(instance, [PendingEvent(
        "task_overdue", None, task.name, task.id, payload={"escalated_to_user_ids": managers})], notify=messages), now)


def send_email(session: Session, collaborators: Collaborators, job: LeasedJob, now: datetime) -> None:
    """Send a queued notification's e-mail. A worker without mail settings does not drop it: it fails (retried,
    then an incident an operator retries from a worker that has them, or dismisses)."""
    if collaborators.mailer is None:
        raise ProcessError("this worker has no mail settings (OPSFLOW_SMTP_HOST is not set), so the e-mail was not "
                           "sent; run a worker with the OPSFLOW_SMTP_* settings, then retry, or dismiss it")
    letter = letters.compose(session, collaborators, job.payload)
    if letter is not None:
        collaborators.mailer.send(letter.to, letter.subject, letter.body)


def send_password_link(session: Session, collaborators: Collaborators, job: LeasedJob, now: datetime) -> None:
    """E-mail a set-password link: its token is made now and only its hash kept (``engine.org.password_links``).

    :raise ProcessError: this worker has no e-mail set up (the job is retried, then becomes an incident).
    """
    if collaborators.mailer is None:
        raise ProcessError("e-mail is not set up on this worker (OPSFLOW_SMTP_HOST): the set-password link cannot "
                           "be sent")
    made = password_links.make_token(session, int(job.payload["link_id"]), now)
    if made is None:
        return  # a newer link replaced it, or its person left
    token, user, expires_at = made
    link = f"{str(job.payload['base']).rstrip('/')}/set-password/{token}"
    letter = letters.password_letter(collaborators, user, link, expires_at)
    collaborators.mailer.send(letter.to, letter.subject, letter.body)


def scheduled_start(session: Session, collaborators: Collaborators, job: LeasedJob, now: datetime) -> None:
    schedules.run_occurrence(session, collaborators, int(job.payload["schedule_id"]), now)


# The worker's checkpoint job: every CHECKPOINT_EVERY it sequences new events into the tree and signs
# a checkpoint when OPSFLOW_CHECKPOINT_EVENTS (100) are new, or the latest is OPSFLOW_CHECKPOINT_MINUTES (5) old.
CHECKPOINT_EVERY = timedelta(minutes=1)


def checkpoint(session: Session, collaborators: Collaborators, job: LeasedJob, now: datetime) -> None:
    """Sequence and (when due) sign, then plan the next run.

    The tree indices commit in transactions of their own, before any file is written outside the
    database (``engine.history.sequencer``); this job's transaction plans the next one and the new
    checkpoint's publication (a job per destination: one that fails does not stop the next checkpoint).
    """
    settings = collaborators.checkpoints
    made = make_checkpoint(sessionmaker(session.get_bind(), expire_on_commit=False), settings, now,
                           settings.after_events, settings.max_age)
    if made.file is not None:
        publishing.schedule(session, settings, made.file, now)
    outbox.schedule_job(session, "checkpoint", now + CHECKPOINT_EVERY, now)


def ensure_checkpoint_job(session: Session, now: datetime) -> bool:
    """Plan the recurring checkpoint job unless one is pending; return whether one was added."""
    if session.scalar(select(Job.id).where(Job.kind == "checkpoint", Job.state == "pending").limit(1)) is not None:
        return False
    outbox.schedule_job(session, "checkpoint", now, now)
    return True


DIRECTORY_SYNC_ACTOR = "opsflow worker (directory import)"


def sync_directory(session: Session, collaborators: Collaborators, job: LeasedJob, now: datetime) -> None:
    """Import the organisation's directory (``engine.org.ldap.sync``) and plan the next import in
    ``OPSFLOW_LDAP_SYNC_MINUTES``. A failure (the directory does not answer, a change refused) is retried, then
    becomes an incident; the next import is planned again when the incident is retried or the worker starts."""
    settings = collaborators.ldap
    if settings is None or settings.sync_minutes is None:
        return  # switched off since it was planned
    actor = Actor.operator(DIRECTORY_SYNC_ACTOR)
    result, changes = directory_sync.synchronise(session, settings, directory_sync.read_directory(settings), actor,
                                                 now)
    put_on_record(session, actor, changes, None, now)
    for line in result.kept + result.warnings:
        log.warning("directory import: %s", line)
    outbox.schedule_job(session, directory_sync.JOB_KIND, now + timedelta(minutes=settings.sync_minutes), now)


def ensure_directory_sync_job(session: Session, collaborators: Collaborators, now: datetime) -> bool:
    """Plan the recurring directory import (when ``OPSFLOW_LDAP_SYNC_MINUTES`` is set) unless one is pending."""
    settings = collaborators.ldap
    if settings is None or settings.sync_minutes is None or session.scalar(
            select(Job.id).where(Job.kind == directory_sync.JOB_KIND, Job.state == "pending").limit(1)) is not None:
        return False
    outbox.schedule_job(session, directory_sync.JOB_KIND, now, now)
    return True


HANDLERS: dict[str, Handler] = {
    "timer": run_timers,
    "reminder": remind,
    "overdue": escalate,
    "email": send_email,
    "scheduled_start": scheduled_start,
    password_links.JOB_KIND: send_password_link,
    "checkpoint": checkpoint,
    publishing.JOB_KIND: publishing.publish_checkpoint,
    directory_sync.JOB_KIND: sync_directory,
}


def run_job(session: Session, collaborators: Collaborators, job: LeasedJob, now: datetime) -> None:
    """Run a job with the handler of its kind: the worker's own, or one a domain registered (``ProcessHooks.on_job``).

    :raise ProcessError: no handler knows the kind (the job is retried, then becomes an incident).
    """
    handler = HANDLERS.get(job.kind)
    if handler is not None:
        handler(session, collaborators, job, now)
        return
    hook = collaborators.hooks.jobs.get(job.kind)
    if hook is None:
        raise ProcessError(f"no handler for jobs of kind {job.kind!r}")
    hook(session, collaborators, job.payload, now)
