"""Forms: JSON Schemas for start events and user tasks, and checking data against them.

``effective_form`` is the one function that finds the form a task shows; ``validate_form``
checks submitted data before the engine sees it and names every field that is wrong.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import jsonschema_rs
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import SchemaError, ValidationError

from ..errors import FormInvalid
from ..text_input import line_problem, unsafe_text_fields

APPROVE = "approve"
FORM_ROOT_FIELD = "_form"
MAX_MESSAGE = 200  # characters of one error message
MAX_FIELDS = 50  # fields named in one answer


def parse_schema(name: str, content: bytes) -> dict[str, Any]:
    """Read a form file's bytes and check that they are a valid JSON Schema.

    :raise ValueError: when the content is not UTF-8 JSON or not a valid schema.
    """
    label = name.rsplit("/", 1)[-1]
    try:
        schema = json.loads(content.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ValueError(f"cannot read form {label}: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise ValueError(f"form {label} is not JSON: {exc}") from exc
    check_schema(schema, label)
    return dict(schema)


def check_schema(schema: Any, name: str) -> None:
    if not isinstance(schema, dict) or schema.get("type") != "object":
        raise ValueError(f"form {name} must be a JSON Schema of type 'object'")
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        raise ValueError(f"form {name} is not a valid JSON Schema: {exc.message}") from exc
    wrong = _orders_naming_no_sibling(schema)
    if wrong:
        raise ValueError(f"form {name}: {NOT_BEFORE} of {wrong} names no field beside it")


def _orders_naming_no_sibling(schema: Any, path: str = "") -> str | None:
    """The first field whose ``x-not-before`` names no sibling field (None when all do)."""
    if not isinstance(schema, dict):
        return None
    props = schema.get("properties")
    if isinstance(props, dict):
        for key, prop in props.items():
            here = f"{path}.{key}" if path else key
            if isinstance(prop, dict) and NOT_BEFORE in prop and prop[NOT_BEFORE] not in props:
                return here
            wrong = _orders_naming_no_sibling(prop, here)
            if wrong:
                return wrong
    return _orders_naming_no_sibling(schema.get("items"), f"{path}[]")


def effective_form(schema: dict[str, Any], task_data: dict[str, Any]) -> dict[str, Any]:
    """The form a task shows: its schema, with ``decision`` narrowed to ``allowed_decisions``."""
    allowed = task_data.get("allowed_decisions")
    decision = schema.get("properties", {}).get("decision")
    if not isinstance(allowed, list) or not isinstance(decision, dict) or "enum" not in decision:
        return schema
    kept = [v for v in decision["enum"] if v in allowed]
    key = (id(schema), json.dumps(kept, sort_keys=True, default=repr))
    known = _NARROWED.get(key)
    if known is not None and known[0] is schema:
        return known[1]
    narrowed = copy.deepcopy(schema)
    narrowed["properties"]["decision"]["enum"] = kept
    if len(_NARROWED) >= _KEPT_VALIDATORS:
        _NARROWED.clear()
    _NARROWED[key] = (schema, narrowed)
    return narrowed


# A form narrowed to the same decisions is the same object each time (as its schema, read-only): its compiled
# validators are kept too (``_validators``), not built again for every submission. By identity, as ``_VALIDATORS``.
_NARROWED: dict[tuple[int, str], tuple[dict[str, Any], dict[str, Any]]] = {}


def _field_of(error: ValidationError) -> list[str]:
    path = [str(p) for p in error.absolute_path]
    expected: Any = error.validator_value
    if error.validator == "required" and isinstance(error.instance, dict) and isinstance(expected, list):
        missing = [f for f in expected if f not in error.instance]
        return [".".join([*path, f]) for f in missing] or [".".join(path) or FORM_ROOT_FIELD]
    schema: Any = error.schema
    if error.validator == "additionalProperties" and isinstance(error.instance, dict) and isinstance(schema, dict):
        allowed = set(schema.get("properties", {}))
        extra = [f for f in error.instance if f not in allowed]
        return [".".join([*path, f]) for f in extra] or [FORM_ROOT_FIELD]
    return [".".join(path) or FORM_ROOT_FIELD]


def _message_of(error: ValidationError) -> str:
    if error.validator == "required":
        return "is required"
    if error.validator == "additionalProperties":
        return "is not a field of this form"
    expected: Any = error.validator_value
    if error.validator == "enum" and isinstance(expected, list):
        return "must be one of: " + ", ".join(map(str, expected))
    if error.validator == "pattern" and error.validator_value == "\\S":
        return "must not be blank"
    if error.validator == "not" and error.validator_value == {}:  # a field the chosen decision does not take
        return "must be left empty with this decision"
    if error.validator == "maxLength":
        return f"is longer than {expected} characters"
    if error.validator == "maxItems":
        return f"has more than {expected} items"
    message = str(error.message)  # quotes the value: keep answers to huge values small
    return message if len(message) <= MAX_MESSAGE else message[:MAX_MESSAGE - 1] + "…"


_VALIDATORS: dict[int, tuple[dict[str, Any], Draft202012Validator, Any]] = {}
_KEPT_VALIDATORS = 256
_FORMATS = FormatChecker()
# What ``jsonschema_rs`` may raise on a value it cannot take (``unsafe_text_fields`` refuses most such values first).
_NOT_TAKEN = (ValueError, TypeError, OverflowError)


def _validators(schema: dict[str, Any]) -> tuple[Draft202012Validator, Any | None]:
    """The compiled validators of a form's schema, kept while the schema object lives in the definition cache (by
    identity, the schema held with them: a narrowed copy is a new object, and the few kept are dropped when many).

    Two: ``jsonschema_rs`` (compiled in Rust) says quickly whether data is valid, the usual case; ``jsonschema``
    names what is wrong when it is not. Both apply JSON Schema 2020-12 and check the same formats (the Rust one
    more strictly: an e-mail address)."""
    kept = _VALIDATORS.get(id(schema))
    if kept is not None and kept[0] is schema:
        return kept[1], kept[2]
    wording = Draft202012Validator(schema, format_checker=_FORMATS)
    try:  # offline: a form's remote $ref is never fetched
        quick = jsonschema_rs.Draft202012Validator(schema, validate_formats=True, ignore_unknown_formats=True,
                                                   offline=True)
    except _NOT_TAKEN:  # a schema it cannot compile (a pattern only Python reads): jsonschema alone
        quick = None
    if len(_VALIDATORS) >= _KEPT_VALIDATORS:
        _VALIDATORS.clear()
    _VALIDATORS[id(schema)] = (schema, wording, quick)
    return wording, quick


def collect_errors(schema: dict[str, Any], data: Any) -> dict[str, list[str]]:
    """Every error of ``data`` against ``schema``, keyed by dotted field name.

    Data ``jsonschema_rs`` finds valid has none (``tests/engine/definitions/test_quick_validation.py``: on every
    shipped form, what it finds valid ``jsonschema`` does too). Anything else (invalid, or a value it cannot take)
    goes to ``jsonschema``, whose verdict stands: where the Rust one is stricter (a format), nothing is refused
    that was not refused before."""
    wording, quick = _validators(schema)
    try:
        if quick is not None and quick.is_valid(data):
            return {}
    except _NOT_TAKEN:
        pass
    fields: dict[str, list[str]] = {}
    for error in wording.iter_errors(data):
        for field in _field_of(error):
            message = _message_of(error)
            if message not in fields.setdefault(field, []):
                fields[field].append(message)
    return fields


def reason_free_decisions(schema: dict[str, Any]) -> list[Any]:
    """Decision values that need no reason: the form's ``x-reason-free``, else just ``approve``."""
    decision = schema.get("properties", {}).get("decision", {})
    free = decision.get("x-reason-free") if isinstance(decision, dict) else None
    return list(free) if isinstance(free, list) else [APPROVE]


