"""Route preview (流程预测): what would happen to this request, by running the real model on a copy.

The start form (and, for "what if", fields of later steps such as ``budget_cny``) is given; every user
task that becomes ready is completed with an assumed form: the given fields, else the answer people gave
most often at that step, else the form's default. Who would handle each step is worked out by the
engine's own routing (``engine.runtime.step_plan``); the expected time comes from the fitted history.
Nothing is stored.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..definitions.catalog import DeployedProcess
from ..definitions.countersign import step_name
from ..errors import InvalidInput
from ..models import User
from ..runtime import countersign
from ..runtime.collaborators import Collaborators
from ..runtime.execution import ReadyTask, StepResult, json_safe
from ..runtime.step_plan import plan_tasks
from .model import default_form
from .worktime import OfficeHours

MAX_PREVIEW_STEPS = 40
MAX_NAMED = 5  # people named for a step offered to a role


@dataclass
class PreviewStep:
    step: str
    title: str
    title_zh: str
    role: str
    people: list[str]  # the person it is for, or the role's holders (the first MAX_NAMED)
    person: bool  # whether it goes to one person (not offered to a role)
    expected_hours: float  # waiting and working, from the fitted history (elapsed hours)
    expected_done: str  # ISO time


@dataclass
class WhatIfField:
    """A number a later step asks for (e.g. the budget), which a preview may assume."""

    step: str
    name: str
    title: str
    title_zh: str


@dataclass
class RoutePreview:
    key: str
    version: int
    steps: list[PreviewStep]
    end_event: str
    assumed: dict[str, dict[str, Any]]  # step -> the form assumed for it
    expected_hours: float
    expected_done: str
    complete: bool  # False when the preview stopped (too many steps)
    fitted_from: int  # instances of the history the times come from
    what_if: list[WhatIfField] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def what_if_fields(process: DeployedProcess) -> list[WhatIfField]:
    """The number fields of the process's steps, in flow order (what a requester may assume)."""
    fields = []
    for task in process.tasks.values():
        for name, spec in (task.schema or {}).get("properties", {}).items():
            if isinstance(spec, dict) and spec.get("type") in ("number", "integer"):
                fields.append(WhatIfField(task.name, name, str(spec.get("title", name)),
                                          str(spec.get("x-title-zh", ""))))
    return fields


