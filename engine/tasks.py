"""Use cases on human tasks: the inbox, claim, unclaim, assign and complete.

Each function runs inside the caller's transaction and never commits; the facade does.
"""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session, aliased

from .access import may_view_instance
from .errors import Conflict, InvalidInput, NotAllowed, ProcessError, TaskNotFound
from .forms import effective_form, validate_form
from .history import PendingEvent, utc_iso
from .models import HumanTask, ProcessDefinition, ProcessInstance, TaskComment, TaskDefinition, User
from .org import Actor, load_actor, managers_of, relationship_roles
from .services import Services
from .step_recorder import record_step
from .steps import save_step, step_changes
from .text_input import text_problem

_NO_SYNC = {"synchronize_session": False}


def _load(session: Session, task_id: int) -> tuple[HumanTask, ProcessInstance]:
    row = session.execute(
        select(HumanTask, ProcessInstance).join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
        .where(HumanTask.id == task_id)
    ).first()
    if row is None:
        raise TaskNotFound(task_id)
    return row[0], row[1]


def _require_open(task: HumanTask) -> None:
    if task.state != "open":
        raise Conflict(f"task {task.id} is already {task.state}")


def _require_sight(session: Session, actor: Actor, task: HumanTask, instance: ProcessInstance) -> None:
    if not may_see_task(session, actor, task, instance):
        raise NotAllowed(f"{actor.username} may not see task {task.id}")


def _require_role(actor: Actor, task: HumanTask) -> None:
    """The task's assignee may act on it; otherwise only holders of the lane's role may."""
    if task.assignee_id == actor.id:
        return
    if task.lane not in actor.roles:
        raise NotAllowed(f"{actor.username} does not have the role {task.lane!r} that task {task.id} needs")


def _task_row(task: HumanTask, process_key: str, instance_title: str, form_title: str | None,
              form_title_zh: str | None, assignee: str | None) -> dict[str, Any]:
    return {
        "id": task.id, "instance_id": task.instance_id, "name": task.name,
        "title": form_title or task.name, "title_zh": form_title_zh or "",
        "process": process_key, "instance_title": instance_title, "role": task.lane,
        "state": task.state, "assignee": assignee,
        "created_at": utc_iso(task.created_at), "due_at": utc_iso(task.due_at) if task.due_at else None,
    }


SORTS = ("age", "due")
MAX_INBOX_ROWS = 500


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
        row = _task_row(task, process_key, instance_title, title, title_zh, assignee_name)
        row["mine"] = task.assignee_id == actor.id
        row["releasable"] = task.assignee_id is not None and task.lane not in fixed
        result.append(row)
    return result


def may_see_task(session: Session, actor: Actor, task: HumanTask, instance: ProcessInstance) -> bool:
    """Those who may work on it, and those who may see its instance."""
    workable = task.assignee_id == actor.id or (task.assignee_id is None and task.lane in actor.roles)
    if task.state == "open" and workable:
        return True
    return may_view_instance(session, actor, instance)


def show_task(session: Session, services: Services, task_id: int, username: str | None = None) -> dict[str, Any]:
    """A task with its form (JSON Schema) and the context from earlier steps.

    With ``username``, only someone who may see the task gets it (:raise NotAllowed:).
    """
    task, instance = _load(session, task_id)
    actor = load_actor(session, username) if username is not None else None
    if actor is not None and not may_see_task(session, actor, task, instance):
        raise NotAllowed(f"{actor.username} may not see task {task.id}")
    process = services.catalog.get(session, instance.definition_id)
    form = process.tasks.get(task.name)
    data = json.loads(instance.data_json)
    schema = form.schema if form else {}
    if task.state == "open" and form is not None:
        workflow = services.runner.load(process, instance.state_json)
        spiff_task = workflow.get_task_from_id(UUID(task.spiff_task_id))
        if spiff_task is not None:
            data = spiff_task.data
            schema = effective_form(form.schema, data)
    assignee = session.scalar(select(User.username).where(User.id == task.assignee_id)) if task.assignee_id else None
    definition = session.get(TaskDefinition, (instance.definition_id, task.name))
    view = _task_row(task, instance.process_key, instance.title, definition.title if definition else None,
                     definition.title_zh if definition else None, assignee)
    view.update({
        "may_complete": actor is not None and task.state == "open"
        and (task.assignee_id == actor.id or (task.assignee_id is None and task.lane in actor.roles)),
        "may_release": actor is not None and _may_release(session, actor, task),
        "process_version": process.version,
        "instructions": form.instructions if form else "",
        "instructions_zh": form.instructions_zh if form else "",
        "form": schema,
        "context": {key: data[key] for key in (form.context_from if form else ()) if key in data},
        "rework_rounds": {"used": data.get("return_count"), "max": data.get("max_returns")}
        if "return_count" in data else None,
    })
    return view


