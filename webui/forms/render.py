"""JSON Schema → the fields of an HTML form, with values, labels and errors in the user's language.

The templates (``macros/form.html``) draw what this module describes; input names follow
``form_data``'s scheme, so what is shown is what ``form_data.parse_form`` reads back.
Widgets: ``text``, ``textarea`` (``x-widget: textarea``), ``number`` (integer or number, with
``minimum``/``maximum``), ``date`` (``format: date``), ``select`` (enum), ``radio``
(``x-widget: radio``), ``decision`` (``x-widget: decision``: one explicit choice per value),
``checkbox`` (boolean), ``checkboxes`` (array of enum values), ``list`` (array of scalars),
``table`` (array of objects), ``group`` (object) and ``scale`` (an integer with a small
``minimum``..``maximum`` range, such as a 1–5 score: one radio button per value; ``x-widget:
number`` keeps a number input). Arrays get a fixed number of empty rows so that they work
without JavaScript; ``static/opsflow.js`` adds and removes rows.

A form-level ``x-compare-with: KEY`` shows, beside each field, the value the same field has in
``context[KEY]`` (the manager's scoring shows the employee's self-assessment criterion by
criterion), labelled with the title of the form that produced it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.runtime.file_types import DEFAULT_TYPES
from engine.runtime.form_files import ATTACHMENT_FORMAT
from engine.runtime.views import StepForm

from ..i18n import decision_tone, enum_label, pick, schema_text
from .context_view import humanize, scalar_text
from .field_errors import explain
from .parse import SEPARATOR, error_key, field_name, is_choice_list, schema_type

MIN_ROWS = 3  # rows an empty array shows, so that a form without JavaScript can take several
EXTRA_ROWS = 1  # empty rows after the filled ones
ROW_PLACEHOLDER = "__i__"  # in the row template that the script copies
FORM_ERROR_KEYS = ("_form", "")
MAX_SCALE = 10  # integer ranges up to this many values are radio buttons
COMPARE_KEY = "x-compare-with"
UPLOAD_PREFIX = "upload:"  # a file field's file input; its hidden input (the file's SHA-256) keeps the field's name
ACCEPT = ",".join(f".{extension}" for extension in sorted(DEFAULT_TYPES))

Errors = dict[str, list[str]]


@dataclass
class Option:
    value: str
    label: str
    selected: bool = False
    tone: str = ""  # decisions: "ok" (needs no reason) or "warn"


@dataclass
class Comparison:
    """The value a field has in an earlier step (``x-compare-with``), shown beside the field."""

    source: str  # the title of the earlier step's form
    text: str  # '' when that step gave no value
    long: bool = False


@dataclass
class Field:
    """One input (or group of inputs) of a generated form."""

    name: str
    label: str
    widget: str
    help: str = ""
    required: bool = False
    html_required: bool = False
    value: str = ""
    checked: bool = False
    input_type: str = "text"
    errors: list[str] = field(default_factory=list)
    attrs: dict[str, str] = field(default_factory=dict)
    options: list[Option] = field(default_factory=list)
    children: list[Field] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    template: Row | None = None
    columns: list[str] = field(default_factory=list)
    max_rows: int | None = None
    unit: str = ""
    compare: Comparison | None = None
    attached: str = ""  # a file field: the name of the file its value names

    @property
    def upload_name(self) -> str:
        return UPLOAD_PREFIX + self.name

    @property
    def id(self) -> str:
        return "f-" + self.name

    @property
    def has_errors(self) -> bool:
        return bool(self.errors) or any(c.has_errors for c in self.children) or any(r.has_errors for r in self.rows)


@dataclass
class Row:
    """A row of an array: one field (array of scalars) or several (array of objects)."""

    index: str
    fields: list[Field]
    errors: list[str] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return bool(self.errors) or any(f.has_errors for f in self.fields)


@dataclass
class Problem:
    """An entry of the error summary at the top of a form."""

    label: str
    message: str
    anchor: str


@dataclass
class Form:
    fields: list[Field]
    problems: list[Problem]

    @property
    def has_files(self) -> bool:
        """Whether the form takes a file (it is then sent as multipart/form-data)."""
        return any(item.widget == "file" for item in _walk(self.fields))


def build_form(schema: Mapping[str, Any], values: Mapping[str, Any] | None = None,
               errors: Mapping[str, list[str]] | None = None, context: Mapping[str, Any] | None = None,
               forms: Mapping[str, StepForm] | None = None, files: Mapping[str, str] | None = None) -> Form:
    """The fields for ``schema`` showing ``values`` (typed JSON) and the engine's ``errors``.

    ``context`` (earlier steps' data) and ``forms`` (their forms, by data key) are only read
    when the schema says ``x-compare-with``; ``files`` names the request's files by SHA-256 (file fields).
    """
    pending: Errors = {error_key(k): list(v) for k, v in (errors or {}).items()}
    fields = _properties(schema, values or {}, pending, prefix=(), in_row=False)
    for item in fields:
        if item.widget == "file" and item.value:
            item.attached = (files or {}).get(item.value, item.value[:12] + "…")
    _compare(fields, schema.get(COMPARE_KEY), context or {}, forms or {})
    problems: list[Problem] = []
    for item in _walk(fields):
        problems.extend(Problem(item.label, message, item.id) for message in item.errors)
        for row in item.rows:
            problems.extend(Problem(item.label, message, item.id) for message in row.errors)
    for key, messages in pending.items():  # errors no field took: the form as a whole
        label = "" if key in FORM_ERROR_KEYS else key
        problems.extend(Problem(label, m, "form-errors") for m in _explained(messages, {}))
    return Form(fields, problems)


def _compare(fields: list[Field], key: Any, context: Mapping[str, Any],
             forms: Mapping[str, StepForm]) -> None:
    """Put the earlier step's value beside each top-level field that step's form (or data) has."""
    if not isinstance(key, str) or not key:
        return
    form = forms.get(key)
    schema: dict[str, Any] = form.schema if form is not None else {}
    earlier = context.get(key)
    earlier = earlier if isinstance(earlier, dict) else {}
    props = schema.get("properties", {}) if isinstance(schema.get("properties"), dict) else {}
    source = schema_text(schema) or (pick(form.title, form.title_zh) if form is not None else "") or humanize(key)
    for item in fields:
        if item.name not in props and item.name not in earlier:
            continue  # a field the earlier step does not have (the manager's overall comment)
        prop = props.get(item.name) or {}
        value = earlier.get(item.name)
        text = scalar_text(prop, value) if value is not None else ""
        long = prop.get("x-widget") == "textarea" or "\n" in text
        item.compare = Comparison(source, text, long)


def _walk(fields: list[Field]) -> list[Field]:
    found: list[Field] = []
    for item in fields:
        found.append(item)
        found.extend(_walk(item.children))
        for row in item.rows:
            found.extend(_walk(row.fields))
    return found


def _properties(schema: Mapping[str, Any], values: Mapping[str, Any], pending: Errors,
                prefix: tuple[str | int, ...], in_row: bool) -> list[Field]:
    required = set(schema.get("required", []))
    result = []
    for name, prop in schema.get("properties", {}).items():
        if isinstance(prop, dict):
            item = _field(prop, values.get(name), pending, (*prefix, name), name in required, label_fallback=name)
            item.html_required = item.required and not in_row  # empty rows are dropped, not refused
            result.append(item)
    return result


def _field(prop: Mapping[str, Any], value: Any, pending: Errors, path: tuple[str | int, ...],
           required: bool, label_fallback: str) -> Field:
    name = field_name(*path)
    item = Field(name=name, label=schema_text(dict(prop)) or label_fallback.replace("_", " "),
                 widget="text", help=schema_text(dict(prop), "description"), required=required)
    item.errors = _explained(pending.pop(name, []), prop)
    kind = schema_type(prop)
    if kind == "object":
        item.widget = "group"
        item.children = _properties(prop, value if isinstance(value, dict) else {}, pending, path, in_row=False)
    elif kind == "array":
        _array(item, prop, value, pending, path)
    elif kind == "boolean":
        item.widget, item.checked = "checkbox", value is True
    elif "enum" in prop:
        _choice(item, prop, value)
    else:
        _scalar(item, prop, kind, value)
    return item


def _choice(item: Field, prop: Mapping[str, Any], value: Any) -> None:
    widget = prop.get("x-widget")
    item.widget = widget if widget in ("decision", "radio") else "select"
    item.options = [Option(str(v), enum_label(dict(prop), v), value is not None and str(v) == str(value),
                           decision_tone(dict(prop), v) if item.widget == "decision" else "")
                    for v in prop["enum"]]


def _scale(prop: Mapping[str, Any], kind: str) -> list[int]:
    """The values of a small integer range shown as radio buttons (none for other fields)."""
    low, high = prop.get("minimum"), prop.get("maximum")
    if kind != "integer" or prop.get("x-widget") == "number" or not isinstance(low, int) \
            or not isinstance(high, int) or isinstance(low, bool) or isinstance(high, bool):
        return []
    return list(range(low, high + 1)) if 2 <= high - low + 1 <= MAX_SCALE else []


def _scalar(item: Field, prop: Mapping[str, Any], kind: str, value: Any) -> None:
    item.value = _text(value)
    if prop.get("format") == ATTACHMENT_FORMAT:
        item.widget, item.input_type = "file", "file"
        item.attrs["accept"] = ACCEPT
        return
    scale = _scale(prop, kind)
    if scale:
        item.widget = "scale"
        item.options = [Option(str(v), str(v), item.value == str(v)) for v in scale]
        return
    if kind in ("integer", "number"):
        item.widget = "number"
        numeric = value is None or (isinstance(value, int | float) and not isinstance(value, bool))
        item.input_type = "number" if numeric else "text"  # keep showing what the user typed
        item.attrs["inputmode"] = "numeric" if kind == "integer" else "decimal"
        item.attrs["step"] = "1" if kind == "integer" else ("0.01" if prop.get("x-format") == "currency-cny" else "any")
        for limit, attr in (("minimum", "min"), ("maximum", "max")):
            if isinstance(prop.get(limit), int | float):
                item.attrs[attr] = _text(prop[limit])
        item.unit = "¥" if prop.get("x-format") == "currency-cny" else ""
        return
    if prop.get("x-widget") == "textarea":
        item.widget = "textarea"
    elif prop.get("format") == "date" or prop.get("x-widget") == "date":  # a day picked from a calendar
        item.widget, item.input_type = "date", "date"
    elif prop.get("format") == "email":
        item.input_type = "email"
    if isinstance(prop.get("maxLength"), int):
        # Not the maxlength attribute: a browser silently cuts a longer paste to it. The script shows a
        # live count and refuses to send too much; the engine refuses it too.
        item.attrs["data-maxlength"] = str(prop["maxLength"])


def _array(item: Field, prop: Mapping[str, Any], value: Any, pending: Errors, path: tuple[str | int, ...]) -> None:
    items = prop.get("items", {}) if isinstance(prop.get("items"), dict) else {}
    values = value if isinstance(value, list) else []
    if is_choice_list(prop):
        item.widget = "checkboxes"
        chosen = {str(v) for v in values}
        item.options = [Option(str(v), enum_label(items, v), str(v) in chosen) for v in items["enum"]]
        return
    max_items = prop.get("maxItems") if isinstance(prop.get("maxItems"), int) else None
    item.max_rows = max_items
    empty = max(EXTRA_ROWS, MIN_ROWS - len(values))
    if max_items is not None:
        empty = max(0, min(empty, max_items - len(values)))
    shown: list[Any] = [*values, *([None] * empty)]
    is_table = schema_type(items) == "object"
    item.widget = "table" if is_table else "list"
    if is_table:
        item.columns = [schema_text(p) or n for n, p in items.get("properties", {}).items() if isinstance(p, dict)]
    item.rows = [_row(items, v, pending, path, str(i), is_table) for i, v in enumerate(shown)]
    item.template = _row(items, None, {}, path, ROW_PLACEHOLDER, is_table)


def _row(items: Mapping[str, Any], value: Any, pending: Errors, path: tuple[str | int, ...], index: str,
         is_table: bool) -> Row:
    row_path = (*path, index)
    row = Row(index, [], _explained(pending.pop(field_name(*row_path), []), items) if is_table else [])
    if is_table:
        row.fields = _properties(items, value if isinstance(value, dict) else {}, pending, row_path, in_row=True)
    else:
        row.fields = [_field(items, value, pending, row_path, required=False, label_fallback=str(path[-1]))]
    return row


def _explained(messages: list[str], schema: Mapping[str, Any]) -> list[str]:
    """The engine's messages in the user's language, each said once."""
    return list(dict.fromkeys(explain(m, schema) for m in messages))


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


__all__ = ["SEPARATOR", "Comparison", "Field", "Form", "Option", "Problem", "Row", "build_form"]
