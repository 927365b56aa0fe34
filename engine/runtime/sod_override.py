"""Overriding separation of duties (不相容职责分离的例外审批): someone with the override right lets one open task
be done by the person its rule keeps away from it (e.g. a section of one, where the drafter must also review),
with a reason; the override is an event on the request's history, and the auditors' SoD report lists it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from ..definitions.separation import excluded_step_of, split_rule
from ..errors import Conflict, InvalidInput, OwnSeparationRule
from ..history.log import PendingEvent
from ..org.people import Actor
from ..org.rights import Right, require
from ..text_input import checked_reason
from .collaborators import Collaborators
from .separation import OVERRIDDEN, kept_away, overridden
from .step_writer import Step, write_step
from .task_loading import load_task
from .views import SeparationOverridden

MAX_REASON = 1000


def override_separation(session: Session, collaborators: Collaborators, actor: Actor, task_id: int, reason: str,
                        now: datetime) -> SeparationOverridden:
    """Allow task ``task_id`` to be done despite its ``notCompletedBy`` rule. :raise NotAllowed: without the
    override right, or kept away by the rule oneself. :raise TaskNotFound: :raise Conflict: not open, or
    overridden already. :raise InvalidInput: a step without such a rule, or no reason."""
    require(actor, Right.OVERRIDE_SEPARATION, "override separation of duties")
    task, instance = load_task(session, task_id)
    if task.state != "open":
        raise Conflict(f"task {task.id} is {task.state}: only an open task's rule can be overridden")
    process = collaborators.catalog.get(session, instance.definition_id)
    other = excluded_step_of(process.specs, task.name)
    if not other:
        raise InvalidInput(f"step {task.name!r} has no separation-of-duties rule to override")
    if overridden(session, task):
        raise Conflict(f"the separation rule of task {task.id} is overridden already")
    why = checked_reason(reason, "override separation of duties", MAX_REASON)
    kept = [someone for name in split_rule(other) if (someone := kept_away(session, task.instance_id, name))]
    if actor.id in kept:
        raise OwnSeparationRule(f"{actor.username} is kept away from task {task.id} by its rule, so may not "
                                "override it: someone else with the override right must")
    person = kept[0] if kept else None
    payload = {"rule": f"notCompletedBy={other}", "other_step": other, "reason": why,
               "allowed_user_id": person}
    write_step(session, collaborators, Step(instance, [PendingEvent(OVERRIDDEN, actor.username, task.name, task.id,
                                                                    payload=payload)]), now)
    return SeparationOverridden(task_id=task.id, instance_id=instance.id, step=task.name, other_step=other,
                                reason=why, by=actor.username)
