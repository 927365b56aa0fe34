"""No one holds the role (审批人为空): per process (``whenNoHolder``), the step goes to an admin (the default), to
the starter's manager, or is refused with a clear message; never a task nobody can see."""

from __future__ import annotations

import pytest

from engine.errors import DeploymentRejected, ProcessError
from engine.org.people import Person
from tests.approver_rules import deploy_market_plan, set_active
from tests.journey import OPERATOR, RESEARCH, START, only_task, start_plan


def _research_created(engine, plan):
    return next(e for e in engine.work.history(OPERATOR, plan) if e["kind"] == "task_created")["payload"]


def test_by_default_a_step_nobody_holds_goes_to_an_admin_on_the_record(engine):
    set_active(engine, "wang.lei", False)  # the only research supervisor has left
    plan = start_plan(engine)
    task = only_task(engine, "admin", "research", plan)
    assert task["assignee"] == "admin"
    assert _research_created(engine, plan)["no_holder"] == {"role": "research_supervisor", "rule": "admins",
                                                           "to": "admin"}
    assert engine.work.complete(Person("admin"), task["id"], RESEARCH)["next_tasks"] == ["draft_plan"]


def test_the_manager_rule_sends_it_to_the_starters_manager(engine, tmp_path):
    deploy_market_plan(engine, tmp_path, {"whenNoHolder": "manager"})
    set_active(engine, "wang.lei", False)
    plan = start_plan(engine)  # li.na reports to chen.yu
    task = only_task(engine, "chen.yu", "research", plan)
    assert task["assignee"] == "chen.yu"
    assert _research_created(engine, plan)["no_holder"]["rule"] == "manager"


def test_the_refuse_rule_refuses_to_start_with_a_clear_message_and_stores_nothing(engine, tmp_path):
    deploy_market_plan(engine, tmp_path, {"whenNoHolder": "refuse"})
    set_active(engine, "wang.lei", False)
    with pytest.raises(ProcessError, match="nobody holds the role 'research_supervisor'"):
        engine.work.start(Person("li.na"), "market_plan", START)
    assert engine.work.instances(OPERATOR) == []
    set_active(engine, "wang.lei", True)
    assert only_task(engine, "wang.lei", "research", start_plan(engine))["assignee"] is None  # held: as always


def test_an_unknown_rule_is_refused_at_deploy(engine, tmp_path):
    with pytest.raises(DeploymentRejected, match="whenNoHolder"):
        deploy_market_plan(engine, tmp_path, {"whenNoHolder": "anyone"})


def test_with_no_admin_the_step_goes_to_the_starters_manager_and_with_neither_it_is_refused(engine):
    set_active(engine, "wang.lei", False)
    set_active(engine, "admin", False)
    plan = start_plan(engine)  # li.na reports to chen.yu
    assert only_task(engine, "chen.yu", "research", plan)["assignee"] == "chen.yu"
    set_active(engine, "chen.yu", False)
    with pytest.raises(ProcessError, match="neither an admin nor a manager"):
        engine.work.start(Person("li.na"), "market_plan", START)
