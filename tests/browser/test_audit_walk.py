"""The auditor's walk in Chromium, in Chinese and English, as he.ping on the production server.

He finds the market plan that was approved after a rework by the search filters, opens it, sees
its diagram with the loop count and the end reached, scrubs to the step right after the first
manager review and sees the data and the open task as they were then, and sees the verified badge
saying what was checked. Screenshots at desktop and phone width are written to
``$OPSFLOW_SCREENSHOTS`` (else the test's temporary folder). Every look is in the access log.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from engine.facade import build_engine
from engine.org.people import Person
from tests.browser.conftest import DEMO_PASSWORD
from tests.journey import DRAFT, START, decision, research_and_draft, start_plan, step

TEXTS = {
    "en": {"locale": "en-US", "audit": "Audit", "approved": "Approved", "rework": "A step was done more than once",
           "review": "Review the plan", "returned": "Return for rework", "draft": "Draft the marketing plan",
           "open_to": "open to Marketing Planning Supervisor", "lane": "Marketing Planning Supervisor",
           "draft_label": "Draft the marketing plan",
           "rework_flow": "rework the draft", "after": "After step {n} of {total}",
           "chain": "Chain verified", "not_checked": "not checked yet", "comment_label": "Comment"},
    "zh": {"locale": "zh-CN", "audit": "审计", "approved": "已批准", "rework": "有步骤做过不止一次",
           "review": "审核方案", "returned": "退回返工", "draft": "撰写营销策划方案",
           "open_to": "待市场策划主管", "lane": "市场策划主管", "draft_label": "撰写营销策划方案",
           "rework_flow": "返工方案", "after": "第 {n} 步之后（共 {total} 步）",
           "chain": "哈希链已验证", "not_checked": "尚未检查", "comment_label": "意见"},
}
RETURN_REASON = "Budget lines are missing: split it by channel."
# The browser asks for /favicon.ico on its own; failed loads are checked by URL (the response listener),
# so the console's line about them, which names no URL, is left to that listener.
IGNORED_CONSOLE = ("favicon", "Failed to load resource")


def _drawn_text(page: Any, diagram: str, element_id: str) -> str:
    """The text an element's shape shows (bpmn-js wraps it into lines: spaces between them left out)."""
    shape = page.locator(f'{diagram} g.djs-element[data-element-id="{element_id}"] text').first
    return "".join(str(shape.text_content() or "").split())


def _world(url: str) -> dict[str, int]:
    """Four plans: approved at once, approved after a rework, vetoed, and one still running."""
    engine = build_engine(url)
    try:
        plain = start_plan(engine)
        research_and_draft(engine, plain)
        step(engine, "li.na", "manager_review", plain, decision("approve"))
        step(engine, "chen.yu", "director_signoff", plain, decision("approve"))
        reworked = int(engine.work.start(Person("li.na"), "market_plan", {**START, "title": "Autumn push",
                                                             "period": "2027-Q3"}).id)
        autumn = {**DRAFT, "title": "Autumn push", "period": "2027-Q3"}  # the draft keeps the plan's own title
        research_and_draft(engine, reworked, autumn)
        step(engine, "li.na", "manager_review", reworked, decision("return", RETURN_REASON))
        step(engine, "zhang.min", "draft_plan", reworked, {**autumn, "budget_cny": 400000,
                                                           "response_to_comments": "Split by channel, cut to 400k"})
        step(engine, "li.na", "manager_review", reworked, decision("approve"))
        step(engine, "chen.yu", "director_signoff", reworked, decision("approve", "Go ahead"))
        vetoed = start_plan(engine, "zhang.min")
        research_and_draft(engine, vetoed)
        step(engine, "li.na", "manager_review", vetoed, decision("return", "Again"))
        step(engine, "zhang.min", "draft_plan", vetoed, DRAFT)
        step(engine, "li.na", "manager_review", vetoed, decision("approve"))
        step(engine, "chen.yu", "director_signoff", vetoed, decision("veto", "Not this year"))
        running = start_plan(engine)
        return {"reworked": reworked, "plain": plain, "vetoed": vetoed, "running": running}
    finally:
        engine.db.dispose()


def _shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("OPSFLOW_SCREENSHOTS") or tmp_path / "shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _sign_in(browser: Browser, base: str, texts: dict[str, str], width: int) -> tuple[Page, list[str]]:
    context = browser.new_context(locale=texts["locale"], viewport={"width": width, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" and not any(
        word in m.text for word in IGNORED_CONSOLE) else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 and not any(
        word in r.url for word in IGNORED_CONSOLE) else None)
    page.add_init_script("document.addEventListener('securitypolicyviolation',"
                         " (e) => console.error('CSP ' + e.violatedDirective + ' ' + e.blockedURI));")
    page.goto(base + "/login")
    page.fill("#username", "he.ping")
    page.fill("#password", DEMO_PASSWORD)
    page.locator("form.stack button[type=submit]").click()
    page.wait_for_url(base + "/")
    return page, problems