def decision_errors(schema: dict[str, Any], data: dict[str, Any]) -> dict[str, list[str]]:
    """The engine's own rule: every decision but the reason-free ones carries a non-blank comment."""
    decision = data.get("decision")
    if decision is None or decision in reason_free_decisions(schema):
        return {}
    comment = data.get("comment")
    if not isinstance(comment, str) or not comment.strip():
        return {"comment": [f"a reason is required when the decision is {decision!r}"]}
    return {}


def validate_form(schema: dict[str, Any], data: Any) -> dict[str, Any]:
    """Check ``data`` against the form and the decision rule.

    :raise FormInvalid: naming every field that is wrong.
    """
    if not isinstance(data, dict):
        raise FormInvalid({FORM_ROOT_FIELD: ["data must be a JSON object"]})
    fields = unsafe_text_fields(data)
    if fields:  # the schema's messages would quote text that cannot be printed
        raise FormInvalid(_at_most(fields, MAX_FIELDS))
    fields = collect_errors(schema, data)
    for field, messages in decision_errors(schema, data).items():
        fields.setdefault(field, messages)  # the schema's own message, when it has one, says it already
    for field, messages in order_errors(schema, data).items():
        fields.setdefault(field, messages)
    for field, messages in one_line_errors(schema, data).items():
        fields.setdefault(field, messages)
    if fields:
        raise FormInvalid(_at_most(fields, MAX_FIELDS))
    return data


