"""The auditor's list of breached deadlines (超时步骤) and the search's deadline filter, in zh and en."""

from __future__ import annotations

from engine.scheduling.worker import Worker
from tests.journey import start_plan
from tests.web.conftest import make_app, sign_in_session, text


def test_the_auditor_sees_the_late_step_and_filters_the_search(demo, clock):
    late = start_plan(demo)
    clock.advance(days=9)
    Worker(demo.core, slots=20).run_once()
    on_time = start_plan(demo)
    auditor = sign_in_session(make_app(demo).test_client(), "he.ping")
    page = text(auditor.get("/audit/breaches", headers={"Accept-Language": "zh-CN"}))
    assert "超时步骤" in page and "市场调研报告" in page and "仍未完成" in page
    assert page.count("<tr data-task=") == 1 and f"/audit/instances/{late}" in page
    english = text(auditor.get("/audit/breaches?process=market_plan", headers={"Accept-Language": "en"}))
    assert "Market research report" in english and "Still open" in english and ">Yes<" in english
    assert "No step passed its due time." in text(auditor.get("/audit/breaches?person=li.na",
                                                               headers={"Accept-Language": "en"}))
    found = text(auditor.get("/audit/?breached=true", headers={"Accept-Language": "en"}))
    assert f'/audit/instances/{late}"' in found and f'/audit/instances/{on_time}"' not in found
