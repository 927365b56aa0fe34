"""Separation of duties at run time: a step with ``notCompletedBy="<other step>[,…][,starter]"`` refuses whoever
completed one of the other steps of the same instance (or started it), when they claim it, are given it or
complete it; the task stays open for someone else (``engine.definitions.separation`` reads and checks the
property at deploy).
"""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from ..definitions.catalog import DeployedProcess
from ..definitions.separation import STARTER, excluded_step_of, split_rule
from ..driver_sql import DriverStatement
from ..errors import SeparationOfDuties
from ..models import HistoryEvent, HumanTask, ProcessInstance
from ..org.people import Actor


def last_completer(session: Session, instance_id: int, step: str) -> int | None:
    """Who completed ``step`` of the instance last (None: nobody yet)."""
    rows = _LAST_COMPLETER.run(session, {"b_instance": instance_id, "b_step": step}).rows
    return rows[0][0] if rows else None


_LAST_COMPLETER = DriverStatement(select(HumanTask.completed_by_id).where(  # a guarded step's every move asks it
    HumanTask.instance_id == bindparam("b_instance"), HumanTask.name == bindparam("b_step"),
    HumanTask.state == "completed").order_by(HumanTask.completed_at.desc(), HumanTask.id.desc()).limit(1))


STARTED = ("Start the request", "发起申请")  # the titles of ``starter`` in a refusal


def kept_away(session: Session, instance_id: int, name: str) -> int | None:
    """Who a ``notCompletedBy`` name keeps away: the latest completer of that step (the work this step checks),
    or for ``starter`` whoever started the request (None: nobody yet)."""
    if name == STARTER:
        return session.scalar(select(ProcessInstance.started_by_id).where(ProcessInstance.id == instance_id))
    return last_completer(session, instance_id, name)


def require_other_person(session: Session, process: DeployedProcess, person: Actor, task: HumanTask) -> None:
    """:raise SeparationOfDuties: ``person`` completed a step ``task``'s step is kept apart from, or started the
    request when the rule names ``starter``."""
    rule = excluded_step_of(process.specs, task.name)
    if not rule or person.is_operator:
        return
    other = next((name for name in split_rule(rule) if kept_away(session, task.instance_id, name) == person.id), None)
    if other is None or overridden(session, task):
        return  # nobody kept away, or someone with the override right allowed it for this task, with a reason
    mine, theirs = process.tasks.get(task.name), process.tasks.get(other)
    other_titles = STARTED if other == STARTER else (theirs.title, theirs.title_zh) if theirs else (other, "")
    raise SeparationOfDuties(
        person.username, person.display_name, task.id,
        (task.name, mine.title if mine else task.name, mine.title_zh if mine else ""), (other, *other_titles))


def kept_from_step(session: Session, process: DeployedProcess, step: str, instance_id: int, person_id: int,
                   done_now: set[str]) -> bool:
    """Whether ``step``'s rule keeps ``person_id`` away: they started the request, completed a step it names, or
    are completing one of ``done_now`` in this very transaction (the same-approver pass asks this)."""
    return any(name in done_now or kept_away(session, instance_id, name) == person_id
               for name in split_rule(excluded_step_of(process.specs, step)))


OVERRIDDEN = "separation_overridden"
REFUSED = "separation_refused"  # an attempt the rule refused, put on the record after it (``Core.record_refusal``)


def overridden(session: Session, task: HumanTask) -> bool:
    """Whether the separation rule of ``task`` was overridden for it (``engine.runtime.sod_override``)."""
    return session.scalar(select(HistoryEvent.id).where(
        HistoryEvent.instance_id == task.instance_id, HistoryEvent.human_task_id == task.id,
        HistoryEvent.kind == OVERRIDDEN).limit(1)) is not None
