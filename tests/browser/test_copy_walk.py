"""Copying a request (抄送) in a browser: zhang.min, who holds the draft, copies the plan to feng.yi with a note;
feng.yi finds it in "CC'd to me" (抄送我的) as unread, opens it, and it is read from then on. In Chinese on a phone
and in English on a desktop. The research is done through the engine on the server's own database; screenshots
go to ``$OPSFLOW_SCREENSHOTS`` (else the test's temporary folder)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from engine.facade import build_engine
from engine.org.people import Person
from tests.browser.conftest import DESKTOP, PHONE, screenshot_folder, signed_in_page
from tests.journey import RESEARCH, START, only_task, start_plan, step

TEXTS = {
    "en": {"locale": "en-US", "copied": "The request is copied to 冯怡", "list": "CC'd to me", "unread": "Unread",
           "by": "Copied by 张敏", "timeline": "copied the request to 冯怡", "empty": "Nothing unread."},
    "zh": {"locale": "zh-CN", "copied": "已抄送给 冯怡", "list": "抄送我的", "unread": "未读", "by": "由 张敏 抄送",
           "timeline": "将申请抄送给 冯怡", "empty": "没有未读"},
}
NOTE = "Please prepare the promotion budget / 请准备推广预算"


@pytest.mark.parametrize(("lang", "viewport"), [("zh", PHONE), ("en", DESKTOP)])
def test_the_holder_copies_a_colleague_who_reads_it_in_cc_to_me(
        browser: Browser, server: str, tmp_path: Path, lang: str, viewport: dict[str, int]) -> None:
    texts = TEXTS[lang]
    shots = screenshot_folder(tmp_path)
    device = "phone" if viewport is PHONE else "desktop"
    engine = build_engine(f"sqlite:///{tmp_path / 'opsflow.sqlite'}")  # the server's database
    try:
        plan = start_plan(engine)
        step(engine, "wang.lei", "research", plan, RESEARCH)
        engine.work.claim(Person("zhang.min"), only_task(engine, "zhang.min", "draft_plan", plan)["id"])
    finally:
        engine.db.dispose()

    zhang = signed_in_page(browser, server, texts["locale"], "zhang.min", viewport)
    zhang.goto(f"{server}/instances/{plan}")
    copy = zhang.locator("#copy")
    copy.locator("#copy-to").select_option(["feng.yi"])
    copy.locator("#copy-note").fill(NOTE)
    copy.scroll_into_view_if_needed()
    zhang.screenshot(path=str(shots / f"copy-{lang}-{device}-form.png"), full_page=True)
    copy.locator("button[type=submit]").click()
    expect(zhang.locator(".flash-success")).to_contain_text(texts["copied"])
    expect(zhang.locator("ol.timeline")).to_contain_text(texts["timeline"])
    zhang.context.close()

    feng = signed_in_page(browser, server, texts["locale"], "feng.yi", viewport)
    feng.goto(f"{server}/requests")
    feng.locator("#copied-to-me").click()
    expect(feng.locator("h1")).to_have_text(texts["list"])
    entry = feng.locator("#copies li", has_text=START["title"])
    expect(entry).to_have_class("notice unread")
    expect(entry.locator(".pill")).to_have_text(texts["unread"])
    expect(entry).to_contain_text(texts["by"])
    expect(entry).to_contain_text(NOTE)
    feng.screenshot(path=str(shots / f"copy-{lang}-{device}-unread.png"), full_page=True)
    entry.locator("a").click()
    feng.wait_for_url(f"{server}/instances/{plan}")  # he may read the request
    expect(feng.locator("h1")).to_contain_text(START["title"])
    feng.goto(f"{server}/copies")
    entry = feng.locator("#copies li", has_text=START["title"])
    expect(entry).to_have_class("notice")  # read now
    expect(entry.locator(".pill")).to_have_count(0)
    feng.goto(f"{server}/copies?unread=1")
    expect(feng.locator("#copies")).to_have_count(0)
    expect(feng.locator("p.empty")).to_contain_text(texts["empty"])
    feng.context.close()
