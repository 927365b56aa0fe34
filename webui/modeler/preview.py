"""A form schema being edited, drawn by the inbox's own form renderer in Chinese and in English."""

from __future__ import annotations

from typing import Any

from flask import g, render_template
from flask_babel import force_locale

from engine.definitions.bundle import form_name_escapes
from engine.definitions.forms import parse_schema

from ..forms.render import build_form
from ..i18n import LANGUAGES, _

TEXT_KEYS = ("title", "description")


def schema_warnings(schema: dict[str, Any], path: str = "") -> list[str]:
    """Texts missing in one language: the inbox would show the English one to Chinese readers."""
    found = []
    if schema.get("title") and not schema.get("x-title-zh"):
        found.append(_("%(where)s has no Chinese title (x-title-zh)", where=path or _("the form")))
    for name, prop in (schema.get("properties") or {}).items():
        if isinstance(prop, dict):
            where = f"{path}.{name}" if path else name
            if not prop.get("title"):
                found.append(_("%(where)s has no title", where=where))
            found += schema_warnings(prop, where) if prop.get("type") == "object" else (
                [_("%(where)s has no Chinese title (x-title-zh)", where=where)]
                if prop.get("title") and not prop.get("x-title-zh") else [])
    return found


def _render(schema: dict[str, Any], language: str) -> str:
    cached = g.pop("opsflow_language", None)
    try:
        with force_locale(language):
            g.opsflow_language = language
            return render_template("modeler/_form_preview.html", form=build_form(schema), language=language)
    finally:
        g.pop("opsflow_language", None)
        if cached is not None:
            g.opsflow_language = cached


def preview_form(name: str, text: str) -> dict[str, Any]:
    """``{"errors": [...], "warnings": [...], "html": {"zh": ..., "en": ...}}``; no HTML when it is not a form."""
    if form_name_escapes(name):
        return {"errors": [_("The form name %(name)s lies outside the forms.", name=name)], "html": None}
    try:
        schema = parse_schema(name, text.encode("utf-8"))
    except ValueError as exc:
        return {"errors": [str(exc)], "html": None}
    try:
        html = {language: _render(schema, language) for language in LANGUAGES}
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        return {"errors": [_("The inbox cannot draw this form: %(error)s", error=str(exc))], "html": None}
    return {"errors": schema_warnings(schema), "html": html}
