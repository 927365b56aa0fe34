"""The engine's typed results and the API's documented answers are one contract.

A result the REST API sends as it is is a ``TypedDict`` named like its OpenAPI component
(``engine.results``): its keys, and which of them are always present, must be the schema's.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any, is_typeddict

import pytest

import engine
from webui.api.audit_schemas import AUDIT_COMPONENTS
from webui.api.schemas import COMPONENTS

DOCUMENTED = {**COMPONENTS, **AUDIT_COMPONENTS}
NOT_RESULTS = {"Error"}  # what the API answers on its own (errors) or reads (the requests)


def result_types() -> dict[str, Any]:
    """Every TypedDict in a ``views`` module of the engine (``views.py``, or ``<topic>_views.py`` beside it), by
    name."""
    found: dict[str, Any] = {}
    for module in pkgutil.walk_packages(engine.__path__, "engine."):
        if not module.name.rsplit(".", 1)[-1].endswith("views"):
            continue
        for name, value in vars(importlib.import_module(module.name)).items():
            if is_typeddict(value) and value.__module__ == module.name:
                found[name] = value
    return found


def answers() -> list[str]:
    return sorted(name for name in DOCUMENTED if name not in NOT_RESULTS and not name.endswith("Request"))


def test_every_documented_answer_has_its_result_type():
    missing = [name for name in answers() if name not in result_types()]
    assert missing == [], f"components the API answers with but no engine result type declares: {missing}"


@pytest.mark.parametrize("name", answers())
def test_a_result_types_keys_are_its_schemas(name):
    typed, schema = result_types().get(name), DOCUMENTED[name]
    if typed is None:
        pytest.fail(f"no TypedDict {name} in engine/*/views.py")
    assert set(typed.__required_keys__) | set(typed.__optional_keys__) == set(schema["properties"]), name
    assert set(typed.__required_keys__) == set(schema.get("required", [])), name
