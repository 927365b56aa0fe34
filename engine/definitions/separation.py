"""Separation of duties (不相容职责分离) on a user task: ``notCompletedBy="<other step id>"`` says that whoever
completed the other step of the same instance may not claim, take or complete this one (the re-inspection of a
hazard is not done by the person who rectified it). The value may list several steps, comma separated, and
``starter``: whoever started the request (the starter may not sign off their own request). Read here from the
deployed spec; the deploy check refuses a value that names no other user task of the same process. The runtime
rule is ``engine.runtime.separation``.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask

from .countersign import is_round_spec, step_name
from .problems import N_, Problem

SEPARATION_PROPERTY = "notCompletedBy"
STARTER = "starter"  # in a notCompletedBy list: whoever started the request


def excluded_step(task_spec: Any) -> str:
    """The rule of ``task_spec`` as written: the steps (and ``starter``) whose doers may not do it, comma
    separated ('' when the task names none)."""
    extensions = getattr(task_spec, "extensions", None) or {}
    return ",".join(split_rule(str((extensions.get("properties") or {}).get(SEPARATION_PROPERTY, "") or "")))


def split_rule(rule: str) -> list[str]:
    """The names of a ``notCompletedBy`` value, in order, without blanks or repeats."""
    names: list[str] = []
    for name in (part.strip() for part in rule.split(",")):
        if name and name not in names:
            names.append(name)
    return names


def separation_problems(spec: Any) -> list[str]:
    """Every ``notCompletedBy`` of ``spec`` that does not name another user task of the same (sub)process, or
    sits on something other than a plain user task."""
    steps = {step_name(t) for t in spec.task_specs.values() if isinstance(t, UserTask)}
    problems: list[str] = []
    for task_spec in spec.task_specs.values():
        other = excluded_step(task_spec)
        if not other:
            continue
        element = str(getattr(task_spec, "bpmn_id", None) or task_spec.name)
        if not isinstance(task_spec, UserTask) or is_round_spec(task_spec):
            problems.append(Problem(N_("%(step)s: notCompletedBy is read on plain user tasks only (not on a "
                                       "countersign)"), element, step=element))
            continue
        for name in split_rule(other):
            if name != STARTER and (name == step_name(task_spec) or name not in steps):
                problems.append(Problem(N_("user task %(step)r: notCompletedBy %(other)r must name other user tasks "
                                           "of the same process, or starter"), element, step=element, other=name))
    return problems


def excluded_step_of(specs: Any, name: str) -> str:
    """The ``notCompletedBy`` of the user task ``name`` in a deployed version's spec bundle, as written ('' for
    none; ``split_rule`` gives its names)."""
    spec, subprocess_specs = specs
    for some_spec in (spec, *subprocess_specs.values()):
        task_spec = some_spec.task_specs.get(name)
        if task_spec is not None and isinstance(task_spec, UserTask):
            return excluded_step(task_spec)
    return ""
