"""The org chart (``/admin/org-chart``): the units as a tree, each with its head and people, and the reporting
lines as a tree of people; nested lists, readable on a phone."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import render_template
from flask.typing import ResponseReturnValue

from engine.org.views import DirectoryPerson, UnitView

from .shared import Names
from .views import blueprint


@dataclass
class UnitNode:
    unit: UnitView
    people: list[DirectoryPerson]  # its active people, the head first
    units: list[UnitNode] = field(default_factory=list)


@dataclass
class PersonNode:
    person: DirectoryPerson
    reports: list[PersonNode] = field(default_factory=list)


def unit_tree(units: list[UnitView], active: list[DirectoryPerson]) -> list[UnitNode]:
    """The units (listed parents first) as nested nodes, each with its people."""
    nodes: dict[str, UnitNode] = {}
    tops: list[UnitNode] = []
    for unit in units:
        members = sorted((p for p in active if p.unit == unit.key), key=lambda p: (p.username != unit.head, p.username))
        node = nodes[unit.key] = UnitNode(unit, members)
        parent = nodes.get(unit.parent or "")
        (parent.units if parent else tops).append(node)
    return tops


def reporting_tree(active: list[DirectoryPerson]) -> list[PersonNode]:
    """Active people under whom they report; those reporting to nobody (active) at the top."""
    nodes = {p.username: PersonNode(p) for p in active}
    tops: list[PersonNode] = []
    for person in active:
        manager = nodes.get(person.reports_to or "")
        (manager.reports if manager else tops).append(nodes[person.username])
    return tops


@blueprint.get("/org-chart")
def org_chart() -> ResponseReturnValue:
    """Draw the units with their heads and people, and the reporting lines."""
    names = Names()
    active = names.active_people()
    return render_template("people/chart.html", names=names, units=unit_tree(names.units, active),
                           lines=reporting_tree(active), no_unit=[p for p in active if not p.unit])
