"""Separation of duties at run time: a step with ``notCompletedBy="<other step>"`` refuses whoever completed the
other step of the same instance, when they claim it, are given it or complete it; the task stays open for
someone else (``engine.definitions.separation`` reads and checks the property at deploy).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..definitions.catalog import DeployedProcess
from ..definitions.separation import excluded_step_of
from ..errors import SeparationOfDuties
from ..models import HistoryEvent, HumanTask
from ..org.people import Actor


def last_completer(session: Session, instance_id: int, step: str) -> int | None:
    """Who completed ``step`` of the instance last (None: nobody yet)."""
    return session.scalar(select(HumanTask.completed_by_id).where(
        HumanTask.instance_id == instance_id, HumanTask.name == step, HumanTask.state == "completed")
        .order_by(HumanTask.completed_at.desc(), HumanTask.id.desc()).limit(1))


def require_other_person(session: Session, process: DeployedProcess, person: Actor, task: HumanTask) -> None:
    """:raise SeparationOfDuties: ``person`` completed the step ``task``'s step is kept apart from (the
    latest completion of it: the work this step checks)."""
    other = excluded_step_of(process.specs, task.name)
    if not other or person.is_operator or last_completer(session, task.instance_id, other) != person.id:
        return
    if overridden(session, task):
        return  # someone with the override right allowed it for this task, with a reason (on the history)
    mine, theirs = process.tasks.get(task.name), process.tasks.get(other)
    raise SeparationOfDuties(
        person.username, person.display_name, task.id,
        (task.name, mine.title if mine else task.name, mine.title_zh if mine else ""),
        (other, theirs.title if theirs else other, theirs.title_zh if theirs else ""))


OVERRIDDEN = "separation_overridden"


def overridden(session: Session, task: HumanTask) -> bool:
    """Whether the separation rule of ``task`` was overridden for it (``engine.runtime.sod_override``)."""
    return session.scalar(select(HistoryEvent.id).where(
        HistoryEvent.instance_id == task.instance_id, HistoryEvent.human_task_id == task.id,
        HistoryEvent.kind == OVERRIDDEN).limit(1)) is not None
