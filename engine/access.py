"""Who may see an instance: deny by default, then the few reasons to allow."""

from __future__ import annotations

from sqlalchemy import ColumnElement, exists, or_, select, true
from sqlalchemy.orm import Session

from .errors import NotAllowed
from .models import HumanTask, ProcessInstance, User
from .org import Actor, managers_of

OVERSIGHT_ROLES = frozenset({"director", "auditor", "admin"})


def may_view_instance(session: Session, actor: Actor, instance: ProcessInstance) -> bool:
    """Oversight roles, the starter, anyone whose role or person a task of it named, and their managers."""
    if actor.roles & OVERSIGHT_ROLES or instance.started_by_id == actor.id:
        return True
    people: set[int] = set()
    for lane, assignee, completer in session.execute(
        select(HumanTask.lane, HumanTask.assignee_id, HumanTask.completed_by_id)
        .where(HumanTask.instance_id == instance.id)
    ):
        if lane in actor.roles or actor.id in (assignee, completer):
            return True
        people.update(p for p in (assignee, completer) if p is not None)
    people.add(instance.started_by_id)
    return any(actor.id in managers_of(session, person) for person in people)


def require_view(session: Session, actor: Actor, instance: ProcessInstance) -> None:
    """:raise NotAllowed: when ``actor`` may not see ``instance``."""
    if not may_view_instance(session, actor, instance):
        raise NotAllowed(f"{actor.username} may not see instance {instance.id}")


def subordinates_of(session: Session, user_id: int) -> set[int]:
    """Everyone below ``user_id`` in the reporting lines."""
    reports: dict[int, list[int]] = {}
    for uid, manager in session.execute(select(User.id, User.reports_to_id).where(User.reports_to_id.is_not(None))):
        reports.setdefault(manager, []).append(uid)
    found: set[int] = set()
    stack = [user_id]
    while stack:
        for child in reports.get(stack.pop(), []):
            if child not in found and child != user_id:
                found.add(child)
                stack.append(child)
    return found


def visible_condition(session: Session, actor: Actor) -> ColumnElement[bool]:
    """The same rule as ``may_view_instance``, as a SQL condition on ``ProcessInstance``."""
    if actor.roles & OVERSIGHT_ROLES:
        return true()
    people = subordinates_of(session, actor.id) | {actor.id}
    task = HumanTask
    return or_(
        ProcessInstance.started_by_id.in_(people),
        exists().where(task.instance_id == ProcessInstance.id,
                       or_(task.lane.in_(sorted(actor.roles)), task.assignee_id.in_(people),
                           task.completed_by_id.in_(people))),
    )
