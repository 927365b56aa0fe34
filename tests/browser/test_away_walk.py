"""Out of office (代理) in a browser: wang.lei, the research supervisor, sets an absence from today for three days
with zhou.jie as his proxy on his account page; the next plan's research goes to zhou.jie, shown "on behalf of
王磊" in his inbox and on the task; zhou.jie completes it and the timeline says on whose behalf. In Chinese on a
desktop and in English on a phone. Screenshots go to ``$OPSFLOW_SCREENSHOTS`` (else the test's temporary
folder)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from engine.facade import build_engine
from engine.org.absences import china_today
from tests.browser.conftest import DESKTOP, PHONE, screenshot_folder, signed_in_page
from tests.journey import RESEARCH, START, start_plan

TEXTS = {
    "en": {"locale": "en-US", "away": "You are away from {start} to {end}: your new tasks go to 周杰",
           "behalf": "on behalf of 王磊", "created": "Waiting for 周杰, on behalf of 王磊 (away)",
           "completed": "completed the step on behalf of 王磊"},
    "zh": {"locale": "zh-CN", "away": "你在 {start} 至 {end} 请假：新任务交由 周杰 代为处理",
           "behalf": "代 王磊 处理", "created": "等待 周杰 代 王磊（请假中）处理", "completed": "代 王磊 完成了此步骤"},
}


@pytest.mark.parametrize(("lang", "viewport"), [("zh", DESKTOP), ("en", PHONE)])
def test_a_new_task_goes_to_the_proxy_on_behalf_of_the_absent(
        browser: Browser, server: str, tmp_path: Path, lang: str, viewport: dict[str, int]) -> None:
    texts = TEXTS[lang]
    shots = screenshot_folder(tmp_path)
    device = "phone" if viewport is PHONE else "desktop"
    first = china_today(datetime.now(UTC))  # the server reads the real clock, in China's dates
    last = first + timedelta(days=2)

    wang = signed_in_page(browser, server, texts["locale"], "wang.lei", viewport)
    wang.locator("a.who").click()
    away = wang.locator("#away")
    away.locator("#away-from").fill(first.isoformat())
    away.locator("#away-to").fill(last.isoformat())
    away.locator("#away-proxy").select_option("zhou.jie")
    away.locator("button[type=submit]").click()
    expect(wang.locator("#away .away-now")).to_contain_text(
        texts["away"].format(start=first.isoformat(), end=last.isoformat()))
    wang.screenshot(path=str(shots / f"away-{lang}-{device}-set.png"), full_page=True)
    wang.context.close()

    engine = build_engine(f"sqlite:///{tmp_path / 'opsflow.sqlite'}")  # the server's database
    try:
        plan = start_plan(engine)  # li.na starts a plan: its research would be wang.lei's
    finally:
        engine.db.dispose()

    zhou = signed_in_page(browser, server, texts["locale"], "zhou.jie", viewport)
    row = zhou.locator("#mine table.tasks tr", has_text=START["title"])
    expect(row.locator(".on-behalf")).to_have_text(texts["behalf"])
    zhou.screenshot(path=str(shots / f"away-{lang}-{device}-proxy-inbox.png"), full_page=True)
    row.locator("a.task-link").click()
    zhou.wait_for_url(re.compile(r"/tasks/\d+$"))
    expect(zhou.locator("dl.meta .on-behalf")).to_have_text(texts["behalf"])
    for name, value in RESEARCH.items():
        zhou.fill(f"#f-{name}", value)
    zhou.locator("form.generated button[type=submit]").click()
    zhou.wait_for_url(server + "/")
    zhou.goto(f"{server}/instances/{plan}")
    timeline = zhou.locator("ol.timeline")
    expect(timeline).to_contain_text(texts["created"])
    expect(timeline.locator("li.event-task_completed")).to_contain_text(texts["completed"])
    zhou.screenshot(path=str(shots / f"away-{lang}-{device}-timeline.png"), full_page=True)
    zhou.context.close()
