"""A deployed version's BPMN as a graph, and the path a token took through it, from the history.

The log names some elements outright: a user task when it is created (``task_created``; one passed at once
for the same approver, 自动去重, is left by ``task_auto_passed`` instead of a completion), an exclusive gateway
and the element it chose (``gateway_path``), the end reached (``instance_ended``), and the start
(``instance_started``; the process's one start event). Script tasks, business rule tasks,
boundary events and other elements the engine passes without a person are not logged: between two
logged elements the path is **inferred** from the model, and only when the model leaves exactly one
way (through elements that are never logged). Where it leaves several, nothing is inferred and the
element is only reported as reached. Inferred elements are listed as such (``PathTaken.inferred``).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..definitions.xml_safety import parse_xml
from ..models import DefinitionFile, HistoryEvent, ProcessDefinition
from .views import AuditPath

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
# Elements the log names when a token arrives: a person's task (task_created) and an exclusive gateway.
LOGGED_ON_ARRIVAL = frozenset({"userTask", "manualTask", "exclusiveGateway"})
NOT_NODES = frozenset({"sequenceFlow", "laneSet", "lane", "extensionElements", "documentation", "textAnnotation",
                       "association", "dataObject", "dataObjectReference", "dataStoreReference", "incoming",
                       "outgoing", "property", "ioSpecification", "messageFlow"})
SPLITS = frozenset({"parallelGateway", "inclusiveGateway", "eventBasedGateway"})  # may send several tokens on
MAX_SILENT_STEPS = 30  # how far a path of unlogged elements is followed


@dataclass(frozen=True)
class Flow:
    id: str
    source: str
    target: str
    name: str = ""
    name_zh: str = ""


@dataclass
class ProcessGraph:
    """The flow nodes (id → BPMN element type), their names and the sequence flows of one process."""

    nodes: dict[str, str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    names_zh: dict[str, str] = field(default_factory=dict)  # the ``titleZh`` property, where given
    flows: dict[str, Flow] = field(default_factory=dict)
    outgoing: dict[str, list[Flow]] = field(default_factory=dict)
    boundary: dict[str, list[str]] = field(default_factory=dict)  # task id → its boundary events
    starts: list[str] = field(default_factory=list)  # the top-level start events

    def flows_between(self, source: str, target: str) -> list[Flow]:
        return [f for f in self.outgoing.get(source, []) if f.target == target]

    def silent(self, node: str) -> bool:
        """Whether a token passes ``node`` without the log naming it."""
        return self.nodes.get(node) not in LOGGED_ON_ARRIVAL

    def elements(self) -> list[dict[str, str]]:
        """Every node as ``{"id", "type", "name", "name_zh"}``, in document order."""
        return [{"id": node, "type": kind, "name": self.names.get(node, ""), "name_zh": self.names_zh.get(node, "")}
                for node, kind in self.nodes.items()]


def read_graph(bpmn_xml: str, process_id: str | None = None) -> ProcessGraph:
    """The graph of ``process_id`` (or the document's first process), sub-processes included.

    :raise UnsafeXml: the document cannot be read safely.
    """
    root = parse_xml(bpmn_xml.encode("utf-8"))
    processes = root.findall(f"{{{BPMN_NS}}}process")
    chosen = next((p for p in processes if p.get("id") == process_id), processes[0] if processes else None)
    graph = ProcessGraph()
    if chosen is None:
        return graph
    _read_container(chosen, graph, top=True)
    return graph


def _read_container(container: Any, graph: ProcessGraph, top: bool) -> None:
    for element in container:
        if not isinstance(element.tag, str):
            continue
        kind = etree.QName(element).localname
        element_id = str(element.get("id") or "")
        if kind == "sequenceFlow":
            flow = Flow(element_id, str(element.get("sourceRef")), str(element.get("targetRef")),
                        str(element.get("name") or ""), _title_zh(element))
            graph.flows[flow.id] = flow
            graph.outgoing.setdefault(flow.source, []).append(flow)
        elif kind not in NOT_NODES and element_id:
            graph.nodes[element_id] = kind
            graph.names[element_id] = str(element.get("name") or "")
            if _title_zh(element):
                graph.names_zh[element_id] = _title_zh(element)
            if kind == "startEvent" and top:
                graph.starts.append(element_id)
            if kind == "boundaryEvent" and element.get("attachedToRef"):
                graph.boundary.setdefault(str(element.get("attachedToRef")), []).append(element_id)
            if kind in ("subProcess", "transaction", "adHocSubProcess"):
                _read_container(element, graph, top=False)


def _title_zh(element: Any) -> str:
    """An element's Chinese name: its ``titleZh`` property (as user tasks and processes carry it)."""
    for prop in element.iterfind(f"{{{BPMN_NS}}}extensionElements/{{{SPIFF_NS}}}properties/{{{SPIFF_NS}}}property"):
        if prop.get("name") == "titleZh":
            return str(prop.get("value") or "")
    return ""


def version_bpmn(session: Session, definition: ProcessDefinition) -> str:
    """The BPMN a version was deployed from: its stored file, or ``bpmn_xml`` for versions older than the files."""
    files = session.execute(select(DefinitionFile.name, DefinitionFile.content).where(
        DefinitionFile.definition_id == definition.id, DefinitionFile.kind == "bpmn")).all()
    named = {name: content for name, content in files}
    return named.get(definition.source_name) or next(iter(named.values()), definition.bpmn_xml)


@dataclass
class PathTaken:
    """How often a token reached each element and flow; where it is now; how it ended."""

    visits: Counter[str] = field(default_factory=Counter)  # node id → arrivals
    flows: Counter[str] = field(default_factory=Counter)  # flow id → times taken
    inferred: set[str] = field(default_factory=set)  # nodes reached only by inference from the model
    unresolved: list[str] = field(default_factory=list)  # logged elements the model left several ways to
    auto_passed: Counter[str] = field(default_factory=Counter)  # user task id → passes for the same approver
    ended: str | None = None
    stopped: list[str] = field(default_factory=list)  # steps open when the request was cancelled or withdrawn
    waiting: Counter[str] = field(default_factory=Counter)  # user task id -> its tasks open now (while tracing)

    def shown(self, current: Iterable[str], names: dict[str, str], names_zh: dict[str, str]) -> AuditPath:
        """The path as auditors see it: with where tokens wait now (``current``) and the elements' names."""
        return {"visits": dict(self.visits), "flows": dict(self.flows), "inferred": sorted(self.inferred),
                "unresolved": self.unresolved, "current": sorted(set(current)), "ended": self.ended,
                "stopped": self.stopped,
                "loops": {node: n for node, n in self.visits.items() if n > 1}, "names": names,
                "names_zh": names_zh}


class PathTracer:
    """Follows one instance's events through its graph (feed events in ``seq`` order)."""

    def __init__(self, graph: ProcessGraph) -> None:
        self.graph = graph
        self.path = PathTaken()
        # Where tokens are: ("at", node) sits on a node already counted, waiting for its own event;
        # ("left", node) moved on from a node by ways the log does not name; ("may", node) a boundary
        # event that may have fired (counted, as inferred, only when a path leaves through it).
        self.fronts: list[tuple[str, str]] = []
        self._ends: set[str] = set()
        self._shared: dict[tuple[str, str], set[str]] = {}

    def feed(self, kind: str, task_name: str | None, payload: dict[str, Any]) -> None:
        if kind == "instance_started":
            if len(self.graph.starts) == 1:
                start = self.graph.starts[0]
                self.path.visits[start] += 1
                self.fronts.append(("left", start))
        elif kind == "task_created" and task_name:
            self._arrive(task_name)
            self.path.waiting[task_name] += 1
        elif kind == "task_completed" and task_name:
            self._leave(task_name)
            self.fronts.append(("left", task_name))
        elif kind == "task_auto_passed" and task_name:  # reached (task_created) and passed at once, by nobody
            self._leave(task_name)
            self.path.auto_passed[task_name] += 1
            self.fronts.append(("left", task_name))
        elif kind in ("instance_cancelled", "instance_withdrawn"):  # its open steps stop there, not passed
            self.path.stopped = sorted(name for name, n in self.path.waiting.items() if n > 0)
            self.path.waiting.clear()
        elif kind == "task_expired" and task_name:
            self._leave(task_name)
            self.fronts += [("may", event) for event in self.graph.boundary.get(task_name, [])]
        elif kind == "task_returned" and payload.get("to_step"):  # a jump back (驳回), along no flow of the model
            if task_name:
                self._leave(task_name)
            self.fronts.append(("at", str(payload["to_step"])))
        elif kind == "returned_straight_back" and payload.get("to_step"):  # ... and the jump straight back
            if ("left", str(task_name)) in self.fronts:
                self.fronts.remove(("left", str(task_name)))
            self.fronts.append(("at", str(payload["to_step"])))
        elif kind == "gateway_path":
            self._gateway(str(payload.get("gateway") or task_name or ""), [str(t) for t in payload.get("to", [])])
        elif kind == "instance_ended":
            end = payload.get("end_event") or task_name
            if end:
                if end not in self._ends:
                    self._arrive(str(end))
                self.path.ended = str(end)

    def _leave(self, task_name: str) -> None:
        if self.path.waiting[task_name] > 0:
            self.path.waiting[task_name] -= 1

    def _gateway(self, gateway: str, targets: list[str]) -> None:
        self._arrive(gateway)
        for target in targets:
            between = self.graph.flows_between(gateway, target)
            if len(between) == 1:
                self.path.flows[between[0].id] += 1
            if self.graph.silent(target):
                self._count(target)
                self.fronts.append(("left", target))
            else:
                self.fronts.append(("at", target))

    def _count(self, node: str) -> None:
        self.path.visits[node] += 1
        if self.graph.nodes.get(node) == "endEvent":
            self._ends.add(node)

    def _arrive(self, node: str) -> None:
        if ("at", node) in self.fronts:
            self.fronts.remove(("at", node))
            self._count(node)
            return
        candidates = [(front, route) for front in self.fronts if front[0] != "at"
                      for route in self._routes(front[1], node)]
        self._count(node)
        if len({tuple(route) for _, route in candidates}) != 1:
            self.path.unresolved.append(node)
            return
        front, route = candidates[0]
        if front[0] == "may":
            self.path.visits[front[1]] += 1
            self.path.inferred.add(front[1])
        shared = self._shared.setdefault(front, set())  # flows counted for a sibling token of the same split
        for flow_id in route:
            if flow_id in shared:
                continue
            flow = self.graph.flows[flow_id]
            self.path.flows[flow_id] += 1
            if flow.target != node:
                self._count(flow.target)
                self.path.inferred.add(flow.target)
        if any(self.graph.nodes.get(self.graph.flows[f].source) in SPLITS for f in route):
            shared.update(route)  # a split may still send another token on from the same place
        else:
            self.fronts.remove(front)
            self._shared.pop(front, None)

    def _routes(self, source: str, target: str) -> list[list[str]]:
        """Every way from ``source`` to ``target`` through unlogged elements only (flow ids)."""
        found: list[list[str]] = []
        stack: list[tuple[str, list[str]]] = [(source, [])]
        while stack:
            node, route = stack.pop()
            if len(route) > MAX_SILENT_STEPS:
                continue
            for flow in self.graph.outgoing.get(node, []):
                if flow.id in route:
                    continue
                if flow.target == target:
                    found.append([*route, flow.id])
                elif self.graph.silent(flow.target) and flow.target in self.graph.nodes:
                    stack.append((flow.target, [*route, flow.id]))
        return found


def trace(graph: ProcessGraph, events: Iterable[HistoryEvent], upto_seq: int | None = None) -> PathTaken:
    """The path taken by the events (up to ``upto_seq``), seen through ``graph``."""
    tracer = PathTracer(graph)
    for event in events:
        if upto_seq is not None and event.seq > upto_seq:
            break
        tracer.feed(event.kind, event.task_name, json.loads(event.payload_json))
    return tracer.path
