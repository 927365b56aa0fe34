"""The inbox: the open tasks a person holds or may claim, with filters, sorting and counts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from ..clock import utc_iso
from ..errors import InvalidInput
from ..models import HumanTask, ProcessDefinition, ProcessInstance, TaskDefinition, User
from ..org.people import load_actor, relationship_roles

SORTS = ("age", "due")
MAX_INBOX_ROWS = 500


def task_row(task: HumanTask, process_key: str, instance_title: str, form_title: str | None,
             form_title_zh: str | None, assignee: str | None) -> dict[str, Any]:
    """A task as lists show it (the inbox, the API, a task's own page)."""
    return {
        "id": task.id, "instance_id": task.instance_id, "name": task.name,
        "title": form_title or task.name, "title_zh": form_title_zh or "",
        "process": process_key, "instance_title": instance_title, "role": task.lane,
        "state": task.state, "assignee": assignee,
        "created_at": utc_iso(task.created_at), "due_at": utc_iso(task.due_at) if task.due_at else None,
    }


def list_tasks(
    session: Session, username: str, process: str | None = None, text: str | None = None, sort: str = "age",
) -> list[dict[str, Any]]:
    """Open tasks the user holds or may claim (unclaimed, in the user's roles).

    ``process`` keeps one process key; ``text`` matches the instance or step title; ``sort`` is
    ``age`` (oldest first) or ``due`` (earliest due date first, undated last).
    """
    if sort not in SORTS:
        raise InvalidInput(f"unknown sort {sort!r}; use one of: {', '.join(SORTS)}")
    actor = load_actor(session, username)
    assignee = aliased(User)
    query = (  # only the columns the inbox shows: never the instance's state or data
        select(HumanTask, ProcessInstance.process_key, ProcessInstance.title, TaskDefinition.title,
               TaskDefinition.title_zh, assignee.username)
        .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
        .outerjoin(TaskDefinition, and_(TaskDefinition.definition_id == HumanTask.definition_id,
                                        TaskDefinition.name == HumanTask.name))
        .outerjoin(assignee, assignee.id == HumanTask.assignee_id)
        .where(HumanTask.state == "open",
               or_(HumanTask.assignee_id == actor.id,
                   and_(HumanTask.assignee_id.is_(None), HumanTask.lane.in_(sorted(actor.roles)))))
    )
    if process:
        query = query.where(HumanTask.definition_id.in_(
            select(ProcessDefinition.id).where(ProcessDefinition.key == process)))
    if text and text.strip():
        pattern = f"%{text.strip()}%"
        query = query.where(or_(ProcessInstance.title.ilike(pattern), TaskDefinition.title.ilike(pattern),
                                TaskDefinition.title_zh.ilike(pattern)))
    if sort == "due":
        query = query.order_by(HumanTask.due_at.is_(None), HumanTask.due_at, HumanTask.id)
    else:
        query = query.order_by(HumanTask.created_at, HumanTask.id)
    rows = session.execute(query.limit(MAX_INBOX_ROWS)).all()
    fixed = relationship_roles(session)
    result = []
    for task, process_key, instance_title, title, title_zh, assignee_name in rows:
        row = task_row(task, process_key, instance_title, title, title_zh, assignee_name)
        row["mine"] = task.assignee_id == actor.id
        row["releasable"] = task.assignee_id is not None and task.lane not in fixed
        result.append(row)
    return result


def task_counts(session: Session, username: str) -> dict[str, int]:
    """How many open tasks the user holds, and how many unclaimed ones their roles may take."""
    actor = load_actor(session, username)
    mine = session.scalar(select(func.count()).select_from(HumanTask).where(
        HumanTask.state == "open", HumanTask.assignee_id == actor.id))
    team = session.scalar(select(func.count()).select_from(HumanTask).where(
        HumanTask.state == "open", HumanTask.assignee_id.is_(None), HumanTask.lane.in_(sorted(actor.roles))))
    return {"mine": int(mine or 0), "team": int(team or 0)}
