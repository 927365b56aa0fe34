"""What use cases hand out, and how it becomes JSON.

A use case returns a typed result, defined next to it (``engine/<area>/views.py``):

- a ``TypedDict`` where the result *is* a documented JSON document: the REST API sends it as it is, and
  ``webui/api/schemas.py`` describes it under the same name (``Task``, ``Completion``, ``AuditView``...;
  ``tests/api/test_result_types.py`` checks that the keys agree);
- a frozen dataclass otherwise (what only the web pages and the CLI show).

``as_json`` turns either into JSON values: the one place the API and the CLI serialise results.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import date, datetime
from enum import Enum
from pathlib import PurePath
from typing import Any


def as_json(value: Any) -> Any:
    """``value`` as JSON values: dataclasses and mappings as objects, tuples, lists and sets as arrays (sets
    sorted), datetimes and dates in ISO 8601, enums by value, paths as text."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {field.name: as_json(getattr(value, field.name)) for field in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(key): as_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [as_json(item) for item in value]
    if isinstance(value, set | frozenset):
        return [as_json(item) for item in sorted(value)]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, PurePath):
        return str(value)
    return value
