"""Submitted form fields → typed JSON for the engine, and the naming scheme of those fields.

Input names follow the schema's property names; nested values join the path with ``-``:

- a property ``title``                       → ``title``
- an object property ``address.city``        → ``address-city``
- item 2 of an array of strings ``channels`` → ``channels-2``
- field ``name`` of row 0 of ``activities``  → ``activities-0-name``
- an array of enum strings (checkboxes)      → ``tags`` (one value per ticked box)

Row numbers need not be contiguous (rows added or removed in the browser leave gaps); rows
are read in number order and empty rows are dropped. Empty optional values are dropped, so
the engine reports a missing required value as "required" rather than as a too-short string.
A value that cannot be converted (``abc`` for a number) is passed on as typed, so the engine
names the field and the form can show the input again.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from werkzeug.datastructures import MultiDict

SEPARATOR = "-"
CHECKED = frozenset({"true", "on", "1", "yes"})
_ROW = re.compile(r"^(\d{1,4})(?:-|$)")


class _Missing:
    """Marks a value the user left empty (dropped from the data)."""


MISSING = _Missing()


def field_name(*path: str | int) -> str:
    """The input name for a path of property names and row numbers."""
    return SEPARATOR.join(str(p) for p in path)


def error_key(engine_field: str) -> str:
    """An engine error key (``activities.0.name``) as an input name (``activities-0-name``)."""
    return engine_field.replace(".", SEPARATOR)


def schema_type(schema: Mapping[str, Any]) -> str:
    """The JSON type a property takes (the first non-null one of a list), ``string`` by default."""
    kind = schema.get("type", "string")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    return str(kind)


def is_choice_list(schema: Mapping[str, Any]) -> bool:
    """An array of enum values, shown as a group of checkboxes."""
    items = schema.get("items", {})
    return schema_type(schema) == "array" and isinstance(items, dict) and "enum" in items


def parse_form(schema: Mapping[str, Any], form: MultiDict[str, str]) -> dict[str, Any]:
    """The typed JSON object a submitted form stands for under ``schema``."""
    value = _object(schema, form, "", in_row=False)
    return value if isinstance(value, dict) else {}


def _object(schema: Mapping[str, Any], form: MultiDict[str, str], prefix: str, in_row: bool) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, prop in schema.get("properties", {}).items():
        if not isinstance(prop, dict):
            continue
        value = _value(prop, form, f"{prefix}{name}", in_row)
        if value is not MISSING:
            result[name] = value
    return result


def _value(prop: Mapping[str, Any], form: MultiDict[str, str], key: str, in_row: bool) -> Any:
    kind = schema_type(prop)
    if kind == "object":
        return _object(prop, form, key + SEPARATOR, in_row) or MISSING
    if kind == "array":
        return _array(prop, form, key)
    if kind == "boolean":
        raw = form.get(key)
        if raw is None:
            return MISSING if in_row else False  # an unticked box in an otherwise empty row adds nothing
        return raw.strip().lower() in CHECKED
    return scalar(prop, form.get(key))


def _array(prop: Mapping[str, Any], form: MultiDict[str, str], key: str) -> Any:
    items = prop.get("items", {})
    if not isinstance(items, dict):
        return MISSING
    if is_choice_list(prop):
        chosen = [scalar(items, raw) for raw in form.getlist(key)]
        return [v for v in chosen if v is not MISSING] or MISSING
    rows = _row_numbers(form, key)
    if schema_type(items) == "object":
        values: list[Any] = [_object(items, form, f"{key}{SEPARATOR}{n}{SEPARATOR}", in_row=True) for n in rows]
        values = [v for v in values if v]
    else:
        values = [scalar(items, form.get(f"{key}{SEPARATOR}{n}")) for n in rows]
        values = [v for v in values if v is not MISSING]
    return values or MISSING


def _row_numbers(form: MultiDict[str, str], key: str) -> list[int]:
    start = key + SEPARATOR
    numbers = set()
    for name in form:
        if name.startswith(start):
            match = _ROW.match(name[len(start):])
            if match:
                numbers.add(int(match.group(1)))
    return sorted(numbers)


def scalar(prop: Mapping[str, Any], raw: str | None) -> Any:
    """One submitted text as the schema's type; empty text is MISSING."""
    if raw is None:
        return MISSING
    text = raw.replace("\r\n", "\n").strip()
    if text == "":
        return MISSING
    if "enum" in prop:
        return next((v for v in prop["enum"] if str(v) == text), text)
    kind = schema_type(prop)
    if kind in ("integer", "number"):
        return _number(text, integer=kind == "integer")
    if kind == "boolean":
        return text.lower() in CHECKED
    return text


def _number(text: str, integer: bool) -> Any:
    cleaned = text.replace(",", "").replace(" ", "").replace("_", "")
    try:
        return int(cleaned)
    except ValueError:
        pass
    if integer:
        return text
    try:
        number = float(cleaned)
    except ValueError:
        return text
    if not math.isfinite(number):
        return text
    return int(number) if number.is_integer() and "e" not in cleaned.lower() else number
