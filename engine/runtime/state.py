"""Turning a running workflow into stored state and back.

Two choices keep one step's cost flat however long an instance runs:

* The parsed spec is stored once per deployed version (``engine.definitions.spec_codec``) and
  re-attached on load; an instance's state holds only its task tree.
* Before saving, the finished part of the task tree is pruned (``prune_finished``): the
  deepest completed task that is an ancestor of every unfinished task becomes the new root,
  with its data materialised. What was cut is already in the history log, which is the
  record of what happened; the tree only needs what the engine will still run. This also
  keeps loops far away from the library's tree-depth limit.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from ..definitions.spec_codec import SpecBundle


class InstanceStateConverter(BpmnWorkflowConverter):  # type: ignore[misc]
    """The library's workflow converter, without the spec (stored once per version)."""

    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        dct: dict[str, Any] = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct: dict[str, Any], specs: SpecBundle | None = None) -> BpmnWorkflow:
        if specs is None:
            raise ValueError("instance state is restored with its definition's specs")
        spec, subprocess_specs = specs
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def _build_serializer() -> BpmnWorkflowSerializer:
    config = dict(SPIFF_CONFIG)
    config[BpmnWorkflow] = InstanceStateConverter
    registry = BpmnWorkflowSerializer.configure(config)
    registry.register(date, lambda v: {"value": v.isoformat()}, lambda d: date.fromisoformat(d["value"]))
    registry.register(Decimal, lambda v: {"value": str(v)}, lambda d: Decimal(d["value"]))
    return BpmnWorkflowSerializer(registry)


class StateCodec:
    """Serialises instance state (the task tree, without the spec) in the library's format."""

    def __init__(self) -> None:
        self.serializer = _build_serializer()

    def dump(self, workflow: BpmnWorkflow) -> str:
        """Prune the finished part of the tree and return the state as JSON."""
        prune_finished(workflow)
        return str(self.serializer.serialize_json(workflow))

    def load(self, text: str, specs: SpecBundle) -> BpmnWorkflow:
        dct = json.loads(text)
        self.serializer.migrate(dct)
        return self.serializer.from_dict(dct, specs=specs)


_LIVE = TaskState.NOT_FINISHED_MASK


def _ancestors(task: Task) -> list[Task]:
    chain = []
    node = task.parent
    while node is not None:
        chain.append(node)
        node = node.parent
    return chain


def prune_finished(workflow: BpmnWorkflow) -> int:
    """Cut the finished top of the task tree; return how many tasks were dropped."""
    live = [t for t in workflow.tasks.values() if t.has_state(_LIVE)]
    if not live:
        return 0
    # The ancestors every live task shares: the first one's chain above the highest point where another's chain
    # meets it. Each task walked through remembers where its way up meets the chain, so every task is walked once.
    chain = _ancestors(live[0])
    meets: dict[UUID, int] = {t.id: i for i, t in enumerate(chain)}
    top = 0
    for task in live[1:]:
        walked = []
        node = task.parent
        while node is not None and node.id not in meets:
            walked.append(node.id)
            node = node.parent
        if node is None:
            return 0
        where = meets[node.id]
        meets.update(dict.fromkeys(walked, where))
        top = max(top, where)
    common = chain[top:]
    candidates = [t for t in common if t.has_state(TaskState.COMPLETED)]
    if not candidates:
        return 0
    new_root = candidates[0]  # the deepest: chains run from the task upwards
    if new_root is workflow.task_tree:
        return 0
    keep: dict[UUID, Task] = {}
    stack = [new_root]
    while stack:
        node = stack.pop()
        keep[node.id] = node
        stack.extend(node.children)
    dropped = len(workflow.tasks) - len(keep)
    data = dict(new_root.data)
    new_root._parent = None
    new_root.data = data
    workflow.tasks = keep
    workflow.task_tree = new_root
    if workflow.last_task is not None and workflow.last_task.id not in keep:
        workflow.last_task = new_root
    for task_id in [k for k in workflow.subprocesses if k not in keep]:
        del workflow.subprocesses[task_id]
    return dropped
