"""The modeler's use cases: drafts with conflicts, validation on elements, deploy with a note, versions,
the semantic diff and migrating running instances (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
from sqlalchemy import func, select

from engine.errors import Conflict, DeploymentRejected, InvalidInput, NotAllowed
from engine.facade import build_engine
from engine.models import HistoryEvent, HumanTask, ProcessDefinition, ProcessDraft
from engine.org.people import Person
from tests.journey import (
    DRAFT,
    OPERATOR,
    RESEARCH,
    chains,
    decision,
    deploy_files,
    only_task,
    research_and_draft,
    start_plan,
    step,
)
from tests.modeler_steps import BUDGET_DONE, BUDGET_FORM_NAME, budget_files, with_budget_check
from tests.paths import REPO

ANALYST = "gao.yan"


def count(engine, model) -> int:
    with engine.core.reading() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def deploy_budget_check(engine) -> dict:
    opened = engine.modeler.open_draft(Person(ANALYST), "market_plan")
    saved = engine.modeler.save_draft(Person(ANALYST), "market_plan", with_budget_check(opened["bpmn"]),
                                      budget_files(opened["files"]), opened["version"])
    assert [p for p in saved["problems"] if p["severity"] == "error"] == []
    return engine.modeler.deploy_draft(Person(ANALYST), "market_plan", saved["version"],
                                       "Budget check by the operations manager")


def test_a_draft_opens_from_the_latest_version_and_saving_twice_over_one_version_conflicts(engine):
    opened = engine.modeler.open_draft(Person(ANALYST), "market_plan")
    assert (opened["version"], opened["based_on_version"], opened["saved"]) == (0, 1, False)
    assert "market_plan/research.json" in opened["files"] and opened["problems"] == []
    first = engine.modeler.save_draft(Person(ANALYST), "market_plan", opened["bpmn"], opened["files"], 0)
    assert first["version"] == 1
    with pytest.raises(Conflict, match="saved this draft"):
        engine.modeler.save_draft(Person("admin"), "market_plan", opened["bpmn"], opened["files"],
                                  0)  # opened at 0 as well
    second = engine.modeler.save_draft(Person("admin"), "market_plan", opened["bpmn"], opened["files"], 1)
    assert (second["version"], second["updated_by"]) == (2, "admin")
    assert engine.modeler.open_draft(Person(ANALYST), "market_plan")["version"] == 2
    assert [d["key"] for d in engine.modeler.drafts(Person(ANALYST))] == ["market_plan"]


def test_a_lane_without_a_role_is_a_problem_on_the_lane_and_blocks_the_deploy(engine):
    opened = engine.modeler.open_draft(Person(ANALYST), "market_plan")
    saved = engine.modeler.save_draft(Person(ANALYST), "market_plan", with_budget_check(opened["bpmn"], role=""),
                              budget_files(opened["files"]), 0)
    errors = {(p["element"], p["message"]) for p in saved["problems"] if p["severity"] == "error"}
    assert ("lane_ops", "lane 'lane_ops' names no role: its name must be the role that does its tasks") in errors
    assert any(element == "budget_check" and "in no lane" in message for element, message in errors)
    before = count(engine, ProcessDefinition)
    with pytest.raises(DeploymentRejected) as refused:
        engine.modeler.deploy_draft(Person(ANALYST), "market_plan", saved["version"], "try")
    assert any(getattr(p, "element", None) == "lane_ops" for p in refused.value.problems)
    assert count(engine, ProcessDefinition) == before and count(engine, ProcessDraft) == 1


def test_deploying_needs_a_note_makes_version_2_and_removes_the_draft(engine):
    opened = engine.modeler.open_draft(Person(ANALYST), "market_plan")
    saved = engine.modeler.save_draft(Person(ANALYST), "market_plan", with_budget_check(opened["bpmn"]),
                                      budget_files(opened["files"]), 0)
    with pytest.raises(InvalidInput, match="change note"):
        engine.modeler.deploy_draft(Person(ANALYST), "market_plan", saved["version"], "  ")
    with pytest.raises(Conflict):
        engine.modeler.deploy_draft(Person(ANALYST), "market_plan", saved["version"] - 1, "stale")
    result = engine.modeler.deploy_draft(Person(ANALYST), "market_plan", saved["version"], "Budget check")
    assert (result["version"], result["status"]) == (2, "deployed")
    assert count(engine, ProcessDraft) == 0
    versions = engine.modeler.versions(Person(ANALYST), "market_plan")
    assert [(v["version"], v["deployed_by"], v["note"]) for v in versions] == [
        (2, ANALYST, "Budget check"), (1, "opsflow init", "")]
    assert engine.modeler.version(Person(ANALYST), "market_plan", 2)["files"][BUDGET_FORM_NAME]["kind"] == "form"


def test_unchanged_content_is_not_a_new_version(engine):
    opened = engine.modeler.open_draft(Person(ANALYST), "market_plan")
    saved = engine.modeler.save_draft(Person(ANALYST), "market_plan", opened["bpmn"], opened["files"], 0)
    assert engine.modeler.deploy_draft(Person(ANALYST), "market_plan", saved["version"],
                                       "nothing")["status"] == "unchanged"
    assert [v["version"] for v in engine.modeler.versions(Person(ANALYST), "market_plan")] == [1]


def test_a_staff_member_may_not_touch_drafts_or_versions(engine):
    for call in (lambda: engine.modeler.open_draft(Person("zhou.jie"), "market_plan"),
                 lambda: engine.modeler.drafts(Person("zhou.jie")),
                 lambda: engine.modeler.versions(Person("zhou.jie"), "market_plan"),
                 lambda: engine.modeler.migration_dry_run(Person("zhou.jie"), "market_plan", 1),
                 lambda: engine.modeler.save_draft(Person("zhou.jie"), "market_plan", "<x/>", {}, 0)):
        with pytest.raises(NotAllowed):
            call()


def test_the_diff_names_the_new_task_its_form_and_the_changed_flows(engine):
    deploy_budget_check(engine)
    diff = engine.modeler.diff(Person(ANALYST), "market_plan", 1, 2)
    changes = {c["element"]: c for c in diff["elements"]}
    assert changes["budget_check"]["change"] == "added" and changes["lane_ops"]["change"] == "added"
    assert changes["flow_budget_director"]["change"] == "added"
    assert changes["flow_review_approved"]["fields"] == [
        {"field": "targetRef", "before": "signoff_route", "after": "budget_check"}]
    assert changes["flow_cap_to_director"]["change"] == "changed"
    assert "lane_director" not in changes and "research" not in changes  # untouched, layout aside
    assert diff["forms"] == [{"file": BUDGET_FORM_NAME, "change": "added", "used_by": ["budget_check"], "fields": []}]


def test_a_plan_started_before_the_deploy_finishes_on_v1_one_after_passes_the_budget_check(engine):
    before = start_plan(engine)
    deploy_budget_check(engine)
    after = start_plan(engine)
    for plan in (before, after):
        research_and_draft(engine, plan)
        step(engine, "li.na", "manager_review", plan, decision("approve"))
    assert [t["name"] for t in engine.work.tasks(Person("zhao.qiang")) if t["instance_id"] == after] == ["budget_check"]
    step(engine, "zhao.qiang", "budget_check", after, BUDGET_DONE)
    for plan in (before, after):
        step(engine, "chen.yu", "director_signoff", plan, decision("approve"))
    assert [(engine.work.show(OPERATOR, p)["version"], engine.work.show(OPERATOR, p)["status"])
            for p in (before, after)] == [(1, "completed"), (2, "completed")]


def test_a_plan_waiting_at_manager_review_migrates_and_one_past_it_is_refused_with_the_reason(engine):
    waiting = start_plan(engine)
    research_and_draft(engine, waiting)
    past = start_plan(engine)
    research_and_draft(engine, past)
    step(engine, "li.na", "manager_review", past, decision("approve"))  # now at director sign-off
    deploy_budget_check(engine)

    plan = {c["instance_id"]: c for c in engine.modeler.migration_dry_run(Person(ANALYST), "market_plan", 2)}
    assert plan[waiting]["can_move"] and plan[waiting]["waiting_at"] == ["manager_review"]
    assert not plan[past]["can_move"]
    assert plan[past]["reasons"] == ["version 2 reaches 'director_signoff' only through the new step "
                                     "'budget_check', which this instance has not passed"]

    results = {r["instance_id"]: r for r in engine.modeler.migrate_instances(Person(ANALYST), [waiting, past], 2,
                                                                             "New budget rule")}
    assert results[waiting]["moved"] and not results[past]["moved"]
    assert (engine.work.show(OPERATOR, waiting)["version"], engine.work.show(OPERATOR, past)["version"]) == (2, 1)
    with engine.core.reading() as session:
        open_rows = [(t.name, t.definition_id) for t in session.scalars(select(HumanTask).where(
            HumanTask.instance_id == waiting, HumanTask.state == "open"))]
        v2 = session.scalar(select(ProcessDefinition.id).where(ProcessDefinition.version == 2,
                                                               ProcessDefinition.key == "market_plan"))
        event = session.scalars(select(HistoryEvent).where(HistoryEvent.instance_id == waiting,
                                                           HistoryEvent.kind == "instance_migrated")).one()
        who, payload = event.actor, event.payload_json
    assert open_rows == [("manager_review", v2)]
    assert who == ANALYST and '"reason":"New budget rule"' in payload
    assert chains(engine, waiting)[1] == []

    step(engine, "li.na", "manager_review", waiting, decision("approve"))
    step(engine, "zhao.qiang", "budget_check", waiting, BUDGET_DONE)
    step(engine, "chen.yu", "director_signoff", waiting, decision("approve"))
    assert engine.work.show(OPERATOR, waiting)["status"] == "completed"


def test_a_migration_needs_a_reason_and_moves_nothing_without_one(engine):
    waiting = start_plan(engine)
    deploy_budget_check(engine)
    with pytest.raises(InvalidInput, match="reason"):
        engine.modeler.migrate_instances(Person(ANALYST), [waiting], 2, " ")
    assert engine.work.show(OPERATOR, waiting)["version"] == 1
    step(engine, "wang.lei", "research", waiting, RESEARCH)  # still runs on v1
    step(engine, "zhang.min", "draft_plan", waiting, DRAFT)
    assert only_task(engine, "li.na", "manager_review", waiting)


def test_the_command_line_lists_versions_diffs_and_migrates(tmp_path):
    root = REPO
    env = {**os.environ, "OPSFLOW_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite'}"}

    def opsflow(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "opsflow.cli", *args], env=env, cwd=root, capture_output=True,
                              text=True, timeout=120, check=False)

    assert opsflow("init", "--demo").returncode == 0
    (tmp_path / "market_plan.bpmn").write_text(with_budget_check(), encoding="utf-8")
    shutil.copy(root / "processes" / "market_plan_signoff.dmn", tmp_path / "market_plan_signoff.dmn")
    forms = tmp_path / "forms"
    shutil.copytree(root / "forms", forms)
    (forms / BUDGET_FORM_NAME).write_text(budget_files({})[BUDGET_FORM_NAME]["content"], encoding="utf-8")
    engine = build_engine(env["OPSFLOW_DATABASE_URL"])
    try:
        waiting = start_plan(engine)
        research_and_draft(engine, waiting)
        engine.collaborators.forms_root = forms
        deploy_files(engine, [tmp_path / "market_plan.bpmn"], ANALYST, "Budget check")
    finally:
        engine.db.dispose()
    listed = json.loads(opsflow("versions", "market_plan", "--as", ANALYST, "--json").stdout)
    assert [(v["version"], v["note"]) for v in listed] == [(2, "Budget check"), (1, "")]
    shown = opsflow("diff", "market_plan", "1", "2", "--as", ANALYST).stdout
    assert "added    userTask           budget_check" in shown
    dry = json.loads(opsflow("migrate", "market_plan", "--to", "2", "--dry-run", "--as", ANALYST,
                                    "--json").stdout)
    assert [(c["instance_id"], c["can_move"]) for c in dry] == [(waiting, True)]
    refused = opsflow("migrate", "market_plan", "--to", "2", "--as", "zhou.jie")
    assert refused.returncode == 4
    moved = json.loads(opsflow("migrate", "market_plan", "--to", "2", "--reason", "budget rule", "--as",
                                      ANALYST, "--json").stdout)
    assert [(m["instance_id"], m["moved"]) for m in moved] == [(waiting, True)]


def test_a_plan_waiting_in_a_countersign_round_is_not_moved(engine):
    plan = start_plan(engine)
    research_and_draft(engine, plan, {**DRAFT, "budget_cny": 2000000})
    step(engine, "li.na", "manager_review", plan, decision("approve"))
    deploy_budget_check(engine)
    [check] = [c for c in engine.modeler.migration_dry_run(Person(ANALYST), "market_plan", 2)
               if c["instance_id"] == plan]
    assert not check["can_move"] and check["waiting_at"] == ["joint_signoff"]
    assert "step 'joint_signoff' is running right now" in check["reasons"]
