"""The complaints and hazard packs in a browser, in Chinese on a phone and in English on a desktop.

A complaint yang.fan records breaches its first-response deadline (the worker runs on the server's database
with a moved clock, and the library's timers read the same clock) and goes to the section head song.jia, who
sees it late on the complaints board and responds. A hazard hu.bin rectifies: he is refused the re-inspection
with the rule and his name, lin.xue re-inspects it and it is closed (销号). Screenshots go to
``$OPSFLOW_SCREENSHOTS`` (else the test's temporary folder)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from engine.facade import build_engine
from engine.org.people import Person
from engine.scheduling.worker import Worker
from tests.browser.conftest import DESKTOP, PHONE, screenshot_folder, signed_in_page
from tests.clocks import FakeClock
from tests.journey import OPERATOR
from tests.packs.moved_timers import timers_follow
from tests.packs.support import install_pack

TEXTS = {
    "en": {"locale": "en-US", "started": "Started", "late": "First response late", "done": "is done",
           "refused": "Separation of duties: 胡斌 (hu.bin) did “Rectify the hazard” on this request, so someone "
                      "else must do “Re-inspect the rectification”", "closed": "the process has ended"},
    "zh": {"locale": "zh-CN", "started": "已发起", "late": "首次响应超时", "done": "已完成",
           "refused": "不相容职责分离：胡斌 (hu.bin) 已办理本申请的“隐患整改”，“整改复查”须由其他人办理",
           "closed": "流程已结束"},
}
CASES = [("zh", PHONE), ("en", DESKTOP)]


def _engine(tmp_path: Path, clock: FakeClock | None = None):  # the server's database
    url = f"sqlite:///{tmp_path / 'opsflow.sqlite'}"
    return build_engine(url, clock=clock) if clock is not None else build_engine(url)


@pytest.mark.parametrize(("lang", "viewport"), CASES)
def test_a_complaint_misses_its_first_response_and_goes_to_the_section_head(
        browser: Browser, server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lang: str,
        viewport: dict[str, int]) -> None:
    texts, shots, device = TEXTS[lang], screenshot_folder(tmp_path), "phone" if viewport is PHONE else "desktop"
    engine = _engine(tmp_path)
    try:
        install_pack(engine, "complaints")
    finally:
        engine.db.dispose()

    yang = signed_in_page(browser, server, texts["locale"], "yang.fan", viewport)
    yang.goto(f"{server}/processes/complaint_handling")
    yang.fill("#f-customer", "王女士")
    yang.fill("#f-contact", "138 0000 0000")
    yang.select_option("#f-channel", "phone")
    yang.select_option("#f-category", "supply")
    yang.fill("#f-subject", "No gas since this morning / 今早起停气")
    yang.fill("#f-description", "The stove does not light; the neighbours have no gas either.")
    yang.fill("#f-handler", "yang.fan")
    yang.screenshot(path=str(shots / f"complaint-{lang}-{device}-record.png"), full_page=True)
    yang.locator("form.generated button[type=submit]").click()
    yang.wait_for_url(re.compile(r"/instances/\d+$"))
    expect(yang.locator(".flash-success")).to_contain_text(texts["started"])
    complaint = int(yang.url.rsplit("/", 1)[1])
    yang.context.close()

    clock = FakeClock()  # a working day and more later: the worker fires the first-response timer
    timers_follow(clock, monkeypatch)
    engine = _engine(tmp_path, clock)
    try:
        due = engine.work.show(OPERATOR, complaint)["data"]["first_response_due"]
        clock.now = datetime.fromisoformat(due) + timedelta(minutes=2)
        assert Worker(engine.core).run_once().incidents == 0
    finally:
        engine.db.dispose()

    song = signed_in_page(browser, server, texts["locale"], "song.jia", viewport)
    song.locator("nav.main-nav a[href='/boards/complaints']").click()
    row = song.locator(f"tr[data-instance='{complaint}']")
    expect(row).to_have_attribute("data-sla", "first_response_breached")
    expect(row).to_contain_text(texts["late"])
    song.screenshot(path=str(shots / f"complaint-{lang}-{device}-board.png"), full_page=True)
    song.goto(f"{server}/")
    song.locator("table.tasks tr", has_text="王女士").locator("a.task-link").click()
    song.wait_for_url(re.compile(r"/tasks/\d+$"))
    song.select_option("#f-contacted_by", "phone")
    song.fill("#f-response", "I called her myself: a crew is on the way. / 已亲自致电，抢修人员已出发。")
    song.screenshot(path=str(shots / f"complaint-{lang}-{device}-head-task.png"), full_page=True)
    song.locator("form.generated button[type=submit]").click()
    song.wait_for_url(f"{server}/")
    expect(song.locator(".flash-success")).to_contain_text(texts["done"])
    song.context.close()
    engine = _engine(tmp_path)
    try:
        data = engine.work.show(OPERATOR, complaint)["data"]
        assert data["first_response_breached"] is True and "head_first_response" in data
    finally:
        engine.db.dispose()


@pytest.mark.parametrize(("lang", "viewport"), CASES)
def test_a_hazard_is_re_inspected_by_someone_other_than_its_rectifier(
        browser: Browser, server: str, tmp_path: Path, lang: str, viewport: dict[str, int]) -> None:
    texts, shots, device = TEXTS[lang], screenshot_folder(tmp_path), "phone" if viewport is PHONE else "desktop"
    engine = _engine(tmp_path)
    try:
        install_pack(engine, "hazard")
        hazard = int(engine.work.start(Person("lin.xue"), "hazard_rectification", {
            "location": "Regulator station 3 / 3号调压站", "facility": "Pressure regulator", "severity": "moderate",
            "description": "Gas smell at the outlet flange.", "responsible_section": "safety",
            "rectifier": "hu.bin"}).id)
    finally:
        engine.db.dispose()

    hu = signed_in_page(browser, server, texts["locale"], "hu.bin", viewport)
    hu.locator("table.tasks tr", has_text="3号调压站").locator("a.task-link").click()
    hu.wait_for_url(re.compile(r"/tasks/\d+$"))
    hu.fill("#f-measures", "Flange gasket replaced, leak test passed. / 更换法兰垫片，检漏合格。")
    hu.locator("form.generated button[type=submit]").click()
    hu.wait_for_url(f"{server}/")
    hu.locator("table.tasks tr", has_text="3号调压站").locator("a.task-link").click()  # offered to staff: him too
    hu.wait_for_url(re.compile(r"/tasks/\d+$"))
    task_url = hu.url
    hu.check("input[name=decision][value=pass]")
    hu.locator("form.generated button[type=submit]").click()
    refusal = hu.locator("#not-taken")
    expect(refusal).to_contain_text(texts["refused"])
    expect(hu.locator("#restored-draft")).to_have_count(0)
    hu.screenshot(path=str(shots / f"hazard-{lang}-{device}-refused.png"), full_page=True)
    hu.context.close()

    lin = signed_in_page(browser, server, texts["locale"], "lin.xue", viewport)
    lin.goto(task_url)
    lin.check("input[name=decision][value=pass]")
    lin.locator("form.generated button[type=submit]").click()
    lin.wait_for_url(f"{server}/")
    expect(lin.locator(".flash-success")).to_contain_text(texts["closed"])
    lin.goto(f"{server}/instances/{hazard}")
    lin.screenshot(path=str(shots / f"hazard-{lang}-{device}-closed.png"), full_page=True)
    lin.context.close()
    engine = _engine(tmp_path)
    try:
        shown = engine.work.show(OPERATOR, hazard)
        assert (shown["status"], shown["end_event"]) == ("completed", "hazard_closed")
    finally:
        engine.db.dispose()
