"""The copies a model makes (抄送节点, ``copyTo`` on a user task or an end event; ``engine.definitions.copy_rules``).

When a step with ``copyTo`` is completed, or the instance ends at an end event with it, the people it names are
copied in the same transaction as the step: a row each in ``instance_copy`` (someone already copied is left as
they are), one ``instance_copied`` event saying which element copied them, and one notification. That is two
statements (whom to copy, the copies); a step without ``copyTo`` makes none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, insert, or_, select
from sqlalchemy.orm import Session

from ..definitions.catalog import DeployedProcess
from ..definitions.copy_rules import copy_targets, data_path
from ..history.log import PendingEvent
from ..models import InstanceCopy, ProcessInstance, User, UserRole
from . import outbox
from .execution import StepResult
from .placeholders import resolve
from .step_plan import end_label, step_label


@dataclass(frozen=True)
class ModelledCopy:
    event: PendingEvent
    message: outbox.Message


def copy_points(process: DeployedProcess, run: StepResult, completed_task: str | None) -> list[tuple[str, str]]:
    """(element id, label) of the elements with ``copyTo`` this run passed: the completed step, the end reached."""
    specs = process.specs[0].task_specs
    points = []
    if completed_task and copy_targets(specs.get(completed_task)):
        points.append((completed_task, step_label(process, completed_task)))
    if run.status == "completed" and run.end_event and copy_targets(specs.get(run.end_event)):
        points.append((run.end_event, end_label(process, run.end_event)))
    return points


_INSERT_COPIES = insert(InstanceCopy.__table__)  # type: ignore[arg-type]  # Core, built once


def make_copies(
    session: Session, process: DeployedProcess, run: StepResult, completed_task: str | None,
    instance: ProcessInstance, title: str, now: datetime,
) -> list[ModelledCopy]:
    """Copy the instance to whom the elements passed name; the events and notifications to write with the step."""
    made = []
    for element, label in copy_points(process, run, completed_task):
        new = _people_not_yet_copied(session, copy_targets(process.specs[0].task_specs[element]), run, instance)
        if not new:
            continue
        session.execute(_INSERT_COPIES, [
            {"instance_id": instance.id, "user_id": uid, "copied_by": process.key, "note": "", "created_at": now,
             "read_at": None} for uid in new.values()])
        made.append(ModelledCopy(
            PendingEvent("instance_copied", None, element, payload={"copied_to": sorted(new), "by_model": element}),
            outbox.Message(sorted(new.values()), "copied", f"抄送 CC: {label} — {title}", instance_id=instance.id)))
    return made


def _people_not_yet_copied(session: Session, targets: tuple[str, ...], run: StepResult,
                           instance: ProcessInstance) -> dict[str, int]:
    """The active people the targets name who have no copy of the instance yet: username -> id (one query)."""
    users = User.__table__.c
    roles = [t for t in targets if t not in ("starter", "starter_manager") and not data_path(t)]
    names = [resolve(run.data, path) for t in targets if (path := data_path(t))]
    conditions: list[ColumnElement[bool]] = []
    if roles:
        conditions.append(users.id.in_(select(UserRole.user_id).where(UserRole.role_key.in_(roles))))
    if names:
        conditions.append(users.username.in_([n for n in names if n]))
    if "starter" in targets:
        conditions.append(users.id == instance.started_by_id)
    if "starter_manager" in targets:
        conditions.append(users.id == select(User.reports_to_id).where(User.id == instance.started_by_id)
                          .scalar_subquery())
    if not conditions:
        return {}
    return {name: uid for uid, name in session.execute(
        select(users.id, users.username).where(
            users.active.is_(True), or_(*conditions),
            ~select(InstanceCopy.id).where(InstanceCopy.instance_id == instance.id,
                                           InstanceCopy.user_id == users.id).exists())
        .order_by(users.id))}
