"""The audit area's result types against the OpenAPI schemas the API documents them with.

A TypedDict named like a component has exactly the component's properties, all required as the schema
says; the parts the schemas describe inline have TypedDicts of their own, checked here against those parts.
A property that refers to another component is typed with that component's TypedDict.
"""

from __future__ import annotations

import typing
from typing import Any, is_typeddict

import pytest

from engine.audit import views
from webui.api.audit_schemas import AUDIT_COMPONENTS
from webui.api.schemas import COMPONENTS

SCHEMAS = {**COMPONENTS, **AUDIT_COMPONENTS}
TYPED_DICTS = {name: value for name, value in vars(views).items()
               if is_typeddict(value) and value.__module__ == views.__name__}


def _property(component: str, *path: str) -> dict[str, Any]:
    schema = SCHEMAS[component]
    for step in path:
        schema = schema[step]
    return schema


INLINE = {  # a TypedDict for a part of a component the schemas describe inline
    "TaskTitles": ("AuditView", "properties", "tasks", "additionalProperties"),
    "IntegrityCheckpoint": ("Integrity", "properties", "checkpoint"),
    "IntegrityProblem": ("Integrity", "properties", "problems", "items"),
    "HeatTimes": ("HeatElement", "properties", "times"),
    "HeatFlow": ("Heatmap", "properties", "flows", "items"),
    "HeatGateway": ("Heatmap", "properties", "gateways", "items"),
    "GatewayWay": ("Heatmap", "properties", "gateways", "items", "properties", "paths", "items"),
}


def schema_of(name: str) -> dict[str, Any]:
    return SCHEMAS[name] if name in SCHEMAS else _property(*INLINE[name])


def test_every_typed_dict_of_the_area_is_a_component_or_a_documented_part_of_one():
    assert set(TYPED_DICTS) == {name for name in TYPED_DICTS if name in SCHEMAS} | set(INLINE)
    assert {"AuditView", "AuditPage", "Replay", "Heatmap", "AccessPage", "Integrity"} <= set(TYPED_DICTS)


@pytest.mark.parametrize("name", sorted(TYPED_DICTS))
def test_the_keys_are_the_schemas_properties(name):
    typed, schema = TYPED_DICTS[name], schema_of(name)
    assert set(typed.__annotations__) == set(schema["properties"])
    assert typed.__required_keys__ == frozenset(schema.get("required", []))


@pytest.mark.parametrize("name", sorted(TYPED_DICTS))
def test_a_property_that_refers_to_a_component_is_typed_with_it(name):
    hints = typing.get_type_hints(TYPED_DICTS[name])
    for key, schema in schema_of(name)["properties"].items():
        ref = schema.get("$ref") or schema.get("items", {}).get("$ref")
        if ref:
            component = ref.rsplit("/", 1)[1]
            assert TYPED_DICTS[component] in (hints[key], *typing.get_args(hints[key])), (name, key)


def test_the_instance_view_carries_the_verified_badge():
    assert SCHEMAS["AuditView"]["properties"]["integrity"] == {"$ref": "#/components/schemas/Integrity"}
    assert typing.get_type_hints(views.AuditView)["integrity"] is views.Integrity
