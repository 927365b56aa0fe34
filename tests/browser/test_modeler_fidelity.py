"""Other modelers' files kept whole: opened in the editor and saved through its save path (bpmn-js's export,
then the draft API), every element and every piece of layout is still there, by type; and a model opened and
saved without a change has an empty diff and deploys as "unchanged"."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from playwright.sync_api import expect

from engine.modeler.diff import describe_bpmn, diff_elements
from tests.browser.modeler_page import open_editor, save
from tests.browser.test_market_plan_journey import done, sign_in
from tests.paths import REPO

ROUND_TRIP = REPO / "tests" / "fixtures" / "bpmn" / "round_trip"
BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
LAYOUT = {"http://www.omg.org/spec/BPMN/20100524/DI", "http://www.omg.org/spec/DD/20100524/DC",
          "http://www.omg.org/spec/DD/20100524/DI"}
FILES = {  # file -> the key it opens under (its process id made a key)
    "camunda_order_collapsed.bpmn": "Order_Fulfilment_v2",
    "bizagi_claim_compensation.bpmn": "Claim_Handling_2024",
    "signavio_returns_legacy.bpmn": "sid-returns_v1_0",
}
FILES_WITHOUT_OWN_PLANE = {"signavio_returns_legacy.bpmn": 1}


def counts(xml: bytes) -> tuple[Counter[str], Counter[str]]:
    """Elements by type, and layout (diagrams, planes, shapes, edges, bounds, waypoints) by type."""
    root = etree.fromstring(xml)
    elements: Counter[str] = Counter()
    layout: Counter[str] = Counter()
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        name = etree.QName(el)
        if name.namespace == BPMN:
            elements[name.localname] += 1
        elif name.namespace in LAYOUT:
            layout[name.localname] += 1
    return elements, layout


def draft_bpmn(page: Any, server: str, key: str) -> bytes:
    answer = page.request.get(f"{server}/api/v1/process-definitions/{key}/draft")
    assert answer.ok, answer.text()
    return str(answer.json()["bpmn"]).encode("utf-8")


def open_file(page: Any, server: str, path: Path, key: str) -> None:
    page.goto(f"{server}/modeler/")
    page.set_input_files("#import-upload", str(path))
    page.locator("form[action='/modeler/import'] button[type=submit]").click()
    page.wait_for_url(f"{server}/modeler/{key}")
    page.wait_for_selector("body[data-modeler-ready=true]")


@pytest.mark.parametrize("name", sorted(FILES))
def test_another_modelers_file_keeps_every_element_and_its_layout_through_the_editor(browser, server, name):
    path = ROUND_TRIP / name
    original = path.read_bytes()
    gao = sign_in(browser, server, "en", "gao.yan")
    page = gao.page
    open_file(page, server, path, FILES[name])
    page.evaluate("() => window.opsflowEditor.changed()")  # as after an edit: the save sends the editor's export
    save(page)
    saved = draft_bpmn(page, server, FILES[name])
    assert saved != original  # the editor's own export, not the uploaded bytes
    before_elements, before_layout = counts(original)
    after_elements, after_layout = counts(saved)
    assert after_elements == before_elements
    # A collapsed sub-process drawn on the main plane (the older way) gets a plane of its own, as bpmn-js
    # draws it (drill-down): its shapes move there, none is lost.
    new_planes = FILES_WITHOUT_OWN_PLANE.get(name, 0)
    assert after_layout == before_layout + Counter({"BPMNDiagram": new_planes, "BPMNPlane": new_planes})
    assert diff_elements(describe_bpmn(original.decode()), describe_bpmn(saved.decode())) == []
    done(gao)


def test_an_opened_and_saved_model_has_no_diff_and_deploys_as_unchanged(browser, server):
    gao = sign_in(browser, server, "en", "gao.yan")
    page = gao.page
    deployed = page.request.get(f"{server}/api/v1/process-definitions/market_plan/versions/1").json()
    open_editor(page, server, "market_plan")
    page.evaluate("() => window.opsflowEditor.changed()")
    save(page)
    saved = draft_bpmn(page, server, "market_plan")
    assert saved.decode() != deployed["bpmn"]  # bpmn-js wrote it anew...
    assert diff_elements(describe_bpmn(deployed["bpmn"]), describe_bpmn(saved.decode())) == []  # ...saying the same
    page.fill("#deploy-note", "opened and saved, nothing changed")
    page.click("#deploy-form button[type=submit]")
    page.wait_for_url("**/versions", timeout=20_000)
    expect(page.locator("body")).to_contain_text("Nothing changed since version 1")
    versions = page.request.get(f"{server}/api/v1/process-definitions/market_plan/versions").json()
    assert max(v["version"] for v in versions["items"]) == 1
    done(gao)
