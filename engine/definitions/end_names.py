"""The names of a process's end events (how a request ended, in words): the BPMN name and the ``titleZh``
property, by the end event's id."""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.specs.mixins.events.end_event import EndEvent


def end_names(specs: tuple[Any, dict[str, Any]]) -> dict[str, tuple[str, str]]:
    """Each end event of a version: id -> (English name, Chinese name); "" where it has none."""
    spec, subprocesses = specs
    found: dict[str, tuple[str, str]] = {}
    for some_spec in (spec, *subprocesses.values()):
        for task_spec in some_spec.task_specs.values():
            bpmn_id = getattr(task_spec, "bpmn_id", None)
            if not isinstance(task_spec, EndEvent) or not bpmn_id:
                continue
            extensions = getattr(task_spec, "extensions", None) or {}
            chinese = str((extensions.get("properties") or {}).get("titleZh", "") or "")
            found[str(bpmn_id)] = (str(getattr(task_spec, "bpmn_name", None) or ""), chinese)
    return found
