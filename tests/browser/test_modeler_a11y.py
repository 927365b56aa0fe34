"""The modeler's pages under axe-core, in Chinese and English: no serious or critical violation on the list of
processes, the editor (diagram with an element's properties, forms, decision tables), the versions, one
version, the diff and the migration dry run; and the canvas used by keyboard as far as bpmn-js allows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.axe import blocking_violations
from tests.browser.conftest import DESKTOP, screenshot_folder, signed_in_page
from tests.browser.modeler_page import deploy, draw, open_editor, save

LOCALES = {"en": "en-US", "zh": "zh-CN"}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_modeler_pages_have_no_serious_or_critical_axe_violation(browser, server, tmp_path, lang):
    page = signed_in_page(browser, server, LOCALES[lang], "gao.yan", DESKTOP, bypass_csp=True)
    shots = screenshot_folder(tmp_path)
    found: dict[str, list[dict[str, object]]] = {}

    def check(name: str) -> None:
        found[name] = blocking_violations(page)
        page.screenshot(path=str(Path(shots) / f"a11y-{lang}-{name}.png"), full_page=True)

    page.goto(server + "/modeler/")
    check("index")
    open_editor(page, server, "market_plan")
    check("editor")
    draw(page, "m.get('selection').select(reg.get('research'));")
    page.wait_for_selector("[data-group-id='group-opsflow']")
    check("editor-selected")
    page.click("[data-tab=forms]")
    check("forms")
    page.click("[data-tab=decisions]")
    check("decisions")
    page.click("[data-tab=diagram]")
    draw(page, "modeling.updateLabel(reg.get('research'), 'Market research (revised)');")
    save(page)
    deploy(page, "a clearer name for the research step")
    check("versions")
    page.goto(server + "/modeler/market_plan/versions/1")
    page.wait_for_selector(".djs-container")
    check("version")
    page.goto(server + "/modeler/market_plan/diff")
    page.wait_for_selector(".djs-container")
    check("diff")
    page.goto(server + "/modeler/market_plan/migrate")
    check("migrate")
    blocking = {name: v for name, v in found.items() if v}
    assert blocking == {}, json.dumps(blocking, ensure_ascii=False, indent=1)
    page.context.close()


def test_the_canvas_is_used_by_keyboard(browser, server):
    page = signed_in_page(browser, server, "en-US", "gao.yan", DESKTOP)
    open_editor(page, server, "market_plan")
    canvas = page.locator("#canvas .djs-container > svg").first
    expect(canvas).to_have_attribute("tabindex", "0")
    # The palette's tools are buttons reached with Tab; Enter appends the shape after the selected element.
    tool = page.locator(".djs-palette .entry[data-action='create.task']")
    expect(tool).to_have_attribute("tabindex", "0")
    expect(tool).to_have_attribute("role", "button")
    draw(page, "m.get('selection').select(reg.get('research'));")
    before_count = draw(page, "return reg.filter((e) => e.type === 'bpmn:Task').length;")
    tool.focus()
    expect(tool).to_be_focused()
    page.keyboard.press("Enter")
    assert draw(page, "return reg.filter((e) => e.type === 'bpmn:Task').length;") == before_count + 1
    # A selected element moves with the arrow keys and is deleted with Delete once the canvas has focus.
    draw(page, "m.get('selection').select(reg.get('research'));")
    before = draw(page, "return reg.get('research').x;")
    canvas.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert draw(page, "return reg.get('research').x;") > before
    page.keyboard.press("Delete")
    assert draw(page, "return Boolean(reg.get('research'));") is False
    page.context.close()


def test_the_palette_leaves_a_new_processs_pool_header_visible(browser, server):
    page = signed_in_page(browser, server, "en-US", "gao.yan", DESKTOP)
    page.goto(server + "/modeler/")
    page.fill("#new-key", "promotion_approval")
    page.fill("#new-title", "Promotion approval")
    page.locator("form[action='/modeler/new'] button[type=submit]").click()
    page.wait_for_selector("body[data-modeler-ready=true]")
    palette = page.locator(".djs-palette").bounding_box()
    pool = page.locator(".djs-element[data-element-id='promotion_approval_pool'] .djs-visual").bounding_box()
    assert palette and pool
    assert pool["x"] >= palette["x"] + palette["width"], (palette, pool)
    page.context.close()


def test_the_decision_table_editor_offers_only_the_engines_hit_policies_and_tries_the_table(browser, server):
    page = signed_in_page(browser, server, "en-US", "gao.yan", DESKTOP)
    open_editor(page, server, "appraisal")
    page.click("[data-tab=decisions]")
    page.select_option("#dmn-list", "appraisal_grade.dmn")
    expect(page.locator("#dmn-canvas .hit-policy")).to_contain_text("Unique")
    page.locator("#dmn-canvas .hit-policy").click()
    select = page.locator(".hit-policy-edit-policy-select")
    expect(select).to_be_visible()
    select.locator(".dms-input-select-icon").click()
    options = page.locator(".dms-select-options .option")
    expect(options.first).to_be_visible()
    assert sorted(options.all_inner_texts()) == ["Collect", "Unique"]
    page.keyboard.press("Escape")
    # Try it: the table evaluated by the engine with the inputs given.
    page.fill("#dmn-try-inputs", '{"weighted_score": 3.7}')
    page.locator("#dmn-try button[type=submit]").click()
    expect(page.locator("#dmn-try-result")).to_have_text('Rules that match: 2. Result: {"grade":"B"}')
    page.fill("#dmn-try-inputs", "{}")
    page.locator("#dmn-try button[type=submit]").click()
    expect(page.locator("#dmn-try-result")).to_contain_text("fails on these inputs")
    page.context.close()
