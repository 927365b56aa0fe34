"""zhang.min attaches a PDF to the market plan's draft in Chromium and the director downloads it (zh on a desktop,
en on a phone). Screenshots of the draft and the request page go to ``$OPSFLOW_SCREENSHOTS`` (else the test's
temporary folder)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from engine.facade import build_engine
from engine.org.people import Person
from tests.browser.conftest import screenshot_folder, signed_in_page
from tests.journey import DRAFT, RESEARCH, START, only_task

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
NAME = "营销方案 2027.pdf"
LOOKS = {"zh": ("zh-CN", {"width": 1280, "height": 900}, "desktop", "附件", "上传了附件"),
         "en": ("en-US", {"width": 390, "height": 844}, "phone", "Attachments", "attached")}


def sign_in(browser: Browser, base: str, lang: str, username: str) -> Page:
    locale, viewport, *_rest = LOOKS[lang]
    return signed_in_page(browser, base, locale, username, viewport, accept_downloads=True)


def fill_draft(page: Page) -> None:
    for name in ("title", "period", "goals", "target_market", "positioning", "pricing", "timeline"):
        page.fill(f'[name="{name}"]', str(DRAFT[name]))
    page.select_option('[name="period_type"]', DRAFT["period_type"])
    page.fill('[name="budget_cny"]', str(DRAFT["budget_cny"]))
    for i, channel in enumerate(DRAFT["channels"]):
        page.fill(f'[name="channels-{i}"]', channel)
    for key, value in DRAFT["activities"][0].items():
        page.fill(f'[name="activities-0-{key}"]', value)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_zhang_min_attaches_a_pdf_to_the_draft_and_the_director_downloads_it(
        browser: Browser, server: str, tmp_path: Path, lang: str) -> None:
    shots = screenshot_folder(tmp_path)
    _locale, _viewport, device, heading, timeline_text = LOOKS[lang]
    engine = build_engine(f"sqlite:///{tmp_path / 'opsflow.sqlite'}")  # the database the server runs on
    try:
        plan = int(engine.work.start(Person("li.na"), "market_plan", START).id)
        engine.work.complete(Person("wang.lei"), only_task(engine, "wang.lei", "research", plan)["id"], RESEARCH)
        draft = only_task(engine, "zhang.min", "draft_plan", plan)["id"]
    finally:
        engine.db.dispose()

    zhang = sign_in(browser, server, lang, "zhang.min")
    zhang.goto(f"{server}/tasks/{draft}")
    fill_draft(zhang)
    zhang.set_input_files('[name="upload:plan_document"]',
                          files=[{"name": NAME, "mimeType": "application/pdf", "buffer": PDF}])
    zhang.screenshot(path=str(shots / f"attachment-draft-{lang}-{device}.png"), full_page=True)
    zhang.locator("form.generated button[type=submit]").click()
    zhang.wait_for_url(server + "/")
    zhang.context.close()

    director = sign_in(browser, server, lang, "chen.yu")
    director.goto(f"{server}/instances/{plan}")
    files = director.locator("#attachments")
    expect(files.locator("h2")).to_contain_text(heading)
    expect(files.locator("a", has_text=NAME)).to_be_visible()
    expect(director.locator("ol.timeline")).to_contain_text(timeline_text)
    director.screenshot(path=str(shots / f"attachment-request-{lang}-{device}.png"), full_page=True)
    with director.expect_download() as got:
        files.locator("a", has_text=NAME).click()
    download = got.value
    assert download.suggested_filename == NAME
    assert Path(download.path()).read_bytes() == PDF
    assert re.search(r"/instances/\d+/attachments/\d+$", download.url)
    director.context.close()
