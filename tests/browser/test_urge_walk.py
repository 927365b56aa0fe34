"""Urging (催办) in a browser: li.na, who started the plan, urges wang.lei's research from her request's page;
wang.lei finds the reminder among his notifications; a second urge within the hour, from the task's page, is
refused with the time from which it may be sent again. In Chinese on a desktop and in English on a phone.
Screenshots go to ``$OPSFLOW_SCREENSHOTS`` (else the test's temporary folder)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from engine.facade import build_engine
from engine.org.people import Person
from tests.browser.conftest import DESKTOP, PHONE, screenshot_folder, signed_in_page
from tests.journey import START, only_task, start_plan

TEXTS = {
    "en": {"locale": "en-US", "urge": "Urge", "reminded": "Reminded: 王磊.", "kind": "Urged",
           "timeline": "urged 王磊 to handle the step", "again": re.compile(
               r"This step was urged less than an hour ago\. You may urge it again from .+\d{1,2}:\d{2}")},
    "zh": {"locale": "zh-CN", "urge": "催办", "reminded": "已催办：王磊。", "kind": "催办",
           "timeline": "催办了 王磊", "again": re.compile(r"此步骤一小时内已催办过，.+\d{1,2}:\d{2} 后可再次催办。")},
}


@pytest.mark.parametrize(("lang", "viewport"), [("zh", DESKTOP), ("en", PHONE)])
def test_the_starter_urges_the_holder_once_an_hour(
        browser: Browser, server: str, tmp_path: Path, lang: str, viewport: dict[str, int]) -> None:
    texts = TEXTS[lang]
    shots = screenshot_folder(tmp_path)
    device = "phone" if viewport is PHONE else "desktop"
    engine = build_engine(f"sqlite:///{tmp_path / 'opsflow.sqlite'}")  # the server's database
    try:
        plan = start_plan(engine)
        research = only_task(engine, "wang.lei", "research", plan)["id"]
        engine.work.claim(Person("wang.lei"), research)
    finally:
        engine.db.dispose()

    li = signed_in_page(browser, server, texts["locale"], "li.na", viewport)
    li.goto(f"{server}/instances/{plan}")
    waiting = li.locator("ul.open-steps li")
    expect(waiting.locator("form.urge button")).to_have_text(texts["urge"])
    waiting.locator("form.urge button").click()
    li.wait_for_url(f"{server}/instances/{plan}")
    expect(li.locator(".flash-success")).to_have_text(texts["reminded"])
    expect(li.locator("ol.timeline")).to_contain_text(texts["timeline"])
    li.screenshot(path=str(shots / f"urge-{lang}-{device}-request.png"), full_page=True)

    li.goto(f"{server}/tasks/{research}")  # the task's page offers it too; within the hour it is refused
    li.locator("#urge button").click()
    li.wait_for_url(f"{server}/tasks/{research}")
    expect(li.locator(".flash-error")).to_have_text(texts["again"])
    expect(li.locator(".flash-success")).to_have_count(0)
    li.screenshot(path=str(shots / f"urge-{lang}-{device}-too-soon.png"), full_page=True)
    li.context.close()

    wang = signed_in_page(browser, server, texts["locale"], "wang.lei", viewport)
    wang.locator(".nav-notifications").click()
    notices = wang.locator("ol.notices li", has=wang.locator(".pill", has_text=re.compile(f"^{texts['kind']}$")))
    expect(notices).to_have_count(1)  # the refused urge told nobody
    expect(notices).to_have_class(re.compile(r"\bunread\b"))
    expect(notices).to_contain_text(START["title"])
    expect(notices).to_contain_text("李娜 催办")  # who urged (the body)
    wang.screenshot(path=str(shots / f"urge-{lang}-{device}-notified.png"), full_page=True)
    notices.locator("a").click()
    wang.wait_for_url(f"{server}/tasks/{research}")
    wang.context.close()
