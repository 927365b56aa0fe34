"""Driving the modeler in the browser: the editor's own API for drawing, the page's controls for the rest."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

SHOTS = os.environ.get("OPSFLOW_SCREENSHOTS")  # a folder: keep screenshots of the pages to look at


def shot(page: Page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def open_editor(page: Page, base: str, key: str) -> None:
    page.goto(f"{base}/modeler/{key}")
    page.wait_for_selector("body[data-modeler-ready=true]")


def draw(page: Page, script: str, **values: Any) -> Any:
    """Run ``script`` (a JS function body) with ``m`` the bpmn-js modeler and ``v`` the values given."""
    return page.evaluate(f"(v) => {{ const m = window.opsflowEditor.modeler; "
                         f"const reg = m.get('elementRegistry'), modeling = m.get('modeling'); {script} }}", values)


def select(page: Page, element_id: str, entry: str, group_id: str = "opsflow") -> None:
    """Select an element and open its properties panel group ``group_id`` (opsflow's own) until ``entry`` shows."""
    draw(page, "m.get('selection').select(reg.get(v.id));", id=element_id)
    group = page.locator(f"[data-group-id='group-{group_id}']")
    expect(group).to_be_visible()
    page.wait_for_selector(f"[data-entry-id='{entry}']", state="attached")  # the panel has drawn this element
    field = page.locator(f"#bio-properties-panel-{entry}")
    if not field.is_visible():
        group.locator(".bio-properties-panel-group-header").click()
    expect(field).to_be_visible()


def add_form(page: Page, name: str, schema: dict[str, Any]) -> None:
    page.click("[data-tab=forms]")
    page.fill("#new-form-name", name)
    page.click("#new-form")
    page.fill("#form-json", json.dumps(schema, ensure_ascii=False, indent=2))


def save(page: Page) -> None:
    page.click("#modeler-save")
    expect(page.locator("#modeler-status")).not_to_have_class("modeler-status warn", timeout=15_000)
    expect(page.locator("#modeler-status")).not_to_have_class("modeler-status info", timeout=15_000)


def deploy(page: Page, note: str) -> None:
    page.fill("#deploy-note", note)
    page.click("#deploy-form button[type=submit]")
    page.wait_for_url("**/versions", timeout=20_000)
