"""Who may see an instance: deny by default, then the few reasons to allow."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from .errors import NotAllowed
from .models import HumanTask, ProcessInstance
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
