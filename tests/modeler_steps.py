"""The analyst's change of the acceptance walk, made to the BPMN text as the editor would make it.

``with_budget_check`` adds a lane for the operations manager and a "budget check" user task between
manager review and the sign-off (both the approval and the rework-cap flow now lead to it, and it leads on
to the rule that picks the director alone or the director and the branch GM together).
"""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MARKET_PLAN = (ROOT / "processes" / "market_plan.bpmn").read_text(encoding="utf-8")
BUDGET_FORM_NAME = "market_plan/budget_check.json"
BUDGET_FORM = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object", "additionalProperties": False, "title": "Budget check", "x-title-zh": "预算审核",
    "properties": {
        "within_budget": {"type": "boolean", "title": "The budget is within the department's limits",
                          "x-title-zh": "预算在部门额度之内"},
        "comment": {"type": "string", "title": "Comment on the budget", "x-title-zh": "预算意见",
                    "x-widget": "textarea", "minLength": 1, "maxLength": 2000},
    },
    "required": ["comment"],
}
BUDGET_DONE = {"within_budget": True, "comment": "Within the quarter's limit"}

LANE = """      <bpmn:lane id="lane_ops" name="{role}">
        <bpmn:flowNodeRef>budget_check</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>"""
TASK = """    <bpmn:userTask id="budget_check" name="Budget check">
      <bpmn:extensionElements>
        <spiffworkflow:properties>
          <spiffworkflow:property name="formJsonSchemaFilename" value="market_plan/budget_check.json" />
          <spiffworkflow:property name="contextFrom" value="start,draft_plan,manager_review" />
          <spiffworkflow:property name="titleZh" value="预算审核" />
        </spiffworkflow:properties>
        <spiffworkflow:instructionsForEndUser>Check the budget.</spiffworkflow:instructionsForEndUser>
      </bpmn:extensionElements>
      <bpmn:incoming>flow_review_approved</bpmn:incoming>
      <bpmn:incoming>flow_cap_to_director</bpmn:incoming>
      <bpmn:outgoing>flow_budget_director</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="flow_budget_director" sourceRef="budget_check" targetRef="signoff_route" />
    <bpmn:endEvent id="approved\""""
DI = """      <bpmndi:BPMNShape id="lane_ops_di" bpmnElement="lane_ops" isHorizontal="true">
        <dc:Bounds x="150" y="1020" width="1680" height="170" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="budget_check_di" bpmnElement="budget_check">
        <dc:Bounds x="1150" y="1065" width="100" height="80" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNEdge id="flow_budget_director_di" bpmnElement="flow_budget_director">
        <di:waypoint x="1150" y="1105" />
        <di:waypoint x="1050" y="1105" />
        <di:waypoint x="1050" y="740" />
      </bpmndi:BPMNEdge>
    </bpmndi:BPMNPlane>"""


def with_budget_check(xml: str = MARKET_PLAN, role: str = "ops_manager") -> str:
    """market_plan with the budget check by ``role`` ("" draws the lane without a role)."""
    lane = LANE.replace(' name="{role}"', f' name="{role}"' if role else "")
    xml = xml.replace("    </bpmn:laneSet>", lane, 1)
    xml = xml.replace('sourceRef="review_decision" targetRef="signoff_route"',
                      'sourceRef="review_decision" targetRef="budget_check"')
    xml = xml.replace('sourceRef="manager_return_cap" targetRef="signoff_route"',
                      'sourceRef="manager_return_cap" targetRef="budget_check"')
    xml = xml.replace("      <bpmn:incoming>flow_review_approved</bpmn:incoming>\n"
                      "      <bpmn:incoming>flow_cap_to_director</bpmn:incoming>\n"
                      "      <bpmn:outgoing>flow_route_kind</bpmn:outgoing>",
                      "      <bpmn:incoming>flow_budget_director</bpmn:incoming>\n"
                      "      <bpmn:outgoing>flow_route_kind</bpmn:outgoing>")
    xml = xml.replace('    <bpmn:endEvent id="approved"', TASK, 1)
    xml = xml.replace("    </bpmndi:BPMNPlane>", DI, 1)
    assert xml.count("budget_check") >= 6
    return xml


def budget_files(files: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    """A draft's files with the budget-check form added."""
    return {**files, BUDGET_FORM_NAME: {"kind": "form", "content": json.dumps(BUDGET_FORM, ensure_ascii=False,
                                                                              indent=2)}}
