"""Saving one step of an instance: task rows, history and the versioned instance row.

Every write of a use case goes through ``save_step`` so that the order of statements, and
so the conflict rules, are the same everywhere:

1. new human tasks are inserted (their ids go into the history events);
2. tasks that are no longer ready are closed;
3. the instance row is updated ``WHERE version = <the version read>``: zero rows means
   someone else stepped the instance first, and the whole use case rolls back as a Conflict;
4. the hash-chained history events are inserted.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import insert, update
from sqlalchemy.orm import Session

from .errors import Conflict
from .execution import ReadyTask
from .history import PendingEvent, chain_events, insert_events
from .models import HumanTask, ProcessInstance

_NO_SYNC = {"synchronize_session": False}
_PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][\w.]*)\}")


@dataclass
class InstanceChanges:
    """Columns of the instance row that a step sets (None: leave as is)."""

    state_json: str | None = None
    data_json: str | None = None
    status: str | None = None
    end_event: str | None = None
    ended_at: datetime | None = None
    title: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def values(self) -> dict[str, Any]:
        values = {k: v for k, v in (
            ("state_json", self.state_json), ("data_json", self.data_json), ("status", self.status),
            ("end_event", self.end_event), ("ended_at", self.ended_at), ("title", self.title),
        ) if v is not None}
        values.update(self.extra)
        return values


def step_changes(process: Any, step: Any, now: datetime) -> InstanceChanges:
    """The instance columns a workflow step sets: state, data, status, end and title."""
    return InstanceChanges(
        state_json=step.state_json, data_json=json.dumps(step.data, ensure_ascii=False), status=step.status,
        end_event=step.end_event, ended_at=now if step.status != "running" else None,
        title=render_title(process.instance_title, step.data)[:300] if process.instance_title else None,
    )


def render_title(template: str, data: dict[str, Any]) -> str:
    """Fill ``${a.b}`` placeholders from nested data; missing values become empty."""

    def lookup(match: re.Match[str]) -> str:
        value: Any = data
        for part in match.group(1).split("."):
            value = value.get(part) if isinstance(value, dict) else None
        return "" if value is None else str(value)

    return _PLACEHOLDER.sub(lookup, template).strip()


def insert_tasks(
    session: Session, instance: ProcessInstance, tasks: list[ReadyTask], now: datetime,
    assignees: dict[str, int] | None = None, due: dict[str, datetime] | None = None,
) -> dict[str, int]:
    """Insert human task rows; return spiff task id -> new row id."""
    if not tasks:
        return {}
    rows = [{
        "instance_id": instance.id, "definition_id": instance.definition_id, "spiff_task_id": t.spiff_id,
        "name": t.name, "lane": t.lane, "state": "open", "created_at": now,
        "assignee_id": (assignees or {}).get(t.spiff_id), "due_at": (due or {}).get(t.spiff_id),
    } for t in tasks]
    table = HumanTask.__table__
    result = session.execute(insert(table).returning(table.c.id, table.c.spiff_task_id), rows)  # type: ignore[arg-type]
    return {spiff_id: row_id for row_id, spiff_id in result.all()}


def close_tasks(session: Session, spiff_ids: list[str], state: str, now: datetime) -> None:
    if spiff_ids:
        session.execute(
            update(HumanTask).where(HumanTask.spiff_task_id.in_(spiff_ids), HumanTask.state == "open")
            .values(state=state, completed_at=now).execution_options(**_NO_SYNC)
        )


def save_step(
    session: Session, instance: ProcessInstance, now: datetime, events: list[PendingEvent],
    changes: InstanceChanges | None = None, new_tasks: list[ReadyTask] | None = None,
    gone_task_ids: list[str] | None = None, assignees: dict[str, int] | None = None,
    due: dict[str, datetime] | None = None,
) -> dict[str, int]:
    """Write one step; return the ids of the human tasks it created.

    :raise Conflict: when the instance was changed since it was read.
    """
    created = insert_tasks(session, instance, new_tasks or [], now, assignees, due)
    for event in events:
        if event.kind == "task_created" and event.human_task_id is None:
            event.human_task_id = created.get(str(event.payload.get("task_id")))
    close_tasks(session, gone_task_ids or [], "cancelled", now)
    rows, seq, head = chain_events(instance.id, instance.history_seq, instance.history_head, events, now)
    values = (changes or InstanceChanges()).values()
    values.update(version=instance.version + 1, history_seq=seq, history_head=head)
    result = session.execute(
        update(ProcessInstance)
        .where(ProcessInstance.id == instance.id, ProcessInstance.version == instance.version)
        .values(**values).execution_options(**_NO_SYNC)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(f"instance {instance.id} was changed by someone else; reload and try again")
    insert_events(session, rows)
    return created