def _may_release(session: Session, actor: Actor, task: HumanTask) -> bool:
    """The holder, or someone above them, may give back a task that a role could take again."""
    if task.state != "open" or task.assignee_id is None or task.lane in relationship_roles(session):
        return False
    return task.assignee_id == actor.id or actor.id in managers_of(session, task.assignee_id)


def claim_task(session: Session, services: Services, task_id: int, username: str) -> dict[str, Any]:
    actor = load_actor(session, username)
    task, instance = _load(session, task_id)
    _require_role(actor, task)  # rights before state: a stranger learns nothing about the task
    _require_open(task)
    if task.assignee_id == actor.id:
        return {"id": task.id, "assignee": actor.username, "changed": False}
    if task.assignee_id is not None:
        raise Conflict(f"task {task.id} is already claimed by someone else")
    _set_assignee(session, services, task, instance, actor.id, None,
                  PendingEvent("task_claimed", actor.username, task.name, task.id))
    return {"id": task.id, "assignee": actor.username, "changed": True}


def unclaim_task(session: Session, services: Services, task_id: int, username: str) -> dict[str, Any]:
    actor = load_actor(session, username)
    task, instance = _load(session, task_id)
    _require_sight(session, actor, task, instance)
    _require_open(task)
    if task.assignee_id is None:
        return {"id": task.id, "assignee": None, "changed": False}
    if task.lane in relationship_roles(session):
        raise NotAllowed(f"task {task.id} is for {task.lane!r} of this instance only; it cannot be released")
    if task.assignee_id != actor.id and actor.id not in managers_of(session, task.assignee_id):
        raise NotAllowed(f"{actor.username} may not release a task held by someone outside their reporting line")
    _set_assignee(session, services, task, instance, None, None,
                  PendingEvent("task_unclaimed", actor.username, task.name, task.id))
    return {"id": task.id, "assignee": None, "changed": True}


def assign_task(session: Session, services: Services, task_id: int, to_username: str, username: str) -> dict[str, Any]:
    """A manager gives a task to someone who reports to them (the dispatch right)."""
    actor = load_actor(session, username)
    target = load_actor(session, to_username)
    task, instance = _load(session, task_id)
    _require_sight(session, actor, task, instance)
    if target.id != actor.id and actor.id not in managers_of(session, target.id):
        raise NotAllowed(f"{actor.username} may only assign tasks to people who report to them")
    _require_open(task)
    if task.lane not in target.roles:
        raise InvalidInput(f"{target.username} does not have the role {task.lane!r} that task {task.id} needs")
    if task.assignee_id not in (None, actor.id, target.id) and actor.id not in managers_of(session, task.assignee_id):
        raise NotAllowed(f"task {task.id} is held by someone outside {actor.username}'s reporting line")
    if task.assignee_id == target.id:
        return {"id": task.id, "assignee": target.username, "changed": False}
    _set_assignee(session, services, task, instance, target.id, actor.id,
                  PendingEvent("task_assigned", actor.username, task.name, task.id,
                               payload={"to": target.username}))
    return {"id": task.id, "assignee": target.username, "changed": True}


