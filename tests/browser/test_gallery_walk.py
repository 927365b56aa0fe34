"""Process packs in Chromium: the analyst starts "overtime" from the modeler's gallery, raises the hours
threshold in its DMN, deploys it under a new key, and an employee and the section head use it; an expense of
300,000 over its budget line reaches the director. zh and en; screenshots kept with OPSFLOW_SCREENSHOTS."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from engine.facade import build_engine
from engine.org.people import Person as EnginePerson
from tests.browser.conftest import DESKTOP, PHONE, signed_in_page
from tests.browser.modeler_page import deploy, save, shot
from tests.browser.test_modeler_more import set_cell
from tests.journey import OPERATOR
from tests.packs.scenario import act

TEXTS = {"zh": {"locale": "zh-CN", "gallery": "从流程包新建", "copy": "复制为新草稿", "done": "已完成",
                "started": "已发起："},
         "en": {"locale": "en-US", "gallery": "New process from a pack", "copy": "Copy into a new draft",
                "done": "is done", "started": "Started:"}}


def engine_on(tmp_path: Path):
    return build_engine(f"sqlite:///{tmp_path / 'opsflow.sqlite'}")  # the server's database (see conftest)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_overtime_from_the_gallery_with_a_new_threshold_is_deployed_and_used(browser, server, tmp_path, lang):
    texts, key = TEXTS[lang], f"overtime_long_{lang}"
    page = signed_in_page(browser, server, texts["locale"], "gao.yan", DESKTOP)
    page.goto(f"{server}/modeler/")
    page.locator("a[href='/modeler/packs']").click()
    expect(page.locator("h1")).to_have_text(texts["gallery"])
    page.locator(".gallery-list a[href='/modeler/packs?pack=overtime']").click()
    expect(page.locator(".gallery-detail h2")).to_have_text(
        "加班事先报备审批" if lang == "zh" else "Overtime approved in advance")
    expect(page.locator(".pack-readme")).to_contain_text("加班需事先报备并获得批准")
    expect(page.locator(".gallery-diagram svg").first).to_be_visible()  # the pack's diagram beside its README
    shot(page, f"packs-gallery-{lang}")
    page.fill("#copy-key", key)
    page.fill("#copy-title", "Long-shift overtime")
    page.get_by_role("button", name=texts["copy"]).click()
    page.wait_for_url(f"{server}/modeler/{key}")
    page.wait_for_selector("body[data-modeler-ready=true]")
    page.click("[data-tab=decisions]")
    page.select_option("#dmn-list", f"{key}_approvers.dmn")
    expect(page.locator("#dmn-canvas td.input-cell").first).to_contain_text("<= 4")
    set_cell(page, 0, "<= 8")  # the section head alone up to 8 hours (was 4)
    set_cell(page, 1, "> 8")
    page.locator("#dmn-canvas th").first.click()
    save(page)
    expect(page.locator("#problem-list li.problem.error")).to_have_count(0)
    shot(page, f"packs-gallery-dmn-{lang}")
    deploy(page, "Section heads approve up to 8 hours")
    page.context.close()

    viewport = PHONE if lang == "zh" else DESKTOP
    employee = signed_in_page(browser, server, texts["locale"], "cao.jun", viewport)
    employee.goto(f"{server}/processes/{key}")
    employee.select_option("#f-section", "dispatch")
    employee.fill("#f-date", "2027-03-06")
    employee.fill("#f-hours", "6")
    employee.fill("#f-reason", "Meter reading backlog after the cold snap")
    shot(employee, f"packs-overtime-start-{lang}")
    employee.locator("form.generated button[type=submit]").click()
    employee.wait_for_url("**/instances/*")
    expect(employee.locator(".flash-success")).to_contain_text(texts["started"])
    instance_id = int(employee.url.rsplit("/", 1)[1])
    employee.context.close()

    head = signed_in_page(browser, server, texts["locale"], "xu.tao", viewport)
    head.locator("table.tasks tr", has_text="2027-03-06").locator("a.task-link").click()
    head.wait_for_url("**/tasks/*")
    expect(head.locator("body")).to_contain_text("Meter reading backlog after the cold snap")
    shot(head, f"packs-overtime-head-{lang}")
    head.check("input[name=decision][value=approve]")
    head.locator("form.generated button[type=submit]").click()
    head.wait_for_url(f"{server}/")
    expect(head.locator(".flash-success")).to_contain_text(texts["done"])
    head.context.close()

    engine = engine_on(tmp_path)
    try:
        shown = engine.work.show(OPERATOR, instance_id)
        assert (shown["status"], shown["end_event"]) == ("completed", "approved")  # 6 h: the head alone now
        assert [v["note"] for v in engine.modeler.versions(EnginePerson("gao.yan"), key)] == [
            "Section heads approve up to 8 hours"]
    finally:
        engine.db.dispose()


@pytest.mark.parametrize(("lang", "viewport"), [("zh", PHONE), ("en", DESKTOP)])
def test_an_expense_over_its_budget_line_goes_to_the_director(browser, server, tmp_path, lang, viewport):
    texts = TEXTS[lang]
    applicant = signed_in_page(browser, server, texts["locale"], "hu.bin", viewport)
    applicant.goto(f"{server}/processes/expense_approval")
    applicant.fill("#f-title", "Gas detectors for the east district")
    applicant.select_option("#f-budget_line", "safety_equipment")
    expect(applicant.locator("#f-budget_line option[value=safety_equipment]")).to_contain_text("200,000")
    applicant.fill("#f-amount", "300000")
    applicant.fill("#f-basis", "2027 budget, item 4: detector renewal")
    shot(applicant, f"packs-expense-start-{lang}")
    applicant.locator("form.generated button[type=submit]").click()
    applicant.wait_for_url("**/instances/*")
    instance_id = int(applicant.url.rsplit("/", 1)[1])
    applicant.context.close()

    engine = engine_on(tmp_path)
    try:  # the line's holder and the operations manager approve (their own walks are the overtime's)
        act(engine, "jiang.hai", "holder_review", instance_id, {"decision": "approve"})
        act(engine, "zhao.qiang", "ops_manager_review", instance_id, {"decision": "approve"})
        assert engine.work.show(OPERATOR, instance_id)["data"]["over_budget"] is True
    finally:
        engine.db.dispose()

    director = signed_in_page(browser, server, texts["locale"], "chen.yu", viewport)
    row = director.locator("table.tasks tr", has_text="Gas detectors for the east district")
    expect(row).to_contain_text("审批费用（运营总监）" if lang == "zh" else "Approve the expense (director)")
    row.locator("a.task-link").click()
    director.wait_for_url("**/tasks/*")
    expect(director.locator("body")).to_contain_text("300,000")
    shot(director, f"packs-expense-director-{lang}")
    director.check("input[name=decision][value=approve]")
    director.locator("form.generated button[type=submit]").click()
    director.wait_for_url(f"{server}/")
    expect(director.locator(".flash-success")).to_contain_text(texts["done"])
    director.context.close()
    engine = engine_on(tmp_path)
    try:
        shown = engine.work.show(OPERATOR, instance_id)
        assert (shown["status"], shown["end_event"]) == ("completed", "approved")
    finally:
        engine.db.dispose()
