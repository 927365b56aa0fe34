"""Steps for a role within one unit (同部门): a user task in a role's lane may say, with ``unitScope``, that only
the holders of the role in one unit (or a unit below it) may take it:

- ``starter_unit``: the unit of whoever started the request (e.g. a section's staff check their own section's
  reports);
- ``<unit key>``: that unit (``safety``);
- ``${data.path}``: the unit whose key the instance's data holds at that path (the section a hazard was given to).

Without it a step is for every holder of the role, as before. The deploy check refuses any other value, and a
scope on a relationship lane (whose task is already for one person).
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask

from ..org.unit_heads import DATA_PATH
from ..org.units import UNIT_KEY_PATTERN
from .countersign import step_name

PROPERTY = "unitScope"
STARTER_UNIT = "starter_unit"


def scope_of(task_spec: Any) -> str:
    """A task spec's ``unitScope`` ("" when it has none)."""
    extensions = getattr(task_spec, "extensions", None) or {}
    return str((extensions.get("properties") or {}).get(PROPERTY, "") or "").strip()


def unit_scopes(specs: tuple[Any, dict[str, Any]]) -> dict[str, str]:
    """Every user task of a deployed version that has a ``unitScope``, by step name."""
    spec, subprocesses = specs
    return {step_name(t): scope_of(t) for s in (spec, *subprocesses.values()) for t in s.task_specs.values()
            if isinstance(t, UserTask) and scope_of(t)}


def scope_data_path(scope: str) -> str | None:
    found = DATA_PATH.match(scope)
    return found.group(1) if found else None


def literal_unit(scope: str) -> str | None:
    """The unit a scope names by key (None for ``starter_unit`` and a data path)."""
    return scope if scope != STARTER_UNIT and UNIT_KEY_PATTERN.match(scope) else None


def scope_problem(scope: str) -> bool:
    """Whether a ``unitScope`` value is none of the three forms."""
    return bool(scope) and scope != STARTER_UNIT and not UNIT_KEY_PATTERN.match(scope) \
        and scope_data_path(scope) is None
