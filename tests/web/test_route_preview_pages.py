"""The route preview (流程预测) on the start page and "what happens next" on a task's page, as the server renders
them (the script that asks again as the form changes: tests/browser/test_route_preview_walk.py)."""

from __future__ import annotations

import re

from engine.facade import Engine
from engine.org.people import Person
from tests.journey import RESEARCH, START, only_task
from tests.web.conftest import make_app, sign_in_session


def steps_of(page: str) -> list[str]:
    return re.findall(r'<li data-step="(\w+)"', page)


def test_the_start_page_and_a_task_page_show_the_route(any_db_engine: Engine) -> None:
    engine = any_db_engine
    app = make_app(engine)
    zhang = sign_in_session(app.test_client(), "zhang.min")
    page = zhang.get("/processes/market_plan").get_data(as_text=True)  # by default the page's script asks for it
    panel = page.split('id="route-preview"', 1)[1].split("</section>", 1)[0]
    assert steps_of(page) == [] and " data-load " in panel and "data-pending" in panel
    csrf = re.search(r'data-csrf="([^"]+)"', panel)
    assert csrf
    asked = zhang.post("/api/v1/process-definitions/market_plan/preview", json={"data": {}},
                       headers={"X-CSRFToken": csrf[1]})
    assert [s["step"] for s in asked.json["steps"]] == ["research", "draft_plan", "manager_review", "director_signoff"]
    app.config["OPSFLOW_ROUTE_PREVIEW"] = "inline"  # worked out while rendering (no script needed)
    page = zhang.get("/processes/market_plan").get_data(as_text=True)
    assert steps_of(page) == ["research", "draft_plan", "manager_review", "director_signoff"]
    assert 'data-assume="budget_cny"' in page and "/api/v1/process-definitions/market_plan/preview" in page
    chinese = zhang.get("/processes/market_plan", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    route = chinese.split('id="route-preview"', 1)[1].split("</section>", 1)[0]
    assert "角色 市场调研主管" in route and "（已批准）" in route
    assert "research_supervisor" not in route.split("data-preview-url", 1)[1]  # shown by title, not by key
    app.config["OPSFLOW_ROUTE_PREVIEW"] = "off"
    assert 'id="route-preview"' not in zhang.get("/processes/market_plan").get_data(as_text=True)
    app.config["OPSFLOW_ROUTE_PREVIEW"] = "after"
    plan = int(engine.work.start(Person("li.na"), "market_plan", START).id)
    research = only_task(engine, "wang.lei", "research", plan)["id"]
    wang = sign_in_session(app.test_client(), "wang.lei")
    page = wang.get(f"/tasks/{research}").get_data(as_text=True)
    # served without the route: its script asks for it once the page is shown (bench/preview_cost.py)
    panel = page.split('id="route-preview"', 1)[1].split("</section>", 1)[0]
    assert steps_of(page) == [] and " data-load " in panel and "data-pending" in panel
    assert f'data-preview-url="/api/v1/tasks/{research}/preview"' in panel
    csrf = re.search(r'data-csrf="([^"]+)"', panel)
    assert csrf
    asked = wang.post(f"/api/v1/tasks/{research}/preview", json={"data": {}}, headers={"X-CSRFToken": csrf[1]})
    assert asked.status_code == 200, asked.get_data(as_text=True)
    assert [s["step"] for s in asked.json["steps"]] == ["research", "draft_plan", "manager_review", "director_signoff"]
    assert "budget_cny" in {f["name"] for f in asked.json["what_if"]}  # the script adds the "what if" numbers
    app.config["OPSFLOW_ROUTE_PREVIEW"] = "inline"  # worked out while rendering (no script needed)
    page = wang.get(f"/tasks/{research}").get_data(as_text=True)
    assert steps_of(page) == ["research", "draft_plan", "manager_review", "director_signoff"]
    assert 'data-assume="budget_cny"' in page and "data-pending" not in page
    app.config["OPSFLOW_ROUTE_PREVIEW"] = "off"
    assert 'id="route-preview"' not in wang.get(f"/tasks/{research}").get_data(as_text=True)
    app.config["OPSFLOW_ROUTE_PREVIEW"] = "after"
    engine.work.complete(Person("wang.lei"), research, RESEARCH)
    done = wang.get(f"/tasks/{research}").get_data(as_text=True)
    assert 'id="route-preview"' not in done  # a completed task has no next steps of its own
