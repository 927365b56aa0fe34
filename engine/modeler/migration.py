"""Moving running instances to a newer version of their process, where that is safe.

Built on SpiffWorkflow's ``diff_workflow`` / ``migrate_workflow``: tasks are aligned by BPMN id,
ready and waiting tasks are reset and predicted again on the new spec. opsflow stores the task tree
pruned and without the spec, and keeps its own task rows, so a migration here also re-attaches the
tree to the new version's spec (and proves it reloads), moves the open task rows and writes a
history event with who and why, all through the one step writer: one transaction per instance.

An instance is judged by where its token is: it cannot move when the step it is at has no counterpart in
the new version (a removed step it has passed is taken out of its tree, one it has not reached yet is
never predicted on the new spec), when a timer is waiting (resetting it would restart its clock), or
when a subprocess's spec is gone. The dry run says so per instance, with the reasons.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.util.diff import diff_workflow, migrate_workflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..definitions.catalog import DeployedProcess
from ..definitions.countersign import step_name
from ..definitions.problems import N_, Problem, located
from ..errors import InstanceNotFound, InvalidInput
from ..history.log import PendingEvent
from ..models import HumanTask, ProcessInstance
from ..org.people import Actor
from ..org.rights import Right, require
from ..runtime.collaborators import Collaborators
from ..runtime.execution import all_tasks
from ..runtime.step_writer import Step, workflow_changes, write_step
from ..text_input import text_problem
from .versions import version_row
from .views import MigrationCheck, MigrationResult

MAX_REASON = 1000
WAITING_TIMER = TaskState.WAITING
AT_TOKEN = TaskState.READY | TaskState.WAITING | TaskState.STARTED  # where the instance is now
PASSED = TaskState.COMPLETED | TaskState.CANCELLED


class CannotMove(InvalidInput):
    """An instance that cannot move to the version asked for; ``reasons`` says why."""

    def __init__(self, instance_id: int, version: int, reasons: list[str]) -> None:
        super().__init__(f"instance {instance_id} cannot move to version {version}: " + "; ".join(reasons))
        self.reasons = reasons


@dataclass
class Check:
    """Whether one instance can move to the target version, why not, and what would change."""

    instance_id: int
    title: str
    from_version: int
    reasons: list[str] = field(default_factory=list)  # Problems: each says itself again in a language
    changed: list[str] = field(default_factory=list)  # ready steps that are reset onto a changed spec
    waiting_at: list[str] = field(default_factory=list)

    @property
    def can_move(self) -> bool:
        return not self.reasons

    def as_dict(self, to_version: int) -> MigrationCheck:
        return {"instance_id": self.instance_id, "title": self.title, "from_version": self.from_version,
                "to_version": to_version, "can_move": self.can_move, "reasons": [str(r) for r in self.reasons],
                "reasons_said": [r.as_dict() for r in located(self.reasons)],
                "waiting_at": self.waiting_at, "changed": self.changed}


def _trial(c: Collaborators, instance: ProcessInstance, source: DeployedProcess,
           target: DeployedProcess) -> tuple[Check, BpmnWorkflow | None]:
    """Migrate the instance's workflow in memory and say whether the result is sound."""
    check = Check(instance.id, instance.title, source.version)
    if instance.status != "running":
        check.reasons.append(Problem(N_("the instance is %(status)s, not running"), status=instance.status))
        return check, None
    if target.key != source.key:
        check.reasons.append(Problem(N_("version %(version)s belongs to another process"), version=target.version))
        return check, None
    if target.version <= source.version:
        check.reasons.append(Problem(N_("it is on version %(current)s already, not older than %(version)s"),
                                     current=source.version, version=target.version))
        return check, None
    workflow = c.runner.load(source, instance.state_json)
    waiting = [t for t in all_tasks(workflow) if t.has_state(TaskState.READY | TaskState.WAITING | TaskState.STARTED)]
    check.waiting_at = sorted({step_name(t.task_spec) for t in waiting if t.task_spec.manual})
    new_spec, new_subs = target.specs
    top, subs = diff_workflow(c.specs.registry, workflow, new_spec, new_subs)
    for task in waiting:
        if task.has_state(TaskState.STARTED):
            check.reasons.append(Problem(N_("step %(step)r is running right now"), step=task.task_spec.name))
        elif task.has_state(TaskState.WAITING) and "Timer" in type(getattr(task.task_spec, "event_definition",
                                                                            None)).__name__:
            check.reasons.append(Problem(N_("timer %(step)r is waiting: moving would restart its clock"),
                                         step=task.task_spec.name))
    for task in top.removed:  # judged by where the token is: a step passed or not reached yet stops nothing
        if task.has_state(AT_TOKEN):
            check.reasons.append(Problem(N_("the instance is at step %(step)r, which version %(version)s no longer "
                                            "has"), step=task.task_spec.name, version=target.version))
    added = {s.name for s in new_spec.task_specs.values()
             if s.name not in workflow.spec.task_specs and getattr(s, "bpmn_id", None)}
    check.reasons += _passed_new_steps(new_spec, [t.task_spec.name for t in waiting], added, target.version)
    for sub_id, sub_diff in subs.items():
        if sub_diff is None:
            check.reasons.append(Problem(N_("subprocess %(step)r does not exist in version %(version)s"),
                                         step=workflow.subprocesses[sub_id].spec.name, version=target.version))
    check.changed = sorted({t.task_spec.name for t in top.changed if t in waiting})
    check.reasons = list({str(r): r for r in check.reasons}.values())
    if check.reasons:
        return check, None
    try:
        _forget_removed_past(workflow, top.removed)
        migrate_workflow(top, workflow, new_spec)
        for sub_id, sub_diff in subs.items():
            if sub_diff is not None:
                sub = workflow.subprocesses[sub_id]
                migrate_workflow(sub_diff, sub, new_subs[sub.spec.name])
        c.runner.run_action(workflow.do_engine_steps)
        # What is stored must load on the new version's spec alone.
        c.codec.load(c.codec.serializer.serialize_json(workflow), target.specs)
    except Exception as exc:  # any failure of the trial means: cannot move, with its reason
        check.reasons.append(Problem(N_("the instance's state does not fit version %(version)s: %(error)s"),
                                     version=target.version, error=str(exc)))
        return check, None
    return check, workflow


