"""Running a workflow from one wait state to the next, and saying what happened.

``advance`` runs the engine, then compares the task tree with a snapshot taken before the
action: which tasks completed (gateways: the path taken; end events: how it ended), which
user tasks became ready and which ready ones went away. The runtime turns that into rows.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.specs.mixins.events.end_event import EndEvent
from SpiffWorkflow.bpmn.specs.mixins.exclusive_gateway import ExclusiveGateway
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from ..definitions.catalog import DeployedProcess
from ..definitions.countersign import step_name
from ..definitions.sandbox import ScriptMemoryExceeded, ScriptTimeout
from ..errors import ProcessError
from ..history.log import PendingEvent, data_delta
from . import countersign
from .state import StateCodec

MAX_TREE_TASKS = 5000  # after pruning a healthy instance holds a few dozen
TIMER_EVENT_TYPES = frozenset({"TimeDateEventDefinition", "DurationTimerEventDefinition",
                               "CycleTimerEventDefinition"})


@dataclass
class ReadyTask:
    spiff_id: str
    name: str
    lane: str
    member: str = ""  # a countersign's task: the person of the round it is for
    round_id: str = ""  # ... and the round (the multi-instance task's spiff id)


@dataclass
class StepResult:
    status: str
    end_event: str | None
    data: dict[str, Any]
    state_json: str
    events: list[PendingEvent] = field(default_factory=list)
    new_tasks: list[ReadyTask] = field(default_factory=list)
    gone_task_ids: list[str] = field(default_factory=list)
    next_timer_at: datetime | None = None
    data_json: str | None = None  # ``data`` as the instance row stores it, when the run wrote it already

    def data_text(self) -> str:
        """``data`` as the instance row stores it."""
        return self.data_json if self.data_json is not None else json.dumps(self.data, ensure_ascii=False)


# Task id -> state; human (manual) tasks are flagged by READY_HUMAN instead of READY.
Snapshot = dict[UUID, int]
READY_HUMAN = -int(TaskState.READY)


def next_timer(workflow: BpmnWorkflow) -> datetime | None:
    """When the earliest waiting timer of the workflow is due (timezone-aware), if any."""
    due = []
    for event in workflow.waiting_events():
        if event.event_type in TIMER_EVENT_TYPES and isinstance(event.value, str):
            moment = datetime.fromisoformat(event.value)
            due.append(moment if moment.tzinfo else moment.replace(tzinfo=UTC))
    return min(due) if due else None


def all_tasks(workflow: BpmnWorkflow) -> list[Task]:
    """Tasks of the workflow and of its running subprocesses."""
    tasks = list(workflow.tasks.values())
    for sub in workflow.subprocesses.values():
        tasks.extend(sub.tasks.values())
    return tasks


def json_safe(data: dict[str, Any]) -> dict[str, Any]:
    """Data as it will read back from JSON (dates become text, tuples lists)."""
    return json_safe_text(data)[0]


def json_safe_text(data: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """``json_safe(data)`` and its JSON text as the instance row stores it (written once, read back once)."""
    text = json.dumps(data, default=str, ensure_ascii=False)
    return dict(json.loads(text)), text


def ready_human_tasks(workflow: BpmnWorkflow) -> list[Task]:
    return list(workflow.get_tasks(state=TaskState.READY, manual=True))


def current_data(workflow: BpmnWorkflow, ready: list[Task] | None = None) -> dict[str, Any]:
    """The instance's data now: the waiting task's (a countersign's round's, not one person's part of it), or
    the last completed one's. ``ready``: the workflow's ready human tasks, when the caller has them."""
    ready = ready_human_tasks(workflow) if ready is None else ready
    if ready:
        return dict(countersign.round_or_self(ready[0]).data)
    data = dict(workflow.last_task.data) if workflow.last_task is not None else {}
    data.update(workflow.data)
    return data


def _describe(exc: Exception) -> str:
    task = getattr(exc, "task", None) or getattr(exc, "task_spec", None)
    spec = getattr(task, "task_spec", task)
    where = getattr(spec, "bpmn_id", None) or getattr(spec, "name", None)
    message = getattr(exc, "error_msg", None) or str(exc)
    return f"{where}: {message}" if where else message


class WorkflowRunner:
    """Creates, restores and advances workflows with the sandboxed script engine."""

    def __init__(self, codec: StateCodec, script_engine_factory: Callable[[], PythonScriptEngine]) -> None:
        self.codec = codec
        self.script_engine_factory = script_engine_factory

    def new(self, process: DeployedProcess, start_data: dict[str, Any]) -> BpmnWorkflow:
        spec, subprocess_specs = process.specs
        workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=self.script_engine_factory())
        start = workflow.get_next_task(spec_name="Start")
        start.data.update({"start": start_data})
        return workflow

    def load(self, process: DeployedProcess, state_json: str) -> BpmnWorkflow:
        workflow = self.codec.load(state_json, process.specs)
        workflow.script_engine = self.script_engine_factory()
        return workflow

    @staticmethod
    def snapshot(workflow: BpmnWorkflow) -> Snapshot:
        return {task.id: READY_HUMAN if task.state == TaskState.READY and task.task_spec.manual else task.state
                for task in all_tasks(workflow)}

    def run_action(self, action: Callable[[], Any]) -> None:
        """Run one library call, turning its failures into ``ProcessError``."""
        try:
            action()
        except (SpiffWorkflowException, ScriptTimeout, ScriptMemoryExceeded, MemoryError, ValueError, TypeError,
                KeyError, NameError, AttributeError, ZeroDivisionError, RecursionError) as exc:
            raise ProcessError(_describe(exc)) from exc

    def advance(
        self, workflow: BpmnWorkflow, before: Snapshot, before_data: dict[str, Any], actor: str | None,
    ) -> StepResult:
        """Run engine steps and report the changes since ``before``.

        :raise ProcessError: when the model fails (no gateway condition held, a script failed).
        """
        self.run_action(workflow.do_engine_steps)
        return self.report(workflow, before, before_data, actor)

    def report(
        self, workflow: BpmnWorkflow, before: Snapshot, before_data: dict[str, Any], actor: str | None,
    ) -> StepResult:
        """What changed since ``before`` in a workflow whose engine steps have run (``advance`` without the run).

        :raise ProcessError: when the task tree has grown too large.
        """
        before_ready = {tid for tid, state in before.items() if state == READY_HUMAN}
        if len(workflow.tasks) > MAX_TREE_TASKS:
            raise ProcessError(f"instance task tree has grown past {MAX_TREE_TASKS} tasks")
        events: list[PendingEvent] = []
        end_event = None
        completed = [t for t in all_tasks(workflow)
                     if t.state == TaskState.COMPLETED and before.get(t.id) != TaskState.COMPLETED]
        completed.sort(key=lambda t: t.last_state_change)
        for task in completed:
            spec = task.task_spec
            if isinstance(spec, ExclusiveGateway):
                taken = [c.task_spec.bpmn_id or c.task_spec.name for c in task.children
                         if not c.has_state(TaskState.CANCELLED)]
                events.append(PendingEvent("gateway_path", actor, spec.bpmn_id,
                                           payload={"gateway": spec.bpmn_id, "to": taken}))
            elif isinstance(spec, EndEvent):
                end_event = spec.bpmn_id
        ready = ready_human_tasks(workflow)
        ready_ids = {t.id for t in ready}
        new_tasks = [ReadyTask(str(t.id), step_name(t.task_spec), t.task_spec.lane or "", *countersign.place_of(t))
                     for t in ready if t.id not in before_ready]
        ended, started = countersign.round_events(completed, ready, before, actor)
        events = ended + events + started
        gone = [str(tid) for tid in before_ready if tid not in ready_ids]
        status = "completed" if workflow.is_completed() else "running"
        data, data_json = json_safe_text(current_data(workflow, ready))
        for task in new_tasks:
            events.append(PendingEvent("task_created", None, task.name, payload={
                "role": task.lane, "task_id": task.spiff_id, **({"for": task.member} if task.round_id else {})}))
        if status == "completed":
            events.append(PendingEvent("instance_ended", actor, end_event, payload={"end_event": end_event}))
        delta = data_delta(before_data, data)
        if delta:
            events.append(PendingEvent("data_changed", actor, None, payload={"data_delta": delta}))
        timer = next_timer(workflow) if status == "running" else None
        return StepResult(status, end_event, data, self.codec.dump(workflow), events, new_tasks, gone, timer,
                          data_json)
