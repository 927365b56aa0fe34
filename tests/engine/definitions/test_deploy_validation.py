"""Deployment: hostile or broken BPMN is refused, naming the element, and nothing is stored.

Also versioning: an unchanged model is not stored again; a changed model or form becomes a new
version, and instances keep running on the version they started on.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine.errors import DeploymentRejected
from engine.facade import Engine
from engine.models import ProcessDefinition, TaskDefinition
from tests.journey import OPERATOR, decision, deploy_files, only_task, research_and_draft, start_plan, step
from tests.paths import FIXTURES, REPO

ROOT = REPO
PROCESSES = ROOT / "processes"
FORMS = ROOT / "forms"
FIXTURES = FIXTURES
REJECTED = FIXTURES / "bpmn" / "rejected"
ACCEPTED = FIXTURES / "bpmn" / "accepted"
FIXTURE_FORMS = FIXTURES / "forms"


def stored(engine: Engine) -> tuple[int, int]:
    """How many process definitions and task definitions the database holds."""
    with engine.core.transaction() as session:
        definitions = session.scalar(select(func.count()).select_from(ProcessDefinition))
        tasks = session.scalar(select(func.count()).select_from(TaskDefinition))
    return int(definitions or 0), int(tasks or 0)


def refused(engine: Engine, paths: list[Path]) -> DeploymentRejected:
    """Deploy ``paths``, expecting a refusal that leaves the database as it was."""
    before = stored(engine)
    with pytest.raises(DeploymentRejected) as caught:
        deploy_files(engine, paths, "gao.yan")
    assert stored(engine) == before
    return caught.value


@pytest.fixture
def fixture_forms(monkeypatch, sqlite_engine) -> Engine:
    """The SQLite engine, reading forms from tests/fixtures/forms."""
    monkeypatch.setattr(sqlite_engine.collaborators, "forms_root", FIXTURE_FORMS)
    return sqlite_engine


# file in tests/fixtures/bpmn/rejected -> what the message must say (regular expressions)
REJECTIONS = [
    pytest.param("xxe.bpmn", [r"declares a DTD or entities"], id="xxe"),
    pytest.param("billion_laughs.bpmn", [r"declares a DTD or entities"], id="billion-laughs"),
    pytest.param("doctype_only.bpmn", [r"declares a DTD"], id="doctype-only"),
    pytest.param("malformed.bpmn", [r"malformed XML", r"tag mismatch: userTask line \d+"], id="unclosed-tag"),
    pytest.param("unknown_lane_role.bpmn", [r"lane 'wizard' of user task 'write_note' is not a known role"],
                 id="lane-unknown-role"),
    pytest.param("user_task_without_form.bpmn", [r"user task 'write_note' has no form \(formJsonSchemaFilename\)"],
                 id="user-task-without-form"),
    pytest.param("missing_form.bpmn", [r"user task 'write_note': form 'checks/does_not_exist.json' not found"],
                 id="form-missing"),
    pytest.param("invalid_form_schema.bpmn",
                 [r"user task 'write_note': form not_a_schema\.json is not a valid JSON Schema"],
                 id="form-not-a-schema"),
    pytest.param("form_path_escape.bpmn",
                 [r"user task 'write_note': form '\.\./\.\./etc/passwd' lies outside the forms folder"],
                 id="form-path-escape"),
    pytest.param("gateway_without_way_out.bpmn",
                 [r"exclusive gateway 'review_outcome' has no default flow and no condition for "
                  r"decision value\(s\) escalate$"], id="gateway-without-way-out"),
    pytest.param("script_imports_os.bpmn", [r"steal: script is not allowed", r"Imports are not allowed"],
                 id="script-imports-os"),
    pytest.param("script_dunder_walk.bpmn",
                 [r"walk: script is not allowed", r"__class__", r"__base__", r"__subclasses__"],
                 id="script-dunder-walk"),
    pytest.param("condition_dunder_import.bpmn", [r"route: script is not allowed", r'"__import__" is an invalid'],
                 id="condition-dunder-import"),
    pytest.param("prescript_imports_os.bpmn", [r"write_note: script is not allowed", r"Imports are not allowed"],
                 id="prescript-imports-os"),
    pytest.param("timer_imports_os.bpmn", [r"wait_a_bit: script is not allowed", r'"__import__" is an invalid'],
                 id="timer-expression-dunder-import"),
    pytest.param("no_start_roles.bpmn",
                 [r"process 'no_start_roles' names no roles that may start it \(property startRoles\)"],
                 id="no-start-roles"),
    pytest.param("unknown_start_role.bpmn", [r"process 'unknown_start_role': start role 'wizard' is not a known role"],
                 id="unknown-start-role"),
    pytest.param("service_task.bpmn", [r"service task 'call_out': service tasks are not supported"],
                 id="service-task"),
]


@pytest.mark.parametrize(("name", "expected"), REJECTIONS)
def test_a_hostile_or_broken_file_is_refused_naming_the_problem(fixture_forms, name, expected):
    rejection = refused(fixture_forms, [REJECTED / name])
    assert rejection.source == name
    assert str(rejection).startswith(f"{name}: ")
    for pattern in expected:
        assert any(re.search(pattern, problem) for problem in rejection.problems), (pattern, rejection.problems)


def test_every_rejected_fixture_is_covered_by_a_case():
    assert sorted(p.name for p in REJECTED.glob("*.bpmn")) == sorted(case.values[0] for case in REJECTIONS)


def test_an_external_entity_is_never_read(fixture_forms):
    rejection = refused(fixture_forms, [REJECTED / "xxe.bpmn"])
    assert "root:" not in str(rejection)


@pytest.mark.parametrize("name", ["xxe.bpmn", "billion_laughs.bpmn", "doctype_only.bpmn"])
def test_a_dtd_hidden_by_a_utf16_encoding_is_refused_too(fixture_forms, tmp_path, name):
    """The byte pattern check cannot see UTF-16; the parser's own checks must still refuse."""
    text = (REJECTED / name).read_text(encoding="utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"')
    hidden = tmp_path / name
    hidden.write_bytes(text.encode("utf-16"))
    assert b"<!DOCTYPE" not in hidden.read_bytes()
    rejection = refused(fixture_forms, [hidden])
    assert re.search(r"DTD|entit", str(rejection), re.IGNORECASE), rejection.problems


def test_the_accepted_fixtures_deploy(fixture_forms):
    """The rejected fixtures differ from these in the one thing their name says."""
    before = stored(fixture_forms)
    results = deploy_files(fixture_forms, sorted(ACCEPTED.glob("*.bpmn")), "gao.yan")
    assert [(r.key, r.version, r.status) for r in results] == [
        ("looping_script", 1, "deployed"), ("note_then_script", 1, "deployed")]
    assert stored(fixture_forms) == (before[0] + 2, before[1] + 2)


# -- nothing is stored, on both databases -----------------------------------------------------
def test_no_rejected_file_stores_anything(engine, monkeypatch):
    monkeypatch.setattr(engine.collaborators, "forms_root", FIXTURE_FORMS)
    before = stored(engine)
    assert before[0] >= 1 and before[1] >= 4  # processes/ is deployed by init
    for path in sorted(REJECTED.glob("*.bpmn")):
        refused(engine, [path])
    assert stored(engine) == before


@pytest.fixture
def mixed_folder(tmp_path) -> Path:
    """A folder with a new good process, a changed market plan, and (last in order) a bad file."""
    forms = tmp_path / "forms"
    shutil.copytree(FORMS, forms)
    shutil.copytree(FIXTURE_FORMS / "checks", forms / "checks")
    folder = tmp_path / "models"
    folder.mkdir()
    shutil.copy(ACCEPTED / "note_then_script.bpmn", folder / "a_note_then_script.bpmn")
    changed = (PROCESSES / "market_plan.bpmn").read_text(encoding="utf-8").replace(
        'name="Market plan"', 'name="Market plan, revised"')
    (folder / "b_market_plan.bpmn").write_text(changed, encoding="utf-8")
    shutil.copy(PROCESSES / "market_plan_signoff.dmn", folder / "market_plan_signoff.dmn")  # the table it calls
    shutil.copy(REJECTED / "script_imports_os.bpmn", folder / "z_script_imports_os.bpmn")
    return folder


def test_a_folder_with_one_bad_file_stores_nothing_from_the_good_ones(engine, monkeypatch, mixed_folder):
    monkeypatch.setattr(engine.collaborators, "forms_root", mixed_folder.parent / "forms")
    rejection = refused(engine, [mixed_folder])
    assert rejection.source == "z_script_imports_os.bpmn"
    assert any("steal" in p for p in rejection.problems)
    assert [(p["key"], p["version"]) for p in engine.work.processes(OPERATOR)
            if p["key"] == "market_plan"] == [("market_plan", 1)]
    assert "note_then_script" not in {p["key"] for p in engine.work.processes(OPERATOR)}

    (mixed_folder / "z_script_imports_os.bpmn").unlink()
    before = stored(engine)
    results = deploy_files(engine, [mixed_folder], "gao.yan")
    assert [(r.key, r.version, r.status) for r in results] == [
        ("note_then_script", 1, "deployed"), ("market_plan", 2, "deployed")]
    assert stored(engine) == (before[0] + 2, before[1] + 1 + 5)


# -- versions ---------------------------------------------------------------------------------
def test_deploying_the_same_processes_again_stores_nothing(engine):
    before = stored(engine)
    results = deploy_files(engine, [PROCESSES], "gao.yan")
    assert results and {r.status for r in results} == {"unchanged"}
    assert {r.key: r.version for r in results}["market_plan"] == 1
    assert stored(engine) == before


def test_a_changed_model_is_version_2_and_running_instances_stay_on_version_1(engine, tmp_path):
    original = (PROCESSES / "market_plan.bpmn").read_text(encoding="utf-8")
    changed = original.replace('name="Market plan"', 'name="Market plan, revised"').replace(
        "max_returns = 5", "max_returns = 1")
    assert changed.count("revised") == 1 and "max_returns = 1" in changed
    (tmp_path / "market_plan.bpmn").write_text(changed, encoding="utf-8")
    shutil.copy(PROCESSES / "market_plan_signoff.dmn", tmp_path / "market_plan_signoff.dmn")
    on_v1 = start_plan(engine)

    before = stored(engine)
    [result] = deploy_files(engine, [tmp_path / "market_plan.bpmn"], "gao.yan")
    assert (result.key, result.version, result.status) == ("market_plan", 2, "deployed")
    assert stored(engine) == (before[0] + 1, before[1] + 5)
    again = deploy_files(engine, [tmp_path / "market_plan.bpmn"], "gao.yan")
    assert [(r.version, r.status) for r in again] == [(2, "unchanged")]
    latest = {p["key"]: p for p in engine.work.processes(OPERATOR)}["market_plan"]
    assert (latest["version"], latest["title"]) == (2, "Market plan, revised")

    on_v2 = start_plan(engine)
    assert (engine.work.show(OPERATOR, on_v1)["version"], engine.work.show(OPERATOR, on_v2)["version"]) == (1, 2)
    # each instance runs its own version's model: v1 allows five rework rounds, v2 one
    v1_research = engine.work.task(OPERATOR, only_task(engine, "wang.lei", "research", on_v1)["id"])
    v2_research = engine.work.task(OPERATOR, only_task(engine, "wang.lei", "research", on_v2)["id"])
    assert (v1_research["process_version"], v1_research["rework_rounds"]) == (1, {"used": 0, "max": 5})
    assert (v2_research["process_version"], v2_research["rework_rounds"]) == (2, {"used": 0, "max": 1})

    research_and_draft(engine, on_v1)
    step(engine, "li.na", "manager_review", on_v1, decision("approve"))
    step(engine, "chen.yu", "director_signoff", on_v1, decision("approve"))
    finished = engine.work.show(OPERATOR, on_v1)
    assert (finished["status"], finished["end_event"], finished["version"]) == ("completed", "approved", 1)
    assert engine.work.show(OPERATOR, on_v2)["status"] == "running"


def test_a_form_change_alone_makes_a_new_version(engine, tmp_path, monkeypatch):
    forms = tmp_path / "forms"
    shutil.copytree(FORMS, forms)
    monkeypatch.setattr(engine.collaborators, "forms_root", forms)
    # the same content elsewhere is the same version
    assert {r.status for r in deploy_files(engine, [PROCESSES], "gao.yan")} == {"unchanged"}

    research = forms / "market_plan" / "research.json"
    schema = json.loads(research.read_text(encoding="utf-8"))
    schema["title"] = "Market research report (revised)"
    research.write_text(json.dumps(schema, ensure_ascii=False, indent=2), encoding="utf-8")
    before = stored(engine)
    results = {r.key: r for r in deploy_files(engine, [PROCESSES], "gao.yan")}
    assert (results["market_plan"].version, results["market_plan"].status) == (2, "deployed")
    assert {r.status for key, r in results.items() if key != "market_plan"} <= {"unchanged"}
    assert stored(engine) == (before[0] + 1, before[1] + 5)

    plan = start_plan(engine)
    form = engine.work.task(OPERATOR, only_task(engine, "wang.lei", "research", plan)["id"])["form"]
    assert form["title"] == "Market research report (revised)"


# -- the command line -------------------------------------------------------------------------
def opsflow(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "opsflow.cli", *args], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=120, check=False)


def test_the_cli_refuses_a_hostile_file_with_the_element_on_stderr(tmp_path):
    env = {**os.environ, "OPSFLOW_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite'}"}
    assert opsflow(env, "init").returncode == 0
    assert opsflow(env, "user", "add", "ana", "--role", "analyst").returncode == 0

    script = opsflow(env, "deploy", str(REJECTED / "script_imports_os.bpmn"), "--as", "ana", "--note", "try")
    assert script.returncode == 6
    assert "script_imports_os.bpmn" in script.stderr
    assert "steal: script is not allowed" in script.stderr and "Imports are not allowed" in script.stderr

    xxe = opsflow(env, "deploy", str(REJECTED / "xxe.bpmn"), "--as", "ana", "--note", "try")
    assert xxe.returncode == 6 and "xxe.bpmn: document declares a DTD or entities" in xxe.stderr

    listed = opsflow(env, "processes", "--json")
    assert listed.returncode == 0
    keys = {p["key"] for p in json.loads(listed.stdout)}
    assert "market_plan" in keys and not keys & {"script_imports_os", "xxe"}
