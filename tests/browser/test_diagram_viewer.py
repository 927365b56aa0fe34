"""The diagram viewer (webui/static/build/viewer.js, built by `make frontend`) in Chromium.

The bundle and its CSS come from the app's static route (``opsflow serve``); the page around them
is answered by the test under the app's own Content-Security-Policy, as the audit pages will be.
Each shipped process is drawn without warnings and with an SVG element for every node, lane and
flow; the markers and badges API adds the CSS classes and the overlays; the bpmn.io logo stays
visible on top.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from playwright.sync_api import Browser, Page, Route, expect

from engine.definitions.xml_safety import parse_xml
from webui.safety import CONTENT_SECURITY_POLICY

PROCESSES = Path(__file__).resolve().parents[2] / "processes"
BPMN_FILES = sorted(PROCESSES.glob("*.bpmn"))
BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
PAGE_PATH = "/diagram-check"
PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>diagram check</title>
<link rel="stylesheet" href="/static/build/viewer.css">
<link rel="stylesheet" href="/diagram-check.css">
</head><body><div id="canvas" class="diagram"></div>
<script src="/static/build/viewer.js"></script></body></html>"""
# The container's size comes from a stylesheet of the test's own (the CSP refuses inline style).
PAGE_CSS = "html, body { margin: 0; } #canvas { width: 1400px; height: 700px; position: relative; }"
SHOW = """async ([xml, overlays]) => {
  const view = await window.OpsflowDiagram.show('#canvas', xml, overlays);
  window.view = view;
  return { warnings: view.warnings, missing: view.missing, ids: view.elementIds() };
}"""
PATH_TAKEN = {
    "visited": ["start", "flow_start_research", "init_counters", "flow_init_research", "research",
                "flow_research_draft", "draft_plan", "flow_draft_review", "manager_review"],
    "current": ["manager_review"],
    "counts": {"draft_plan": 2},
}


