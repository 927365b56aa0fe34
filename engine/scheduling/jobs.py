"""The job table, as the worker sees it: leasing, finishing, retrying and incidents.

Jobs are put in by the steps that need them (``engine.runtime.outbox``).

Leasing takes at most as many due jobs as the worker has free slots; on PostgreSQL the
candidate rows are locked with ``FOR UPDATE SKIP LOCKED`` so that workers never wait on or
take each other's jobs. A lease expires: a job whose worker died is taken again later.
A job's effect and its ``done`` mark are written in one transaction, guarded by the lease
(``finish_job``), so a job is applied once even when it ran twice.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from ..clock import aware_utc, utc_iso
from ..errors import Conflict, InvalidInput, NotFound
from ..models import HumanTask, Job, ProcessInstance, User
from ..runtime.outbox import ENDS_WITH_INSTANCE
from ..text_input import checked_reason
from .views import DismissedJob, Incident, IncidentDetail, OpenJob, RetriedJob

LEASE_SECONDS = 60
MAX_BACKOFF_SECONDS = 3600
_NO_SYNC = {"synchronize_session": False}
MAX_DISMISSAL_REASON = 1000


@dataclass(frozen=True)
class LeasedJob:
    id: int
    kind: str
    instance_id: int | None
    human_task_id: int | None
    payload: dict[str, Any]
    attempts: int
    max_attempts: int


def lease_jobs(session: Session, worker_id: str, limit: int, now: datetime, tries: int = 5) -> list[LeasedJob]:
    """Take up to ``limit`` due jobs for ``worker_id`` (commit right after).

    When another worker took every candidate first (possible on SQLite, which has no
    SKIP LOCKED), look again rather than report an empty queue.
    """
    for _ in range(tries):
        leased, candidates = _lease_once(session, worker_id, limit, now)
        if leased or not candidates:
            return leased
    return []


def _lease_once(session: Session, worker_id: str, limit: int, now: datetime) -> tuple[list[LeasedJob], int]:
    if limit <= 0:
        return [], 0
    candidates = (
        select(Job.id).where(Job.state == "pending", Job.due_at <= now,
                             or_(Job.locked_until.is_(None), Job.locked_until < now))
        .order_by(Job.due_at, Job.id).limit(limit).with_for_update(skip_locked=True)
    )
    ids = list(session.scalars(candidates))
    if not ids:
        return [], 0
    session.execute(  # re-check: on SQLite another worker may have leased them since the select
        update(Job).where(Job.id.in_(ids), Job.state == "pending",
                          or_(Job.locked_until.is_(None), Job.locked_until < now))
        .values(locked_by=worker_id, locked_until=now + timedelta(seconds=LEASE_SECONDS), attempts=Job.attempts + 1)
        .execution_options(**_NO_SYNC)
    )
    rows = session.scalars(select(Job).where(Job.id.in_(ids), Job.locked_by == worker_id).order_by(Job.due_at)).all()
    return [LeasedJob(j.id, j.kind, j.instance_id, j.human_task_id, json.loads(j.payload_json), j.attempts,
                      j.max_attempts) for j in rows], len(ids)


def finish_job(session: Session, job_id: int, worker_id: str, now: datetime) -> None:
    """Mark a job done in the transaction that applied its effect.

    :raise Conflict: the lease was lost (expired and taken by another worker): roll back.
    """
    result = session.execute(
        update(Job).where(Job.id == job_id, Job.locked_by == worker_id, Job.state == "pending")
        .values(state="done", done_at=now, locked_until=None).execution_options(**_NO_SYNC)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(f"job {job_id} is no longer leased by {worker_id}")


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(MAX_BACKOFF_SECONDS, 2 ** max(attempts, 1)))


def fail_job(session: Session, job: LeasedJob, worker_id: str, error: str, now: datetime) -> str:
    """Schedule a retry with backoff, or raise an incident after the last attempt; return the new state."""
    state = "incident" if job.attempts >= job.max_attempts else "pending"
    session.execute(
        update(Job).where(Job.id == job.id, Job.locked_by == worker_id)
        .values(state=state, last_error=error[:4000], locked_by=None, locked_until=None,
                due_at=now + backoff(job.attempts) if state == "pending" else Job.due_at)
        .execution_options(**_NO_SYNC)
    )
    return state


def release_job(session: Session, job_id: int, worker_id: str) -> None:
    """Give a job back untouched (it met a conflict): it is due again at once and keeps its attempts."""
    session.execute(
        update(Job).where(Job.id == job_id, Job.locked_by == worker_id)
        .values(locked_by=None, locked_until=None, attempts=Job.attempts - 1).execution_options(**_NO_SYNC)
    )


NOTIFICATION_JOBS = ("email", "reminder", "overdue")  # what an operator may dismiss: only telling someone is lost


def recipient(session: Session, job: Job) -> str | None:
    """Whom a notification job was to tell ("王磊 (wang.lei) <wang.lei@example.cn>"), None for other jobs."""
    if job.kind == "email":
        user = session.get(User, int(json.loads(job.payload_json).get("user_id") or 0))
        if user is None:
            return None
        return f"{user.display_name} ({user.username})" + (f" <{user.email}>" if user.email else "")
    if job.kind in ("reminder", "overdue") and job.human_task_id is not None:
        task = session.get(HumanTask, job.human_task_id)
        holder = session.get(User, task.assignee_id) if task is not None and task.assignee_id else None
        if holder is not None:
            return f"{holder.display_name} ({holder.username})"
        return f"role {task.lane}" if task is not None else None
    return None


def list_incidents(session: Session) -> list[Incident]:
    jobs = session.scalars(select(Job).where(Job.state == "incident").order_by(Job.id)).all()
    return [Incident(j.id, j.kind, j.instance_id, j.attempts, j.last_error, utc_iso(j.due_at), recipient(session, j))
            for j in jobs]


def dismiss_incident(session: Session, job_id: int, by: str, reason: str, now: datetime) -> DismissedJob:
    """Give up a failing notification job (nobody will be told by it), with the reason on the job.

    :raise NotFound: :raise InvalidInput: not an incident, not a notification, or no reason.
    """
    job = session.get(Job, job_id)
    if job is None:
        raise NotFound(f"no job with id {job_id}")
    if job.state != "incident":
        raise InvalidInput(f"job {job_id} is {job.state}, not an incident")
    if job.kind not in NOTIFICATION_JOBS:
        raise InvalidInput(f"job {job_id} is a {job.kind} job, not a notification: retry it, or cancel its request")
    text = checked_reason(reason, "dismiss a notification", MAX_DISMISSAL_REASON)
    job.state, job.done_at, job.dismissed_by, job.dismissal_reason = "dismissed", now, by, text
    return DismissedJob(job.id, job.kind, recipient(session, job), by, text)


def incident(session: Session, job_id: int) -> IncidentDetail:
    """One incident with its whole error and what the job was to do (without its instance).

    :raise NotFound: no such incident.
    """
    job = session.get(Job, job_id)
    if job is None or job.state != "incident":
        raise NotFound(f"no incident with id {job_id}")
    return IncidentDetail(job.id, job.kind, job.instance_id, job.human_task_id, job.attempts, job.max_attempts,
                          job.last_error, json.loads(job.payload_json), utc_iso(job.due_at), utc_iso(job.created_at),
                          recipient=recipient(session, job), dismissable=job.kind in NOTIFICATION_JOBS)


def open_jobs(session: Session, now: datetime, limit: int = 100) -> list[OpenJob]:
    """Pending jobs, the soonest due first, each with the worker leasing it now (if any)."""
    ended = select(ProcessInstance.id).where(ProcessInstance.id == Job.instance_id,
                                             ProcessInstance.status != "running").exists()
    jobs = session.scalars(select(Job).where(Job.state == "pending", ~(Job.kind.in_(ENDS_WITH_INSTANCE) & ended))
                           .order_by(Job.due_at, Job.id).limit(limit)).all()  # not those an ended request left
    return [_open_job(j, now) for j in jobs]


def _open_job(job: Job, now: datetime) -> OpenJob:
    leased = job.locked_until is not None and aware_utc(job.locked_until) > now
    return OpenJob(job.id, job.kind, job.instance_id, utc_iso(job.due_at), job.attempts, job.max_attempts,
                   job.last_error, job.locked_by if leased else None,
                   utc_iso(job.locked_until) if leased and job.locked_until is not None else None)


def retry_incident(session: Session, job_id: int, now: datetime) -> RetriedJob:
    job = session.get(Job, job_id)
    if job is None:
        raise NotFound(f"no job with id {job_id}")
    if job.state != "incident":
        raise InvalidInput(f"job {job_id} is {job.state}, not an incident")
    job.state, job.attempts, job.due_at, job.locked_by, job.locked_until = "pending", 0, now, None, None
    return RetriedJob(job.id, job.kind, "pending")


def job_counts(session: Session) -> dict[str, int]:
    counts: dict[str, int] = {}
    for (state,) in session.execute(select(Job.state)):
        counts[state] = counts.get(state, 0) + 1
    return counts
