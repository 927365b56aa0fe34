"""The real model, run outside the database: a case of a deployed version (or a draft) driven by
SpiffWorkflow itself with the sandboxed scripts, the DMN tables and helpers that answer from a
snapshot of the organisation and a virtual clock. Nothing is stored, nobody is told.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.util.task import TaskState

from ..calendar import WorkingCalendar
from ..definitions.catalog import DeployedProcess, TaskForm
from ..definitions.countersign import step_name
from ..definitions.parser import ParsedProcess
from ..definitions.sandbox import make_script_engine
from ..definitions.unit_scope import unit_scopes
from ..errors import ProcessError
from ..runtime import countersign, rewind
from ..runtime.execution import WorkflowRunner, next_timer

MAX_STEPS = 200  # user tasks one simulated case may take before it is counted as stuck in a loop


@dataclass(frozen=True)
class Org:
    """Who holds each role and who reports to whom, read once before a run."""

    holders: dict[str, list[str]]
    managers: dict[str, str]


@dataclass
class OpenStep:
    task_id: UUID
    step: str
    lane: str
    member: str  # a countersign's task: the person it is for


class VirtualClock:
    """The time scripts see during a simulated step (``working_deadline``)."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def script_engine_for(org: Org, clock: VirtualClock, calendar: WorkingCalendar,
                      time_limit: float = 1.0) -> PythonScriptEngine:
    """The engine's sandbox with the helpers processes call, answering from ``org`` and ``clock``."""

    def working_deadline(window: str) -> str:
        return calendar.deadline(clock(), window).isoformat()

    def role_holders(role: str) -> list[str]:
        return list(org.holders.get(str(role), []))

    def manager_of(username: str) -> str:
        return org.managers.get(str(username), "")

    return make_script_engine(time_limit, {"working_deadline": working_deadline, "role_holders": role_holders,
                                           "manager_of": manager_of})


def draft_process(parsed: ParsedProcess) -> DeployedProcess:
    """A draft's parsed process in the shape of a deployed version (id 0, version 0), for runs only."""
    tasks = {t.name: TaskForm(t.name, t.title, t.title_zh, t.lane, t.form, tuple(t.context_from), t.instructions,
                              t.instructions_zh, t.assignee_path, t.due_window) for t in parsed.user_tasks}
    specs = (parsed.spec, parsed.subprocess_specs)
    return DeployedProcess(
        id=0, key=parsed.key, version=0, title=parsed.title, title_zh=parsed.title_zh,
        start_roles=frozenset(parsed.start_roles), start_form=parsed.start_form, specs=specs, tasks=tasks,
        instance_title=parsed.instance_title, business_key=parsed.business_key,
        transfer_rule=parsed.transfer_rule, when_no_holder=parsed.when_no_holder,
        skip_same_approver=parsed.skip_same_approver, unit_scopes=unit_scopes(specs))


def _typed_default(spec: dict[str, Any]) -> Any:
    if "default" in spec:
        return spec["default"]
    if spec.get("enum"):
        return spec["enum"][0]
    kind = spec.get("type")
    kind = kind[0] if isinstance(kind, list) else kind
    if kind == "object":
        return {k: _typed_default(v) for k, v in spec.get("properties", {}).items() if isinstance(v, dict)}
    return {"integer": 0, "number": 0, "boolean": False, "array": [], "string": ""}.get(str(kind), "")


def default_form(schema: dict[str, Any] | None) -> dict[str, Any]:
    """A form filled as a person who changes nothing would: defaults, else the first choice, else empty."""
    if not schema:
        return {}
    return {k: _typed_default(v) for k, v in schema.get("properties", {}).items() if isinstance(v, dict)}


def roles_of(process: DeployedProcess) -> list[str]:
    return sorted({t.lane for t in process.tasks.values() if t.lane})


