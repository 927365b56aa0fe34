"""The audit search's "move made" filter (审批操作) in Chromium, in Chinese on a desktop: he.ping picks 转办 and
finds the one transferred plan among three; the screenshot is kept in ``$OPSFLOW_SCREENSHOTS``."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, expect

from engine.facade import build_engine
from engine.org.people import Person
from tests.browser.conftest import DESKTOP, screenshot_folder, signed_in_page
from tests.journey import START, only_task, start_plan


def _plans(url: str) -> int:
    """Three plans; research of the second transferred by wang.lei to zhou.jie, the third urged. The second's id."""
    engine = build_engine(url)
    try:
        start_plan(engine)
        moved = int(engine.work.start(Person("li.na"), "market_plan", {**START, "title": "转办的方案"}).id)
        research = int(only_task(engine, "wang.lei", "research", moved)["id"])
        engine.work.claim(Person("wang.lei"), research)
        engine.work.transfer(Person("wang.lei"), research, "zhou.jie", "出差一周")
        urged = start_plan(engine)
        engine.work.urge(Person("li.na"), int(only_task(engine, "wang.lei", "research", urged)["id"]))
        return moved
    finally:
        engine.db.dispose()


def test_the_auditor_finds_the_transferred_plan_in_chinese(server: str, browser: Browser, tmp_path: Path) -> None:
    moved = _plans(f"sqlite:///{tmp_path / 'opsflow.sqlite'}")
    page = signed_in_page(browser, server, "zh-CN", "he.ping", DESKTOP)
    page.goto(server + "/audit/")
    rows = page.locator("table.audit-results tbody tr")
    expect(rows).to_have_count(3)
    expect(page.locator("label[for=f-move]")).to_have_text("审批操作")
    options = page.locator("#f-move option").all_text_contents()
    assert options[:3] == ["不限", "转办", "委派"] and "催办" in options and "代理（代他人处理）" in options
    page.select_option("#f-move", label="转办")
    page.locator("form.audit-filters button[type=submit]").click()
    page.wait_for_url(f"{server}/audit/?*move=transferred*")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("转办的方案")
    expect(rows.first.locator("a.task-link")).to_have_attribute("href", f"/audit/instances/{moved}")
    expect(page.locator("#f-move")).to_have_value("transferred")  # the filter stays chosen
    page.screenshot(path=str(screenshot_folder(tmp_path) / "audit-move-filter-zh-desktop.png"), full_page=True)
    page.select_option("#f-move", label="催办")
    page.locator("form.audit-filters button[type=submit]").click()
    expect(rows).to_have_count(1)
    expect(rows.first).not_to_contain_text("转办的方案")
    page.context.close()
