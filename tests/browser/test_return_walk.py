"""Returning the market plan from the director's sign-off to research (驳回) in a browser, and straight back.

The plan is brought to the sign-off through the engine on the server's own database; then chen.yu (the director)
returns it to research with a reason on the task page, wang.lei reads the reason above his form (on a phone in
Chinese), submits the research again, and the sign-off is back in chen.yu's inbox at once, without the draft and
the review. Pages are saved as screenshots in ``$OPSFLOW_SCREENSHOTS`` (else the test's temporary folder).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from engine.facade import build_engine
from engine.org.people import Person
from tests.browser.conftest import DESKTOP, PHONE, screenshot_folder, signed_in_page
from tests.journey import DRAFT, RESEARCH, START, decision, only_task, step

TEXTS = {
    "en": {"locale": "en-US", "summary": "Return to an earlier step…", "research": "Market research report",
           "signoff": "Director sign-off", "back": "goes straight back to “Director sign-off”",
           "told": "is back at “Market research report”",
           "timeline": "returned the request from “Director sign-off” to “Market research report”"},
    "zh": {"locale": "zh-CN", "summary": "退回到之前的步骤…", "research": "市场调研报告", "signoff": "总监审批",
           "back": "直接回到“总监审批”", "told": "已退回到“市场调研报告”",
           "timeline": "将申请从“总监审批”退回到“市场调研报告”"},
}
REASON = "调研数据是2025年的，请补充2026年的竞品价格。"


def sign_in(browser: Browser, base: str, lang: str, username: str, viewport: dict[str, int]) -> Page:
    return signed_in_page(browser, base, TEXTS[lang]["locale"], username, viewport)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_director_returns_the_plan_to_research_and_it_comes_straight_back(
        browser: Browser, server: str, tmp_path: Path, lang: str) -> None:
    texts = TEXTS[lang]
    shots = screenshot_folder(tmp_path)
    engine = build_engine(f"sqlite:///{tmp_path / 'opsflow.sqlite'}")  # the server's database
    try:
        plan = int(engine.work.start(Person("li.na"), "market_plan", START).id)
        step(engine, "wang.lei", "research", plan, RESEARCH)
        step(engine, "zhang.min", "draft_plan", plan, DRAFT)
        step(engine, "li.na", "manager_review", plan, decision("approve"))
        signoff = only_task(engine, "chen.yu", "director_signoff", plan)["id"]
    finally:
        engine.db.dispose()

    chen = sign_in(browser, server, lang, "chen.yu", DESKTOP)
    chen.goto(f"{server}/tasks/{signoff}")
    offer = chen.locator("details#return")
    offer.locator("summary").click()
    expect(offer.locator("summary")).to_have_text(texts["summary"])
    expect(offer.locator("#return-step option")).to_have_count(3)
    chen.select_option("#return-step", "research")
    chen.fill("#return-reason", REASON)
    chen.screenshot(path=str(shots / f"return-form-{lang}-desktop.png"), full_page=True)
    offer.locator("button[type=submit]").click()
    chen.wait_for_url(server + "/")
    expect(chen.locator(".flash-success")).to_contain_text(texts["told"])
    chen.context.close()

    wang = sign_in(browser, server, lang, "wang.lei", PHONE if lang == "zh" else DESKTOP)
    row = wang.locator("table.tasks tr", has_text=START["title"])
    row.locator("a.task-link").click()
    wang.wait_for_url(re.compile(r"/tasks/\d+$"))
    note = wang.locator("#return-note")
    expect(note).to_contain_text(REASON)
    expect(note).to_contain_text(texts["signoff"])
    expect(note).to_contain_text(texts["back"])
    expect(wang.locator("#f-findings")).to_have_value(RESEARCH["findings"])  # what he submitted last
    wang.screenshot(path=str(shots / f"return-note-{lang}-{'phone' if lang == 'zh' else 'desktop'}.png"),
                    full_page=True)
    wang.fill("#f-trends", "2026: +9%")
    wang.locator("form.generated button[type=submit]").click()
    wang.wait_for_url(server + "/")
    wang.context.close()

    chen = sign_in(browser, server, lang, "chen.yu", DESKTOP)
    expect(chen.locator("table.tasks tr", has_text=START["title"])).to_contain_text(texts["signoff"])
    chen.goto(f"{server}/instances/{plan}")
    timeline = chen.locator("ol.timeline")
    expect(timeline).to_contain_text(texts["timeline"])
    expect(timeline).to_contain_text(REASON)
    chen.screenshot(path=str(shots / f"return-timeline-{lang}-desktop.png"), full_page=True)
    chen.context.close()
