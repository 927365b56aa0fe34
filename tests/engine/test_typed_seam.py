"""The seam between the engine and its callers is typed: no area method hands out an untyped dict.

A result is a ``TypedDict`` or a dataclass (``engine.results``); ``dict[str, Any]`` only where a JSON
document is the point (``ALLOWED``).
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping, MutableMapping
from typing import Any, get_args, get_origin, get_type_hints

from engine.facade.core import Area
from engine.facade.engine import Engine

# JSON documents by nature: an OCEL 2.0 log (the standard's shape), a step's form (a JSON Schema).
ALLOWED = {("Audit", "ocel_log"), ("Definitions", "task_form")}


def areas() -> list[type[Area]]:
    return sorted(Area.__subclasses__(), key=lambda cls: cls.__name__)


MAPPINGS = (dict, Mapping, MutableMapping)


def untyped(annotation: Any) -> bool:
    """Whether ``annotation`` is ``Any``, or is or holds a dict or mapping that is bare or whose values are Any."""
    if annotation is Any or annotation in MAPPINGS:
        return True
    origin, args = get_origin(annotation), get_args(annotation)
    if origin in MAPPINGS and (not args or args[-1] is Any):
        return True
    return any(untyped(arg) for arg in args)


def test_the_check_tells_typed_from_untyped():
    for loose in (Any, dict, dict[str, Any], Mapping[str, Any], list[dict[str, Any]], dict[str, Any] | None,
                  tuple[int, Mapping]):
        assert untyped(loose), loose
    for typed in (int, None, list[str], dict[str, int], Mapping[str, list[int]], tuple[int, str] | None):
        assert not untyped(typed), typed


def test_the_engine_lists_areas_not_use_cases():
    methods = [name for name in vars(Engine) if not name.startswith("_")]
    assert methods == [], f"the Engine facade should hold areas only, found methods {methods}"


def test_no_area_method_returns_an_untyped_dict():
    offenders = []
    for area in areas():
        for name, method in inspect.getmembers(area, inspect.isfunction):
            if name.startswith("_") or (area.__name__, name) in ALLOWED:
                continue
            hints = get_type_hints(method)
            if "return" not in hints or untyped(hints["return"]):
                offenders.append(f"{area.__name__}.{name}")
    assert offenders == []
