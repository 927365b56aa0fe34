"""In-app notifications, and the e-mail jobs that mirror them when SMTP is configured."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from .errors import NotFound
from .history import utc_iso
from .jobs import schedule_jobs
from .models import Notification, User, UserRole
from .org import load_actor


@dataclass
class Message:
    user_ids: list[int]
    kind: str  # new_task, reminder, overdue, result, decided
    subject: str
    body: str = ""
    instance_id: int | None = None
    human_task_id: int | None = None
    dedupe: str | None = None  # one notification per (dedupe, user): safe for jobs run twice


def users_with_role(session: Session, role: str) -> list[int]:
    return list(session.scalars(
        select(UserRole.user_id).join(User, User.id == UserRole.user_id)
        .where(UserRole.role_key == role, User.active.is_(True))
    ))


def user_ids(session: Session, usernames: list[str]) -> dict[str, int]:
    if not usernames:
        return {}
    return {name: uid for uid, name in session.execute(
        select(User.id, User.username).where(User.username.in_(usernames)))}


def send(session: Session, messages: list[Message], now: datetime, email_enabled: bool) -> None:
    """Store notifications (one statement) and queue their e-mails (one more, if enabled)."""
    rows = []
    for message in messages:
        for user_id in sorted(set(message.user_ids)):
            rows.append({
                "user_id": user_id, "kind": message.kind, "subject": message.subject[:300], "body": message.body,
                "instance_id": message.instance_id, "human_task_id": message.human_task_id, "created_at": now,
                "dedupe_key": f"{message.dedupe}:{user_id}" if message.dedupe else None,
            })
    if not rows:
        return
    if any(r["dedupe_key"] for r in rows):
        taken = set(session.scalars(select(Notification.dedupe_key).where(
            Notification.dedupe_key.in_([r["dedupe_key"] for r in rows if r["dedupe_key"]]))))
        rows = [r for r in rows if r["dedupe_key"] is None or r["dedupe_key"] not in taken]
        if not rows:
            return
    session.execute(insert(Notification), rows)
    if email_enabled:
        schedule_jobs(session, [{"kind": "email", "due_at": now, "instance_id": r["instance_id"],
                                 "payload": {"user_id": r["user_id"], "subject": r["subject"], "body": r["body"]}}
                                for r in rows], now)


def list_notifications(
    session: Session, username: str, unread_only: bool = False, limit: int = 100,
) -> list[dict[str, Any]]:
    actor = load_actor(session, username)
    query = select(Notification).where(Notification.user_id == actor.id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    rows = session.scalars(query.order_by(Notification.id.desc()).limit(limit)).all()
    return [_view(n) for n in rows]


def _view(n: Notification) -> dict[str, Any]:
    return {"id": n.id, "kind": n.kind, "subject": n.subject, "body": n.body, "instance_id": n.instance_id,
            "task_id": n.human_task_id, "at": utc_iso(n.created_at), "read": n.read_at is not None}


def open_notification(session: Session, username: str, notification_id: int, now: datetime) -> dict[str, Any]:
    """One of the user's notifications, marked read (it is being opened).

    :raise NotFound: no such notification of this user (someone else's is not revealed).
    """
    actor = load_actor(session, username)
    found = session.scalar(select(Notification).where(Notification.id == notification_id,
                                                      Notification.user_id == actor.id))
    if found is None:
        raise NotFound(f"no notification with id {notification_id}")
    if found.read_at is None:
        found.read_at = now
    return _view(found)


def unread_count(session: Session, username: str) -> int:
    actor = load_actor(session, username)
    return int(session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == actor.id, Notification.read_at.is_(None))) or 0)


def mark_read(session: Session, username: str, now: datetime, notification_id: int | None = None) -> int:
    """Mark one (or all) of the user's notifications read; return how many changed."""
    actor = load_actor(session, username)
    query = update(Notification).where(Notification.user_id == actor.id, Notification.read_at.is_(None))
    if notification_id is not None:
        query = query.where(Notification.id == notification_id)
    result = session.execute(query.values(read_at=now).execution_options(synchronize_session=False))
    return int(result.rowcount)  # type: ignore[attr-defined]
