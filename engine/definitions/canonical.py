"""The canonical content of a version's files: what stays when a modeler opens a file and saves it as it was.

Modelers rewrite files they did not change: indentation, attribute order, namespace prefixes, numbers
("100.0" for "100"), the order shapes are drawn in, attributes at their default value dropped (bpmn-js
writes no ``cancelActivity="true"``) and their own name as exporter. Two files with the same canonical
content are the same version; a deploy compares this, not bytes. Forms compare as JSON values.
"""

from __future__ import annotations

import hashlib
import json
from contextlib import suppress
from xml.etree.ElementTree import canonicalize

from lxml import etree

from .xml_safety import UnsafeXml, parse_xml

# Attributes whose absence means this value (BPMN 2.0 and DMN 1.3 schemas). A file that writes them and
# one that leaves them out say the same.
DEFAULT_VALUES: dict[str, str] = {
    "cancelActivity": "true", "isInterrupting": "true", "parallelMultiple": "false", "isForCompensation": "false",
    "startQuantity": "1", "completionQuantity": "1", "triggeredByEvent": "false", "isClosed": "false",
    "processType": "None", "gatewayDirection": "Unspecified", "instantiate": "false",
    "eventGatewayType": "Exclusive", "isSequential": "false", "behavior": "All", "associationDirection": "None",
    "ordering": "Parallel", "cancelRemainingInstances": "true", "implementation": "##unspecified",
    "waitForCompletion": "true", "hitPolicy": "UNIQUE", "preferredOrientation": "Rule-as-Row",
}
# Who wrote the file: not content.
NOT_CONTENT = {"exporter", "exporterVersion"}
DC = "http://www.omg.org/spec/DD/20100524/DC"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DI_NUMBERS = {"x", "y", "width", "height"}
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"


def is_default(name: str, value: str) -> bool:
    """True when attribute ``name`` (local name) says only what its absence says."""
    return DEFAULT_VALUES.get(name) == value.strip()


def _normalise(root: etree._Element) -> None:
    for plane in root.iter(f"{{{BPMNDI}}}BPMNPlane"):  # drawing order is the modeler's choice, not content
        shapes = sorted(plane, key=lambda el: (str(el.tag), str(el.get("bpmnElement") or ""), str(el.get("id") or "")))
        plane[:] = shapes
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        numbers = etree.QName(el).namespace == DC
        for name in list(el.attrib):
            local = etree.QName(name).localname
            value = str(el.get(name))
            if local in NOT_CONTENT or is_default(local, value):
                del el.attrib[name]
            elif numbers and local in DI_NUMBERS:
                with suppress(ValueError):
                    el.set(name, repr(float(value)))


def canonical_xml(content: bytes) -> bytes:
    """``content`` in C14N 2.0 form, prefixes rewritten, whitespace around text stripped, defaults dropped.

    A document that cannot be read is its own bytes (it differs from everything else).
    """
    try:
        root = parse_xml(content)
    except UnsafeXml:
        return content
    for comment in root.xpath("//comment()"):  # type: ignore[union-attr]
        parent = comment.getparent()  # type: ignore[union-attr]
        if parent is not None:
            parent.remove(comment)  # type: ignore[arg-type]
    _normalise(root)
    text = etree.tostring(root, encoding="unicode")
    return canonicalize(text, strip_text=True, rewrite_prefixes=True,
                        qname_aware_attrs={XSI_TYPE}).encode("utf-8")


def canonical_json(content: bytes) -> bytes:
    try:
        return json.dumps(json.loads(content), sort_keys=True, ensure_ascii=False,
                          separators=(",", ":")).encode("utf-8")
    except ValueError:
        return content


def content_digest(files: dict[str, tuple[str, bytes]]) -> str:
    """One digest of a version's files (name -> (kind, content)) by their canonical content.

    The BPMN document counts by content, not by its file name; forms and DMN tables also by name (the
    BPMN names them).
    """
    digest = hashlib.sha256()
    for name, (kind, content) in sorted(files.items(), key=lambda item: (item[1][0], item[0])):
        if kind == "bpmn":
            digest.update(b"bpmn\0" + canonical_xml(content))
            continue
        body = canonical_xml(content) if kind == "dmn" else canonical_json(content)
        digest.update(kind.encode() + b"\0" + name.encode() + b"\0" + body + b"\0")
    return digest.hexdigest()
