"""The lint rules of the deploy check, besides the parser's: drawing mistakes the parser lets through
(no start event, a node that leads nowhere), things from other modelers that opsflow ignores, and DMN
tables the library would read wrongly.

Each rule gives ``Problem``s on the element; ``severity`` "error" refuses a deploy, "warning" does not.
They run on the documents the deploy check has read (``deploy_check``), on every channel.
"""

from __future__ import annotations

import re

from lxml import etree

from .checks import elements, texts
from .dmn_overlap import overlapping_rules
from .problems import N_, Problem
from .sandbox import ScriptRejected, compile_script

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
KNOWN_NAMESPACES = {BPMN, "http://spiffworkflow.org/bpmn/schema/1.0/core",
                    "http://www.omg.org/spec/BPMN/20100524/DI", "http://www.omg.org/spec/DD/20100524/DC",
                    "http://www.omg.org/spec/DD/20100524/DI", "http://www.w3.org/2001/XMLSchema-instance"}
FLOW_NODES = ("task", "userTask", "scriptTask", "serviceTask", "sendTask", "receiveTask", "manualTask",
              "businessRuleTask", "callActivity", "subProcess", "exclusiveGateway", "parallelGateway",
              "inclusiveGateway", "eventBasedGateway", "complexGateway", "intermediateCatchEvent",
              "intermediateThrowEvent", "startEvent", "endEvent")
# Element kinds opsflow does not run (the library would, but nobody would see or do them).
NOT_EXECUTED = {
    "sendTask": N_("send task %(item)r: opsflow sends no messages; use a user task or a script task"),
    "receiveTask": N_("receive task %(item)r: opsflow receives no messages; use a user task"),
    "complexGateway": N_("complex gateway %(item)r is not supported; use exclusive or parallel gateways"),
    "task": N_("task %(item)r has no type: make it a user task (a person does it) or a script task"),
}
# The deploy checks' own words, so that a problem both find is listed once (the parser stops at the first
# element the library cannot read; these are found on the XML whatever the library makes of it).
SERVICE_TASK = N_("service task %(task)r: service tasks are not supported")
MANUAL_TASK = N_("manual task %(task)r: use a user task with a form instead")
NO_FORM = N_("user task %(task)r has no form (formJsonSchemaFilename)")
NOT_ALLOWED = N_("%(owner)s: script is not allowed: %(error)s")
START_ROLES = N_("process %(process)r names no roles that may start it (property startRoles)")
# bpmn-js's id for a new task: the engine would keep the task's data under it (``Activity_0abc123['field']``).
GENERATED_ID = re.compile(r"^Activity_[0-9a-z]{7}$")
GENERATED_KEY = N_("user task %(task)r keeps its data under a generated id: give it a readable data key (its id)")
DMN_TYPES = {"string", "number", "integer", "long", "double", "boolean", "date", ""}


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname


def _id(el: etree._Element) -> str:
    return str(el.get("id") or "")


def lint_bpmn(root: etree._Element, known_roles: set[str]) -> list[Problem]:
    """Lanes without a role, nodes nothing reaches or that lead nowhere, elements opsflow does not run."""
    problems: list[Problem] = []
    for lane in elements(root, "//bpmn:lane"):
        role = (lane.get("name") or "").strip()
        if not role:
            problems.append(Problem(N_("lane %(lane)r names no role: its name must be the role that does its "
                                       "tasks"), _id(lane), lane=_id(lane)))
        elif role not in known_roles:
            problems.append(Problem(N_("lane %(lane)r: %(role)r is not a known role"), _id(lane),
                                    lane=_id(lane), role=role))
    for process in elements(root, "//bpmn:process"):
        nodes = [n for n in process.iter() if isinstance(n.tag, str) and etree.QName(n).namespace == BPMN
                 and _local(n) in FLOW_NODES]
        starters = texts(process, "./bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property"
                                     "[@name='startRoles']/@value")
        if not "".join(str(s) for s in starters).strip():
            problems.append(Problem(START_ROLES, _id(process), process=_id(process)))
        if not any(_local(n) == "startEvent" and n.getparent() is process for n in nodes):
            problems.append(Problem(N_("process %(process)r has no start event"), _id(process), process=_id(process)))
        targets = {f.get("targetRef") for f in elements(process, ".//bpmn:sequenceFlow")}
        sources = {f.get("sourceRef") for f in elements(process, ".//bpmn:sequenceFlow")}
        for node in nodes:
            kind, element = _local(node), _id(node)
            if kind in NOT_EXECUTED:
                problems.append(Problem(NOT_EXECUTED[kind], element, item=element))
            problems += _deploy_check_of(node, kind, element)
            if kind == "userTask" and GENERATED_ID.match(element):
                problems.append(Problem(GENERATED_KEY, element, severity="warning", task=element))
            if _started_by_an_event(node):
                continue
            if kind != "startEvent" and element not in targets:
                problems.append(Problem(N_("%(item)r: no sequence flow leads to it"), element, item=element))
            if kind != "endEvent" and element not in sources:
                problems.append(Problem(N_("%(item)r leads nowhere: add an outgoing sequence flow"), element,
                                        item=element))
        for flow in elements(process, ".//bpmn:sequenceFlow"):
            problems += _deploy_check_of(flow, "sequenceFlow", _id(flow))
    problems += _foreign_extensions(root)
    return problems


def _started_by_an_event(node: etree._Element) -> bool:
    """An event sub-process (started by its event) and a compensation handler (started by compensation,
    reached through an association): no sequence flow leads to them or out of them, by design."""
    return node.get("triggeredByEvent") == "true" or node.get("isForCompensation") == "true"


