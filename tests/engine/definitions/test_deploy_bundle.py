"""Deploying from an in-memory bundle (no file on disk), with the deploy right checked."""

from __future__ import annotations

import hashlib
import json

import pytest
from sqlalchemy import func, select

from engine.definitions.bundle import DefinitionBundle
from engine.errors import DeploymentRejected, NotAllowed
from engine.models import DefinitionFile, ProcessDefinition
from engine.org.people import Person
from tests.journey import OPERATOR

NOTE = "The memo process"  # every deploy needs a change note
NOTE_FORM = {"type": "object", "title": "Note", "x-title-zh": "备注", "required": ["note"],
             "properties": {"note": {"type": "string", "title": "Note", "maxLength": 200}}}


def bpmn(process_id: str = "memo", lane: str = "staff", form: str = "memo/note.json") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
                  id="memo_definitions" targetNamespace="http://opsflow.example/bpmn">
  <bpmn:process id="{process_id}" name="Memo" isExecutable="true">
    <bpmn:extensionElements><spiffworkflow:properties>
      <spiffworkflow:property name="startRoles" value="staff" />
    </spiffworkflow:properties></bpmn:extensionElements>
    <bpmn:laneSet id="lanes"><bpmn:lane id="lane_staff" name="{lane}">
      <bpmn:flowNodeRef>write</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="write" />
    <bpmn:userTask id="write" name="Write the memo">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formJsonSchemaFilename" value="{form}" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f2" sourceRef="write" targetRef="done" />
    <bpmn:endEvent id="done"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>""".encode()


def memo_bundle(**kwargs: str) -> DefinitionBundle:
    return DefinitionBundle("memo.bpmn", bpmn(**kwargs), forms={"memo/note.json": json.dumps(NOTE_FORM).encode()})


def versions(engine, key: str) -> int:
    with engine.core.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(ProcessDefinition)
                                  .where(ProcessDefinition.key == key)) or 0)


def test_an_analyst_deploys_a_bundle_that_exists_only_in_memory(engine, tmp_path, monkeypatch):
    monkeypatch.setattr(engine.collaborators, "forms_root", tmp_path / "nothing-here")  # no form files on disk
    [result] = engine.definitions.deploy(Person("gao.yan"), [memo_bundle()], NOTE)
    assert (result.key, result.version, result.status) == ("memo", 1, "deployed")
    started = engine.work.start(Person("zhou.jie"), "memo")
    task = engine.work.task(OPERATOR, engine.work.tasks(Person("zhou.jie"))[0]["id"])
    assert task["form"]["title"] == "Note" and task["instance_id"] == started.id
    with engine.core.transaction() as session:
        files = {f.name: (f.kind, f.sha256) for f in session.scalars(select(DefinitionFile))
                 .all() if f.name.startswith("memo")}
    assert files == {"memo.bpmn": ("bpmn", hashlib.sha256(bpmn()).hexdigest()),
                     "memo/note.json": ("form", hashlib.sha256(json.dumps(NOTE_FORM).encode()).hexdigest())}
    assert [r.status for r in engine.definitions.deploy(Person("admin"), [memo_bundle()], NOTE)] == ["unchanged"]
    assert versions(engine, "memo") == 1


def test_a_staff_user_may_not_deploy_and_is_told_which_right_it_needs(engine):
    with pytest.raises(NotAllowed, match=r"zhou\.jie may not deploy processes: that needs the deploy right "
                                         r"\(roles admin, analyst\)"):
        engine.definitions.deploy(Person("zhou.jie"), [memo_bundle()], NOTE)
    with pytest.raises(NotAllowed, match="deploy right"):
        # a director runs processes; analysts change them
        engine.definitions.deploy(Person("chen.yu"), [memo_bundle()], NOTE)
    assert versions(engine, "memo") == 0


def test_a_bundle_without_its_form_or_with_an_unknown_lane_is_refused_and_stores_nothing(engine):
    missing = DefinitionBundle("memo.bpmn", bpmn())
    with pytest.raises(DeploymentRejected, match=r"form 'memo/note\.json' not found"):
        engine.definitions.deploy(Person("gao.yan"), [missing], NOTE)
    with pytest.raises(DeploymentRejected, match=r"lane 'nobody' .* is not a known role"):
        engine.definitions.deploy(Person("gao.yan"), [memo_bundle(lane="nobody")], NOTE)
    with pytest.raises(DeploymentRejected, match="lies outside the forms folder"):
        engine.definitions.deploy(Person("gao.yan"), [DefinitionBundle("memo.bpmn", bpmn(form="../../etc/passwd"))],
                                  NOTE)
    assert versions(engine, "memo") == 0
