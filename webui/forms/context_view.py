"""Data from earlier steps, laid out read-only with the titles of the forms that produced it.

Values are shown by their schema when it is known (enum labels, amounts in CNY, dates for
the locale, long text kept in paragraphs); keys no schema describes get a readable label
(a translated one for the few keys the shipped processes' scripts produce). A value with a
Chinese twin (``suggestion`` and ``suggestion_zh``) is shown once, in the user's language.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import g
from flask_babel import format_decimal

from engine.runtime.views import StepForm

from ..context import display_name
from ..i18n import _, cny, day, decision_tone, enum_label, pick, schema_text, working_duration
from .parse import schema_type

ZH_SUFFIX = "_zh"
# Keys of script-written data (no form describes them) that hold a username: shown as "周杰 (zhou.jie)".
PERSON_KEYS = frozenset({"employee", "appraiser", "calibrator"})


@dataclass
class Item:
    """One value: ``text``, ``long`` text, ``badge`` (a decision), ``list``, ``table`` or ``group``."""

    label: str
    kind: str
    text: str = ""
    tone: str = ""
    items: list[str] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    children: list[Item] = field(default_factory=list)


@dataclass
class Section:
    key: str
    title: str
    items: list[Item]


def humanize(key: str) -> str:
    """``target_customers`` → ``Target customers``."""
    text = key.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def _script_texts() -> tuple[dict[str, str], dict[str, str]]:
    """Labels and values of data written by scripts (no form describes it): the appraisal's rating
    and result (looked up once per request)."""
    if "opsflow_script_texts" not in g:
        g.opsflow_script_texts = ({
            "rating": _("Rating"), "result": _("Result"), "final_grade": _("Final grade"),
            "weighted_score": _("Weighted score"), "grade": _("Grade"), "rule_grade": _("Grade by the rating rule"),
            "suggestion": _("Suggestion"), "employee": _("Employee"), "period": _("Period"),
            "self_assessment_submitted": _("Self-assessment submitted"),
            "calibrated": _("Grade adjusted in calibration"), "objection": _("Objection raised"),
            "status": _("Status"),
        }, {"not_submitted": _("Not submitted")})
    texts: tuple[dict[str, str], dict[str, str]] = g.opsflow_script_texts
    return texts


def label_of(key: str) -> str:
    """A label for a data key no schema describes."""
    return _script_texts()[0].get(key) or humanize(key)


def sections(context: Mapping[str, Any], forms: Mapping[str, StepForm]) -> list[Section]:
    """One section per earlier step (``start``, ``research``...), titled after its form."""
    result = []
    for key, value in context.items():
        form = forms.get(key)
        schema = form.schema if form is not None else {}
        title = schema_text(schema) or (pick(form.title, form.title_zh) if form is not None else "") or label_of(key)
        items = _object_items(schema, value) if isinstance(value, dict) else [_item(key, {}, value)]
        result.append(Section(key, title, items))
    return result


def _object_items(schema: Mapping[str, Any], value: Mapping[str, Any]) -> list[Item]:
    props = schema.get("properties", {}) if isinstance(schema.get("properties"), dict) else {}
    hidden = {k for k, v in props.items() if isinstance(v, dict) and v.get("x-hidden")}  # e.g. ids set by a process
    ordered = [k for k in props if k in value and k not in hidden] + [k for k in value if k not in props]
    twins = {k for k in ordered if k.endswith(ZH_SUFFIX) and k[: -len(ZH_SUFFIX)] in value and k not in props}
    return [_item(k, props.get(k) or {}, _in_language(value, k)) for k in ordered if k not in twins]


def _in_language(value: Mapping[str, Any], key: str) -> Any:
    """``value[key]``, or its ``_zh`` twin in a Chinese UI."""
    twin = value.get(key + ZH_SUFFIX)
    return pick(value[key], twin) if isinstance(twin, str) and isinstance(value[key], str) else value[key]


def _item(key: str, schema: Mapping[str, Any], value: Any) -> Item:
    label = schema_text(dict(schema)) or label_of(key)
    if isinstance(value, dict):
        return Item(label, "group", children=_object_items(schema, value))
    if isinstance(value, list):
        items = schema.get("items") if isinstance(schema.get("items"), dict) else {}
        if value and all(isinstance(v, dict) for v in value):
            props = items.get("properties", {}) if isinstance(items, dict) else {}
            keys = [k for k in props if any(k in v for v in value)]
            keys += [k for v in value for k in v if k not in keys]
            return Item(label, "table", columns=[schema_text(props.get(k) or {}) or humanize(k) for k in keys],
                        rows=[[scalar_text(props.get(k) or {}, v.get(k)) for k in keys] for v in value])
        return Item(label, "list", items=[scalar_text(items or {}, v) for v in value])
    text = scalar_text(schema, value)
    if not schema and isinstance(value, str):
        text = person_text(value) if key in PERSON_KEYS else _script_texts()[1].get(value, text)
    if schema.get("x-widget") == "decision":
        return Item(label, "badge", text=text, tone=decision_tone(dict(schema), value))
    long = schema.get("x-widget") == "textarea" or (isinstance(value, str) and "\n" in value)
    return Item(label, "long" if long else "text", text=text)


def person_text(username: str) -> str:
    """A person as readers know them: "王磊 (wang.lei)", or the username alone without a display name."""
    name = display_name(username)
    return f"{name} ({username})" if name != username else username


def scalar_text(schema: Mapping[str, Any], value: Any) -> str:
    """One value as text for the user's language."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if "enum" in schema or "x-enum-labels" in schema:
        return enum_label(dict(schema), value)
    if isinstance(value, int | float):
        return cny(value) if schema.get("x-format") == "currency-cny" else str(format_decimal(value))
    if isinstance(value, str) and schema.get("x-format") == "username":
        return person_text(value)
    if isinstance(value, str) and schema.get("x-format") == "working-duration":
        return working_duration(value)
    if isinstance(value, str) and schema.get("format") == "date":
        return day(value)
    if isinstance(value, dict | list):
        return ", ".join(scalar_text({}, v) for v in (value.values() if isinstance(value, dict) else value))
    return str(value)


__all__ = ["Item", "Section", "humanize", "label_of", "scalar_text", "schema_type", "sections"]


def name_files(shown: list[Section], names: Mapping[str, str]) -> list[Section]:
    """The values of file fields (a file's SHA-256) shown by the file's name (``names``: SHA-256 → name)."""
    def rename(items: list[Item]) -> None:
        for item in items:
            if item.kind == "text" and item.text in names:
                item.text = _("File: %(name)s", name=names[item.text])
            rename(item.children)
    for section in shown:
        rename(section.items)
    return shown
