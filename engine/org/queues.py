"""The team queue of a role (待领取): who may see and claim a step that nobody holds yet. A step of one unit
(``unitScope``, 同部门) is in the queue only of the role's holders in that unit or one below it.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, or_

from ..models import HumanTask
from .people import Actor


def in_queue(actor: Actor, lane: str, unit_scope: str | None) -> bool:
    """Whether a step of ``lane`` is in ``actor``'s team queue: they hold the role and, for a step of one unit
    (``unitScope``, 同部门), they belong to that unit or one below it."""
    return lane in actor.roles and (unit_scope is None or f",{actor.unit}," in unit_scope)


def queue_condition(actor: Actor, lane: str) -> ColumnElement[bool]:
    """``in_queue`` as a SQL condition on ``HumanTask`` (for one of the actor's roles)."""
    unit: ColumnElement[bool] = HumanTask.unit_scope.is_(None)
    if actor.unit:
        unit = or_(unit, HumanTask.unit_scope.contains(f",{actor.unit},", autoescape=True))
    return and_(HumanTask.lane == lane, unit)
