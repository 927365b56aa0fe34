"""Bulk approval (批量审批) in the inbox: a box on the rows of a step that allows it, one comment for all; the
ones done and the one that was not are told; zh and en."""

from __future__ import annotations

from engine.facade import Engine
from engine.org.people import Person
from tests.approver_rules import deploy_market_plan, move_role, set_active
from tests.journey import OPERATOR, decision, only_task, research_and_draft, start_plan, step
from tests.web.conftest import ClientFor, text

EN, ZH = {"Accept-Language": "en"}, {"Accept-Language": "zh-CN"}


def test_ticked_reviews_are_approved_together_and_a_stale_one_is_told(client_as: ClientFor, web_engine: Engine,
                                                                      tmp_path) -> None:
    li_na = client_as("li.na")
    assert 'form="bulk-approve"' not in text(li_na.get("/", headers=EN))  # off by default
    deploy_market_plan(web_engine, tmp_path, steps={"manager_review": {"bulkApprove": "true"}})
    plans = [start_plan(web_engine) for _ in range(2)]
    for plan in plans:
        research_and_draft(web_engine, plan)
    tasks = [only_task(web_engine, "li.na", "manager_review", plan)["id"] for plan in plans]
    inbox = text(li_na.get("/", headers=ZH))
    assert "批量审批" in inbox and all(f'name="task" value="{t}" form="bulk-approve"' in inbox for t in tasks)
    step(web_engine, "li.na", "manager_review", plans[1], decision("return", "Too vague"))
    response = li_na.post("/inbox/bulk-approve", data={"task": [str(t) for t in tasks], "comment": "同意"},
                          headers=EN, follow_redirects=True)
    page = text(response)
    assert "Approved 1 tasks." in page and f"Task {tasks[1]} was not approved: Someone else did or took it" in page
    [done] = [e for e in web_engine.work.history(OPERATOR, plans[0])
              if e["kind"] == "task_completed" and e["task_name"] == "manager_review"]
    assert (done["payload"]["decision"], done["payload"]["comment"]) == ("approve", "同意")
    assert only_task(web_engine, "chen.yu", "director_signoff", plans[0])
    assert web_engine.work.tasks(Person("li.na")) == []


def test_the_timeline_tells_a_step_passed_for_the_same_approver_and_one_nobody_held(
        client_as: ClientFor, web_engine: Engine, tmp_path) -> None:
    deploy_market_plan(web_engine, tmp_path, {"skipSameApprover": "true"})
    move_role(web_engine, "director", "chen.yu", "li.na")
    plan = start_plan(web_engine)
    research_and_draft(web_engine, plan)
    step(web_engine, "li.na", "manager_review", plan, decision("approve"))
    page = text(client_as("li.na").get(f"/instances/{plan}", headers=ZH))
    assert "自动通过：李娜 刚审批过上一步" in page
    assert "Passed automatically (same approver)" in text(client_as("he.ping").get(f"/audit/instances/{plan}",
                                                                                    headers=EN))
    set_active(web_engine, "wang.lei", False)
    other = start_plan(web_engine)
    assert "rule it went to Administrator: " in text(
        client_as("li.na").get(f"/instances/{other}", headers=EN))
