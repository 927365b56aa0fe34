"""The "add a budget check" draft of the market plan, shared by the simulation tests and bench/simulate.py:
after the draft, the operations manager checks the budget before the marketing manager reviews the plan."""

from __future__ import annotations

import json

from engine.facade import Engine
from engine.modeler.views import Draft
from engine.org.people import Person

BUDGET_FORM = "market_plan/budget_check.json"
BUDGET_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object", "additionalProperties": False,
    "title": "Budget check", "x-title-zh": "预算审核",
    "properties": {"decision": {"type": "string", "title": "Decision", "x-title-zh": "决定", "enum": ["checked"]},
                   "comment": {"type": "string", "title": "Comment", "x-title-zh": "意见", "maxLength": 2000}},
    "required": ["decision"],
}
TASK = """    <bpmn:userTask id="budget_check" name="Check the budget">
      <bpmn:extensionElements>
        <spiffworkflow:properties>
          <spiffworkflow:property name="formJsonSchemaFilename" value="market_plan/budget_check.json" />
          <spiffworkflow:property name="titleZh" value="预算审核" />
        </spiffworkflow:properties>
      </bpmn:extensionElements>
      <bpmn:incoming>flow_draft_review</bpmn:incoming>
      <bpmn:outgoing>flow_budget_review</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="flow_budget_review" sourceRef="budget_check" targetRef="manager_review" />
"""


def budget_check_bpmn(bpmn: str) -> str:
    """The market plan's BPMN with the budget check between the draft and the manager's review."""
    old_flow = '<bpmn:sequenceFlow id="flow_draft_review" sourceRef="draft_plan" targetRef="manager_review" />'
    assert old_flow in bpmn, "the market plan changed: update tests/simulation_drafts.py"
    bpmn = bpmn.replace(old_flow, old_flow.replace('targetRef="manager_review"', 'targetRef="budget_check"') + "\n"
                        + TASK)
    bpmn = bpmn.replace("<bpmn:incoming>flow_draft_review</bpmn:incoming>\n      <bpmn:outgoing>flow_review_gateway",
                        "<bpmn:incoming>flow_budget_review</bpmn:incoming>\n      <bpmn:outgoing>flow_review_gateway")
    return bpmn.replace("    </bpmn:laneSet>", '      <bpmn:lane id="lane_ops" name="ops_manager">\n'
                        "        <bpmn:flowNodeRef>budget_check</bpmn:flowNodeRef>\n      </bpmn:lane>\n"
                        "    </bpmn:laneSet>", 1)


def save_budget_check_draft(engine: Engine, analyst: str = "gao.yan") -> Draft:
    """Save the budget-check draft of market_plan as ``analyst`` (not deployed)."""
    draft = engine.modeler.open_draft(Person(analyst), "market_plan")
    files = {**draft["files"], BUDGET_FORM: {"kind": "form", "content": json.dumps(BUDGET_SCHEMA, indent=2)}}
    return engine.modeler.save_draft(Person(analyst), "market_plan", budget_check_bpmn(draft["bpmn"]), files,
                                     draft["version"])
