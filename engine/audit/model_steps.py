"""What the process-mining exports need of a deployed BPMN model: each element's name, and the automatic steps
(script, business-rule, service tasks) an instance passed between two of its recorded steps.

Process-mining tools that import the BPMN themselves (pm4py's ``read_bpmn`` → ``convert_to_petri_net``) name
the model's activities by the elements' ``name`` and keep *every* task as a visible activity, automatic ones
too; only events, gateways and flows are silent. A log replays against such a model as it is only when it
names its events the same way and holds the automatic steps too. The history records the user tasks and the
exclusive gateways' choices (``gateway_path``), not each script task, so the automatic steps are found by
walking the model from a completed step: along its single outgoing flow, through each exclusive gateway by
the path the history says it took, until the next user task or end event. A parallel or inclusive gateway
ends the walk (its branches are not told apart by the history).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from ..definitions.xml_safety import UnsafeXml, parse_xml

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
# The tasks the engine runs itself: logged as automatic steps.
AUTOMATIC = frozenset({"task", "scriptTask", "businessRuleTask", "serviceTask", "sendTask", "receiveTask",
                       "manualTask"})
WAITS = frozenset({"userTask", "endEvent", "callActivity", "subProcess"})  # a walk stops there


@dataclass
class Model:
    """One deployed version's elements: name and kind by id, where each flow goes, the process's start."""

    names: dict[str, str] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)
    targets: dict[str, list[str]] = field(default_factory=dict)  # source id -> target ids, in document order
    defaults: dict[str, str] = field(default_factory=dict)  # gateway id -> its default flow's target
    start: str | None = None
    process_name: str = ""

    def name(self, element: str | None) -> str:
        """The element's name (what pm4py labels it), or its id when it has none."""
        return self.names.get(element or "") or (element or "")


def read_model(bpmn_xml: str, process_key: str) -> Model:
    """The model of ``process_key`` in a deployed BPMN document (top level only: a sub-process is one step)."""
    model = Model()
    try:
        root = parse_xml(bpmn_xml.encode("utf-8"))
    except UnsafeXml:  # a deployed document was checked when it was deployed; be safe anyway
        return model
    process = next((p for p in root.iter(f"{BPMN}process") if p.get("id") == process_key), None)
    if process is None:
        process = next(root.iter(f"{BPMN}process"), None)
    if process is None:
        return model
    model.process_name = process.get("name") or process_key
    flows: dict[str, str] = {}
    for child in process:
        if not isinstance(child.tag, str) or not child.tag.startswith(BPMN):
            continue
        kind, element = etree.QName(child).localname, child.get("id") or ""
        if kind == "sequenceFlow":
            source, target = child.get("sourceRef") or "", child.get("targetRef") or ""
            model.targets.setdefault(source, []).append(target)
            flows[element] = target
            continue
        model.kinds[element] = kind
        if child.get("name"):
            model.names[element] = " ".join((child.get("name") or "").split())
        if kind == "startEvent" and model.start is None:
            model.start = element
    for element, kind in model.kinds.items():
        if kind.endswith("Gateway"):
            gateway = process.find(f"{BPMN}{kind}[@id='{element}']")
            default = gateway.get("default") if gateway is not None else None
            if default and default in flows:
                model.defaults[element] = flows[default]
    return model


def automatic_after(model: Model, element: str | None, chosen: list[tuple[int, str, list[str]]]) -> list[str]:
    """The automatic steps passed after ``element`` (a completed step, or the start event), in order.

    ``chosen`` is the history's gateway choices still to come in this instance, as (seq, gateway, targets),
    oldest first; the walk takes the first one of each gateway it reaches and removes it from the list.
    """
    passed: list[str] = []
    here = element
    for _ in range(len(model.kinds) + 1):  # a model with an automatic loop cannot hold the walk forever
        following = model.targets.get(here or "", [])
        if here is None or not following:
            break
        kind = model.kinds.get(here, "")
        if kind == "exclusiveGateway":
            taken = next((i for i, (_, gateway, _) in enumerate(chosen) if gateway == here), None)
            if taken is not None:
                _, _, to = chosen.pop(taken)
                here = to[0] if to else None
            elif len(following) == 1 or here in model.defaults:
                here = following[0] if len(following) == 1 else model.defaults[here]
            else:
                break
        elif kind.endswith("Gateway") and len(following) > 1:
            break
        else:
            here = following[0] if len(following) == 1 else None
        kind = model.kinds.get(here or "", "")
        if kind in AUTOMATIC:
            passed.append(here or "")
        elif kind in WAITS or here is None:
            break
    return passed