class ModelCase:
    """One case of the model: started with its start form, its user tasks completed as people would."""

    def __init__(self, process: DeployedProcess, script_engine: PythonScriptEngine, start_data: dict[str, Any],
                 run_action: Callable[[Callable[[], Any]], None]) -> None:
        spec, subprocess_specs = process.specs
        self.workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=script_engine)
        self.workflow.get_next_task(spec_name="Start").data.update({"start": json.loads(json.dumps(start_data))})
        self.run_action = run_action
        self.handed_out: set[UUID] = set()
        self.completed: set[str] = set()  # the steps completed so far (the ones a return may go back to)
        self.steps_taken = 0

    def advance(self) -> list[OpenStep]:
        """Run the engine to the next wait; the user tasks that became ready. :raise ProcessError:"""
        self.run_action(self.workflow.do_engine_steps)
        opened = []
        for task in self.workflow.get_tasks(state=TaskState.READY, manual=True):
            if task.id in self.handed_out:
                continue
            self.handed_out.add(task.id)
            member, _round = countersign.place_of(task)
            opened.append(OpenStep(task.id, step_name(task.task_spec), task.task_spec.lane or "", member))
        if not opened and not self.done and not self.waiting() and self.next_timer() is None:
            raise ProcessError("the case stopped without a step to do (a message it waits for is not simulated)")
        return opened

    def next_timer(self) -> datetime | None:
        """When the case's earliest waiting timer is due (computed by the library on the virtual clock)."""
        return next_timer(self.workflow)

    def fire_timers(self) -> list[OpenStep]:
        """The timers due by now fire (the virtual clock is past them) and the case runs on, as the engine's
        timer job does. :raise ProcessError:"""
        self.run_action(self.workflow.refresh_timers)
        return self.advance()

    def is_open(self, task_id: UUID) -> bool:
        """Whether a handed-out task still waits (not closed by a timer or a countersign's end)."""
        task = self.workflow.get_task_from_id(task_id)
        return task is not None and task.state == TaskState.READY

    def passed(self, process: DeployedProcess, task_id: UUID) -> list[str]:
        """The earlier steps this open task may return its request to, as ``runtime.returns`` offers them
        (completed before it, in flow order, taking part), or none where the step offers no return or other steps
        are under way."""
        task = self.workflow.get_task_from_id(task_id)
        name = step_name(task.task_spec)
        if not rewind.allows_return(process, name) or rewind.others_running(self.workflow, task):
            return []
        order = list(process.tasks)
        here = order.index(name) if name in order else len(order)
        walks_on = not rewind.goes_straight_back(process, name)
        return [n for n in order[:here] if n in self.completed and rewind.takes_part(process, n)
                and not (walks_on and rewind.walks_into_join(process, n, name))]

    def give_back(self, process: DeployedProcess, task_id: UUID, to_step: str, username: str) -> list[OpenStep]:
        """Return the open task's request to ``to_step`` as ``runtime.returns`` does (the graft, the mark).
        :raise ProcessError:"""
        self.steps_taken += 1
        if self.steps_taken > MAX_STEPS:
            raise ProcessError(f"more than {MAX_STEPS} steps: the case loops")
        task = self.workflow.get_task_from_id(task_id)
        name = step_name(task.task_spec)
        mark = {"from_step": name, "by": username, "reason": "simulated", "straight_back":
                rewind.goes_straight_back(process, name)}
        self.run_action(lambda: rewind.graft_return(self.workflow, task, to_step, mark))
        return self.advance()

    def waiting(self) -> bool:
        return any(t.id in self.handed_out for t in self.workflow.get_tasks(state=TaskState.READY, manual=True))

    def complete(self, task_id: UUID, username: str, form: dict[str, Any],
                 schema: dict[str, Any] | None = None) -> list[OpenStep]:
        """Submit ``form`` on a task as the engine does (a returned step going straight back to the step that
        returned it), and run on. :raise ProcessError:"""
        self.steps_taken += 1
        if self.steps_taken > MAX_STEPS:
            raise ProcessError(f"more than {MAX_STEPS} steps: the case loops")
        task = self.workflow.get_task_from_id(task_id)
        if task.state != TaskState.READY:  # closed meanwhile (a countersign round another vote ended)
            return []
        submitted = json.loads(json.dumps(form))
        name = step_name(task.task_spec)
        task.data[name] = submitted
        countersign.cast_vote(task, username, submitted)
        back_to = rewind.straight_back_to(task, schema or {}, submitted)
        if back_to is None:
            self.run_action(task.run)
        else:
            self.run_action(lambda: rewind.complete_straight_back(self.workflow, task, back_to))
        self.completed.add(name)
        return self.advance()

    @property
    def done(self) -> bool:
        return bool(self.workflow.is_completed())

    @property
    def data(self) -> dict[str, Any]:
        last = self.workflow.last_task
        return dict(last.data) if last is not None else {}

    @property
    def end_event(self) -> str:
        for task in self.workflow.get_tasks(state=TaskState.COMPLETED):
            if type(task.task_spec).__name__ == "EndEvent" and task.task_spec.bpmn_id:
                return str(task.task_spec.bpmn_id)
        return ""


def runner_action(runner: WorkflowRunner) -> Callable[[Callable[[], Any]], None]:
    """The engine's own turning of library failures into ``ProcessError``."""
    return runner.run_action
