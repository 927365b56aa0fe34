"""The case file's diagram: the path drawn as static SVG from the model's BPMNDI (no browser, no database)."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from engine.audit.case_diagram import draw_path
from engine.audit.views import AuditPath

MARKET_PLAN = (Path(__file__).resolve().parents[3] / "processes" / "market_plan.bpmn").read_text(encoding="utf-8")


def _path(**given: object) -> AuditPath:
    empty: AuditPath = {"visits": {}, "flows": {}, "inferred": [], "unresolved": [], "current": [], "ended": None,
                        "stopped": [], "loops": {}, "names": {}, "names_zh": {}}
    return {**empty, **given}  # type: ignore[typeddict-item]


def _element(svg: str, element_id: str) -> etree._Element:
    found = etree.fromstring(svg.encode()).xpath(f'//*[@data-element="{element_id}"]')
    assert len(found) == 1, element_id
    return found[0]


def test_the_path_is_drawn_in_the_readers_words_with_its_states():
    path = _path(visits={"start": 1, "research": 1, "draft_plan": 2, "manager_review": 1},
                 flows={"flow_start_research": 1, "flow_back_to_draft": 1}, inferred=["init_counters"],
                 current=["manager_review"])
    svg = draw_path(MARKET_PLAN, path, {"research": "市场调研报告", "flow_back_to_draft": "返工方案"})
    assert svg is not None and svg.startswith("<svg")
    assert _element(svg, "research").get("stroke") == "#1f6f43"  # passed
    assert _element(svg, "manager_review").get("stroke") == "#b26b00"  # waiting there now
    assert _element(svg, "init_counters").get("stroke-dasharray")  # inferred: dashed
    assert _element(svg, "director_signoff").get("stroke") == "#9aa0a6"  # never reached
    assert "市场调研报告" in svg and "返工方案" in svg and "×2" in svg
    taken = etree.fromstring(svg.encode()).xpath('//*[@data-flow="flow_back_to_draft"]')[0]
    assert taken.get("stroke-width") == "2.5"


def test_a_model_without_a_layout_has_no_drawing():
    bare = MARKET_PLAN.split("<bpmndi:BPMNDiagram")[0] + "</bpmn:definitions>"
    assert draw_path(bare, _path(), {}) is None
