"""What the people administration pages read: one person as they are now, their changes on the organisation's
record, and whether they may leave now (their open tasks, and what must change first)."""

from __future__ import annotations

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from ..clock import utc_iso
from ..models import HumanTask, ProcessInstance, TaskDefinition, User, UserRole
from .record import USER, RecordedEvent, events_about
from .staffing import blockers, current_fields, load_user, open_tasks
from .views import HandedOver, LeaverCheck, LeavingTask, OrgEvent, PersonDetails


def person_details(session: Session, username: str) -> PersonDetails:
    """:raise UserNotFound:"""
    fields = current_fields(session, load_user(session, username))
    return PersonDetails(username, fields["name"], fields["email"], fields["language"], fields["roles"],
                         fields["reports_to"], fields["unit"], fields["active"])


def _task_names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {task_id: name for task_id, name in session.execute(select(HumanTask.id, HumanTask.name)
                                                                 .where(HumanTask.id.in_(ids)))}


def _event(event: RecordedEvent, names: dict[int, str]) -> OrgEvent:
    payload = event.payload
    handed = [HandedOver(int(h["task"]), int(h["instance"]), names.get(int(h["task"]), ""), str(h["to"]))
              for h in payload.get("handed_over", [])]
    return OrgEvent(event.seq, event.kind, event.actor, utc_iso(event.occurred_at), payload["effective_on"],
                    payload.get("field"), payload.get("before"), payload.get("after"), handed)


def record_of(session: Session, username: str) -> list[OrgEvent]:
    """The changes of ``username`` on the organisation's record, newest effective day first.

    :raise UserNotFound: nobody of that name, ever.
    """
    load_user(session, username)
    events = events_about(session, USER, username)
    names = _task_names(session, {int(h["task"]) for e in events for h in e.payload.get("handed_over", [])})
    return [_event(e, names) for e in reversed(events)]


def leaving(session: Session, username: str) -> LeaverCheck:
    """Whether ``username`` may leave now, and what they hold. :raise UserNotFound:"""
    user = load_user(session, username)
    fields = current_fields(session, user)
    held = [t.id for t in open_tasks(session, user)]
    rows = session.execute(
        select(HumanTask.id, HumanTask.instance_id, HumanTask.name, TaskDefinition.title, TaskDefinition.title_zh,
               ProcessInstance.title)
        .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
        .outerjoin(TaskDefinition, and_(TaskDefinition.definition_id == HumanTask.definition_id,
                                        TaskDefinition.name == HumanTask.name))
        .where(HumanTask.id.in_(held)).order_by(HumanTask.id)).all() if held else []
    tasks = [LeavingTask(r[0], r[1], r[2], r[3] or r[2], r[4] or "", r[5] or "") for r in rows]
    found = blockers(session, user) if user.active else None
    return LeaverCheck(username, user.active, fields["reports_to"], tasks, found.reports if found else [],
                   found.heads if found else [], found.waiting_tasks if found else [])


def holders(session: Session) -> dict[str, list[str]]:
    """The active people holding each role (usernames in order), by role key."""
    held: dict[str, list[str]] = {}
    for role, username in session.execute(select(UserRole.role_key, User.username)
                                          .join(User, User.id == UserRole.user_id)
                                          .where(User.active.is_(True)).order_by(User.username)):
        held.setdefault(role, []).append(username)
    return held
