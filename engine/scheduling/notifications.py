"""In-app notifications as people read them: the list, opening one, marking read, the unread count.

Steps write them (``engine.runtime.outbox.send``, with e-mail jobs when SMTP is configured)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, literal, select, update
from sqlalchemy.orm import Session

from ..clock import utc_iso
from ..errors import NotFound
from ..models import Notification
from ..org.people import Actor
from . import views


def list_notifications(
    session: Session, actor: Actor, unread_only: bool = False, limit: int = 100,
) -> list[views.Notification]:
    """The actor's notifications, newest first."""
    query = select(Notification).where(Notification.user_id == actor.id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    rows = session.scalars(query.order_by(Notification.id.desc()).limit(limit)).all()
    return [_view(n) for n in rows]


def _view(n: Notification) -> views.Notification:
    return views.Notification(id=n.id, kind=n.kind, subject=n.subject, body=n.body, instance_id=n.instance_id,
                              task_id=n.human_task_id, at=utc_iso(n.created_at), read=n.read_at is not None)


def open_notification(session: Session, actor: Actor, notification_id: int, now: datetime) -> views.Notification:
    """One of the actor's notifications, marked read (it is being opened).

    :raise NotFound: no such notification of this user (someone else's is not revealed).
    """
    found = session.scalar(select(Notification).where(Notification.id == notification_id,
                                                      Notification.user_id == actor.id))
    if found is None:
        raise NotFound(f"no notification with id {notification_id}")
    if found.read_at is None:
        found.read_at = now
    return _view(found)


def unread_count(session: Session, actor: Actor) -> int:
    return unread_of(session, actor.id)


def counting_unread(user_id: int, up_to: int | None = None) -> Select[Any]:
    """The query that counts a user's unread notifications (up to ``up_to`` of them, when given)."""
    unread = (Notification.user_id == user_id, Notification.read_at.is_(None))
    if up_to is None:
        return select(func.count()).select_from(Notification).where(*unread)
    return select(func.count()).select_from(select(literal(1)).select_from(Notification).where(*unread)
                                            .limit(up_to).subquery())


def unread_of(session: Session, user_id: int) -> int:
    return int(session.scalar(counting_unread(user_id)) or 0)


def mark_read(session: Session, actor: Actor, now: datetime, notification_id: int | None = None) -> int:
    """Mark one (or all) of the actor's notifications read; return how many changed."""
    query = update(Notification).where(Notification.user_id == actor.id, Notification.read_at.is_(None))
    if notification_id is not None:
        query = query.where(Notification.id == notification_id)
    result = session.execute(query.values(read_at=now).execution_options(synchronize_session=False))
    return int(result.rowcount)  # type: ignore[attr-defined]
