"""CC modelled in BPMN (抄送节点): a ``copyTo`` property on a user task or an end event names whom the request is
copied to when that step is completed or that end is reached.

Its value is a comma-separated list of role keys (everyone active holding the role), ``starter``, ``starter_manager``
(the starter's manager) or ``${data.path}`` (the username at a path of the instance's data, e.g.
``${start.employee}``). The people copied are told, may read the request and find it in "CC'd to me", as with a
copy made by hand (``engine.runtime.copies``); the deploy check refuses anything else.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.specs.mixins.events.end_event import EndEvent
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask

from ..org.unit_heads import DATA_PATH
from .problems import N_, Problem

COPY_PROPERTY = "copyTo"
RELATIONS = ("starter", "starter_manager")
MAX_TARGETS = 20


def copy_targets(task_spec: Any) -> tuple[str, ...]:
    """The targets a task spec's ``copyTo`` names, in order, without repeats (empty: none)."""
    extensions = getattr(task_spec, "extensions", None) or {}
    text = str((extensions.get("properties") or {}).get(COPY_PROPERTY, "") or "")
    return tuple(dict.fromkeys(item.strip() for item in text.split(",") if item.strip()))


def data_path(target: str) -> str | None:
    """The dotted path of a ``${...}`` target, or None for a role or a relation."""
    found = DATA_PATH.match(target)
    return found.group(1) if found else None


def copy_rule_problems(spec: Any, known_roles: set[str], relationship_roles: frozenset[str]) -> list[str]:
    """Every ``copyTo`` of ``spec`` that names something other than a role, a relation or a data path, or sits on
    an element that never copies (only user tasks and end events do)."""
    problems: list[str] = []
    for task_spec in spec.task_specs.values():
        targets = copy_targets(task_spec)
        if not targets:
            continue
        element = str(getattr(task_spec, "bpmn_id", None) or task_spec.name)
        if not isinstance(task_spec, UserTask | EndEvent):
            problems.append(Problem(N_("%(step)s: copyTo is read on user tasks and end events only"), element,
                                    step=element))
            continue
        if len(targets) > MAX_TARGETS:
            problems.append(Problem(N_("%(step)s: copyTo names more than %(limit)s targets"), element,
                                    step=element, limit=MAX_TARGETS))
        for target in targets:
            if target in RELATIONS or data_path(target):
                continue
            if target not in known_roles or target in relationship_roles:
                problems.append(Problem(N_("%(step)s: copyTo target %(target)r is not a role, starter, "
                                           "starter_manager or ${data.path}"), element, step=element,
                                        target=target))
    return problems
