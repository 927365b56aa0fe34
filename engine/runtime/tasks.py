"""Use cases on one human task: show it, claim, release, assign and complete it.

Each function runs inside the caller's transaction and never commits; the facade does. Rights
are asked of ``engine.org.rights``; every write goes through ``engine.runtime.step_writer``.
"""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..clock import utc_iso
from ..definitions.catalog import DeployedProcess
from ..definitions.forms import effective_form, validate_form
from ..definitions.separation import excluded_step_of
from ..errors import Conflict, InvalidInput, ProcessError
from ..history.log import PendingEvent
from ..models import ApprovalStep, HumanTask, ProcessInstance, TaskDefinition, User
from ..org import queues, rights
from ..org.people import Actor, load_actor, relationship_roles
from ..org.revision_memo import forget_revision
from . import rewind
from .auto_pass import pass_same_approver
from .collaborators import Collaborators
from .countersign import cast_vote, round_view
from .form_files import check_form_files
from .inbox import task_row
from .outbox import users_with_role
from .separation import require_other_person
from .step_plan import step_label
from .step_writer import Step, TaskAction, workflow_changes, write_step
from .task_loading import load_task
from .views import Assignment, Completion, EarlierDecision, ReturnNote, TaskDetail


def _require_open(task: HumanTask) -> None:
    if task.state != "open":
        raise Conflict(f"task {task.id} is already {task.state}")


def approval_steps(session: Session, task_id: int) -> list[ApprovalStep]:
    """The delegates and added signers of a task (and the held decision), in the order they were added."""
    return list(session.scalars(select(ApprovalStep).where(ApprovalStep.human_task_id == task_id)
                                .order_by(ApprovalStep.seq, ApprovalStep.id)))


def _require_not_handed_on(session: Session, task: HumanTask) -> None:
    """:raise Conflict: a delegate or an added signer holds the task for its owner, or signers wait to act on it:
    only the owner's moves (removing a signer) or theirs (submitting, signing) change it now."""
    if session.scalar(select(ApprovalStep.id).where(ApprovalStep.human_task_id == task.id,
                                                    ApprovalStep.state.in_(("pending", "waiting"))).limit(1)):
        raise Conflict(f"task {task.id} has a delegate or added signers who have not acted; its holder removes "
                       "the signers first, or waits for them")


def task_form(process: DeployedProcess, task: HumanTask, workflow_task: Task | None) -> dict[str, Any]:
    """The one place that finds the form a task shows: its schema, narrowed by the task's data."""
    form = process.tasks.get(task.name)
    if form is None:
        return {}
    return effective_form(form.schema, workflow_task.data) if workflow_task is not None else form.schema


def ready_task(workflow: BpmnWorkflow, task: HumanTask) -> Task | None:
    found = workflow.get_task_from_id(UUID(task.spiff_task_id))
    return found if found is not None and found.state == TaskState.READY else None


def is_decision_form(schema: dict[str, Any]) -> bool:
    """A form someone decides with (a ``decision`` widget: approve, return, veto...)."""
    props = schema.get("properties")
    return isinstance(props, dict) and any(isinstance(p, dict) and p.get("x-widget") == "decision"
                                           for p in props.values())


def draft_values(schema: dict[str, Any], data: dict[str, Any], name: str) -> tuple[dict[str, Any], bool]:
    """What an open task's form starts with, and whether the task came back (it was submitted before).

    A task that comes back (returned for rework) starts with the values last submitted for it; a first
    one with the start form's values of the fields that have the same name (the draft's title and
    period). A decision form starts empty whenever it comes back: each round is decided afresh, and what
    the decider wrote last round (a return's reason) must never stand as this round's comment unless they
    type it again (``earlier_decision`` shows it above the form).
    """
    props = schema.get("properties")
    if not isinstance(props, dict):
        return {}, False
    fillable = {key for key, prop in props.items()
                if isinstance(prop, dict) and prop.get("x-widget") != "decision" and not prop.get("x-hidden")}
    previous = data.get(name)
    returned = isinstance(previous, dict) and bool(previous)
    source = previous if returned else data.get("start")
    if not isinstance(source, dict) or (returned and is_decision_form(schema)):
        return {}, returned
    return {key: value for key, value in source.items() if key in fillable}, returned


def earlier_decision(schema: dict[str, Any], data: dict[str, Any], name: str) -> EarlierDecision | None:
    """What the decider of a decision form that came back decided last round, and why (None otherwise)."""
    previous = data.get(name)
    if not is_decision_form(schema) or not isinstance(previous, dict) or "decision" not in previous:
        return None
    return {"decision": str(previous["decision"]), "comment": str(previous.get("comment") or "")}


