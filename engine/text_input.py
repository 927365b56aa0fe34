"""Text that people send: refuse characters that storage cannot hold or pages should never show.

A lone UTF-16 surrogate (``"\\ud800"`` is valid JSON) cannot be encoded as UTF-8, so hashing or
storing it would fail half-way; NUL cannot be stored in PostgreSQL text; other C0 control
characters corrupt pages and exports. Tab, line feed and carriage return are ordinary text.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from .errors import InvalidInput

_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
# Bidirectional embeddings, overrides and isolates: in a one-line text (a title, a name, a reason) they make it
# read differently from what it holds ("Trojan Source"), e.g. a file name or an amount shown reversed.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
MAX_DEPTH = 32
MAX_SAFE_INTEGER = 2**53 - 1  # the history's encoding (RFC 8785) holds whole numbers up to this exactly
# The largest id a row can have (the id columns are 32-bit integers on PostgreSQL). Every edge that
# takes an id from people (URL paths, CLI arguments) answers "not found" past it, never an overflow.
MAX_ID = 2**31 - 1


def id_in_range(value: int) -> bool:
    """Whether ``value`` can be the id of a row (1 to ``MAX_ID``)."""
    return 1 <= value <= MAX_ID


class JsonUnreadable(ValueError):
    """Text that is not JSON this engine takes; the message says why (``key``: a key given twice)."""

    def __init__(self, message: str, key: str | None = None) -> None:
        super().__init__(message)
        self.key = key


def _not_a_number(name: str) -> Any:
    raise JsonUnreadable(f"{name} is not a JSON number")


def _object_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object's members; a key given twice is refused (JSON readers disagree on which one wins)."""
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise JsonUnreadable(f"the key {printable(key)!r} is given more than once", key=printable(key))
        result[key] = value
    return result


def read_json(text: str) -> Any:
    """Parse JSON that people send: strict (no ``NaN``/``Infinity``, no key given twice in one object), and
    every failure a ``JsonUnreadable``."""
    try:
        return json.loads(text, parse_constant=_not_a_number, object_pairs_hook=_object_without_duplicates)
    except json.JSONDecodeError as exc:
        raise JsonUnreadable(f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from exc
    except RecursionError as exc:
        raise JsonUnreadable("nested too deeply") from exc
    except JsonUnreadable:
        raise
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        raise JsonUnreadable(f"cannot be read: {exc}") from exc


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be accepted as text, or None when it can."""
    match = _FORBIDDEN.search(value)
    if match is None:
        return None
    char = match.group()
    if "\ud800" <= char <= "\udfff":
        return "contains an unpaired surrogate, which is not valid Unicode text"
    return f"contains a control character (U+{ord(char):04X})"


def line_problem(value: str) -> str | None:
    """Why ``value`` cannot be accepted as a one-line text (a title, a name, a reason), or None when it can:
    what ``text_problem`` refuses, and bidirectional control characters."""
    problem = text_problem(value)
    if problem is not None:
        return problem
    match = _BIDI_CONTROLS.search(value)
    if match is None:
        return None
    return (f"contains a bidirectional control character (U+{ord(match.group()):04X}), which would make the "
            "text read differently from what it holds")


def checked_reason(reason: str | None, purpose: str, limit: int, required: bool = True) -> str:
    """A reason someone gives for a move (a return, a transfer, a withdrawal, a cancel, a request to sign): stripped,
    printable, at most ``limit`` characters, and not empty when ``required``. The messages are the ones the web
    and the API translate (``webui.forms.field_errors``).

    :raise InvalidInput: "a reason is required to <purpose>", "the reason contains ...", "a reason is limited to N
        characters".
    """
    text = (reason or "").strip()
    if required and not text:
        raise InvalidInput(f"a reason is required to {purpose}")
    problem = line_problem(text)
    if problem:
        raise InvalidInput(f"the reason {problem}")
    if len(text) > limit:
        raise InvalidInput(f"a reason is limited to {limit} characters")
    return text


def printable(value: str) -> str:
    """``value`` with anything that cannot be printed or encoded shown as an escape."""
    return value if text_problem(value) is None else value.encode("unicode_escape").decode("ascii")


def unsafe_text_fields(value: Any, path: str = "", depth: int = 0) -> dict[str, list[str]]:
    """Every string (value or key) in a JSON value that :func:`text_problem` refuses, and every number
    that is not finite (Python's JSON reader accepts ``NaN``) or a whole number the history cannot hold
    exactly, by dotted path."""
    problems: dict[str, list[str]] = {}
    if depth > MAX_DEPTH:
        return {path or "data": [f"is nested more than {MAX_DEPTH} levels deep"]}
    if isinstance(value, str):
        problem = text_problem(value)
        if problem:
            problems[path or "data"] = [problem]
    elif isinstance(value, float) and not math.isfinite(value):  # NaN and Infinity are not JSON
        problems[path or "data"] = ["is not a finite number"]
    elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_SAFE_INTEGER:
        problems[path or "data"] = [f"is a whole number beyond ±{MAX_SAFE_INTEGER}, which cannot be recorded exactly"]
    elif isinstance(value, dict):
        for key, item in value.items():
            key_text = str(key)
            where = f"{path}.{printable(key_text)}" if path else printable(key_text)
            key_problem = text_problem(key_text)
            if key_problem:
                problems[where] = [f"the name {key_problem}"]
            problems.update(unsafe_text_fields(item, where, depth + 1))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            problems.update(unsafe_text_fields(item, f"{path}.{index}" if path else str(index), depth + 1))
    return problems