def _element(page: Page, element_id: str) -> Any:
    return page.locator(f'#audit-diagram g.djs-element[data-element-id="{element_id}"]')


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_an_auditor_finds_replays_and_checks_a_reworked_plan(server: str, browser: Browser, tmp_path: Path,
                                                             lang: str) -> None:
    texts = TEXTS[lang]
    world = _world(f"sqlite:///{tmp_path / 'opsflow.sqlite'}")
    shots = _shots(tmp_path)
    page, problems = _sign_in(browser, server, texts, 1280)

    # The audit area is in the navigation; the filters find the plan approved after a rework, and only it.
    page.locator("nav.main-nav a", has_text=texts["audit"]).click()
    page.wait_for_url(re.compile(r"/audit/$"))
    page.select_option("#f-process", "market_plan")
    page.select_option("#f-end", "approved")
    page.select_option("#f-rework", "true")
    page.locator("form.audit-filters button[type=submit]").click()
    rows = page.locator("table.audit-results tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Autumn push")
    expect(rows.first.locator("td:not(.integrity) .pill")).to_have_text(texts["approved"])
    expect(rows.first.locator("td.integrity")).to_have_attribute("data-integrity", re.compile("checkpoint|pending"))
    page.screenshot(path=str(shots / f"audit-search-{lang}.png"), full_page=True)
    rows.first.locator("a.task-link").click()
    page.wait_for_url(re.compile(rf"/audit/instances/{world['reworked']}$"))

    # The diagram of its own version: the path marked, the loops counted, the end reached.
    expect(page.locator("#audit-diagram")).to_have_attribute("data-ready", "true")
    expect(_element(page, "draft_plan")).to_contain_class("opsflow-visited")
    expect(_element(page, "approved")).to_contain_class("opsflow-ended")
    expect(_element(page, "init_counters")).to_contain_class("opsflow-inferred")
    expect(_element(page, "vetoed")).not_to_contain_class("opsflow-visited")
    badge = page.locator('#audit-diagram .djs-overlays[data-container-id="draft_plan"] .opsflow-badge')
    expect(badge).to_have_text("×2")
    expect(page.locator('#audit-diagram .djs-overlays[data-container-id="manager_review"] .opsflow-badge')
           ).to_have_text("×2")
    expect(page.locator("#audit-diagram .bjs-powered-by")).to_be_visible()
    # ... named in the reader's language: a lane by its role's title, a step by its title (Chinese page).
    assert _drawn_text(page, "#audit-diagram", "lane_planning") == texts["lane"].replace(" ", "")
    assert _drawn_text(page, "#audit-diagram", "draft_plan") == texts["draft_label"].replace(" ", "")
    assert _drawn_text(page, "#audit-diagram", "flow_back_to_draft_label") == texts["rework_flow"].replace(" ", "")

    # The verified badge says what was checked and what not yet.
    verified = page.locator("#verified")
    expect(verified).to_contain_text(texts["chain"])
    expect(verified.locator(".check-ok")).to_have_count(1)
    expect(verified.locator(".check-open")).to_have_count(2)
    expect(verified).to_contain_text(texts["not_checked"])
    page.screenshot(path=str(shots / f"audit-instance-{lang}-desktop.png"), full_page=True)

    # Scrub to the step right after the first manager review (step 4: start, research, draft, review).
    first_review = page.locator(".audit-steps > li", has_text=texts["returned"]).first
    expect(first_review).to_contain_text(texts["review"])
    first_review.locator("a[data-step]").click()
    expect(page.locator("#scrubber")).to_have_attribute("data-step", "4")
    panel = page.locator("#replay-panel")
    expect(panel).to_contain_text(texts["after"].format(n=4, total=7))
    open_then = panel.locator(".open-then li")
    expect(open_then).to_have_count(1)
    expect(open_then.first).to_contain_text(texts["draft"])
    expect(open_then.first).to_contain_text(texts["open_to"])
    expect(panel).to_contain_text(RETURN_REASON)
    expect(panel).to_contain_text(texts["returned"])
    expect(panel).to_contain_text("480,000")  # the budget before the rework
    expect(panel).not_to_contain_text("400,000")
    expect(_element(page, "draft_plan")).to_contain_class("opsflow-current")
    expect(_element(page, "director_signoff")).not_to_contain_class("opsflow-visited")
    expect(_element(page, "approved")).not_to_contain_class("opsflow-ended")
    expect(badge).to_have_text("×2")  # the drafter's second turn has begun
    assert page.url.endswith("?step=4#replay")
    page.screenshot(path=str(shots / f"audit-replay-{lang}-desktop.png"), full_page=True)

    # One step on: the redraft is in, the review waits again.
    page.locator("#step-next").click()
    expect(page.locator("#scrubber")).to_have_attribute("data-step", "5")
    expect(panel).to_contain_text("400,000")
    expect(_element(page, "manager_review")).to_contain_class("opsflow-current")

    # The same page without JavaScript's help: ?step=4 rendered by the server.
    page.goto(f"{server}/audit/instances/{world['reworked']}?step=4")
    expect(page.locator("#replay-panel")).to_contain_text(texts["after"].format(n=4, total=7))
    assert problems == []
    page.context.close()

    # A phone: the page fits the screen's width; the diagram is drawn.
    phone, problems = _sign_in(browser, server, texts, 390)
    phone.goto(f"{server}/audit/instances/{world['reworked']}?step=4")
    expect(phone.locator("#audit-diagram")).to_have_attribute("data-ready", "true")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.screenshot(path=str(shots / f"audit-replay-{lang}-phone.png"), full_page=True)
    phone.goto(f"{server}/audit/processes/market_plan/versions/1")
    expect(phone.locator("#audit-heatmap")).to_have_attribute("data-ready", "true")
    phone.screenshot(path=str(shots / f"audit-heatmap-{lang}-phone.png"), full_page=True)
    assert problems == []
    phone.context.close()

    # Every look is in the access log, as the auditors of auditors see it.
    engine = build_engine(f"sqlite:///{tmp_path / 'opsflow.sqlite'}")
    try:
        looks = engine.audit.access_log(Person("admin"), viewer="he.ping", limit=200)["items"]
    finally:
        engine.db.dispose()
    seen = {(r["what"], r["instance_id"]) for r in looks}
    reworked = world["reworked"]
    assert {("search", None), ("instance", reworked), ("diagram", reworked), ("replay", reworked),
            ("heatmap", None)} <= seen
    search = next(r for r in reversed(looks) if r["what"] == "search" and "rework" in r["detail"])
    assert search["detail"].endswith(f"ids {reworked}")
    assert {r["detail"] for r in looks if r["what"] == "replay"} >= {"step 4 of 7", "step 5 of 7"}