def prepared_data(steps: list[ApprovalStep], schema: dict[str, Any]) -> dict[str, Any] | None:
    """What the last delegate submitted for the task (the fields the form still has), once it came back."""
    done = [s for s in steps if s.kind == "delegate" and s.state == "done" and s.data_json]
    if not done or any(s.state == "pending" for s in steps):
        return None
    props = schema.get("properties")
    data = json.loads(done[-1].data_json or "{}")
    return {k: v for k, v in data.items() if isinstance(props, dict) and k in props}


def return_note(workflow_task: Task) -> ReturnNote | None:
    """Why an open task came back by a return to it (None for an ordinary one)."""
    mark = rewind.return_mark(workflow_task)
    if mark is None:
        return None
    return {"from_step": str(mark.get("from_step", "")), "by": str(mark.get("by", "")),
            "reason": str(mark.get("reason", "")), "straight_back": bool(mark.get("straight_back"))}


def show_task(session: Session, collaborators: Collaborators, actor: Actor, task_id: int) -> TaskDetail:
    """A task with its form (JSON Schema), what the form starts with (``draft``), the context from
    earlier steps, and, once it is done, who did it and when.

    :raise TaskNotFound: :raise NotAllowed: ``actor`` may not see the task.
    """
    task, instance = load_task(session, task_id)
    rights.require_see_task(session, actor, task, instance)
    process = collaborators.catalog.get(session, instance.definition_id)
    form = process.tasks.get(task.name)
    data = json.loads(instance.data_json)
    schema = form.schema if form else {}
    draft: dict[str, Any] = {}
    returned = False
    earlier: EarlierDecision | None = None
    note: ReturnNote | None = None
    steps = approval_steps(session, task.id) if task.state == "open" else []
    if task.state == "open" and form is not None:
        workflow_task = ready_task(collaborators.runner.load(process, instance.state_json), task)
        if workflow_task is not None:
            data = workflow_task.data
            schema = task_form(process, task, workflow_task)
            draft, returned = draft_values(schema, data, task.name)
            earlier = earlier_decision(schema, data, task.name)
            note = return_note(workflow_task)
            prepared = prepared_data(steps, schema)
            if prepared is not None:
                draft = prepared
    assignee = _username(session, task.assignee_id)
    completed_by = _username(session, task.completed_by_id)
    definition = session.get(TaskDefinition, (instance.definition_id, task.name))
    return {
        **task_row(task, instance.process_key, instance.title, definition.title if definition else None,
                   definition.title_zh if definition else None, assignee, _username(session, task.on_behalf_of_id)),
        "may_complete": not actor.is_operator and rights.may_work_on(actor, task),
        "may_comment": not actor.is_operator and rights.may_comment(session, actor, task, instance),
        "may_release": not actor.is_operator and not any(s.state in ("pending", "waiting") for s in steps)
        and rights.may_release(session, actor, task, relationship_roles(session)),
        "process_version": process.version,
        "kept_from": excluded_step_of(process.specs, task.name),
        "instructions": form.instructions if form else "",
        "instructions_zh": form.instructions_zh if form else "",
        "form": schema,
        "draft": draft,
        "returned": returned,
        "earlier_decision": earlier,
        "return_note": note,
        "completed_by": completed_by,
        "completed_at": utc_iso(task.completed_at) if task.completed_at else None,
        "context": {key: data[key] for key in (form.context_from if form else ()) if key in data},
        "rework_rounds": {"used": data.get("return_count"), "max": data.get("max_returns")}
        if "return_count" in data else None,
        "countersign": round_view(session, task),
    }


def _username(session: Session, user_id: int | None) -> str | None:
    return session.scalar(select(User.username).where(User.id == user_id)) if user_id else None


def _assignee_step(task: HumanTask, instance: ProcessInstance, assignee_id: int | None, assigned_by_id: int | None,
                   event: PendingEvent) -> Step:
    # Whoever holds the task now holds it in their own name: a proxy's stand-in (代理) ends with any change.
    action = TaskAction(task, {"assignee_id": assignee_id, "assigned_by_id": assigned_by_id, "on_behalf_of_id": None},
                        (task.assignee_id,),
                        f"task {task.id} was changed by someone else; reload and try again")
    return Step(instance, [event], acted_on=action)


