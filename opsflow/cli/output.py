"""Printing for the command line: JSON, aligned tables (Chinese takes two columns), --data arguments."""

from __future__ import annotations

import argparse
import json
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from engine.errors import InvalidInput
from engine.results import as_json
from engine.text_input import JsonUnreadable, read_json


def json_arg(text: str) -> Any:
    """A ``--data`` value: JSON text, or ``@file.json``."""
    if text.startswith("@"):
        try:
            text = Path(text[1:]).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InvalidInput(f"--data {text}: cannot read the file ({exc})") from exc
    try:
        return read_json(text)
    except JsonUnreadable as exc:
        raise InvalidInput(f"--data: {exc}") from exc


def print_json(value: Any) -> None:
    """``value`` as JSON (``as_json``: results that are dataclasses too), indented."""
    print(json.dumps(as_json(value), ensure_ascii=False, indent=2, default=str))


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value) or "-"
    return str(value)


def _display_width(text: str) -> int:
    """Columns a terminal gives the text: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _display_width(text))


def table(rows: Sequence[object], columns: list[str]) -> None:
    """Rows (mappings, or dataclasses: their fields) as an aligned table of ``columns``."""
    if not rows:
        print("(none)")
        return
    shown = [row if isinstance(row, Mapping) else as_json(row) for row in rows]
    cells = [{c: _cell(row.get(c)) for c in columns} for row in shown]
    widths = {c: max(len(c), *(_display_width(r[c]) for r in cells)) for c in columns}
    print("  ".join(_pad(c.upper(), widths[c]) for c in columns).rstrip())
    for r in cells:
        print("  ".join(_pad(r[c], widths[c]) for c in columns).rstrip())


def emit(args: argparse.Namespace, value: Any, text: Callable[[], None]) -> None:
    """``--json``: the value as JSON; otherwise the text view."""
    if getattr(args, "json", False):
        print_json(value)
    else:
        text()
