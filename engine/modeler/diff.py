"""The semantic diff between two versions: elements added, removed and changed, with what changed.

BPMN elements are compared by id on what the engine reads: kind, name, references, lane (the role),
extension properties, instructions, scripts, conditions, timers and called decisions; layout is not
a change, nor an attribute written at its default value (``cancelActivity="true"``), which some modelers
write and others leave out. Forms are compared field by field, DMN tables rule by rule.
"""

from __future__ import annotations

import json
from typing import Any

from lxml import etree
from sqlalchemy.orm import Session

from ..definitions.canonical import is_default
from ..definitions.xml_safety import UnsafeXml, parse_xml
from ..org.people import Actor
from ..org.rights import Right, require
from .versions import version_files, version_row
from .views import DecisionChange, Diff, ElementChange, FieldChange, Files, FormChange

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
SKIPPED = {"incoming", "outgoing", "flowNodeRef", "extensionElements", "laneSet", "definitions"}
TEXTS = {"script": "script", "conditionExpression": "condition", "timeDuration": "timer duration",
         "timeDate": "timer date", "timeCycle": "timer cycle"}
SPIFF_TEXTS = {"instructionsForEndUser": "instructions", "preScript": "pre-script", "postScript": "post-script",
               "calledDecisionId": "called decision"}

# The engine reads a lane (the role) for the steps people do; other elements' lanes are only drawing.
LANE_READERS = {"userTask", "manualTask"}

Described = dict[str, dict[str, str]]


def _text(el: etree._Element) -> str:
    return "".join(str(t) for t in el.itertext()).strip()


def describe_bpmn(xml: str) -> Described:
    """Element id -> what the engine reads of it, as field -> text."""
    try:
        root = parse_xml(xml.encode("utf-8"))
    except UnsafeXml:
        return {}
    lanes: dict[str, str] = {}
    for lane in root.iter(f"{{{BPMN}}}lane"):
        for ref in lane.iter(f"{{{BPMN}}}flowNodeRef"):
            lanes[_text(ref)] = lane.get("name") or ""
    found: Described = {}
    for el in root.iter():
        if not isinstance(el.tag, str) or etree.QName(el).namespace != BPMN or not el.get("id"):
            continue
        kind = etree.QName(el).localname
        if kind in SKIPPED:
            continue
        fields = {"kind": kind}
        fields.update({f"@{etree.QName(k).localname}": str(v) for k, v in el.attrib.items()
                       if etree.QName(k).localname != "id" and not is_default(etree.QName(k).localname, str(v))})
        if kind in LANE_READERS and el.get("id") in lanes:
            fields["lane"] = lanes[str(el.get("id"))]
        for child in el:
            if not isinstance(child.tag, str):
                continue
            local = etree.QName(child).localname
            if local in TEXTS:
                fields[TEXTS[local]] = _text(child)
            elif local.endswith("EventDefinition"):
                fields["event"] = local
                for part in child:
                    if isinstance(part.tag, str) and etree.QName(part).localname in TEXTS:
                        fields[TEXTS[etree.QName(part).localname]] = _text(part)
            elif local == "extensionElements":
                _extensions(child, fields)
        found[str(el.get("id"))] = fields
    return found


def _extensions(ext: etree._Element, fields: dict[str, str]) -> None:
    for item in ext.iter():
        if not isinstance(item.tag, str) or etree.QName(item).namespace != SPIFF:
            continue
        local = etree.QName(item).localname
        if local == "property":
            fields[f"property {item.get('name')}"] = item.get("value") or ""
        elif local in SPIFF_TEXTS:
            fields[SPIFF_TEXTS[local]] = _text(item)


def _compare(before: dict[str, str], after: dict[str, str]) -> list[FieldChange]:
    return [{"field": key.lstrip("@"), "before": before.get(key), "after": after.get(key)}
            for key in sorted(set(before) | set(after)) if before.get(key) != after.get(key)]


def diff_elements(old: Described, new: Described) -> list[ElementChange]:
    changes: list[ElementChange] = []
    for element in sorted(set(old) | set(new)):
        before, after = old.get(element), new.get(element)
        fields = _compare(before or {}, after or {})
        if not fields:
            continue
        change = "added" if before is None else "removed" if after is None else "changed"
        described = after or before or {}
        changes.append({"element": element, "kind": described.get("kind", ""), "name": described.get("@name", ""),
                        "change": change, "fields": fields if change == "changed" else []})
    order = {"added": 0, "changed": 1, "removed": 2}
    return sorted(changes, key=lambda c: (order[c["change"]], c["element"]))


