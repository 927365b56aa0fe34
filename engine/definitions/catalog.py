"""Deployed definitions as the runtime needs them, parsed once per process and cached.

A deployed version never changes, so its restored spec and task forms can be kept in memory
for as long as the process runs; only a cache miss reads the database.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import ProcessNotFound
from ..models import ProcessDefinition, TaskDefinition
from ..text_input import text_problem
from .spec_codec import SpecBundle, SpecCodec
from .unit_scope import unit_scopes


@dataclass(frozen=True)
class TaskForm:
    name: str
    title: str
    title_zh: str
    lane: str
    schema: dict[str, Any]
    context_from: tuple[str, ...]
    instructions: str
    instructions_zh: str = ""
    assignee_path: str = ""
    due_window: str = ""
    notify_on_complete: tuple[str, ...] = ()
    bulk_approve: bool = False  # 批量审批: the inbox may approve several of this step's tasks at once


@dataclass(frozen=True)
class DeployedProcess:
    id: int
    key: str
    version: int
    title: str
    title_zh: str
    start_roles: frozenset[str]
    start_form: dict[str, Any] | None
    specs: SpecBundle
    tasks: dict[str, TaskForm]  # in flow order: the order a token first reaches each step
    instance_title: str
    business_key: str = ""
    notify_on_end: tuple[str, ...] = ()
    transfer_rule: str = ""  # to whom its steps may be transferred (转办); "" is the default rule
    when_no_holder: str = "admins"  # 审批人为空: admins, manager or refuse
    skip_same_approver: bool = False  # 自动去重: pass a step its holder approved just before
    unit_scopes: dict[str, str] = field(default_factory=dict)  # step -> unitScope (同部门: definitions.unit_scope)


class DefinitionCatalog:
    """Looks up deployed versions by id or by key (latest version)."""

    def __init__(self, specs: SpecCodec) -> None:
        self._specs = specs
        self._by_id: dict[int, DeployedProcess] = {}
        self._by_version: dict[tuple[str, int], DeployedProcess] = {}
        self._lock = threading.Lock()

    def get(self, session: Session, definition_id: int) -> DeployedProcess:
        cached = self._by_id.get(definition_id)
        if cached is not None:
            return cached
        row = session.get(ProcessDefinition, definition_id)
        if row is None:
            raise ProcessNotFound(str(definition_id))
        rows = session.scalars(select(TaskDefinition).where(TaskDefinition.definition_id == definition_id)).all()
        specs = self._specs.from_json(row.spec_json)
        order = flow_order(specs[0], {t.name for t in rows})
        tasks = sorted(rows, key=lambda t: order.index(t.name) if t.name in order else len(order))
        deployed = DeployedProcess(
            id=row.id, key=row.key, version=row.version, title=row.title, title_zh=row.title_zh,
            start_roles=frozenset(r for r in row.start_roles.split(",") if r),
            start_form=json.loads(row.start_form_json) if row.start_form_json else None,
            specs=specs,
            tasks={t.name: TaskForm(t.name, t.title, t.title_zh, t.lane, json.loads(t.form_json),
                                    _split(t.context_from), t.instructions, t.instructions_zh, t.assignee_path,
                                    t.due_window, _split(t.notify_on_complete), t.bulk_approve)
                   for t in tasks},
            instance_title=row.instance_title,
            business_key=row.business_key,
            notify_on_end=_split(row.notify_on_end),
            transfer_rule=row.transfer_rule,
            when_no_holder=row.when_no_holder,
            skip_same_approver=row.skip_same_approver,
            unit_scopes=unit_scopes(specs),
        )
        with self._lock:
            self._by_id[definition_id] = deployed
            self._by_version[(deployed.key, deployed.version)] = deployed
        return deployed

    def cached_version(self, key: str, version: int) -> DeployedProcess | None:
        """Version ``version`` of ``key`` if this node has it in memory already (no database needed)."""
        return self._by_version.get((key, version))

    def version(self, session: Session, key: str, version: int) -> DeployedProcess:
        """Version ``version`` of ``key``. :raise ProcessNotFound:"""
        cached = self._by_version.get((key, version))
        if cached is not None:
            return cached
        if text_problem(key):
            raise ProcessNotFound(key)
        definition_id = session.scalar(select(ProcessDefinition.id).where(ProcessDefinition.key == key,
                                                                           ProcessDefinition.version == version))
        if definition_id is None:
            raise ProcessNotFound(f"{key} v{version}")
        return self.get(session, definition_id)

    def latest(self, session: Session, key: str) -> DeployedProcess:
        if text_problem(key):
            raise ProcessNotFound(key)  # no key holds such characters (and PostgreSQL could not even compare)
        definition_id = session.scalar(
            select(ProcessDefinition.id).where(ProcessDefinition.key == key)
            .order_by(ProcessDefinition.version.desc()).limit(1)
        )
        if definition_id is None:
            raise ProcessNotFound(key)
        return self.get(session, definition_id)


def flow_order(spec: Any, names: set[str]) -> list[str]:
    """The named steps in the order a token first reaches them from the start event (breadth first)."""
    seen: set[str] = set()
    order: list[str] = []
    queue = deque([spec.start])
    while queue:
        task_spec = queue.popleft()
        if task_spec.name in seen:
            continue
        seen.add(task_spec.name)
        if task_spec.name in names:
            order.append(task_spec.name)
        queue.extend(task_spec.outputs)
    return order


def _split(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())
