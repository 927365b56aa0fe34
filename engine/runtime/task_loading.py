"""Loading the task a use case acts on, with its instance, as plain entities read on the driver: the ORM's loading
of the two rows cost more than the database spends reading them, and a use case changes them by statements only
(``engine.runtime.step_writer``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Table, bindparam, select
from sqlalchemy.orm import Session

from ..driver_sql import DriverStatement, PlainEntity
from ..errors import TaskNotFound
from ..models import HumanTask, ProcessInstance

TASK_TABLE: Table = HumanTask.__table__  # type: ignore[assignment]
INSTANCE_TABLE: Table = ProcessInstance.__table__  # type: ignore[assignment]
TASK_READ, INSTANCE_READ = PlainEntity(HumanTask), PlainEntity(ProcessInstance)


def task_and_instance(*more: ColumnElement[Any]) -> DriverStatement:
    """The statement reading a task (``b_id``) with its instance, and ``more`` after them."""
    return DriverStatement(select(*TASK_READ.columns, *INSTANCE_READ.columns, *more)
                           .join(INSTANCE_TABLE, INSTANCE_TABLE.c.id == TASK_TABLE.c.instance_id)
                           .where(TASK_TABLE.c.id == bindparam("b_id")))


def read_task(session: Session, statement: DriverStatement, task_id: int,
              ) -> tuple[HumanTask, ProcessInstance, tuple[Any, ...]] | None:
    """A task and its instance read by a ``task_and_instance`` statement, and its ``more`` values (None: no task)."""
    rows = statement.run(session, {"b_id": task_id}).rows
    if not rows:
        return None
    row, dialect = rows[0], session.get_bind().dialect
    split = len(TASK_READ.columns)
    end = split + len(INSTANCE_READ.columns)
    return TASK_READ.build(dialect, row[:split]), INSTANCE_READ.build(dialect, row[split:end]), row[end:]


_TASK_AND_INSTANCE = task_and_instance()


def load_task(session: Session, task_id: int) -> tuple[HumanTask, ProcessInstance]:
    """:raise TaskNotFound:"""
    found = read_task(session, _TASK_AND_INSTANCE, task_id)
    if found is None:
        raise TaskNotFound(task_id)
    return found[0], found[1]