def _form_fields(schema: dict[str, Any]) -> dict[str, str]:
    fields = {f"form {k}": json.dumps(v, ensure_ascii=False, sort_keys=True) for k, v in schema.items()
              if k not in ("properties", "required")}
    for name, prop in (schema.get("properties") or {}).items():
        fields[f"field {name}"] = json.dumps(prop, ensure_ascii=False, sort_keys=True)
    fields["required"] = ", ".join(sorted(schema.get("required") or []))
    return fields


def _load_json(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        return {"(unreadable)": text[:200]}
    return value if isinstance(value, dict) else {"(not an object)": text[:200]}


def describe_dmn(xml: str) -> Described:
    """Decision, input, output and rule id -> its cells and settings."""
    try:
        root = parse_xml(xml.encode("utf-8"))
    except UnsafeXml:
        return {}
    found: Described = {}
    for el in root.iter():
        if not isinstance(el.tag, str) or not el.get("id"):
            continue
        local = etree.QName(el).localname
        if local in ("decision", "input", "output"):
            fields = {"kind": local, **{f"@{k!s}": str(v) for k, v in el.attrib.items() if k != "id"}}
            table = next((c for c in el if isinstance(c.tag, str) and etree.QName(c).localname == "decisionTable"),
                         None)
            if table is not None:
                fields["hit policy"] = table.get("hitPolicy") or "UNIQUE"
            for child in el:
                if isinstance(child.tag, str) and etree.QName(child).localname == "inputExpression":
                    fields["expression"] = _text(child)
                    fields["type"] = child.get("typeRef") or ""
            found[str(el.get("id"))] = fields
        elif local == "rule":
            cells = [c for c in el if isinstance(c.tag, str)]
            fields = {"kind": "rule"}
            for n, cell in enumerate(c for c in cells if etree.QName(c).localname == "inputEntry"):
                fields[f"input {n + 1}"] = _text(cell)
            for n, cell in enumerate(c for c in cells if etree.QName(c).localname == "outputEntry"):
                fields[f"output {n + 1}"] = _text(cell)
            found[str(el.get("id"))] = fields
    return found


def diff_files(old: Files, new: Files, users: dict[str, list[str]]) -> tuple[list[FormChange], list[DecisionChange]]:
    """Forms (field by field) and DMN tables (rule by rule) that differ between two versions' files."""
    forms: list[FormChange] = []
    decisions: list[DecisionChange] = []
    for name in sorted(set(old) | set(new)):
        before, after = old.get(name), new.get(name)
        either = after or before
        kind = either["kind"] if either else None
        if before and after and before["content"] == after["content"]:
            continue
        change = "added" if before is None else "removed" if after is None else "changed"
        if kind == "form":
            fields = _compare(_form_fields(_load_json(before["content"])) if before else {},
                              _form_fields(_load_json(after["content"])) if after else {})
            forms.append({"file": name, "change": change, "used_by": users.get(name, []),
                          "fields": fields if change == "changed" else []})
        elif kind == "dmn":
            for item in diff_elements(describe_dmn(before["content"]) if before else {},
                                      describe_dmn(after["content"]) if after else {}):
                decisions.append({"file": name, **item})
    return forms, decisions


def _form_users(described: Described) -> dict[str, list[str]]:
    users: dict[str, list[str]] = {}
    for element, fields in described.items():
        for key in ("property formJsonSchemaFilename", "property startForm"):
            if fields.get(key):
                users.setdefault(fields[key], []).append(element)
    return users


def diff_versions(session: Session, actor: Actor, key: str, old_version: int, new_version: int) -> Diff:
    """What changed from ``old_version`` to ``new_version`` of process ``key``.

    :raise ProcessNotFound: :raise VersionNotFound:
    """
    require(actor, Right.MODEL, "compare process versions")
    old_row, new_row = version_row(session, key, old_version), version_row(session, key, new_version)
    old, new = describe_bpmn(old_row.bpmn_xml), describe_bpmn(new_row.bpmn_xml)
    old_files = {n: f for n, f in version_files(session, old_row.id).items() if f["kind"] != "bpmn"}
    new_files = {n: f for n, f in version_files(session, new_row.id).items() if f["kind"] != "bpmn"}
    users = _form_users(new) | {k: v for k, v in _form_users(old).items() if k not in _form_users(new)}
    forms, decisions = diff_files(old_files, new_files, users)
    return {"key": key, "from": old_version, "to": new_version, "elements": diff_elements(old, new),
            "forms": forms, "decisions": decisions,
            "from_bpmn": old_row.bpmn_xml, "to_bpmn": new_row.bpmn_xml}
