"""Returning a request to any earlier step it has passed (驳回到任意已经过的步骤), with a reason.

Whoever may complete the open task (its holder, or while nobody holds it someone with its role) chooses one of
the user steps the request has completed before this one, in flow order. The returned step goes to whoever
completed it last (while they still hold its role; otherwise to its role's queue), who is told why; its form
shows the reason and opens with what was submitted for it last. Once completed again, the flow goes straight
back to the step that returned it (``returned_straight_back``), unless that step's model says ``afterReturn:
walkOn`` or the step returned to decides not to go on (a reviewer returning or vetoing in turn: followed as
drawn). The tree work is ``engine.runtime.rewind``'s; the record is ``task_returned`` on the history.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..definitions.catalog import DeployedProcess
from ..errors import Conflict, InvalidInput, NotAllowed
from ..history.log import PendingEvent
from ..models import HumanTask, User, UserRole
from ..org import rights
from ..org.people import Actor, relationship_roles
from ..text_input import checked_reason
from . import rewind
from .collaborators import Collaborators
from .handover import acting_now, skip_unasked
from .step_plan import step_label
from .step_writer import Step, TaskAction, workflow_changes, write_step
from .task_loading import load_task
from .tasks import ready_task
from .views import Returned, ReturnTarget, ReturnTargets

MAX_REASON_LENGTH = 2000


def _require_may_return(session: Session, actor: Actor, task: HumanTask) -> None:
    """The holder of the open task, or someone with its role while nobody holds it. Rights before state. Not
    while a delegate or an added signer acts on it (委派, 加签): the holder may once it is back with them."""
    rights.require_task_role(actor, task)
    if task.state != "open":
        raise Conflict(f"task {task.id} is already {task.state}; only an open step can return its request")
    acting = acting_now(session, task) if task.assignee_id not in (None, actor.id) else None
    if acting is not None and acting[1] == actor.username:
        raise Conflict(f"task {task.id} is with {acting[0]} now; you may return the request once it is back "
                       "with you")
    if task.assignee_id not in (None, actor.id):
        raise NotAllowed(f"task {task.id} is held by someone else; only its holder may return it")


def _passed_steps(session: Session, process: DeployedProcess, task: HumanTask) -> list[str]:
    """The user steps this request completed before, that come before ``task``'s step in the flow."""
    done = set(session.scalars(select(HumanTask.name).where(
        HumanTask.instance_id == task.instance_id, HumanTask.state == "completed").distinct()))
    order = list(process.tasks)
    here = order.index(task.name) if task.name in order else len(order)
    walks_on = not rewind.goes_straight_back(process, task.name)
    return [name for name in order[:here] if name in done and rewind.takes_part(process, name)
            and not (walks_on and rewind.walks_into_join(process, name, task.name))]


def _targets(process: DeployedProcess, names: list[str]) -> list[ReturnTarget]:
    return [{"name": name, "title": process.tasks[name].title, "title_zh": process.tasks[name].title_zh}
            for name in names]


def return_targets(session: Session, collaborators: Collaborators, actor: Actor, task_id: int) -> ReturnTargets:
    """The earlier steps ``actor`` may return an open task's request to (none where its model offers no return).

    :raise TaskNotFound: :raise NotAllowed: ``actor`` may not work on the task. :raise Conflict: it is done.
    """
    task, instance = load_task(session, task_id)
    _require_may_return(session, actor, task)
    process = collaborators.catalog.get(session, instance.definition_id)
    names = _passed_steps(session, process, task) if rewind.allows_return(process, task.name) else []
    return {"task_id": task.id, "step": task.name, "straight_back": rewind.goes_straight_back(process, task.name),
            "targets": _targets(process, names)}


def _clean_reason(reason: str) -> str:
    return checked_reason(reason, "return a request to an earlier step", MAX_REASON_LENGTH)


