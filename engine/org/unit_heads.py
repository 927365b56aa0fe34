"""Steps for the head of a unit (部门负责人): the ``assignee`` of a user task in a relationship lane may name a unit's
head instead of a data path.

- ``starter_unit_head``: the head of the unit of whoever started the request (when the starter heads it, the
  head of the unit above, so that no one approves their own request as their own head);
- ``unit_head:<unit key>``: the head of that unit (``unit_head:safety``);
- ``unit_head:${data.path}``: the head of the unit whose key the instance's data holds at that path (e.g. the
  section a hazard was given to).

A unit with no active head passes the step to the nearest unit above that has one; a unit that does not exist,
or a tree with no head above, stops the step with a clear error (``UnitHeadMissing``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import ProcessError
from ..models import OrgUnit, User
from .units import UNIT_KEY_PATTERN

STARTER_UNIT_HEAD = "starter_unit_head"
PREFIX = "unit_head:"
# ``${data.path}``: a dotted path into an instance's data (the models' other references use the same form)
DATA_PATH = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\}$")


@dataclass(frozen=True, slots=True)
class UnitHeadRule:
    """Which unit's head an ``assignee`` names: the starter's, a unit by key, or one by a data path."""

    of_starter: bool = False
    unit_key: str = ""
    data_path: str = ""


class UnitHeadMissing(ProcessError):
    """No head to give the step to: the unit does not exist, or neither it nor a unit above has an active head."""


def unit_head_rule(assignee: str) -> UnitHeadRule | None:
    """The rule an ``assignee`` value states, or None when it is a plain data path (or malformed: see
    ``unit_head_problem``)."""
    if assignee == STARTER_UNIT_HEAD:
        return UnitHeadRule(of_starter=True)
    if not assignee.startswith(PREFIX):
        return None
    target = assignee[len(PREFIX):].strip()
    path = DATA_PATH.match(target)
    if path:
        return UnitHeadRule(data_path=path.group(1))
    return UnitHeadRule(unit_key=target) if UNIT_KEY_PATTERN.match(target) else None


def unit_head_problem(assignee: str, known_units: Iterable[str] | None = None) -> str | None:
    """Why an ``assignee`` that starts like a unit rule cannot be used (English; None if fine or no such rule).
    With ``known_units``, a named unit must be one of them."""
    if assignee != STARTER_UNIT_HEAD and not assignee.startswith(PREFIX):
        return None
    rule = unit_head_rule(assignee)
    if rule is None:
        return (f"assignee {assignee!r} must be starter_unit_head, unit_head:<unit key> or "
                "unit_head:${data.path}")
    if rule.unit_key and known_units is not None and rule.unit_key not in set(known_units):
        return f"assignee {assignee!r} names a unit that does not exist"
    return None


def unit_head_usernames(session: Session, wanted: dict[str, tuple[UnitHeadRule, dict[str, Any]]],
                        starter_id: int) -> dict[str, str]:
    """For each key of ``wanted`` (a task), the username of the head its rule names, given the instance's data.
    One read of the units and one of the people involved. :raise UnitHeadMissing:"""
    if not wanted:
        return {}
    units = {key: (parent, head) for key, parent, head in session.execute(
        select(OrgUnit.key, OrgUnit.parent_key, OrgUnit.head_id))}
    starter_unit = session.scalar(select(User.unit_key).where(User.id == starter_id))
    heads = {head for _, head in units.values() if head is not None}
    people = {uid: (name, active) for uid, name, active in session.execute(
        select(User.id, User.username, User.active).where(User.id.in_(sorted(heads))))} if heads else {}
    found: dict[str, str] = {}
    for task, (rule, data) in wanted.items():
        if rule.of_starter:
            start = starter_unit or ""
            skip = starter_id
        else:
            start = rule.unit_key or _at_path(data, rule.data_path)
            skip = None
        found[task] = _nearest_head(units, people, start, skip, rule)
    return found


def _at_path(data: dict[str, Any], path: str) -> str:
    value: Any = data
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value if isinstance(value, str) else ""


def _nearest_head(units: dict[str, tuple[str | None, int | None]], people: dict[int, tuple[str, bool]],
                  start: str, skip: int | None, rule: UnitHeadRule) -> str:
    if start not in units:
        what = "the starter's unit" if rule.of_starter else f"unit {start!r}" if start else \
            f"the unit at {rule.data_path!r}"
        raise UnitHeadMissing(f"the step is for the head of {what}, which is not a unit of the organisation")
    key: str | None = start
    seen: set[str] = set()
    while key is not None and key not in seen:
        seen.add(key)
        parent, head = units[key]
        if head is not None and head != skip and people.get(head, ("", False))[1]:
            return people[head][0]
        key = parent if parent in units else None
    raise UnitHeadMissing(f"the step is for the head of unit {start!r}, but neither it nor a unit above it has an "
                          "active head: an administrator should give the unit a head")
