"""Reading what a request sends: its JSON object body and its query parameters.

Everything wrong is answered with a 400 (``RequestInvalid``) whose ``fields`` names the key.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from flask import request
from werkzeug.exceptions import NotFound

from engine.text_input import JsonUnreadable, id_in_range, read_json, unsafe_text_fields

from ..safety import unsafe_parameters
from .errors import RequestInvalid

TYPE_NAMES: dict[type, str] = {dict: "a JSON object", str: "a string", list: "an array"}
TRUE_WORDS = frozenset({"true", "1", "yes"})
FALSE_WORDS = frozenset({"false", "0", "no"})
MAX_FIELDS = 50  # keys named in one answer
MAX_INTEGER = 2_147_483_647  # integers in a body (versions, ids) fit the database's integer columns


def id_segment(name: str) -> str:
    """A URL segment for a database id (``check_ids`` keeps it in range)."""
    return f"/<int:{name}>"


def check_ids() -> None:
    """Answer 404 for an id no row can have, rather than overflow the database's integer.

    Done here and not with ``int(min=1, max=...)`` in the rule: a converter that refuses a value
    stops Werkzeug's matching, so the JSON fallback route would not answer.
    """
    for name, value in (request.view_args or {}).items():
        if isinstance(value, int) and not id_in_range(value):  # ids, and version numbers alike
            raise NotFound(f"no {name.removesuffix('_id')} with id {value}" if name.endswith("_id")
                           else f"no {name} {value}")


def _parsed_body() -> Any:
    if not request.is_json:
        raise RequestInvalid("send the body as JSON with 'Content-Type: application/json'")
    raw = request.get_data(cache=True)  # over MAX_CONTENT_LENGTH this raises 413
    try:
        body = read_json(raw.decode("utf-8"))  # RFC 8259: JSON between systems is UTF-8
    except UnicodeDecodeError as exc:
        raise RequestInvalid(f"the body is not UTF-8: {exc.reason}") from exc
    except JsonUnreadable as exc:
        fields = {exc.key: ["is given more than once"]} if exc.key is not None else None
        raise RequestInvalid(f"the body: {exc}", fields) from exc
    fields = dict(sorted(unsafe_text_fields(body).items())[:MAX_FIELDS])
    if fields:
        raise RequestInvalid("the body holds text that is not accepted: " + "; ".join(
            f"{key}: {', '.join(messages)}" for key, messages in fields.items()), fields)
    return body


def check_parameters() -> None:
    """Answer 400 for query parameters holding characters no text field accepts."""
    problems = unsafe_parameters()
    if problems:
        raise RequestInvalid("the query holds text that is not accepted", problems)


def _whole_number(value: Any) -> bool:
    """An integer a database column holds (JSON's ``true`` is no number, though Python's bool is an int)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_INTEGER


def body_object(keys: dict[str, type], required: Collection[str] = (), empty_ok: bool = False) -> dict[str, Any]:
    """The JSON object sent as the body, holding only ``keys`` (each of its type) and every ``required`` one.

    With ``empty_ok``, no body at all counts as ``{}``.
    """
    if empty_ok and not request.get_data(cache=True):
        body: Any = {}
    else:
        body = _parsed_body()
    if not isinstance(body, dict):
        raise RequestInvalid("the body must be a JSON object")
    fields: dict[str, list[str]] = {}
    expected = ", ".join(keys) or "no keys"
    for key, value in body.items():
        if key not in keys:
            shown = key if len(key) <= 100 else key[:99] + "…"
            fields[shown] = [f"is not a key of this request (expected: {expected})"]
        elif keys[key] is int and not _whole_number(value):
            fields[key] = [f"must be an integer from 0 to {MAX_INTEGER}"]
        elif not isinstance(value, keys[key]):
            fields[key] = [f"must be {TYPE_NAMES.get(keys[key], keys[key].__name__)}"]
    for key in required:
        if key not in body:
            fields[key] = ["is required"]
    if fields:
        named = dict(sorted(fields.items())[:MAX_FIELDS])
        more = f" (and {len(fields) - len(named)} more keys)" if len(fields) > len(named) else ""
        raise RequestInvalid("invalid request body: " + "; ".join(
            f"{key}: {', '.join(messages)}" for key, messages in named.items()) + more, named)
    return body


def text_arg(name: str) -> str | None:
    value = request.args.get(name, "").strip()
    return value or None


def choice_arg(name: str, choices: Collection[str], default: str) -> str:
    value = request.args.get(name, default)
    if value not in choices:
        raise RequestInvalid(f"invalid query parameter {name}", {name: [f"must be one of: {', '.join(choices)}"]})
    return value


def flag_arg(name: str) -> bool:
    value = request.args.get(name, "false").strip().lower()
    if value not in TRUE_WORDS | FALSE_WORDS:
        raise RequestInvalid(f"invalid query parameter {name}", {name: ["must be true or false"]})
    return value in TRUE_WORDS


def int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise RequestInvalid(f"invalid query parameter {name}", {name: [f"must be an integer from {low} to {high}"]})
    return value
