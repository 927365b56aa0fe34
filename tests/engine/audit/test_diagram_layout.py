"""Every shipped BPMN file carries a tidy diagram (BPMNDI), so bpmn-js can draw it.

A shape for every flow node and lane, an edge for every sequence flow; lanes stacked as
horizontal bands that hold their tasks; no shapes on top of each other; edges that start and end
on the shapes they connect, run in straight horizontal and vertical pieces and pass through no
other shape; labels that cover no shape.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations, pairwise
from pathlib import Path

import pytest
from lxml import etree

from engine.definitions.xml_safety import parse_xml
from tests.paths import REPO

PROCESSES = REPO / "processes"
BPMN_FILES = sorted(PROCESSES.glob("*.bpmn")) + sorted((REPO / "packs").glob("*/*.bpmn"))  # shipped and packs
NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
}
NOT_FLOW_NODES = {"sequenceFlow", "laneSet", "extensionElements", "documentation", "textAnnotation", "association"}
SIZES = {"task": (100, 80), "event": (36, 36), "gateway": (50, 50)}


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float

    def overlaps(self, other: Box) -> bool:
        """True when the two boxes share more than an edge."""
        return (self.x < other.x + other.w and other.x < self.x + self.w
                and self.y < other.y + other.h and other.y < self.y + self.h)

    def contains(self, other: Box) -> bool:
        return (self.x <= other.x and self.y <= other.y
                and other.x + other.w <= self.x + self.w and other.y + other.h <= self.y + self.h)

    def on_border(self, x: float, y: float) -> bool:
        inside = self.x <= x <= self.x + self.w and self.y <= y <= self.y + self.h
        return inside and (x in (self.x, self.x + self.w) or y in (self.y, self.y + self.h))

    def crossed_by(self, a: tuple[float, float], b: tuple[float, float]) -> bool:
        """True when the axis-parallel segment a-b runs through the inside of the box."""
        (x1, y1), (x2, y2) = a, b
        if y1 == y2:
            return self.y < y1 < self.y + self.h and min(x1, x2) < self.x + self.w and max(x1, x2) > self.x
        return self.x < x1 < self.x + self.w and min(y1, y2) < self.y + self.h and max(y1, y2) > self.y


def local(element: etree._Element) -> str:
    return etree.QName(element).localname


def box(bounds: etree._Element | None) -> Box:
    assert bounds is not None
    return Box(*(float(bounds.get(name, "nan")) for name in ("x", "y", "width", "height")))


def kind(element: etree._Element) -> str:
    name = local(element)
    if name.endswith("Event"):
        return "event"
    if name.endswith("Gateway"):
        return "gateway"
    return "task"


@dataclass
class Diagram:
    process: etree._Element
    nodes: dict[str, etree._Element]
    flows: dict[str, etree._Element]
    lanes: dict[str, etree._Element]
    shapes: dict[str, Box]
    labels: dict[str, Box]
    edges: dict[str, list[tuple[float, float]]]
    plane_element: str


def read(path: Path) -> Diagram:
    root = parse_xml(path.read_bytes())
    processes = root.findall("bpmn:process", NS)
    assert len(processes) == 1, f"{path.name}: one process per file"
    process = processes[0]
    children = [c for c in process if isinstance(c.tag, str)]
    nodes = {str(c.get("id")): c for c in children if local(c) not in NOT_FLOW_NODES}
    flows = {str(c.get("id")): c for c in children if local(c) == "sequenceFlow"}
    lanes = {str(lane.get("id")): lane for lane in process.iterfind("bpmn:laneSet/bpmn:lane", NS)}
    planes = root.findall("bpmndi:BPMNDiagram/bpmndi:BPMNPlane", NS)
    assert len(planes) == 1, f"{path.name}: one BPMNDiagram with one plane"
    shapes: dict[str, Box] = {}
    labels: dict[str, Box] = {}
    edges: dict[str, list[tuple[float, float]]] = {}
    for shape in planes[0].iterfind("bpmndi:BPMNShape", NS):
        element = str(shape.get("bpmnElement"))
        assert element not in shapes, f"{path.name}: two shapes for {element}"
        shapes[element] = box(shape.find("dc:Bounds", NS))
        label = shape.find("bpmndi:BPMNLabel/dc:Bounds", NS)
        if label is not None:
            labels[element] = box(label)
    for edge in planes[0].iterfind("bpmndi:BPMNEdge", NS):
        element = str(edge.get("bpmnElement"))
        assert element not in edges, f"{path.name}: two edges for {element}"
        edges[element] = [(float(p.get("x", "nan")), float(p.get("y", "nan")))
                          for p in edge.iterfind("di:waypoint", NS)]
        label = edge.find("bpmndi:BPMNLabel/dc:Bounds", NS)
        if label is not None:
            labels[element] = box(label)
    return Diagram(process, nodes, flows, lanes, shapes, labels, edges, str(planes[0].get("bpmnElement")))


@pytest.fixture(params=BPMN_FILES, ids=[p.stem for p in BPMN_FILES])
def diagram(request: pytest.FixtureRequest) -> Diagram:
    return read(request.param)


def test_the_shipped_processes_are_all_checked():
    assert {p.stem for p in BPMN_FILES} >= {"market_plan", "appraisal", "appraisal_cycle"}


def test_every_node_lane_and_flow_is_drawn_and_nothing_else(diagram: Diagram):
    assert diagram.plane_element == diagram.process.get("id")
    assert set(diagram.shapes) == set(diagram.nodes) | set(diagram.lanes)
    assert set(diagram.edges) == set(diagram.flows)


def test_shapes_have_the_standard_sizes(diagram: Diagram):
    wrong = {node: (diagram.shapes[node].w, diagram.shapes[node].h) for node, element in diagram.nodes.items()
             if (diagram.shapes[node].w, diagram.shapes[node].h) != SIZES[kind(element)]}
    assert wrong == {}


def test_lanes_are_horizontal_bands_stacked_without_gaps(diagram: Diagram):
    bands = sorted((diagram.shapes[lane] for lane in diagram.lanes), key=lambda b: b.y)
    assert bands, "every shipped process names its roles with lanes"
    assert {(b.x, b.w) for b in bands} == {(bands[0].x, bands[0].w)}, "one left edge and one width for all lanes"
    for upper, lower in pairwise(bands):
        assert upper.y + upper.h == lower.y
    assert all(b.w > b.h for b in bands)


def test_a_lanes_tasks_lie_inside_its_band(diagram: Diagram):
    outside = [f"{ref.text} outside {lane_id}" for lane_id, lane in diagram.lanes.items()
               for ref in lane.iterfind("bpmn:flowNodeRef", NS)
               if not diagram.shapes[lane_id].contains(diagram.shapes[str(ref.text)])]
    assert outside == []


def test_every_node_lies_inside_some_lane(diagram: Diagram):
    bands = [diagram.shapes[lane] for lane in diagram.lanes]
    outside = [node for node in diagram.nodes if not any(b.contains(diagram.shapes[node]) for b in bands)]
    assert outside == []


def test_no_two_nodes_overlap(diagram: Diagram):
    attached = {(str(e.get("attachedToRef")), node) for node, e in diagram.nodes.items() if e.get("attachedToRef")}
    overlapping = [(a, b) for a, b in combinations(diagram.nodes, 2)
                   if (a, b) not in attached and (b, a) not in attached
                   and diagram.shapes[a].overlaps(diagram.shapes[b])]
    assert overlapping == []


def test_boundary_events_sit_on_their_tasks_border(diagram: Diagram):
    for node, element in diagram.nodes.items():
        if local(element) == "boundaryEvent":
            event, host = diagram.shapes[node], diagram.shapes[str(element.get("attachedToRef"))]
            assert host.on_border(event.x + event.w / 2, event.y + event.h / 2), node


def test_edges_connect_their_shapes_with_straight_pieces(diagram: Diagram):
    for flow_id, flow in diagram.flows.items():
        points = diagram.edges[flow_id]
        assert len(points) >= 2, flow_id
        assert diagram.shapes[str(flow.get("sourceRef"))].on_border(*points[0]), f"{flow_id} starts off its source"
        assert diagram.shapes[str(flow.get("targetRef"))].on_border(*points[-1]), f"{flow_id} ends off its target"
        for (x1, y1), (x2, y2) in pairwise(points):
            assert (x1 == x2) != (y1 == y2), f"{flow_id}: piece ({x1},{y1})-({x2},{y2}) is not horizontal or vertical"


def test_edges_pass_through_no_other_shape(diagram: Diagram):
    crossings = [f"{flow_id} through {node}" for flow_id, flow in diagram.flows.items()
                 for node in diagram.nodes
                 if node not in (flow.get("sourceRef"), flow.get("targetRef"))
                 and any(diagram.shapes[node].crossed_by(a, b)
                         for a, b in pairwise(diagram.edges[flow_id]))]
    assert crossings == []


def test_labels_cover_no_shape(diagram: Diagram):
    covered = [f"label of {owner} on {node}" for owner, label in diagram.labels.items() for node in diagram.nodes
               if label.overlaps(diagram.shapes[node])]
    assert covered == []


def test_named_events_gateways_and_flows_have_placed_labels(diagram: Diagram):
    unplaced = [element_id for element_id, element in {**diagram.nodes, **diagram.flows}.items()
                if element.get("name") and local(element) not in {"userTask", "scriptTask", "businessRuleTask"}
                and element_id not in diagram.labels]
    assert unplaced == []