def typical_answers(history: dict[str, list[dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    """Per step, the answer people gave most often to each field (counted once per fit, not per preview)."""
    typical: dict[str, dict[str, Any]] = {}
    for step, forms in history.items():
        counts: dict[str, Counter[str]] = {}
        for form in forms:
            for name, value in form.items():
                counts.setdefault(name, Counter())[json.dumps(value, sort_keys=True)] += 1
        typical[step] = {name: json.loads(found.most_common(1)[0][0]) for name, found in counts.items()}
    return typical


def assumed_form(schema: dict[str, Any] | None, step: str, given: dict[str, Any],
                 typical: dict[str, Any]) -> dict[str, Any]:
    """A step's form: the given fields (flat, or under the step's name), else the most frequent answer in
    history (``typical``: the step's, from ``typical_answers``), else the form's default."""
    form = default_form(schema)
    found_nested = given.get(step)
    nested: dict[str, Any] = found_nested if isinstance(found_nested, dict) else {}
    for name in list(form):
        if name in nested:
            form[name] = nested[name]
        elif name in given and not isinstance(given.get(name), dict):
            form[name] = given[name]
        elif name in typical:
            form[name] = typical[name]
    return form


@dataclass
class Timing:
    """Median waiting (elapsed hours) and working (office hours) per step, from the fitted history."""

    waiting: dict[str, float]
    working: dict[str, float]
    office: OfficeHours
    instances: int = 0

    def after(self, start: datetime, steps: list[str]) -> datetime:
        """When a wave of steps opened together at ``start`` is done (the slowest of them)."""
        ends = [self.office.add(start + timedelta(hours=self.waiting.get(s, 0.0)), self.working.get(s, 4.0))
                for s in steps]
        return max(ends) if ends else start


def _usernames(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(session.execute(select(User.id, User.username).where(User.id.in_(sorted(ids)))).tuples().all())


def preview_route(
    session: Session, collaborators: Collaborators, process: DeployedProcess, workflow: BpmnWorkflow, starter_id: int,
    given: dict[str, Any], typical: dict[str, dict[str, Any]], timing: Timing, now: datetime,
    actor: str, skip_ready: bool = False,
) -> RoutePreview:
    """Run ``workflow`` (a copy: a new case, or an instance's loaded state) to its end with assumed forms.

    ``skip_ready``: the tasks ready now are listed first (an instance's "what happens next").
    :raise ProcessError: the model fails on the assumed data (the message says where).
    """
    if not isinstance(given, dict):
        raise InvalidInput("preview: the data must be a JSON object of form fields")
    runner = collaborators.runner
    steps: list[PreviewStep] = []
    assumed: dict[str, dict[str, Any]] = {}
    moment = now
    before = runner.snapshot(workflow) if not skip_ready else {}
    run = runner.advance(workflow, before, {}, actor)
    if skip_ready:  # an instance: its ready tasks are the first wave
        ready = workflow.get_tasks(state=TaskState.READY, manual=True)
        run.new_tasks = [ReadyTask(str(t.id), step_name(t.task_spec), t.task_spec.lane or "",
                                   *countersign.place_of(t)) for t in ready]
    complete = True
    for _ in range(MAX_PREVIEW_STEPS):
        if not run.new_tasks:
            break
        moment = _list_wave(session, collaborators, process, run, starter_id, timing, moment, steps)
        before = runner.snapshot(workflow)
        before_data = dict(run.data)
        for ready in run.new_tasks:
            task = workflow.get_task_from_id(UUID(ready.spiff_id))
            form_spec = process.tasks.get(ready.name)
            form = assumed_form(form_spec.schema if form_spec else None, ready.name, given,
                                typical.get(ready.name, {}))
            assumed.setdefault(ready.name, form)
            task.data[ready.name] = json_safe(form)
            countersign.cast_vote(task, ready.member or actor, form)
            runner.run_action(task.run)
        run = runner.advance(workflow, before, before_data, actor)
    else:
        complete = False
    return RoutePreview(key=process.key, version=process.version, steps=steps, end_event=run.end_event or "",
                        assumed=assumed, expected_hours=round((moment - now).total_seconds() / 3600, 1),
                        expected_done=moment.isoformat(), complete=complete and run.status == "completed",
                        fitted_from=timing.instances, what_if=what_if_fields(process))


def _list_wave(session: Session, collaborators: Collaborators, process: DeployedProcess, run: StepResult,
               starter_id: int, timing: Timing, start: datetime, steps: list[PreviewStep]) -> datetime:
    """Add the wave's steps with who would take them; when the wave would be done."""
    plan = plan_tasks(session, collaborators, process, [run], start, starter_id)[0]
    ids = set(plan.assignees.values()) | {uid for holders in plan.holders.values() for uid in holders[:MAX_NAMED]}
    names = _usernames(session, ids)
    done = timing.after(start, [t.name for t in run.new_tasks])
    for ready in run.new_tasks:
        form = process.tasks.get(ready.name)
        if ready.spiff_id in plan.assignees:
            people, person = [names.get(plan.assignees[ready.spiff_id], "")], True
        else:
            holders = plan.scoped_holders.get(ready.spiff_id, plan.holders.get(ready.lane, []))
            people, person = [names[h] for h in holders[:MAX_NAMED] if h in names], False
        one = timing.after(start, [ready.name])
        steps.append(PreviewStep(ready.name, form.title if form else ready.name, form.title_zh if form else "",
                                 ready.lane, people, person, round((one - start).total_seconds() / 3600, 1),
                                 one.isoformat()))
    return done

