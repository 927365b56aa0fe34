"""CC modelled in BPMN (抄送节点, ``copyTo``): the market plan copies the operations manager at its end; a step's
``copyTo`` copies roles, the starter's manager and people named by the data when it is completed; the deploy
check refuses what names nobody."""

from __future__ import annotations

import shutil

import pytest

from engine.errors import DeploymentRejected
from engine.org.people import Person
from tests.approver_rules import MARKET_PLAN, deploy_market_plan
from tests.journey import DRAFT, OPERATOR, RESEARCH, decision, deploy_files, research_and_draft, start_plan, step

OPS_MANAGER = Person("zhao.qiang")


def _copy_events(engine, plan):
    return [e for e in engine.work.history(OPERATOR, plan) if e["kind"] == "instance_copied"]


def test_the_market_plan_copies_the_operations_manager_when_it_ends(engine):
    plan = start_plan(engine)
    research_and_draft(engine, plan)
    step(engine, "li.na", "manager_review", plan, decision("approve"))
    assert engine.work.copies(OPS_MANAGER) == []  # nothing before the end
    step(engine, "chen.yu", "director_signoff", plan, decision("approve", "Go ahead"))
    [entry] = engine.work.copies(OPS_MANAGER)
    assert (entry["instance_id"], entry["copied_by"], entry["by_process"], entry["read"]) == (
        plan, "market_plan", True, False)
    [event] = _copy_events(engine, plan)
    assert event["actor"] is None and event["task_name"] == "approved"
    assert event["payload"] == {"copied_to": ["zhao.qiang"], "by_model": "approved"}
    [told] = [n for n in engine.work.notifications(OPS_MANAGER) if n.kind == "copied"]
    assert told.instance_id == plan and "方案已批准 · Plan approved" in told.subject
    assert engine.work.show(OPS_MANAGER, plan)["id"] == plan  # the copy lets him read it


def test_a_vetoed_plan_copies_him_too_and_someone_copied_by_hand_is_not_copied_twice(engine):
    plan = start_plan(engine)
    engine.work.copy(Person("li.na"), plan, ["zhao.qiang"], "FYI")
    research_and_draft(engine, plan)
    step(engine, "li.na", "manager_review", plan, decision("approve"))
    step(engine, "chen.yu", "director_signoff", plan, decision("veto", "Not this year"))
    assert [c["copied_by"] for c in engine.work.copies(OPS_MANAGER)] == ["li.na"]
    assert [e["actor"] for e in _copy_events(engine, plan)] == ["li.na"]  # the end copied nobody new


def test_a_step_copies_roles_the_starters_manager_and_people_named_by_the_data(engine, tmp_path):
    deploy_market_plan(engine, tmp_path, steps={
        "research": {"copyTo": "promotion_supervisor,starter_manager"},
        "draft_plan": {"copyTo": "starter,${start.title}"}})
    plan = start_plan(engine, "zhang.min")  # her manager is li.na
    assert _copy_events(engine, plan) == []
    step(engine, "wang.lei", "research", plan, RESEARCH)
    [event] = _copy_events(engine, plan)
    assert event["task_name"] == "research"
    assert event["payload"]["copied_to"] == ["li.na", "liu.yang"]
    assert [c["instance_id"] for c in engine.work.copies(Person("liu.yang"))] == [plan]
    step(engine, "zhang.min", "draft_plan", plan, DRAFT)  # the title names nobody: only the starter is copied
    assert [e["payload"]["copied_to"] for e in _copy_events(engine, plan)] == [["li.na", "liu.yang"], ["zhang.min"]]


@pytest.mark.parametrize(("where", "value", "expected"), [
    ("research", "nobody_role", "copyTo target 'nobody_role' is not a role"),
    ("research", "${not a path}", "is not a role, starter"),
])
def test_the_deploy_check_refuses_a_copy_that_names_nobody(engine, tmp_path, where, value, expected):
    with pytest.raises(DeploymentRejected) as refused:
        deploy_market_plan(engine, tmp_path, steps={where: {"copyTo": value}})
    assert any(expected in problem for problem in refused.value.problems)


def test_a_copy_on_an_element_that_never_copies_is_refused(engine, tmp_path):
    xml = MARKET_PLAN.read_text(encoding="utf-8")
    anchor = '<spiffworkflow:property name="titleZh" value="总监和分公司总经理会签" />'
    path = tmp_path / "market_plan.bpmn"
    path.write_text(xml.replace(anchor, anchor + '<spiffworkflow:property name="copyTo" value="director" />'),
                    encoding="utf-8")
    shutil.copy(MARKET_PLAN.with_name("market_plan_signoff.dmn"), tmp_path)
    with pytest.raises(DeploymentRejected) as refused:
        deploy_files(engine, [path], "gao.yan")
    assert "who_signs: copyTo is read on user tasks and end events only" in refused.value.problems