def _forget_removed_past(workflow: BpmnWorkflow, removed: list[Any]) -> None:
    """Take the steps the instance passed that the new version no longer has out of its task tree (their
    children hang from their parent instead): the new spec has nothing to attach them to, and the history
    log keeps them. Predicted steps below the token are predicted again by ``migrate_workflow``."""
    for task in removed:
        if task.id not in workflow.tasks or task.has_state(AT_TOKEN) or not task.has_state(PASSED):
            continue
        parent = task.parent
        children = task.children
        for child in children:
            child.parent = parent
        if parent is not None:
            parent.children = [c for p in parent.children for c in (children if p.id == task.id else [p])]
        elif children:
            workflow.task_tree = children[0]
        del workflow.tasks[task.id]


def _passed_new_steps(spec: Any, waiting: list[str], added: set[str], version: int) -> list[str]:
    """A step added on every path to where the instance waits: the new version would not be there without it."""
    reasons: list[str] = []
    for new_step in sorted(added):
        seen: set[str] = set()
        pending = [spec.start]
        while pending:
            node = pending.pop()
            if node.name in seen or node.name == new_step:
                continue
            seen.add(node.name)
            pending.extend(node.outputs)
        for name in waiting:
            if name not in seen and name in spec.task_specs:
                reasons.append(Problem(N_("version %(version)s reaches %(step)r only through the new step %(new)r, "
                                          "which this instance has not passed"), version=version, step=name,
                                       new=new_step))
    return reasons


def _target(session: Session, c: Collaborators, key: str, version: int) -> DeployedProcess:
    return c.catalog.get(session, version_row(session, key, version).id)


def dry_run(session: Session, c: Collaborators, actor: Actor, key: str, to_version: int) -> list[MigrationCheck]:
    """Every running instance of ``key`` on an older version: can it move to ``to_version``, and why not."""
    require(actor, Right.MIGRATE, "migrate instances")
    target = _target(session, c, key, to_version)
    instances = session.scalars(select(ProcessInstance).where(
        ProcessInstance.process_key == key, ProcessInstance.status == "running",
        ProcessInstance.definition_id != target.id).order_by(ProcessInstance.id)).all()
    result = []
    for instance in instances:
        source = c.catalog.get(session, instance.definition_id)
        if source.version > target.version:
            continue
        check, _ = _trial(c, instance, source, target)
        result.append(check.as_dict(target.version))
    return result


def migrate_instance(
    session: Session, c: Collaborators, actor: Actor, instance_id: int, to_version: int, reason: str, now: datetime,
) -> MigrationResult:
    """Move one instance to ``to_version`` of its process, recorded with who and why.

    :raise InvalidInput: no reason, or the instance cannot move (the reasons are in the message).
    :raise Conflict: the instance stepped meanwhile.
    """
    require(actor, Right.MIGRATE, "migrate instances")
    reason = (reason or "").strip()
    if not reason or len(reason) > MAX_REASON or text_problem(reason):
        raise InvalidInput(f"a migration needs a reason (printable text, at most {MAX_REASON} characters)")
    instance = session.get(ProcessInstance, instance_id)
    if instance is None:
        raise InstanceNotFound(instance_id)
    source = c.catalog.get(session, instance.definition_id)
    target = _target(session, c, instance.process_key, to_version)
    check, workflow = _trial(c, instance, source, target)
    if workflow is None:
        raise CannotMove(instance.id, to_version, check.reasons)
    before = c.runner.snapshot(c.runner.load(source, instance.state_json))
    before_data = json.loads(instance.data_json)
    run = c.runner.advance(workflow, before, before_data, actor.username)
    open_tasks = session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id,
                                                         HumanTask.state == "open")).all()
    updates = {}
    for task in open_tasks:
        values: dict[str, Any] = {"definition_id": target.id}
        form = target.tasks.get(task.name)
        if form is not None and form.lane != task.lane:
            values["lane"] = form.lane
        updates[task.id] = values
    changes = workflow_changes(target, run, now)
    changes.extra["definition_id"] = target.id
    event = PendingEvent("instance_migrated", actor.username, None, payload={
        "from_version": source.version, "to_version": target.version, "reason": reason,
        "reset_steps": check.changed, "waiting_at": check.waiting_at})
    write_step(session, c, Step(instance, [event, *run.events], changes, run=run, process=target,
                                task_updates=updates), now)
    return {"instance_id": instance.id, "moved": True, "from_version": source.version, "to_version": target.version,
            "waiting_at": [t.name for t in run.new_tasks] or check.waiting_at, "status": run.status}
