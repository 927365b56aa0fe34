"""At a past step, the audit page's "passed more than once" chips count only what had happened by then."""

from __future__ import annotations

from engine.facade import Engine
from tests.journey import DRAFT, decision, research_and_draft, start_plan, step
from tests.web.conftest import ClientFor, text

EN = {"Accept-Language": "en"}


def test_the_chips_follow_the_step_shown(client_as: ClientFor, web_engine: Engine) -> None:
    plan = start_plan(web_engine)
    research_and_draft(web_engine, plan)
    step(web_engine, "li.na", "manager_review", plan, decision("return", "Budget too high"))
    step(web_engine, "zhang.min", "draft_plan", plan, DRAFT)
    auditor = client_as("he.ping")
    latest = text(auditor.get(f"/audit/instances/{plan}", headers=EN))
    assert 'data-loop="draft_plan"' in latest and "Passed more than once by then:" in latest
    early = text(auditor.get(f"/audit/instances/{plan}?step=2", headers=EN))
    assert 'data-loop="draft_plan"' not in early and "Passed more than once" not in early
    scrubbed = auditor.get(f"/audit/instances/{plan}/steps/2").get_json()
    assert "data-loop" not in scrubbed["html"]


def test_a_steps_data_is_shown_in_form_order_with_list_rows_labelled(client_as: ClientFor, web_engine: Engine) -> None:
    plan = start_plan(web_engine)
    research_and_draft(web_engine, plan)
    page = text(client_as("he.ping").get(f"/audit/instances/{plan}", headers={"Accept-Language": "zh-CN"}))
    draft = page[page.index("Spring launch"):]
    assert draft.index("方案标题") < draft.index("预算") < draft.index("渠道") < draft.index("推广活动")
    assert "1. 活动名称: Estate open days, 开始日期: 2027年1月10日" in draft
