"""The same approver twice (自动去重): a per-process option (``skipSameApprover``) that passes a step at once when
the person who just approved the step before it would be the one to approve it too.

"Would be the one": the new step is a decision form that can be approved, and it is for that person: the process
assigns it to them, or they are the only active holder of its role. It is passed with the decision ``approve`` in
the same transaction as the approval that led to it, and is on the record as ``task_auto_passed`` (reason: same
approver), never as a decision that person typed; no task row is made for it. A step whose form needs more than
the decision is left to be done by hand.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from sqlalchemy.orm import Session

from ..definitions.catalog import DeployedProcess
from ..definitions.forms import effective_form, validate_form
from ..errors import FormInvalid
from ..history.log import PendingEvent
from ..org.people import Actor
from . import outbox
from .collaborators import Collaborators
from .execution import ReadyTask, Snapshot, StepResult
from .placeholders import resolve
from .separation import kept_from_step

APPROVE = "approve"
REASON = "same approver"
MAX_PASSES = 20  # a model could chain many steps for one person; the tree-depth limit is far above this


def _approvable(process: DeployedProcess, name: str) -> bool:
    form = process.tasks.get(name)
    decision = (form.schema.get("properties") or {}).get("decision") if form else None
    return isinstance(decision, dict) and decision.get("x-widget") == "decision" and \
        APPROVE in (decision.get("enum") or [])


def _for_actor(session: Session, process: DeployedProcess, task: ReadyTask, data: dict[str, Any], actor: Actor,
               holders: dict[str, list[int]]) -> bool:
    form = process.tasks[task.name]
    if form.assignee_path:
        return bool(resolve(data, form.assignee_path) == actor.username)
    if task.lane not in holders:
        holders[task.lane] = outbox.users_with_role(session, task.lane)
    return holders[task.lane] == [actor.id]


def pass_same_approver(
    session: Session, collaborators: Collaborators, process: DeployedProcess, workflow: BpmnWorkflow,
    run: StepResult, actor: Actor, submitted: dict[str, Any], before: Snapshot, before_data: dict[str, Any],
    instance_id: int, done_step: str,
) -> StepResult:
    """After ``actor`` approved a step (``submitted``), pass the new steps that would be theirs to approve too.

    The run as it stands after them: its events are the approval's run, then for each passed step a
    ``task_auto_passed`` event followed by what the engine did after it (so that the history replays step by
    step); its tasks, state and data are those at the end, compared with ``before``.

    A step whose separation rule (``notCompletedBy``) keeps ``actor`` away is never passed: they completed
    ``done_step`` (or a step passed before it) just now, or started the request; a person decides it.

    :raise ProcessError: the model failed while running a passed step (the whole completion is refused).
    """
    if not process.skip_same_approver or submitted.get("decision") != APPROVE:
        return run
    events = list(run.events)
    holders: dict[str, list[int]] = {}
    looked_at: set[str] = set()
    runner = collaborators.runner
    latest, passed = run, 0
    done_now = {done_step}
    while passed < MAX_PASSES:
        task = next((t for t in latest.new_tasks if t.spiff_id not in looked_at), None)
        if task is None:
            break
        looked_at.add(task.spiff_id)
        if not _approvable(process, task.name) or not _for_actor(session, process, task, latest.data, actor, holders):
            continue
        if kept_from_step(session, process, task.name, instance_id, actor.id, done_now):
            continue  # 不相容职责分离: the rule wants another person here
        found = workflow.get_task_from_id(UUID(task.spiff_id))
        try:
            data = validate_form(effective_form(process.tasks[task.name].schema, found.data), {"decision": APPROVE})
        except FormInvalid:
            continue  # the form asks for more than the decision (or may not approve now): a person decides
        snapshot = runner.snapshot(workflow)
        found.data[task.name] = data
        runner.run_action(found.run)
        events.append(PendingEvent("task_auto_passed", None, task.name, payload={
            "reason": REASON, "approver": actor.username, "decision": APPROVE, "data": data}))
        after = runner.advance(workflow, snapshot, latest.data, actor.username)
        events += after.events
        latest = StepResult(after.status, after.end_event, after.data, after.state_json, [],
                            [*[t for t in latest.new_tasks if t.spiff_id != task.spiff_id], *after.new_tasks])
        passed += 1
        done_now.add(task.name)
    if not passed:
        return run
    final = runner.advance(workflow, before, before_data, actor.username)  # nothing left to run: the tally only
    return StepResult(final.status, final.end_event, final.data, final.state_json, events, final.new_tasks,
                      final.gone_task_ids, final.next_timer_at)
