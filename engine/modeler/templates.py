"""The diagram a new process starts from: one lane (whose name is to be a role), a start and an end."""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

NEW_PROCESS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
                  xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
                  xmlns:di="http://www.omg.org/spec/DD/20100524/DI"
                  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
                  id="{key}_definitions" targetNamespace="http://opsflow.example/bpmn">
  <bpmn:collaboration id="{key}_collaboration">
    <bpmn:participant id="{key}_pool" name={title} processRef="{key}" />
  </bpmn:collaboration>
  <bpmn:process id="{key}" name={title} isExecutable="true">
    <bpmn:extensionElements>
      <spiffworkflow:properties>
        <spiffworkflow:property name="startRoles" value="" />
      </spiffworkflow:properties>
    </bpmn:extensionElements>
    <bpmn:laneSet id="{key}_lanes">
      <bpmn:lane id="{key}_lane_1">
        <bpmn:flowNodeRef>{key}_start</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>{key}_end</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="{key}_start" name="Start">
      <bpmn:outgoing>{key}_flow_1</bpmn:outgoing>
    </bpmn:startEvent>
    <bpmn:sequenceFlow id="{key}_flow_1" sourceRef="{key}_start" targetRef="{key}_end" />
    <bpmn:endEvent id="{key}_end" name="Done">
      <bpmn:incoming>{key}_flow_1</bpmn:incoming>
    </bpmn:endEvent>
  </bpmn:process>
  <bpmndi:BPMNDiagram id="{key}_diagram">
    <bpmndi:BPMNPlane id="{key}_plane" bpmnElement="{key}_collaboration">
      <bpmndi:BPMNShape id="{key}_pool_di" bpmnElement="{key}_pool" isHorizontal="true">
        <dc:Bounds x="120" y="80" width="760" height="200" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="{key}_lane_1_di" bpmnElement="{key}_lane_1" isHorizontal="true">
        <dc:Bounds x="150" y="80" width="730" height="200" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="{key}_start_di" bpmnElement="{key}_start">
        <dc:Bounds x="212" y="162" width="36" height="36" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="{key}_end_di" bpmnElement="{key}_end">
        <dc:Bounds x="772" y="162" width="36" height="36" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNEdge id="{key}_flow_1_di" bpmnElement="{key}_flow_1">
        <di:waypoint x="248" y="180" />
        <di:waypoint x="772" y="180" />
      </bpmndi:BPMNEdge>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
"""


def new_process_bpmn(key: str, title: str) -> str:
    """A new process ``key`` (a checked BPMN id) named ``title``, in a pool with one unnamed lane."""
    return NEW_PROCESS.replace("{key}", key).replace("{title}", quoteattr(title))
