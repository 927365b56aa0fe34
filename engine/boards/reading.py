"""The open instances of one process that a viewer may see, with their open steps: what every board reads."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..clock import utc_iso
from ..definitions.catalog import DefinitionCatalog
from ..errors import ProcessNotFound
from ..models import HumanTask, ProcessInstance, User
from ..org.people import Actor
from ..org.rights import visible_condition
from .views import OpenStep

MAX_ROWS = 500  # a board shows the oldest 500 open instances at most


@dataclass(frozen=True, slots=True)
class OpenInstance:
    id: int
    title: str
    started_at: Any
    data: dict[str, Any]
    steps: tuple[OpenStep, ...]

    @property
    def start(self) -> dict[str, Any]:
        """Its start form's data."""
        start = self.data.get("start")
        return start if isinstance(start, dict) else {}


def open_instances(session: Session, catalog: DefinitionCatalog, viewer: Actor, key: str) -> list[OpenInstance]:
    """The running instances of ``key`` that ``viewer`` may see, oldest first, each with its open steps."""
    rows = session.execute(
        select(ProcessInstance.id, ProcessInstance.title, ProcessInstance.started_at, ProcessInstance.data_json,
               ProcessInstance.definition_id)
        .where(ProcessInstance.process_key == key, ProcessInstance.status == "running",
               visible_condition(session, viewer))
        .order_by(ProcessInstance.started_at, ProcessInstance.id).limit(MAX_ROWS)).all()
    ids = [row.id for row in rows]
    steps: dict[int, list[OpenStep]] = {i: [] for i in ids}
    titles: dict[int, dict[str, tuple[str, str]]] = {}
    for row in rows:
        if row.definition_id not in titles:
            try:
                process = catalog.get(session, row.definition_id)
            except ProcessNotFound:
                process = None
            titles[row.definition_id] = {n: (t.title, t.title_zh) for n, t in process.tasks.items()} if process else {}
    definition_of = {row.id: row.definition_id for row in rows}
    if ids:
        for task, holder in session.execute(
            select(HumanTask, User.username).outerjoin(User, User.id == HumanTask.assignee_id)
            .where(HumanTask.instance_id.in_(ids), HumanTask.state == "open").order_by(HumanTask.id)):
            title, title_zh = titles[definition_of[task.instance_id]].get(task.name, (task.name, ""))
            steps[task.instance_id].append(OpenStep(task.name, title, title_zh, holder,
                                                    utc_iso(task.due_at) if task.due_at else None))
    return [OpenInstance(row.id, row.title, row.started_at, json.loads(row.data_json), tuple(steps[row.id]))
            for row in rows]
