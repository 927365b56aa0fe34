"""Which task controls to offer: who the signed-in manager could assign a task to, whom they lead.

Only a matter of which buttons to show: the engine decides every claim, release and
assignment itself (and refuses those it does not allow).
"""

from __future__ import annotations

from typing import cast

from flask import g

from engine.org.views import DirectoryPerson
from engine.runtime.views import OpenTask

from ..context import people


def reports_of(manager: str) -> set[str]:
    """Everyone below ``manager`` in the reporting lines (direct and indirect), worked out once per request."""
    known = cast(dict[str, set[str]], g.setdefault("opsflow_reports", {}))
    if manager not in known:
        known[manager] = _reports_of(manager)
    return known[manager]


def _reports_of(manager: str) -> set[str]:
    below: dict[str, list[str]] = {}
    for person in people().values():
        if person.reports_to:
            below.setdefault(person.reports_to, []).append(person.username)
    found: set[str] = set()
    todo = list(below.get(manager, []))
    while todo:
        name = todo.pop()
        if name not in found and name != manager:
            found.add(name)
            todo.extend(below.get(name, []))
    return found


def candidates(role: str, holder: str | None, manager: str) -> list[DirectoryPerson]:
    """Whom ``manager`` could give an open step of ``role`` to: people reporting to them who have the role
    (but its ``holder``)."""
    return [p for p in _with_role(manager, role) if p.username != holder]


def _with_role(manager: str, role: str) -> list[DirectoryPerson]:
    """Those below ``manager`` who hold ``role`` (once per request and role: a list has many rows of one role)."""
    known = cast(dict[tuple[str, str], list[DirectoryPerson]], g.setdefault("opsflow_with_role", {}))
    if (manager, role) not in known:
        team = reports_of(manager)
        known[(manager, role)] = [p for p in people().values()
                                  if p.username in team and p.active and role in p.roles]
    return known[(manager, role)]


def may_offer_release(step: OpenTask, me: str) -> bool:
    """The holder, or someone they report to, may give an open step back to the team (if a team can take it)."""
    holder = step["assignee"]
    return bool(holder) and step["releasable"] and (holder == me or holder in reports_of(me))


def roles_of(me: str) -> list[str]:
    person = people().get(me)
    return list(person.roles) if person else []
