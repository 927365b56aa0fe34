"""In a browser, in Chinese and English, on a phone and a desktop: wang.lei's inbox marks the research returned to him
(with who and why) and the one li.na urged; li.na urges a step from "My requests" and the button then waits; the
admin sets wang.lei's out-of-office on the admins' page and ends it. The steps before are taken through the engine on
the server's own database. Screenshots go to ``$OPSFLOW_SCREENSHOTS`` (else the test's temporary folder)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from engine.facade import build_engine
from engine.org.absences import china_today
from engine.org.people import Person
from tests.browser.conftest import DESKTOP, PHONE, screenshot_folder, signed_in_page
from tests.journey import RESEARCH, only_task, start_plan, step

TEXTS = {
    "en": {"locale": "en-US", "returned": "Returned by 张敏: 请补充三家竞品的价格", "urged": "Urged by 李娜",
           "reminded": "Reminded: 王磊", "again": "Urged; again from", "set": "new tasks for 王磊 go to 周杰",
           "away": "Away now", "ended": "is ended"},
    "zh": {"locale": "zh-CN", "returned": "被张敏退回：请补充三家竞品的价格", "urged": "李娜催办",
           "reminded": "已催办：王磊", "again": "已催办", "set": "王磊的新任务将交给周杰", "away": "外出中",
           "ended": "已结束"},
}
WALKS = [("zh", PHONE, "phone"), ("en", DESKTOP, "desktop"), ("zh", DESKTOP, "desktop"), ("en", PHONE, "phone")]


@pytest.mark.parametrize(("lang", "viewport", "device"), WALKS)
def test_marks_urging_and_the_admins_out_of_office_page(browser: Browser, server: str, tmp_path: Path, lang: str,
                                                         viewport: dict[str, int], device: str) -> None:
    texts, shots, name = TEXTS[lang], screenshot_folder(tmp_path), f"{lang}-{device}"
    engine = build_engine(f"sqlite:///{tmp_path / 'opsflow.sqlite'}")  # the server's database
    try:
        returned_plan = start_plan(engine)
        step(engine, "wang.lei", "research", returned_plan, RESEARCH)
        draft = only_task(engine, "zhang.min", "draft_plan", returned_plan)["id"]
        back = engine.work.return_task(Person("zhang.min"), draft, "research", "请补充三家竞品的价格")
        returned = back["new_task_id"]
        urged_plan = start_plan(engine)
        urged = only_task(engine, "wang.lei", "research", urged_plan)["id"]
        engine.work.urge(Person("li.na"), urged)
        waiting_plan = start_plan(engine)
    finally:
        engine.db.dispose()

    page = signed_in_page(browser, server, texts["locale"], "wang.lei", viewport)
    expect(page.locator(f'tr[data-task="{returned}"] .mark-returned')).to_have_text(texts["returned"])
    expect(page.locator(f'tr[data-task="{urged}"] .mark-urged')).to_contain_text(texts["urged"])
    page.screenshot(path=str(shots / f"marks-{name}-inbox.png"), full_page=True)
    page.context.close()

    page = signed_in_page(browser, server, texts["locale"], "li.na", viewport)
    page.goto(server + "/requests")
    row = page.locator(f'tr[data-instance="{waiting_plan}"]')
    row.locator("form.urge button").click()
    expect(page.locator(".flash-success")).to_contain_text(texts["reminded"])
    expect(page.locator(f'tr[data-instance="{waiting_plan}"] form.urge button')).to_be_disabled()
    expect(page.locator(f'tr[data-instance="{waiting_plan}"] .urge-again')).to_contain_text(texts["again"])
    page.screenshot(path=str(shots / f"marks-{name}-requests.png"), full_page=True)
    page.context.close()

    today = china_today(datetime.now(UTC))
    page = signed_in_page(browser, server, texts["locale"], "admin", viewport)
    page.goto(server + "/ops")
    page.locator("#absences-link").click()
    page.wait_for_url(server + "/admin/absences")
    page.locator("#away-user").select_option("wang.lei")
    page.locator("#away-from").fill(today.isoformat())
    page.locator("#away-to").fill((today + timedelta(days=3)).isoformat())
    page.locator("#away-proxy").select_option("zhou.jie")
    page.screenshot(path=str(shots / f"absences-{name}-form.png"), full_page=True)
    page.locator("#set-away button[type=submit]").click()
    expect(page.locator(".flash-success")).to_contain_text(texts["set"])
    listed = page.locator('tr[data-absent="wang.lei"]')
    expect(listed).to_contain_text(texts["away"])
    page.screenshot(path=str(shots / f"absences-{name}-list.png"), full_page=True)
    listed.locator("button[type=submit]").click()
    expect(page.locator(".flash-success")).to_contain_text(texts["ended"])
    expect(page.locator('tr[data-absent="wang.lei"]')).to_have_count(0)
    page.context.close()
