"""The deploy check on countersigns (multi-instance user tasks): what each needs, said clearly."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.definitions.bundle import DefinitionBundle
from engine.definitions.deploy_check import inspect_bundle

FIXTURES = Path(__file__).parents[2] / "fixtures" / "countersign"
FORMS = {f"countersign/{p.name}": p.read_bytes() for p in (FIXTURES / "forms" / "countersign").iterdir()}
NOTE = b'{"type": "object", "properties": {"note": {"type": "string"}}}'
MODEL = (FIXTURES / "countersign_all.bpmn").read_text()


def problems(bpmn: str, forms: dict[str, bytes] | None = None) -> list[str]:
    bundle = DefinitionBundle("countersign_all.bpmn", bpmn.encode(), forms=forms or FORMS)
    return [str(p) for p in inspect_bundle(bundle, {"staff"}, frozenset()).errors]


def test_the_shipped_countersign_fixtures_pass():
    for path in sorted(FIXTURES.glob("*.bpmn")):
        bundle = DefinitionBundle(path.name, path.read_bytes(), forms=FORMS)
        assert inspect_bundle(bundle, {"staff"}, frozenset()).errors == [], path.name


@pytest.mark.parametrize(("old", "new", "said"), [
    ("<bpmn:loopDataInputRef>signers</bpmn:loopDataInputRef>", "<bpmn:loopCardinality>3</bpmn:loopCardinality>",
     "name the data that lists its people (loopDataInputRef)"),
    ('<bpmn:inputDataItem id="signer" />', "", "name the variable that holds each person (inputDataItem)"),
    ('<bpmn:outputDataItem id="vote" />', "", "name the list that collects every decision (loopDataOutputRef)"),
    ("<bpmn:loopDataOutputRef>votes</bpmn:loopDataOutputRef>",
     "<bpmn:loopDataOutputRef>signers</bpmn:loopDataOutputRef>", "need names of their own"),
    ('<bpmn:outputDataItem id="vote" />', '<bpmn:outputDataItem id="countersign" />', "need names of their own"),
    ('value="countersign/sign.json" />', 'value="countersign/sign.json" />\n'
     '        <spiffworkflow:property name="assignee" value="start.boss" />', "remove the 'assignee' property"),
    ("<bpmn:completionCondition>vote['decision'] != 'approve'</bpmn:completionCondition>",
     "<bpmn:completionCondition>__import__('os')</bpmn:completionCondition>", "script is not allowed"),
])
def test_a_countersign_missing_what_it_needs_is_refused_naming_it(old, new, said):
    assert old in MODEL
    found = problems(MODEL.replace(old, new))
    assert any(("'sign'" in p or p.startswith("sign:")) and said in p for p in found), found


def test_a_countersign_decides_with_a_decision_form():
    found = problems(MODEL.replace("countersign/sign.json", "countersign/note.json"),
                     {**FORMS, "countersign/note.json": NOTE})
    assert any("countersign 'sign': its form needs a decision field" in p for p in found), found


def test_a_countersign_in_a_relationship_lane_needs_no_assignee():
    bpmn = MODEL.replace('<bpmn:lane id="lane_staff" name="staff">', '<bpmn:lane id="lane_staff" name="employee">')
    bundle = DefinitionBundle("countersign_all.bpmn", bpmn.encode(), forms=FORMS)
    assert inspect_bundle(bundle, {"staff", "employee"}, frozenset({"employee"})).errors == []
