"""Route preview (流程预测) in a browser: zhang.min opens the market plan's start form and sees who would handle
it; as she assumes a budget above the countersign threshold (1,000,000 CNY), the route changes from the director
alone to the director and the branch GM together, and back. In Chinese on a desktop and in English on a phone.
wang.lei's research task lists what happens next once the page is shown (asked by the page's script).
Screenshots go to ``$OPSFLOW_SCREENSHOTS`` (else the test's temporary folder)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Response, expect

from engine.facade import build_engine
from engine.org.people import Person
from tests.browser.conftest import DESKTOP, PHONE, screenshot_folder, signed_in_page
from tests.journey import START, only_task

TEXTS = {
    "en": {"locale": "en-US", "director": "Director sign-off", "joint": "Joint sign-off (director and branch GM)",
           "research_role": "Market Research Supervisor", "approved": "Approved"},
    "zh": {"locale": "zh-CN", "director": "总监审批", "joint": "会签审批（总监和分公司总经理）",
           "research_role": "市场调研主管", "approved": "已批准"},
}


@pytest.mark.parametrize(("lang", "viewport"), [("zh", DESKTOP), ("en", PHONE)])
def test_the_route_follows_the_budget_across_the_threshold(
        browser: Browser, server: str, tmp_path: Path, lang: str, viewport: dict[str, int]) -> None:
    texts = TEXTS[lang]
    shots = screenshot_folder(tmp_path)
    device = "phone" if viewport is PHONE else "desktop"
    page = signed_in_page(browser, server, texts["locale"], "zhang.min", viewport)
    page.goto(f"{server}/processes/market_plan")
    panel = page.locator("#route-preview")
    steps = panel.locator("ol.route-steps li")
    expect(steps.last).to_contain_text(texts["director"])
    expect(steps.first).to_contain_text("wang.lei")
    expect(steps.first).to_contain_text(texts["research_role"])  # the role's title, not its key
    expect(steps.first).not_to_contain_text("research_supervisor")
    page.screenshot(path=str(shots / f"route-preview-{lang}-{device}-small.png"), full_page=True)

    budget = panel.locator("input[data-assume='budget_cny']")
    budget.fill("1200000")
    expect(panel.locator("li[data-step='joint_signoff']")).to_have_count(2)
    expect(panel.locator("li[data-step='joint_signoff']").first).to_contain_text(texts["joint"])
    expect(panel.locator("li[data-step='director_signoff']")).to_have_count(0)
    expect(panel.locator("li[data-step='joint_signoff']").last).to_contain_text("sun.hao")
    expect(steps.first).to_contain_text(texts["research_role"])  # redrawn by the page's script: titles still
    page.screenshot(path=str(shots / f"route-preview-{lang}-{device}-large.png"), full_page=True)

    budget.fill("900000")
    expect(panel.locator("li[data-step='director_signoff']")).to_have_count(1)
    expect(panel.locator("li[data-step='joint_signoff']")).to_have_count(0)
    page.locator("input[name='title']").fill("Autumn push")  # the start form itself asks again too
    expect(panel.locator("[data-total]")).to_contain_text(texts["approved"])
    expect(panel.locator("[data-total]")).not_to_contain_text("(approved)")


@pytest.mark.parametrize(("lang", "viewport"), [("en", DESKTOP), ("zh", PHONE)])
def test_a_task_page_lists_what_happens_next_once_shown(
        browser: Browser, server: str, tmp_path: Path, lang: str, viewport: dict[str, int]) -> None:
    """The task page is served without the route (it would wait for the model's run); its script asks for it,
    adds the "what if" numbers, and follows an assumed budget across the threshold."""
    texts = TEXTS[lang]
    shots = screenshot_folder(tmp_path)
    device = "phone" if viewport is PHONE else "desktop"
    engine = build_engine(f"sqlite:///{tmp_path / 'opsflow.sqlite'}")  # the server's database
    try:
        plan = int(engine.work.start(Person("li.na"), "market_plan", START).id)
        research = only_task(engine, "wang.lei", "research", plan)["id"]
    finally:
        engine.db.dispose()
    page = signed_in_page(browser, server, texts["locale"], "wang.lei", viewport)
    previews: list[Response] = []
    page.on("response", lambda response: previews.append(response) if response.url.endswith("/preview") else None)
    page.goto(f"{server}/tasks/{research}")
    panel = page.locator("#route-preview")
    steps = panel.locator("ol.route-steps li")
    expect(steps).to_have_count(4)
    expect(panel.locator("[data-pending]")).to_have_count(0)
    expect(steps.first).to_contain_text(texts["research_role"])
    expect(steps.last).to_contain_text(texts["director"])
    budget = panel.locator("input[data-assume='budget_cny']")  # drawn by the script from the first answer
    expect(budget).to_have_count(1)
    page.screenshot(path=str(shots / f"task-next-{lang}-{device}.png"), full_page=True)
    budget.fill("1500000")
    expect(panel.locator("li[data-step='joint_signoff']")).to_have_count(2)
    expect(panel.locator("li[data-step='joint_signoff']").first).to_contain_text(texts["joint"])
    # asked in the background, the preview leaves the session cookie alone: answered after a submission, it would
    # otherwise put back the cookie from before it and lose the submission's "done" message (webui/sessions.py)
    assert previews and all(r.request.header_value("sec-fetch-mode") == "cors" for r in previews)
    assert all("opsflow_session" not in (r.header_value("set-cookie") or "") for r in previews)
