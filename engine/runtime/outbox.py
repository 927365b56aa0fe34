"""What a step sends out: jobs for the worker and notifications for people (rows, not delivery).

Only the step writer and the scheduling package call these; delivery (timers firing, reminders,
e-mail) is the worker's (``engine.scheduling``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, delete, insert, literal, or_, select, update
from sqlalchemy.orm import Session

from ..driver_sql import DriverStatement
from ..models import Job, Notification, User, UserRole

_NO_SYNC = {"synchronize_session": False}
JOBS: Table = Job.__table__  # type: ignore[assignment]  # Core tables: bulk inserts skip the ORM
NOTIFICATIONS: Table = Notification.__table__  # type: ignore[assignment]
INSERT_JOBS = insert(JOBS)  # built once: most steps run them
INSERT_NOTIFICATIONS = insert(NOTIFICATIONS)


def schedule_job(
    session: Session, kind: str, due_at: datetime, now: datetime, instance_id: int | None = None,
    human_task_id: int | None = None, payload: dict[str, Any] | None = None, max_attempts: int = 5,
) -> None:
    session.execute(insert(JOBS).values(
        kind=kind, state="pending", due_at=due_at, instance_id=instance_id, human_task_id=human_task_id,
        payload_json=json.dumps(payload or {}, ensure_ascii=False), attempts=0, max_attempts=max_attempts,
        created_at=now,
    ))


def schedule_jobs(session: Session, rows: list[dict[str, Any]], now: datetime) -> None:
    """Insert many jobs in one statement; each row has kind, due_at and optional refs/payload."""
    if rows:
        session.execute(INSERT_JOBS, job_rows(rows, now))


def job_rows(rows: list[dict[str, Any]], now: datetime) -> list[dict[str, Any]]:
    """The job table's rows for ``rows`` (kind, due_at and optional refs/payload each)."""
    return [{
        "kind": r["kind"], "state": "pending", "due_at": r["due_at"], "instance_id": r.get("instance_id"),
        "human_task_id": r.get("human_task_id"), "payload_json": json.dumps(r.get("payload", {})),
        "attempts": 0, "max_attempts": r.get("max_attempts", 5), "created_at": now,
    } for r in rows]


def cancel_pending(session: Session, kind: str, instance_id: int, now: datetime) -> None:
    """Drop an instance's pending jobs of ``kind``, except one being run right now (leased)."""
    session.execute(delete(Job).where(Job.kind == kind, Job.instance_id == instance_id, Job.state == "pending",
                                      or_(Job.locked_until.is_(None), Job.locked_until < now))
                    .execution_options(**_NO_SYNC))


ENDS_WITH_INSTANCE = ("timer", "reminder", "overdue")  # jobs about an instance's open steps


def cancel_jobs_of_ended(session: Session, instance_id: int, now: datetime) -> None:
    """An instance ended: its pending timers, reminders and escalations have nothing left to do (cancelled, kept
    for the record); its e-mails still go out (they may tell the outcome), and a job being run now finishes."""
    _CANCEL_ENDED.run(session, {"b_instance": instance_id, "b_now": now})


_CANCEL_ENDED = DriverStatement(update(JOBS).where(  # built once: every ending step runs it
    JOBS.c.instance_id == bindparam("b_instance"), JOBS.c.state == "pending",
    JOBS.c.kind.in_([literal(kind) for kind in ENDS_WITH_INSTANCE]),
    or_(JOBS.c.locked_until.is_(None), JOBS.c.locked_until < bindparam("b_now")))
    .values(state="cancelled", done_at=bindparam("b_now")))


@dataclass
class Message:
    user_ids: list[int]
    kind: str  # new_task, reminder, overdue, escalation, result, decided, round_closed, ...
    subject: str
    body: str = ""
    instance_id: int | None = None
    human_task_id: int | None = None
    dedupe: str | None = None  # one notification per (dedupe, user): safe for jobs run twice


def users_with_role(session: Session, role: str) -> list[int]:
    roles, users = UserRole.__table__.c, User.__table__.c
    return list(session.scalars(
        select(roles.user_id).join(User.__table__, users.id == roles.user_id)
        .where(roles.role_key == role, users.active.is_(True))
    ))


def user_ids(session: Session, usernames: list[str]) -> dict[str, int]:
    if not usernames:
        return {}
    users = User.__table__.c
    return {name: uid for uid, name in session.execute(
        select(users.id, users.username).where(users.username.in_(usernames)))}


def send(session: Session, messages: list[Message], now: datetime, email_enabled: bool) -> None:
    """Store notifications (one statement) and queue their e-mails (one more, if enabled)."""
    rows = notification_rows(session, messages, now)
    if rows:
        session.execute(INSERT_NOTIFICATIONS, rows)
    if email_enabled:
        schedule_jobs(session, email_jobs(rows), now)


def notification_rows(session: Session, messages: list[Message], now: datetime) -> list[dict[str, Any]]:
    """The notification table's rows for ``messages``: one per person, but none a message with the same
    ``dedupe`` key gave them already (one read, only when a message has such a key)."""
    rows = []
    for message in messages:
        for user_id in sorted(set(message.user_ids)):
            rows.append({
                "user_id": user_id, "kind": message.kind, "subject": message.subject[:300], "body": message.body,
                "instance_id": message.instance_id, "human_task_id": message.human_task_id, "created_at": now,
                "dedupe_key": f"{message.dedupe}:{user_id}" if message.dedupe else None,
            })
    if any(r["dedupe_key"] for r in rows):
        taken = set(session.scalars(select(Notification.dedupe_key).where(
            Notification.dedupe_key.in_([r["dedupe_key"] for r in rows if r["dedupe_key"]]))))
        rows = [r for r in rows if r["dedupe_key"] is None or r["dedupe_key"] not in taken]
    return rows


def email_jobs(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The e-mail jobs of notification rows (for ``schedule_jobs`` or ``job_rows``)."""
    return [{"kind": "email", "due_at": r["created_at"], "instance_id": r["instance_id"],
             "payload": {"user_id": r["user_id"], "kind": r["kind"], "subject": r["subject"], "body": r["body"],
                         "instance_id": r["instance_id"], "human_task_id": r["human_task_id"]}} for r in rows]