def _last_holder(session: Session, instance_id: int, name: str, lane: str) -> tuple[int, str] | None:
    """Who completed step ``name`` last (id, username), if they are still active and hold its role."""
    user_id = session.scalar(select(HumanTask.completed_by_id).where(
        HumanTask.instance_id == instance_id, HumanTask.name == name, HumanTask.state == "completed")
        .order_by(HumanTask.id.desc()).limit(1))
    if user_id is None:
        return None
    found = session.execute(select(User.id, User.username).join(UserRole, UserRole.user_id == User.id).where(
        User.id == user_id, User.active.is_(True), UserRole.role_key == lane)).first()
    return (int(found[0]), str(found[1])) if found is not None else None


def return_task(session: Session, collaborators: Collaborators, actor: Actor, task_id: int, to_step: str,
                reason: str) -> Returned:
    """Return an open task's request to ``to_step``, an earlier user step it passed, with a reason.

    :raise TaskNotFound: :raise NotAllowed: ``actor`` may not work on the task.
    :raise Conflict: the task is no longer open (or the instance changed meanwhile).
    :raise InvalidInput: no reason, a step the request did not pass before this one or that takes no part, a
    step whose model offers no return, or a request with other steps under way. Nothing changes then.
    """
    task, instance = load_task(session, task_id)
    _require_may_return(session, actor, task)
    text = _clean_reason(reason)
    process = collaborators.catalog.get(session, instance.definition_id)
    if not rewind.allows_return(process, task.name):
        raise InvalidInput(f"step {task.name!r} offers no return to an earlier step")
    passed = _passed_steps(session, process, task)
    if to_step not in passed:
        what = "is not a user step of this process" if to_step not in process.tasks else \
            "is not an earlier step this request has passed"
        raise InvalidInput(f"step {to_step!r} {what}; it may be returned to: {', '.join(passed) or 'none'}")
    runner = collaborators.runner
    workflow = runner.load(process, instance.state_json)
    workflow_task = ready_task(workflow, task)
    if workflow_task is None:
        raise Conflict(f"task {task.id} is no longer waiting for input")
    if rewind.others_running(workflow, workflow_task):
        raise InvalidInput(f"instance {instance.id} has other steps under way; it can be returned only from "
                           "its one open step")
    straight_back = rewind.goes_straight_back(process, task.name)
    mark: dict[str, Any] = {"from_step": task.name, "by": actor.username, "by_id": actor.id, "reason": text,
                            "straight_back": straight_back}
    now = collaborators.clock()
    before = runner.snapshot(workflow)
    before_data = json.loads(instance.data_json)
    runner.run_action(lambda: rewind.graft_return(workflow, workflow_task, to_step, mark))
    run = runner.advance(workflow, before, before_data, actor.username)
    [new] = run.new_tasks
    lane = process.tasks[to_step].lane
    holder = None if lane in relationship_roles(session) else _last_holder(session, instance.id, to_step, lane)
    event = PendingEvent("task_returned", actor.username, task.name, task.id, payload={
        "from_step": task.name, "to_step": to_step, "reason": text, "straight_back": straight_back,
        "holder": holder[1] if holder else None})
    action = TaskAction(task, {"state": "returned", "completed_at": now, "completed_by_id": actor.id,
                               "assignee_id": actor.id}, (None, actor.id),
                        f"task {task.id} was completed or claimed by someone else")
    skip_unasked(session, task.id, now)  # signers after the holder waiting on this step are asked no more
    notice = ("returned", f"已退回 Returned: {step_label(process, to_step)} — {instance.title}", text)
    created = write_step(session, collaborators, Step(
        instance, [event, *run.events], workflow_changes(process, run, now), acted_on=action, run=run,
        process=process, assign={new.spiff_id: holder[0]} if holder else {}, new_task_notice=notice), now)
    return {"id": task.id, "instance_id": instance.id, "from_step": task.name, "to_step": to_step,
            "straight_back": straight_back, "new_task_id": created[new.spiff_id]}