def _set_assignee(session: Session, services: Services, task: HumanTask, instance: ProcessInstance,
                  assignee_id: int | None, assigned_by_id: int | None, event: PendingEvent) -> None:
    result = session.execute(
        update(HumanTask).where(HumanTask.id == task.id, HumanTask.state == "open",
                                HumanTask.assignee_id.is_(task.assignee_id) if task.assignee_id is None
                                else HumanTask.assignee_id == task.assignee_id)
        .values(assignee_id=assignee_id, assigned_by_id=assigned_by_id).execution_options(**_NO_SYNC)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(f"task {task.id} was changed by someone else; reload and try again")
    save_step(session, instance, services.clock(), [event])


def complete_task(
    session: Session, services: Services, task_id: int, username: str, data: Any,
) -> dict[str, Any]:
    """Check, run the engine to the next wait state, and record everything.

    :raise NotAllowed: the user lacks the lane's role or the task is someone else's.
    :raise FormInvalid: naming every wrong field.
    :raise Conflict: the task was completed or the instance stepped by someone else.
    """
    actor = load_actor(session, username)
    task, instance = _load(session, task_id)
    _require_role(actor, task)
    _require_open(task)
    if task.assignee_id not in (None, actor.id):
        raise Conflict(f"task {task.id} is claimed by someone else")
    process = services.catalog.get(session, instance.definition_id)
    form = process.tasks[task.name]
    runner = services.runner
    workflow = runner.load(process, instance.state_json)
    spiff_task = workflow.get_task_from_id(UUID(task.spiff_task_id))
    if spiff_task is None or spiff_task.state != TaskState.READY:
        raise Conflict(f"task {task.id} is no longer waiting for input")
    submitted = validate_form(effective_form(form.schema, spiff_task.data), data)
    hook = services.complete_hooks.get((instance.process_key, task.name))
    if hook is not None:
        hook(session, services, instance, actor, submitted)
    now = services.clock()
    before = runner.snapshot(workflow)
    before_data = json.loads(instance.data_json)
    spiff_task.data[task.name] = submitted
    try:
        runner.run_action(spiff_task.run)
        step = runner.advance(workflow, before, before_data, actor.username)
    except ProcessError as exc:
        exc.instance_id, exc.task_name = instance.id, task.name
        raise
    guard = session.execute(
        update(HumanTask)
        .where(HumanTask.id == task.id, HumanTask.state == "open",
               or_(HumanTask.assignee_id.is_(None), HumanTask.assignee_id == actor.id))
        .values(state="completed", completed_at=now, completed_by_id=actor.id, assignee_id=actor.id)
        .execution_options(**_NO_SYNC)
    )
    if guard.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(f"task {task.id} was completed or claimed by someone else")
    payload: dict[str, Any] = {"data": submitted}
    for key in ("decision", "comment"):
        if key in submitted:
            payload[key] = submitted[key]
    events = [PendingEvent("task_completed", actor.username, task.name, task.id, payload), *step.events]
    record_step(session, services, process, instance, step, events, now, step_changes(process, step, now),
                completed_task=task.name, skip_gone=task.spiff_task_id)
    return {"id": task.id, "instance_id": instance.id, "status": step.status, "end_event": step.end_event,
            "next_tasks": [t.name for t in step.new_tasks]}


MAX_COMMENT_LENGTH = 4000
READ_ONLY_ROLES = frozenset({"auditor"})  # auditors read and replay; they change nothing


def task_counts(session: Session, username: str) -> dict[str, int]:
    """How many open tasks the user holds, and how many unclaimed ones their roles may take."""
    actor = load_actor(session, username)
    mine = session.scalar(select(func.count()).select_from(HumanTask).where(
        HumanTask.state == "open", HumanTask.assignee_id == actor.id))
    team = session.scalar(select(func.count()).select_from(HumanTask).where(
        HumanTask.state == "open", HumanTask.assignee_id.is_(None), HumanTask.lane.in_(sorted(actor.roles))))
    return {"mine": int(mine or 0), "team": int(team or 0)}


def add_comment(session: Session, services: Services, task_id: int, username: str, body: str) -> dict[str, Any]:
    """Comment on a task (the advisory right); the comment also goes into the history."""
    actor = load_actor(session, username)
    task, instance = _load(session, task_id)
    if not may_see_task(session, actor, task, instance) or (actor.roles and actor.roles <= READ_ONLY_ROLES):
        raise NotAllowed(f"{actor.username} may not comment on task {task.id}")
    text = (body or "").strip()
    if not text:
        raise InvalidInput("a comment cannot be empty")
    problem = text_problem(text)
    if problem:
        raise InvalidInput(f"the comment {problem}")
    if len(text) > MAX_COMMENT_LENGTH:
        raise InvalidInput(f"a comment is limited to {MAX_COMMENT_LENGTH} characters")
    now = services.clock()
    comment = TaskComment(human_task_id=task.id, instance_id=instance.id, author_id=actor.id, body=text,
                          created_at=now)
    session.add(comment)
    session.flush()
    save_step(session, instance, now, [PendingEvent("comment_added", actor.username, task.name, task.id,
                                                    payload={"comment": text})])
    return {"id": comment.id, "task_id": task.id, "author": actor.username, "author_name": actor.display_name,
            "body": text, "at": utc_iso(now)}


def list_comments(session: Session, task_id: int, username: str | None = None) -> list[dict[str, Any]]:
    task, instance = _load(session, task_id)
    if username is not None:
        actor = load_actor(session, username)
        if not may_see_task(session, actor, task, instance):
            raise NotAllowed(f"{actor.username} may not see task {task.id}")
    rows = session.execute(
        select(TaskComment, User.username, User.display_name).join(User, User.id == TaskComment.author_id)
        .where(TaskComment.human_task_id == task.id).order_by(TaskComment.id)
    ).all()
    return [{"id": c.id, "task_id": c.human_task_id, "author": u, "author_name": n, "body": c.body,
             "at": utc_iso(c.created_at)} for c, u, n in rows]
