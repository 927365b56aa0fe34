"""Validation for the modeler: every problem on its element (deploy checks and lint rules), DMN tables,
other modelers' files, and hostile bundles refused through the API with nothing stored."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import func, select

from engine.definitions.bundle import DefinitionBundle, bundle_from_file
from engine.errors import DeploymentRejected
from engine.models import ProcessDefinition
from engine.org.people import Person
from tests.api.helpers import ApiUser, make_app
from tests.engine.definitions.test_deploy_bundle import NOTE_FORM, bpmn
from tests.engine.definitions.test_deploy_validation import REJECTED, REJECTIONS
from tests.paths import REPO

ROOT = REPO
FIXTURES = ROOT / "tests" / "fixtures"
OTHER_MODELERS = FIXTURES / "bpmn" / "other_modelers"
GRADE_DMN = (ROOT / "processes" / "appraisal_grade.dmn").read_text(encoding="utf-8")
APPRAISAL = ROOT / "processes" / "appraisal.bpmn"
NOT_ON_AN_ELEMENT = {"xxe.bpmn", "billion_laughs.bpmn", "doctype_only.bpmn", "malformed.bpmn"}


def ids_in(content: bytes) -> set[str]:
    return {found.decode() for found in re.findall(rb'\bid="([^"]+)"', content)}


@pytest.mark.parametrize("name", [case.values[0] for case in REJECTIONS])
def test_every_refusal_names_an_element_of_the_file(sqlite_engine, name):
    path = REJECTED / name
    bundle = bundle_from_file(path, FIXTURES / "forms")
    problems = [p for p in sqlite_engine.modeler.validate(Person("gao.yan"), bundle) if p["severity"] == "error"]
    assert problems, name
    if name in NOT_ON_AN_ELEMENT:
        assert all(p["element"] is None for p in problems), problems
    else:
        assert all(p["element"] in ids_in(path.read_bytes()) for p in problems), problems


@pytest.mark.parametrize("name", ["camunda_leave_request.bpmn", "signavio_complaint.bpmn", "bpmnio_demo.bpmn"])
def test_another_modelers_file_gives_problems_on_its_elements_not_a_crash(sqlite_engine, name):
    content = (OTHER_MODELERS / name).read_bytes()
    problems = sqlite_engine.modeler.validate(Person("gao.yan"), DefinitionBundle(name, content))
    errors = [p for p in problems if p["severity"] == "error"]
    assert errors and all(p["element"] in ids_in(content) for p in problems), problems


def test_what_opsflow_cannot_run_in_a_camunda_file_is_listed_on_each_element(sqlite_engine):
    content = (OTHER_MODELERS / "camunda_leave_request.bpmn").read_bytes()
    found = {(p["element"], p["message"]) for p in sqlite_engine.modeler.validate(
        Person("gao.yan"), DefinitionBundle("leave.bpmn", content)) if p["severity"] == "error"}
    assert ("Task_notify", "service task 'Task_notify': service tasks are not supported") in found
    assert ("Lane_manager", "lane 'Lane_manager': 'Team lead' is not a known role") in found
    assert ("Task_approve", "user task 'Task_approve' has no form (formJsonSchemaFilename)") in found
    assert any(e == "Flow_yes" and "script is not allowed" in m for e, m in found)  # a JUEL condition is not Python
    warnings = {p["element"]
                for p in sqlite_engine.modeler.validate(Person("gao.yan"), DefinitionBundle("leave.bpmn", content))
                if p["severity"] == "warning"}
    assert {"Task_request", "Task_approve"} <= warnings  # camunda:assignee, candidateGroups: kept, not used


def dmn_bundle(dmn: str) -> DefinitionBundle:
    bundle = bundle_from_file(APPRAISAL, ROOT / "forms")
    return DefinitionBundle(bundle.bpmn_name, bundle.bpmn, {**bundle.dmn, "appraisal_grade.dmn": dmn.encode()},
                            bundle.forms)


@pytest.mark.parametrize(("change", "expected"), [
    (('hitPolicy="UNIQUE"', 'hitPolicy="FIRST"'), r"uses hit policy FIRST; only UNIQUE and COLLECT are supported"),
    (('typeRef="number"', 'typeRef="decimal"'), r"'grade_input_expr' has type 'decimal'"),
    (("&gt;= 4.5</text>", "&gt;= __import__('os')</text>"), r"rule 1 of 'appraisal_grade': .*script is not allowed|"
                                                             r"rule 1 of 'appraisal_grade': "),
    (('<outputEntry id="grade_b_grade"><text>"B"</text></outputEntry>',
      '<outputEntry id="grade_b_grade"><text>"B</text></outputEntry>'), r"rule 2 of 'appraisal_grade'"),
])
def test_a_decision_table_the_engine_would_misread_is_refused_on_the_decision(sqlite_engine, change, expected):
    assert change[0] in GRADE_DMN
    problems = [p for p in sqlite_engine.modeler.validate(Person("gao.yan"), dmn_bundle(GRADE_DMN.replace(*change)))
                if p["severity"] == "error"]
    assert any(re.search(expected, p["message"]) and p["element"] in ("appraisal_grade", "grade_input_expr")
               and p["file"] == "appraisal_grade.dmn" for p in problems), problems


def test_the_shipped_processes_have_no_problems(sqlite_engine):
    for path in sorted((ROOT / "processes").glob("*.bpmn")):
        assert sqlite_engine.modeler.validate(Person("gao.yan"), bundle_from_file(path,
                                                                                  ROOT / "forms")) == [], path.name


def test_problems_are_said_in_the_readers_language(sqlite_engine):
    app = make_app(sqlite_engine)
    from webui.modeler.problems import say

    bundle = bundle_from_file(REJECTED / "unknown_lane_role.bpmn", FIXTURES / "forms")
    [problem] = [p for p in sqlite_engine.modeler.validate(Person("gao.yan"), bundle)
                 if "known role" in p["message"] and p["element"] == "write_note"]
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        assert say(problem)["message"] == "用户任务 'write_note' 的泳道 'wizard' 不是已知角色"
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert say(problem)["message"] == "lane 'wizard' of user task 'write_note' is not a known role"


# -- hostile bundles through the API: refused with the element named, nothing stored ----------------------
HOSTILE = ["xxe.bpmn", "billion_laughs.bpmn", "script_dunder_walk.bpmn", "condition_dunder_import.bpmn",
           "unknown_lane_role.bpmn", "missing_form.bpmn", "gateway_without_way_out.bpmn", "form_path_escape.bpmn"]


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_bundle_posted_to_the_api_is_refused_and_nothing_is_stored(engine, name):
    app = make_app(engine)
    token = engine.org.create_token(Person("gao.yan"), "test")
    api = ApiUser(app.test_client(), "gao.yan", token)
    bundle = bundle_from_file(REJECTED / name, FIXTURES / "forms")
    with engine.core.reading() as session:
        before = session.scalar(select(func.count()).select_from(ProcessDefinition))
    response = api.post("/process-definitions", {
        "bpmn_name": name, "bpmn": bundle.bpmn.decode("utf-8", errors="replace"), "note": "hostile",
        "forms": {n: c.decode() for n, c in bundle.forms.items()}})
    assert response.status_code == 400, response.get_json()
    errors = response.get_json()["errors"]
    assert errors and all(set(e) == {"element", "file", "severity", "message"} for e in errors)
    if name not in NOT_ON_AN_ELEMENT:
        assert any(e["element"] in ids_in(bundle.bpmn) for e in errors), errors
    with engine.core.reading() as session:
        assert session.scalar(select(func.count()).select_from(ProcessDefinition)) == before


def test_deploy_rejected_keeps_its_text_and_carries_the_elements(sqlite_engine):
    with pytest.raises(DeploymentRejected) as caught:
        sqlite_engine.definitions.deploy(Person("gao.yan"), [bundle_from_file(REJECTED / "service_task.bpmn",
                                                                              FIXTURES / "forms")], "try")
    assert [getattr(p, "element", None) for p in caught.value.problems] == ["call_out"]
    assert "service task 'call_out': service tasks are not supported" in str(caught.value)



def test_a_user_task_keeping_its_data_under_a_generated_id_is_a_warning_that_does_not_stop_a_deploy(sqlite_engine):
    forms = {"memo/note.json": json.dumps(NOTE_FORM).encode()}
    generated = bpmn().replace(b'"write"', b'"Activity_0abc123"').replace(b">write<", b">Activity_0abc123<")
    problems = sqlite_engine.modeler.validate(Person("gao.yan"), DefinitionBundle("memo.bpmn", generated, forms=forms))
    assert [(p["element"], p["severity"]) for p in problems] == [("Activity_0abc123", "warning")]
    assert "generated id" in problems[0]["message"]
    assert sqlite_engine.modeler.validate(Person("gao.yan"), DefinitionBundle("memo.bpmn", bpmn(), forms=forms)) == []
    [deployed] = sqlite_engine.definitions.deploy(Person("gao.yan"), [DefinitionBundle("memo.bpmn", generated,
                                                                                       forms=forms)], "a memo")
    assert deployed.version == 1
