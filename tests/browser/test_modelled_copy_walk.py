"""The market plan's modelled CC (抄送节点) in a browser: a plan approved by the director is copied, by the process,
to the operations manager (zhao.qiang), who finds it in "CC'd to me" as copied by the process and reads the
request with the copy on its timeline; the research step shows its deadline in wang.lei's inbox. In Chinese on a
phone and in English on a desktop; screenshots go to ``$OPSFLOW_SCREENSHOTS``."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from engine.facade import build_engine
from engine.org.people import Person
from tests.browser.conftest import DESKTOP, PHONE, screenshot_folder, signed_in_page
from tests.journey import START, decision, research_and_draft, start_plan, step

TEXTS = {
    "en": {"locale": "en-US", "by": "Copied by the process, as its model says",
           "timeline": "Copied to 赵强, as the process model says", "due": "Due"},
    "zh": {"locale": "zh-CN", "by": "由流程按模型抄送", "timeline": "按流程模型抄送给 赵强", "due": "截止时间"},
}


@pytest.mark.parametrize(("lang", "viewport"), [("zh", PHONE), ("en", DESKTOP)])
def test_an_approved_plan_is_copied_to_the_operations_manager_by_the_process(
        browser: Browser, server: str, tmp_path: Path, lang: str, viewport: dict[str, int]) -> None:
    texts = TEXTS[lang]
    shots = screenshot_folder(tmp_path)
    device = "phone" if viewport is PHONE else "desktop"
    engine = build_engine(f"sqlite:///{tmp_path / 'opsflow.sqlite'}")  # the server's database
    try:
        waiting = start_plan(engine)  # stays at research: its deadline is in wang.lei's inbox
        plan = start_plan(engine)
        research_and_draft(engine, plan)
        step(engine, "li.na", "manager_review", plan, decision("approve"))
        step(engine, "chen.yu", "director_signoff", plan, decision("approve", "Go ahead"))
        tasks = engine.work.tasks(Person("wang.lei"))
    finally:
        engine.db.dispose()

    wang = signed_in_page(browser, server, texts["locale"], "wang.lei", viewport)
    wang.goto(f"{server}/")
    [research] = [t for t in tasks if t["instance_id"] == waiting]
    due = wang.locator(f"tr[data-task='{research['id']}'] td[data-label='{texts['due']}'] time")
    expect(due).to_have_attribute("datetime", research["due_at"])
    wang.screenshot(path=str(shots / f"modelled-copy-{lang}-{device}-inbox-due.png"), full_page=True)
    wang.context.close()

    zhao = signed_in_page(browser, server, texts["locale"], "zhao.qiang", viewport)
    zhao.goto(f"{server}/copies")
    entry = zhao.locator("#copies li", has_text=START["title"])
    expect(entry).to_have_class("notice unread")
    expect(entry).to_contain_text(texts["by"])
    zhao.screenshot(path=str(shots / f"modelled-copy-{lang}-{device}-list.png"), full_page=True)
    entry.locator("a").click()
    zhao.wait_for_url(f"{server}/instances/{plan}")
    expect(zhao.locator("ol.timeline")).to_contain_text(texts["timeline"])
    zhao.screenshot(path=str(shots / f"modelled-copy-{lang}-{device}-request.png"), full_page=True)
    zhao.context.close()
