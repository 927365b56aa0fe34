"""An instance's path drawn on its version's diagram as a static SVG, from the model's BPMNDI (for the case file).

The audit page draws the path in the browser with bpmn-js; a printed or PDF case file has no browser, so
this draws the same facts on the server: every shape and edge of the first diagram, the elements and flows
the path passed in bold (with a count where one was passed more than once), the tasks open now, the end
reached, the steps stopped by a cancel, and the elements only inferred from the model dashed. Shapes are
drawn plainly (rounded boxes, circles, diamonds); the labels are whatever the caller passes (the reader's
language). A model without BPMNDI gives ``None``: the case file then lists the path in words only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from xml.sax.saxutils import escape

from ..definitions.xml_safety import parse_xml
from .diagram import BPMN_NS
from .views import AuditPath

DI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
DC_NS = "http://www.omg.org/spec/DD/20100524/DC"
WAYPOINT_NS = "http://www.omg.org/spec/DD/20100524/DI"
PASSED, OPEN, STOPPED, PLAIN = "#1f6f43", "#b26b00", "#8a1c1c", "#9aa0a6"
EVENTS = ("startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent")
MARGIN = 10


@dataclass(frozen=True)
class _Shape:
    id: str
    kind: str
    x: float
    y: float
    w: float
    h: float


def _kinds(root: object) -> dict[str, str]:
    kinds: dict[str, str] = {}
    for element in root.iter():  # type: ignore[attr-defined]
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag.startswith(f"{{{BPMN_NS}}}") and element.get("id"):
            kinds[element.get("id")] = tag.split("}", 1)[1]
    return kinds


def _wrap(text: str, width: float) -> list[str]:
    """Lines of ``text`` that fit ``width`` pixels at about 7.5 px a Latin letter and 13 px a CJK character
    (Chinese breaks between any two characters, other text between words); four lines at most."""
    pieces = list(text) if _wide(text) else [w + " " for w in text.split()]
    lines, line, used = [], "", 0.0
    for piece in pieces:
        size = sum(13 if _wide(c) else 7.5 for c in piece)
        if line and used + size > width:
            lines.append(line.strip())
            line, used = "", 0.0
        line += piece
        used += size
    if line.strip():
        lines.append(line.strip())
    return lines[:4]


def _wide(text: str) -> bool:
    return any(ord(c) > 0x2E80 for c in text)


def _label(x: float, y: float, width: float, text: str, color: str = "#222") -> str:
    lines = _wrap(text, width)
    top = y - (len(lines) - 1) * 7.5
    return "".join(f'<text x="{x:.0f}" y="{top + i * 15:.0f}" fill="{color}" text-anchor="middle" '
                   f'dominant-baseline="middle" font-size="13">{escape(line)}</text>' for i, line in enumerate(lines))


def draw_path(bpmn_xml: str, path: AuditPath, labels: Mapping[str, str]) -> str | None:
    """The SVG of the diagram with ``path`` on it, each element named by ``labels`` (id → text), or None when
    the model has no diagram. :raise UnsafeXml:"""
    root = parse_xml(bpmn_xml.encode("utf-8"))
    plane = root.find(f".//{{{DI_NS}}}BPMNPlane")
    if plane is None:
        return None
    kinds = _kinds(root)
    shapes: list[_Shape] = []
    for node in plane.iter(f"{{{DI_NS}}}BPMNShape"):
        bounds = node.find(f"{{{DC_NS}}}Bounds")
        ref = node.get("bpmnElement") or ""
        if bounds is not None:
            shapes.append(_Shape(ref, kinds.get(ref, ""), *(float(bounds.get(k) or 0) for k in ("x", "y", "width",
                                                                                                 "height"))))
    edges = [(node.get("bpmnElement") or "", [(float(p.get("x") or 0), float(p.get("y") or 0))
                                              for p in node.iter(f"{{{WAYPOINT_NS}}}waypoint")])
             for node in plane.iter(f"{{{DI_NS}}}BPMNEdge")]
    if not shapes:
        return None
    xs = [s.x for s in shapes] + [x for _, points in edges for x, _y in points]
    ys = [s.y for s in shapes] + [y for _, points in edges for _x, y in points]
    right = max([s.x + s.w for s in shapes] + xs)
    bottom = max([s.y + s.h for s in shapes] + ys)
    left, top = min(xs) - MARGIN, min(ys) - MARGIN
    width, height = right - left + MARGIN, bottom - top + MARGIN + 20
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="case-diagram" viewBox="{left:.0f} {top:.0f} '
             f'{width:.0f} {height:.0f}" width="100%" role="img" font-family="Noto Sans CJK SC, sans-serif">',
             '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" '
             'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="context-stroke"/></marker></defs>']
    for shape in shapes:  # lanes and pools first, underneath
        if shape.kind in ("lane", "participant"):
            parts.append(f'<rect x="{shape.x:.0f}" y="{shape.y:.0f}" width="{shape.w:.0f}" height="{shape.h:.0f}" '
                         f'fill="none" stroke="#ccc"/>')
            parts.append(f'<text x="{shape.x + 14:.0f}" y="{shape.y + shape.h / 2:.0f}" font-size="13" fill="#555" '
                         f'text-anchor="middle" transform="rotate(-90 {shape.x + 14:.0f} {shape.y + shape.h / 2:.0f})"'
                         f'>{escape(labels.get(shape.id, ""))}</text>')
    for flow, points in edges:
        if len(points) < 2:
            continue
        taken = path["flows"].get(flow, 0)
        color, stroke = (PASSED, 2.5) if taken else (PLAIN, 1)
        line = " ".join(f"{x:.0f},{y:.0f}" for x, y in points)
        parts.append(f'<polyline data-flow="{escape(flow)}" points="{line}" fill="none" stroke="{color}" '
                     f'stroke-width="{stroke}" marker-end="url(#arrow)"/>')
        if labels.get(flow):
            mx, my = points[len(points) // 2 - 1] if len(points) > 2 else points[0]
            parts.append(_label(mx + 20, my - 8, 130, labels[flow], "#555"))
    for shape in shapes:
        if shape.kind in ("lane", "participant", ""):
            continue
        parts.append(_shape(shape, path, labels.get(shape.id, shape.id)))
    parts.append("</svg>")
    return "".join(parts)


def _state(shape: _Shape, path: AuditPath) -> tuple[str, float, str]:
    """Stroke colour, width and dash of an element by what the path says of it."""
    if shape.id in path["current"]:
        return OPEN, 3, ""
    if shape.id in path["stopped"]:
        return STOPPED, 2.5, "6 3"
    if shape.id in path["inferred"]:
        return PASSED, 2, "4 3"
    if path["visits"].get(shape.id) or shape.id == path["ended"]:
        return PASSED, 2.5, ""
    return PLAIN, 1, ""


def _shape(shape: _Shape, path: AuditPath, label: str) -> str:
    color, width, dash = _state(shape, path)
    style = f'fill="#fff" stroke="{color}" stroke-width="{width}"' + (f' stroke-dasharray="{dash}"' if dash else "")
    cx, cy = shape.x + shape.w / 2, shape.y + shape.h / 2
    data = f'data-element="{escape(shape.id)}"'
    if shape.kind in EVENTS:
        r = min(shape.w, shape.h) / 2
        extra = 2 if shape.kind == "endEvent" else 0
        body = f'<circle {data} cx="{cx:.0f}" cy="{cy:.0f}" r="{r:.0f}" {style}/>'
        if extra:
            body += f'<circle cx="{cx:.0f}" cy="{cy:.0f}" r="{r - 3:.0f}" fill="none" stroke="{color}"/>'
        text = _label(cx, shape.y + shape.h + 14, 100, label)
    elif shape.kind.endswith("Gateway"):
        points = f"{cx:.0f},{shape.y:.0f} {shape.x + shape.w:.0f},{cy:.0f} {cx:.0f},{shape.y + shape.h:.0f} " \
                 f"{shape.x:.0f},{cy:.0f}"
        body = f'<polygon {data} points="{points}" {style}/>'
        text = _label(cx, shape.y - 12, 110, label)
    else:
        body = (f'<rect {data} x="{shape.x:.0f}" y="{shape.y:.0f}" width="{shape.w:.0f}" height="{shape.h:.0f}" '
                f'rx="8" {style}/>')
        text = _label(cx, cy, shape.w - 8, label)
    visits = path["visits"].get(shape.id, 0)
    if visits > 1:
        text += (f'<text x="{shape.x + shape.w:.0f}" y="{shape.y - 2:.0f}" font-size="13" fill="{PASSED}" '
                 f'text-anchor="end" font-weight="bold">×{visits}</text>')
    return body + text