def claim_task(session: Session, collaborators: Collaborators, actor: Actor, task_id: int) -> Assignment:
    """Take an open task of one's roles. :raise Conflict: someone else holds it, or it is no longer open."""
    task, instance = load_task(session, task_id)
    rights.require_task_role(actor, task)  # rights before state: a stranger learns nothing about the task
    _require_open(task)
    if task.assignee_id == actor.id:
        return {"id": task.id, "assignee": actor.username, "changed": False}
    if task.assignee_id is not None:
        raise Conflict(f"task {task.id} is already claimed by someone else")
    require_other_person(session, collaborators.catalog.get(session, instance.definition_id), actor, task)
    write_step(session, collaborators, _assignee_step(
        task, instance, actor.id, None, PendingEvent("task_claimed", actor.username, task.name, task.id)),
        collaborators.clock())
    return {"id": task.id, "assignee": actor.username, "changed": True}


def unclaim_task(session: Session, collaborators: Collaborators, actor: Actor, task_id: int) -> Assignment:
    """Give a task back to its role (one's own, or one held in one's reporting line)."""
    task, instance = load_task(session, task_id)
    rights.require_see_task(session, actor, task, instance)
    _require_open(task)
    if task.assignee_id is None:
        return {"id": task.id, "assignee": None, "changed": False}
    _require_not_handed_on(session, task)
    rights.require_release(session, actor, task, relationship_roles(session))
    write_step(session, collaborators, _assignee_step(
        task, instance, None, None, PendingEvent("task_unclaimed", actor.username, task.name, task.id)),
        collaborators.clock())
    return {"id": task.id, "assignee": None, "changed": True}


def assign_task(
    session: Session, collaborators: Collaborators, actor: Actor, task_id: int, to_username: str,
) -> Assignment:
    """A manager gives a task to someone who reports to them (the dispatch right)."""
    target = load_actor(session, to_username)
    task, instance = load_task(session, task_id)
    rights.require_see_task(session, actor, task, instance)
    rights.require_assign_to(session, actor, target)
    _require_open(task)
    if task.round_id:
        raise InvalidInput(f"task {task.id} is one person's part of a countersign; it cannot be given to another")
    if task.lane not in target.roles:
        raise InvalidInput(f"{target.username} does not have the role {task.lane!r} that task {task.id} needs")
    if not queues.in_queue(target, task.lane, task.unit_scope):
        raise InvalidInput(f"task {task.id} is for the role {task.lane!r} within one unit; {target.username} is "
                           "not in it")
    rights.require_assign_from(session, actor, task, target)
    _require_not_handed_on(session, task)
    require_other_person(session, collaborators.catalog.get(session, instance.definition_id), target, task)
    if task.assignee_id == target.id:
        return {"id": task.id, "assignee": target.username, "changed": False}
    write_step(session, collaborators, _assignee_step(
        task, instance, target.id, actor.id,
        PendingEvent("task_assigned", actor.username, task.name, task.id, payload={"to": target.username})),
        collaborators.clock())
    return {"id": task.id, "assignee": target.username, "changed": True}


def _straight_back(session: Session, process: DeployedProcess, step: Step, mark: dict[str, Any], task: HumanTask,
                   back_to: str) -> None:
    """A returned step completed again goes straight back to the step that returned it: on the record
    (``returned_straight_back``), and back to whoever returned it (while they hold its role), who is told."""
    returner = mark.get("by_id")
    lane = process.tasks[back_to].lane if back_to in process.tasks else ""
    holds = False
    if isinstance(returner, int) and step.run is not None and returner in users_with_role(session, lane):
        holds = True
        step.assign = {new.spiff_id: returner for new in step.run.new_tasks if new.name == back_to}
    done = next(i for i, event in enumerate(step.events) if event.kind == "task_completed")
    actor = step.events[done].actor
    step.events.insert(done + 1, PendingEvent("returned_straight_back", actor, task.name, task.id, payload={
        "from_step": task.name, "to_step": back_to, "returned_by": mark.get("by"),
        "holder": mark.get("by") if holds else None}))
    step.new_task_notice = ("returned", f"已重新提交 Back to you: {step_label(process, back_to)} — "
                            f"{step.instance.title}", f"{step_label(process, task.name)} · {actor}")


def check_completer(actor: Actor, task: HumanTask) -> None:
    """:raise NotAllowed: the actor lacks the lane's role. :raise Conflict: not open, or someone else's."""
    rights.require_task_role(actor, task)
    _require_open(task)
    if task.assignee_id not in (None, actor.id):
        raise Conflict(f"task {task.id} is claimed by someone else")


