"""li.na transfers (转办) her review of a plan to a colleague with a reason, in a browser, in Chinese on a phone
and in English on a desktop; the colleague finds it in his inbox with her reason, and the request's timeline
names the move. The steps before the review are taken through the engine on the server's own database.
Screenshots go to ``$OPSFLOW_SCREENSHOTS`` (else the test's temporary folder)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from engine.facade import build_engine
from tests.browser.conftest import DESKTOP, PHONE, screenshot_folder
from tests.browser.test_countersign_walk import open_page
from tests.journey import research_and_draft, start_plan

TEXTS = {
    "en": {"locale": "en-US", "summary": "Transfer to a colleague", "done": "赵强", "moved": "transferred the task to"},
    "zh": {"locale": "zh-CN", "summary": "转办给同事", "done": "赵强", "moved": "将任务转办给"},
}
REASON = "I am at the trade fair this week; Zhao Qiang knows the budget."


@pytest.mark.parametrize(("lang", "viewport"), [("zh", PHONE), ("en", DESKTOP)])
def test_li_na_transfers_her_review_to_a_colleague_with_a_reason(
        browser: Browser, server: str, tmp_path: Path, lang: str, viewport: dict[str, int]) -> None:
    texts = TEXTS[lang]
    shots = screenshot_folder(tmp_path)
    engine = build_engine(f"sqlite:///{tmp_path / 'opsflow.sqlite'}")  # the server's database
    try:
        plan = start_plan(engine)
        research_and_draft(engine, plan)
    finally:
        engine.db.dispose()

    page = open_page(browser, server, lang, "li.na", viewport)
    page.locator("table.tasks tr", has_text="Spring launch").locator("a.task-link").click()
    page.wait_for_url(re.compile(r"/tasks/\d+$"))
    task_url = page.url
    transfer = page.locator("#transfer")
    transfer.locator("summary").click()
    expect(transfer.locator("summary")).to_have_text(texts["summary"])
    transfer.locator("#transfer-to").select_option("zhao.qiang")
    transfer.locator("#transfer-reason").fill(REASON)
    page.screenshot(path=str(shots / f"transfer-{lang}-form.png"), full_page=True)
    transfer.locator("button[type=submit]").click()
    expect(page.locator(".flash-success")).to_contain_text(texts["done"])
    page.context.close()

    page = open_page(browser, server, lang, "zhao.qiang", viewport)
    row = page.locator("table.tasks tr", has_text="Spring launch")
    expect(row).to_have_count(1)
    row.locator("a.task-link").click()
    page.wait_for_url(task_url)
    page.screenshot(path=str(shots / f"transfer-{lang}-colleague.png"), full_page=True)
    page.goto(f"{server}/instances/{plan}")
    timeline = page.locator("ol.timeline")
    expect(timeline).to_contain_text(texts["moved"])
    expect(timeline).to_contain_text(REASON)
    page.screenshot(path=str(shots / f"transfer-{lang}-timeline.png"), full_page=True)
    page.context.close()
