"""Filling ``${a.b}`` placeholders from an instance's data (titles, business keys, assignees)."""

from __future__ import annotations

import re
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
