"""The case file (案卷) as HTML and PDF: the page a person reads and prints, and the same HTML drawn by WeasyPrint.

The engine puts the case together (``Engine.audit.case_file``: the export right, the access log, the proof); this
words it in the reader's language (the current request's) and lays it out. WeasyPrint draws the inline SVG
diagram and embeds the fonts it finds through fontconfig (Noto Sans CJK for Chinese: ``.ci/system-deps``);
it fetches nothing: the page has no external resource.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from flask import render_template

from engine.audit.case_diagram import draw_path
from engine.audit.case_file import CaseFile
from engine.audit.diagram import read_graph

from ..forms.context_view import sections
from ..i18n import language, pick
from ..instances.status import status_text
from . import present
from .tamper_text import tamper_text

_LANE = re.compile(r'<(?:\w+:)?lane\s+id="([^"]+)"\s+name="([^"]*)"')


def _role_titles() -> dict[str, tuple[str, str]]:
    from ..context import engine

    return {key: (t.title, t.title_zh) for key, t in engine().org.role_titles().items()}


STYLESHEET = Path(__file__).resolve().parent.parent / "static" / "case-file.css"


def case_html(case: CaseFile, links: dict[str, str] | None = None, inline: bool = True) -> str:
    """The case file as an HTML page in the current request's language (``links``: back and PDF); ``inline``:
    with its stylesheet in the page (the PDF, a saved file), else linked (the page the app serves)."""
    view = case.view
    forms = case.forms
    tasks = {k: (t["title"], t["title_zh"]) for k, t in view["tasks"].items()}
    roles = _role_titles()

    def task_title(name: str | None) -> str:
        key = name or ""
        if key in tasks:
            return pick(*tasks[key])
        return pick(view["elements"].get(key) or key, view["elements_zh"].get(key, ""))

    def role_title(role: str | None) -> str:
        known = roles.get(role or "")
        return pick(*known) if known else (role or "")

    flows = read_graph(case.bpmn, view["process"]).flows
    labels = {**{k: task_title(k) for k in view["elements"]},
              **{k: pick(f.name, f.name_zh) for k, f in flows.items() if f.name or f.name_zh}}
    labels.update({lane: role_title(role) for lane, role in _lanes(case.bpmn)})
    shown = {k: v for k, v in view["data"].items() if k in forms or k == "result"}
    steps: list[dict[str, Any]] = [{**s, "what": present.step_text(s["kind"]),
                                    "decision_text": present.decision_of(s, forms)} for s in view["steps"]]
    return render_template(
        "audit/case_file.html", case=case, v=view, p=case.proof, steps=steps, lang=language(),
        comments=[s for s in view["steps"] if s["kind"] == "comment_added" and s["comment"]],
        sections=sections(shown, forms), svg=draw_path(case.bpmn, view["path"], labels), links=links,
        status=status_text(view), process_title=pick(view["process_title"], view["process_title_zh"]),
        task_title=task_title, role_title=role_title, person=present.person, late=present.late_text,
        tamper_text=tamper_text, pick=pick, inline_css=STYLESHEET.read_text(encoding="utf-8") if inline else None)


def _lanes(bpmn: str) -> list[tuple[str, str]]:
    """Each lane's id and name: a lane is named after its role in opsflow's models (as the audit page shows)."""
    return [(m.group(1), m.group(2)) for m in _LANE.finditer(bpmn)]


def case_pdf(html: str) -> bytes:
    """The case file's HTML as a PDF (A4; fonts embedded, Chinese included)."""
    import weasyprint  # loaded when a PDF is asked for: it brings Pango through cffi

    return bytes(weasyprint.HTML(string=html).write_pdf())