def test_the_heatmap_page_draws_the_passes_and_the_access_log_lists_the_looks(server: str, browser: Browser,
                                                                              tmp_path: Path) -> None:
    world = _world(f"sqlite:///{tmp_path / 'opsflow.sqlite'}")
    shots = _shots(tmp_path)
    page, problems = _sign_in(browser, server, TEXTS["en"], 1280)
    page.goto(f"{server}/audit/processes/market_plan/versions/1")
    expect(page.locator("#audit-heatmap")).to_have_attribute("data-ready", "true")

    def heat(element_id: str) -> Any:
        return page.locator(f'#audit-heatmap .djs-overlays[data-container-id="{element_id}"] .opsflow-badge')

    expect(heat("research")).to_have_text("4")  # every plan was researched
    assert _drawn_text(page, "#audit-heatmap", "lane_planning") == "MarketingPlanningSupervisor"
    assert _drawn_text(page, "#audit-heatmap", "draft_plan") == "Draftthemarketingplan"  # English page: as modelled
    expect(heat("director_signoff")).to_have_text("3")  # the running one has not got there
    expect(page.locator('#audit-heatmap g.djs-element[data-element-id="research"]')).to_contain_class(
        "opsflow-heat-5")
    expect(page.locator('#audit-heatmap g.djs-element[data-element-id="count_manager_return"]')).to_contain_class(
        "opsflow-heat-3")  # 2 of 4
    row = page.locator('table.heat-table tr[data-element="manager_review"]')
    expect(row.locator("td").nth(0)).to_have_text("3")
    expect(row.locator("td").nth(1)).to_have_text("5")
    expect(page.locator("table.gateway-paths").first).to_contain_text("60 %")  # 3 approvals of 5 reviews
    page.screenshot(path=str(shots / "audit-heatmap-en-desktop.png"), full_page=True)
    page.goto(f"{server}/audit/access-log?viewer=he.ping")
    rows = page.locator("table.access-log tbody tr")
    expect(rows.first).to_contain_text("Diagram")
    expect(rows.nth(1)).to_contain_text("Heatmap")
    page.goto(f"{server}/audit/access-log?instance={world['reworked']}")
    expect(page.locator("table.access-log tbody tr")).to_have_count(0)
    assert problems == []
    page.context.close()
