"""Filling ``${a.b}`` placeholders from an instance's data (titles, business keys, assignees)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

_PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][\w.]*)\}")


def render_title(template: str, data: dict[str, Any]) -> str:
    """Fill ``${a.b}`` placeholders from nested data; missing values become empty."""

    def lookup(match: re.Match[str]) -> str:
        value: Any = data
        for part in match.group(1).split("."):
            value = value.get(part) if isinstance(value, dict) else None
        return "" if value is None else str(value)

    return _PLACEHOLDER.sub(lookup, template).strip()


def resolve(data: dict[str, Any], path: str) -> str:
    """The value at a dotted path of the data (``start.employee``), as text ('' if absent)."""
    return render_title("${" + path + "}", data)


def kept_in_step(data: dict[str, Any], steps: Iterable[str]) -> dict[str, Any]:
    """The data with ``start`` showing, for each of its fields, the value the last of ``steps`` (in flow
    order) that has a field of the same name gave it: a drafter who renames the plan renames the instance.

    Only for rendering the instance's title; the start data itself stays as it was given.
    """
    start = data.get("start")
    if not isinstance(start, dict):
        return data
    merged = dict(start)
    for name in steps:
        later = data.get(name)
        if isinstance(later, dict):
            merged.update({key: value for key, value in later.items() if key in start})
    return {**data, "start": merged}