def _deploy_check_of(node: etree._Element, kind: str, element: str) -> list[Problem]:
    """What the deploy validation would say of this element, had the library read that far."""
    if kind == "serviceTask":
        return [Problem(SERVICE_TASK, element, task=element)]
    if kind == "manualTask":
        return [Problem(MANUAL_TASK, element, task=element)]
    if kind == "userTask" and not elements(
            node, "./bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property"
                  "[@name='formJsonSchemaFilename']"):
        return [Problem(NO_FORM, element, task=element)]
    sources = []
    if kind == "scriptTask":
        sources = [("exec", text) for text in texts(node, "./bpmn:script/text()")]
    for flow_condition in texts(node, "./bpmn:conditionExpression/text()"):
        sources.append(("eval", flow_condition))
    problems = []
    for mode, text in sources:
        source = str(text).strip() if mode == "eval" else str(text)
        try:
            compile_script(source, mode)
        except ScriptRejected as exc:
            owner = str(node.get("sourceRef")) if kind == "sequenceFlow" else element
            problems.append(Problem(NOT_ALLOWED, element, owner=owner, error=str(exc)))
    return problems


def _foreign_extensions(root: etree._Element) -> list[Problem]:
    """Another modeler's attributes and extension elements: kept in the file, but opsflow ignores them."""
    found: dict[tuple[str, str], str] = {}
    for el in root.iter():
        if not isinstance(el.tag, str) or etree.QName(el).namespace != BPMN or not el.get("id"):
            continue
        for name in el.attrib:
            namespace = etree.QName(name).namespace
            if namespace and namespace not in KNOWN_NAMESPACES:
                found.setdefault((_id(el), etree.QName(name).localname), "attribute")
        for ext in elements(el, "./bpmn:extensionElements/*"):
            namespace = etree.QName(ext).namespace
            if namespace and namespace not in KNOWN_NAMESPACES:
                found.setdefault((_id(el), etree.QName(ext).localname), "element")
    return [Problem(N_("%(item)r: %(name)s comes from another modeler; opsflow ignores it"), element,
                    severity="warning", item=element, name=name)
            for (element, name), _kind in sorted(found.items())]


def _dmn(node: etree._Element, path: str) -> list[etree._Element]:
    """Elements of a DMN document by local name (DMN 1.1 to 1.5 differ only in their namespace)."""
    steps = [f"*[local-name()='{step}']" if step not in (".", "") else step for step in path.split("/")]
    return [e for e in node.xpath("/".join(steps)) if isinstance(e, etree._Element)]  # type: ignore[union-attr]


def lint_dmn(root: etree._Element, name: str) -> list[Problem]:
    """Types the engine knows, one entry per input in every rule, and cells that compile in the sandbox."""
    problems: list[Problem] = []
    for decision in _dmn(root, "//decision"):
        did = _id(decision)
        for table in _dmn(decision, "./decisionTable"):
            inputs = _dmn(table, "./input")
            for typed in _dmn(table, "./input/inputExpression") + _dmn(table, "./output"):
                type_ref = (typed.get("typeRef") or "").strip()
                if type_ref not in DMN_TYPES:
                    problems.append(Problem(N_("%(file)s: %(item)r has type %(type)r; use string, number, "
                                               "integer, boolean or date"), _id(typed) or did, file=name,
                                            item=_id(typed) or did, type=type_ref))
            if (table.get("hitPolicy") or "UNIQUE").upper() == "UNIQUE":
                problems += _overlaps(table, did, name)
            for index, rule in enumerate(_dmn(table, "./rule"), start=1):
                entries = _dmn(rule, "./inputEntry")
                if len(entries) != len(inputs):
                    problems.append(Problem(N_("%(file)s: rule %(rule)s of %(decision)r has %(got)s input cells "
                                               "for %(want)s inputs"), did, file=name, rule=index, decision=did,
                                            got=len(entries), want=len(inputs)))
                for cell in entries + _dmn(rule, "./outputEntry"):
                    problem = _cell_problem(cell, _local(cell) == "inputEntry")
                    if problem:
                        problems.append(Problem(N_("%(file)s: rule %(rule)s of %(decision)r: %(error)s"), did,
                                                file=name, rule=index, decision=did, error=problem))
    return problems


def _overlaps(table: etree._Element, decision: str, name: str) -> list[Problem]:
    """Under hit policy UNIQUE, two rules that can match the same input (the library would take one)."""
    rules = [["".join(str(p) for t in _dmn(cell, "./text") for p in t.itertext())
              for cell in _dmn(rule, "./inputEntry")] for rule in _dmn(table, "./rule")]
    return [Problem(N_("%(file)s: rules %(first)s and %(second)s of %(decision)r both match some inputs, but the hit "
                       "policy UNIQUE allows one match: make them exclusive, or use COLLECT"), decision, file=name,
                    first=first, second=second, decision=decision)
            for first, second in overlapping_rules(rules)]


def _cell_problem(cell: etree._Element, is_input: bool) -> str | None:
    text = "".join(str(part) for t in _dmn(cell, "./text") for part in t.itertext()).strip()
    if not text or (is_input and text == "-"):
        return None
    # The library compares an input cell as "value == (cell)", or "value cell" when it starts with an operator.
    candidates = [f"(v) == ({text})", f"v {text}"] if is_input else [text]
    error = ""
    for candidate in candidates:
        try:
            compile_script(candidate.replace("?", "v"), "eval")
            return None
        except ScriptRejected as exc:
            error = str(exc)
    return f"{text!r}: {error}"
