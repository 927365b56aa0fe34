"""The market plan with a 2,000,000 budget goes through the director + branch GM countersign (会签), in a
browser, in Chinese and English, on a phone (sun.hao) and a desktop (chen.yu). The steps before the
round are taken through the engine on the server's own database; the round itself in the browser.
Screenshots go to ``$OPSFLOW_SCREENSHOTS`` (else the test's temporary folder)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from engine.facade import build_engine
from tests.browser.conftest import DESKTOP, PHONE, screenshot_folder, signed_in_page
from tests.journey import DRAFT, decision, research_and_draft, start_plan, step

TEXTS = {
    "en": {"locale": "en-US", "round": "Countersign (2 people)", "decided": "Decided", "to_decide": "To decide",
           "approve": "Approve", "approved": "Approved", "done": "is done"},
    "zh": {"locale": "zh-CN", "round": "会签（2 人）", "decided": "已决定", "to_decide": "待审批",
           "approve": "批准", "approved": "已批准", "done": "已完成"},
}


def open_page(browser: Browser, base: str, lang: str, username: str, viewport: dict[str, int]) -> Page:
    return signed_in_page(browser, base, TEXTS[lang]["locale"], username, viewport)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_big_budget_is_signed_off_by_the_director_and_the_branch_gm(
        browser: Browser, server: str, tmp_path: Path, lang: str) -> None:
    texts = TEXTS[lang]
    shots = screenshot_folder(tmp_path)
    engine = build_engine(f"sqlite:///{tmp_path / 'opsflow.sqlite'}")  # the server's database
    try:
        plan = start_plan(engine)
        research_and_draft(engine, plan, {**DRAFT, "budget_cny": 2000000})
        step(engine, "li.na", "manager_review", plan, decision("approve"))
    finally:
        engine.db.dispose()

    for username, viewport, comment in (("sun.hao", PHONE, "分公司同意 / the branch agrees"), ("chen.yu", DESKTOP, "")):
        page = open_page(browser, server, lang, username, viewport)
        page.locator("table.tasks tr", has_text="Spring launch").locator("a.task-link").click()
        page.wait_for_url(re.compile(r"/tasks/\d+$"))
        round_card = page.locator("#countersign")
        expect(round_card).to_contain_text(texts["round"])
        expect(round_card.locator("tr.mine")).to_contain_text(texts["to_decide"])
        if username == "chen.yu":  # the GM decided first: the director sees it, and why
            other = round_card.locator("tbody tr:not(.mine)")
            expect(other).to_contain_text(texts["decided"])
            expect(other).to_contain_text(texts["approve"])
            expect(other).to_contain_text("分公司同意")
        page.screenshot(path=str(shots / f"countersign-{lang}-{username}.png"), full_page=True)
        page.check("input[name=decision][value=approve]")
        if comment:
            page.fill("#f-comment", comment)
        page.locator("form.generated button[type=submit]").click()
        page.wait_for_url(server + "/")
        expect(page.locator(".flash-success")).to_contain_text(texts["done"])
        page.context.close()

    page = open_page(browser, server, lang, "li.na", DESKTOP)
    page.goto(f"{server}/instances/{plan}")
    expect(page.locator(".page-head .pill")).to_have_text(texts["approved"])
    expect(page.locator("ol.timeline")).to_contain_text("孙浩")
    page.screenshot(path=str(shots / f"countersign-{lang}-request.png"), full_page=True)
    page.context.close()