def open_form(session: Session, collaborators: Collaborators, task: HumanTask, instance: ProcessInstance,
              ) -> tuple[DeployedProcess, BpmnWorkflow, Task, dict[str, Any]]:
    """The version, workflow, ready task and form (as the task's data narrows it) of an open task.

    :raise Conflict: the task is no longer waiting for input.
    """
    process = collaborators.catalog.get(session, instance.definition_id)
    workflow = collaborators.runner.load(process, instance.state_json)
    workflow_task = ready_task(workflow, task)
    if workflow_task is None:
        raise Conflict(f"task {task.id} is no longer waiting for input")
    return process, workflow, workflow_task, task_form(process, task, workflow_task)


def complete_task(
    session: Session, collaborators: Collaborators, actor: Actor, task_id: int, data: Any,
) -> Completion:
    """Check ``data`` against the task's form, run the engine to the next wait state, and record everything.

    :raise NotAllowed: the actor lacks the lane's role or the task is someone else's.
    :raise FormInvalid: naming every wrong field.
    :raise Conflict: the task was completed or the instance stepped by someone else.
    """
    task, instance = load_task(session, task_id)
    check_completer(actor, task)
    return run_completion(session, collaborators, actor, task, instance, data)


def run_completion(
    session: Session, collaborators: Collaborators, actor: Actor, task: HumanTask, instance: ProcessInstance,
    data: Any, *, held_by: tuple[int | None, ...] | None = None, extra: dict[str, Any] | None = None,
    before: list[PendingEvent] | None = None,
) -> Completion:
    """Complete an open task as ``actor`` (rights already asked): validate, run, write one step.

    ``held_by``: who must hold the task row for the change to apply (default: nobody or the actor);
    ``extra``: more for the completion event's payload (who prepared it, who signed); ``before``: events
    of the same step recorded before the completion (an added signer's signature).
    """
    process, workflow, workflow_task, schema = open_form(session, collaborators, task, instance)
    require_other_person(session, process, actor, task)  # 不相容职责分离 (notCompletedBy)
    runner = collaborators.runner
    submitted = validate_form(schema, data)
    check_form_files(session, instance.id, schema, submitted)
    hook = collaborators.hooks.complete.get((instance.process_key, task.name))
    if hook is not None:
        forget_revision(session)  # a hook may change the directory: who holds a role is asked again
        hook(session, collaborators, instance, actor, submitted)
    now = collaborators.clock()
    snapshot = runner.snapshot(workflow)
    before_data = json.loads(instance.data_json)
    workflow_task.data[task.name] = submitted
    cast_vote(workflow_task, actor.username, submitted)
    mark = rewind.return_mark(workflow_task)
    back_to = rewind.straight_back_to(workflow_task, schema, submitted)
    went_back: list[bool] = []
    try:
        if back_to is None:
            runner.run_action(workflow_task.run)
        else:
            runner.run_action(lambda: went_back.append(rewind.complete_straight_back(workflow, workflow_task,
                                                                                     back_to)))
        run = runner.advance(workflow, snapshot, before_data, actor.username)
        if back_to is None:  # 自动去重: a next step for the same approver passes by itself
            run = pass_same_approver(session, collaborators, process, workflow, run, actor, submitted, snapshot,
                                     before_data, instance.id, task.name)
    except ProcessError as exc:
        exc.instance_id, exc.task_name = instance.id, task.name
        raise
    payload: dict[str, Any] = {"data": submitted}
    for key in ("decision", "comment"):
        if key in submitted:
            payload[key] = submitted[key]
    payload.update(extra or {})
    if not actor.is_operator:  # the role and unit the decider held then (an auditor asks whether they were entitled)
        payload["decider"] = {"roles": sorted(actor.roles), "unit": actor.unit}
    if task.on_behalf_of_id is not None and task.on_behalf_of_id != actor.id:  # 代理: "X on behalf of Y"
        payload.setdefault("on_behalf_of", _username(session, task.on_behalf_of_id))
    action = TaskAction(task, {"state": "completed", "completed_at": now, "completed_by_id": actor.id,
                               "assignee_id": actor.id}, held_by or (None, actor.id),
                        f"task {task.id} was completed or claimed by someone else")
    events = [*(before or []), PendingEvent("task_completed", actor.username, task.name, task.id, payload),
              *run.events]
    step = Step(instance, events, workflow_changes(process, run, now), acted_on=action, run=run, process=process,
                completed_task=task.name)
    if back_to is not None and mark is not None and went_back == [True]:
        _straight_back(session, process, step, mark, task, back_to)
    write_step(session, collaborators, step, now)
    form = process.tasks[task.name]
    return {"id": task.id, "instance_id": instance.id, "title": form.title, "title_zh": form.title_zh,
            "status": run.status, "end_event": run.end_event, "next_tasks": [t.name for t in run.new_tasks]}
