"""Parsed specs as stored text: one copy per deployed version, re-attached to instances on load."""

from __future__ import annotations

import json

from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

SpecBundle = tuple[BpmnProcessSpec, dict[str, BpmnProcessSpec]]


class SpecCodec:
    """Turns a process spec (and its subprocess specs) into JSON and back, in the library's format."""

    def __init__(self) -> None:
        self.registry = BpmnWorkflowSerializer.configure(SPIFF_CONFIG)

    def to_json(self, spec: BpmnProcessSpec, subprocess_specs: dict[str, BpmnProcessSpec]) -> str:
        return json.dumps({
            "spec": self.registry.convert(spec),
            "subprocess_specs": {name: self.registry.convert(s) for name, s in subprocess_specs.items()},
        })

    def from_json(self, text: str) -> SpecBundle:
        dct = json.loads(text)
        subs = {name: self.registry.restore(s) for name, s in dct["subprocess_specs"].items()}
        return self.registry.restore(dct["spec"]), subs
