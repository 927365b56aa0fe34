"""Separation of duties in the web: the branch GM allows an exception on the task page, the drafter then reviews,
and the auditor's report shows both findings (zh page, CSV download)."""

from __future__ import annotations

from engine.facade import Engine
from engine.org.people import Person
from engine.org.staffing import PersonSpec
from tests.journey import DRAFT, OPERATOR, RESEARCH, start_plan, step
from tests.web.conftest import ClientFor, text

ZH = {"Accept-Language": "zh-CN"}


def test_an_exception_is_allowed_on_the_task_page_and_reported(client_as: ClientFor, web_engine: Engine) -> None:
    plan = start_plan(web_engine, "zhang.min")
    step(web_engine, "wang.lei", "research", plan, RESEARCH)
    step(web_engine, "zhang.min", "draft_plan", plan, DRAFT)
    web_engine.org.set_person(OPERATOR, "zhang.min", PersonSpec(roles=["planning_supervisor", "marketing_manager"]))
    [review] = web_engine.work.show(OPERATOR, plan)["open_tasks"]
    assert 'id="separation"' not in text(client_as("li.na").get(f"/tasks/{review['id']}", headers=ZH))
    gm = client_as("chen.yu")
    page = text(gm.get(f"/tasks/{review['id']}", headers=ZH))
    assert 'id="separation"' in page and "办理过本申请“撰写营销策划方案”的人不得办理此步骤" in page
    refused = gm.post(f"/tasks/{review['id']}/separation-override", data={"reason": " "}, headers=ZH,
                      follow_redirects=True)  # back to the task page, saying why; nothing recorded
    assert 'id="separation"' in text(refused) and "例外已记录" not in text(refused)
    assert not [e for e in web_engine.work.history(OPERATOR, plan) if e["kind"] == "separation_overridden"]
    done = gm.post(f"/tasks/{review['id']}/separation-override", data={"reason": "李娜休假一个月"}, headers=ZH,
                   follow_redirects=True)
    assert "例外已记录" in text(done)
    assert client_as("zhou.jie").post(f"/tasks/{review['id']}/separation-override",
                                      data={"reason": "x"}).status_code == 403
    report = text(client_as("he.ping").get("/audit/sod", headers=ZH))
    assert 'data-kind="override"' in report and "李娜休假一个月" in report and "例外批准" in report
    csv = client_as("he.ping").get("/audit/sod?format=csv&process=market_plan")
    assert csv.mimetype == "text/csv" and "李娜休假一个月" in csv.get_data(as_text=True)


def test_the_one_a_rule_keeps_away_is_told_and_may_not_allow_it_himself(client_as: ClientFor,
                                                                         web_engine: Engine) -> None:
    web_engine.org.set_person(OPERATOR, "chen.yu", PersonSpec(roles=["director", "staff"]))
    started = web_engine.work.start(Person("chen.yu"), "expense_approval", {
        "title": "Printer", "budget_line": "marketing_promotion", "amount": 150000, "basis": "2027 budget, item 9"})
    step(web_engine, "li.na", "holder_review", started.id, {"decision": "approve"})
    step(web_engine, "zhao.qiang", "ops_manager_review", started.id, {"decision": "approve"})
    [sign] = web_engine.work.show(OPERATOR, started.id)["open_tasks"]
    director = client_as("chen.yu")
    page = text(director.get(f"/tasks/{sign['id']}", headers=ZH))
    assert "办理过本申请“发起申请”的人不得办理此步骤" in page
    refused = text(director.post(f"/tasks/{sign['id']}/separation-override", data={"reason": "我自己的预算"},
                                 headers=ZH, follow_redirects=True))
    assert "不能自己批准例外" in refused and "例外已记录" not in refused
    assert not [e for e in web_engine.work.history(OPERATOR, started.id) if e["kind"] == "separation_overridden"]
    director.post(f"/tasks/{sign['id']}/complete", data={"decision": "approve"}, headers=ZH)  # refused, recorded
    timeline = text(director.get(f"/instances/{started.id}", headers=ZH))
    assert "被不相容职责分离规则拒绝：陈宇 办理过本申请的“发起申请”" in timeline
    report = text(client_as("he.ping").get("/audit/sod?process=expense_approval", headers=ZH))
    assert 'data-kind="refused"' in report and "尝试被规则拒绝" in report
