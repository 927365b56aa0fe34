"""The auditor takes a case away, in Chromium, in Chinese and English, at desktop and phone width (issue 22).

he.ping filters the search to requests with a breached deadline, sees the integrity column, opens the one found,
downloads its case file as a PDF (read back here: the Chinese step titles, the diagram's flow labels, the proof),
opens the printable page, then goes to the checkpoints page, makes a checkpoint and verifies the history with
its progress shown. Screenshots and the PDF go to ``$OPSFLOW_SCREENSHOTS`` (else the test's temporary folder).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect
from pypdf import PdfReader
from sqlalchemy import update

from engine.facade import build_engine
from engine.models import HumanTask
from tests.browser.conftest import DESKTOP, PHONE, screenshot_folder, signed_in_page
from tests.journey import DRAFT, decision, research_and_draft, start_plan, step

TEXTS = {
    "en": {"locale": "en-US", "research": "Market research report", "flow": "rework the draft"},
    "zh": {"locale": "zh-CN", "research": "市场调研报告", "flow": "返工方案"},
}


def _world(url: str) -> dict[str, int]:
    """A plan whose manager review is three days past due (a breach), and one on time."""
    engine = build_engine(url)
    try:
        late = start_plan(engine)
        research_and_draft(engine, late)
        step(engine, "li.na", "manager_review", late, decision("return", "Split the budget by channel"))
        step(engine, "zhang.min", "draft_plan", late, DRAFT)  # the draft again after the return
        with engine.core.transaction() as session:
            session.execute(update(HumanTask).where(HumanTask.instance_id == late, HumanTask.state == "open")
                            .values(due_at=datetime.now(UTC) - timedelta(days=3)))
        on_time = start_plan(engine)
    finally:
        engine.db.dispose()
    return {"late": late, "on_time": on_time}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_an_auditor_takes_a_late_case_away_and_makes_a_checkpoint(server: str, browser: Browser, tmp_path: Path,
                                                                  lang: str) -> None:
    texts = TEXTS[lang]
    world = _world(f"sqlite:///{tmp_path / 'opsflow.sqlite'}")
    shots = screenshot_folder(tmp_path)
    page = signed_in_page(browser, server, texts["locale"], "he.ping", DESKTOP, accept_downloads=True)

    page.goto(f"{server}/audit/")
    page.select_option("#f-breached", "true")
    page.locator("form.audit-filters button[type=submit]").click()
    rows = page.locator("table.audit-results tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first.locator("td.integrity")).to_have_attribute("data-integrity", re.compile("pending|checkpoint"))
    page.screenshot(path=str(shots / f"case-search-{lang}-desktop.png"), full_page=True)
    rows.first.locator("a.task-link").click()
    page.wait_for_url(re.compile(rf"/audit/instances/{world['late']}$"))
    take_away = page.locator("#take-away")
    expect(take_away.locator("a")).to_have_count(5)  # case file, PDF, bundle, XES, OCEL

    with page.expect_download() as download:
        take_away.locator("a[href$='/case.pdf']").click()
    pdf = shots / f"case-{lang}.pdf"
    download.value.save_as(pdf)
    reader = PdfReader(pdf)
    words = "".join(p.extract_text() for p in reader.pages)
    assert texts["research"] in words  # Chinese (or English) step titles, extractable
    assert texts["flow"] in words  # a flow's label: only the drawn diagram carries it
    assert "opsflow/history" in words and "RFC 9162" in words  # the checkpoint's note and the inclusion proof
    assert "Split the budget by channel" in words

    page.goto(f"{server}/audit/instances/{world['late']}/case")
    expect(page.locator("svg.case-diagram [data-element='draft_plan']")).to_be_visible()
    expect(page.locator("#witness-cosignatures")).to_be_visible()
    page.screenshot(path=str(shots / f"case-page-{lang}-desktop.png"), full_page=True)

    page.goto(f"{server}/audit/checkpoints")
    before = page.locator("table.checkpoints tbody tr").count()  # the PDF made one (the bundle's rule)
    page.locator("#make-checkpoint").click()
    page.wait_for_url(re.compile(r"/audit/checkpoints$"))
    expect(page.locator(".flash").first).to_be_visible()
    assert page.locator("table.checkpoints tbody tr").count() in (before, before + 1)
    page.locator("#verify-now").click()
    expect(page.locator("#verify-verdict")).to_have_class(re.compile("flash-success"))
    expect(page.locator("#verify-bar")).to_have_attribute("value", re.compile(r"^\d+$"))
    page.screenshot(path=str(shots / f"case-checkpoints-{lang}-desktop.png"), full_page=True)

    phone = signed_in_page(browser, server, texts["locale"], "he.ping", PHONE)
    phone.goto(f"{server}/audit/?breached=true")
    expect(phone.locator("table.audit-results tbody tr")).to_have_count(1)
    phone.screenshot(path=str(shots / f"case-search-{lang}-phone.png"), full_page=True)
    phone.goto(f"{server}/audit/instances/{world['late']}/case")
    expect(phone.locator("svg.case-diagram")).to_be_visible()
    phone.screenshot(path=str(shots / f"case-page-{lang}-phone.png"), full_page=True)
    phone.goto(f"{server}/audit/checkpoints")
    expect(phone.locator("#make-checkpoint")).to_be_visible()
    phone.screenshot(path=str(shots / f"case-checkpoints-{lang}-phone.png"), full_page=True)
