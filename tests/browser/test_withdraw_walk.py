"""Withdrawing a request (撤回) in a browser, and starting it again (重新发起): li.na withdraws her plan with a
reason before anybody acted on it; it ends as withdrawn, with her reason on the timeline; "start again" opens the
start form filled in with its data. On a second plan, wang.lei takes the research while her page still offers
the withdrawal: her withdrawal is refused with a clear message, and the page no longer offers it. In Chinese on a
phone and in English on a desktop. Screenshots go to ``$OPSFLOW_SCREENSHOTS`` (else the test's temporary folder)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from engine.facade import build_engine
from engine.org.people import Person
from tests.browser.conftest import DESKTOP, PHONE, screenshot_folder, signed_in_page
from tests.journey import START, only_task, start_plan

TEXTS = {
    "en": {"locale": "en-US", "head": "Withdraw this request", "done": "The request is withdrawn.",
           "status": "Withdrawn", "timeline": "withdrew the request", "again": "Start again from this one",
           "prefilled": "Started again from request #", "refused": "can no longer be withdrawn"},
    "zh": {"locale": "zh-CN", "head": "撤回申请", "done": "申请已撤回。", "status": "已撤回",
           "timeline": "撤回了申请", "again": "以此申请重新发起", "prefilled": "根据申请 #",
           "refused": "此申请已无法撤回"},
}
REASON = "预算方向有变，下周重新提交 / The budget direction changed"


@pytest.mark.parametrize(("lang", "viewport"), [("zh", PHONE), ("en", DESKTOP)])
def test_the_starter_withdraws_before_anyone_acted_and_starts_it_again(
        browser: Browser, server: str, tmp_path: Path, lang: str, viewport: dict[str, int]) -> None:
    texts = TEXTS[lang]
    shots = screenshot_folder(tmp_path)
    device = "phone" if viewport is PHONE else "desktop"
    engine = build_engine(f"sqlite:///{tmp_path / 'opsflow.sqlite'}")  # the server's database
    try:
        plan = start_plan(engine)
        late = start_plan(engine)
    finally:
        engine.db.dispose()

    li = signed_in_page(browser, server, texts["locale"], "li.na", viewport)
    li.goto(f"{server}/instances/{plan}")
    offer = li.locator("#withdraw")
    expect(offer.locator("h2")).to_have_text(texts["head"])
    offer.locator("#withdraw-reason").fill(REASON)
    li.screenshot(path=str(shots / f"withdraw-{lang}-{device}-form.png"), full_page=True)
    offer.locator("button[type=submit]").click()
    li.wait_for_url(f"{server}/instances/{plan}")
    expect(li.locator(".flash-success")).to_have_text(texts["done"])
    expect(li.locator(".page-head .pill")).to_have_text(texts["status"])
    event = li.locator("ol.timeline li.event-instance_withdrawn")
    expect(event).to_contain_text(texts["timeline"])
    expect(event).to_contain_text(REASON)
    expect(li.locator("ul.open-steps")).to_have_count(0)
    expect(li.locator("#withdraw")).to_have_count(0)
    li.screenshot(path=str(shots / f"withdraw-{lang}-{device}-withdrawn.png"), full_page=True)

    li.locator("#start-again a.button").click()
    li.wait_for_url(f"{server}/processes/market_plan?from={plan}")
    expect(li.locator("#started-again")).to_contain_text(f"{texts['prefilled']}{plan}")
    expect(li.locator("#f-title")).to_have_value(START["title"])
    expect(li.locator("#f-period")).to_have_value(START["period"])
    expect(li.locator("#f-brief")).to_have_value(START["brief"])
    li.screenshot(path=str(shots / f"withdraw-{lang}-{device}-again.png"), full_page=True)
    li.locator("form.generated button[type=submit]").click()
    li.wait_for_url(lambda url: "/instances/" in url and not url.endswith(f"/instances/{plan}"))
    expect(li.locator("ul.open-steps")).to_contain_text("市场调研报告" if lang == "zh" else "Market research")

    li.goto(f"{server}/instances/{late}")  # offered while nobody has acted...
    expect(li.locator("#withdraw")).to_have_count(1)
    engine = build_engine(f"sqlite:///{tmp_path / 'opsflow.sqlite'}")
    try:  # ...then wang.lei takes the research, before she sends the form
        engine.work.claim(Person("wang.lei"), only_task(engine, "wang.lei", "research", late)["id"])
    finally:
        engine.db.dispose()
    li.locator("#withdraw-reason").fill("too late")
    li.locator("#withdraw button[type=submit]").click()
    li.wait_for_url(f"{server}/instances/{late}")
    expect(li.locator(".flash-error")).to_contain_text(texts["refused"])
    expect(li.locator(".page-head .pill")).not_to_have_text(texts["status"])
    expect(li.locator("#withdraw")).to_have_count(0)  # no longer offered
    li.screenshot(path=str(shots / f"withdraw-{lang}-{device}-refused.png"), full_page=True)
    li.context.close()
