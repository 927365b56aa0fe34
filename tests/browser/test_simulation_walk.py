"""What-if simulation in a browser: gao.yan (analyst) opens the market plan's simulation page from the modeler,
runs "as is" against the saved "add a budget check" draft and reads the comparison: the draft's run has the
budget check, every case of both runs ended, and the change in cycle time is shown. In Chinese on a desktop and
in English on a phone.
Screenshots go to ``$OPSFLOW_SCREENSHOTS`` (else the test's temporary folder)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from engine.facade import build_engine
from tests.browser.conftest import DESKTOP, PHONE, screenshot_folder, signed_in_page
from tests.simulation_drafts import save_budget_check_draft

LOCALES = {"zh": "zh-CN", "en": "en-US"}
MANAGER = {"zh": "市场部经理", "en": "Marketing Manager"}  # marketing_manager, named by its title
REVIEW = {"zh": "审核方案", "en": "Review the plan"}  # the step manager_review, by its title
BUDGET_CHECK = {"zh": "预算审核", "en": "Check the budget"}  # the draft's new step, by the draft's own names


@pytest.mark.parametrize(("lang", "viewport"), [("zh", DESKTOP), ("en", PHONE)])
def test_the_analyst_compares_the_budget_check_draft_with_as_is(
        browser: Browser, server: str, tmp_path: Path, lang: str, viewport: dict[str, int]) -> None:
    shots = screenshot_folder(tmp_path)
    device = "phone" if viewport is PHONE else "desktop"
    engine = build_engine(f"sqlite:///{tmp_path / 'opsflow.sqlite'}")  # the server's database
    try:
        save_budget_check_draft(engine)
    finally:
        engine.db.dispose()
    page = signed_in_page(browser, server, LOCALES[lang], "gao.yan", viewport)
    page.goto(f"{server}/modeler/")
    page.locator("a[href='/modeler/market_plan/simulate']").click()
    expect(page.locator("input[name='people.research_supervisor']")).to_have_attribute("placeholder", "1")
    expect(page.locator("table.sim-params").first).to_contain_text(MANAGER[lang])
    expect(page.locator("table.sim-params tr[data-step='manager_review'] th")).to_have_text(REVIEW[lang])
    expect(page.locator("input[name='model'][value='draft']")).to_be_checked()
    expect(page.locator("#sim-away input[name='away.research_supervisor']")).to_have_attribute("placeholder", "0.0")
    expect(page.locator("#sim-returns")).to_be_visible()
    page.locator("input[name='cases']").fill("200")
    page.locator("input[name='people.marketing_manager']").fill("2")  # B: the draft, and one more reviewer
    page.screenshot(path=str(shots / f"simulate-{lang}-{device}-form.png"), full_page=True)
    page.locator("form.sim-form button[type='submit']").click()
    result = page.locator("#sim-result")
    expect(result).to_be_visible()
    heading = result.locator("svg.sim-chart text.sim-group[data-step='budget_check']")
    expect(heading).to_have_text(BUDGET_CHECK[lang])  # the new step's bars, headed by its title
    expect(result.locator("svg.sim-chart g[data-step='budget_check'][data-bar='B'] rect")).to_have_count(2)
    expect(result.locator("svg.sim-chart text.sim-group[data-step='manager_review']")).to_have_text(REVIEW[lang])
    expect(result.locator("svg.sim-chart").last).not_to_contain_text("manager_review")
    expect(result.locator("table.sim-steps tr[data-step='budget_check'] th")).to_have_text(BUDGET_CHECK[lang])
    float(result.locator("[data-delta='median']").inner_text())  # B - A, a number (its sign: the engine's tests)
    expect(result.locator("table.sim-compare")).to_contain_text(MANAGER[lang])  # its utilisation row
    expect(result.locator("table.sim-compare")).to_contain_text("200 / 0 / 0")  # every case ended, in both runs
    events = result.locator("#sim-events tr[data-step='manager_review'] th")  # returns, timers, deadlines
    expect(events).to_have_text(REVIEW[lang])  # by its title, not its id
    page.screenshot(path=str(shots / f"simulate-{lang}-{device}-result.png"), full_page=True)