class DiagramPage:
    """A page holding only the viewer bundle, with the app's CSP; records errors and CSP violations."""

    def __init__(self, page: Page, base: str) -> None:
        self.page = page
        self.errors: list[str] = []
        page.on("console", lambda message: self.errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.add_init_script("window.violations = [];"
                             "document.addEventListener('securitypolicyviolation',"
                             " (e) => window.violations.push(e.violatedDirective + ' ' + e.blockedURI));")
        page.route(base + PAGE_PATH, self._answer_page)
        page.route(base + "/diagram-check.css", self._answer_css)
        page.goto(base + PAGE_PATH)
        page.wait_for_function("() => Boolean(window.OpsflowDiagram)")

    @staticmethod
    def _answer_page(route: Route) -> None:
        route.fulfill(status=200, body=PAGE, content_type="text/html; charset=utf-8",
                      headers={"Content-Security-Policy": CONTENT_SECURITY_POLICY})

    @staticmethod
    def _answer_css(route: Route) -> None:
        route.fulfill(status=200, body=PAGE_CSS, content_type="text/css")

    def show(self, xml: str, overlays: dict[str, Any] | None = None) -> dict[str, Any]:
        result: dict[str, Any] = self.page.evaluate(SHOW, [xml, overlays or {}])
        return result

    def violations(self) -> list[str]:
        found: list[str] = self.page.evaluate("window.violations")
        return found


@pytest.fixture
def diagram_page(server: str, browser: Browser) -> Iterator[DiagramPage]:
    context = browser.new_context(viewport={"width": 1400, "height": 700})
    try:
        yield DiagramPage(context.new_page(), server)
    finally:
        context.close()


def drawn_ids(path: Path) -> tuple[set[str], set[str]]:
    """The ids of the flow nodes, and of the lanes and sequence flows, that the file defines."""
    process = parse_xml(path.read_bytes()).find(f"{BPMN}process")
    assert process is not None
    nodes, others = set(), set()
    for element in process:
        if not isinstance(element.tag, str):
            continue
        name = etree.QName(element).localname
        if name == "sequenceFlow":
            others.add(str(element.get("id")))
        elif name == "laneSet":
            others.update(str(lane.get("id")) for lane in element.iter(f"{BPMN}lane"))
        elif name != "extensionElements":
            nodes.add(str(element.get("id")))
    return nodes, others


def test_the_viewer_bundle_is_built_and_served(server: str, browser: Browser):
    page = browser.new_page()
    try:
        for asset in ("viewer.js", "viewer.css"):
            response = page.request.get(f"{server}/static/build/{asset}")
            assert response.status == 200, asset
            assert len(response.body()) > 10_000, asset
        assert "OpsflowDiagram" in page.request.get(f"{server}/static/build/viewer.js").text()
    finally:
        page.close()


@pytest.mark.parametrize("path", BPMN_FILES, ids=[p.stem for p in BPMN_FILES])
def test_each_shipped_process_is_drawn_without_warnings(diagram_page: DiagramPage, path: Path):
    result = diagram_page.show(path.read_text(encoding="utf-8"))

    assert result["warnings"] == []
    nodes, others = drawn_ids(path)
    assert nodes and others
    assert set(result["ids"]) == nodes | others
    svg = diagram_page.page.locator("#canvas svg")
    for element_id in sorted(nodes | others):
        expect(svg.locator(f'g.djs-element[data-element-id="{element_id}"]')).to_have_count(1)
    for node in sorted(nodes):  # a real drawing: every node has a visible, non-empty box
        shape = svg.locator(f'g.djs-shape[data-element-id="{node}"] .djs-visual')
        expect(shape).to_be_visible()
        bounds = shape.bounding_box()
        assert bounds is not None and bounds["width"] > 5 and bounds["height"] > 5, node
    assert diagram_page.errors == []
    assert diagram_page.violations() == []


def test_the_bpmn_io_logo_stays_visible_on_top(diagram_page: DiagramPage):
    diagram_page.show((PROCESSES / "market_plan.bpmn").read_text(encoding="utf-8"), PATH_TAKEN)

    logo = diagram_page.page.locator("#canvas .bjs-powered-by")
    expect(logo).to_be_visible()
    expect(logo).to_have_attribute("href", "http://bpmn.io")
    box = logo.bounding_box()
    assert box is not None and box["width"] >= 40 and box["height"] >= 15
    assert box["x"] + box["width"] <= 1400 and box["y"] + box["height"] <= 700  # inside the container
    on_top = diagram_page.page.evaluate(
        """([x, y]) => { const hit = document.elementFromPoint(x, y);
                         return Boolean(hit && hit.closest('.bjs-powered-by')); }""",
        [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2])
    assert on_top is True


def test_markers_and_badges_show_the_path_taken(diagram_page: DiagramPage):
    page = diagram_page.page
    result = diagram_page.show((PROCESSES / "market_plan.bpmn").read_text(encoding="utf-8"), PATH_TAKEN)
    assert result["missing"] == []

    def element(element_id: str) -> Any:
        return page.locator(f'#canvas g.djs-element[data-element-id="{element_id}"]')

    expect(element("research")).to_contain_class("opsflow-visited")
    expect(element("draft_plan")).to_contain_class("opsflow-visited")
    expect(element("flow_research_draft")).to_contain_class("opsflow-visited")
    expect(element("manager_review")).to_contain_class("opsflow-current")
    expect(element("director_signoff")).not_to_contain_class("opsflow-visited")
    expect(element("director_signoff")).not_to_contain_class("opsflow-current")
    # The CSS is applied, not only the class: visited shapes are filled green, the current one orange.
    fill = "el => getComputedStyle(el.querySelector('.djs-visual > :first-child')).fill"
    assert element("research").evaluate(fill) == "rgb(230, 244, 234)"
    assert element("manager_review").evaluate(fill) == "rgb(255, 244, 224)"
    assert element("director_signoff").evaluate(fill) == "rgb(255, 255, 255)"

    badges = page.locator("#canvas .djs-overlays .opsflow-badge")
    expect(badges).to_have_count(1)
    badge = page.locator('#canvas .djs-overlays[data-container-id="draft_plan"] .opsflow-badge')
    expect(badge).to_have_text("×2")
    expect(badge).to_be_visible()
    badge_box, shape_box = badge.bounding_box(), element("draft_plan").locator(".djs-visual").bounding_box()
    assert badge_box is not None and shape_box is not None
    assert shape_box["x"] < badge_box["x"] + badge_box["width"] / 2 < shape_box["x"] + shape_box["width"]
    assert abs(badge_box["y"] + badge_box["height"] / 2 - shape_box["y"]) < badge_box["height"]  # on the top edge

    # Marking one more step, a free badge, an unknown id, then clearing everything again.
    state = page.evaluate("""() => {
        const marked = view.mark(['director_signoff', 'no_such_step'], 'opsflow-visited');
        const overlay = view.badge('manager_review', 'now', { title: 'waiting since 9:00' });
        return { marked, overlay, missing: view.missing };
    }""")
    assert state["marked"] == ["director_signoff"]
    assert state["overlay"]
    assert state["missing"] == ["no_such_step"]
    expect(element("director_signoff")).to_contain_class("opsflow-visited")
    expect(page.locator('#canvas .djs-overlays[data-container-id="manager_review"] .opsflow-badge')).to_have_attribute(
        "title", "waiting since 9:00")
    page.evaluate("() => view.clear()")
    expect(page.locator("#canvas .opsflow-visited, #canvas .opsflow-current")).to_have_count(0)
    expect(badges).to_have_count(0)
    expect(element("research")).to_be_visible()
    assert diagram_page.errors == []
    assert diagram_page.violations() == []


def test_unreadable_xml_is_refused(diagram_page: DiagramPage):
    outcome = diagram_page.page.evaluate("""async () => {
        try { await OpsflowDiagram.show('#canvas', '<not-bpmn/>'); return 'drawn'; }
        catch (error) { return 'refused: ' + error.message; }
    }""")
    assert outcome.startswith("refused: ")
    expect(diagram_page.page.locator("#canvas svg")).to_have_count(0)
