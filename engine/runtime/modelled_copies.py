"""The copies a model makes (抄送节点, ``copyTo`` on a user task or an end event; ``engine.definitions.copy_rules``).

When a step with ``copyTo`` is completed, or the instance ends at an end event with it, the people it names are
copied in the same transaction as the step: a row each in ``instance_copy`` (someone already copied is left as
they are), one ``instance_copied`` event saying which element copied them, and one notification. That is two
statements (whom to copy, the copies); a step without ``copyTo`` makes none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, bindparam, or_, select
from sqlalchemy.orm import Session

from ..definitions.catalog import DeployedProcess
from ..definitions.copy_rules import RELATIONS, copy_targets, data_path
from ..driver_sql import DriverStatement, row_insert, write_rows
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


_INSERT_COPIES = row_insert(InstanceCopy.__table__, (  # type: ignore[arg-type]
    "instance_id", "user_id", "copied_by", "note", "created_at", "read_at"))


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
        write_rows(session, _INSERT_COPIES, [
            {"instance_id": instance.id, "user_id": uid, "copied_by": process.key, "note": "", "created_at": now,
             "read_at": None} for uid in new.values()])
        made.append(ModelledCopy(
            PendingEvent("instance_copied", None, element, payload={"copied_to": sorted(new), "by_model": element}),
            outbox.Message(sorted(new.values()), "copied", f"抄送 CC: {label} — {title}", instance_id=instance.id)))
    return made


def _people_not_yet_copied(session: Session, targets: tuple[str, ...], run: StepResult,
                           instance: ProcessInstance) -> dict[str, int]:
    """The active people the targets name who have no copy of the instance yet: username -> id (one query)."""
    roles = [t for t in targets if t not in RELATIONS and not data_path(t)]
    names = [name for t in targets if (path := data_path(t)) and (name := resolve(run.data, path))]
    starter, manager = "starter" in targets, "starter_manager" in targets
    if not (roles or names or starter or manager):
        return {}
    params: dict[str, Any] = {f"b_role{i}": role for i, role in enumerate(roles)}
    params.update({f"b_name{i}": name for i, name in enumerate(names)})
    params.update(b_instance=instance.id, b_starter=instance.started_by_id)
    statement = _not_yet_copied(len(roles), len(names), starter, manager)
    return {name: uid for uid, name in statement.run(session, params).rows}


@lru_cache(maxsize=64)
def _not_yet_copied(roles: int, names: int, starter: bool, manager: bool) -> DriverStatement:
    """The statement of ``_people_not_yet_copied`` for targets of one shape (how many roles and names, which
    relations), built once: building it anew each time cost more than running it. One bound value per role and
    name (``b_role0``..., ``b_name0``...), not an expanding IN, which is rendered again at each execution."""
    users = User.__table__.c
    conditions: list[ColumnElement[bool]] = []
    if roles:
        role_keys = UserRole.__table__.c
        conditions.append(users.id.in_(select(role_keys.user_id).where(
            role_keys.role_key.in_([bindparam(f"b_role{i}") for i in range(roles)]))))
    if names:
        conditions.append(users.username.in_([bindparam(f"b_name{i}") for i in range(names)]))
    if starter:
        conditions.append(users.id == bindparam("b_starter"))
    if manager:
        conditions.append(users.id == select(users.reports_to_id).where(users.id == bindparam("b_starter"))
                          .correlate(None).scalar_subquery())
    copies = InstanceCopy.__table__.c
    return DriverStatement(select(users.id, users.username)
                           .where(users.active.is_(True), or_(*conditions),
                                  ~select(copies.id).where(copies.instance_id == bindparam("b_instance"),
                                                           copies.user_id == users.id).exists())
                           .order_by(users.id))