def one_line_errors(schema: dict[str, Any], data: Any, path: str = "") -> dict[str, list[str]]:
    """Text fields drawn on one line (every string field but a ``textarea``: a title, a name) that hold what a
    one-line text may not (``line_problem``: bidirectional controls), at any depth."""
    found: dict[str, list[str]] = {}
    props = schema.get("properties") if isinstance(schema, dict) else None
    if not isinstance(props, dict) or not isinstance(data, dict):
        return found
    for key, prop in props.items():
        value, where = data.get(key), f"{path}.{key}" if path else key
        if not isinstance(prop, dict):
            continue
        if isinstance(value, str) and prop.get("x-widget") != "textarea":
            problem = line_problem(value)
            if problem:
                found[where] = [problem]
        elif isinstance(value, dict):
            found.update(one_line_errors(prop, value, where))
        elif isinstance(value, list) and isinstance(prop.get("items"), dict):
            for index, item in enumerate(value):
                found.update(one_line_errors(prop["items"], item, f"{where}.{index}"))
    return found


NOT_BEFORE = "x-not-before"  # on a field: the name of a sibling field whose value it may not precede


def order_errors(schema: dict[str, Any], data: Any, path: str = "") -> dict[str, list[str]]:
    """Fields that come before the sibling their schema says they may not precede (``x-not-before``: an
    activity's end before its start), in objects and in arrays of objects, at any depth. Values compare as
    the texts they are (ISO dates and times sort as they read); a missing or empty side is not compared."""
    found: dict[str, list[str]] = {}
    props = schema.get("properties") if isinstance(schema, dict) else None
    if isinstance(props, dict) and isinstance(data, dict):
        for key, prop in props.items():
            if not isinstance(prop, dict):
                continue
            here = f"{path}.{key}" if path else key
            other = prop.get(NOT_BEFORE)
            value, earlier = data.get(key), data.get(other) if isinstance(other, str) else None
            if isinstance(value, str) and isinstance(earlier, str) and value and earlier and value < earlier:
                found[here] = [f"must not be before {other}"]
            found.update(order_errors(prop, data.get(key), here))
    items = schema.get("items") if isinstance(schema, dict) else None
    if isinstance(items, dict) and isinstance(data, list):
        for index, item in enumerate(data):
            found.update(order_errors(items, item, f"{path}.{index}"))
    return found


def _at_most(fields: dict[str, list[str]], limit: int) -> dict[str, list[str]]:
    """The first ``limit`` fields by name, and a note of how many more there are."""
    if len(fields) <= limit:
        return fields
    kept = dict(sorted(fields.items())[:limit])
    kept.setdefault(FORM_ROOT_FIELD, []).append(f"and {len(fields) - limit} more fields are wrong")
    return kept


# The form keys beyond JSON Schema that opsflow reads (webui/forms, webui/i18n, engine.definitions.forms).
KNOWN_FORM_KEYS = frozenset({"x-widget", "x-format", "x-reason-free", "x-compare-with", "x-title-zh",
                             "x-description-zh", "x-not-before", "x-hidden", "x-enum-labels"})


def unknown_form_keys(schema: Any) -> list[str]:
    """The ``x-`` keys of a form (at any depth) that opsflow does not read: a typo, or another tool's."""
    found: set[str] = set()
    pending = [schema]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            found.update(k for k in item if isinstance(k, str) and k.startswith("x-") and k not in KNOWN_FORM_KEYS)
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return sorted(found)
