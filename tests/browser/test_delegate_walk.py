"""Delegating a task (委派) in a browser: wang.lei, who holds the research, delegates it to zhou.jie with a
reason; zhou.jie finds it in his inbox, reads why, fills in the research and submits it; it comes back to
wang.lei with zhou.jie's input filled in and "prepared by" him; wang.lei confirms, and the timeline shows both.
In Chinese on a desktop and in English on a phone. Screenshots go to ``$OPSFLOW_SCREENSHOTS`` (else the test's
temporary folder)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from engine.facade import build_engine
from engine.org.people import Person
from tests.browser.conftest import DESKTOP, PHONE, screenshot_folder, signed_in_page
from tests.journey import RESEARCH, START, only_task, start_plan

TEXTS = {
    "en": {"locale": "en-US", "summary": "Delegate this task", "with": "The task is with 周杰 now",
           "asked": "王磊 delegated this task to you", "prepared": "Prepared by 周杰",
           "delegated": "delegated the task to 周杰", "done": "did the delegated work; it went back to 王磊",
           "completed": "completed the step, prepared by 周杰"},
    "zh": {"locale": "zh-CN", "summary": "委派此任务", "with": "任务已委派给周杰", "asked": "王磊将此任务委派给你",
           "prepared": "由周杰经办", "delegated": "将任务委派给周杰", "done": "办理了委派的任务，已回到王磊处",
           "completed": "完成了此步骤（由周杰经办）"},
}
REASON = "请整理两家竞品的价格 / Please gather the two competitors' prices"


@pytest.mark.parametrize(("lang", "viewport"), [("zh", DESKTOP), ("en", PHONE)])
def test_the_holder_delegates_the_delegate_works_and_it_comes_back_to_confirm(
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
    task_url = f"{server}/tasks/{research}"

    wang = signed_in_page(browser, server, texts["locale"], "wang.lei", viewport)
    wang.goto(task_url)
    offer = wang.locator("details#delegate")
    offer.locator("summary").click()
    expect(offer.locator("summary")).to_have_text(texts["summary"])
    offer.locator("#delegate-to").select_option("zhou.jie")
    offer.locator("#delegate-reason").fill(REASON)
    wang.screenshot(path=str(shots / f"delegate-{lang}-{device}-form.png"), full_page=True)
    offer.locator("button[type=submit]").click()
    expect(wang.locator(".flash-success")).to_contain_text(texts["with"])
    expect(wang.locator("#with-someone")).to_contain_text("周杰")
    expect(wang.locator("form.generated")).to_have_count(0)  # with the delegate now: nothing to submit
    expect(wang.locator("#task-closed")).to_have_count(0)  # but open, not "closed"
    wang.context.close()

    zhou = signed_in_page(browser, server, texts["locale"], "zhou.jie", viewport)
    zhou.locator("table.tasks tr", has_text=START["title"]).locator("a.task-link").click()
    zhou.wait_for_url(task_url)
    expect(zhou.locator("#asked")).to_contain_text(texts["asked"])
    expect(zhou.locator("#asked-why")).to_have_text(REASON)
    for name, value in RESEARCH.items():
        zhou.fill(f"#f-{name}", value)
    zhou.fill("#f-competitors", "Two regional suppliers: 4,800 and 5,200 per household")
    zhou.screenshot(path=str(shots / f"delegate-{lang}-{device}-delegate.png"), full_page=True)
    zhou.locator("form.generated button[type=submit]").click()
    zhou.wait_for_url(re.compile(r"/(tasks/\d+)?$"))
    expect(zhou.locator(".flash-error")).to_have_count(0)
    zhou.context.close()

    wang = signed_in_page(browser, server, texts["locale"], "wang.lei", viewport)
    wang.locator("table.tasks tr", has_text=START["title"]).locator("a.task-link").click()
    wang.wait_for_url(task_url)
    expect(wang.locator("#prepared")).to_contain_text(texts["prepared"])
    expect(wang.locator("#f-competitors")).to_have_value("Two regional suppliers: 4,800 and 5,200 per household")
    expect(wang.locator("#send-back")).to_be_visible()  # or send it back to redo
    wang.screenshot(path=str(shots / f"delegate-{lang}-{device}-back.png"), full_page=True)
    wang.locator("form.generated button[type=submit]").click()
    wang.wait_for_url(server + "/")
    wang.goto(f"{server}/instances/{plan}")
    timeline = wang.locator("ol.timeline")
    expect(timeline.locator("li.event-task_delegated")).to_contain_text(texts["delegated"])
    expect(timeline.locator("li.event-task_delegated")).to_contain_text(REASON)
    expect(timeline.locator("li.event-delegation_done")).to_contain_text(texts["done"])
    expect(timeline.locator("li.event-task_completed")).to_contain_text(texts["completed"])
    expect(wang.locator("ul.open-steps")).to_contain_text("撰写营销策划方案" if lang == "zh" else "Draft")
    wang.screenshot(path=str(shots / f"delegate-{lang}-{device}-timeline.png"), full_page=True)
    wang.context.close()
