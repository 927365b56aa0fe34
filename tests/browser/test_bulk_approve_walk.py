"""Bulk approval (批量审批) in a browser. No shipped process enables it, so the test deploys the market plan again
with ``bulkApprove`` on the manager's review (as ``opsflow deploy`` does, on the server's own database); three
plans then wait for li.na's review. She ticks two in her inbox and approves them with one comment; they go on to
the director with her comment, the third still waits for her. A plan of the shipped version offers no box. In
Chinese on a phone and in English on a desktop. Screenshots go to ``$OPSFLOW_SCREENSHOTS`` (else the test's
temporary folder)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from engine.facade import build_engine
from engine.org.people import Person
from tests.approver_rules import deploy_market_plan
from tests.browser.conftest import DESKTOP, PHONE, screenshot_folder, signed_in_page
from tests.journey import DRAFT, OPERATOR, only_task, research_and_draft, start_plan

TEXTS = {
    "en": {"locale": "en-US", "head": "Bulk approval", "done": "Approved 2 tasks."},
    "zh": {"locale": "zh-CN", "head": "批量审批", "done": "已同意 2 项任务。"},
}
COMMENT = "同意，按计划推进 / Agreed, go ahead as planned"
TITLES = ("North estates", "South estates", "East estates")


@pytest.mark.parametrize(("lang", "viewport"), [("zh", PHONE), ("en", DESKTOP)])
def test_the_manager_approves_several_reviews_with_one_comment(
        browser: Browser, server: str, tmp_path: Path, lang: str, viewport: dict[str, int]) -> None:
    texts = TEXTS[lang]
    shots = screenshot_folder(tmp_path)
    device = "phone" if viewport is PHONE else "desktop"
    engine = build_engine(f"sqlite:///{tmp_path / 'opsflow.sqlite'}")  # the server's database
    try:
        old = start_plan(engine)  # the shipped version: no bulk approval
        research_and_draft(engine, old, {**DRAFT, "title": "West estates"})
        folder = tmp_path / "bundle"
        folder.mkdir()
        deploy_market_plan(engine, folder, steps={"manager_review": {"bulkApprove": "true"}})
        plans = {}
        for title in TITLES:
            plans[title] = start_plan(engine)
            research_and_draft(engine, plans[title], {**DRAFT, "title": title})
    finally:
        engine.db.dispose()

    li = signed_in_page(browser, server, texts["locale"], "li.na", viewport)
    expect(li.locator("#bulk h2")).to_have_text(texts["head"])
    rows = {title: li.locator("table.tasks tr", has_text=f"{title} (2027-Q1)") for title in (*TITLES, "West estates")}
    expect(rows["West estates"].locator("input[form=bulk-approve]")).to_have_count(0)  # its step does not allow it
    for title in TITLES[:2]:
        rows[title].locator("input[form=bulk-approve]").check()
    li.locator("#bulk-comment").fill(COMMENT)
    li.screenshot(path=str(shots / f"bulk-{lang}-{device}-ticked.png"), full_page=True)
    li.locator("#bulk-approve button[type=submit]").click()
    li.wait_for_url(server + "/")
    expect(li.locator(".flash-success")).to_have_text(texts["done"])
    expect(li.locator(".flash-error")).to_have_count(0)
    expect(li.locator("table.tasks tr", has_text="North estates")).to_have_count(0)
    expect(li.locator("table.tasks tr", has_text="South estates")).to_have_count(0)
    expect(li.locator("table.tasks tr", has_text="East estates")).to_have_count(1)  # not ticked: still hers
    li.screenshot(path=str(shots / f"bulk-{lang}-{device}-done.png"), full_page=True)
    li.context.close()

    engine = build_engine(f"sqlite:///{tmp_path / 'opsflow.sqlite'}")
    try:
        for title in TITLES[:2]:
            assert only_task(engine, "chen.yu", "director_signoff", plans[title])
            [done] = [e for e in engine.work.history(OPERATOR, plans[title])
                      if e["kind"] == "task_completed" and e["task_name"] == "manager_review"]
            assert (done["actor"], done["payload"]["decision"], done["payload"]["comment"]) == (
                "li.na", "approve", COMMENT)
        assert only_task(engine, "li.na", "manager_review", plans["East estates"])
        assert [t for t in engine.work.tasks(Person("chen.yu")) if t["instance_id"] == plans["East estates"]] == []
    finally:
        engine.db.dispose()
