"""The work area's results against the API's documentation: each TypedDict named like a component has its keys."""

from __future__ import annotations

import dataclasses
import inspect
from typing import get_type_hints, is_typeddict

from engine.runtime import views
from engine.scheduling import views as scheduling_views
from webui.api.schemas import COMPONENTS

# What the work area's routes answer with (webui/api/tasks.py, instances.py, definitions.py).
SENT = {"Task", "TaskDetail", "OpenTask", "Instance", "InstanceDetail", "HistoryEvent", "Comment", "ProcessDefinition",
        "Assignment", "Completion", "ReturnTarget", "ReturnTargets", "Returned"}


def typed_dicts() -> dict[str, type]:
    return {name: kind for name, kind in vars(views).items() if inspect.isclass(kind) and is_typeddict(kind)}


def test_every_component_the_work_routes_send_has_its_typed_dict():
    assert SENT - typed_dicts().keys() == set()


def test_a_typed_dict_named_like_a_component_has_exactly_its_properties_all_required():
    for name, kind in typed_dicts().items():
        if name not in COMPONENTS:
            continue
        schema = COMPONENTS[name]
        assert set(kind.__required_keys__) | set(kind.__optional_keys__) == set(schema["properties"]), name
        assert set(kind.__required_keys__) == set(schema["required"]), name


def test_nested_documents_agree_too():
    assert get_type_hints(views.Instance)["open_tasks"] == list[views.OpenTask]
    rounds = COMPONENTS["TaskDetail"]["properties"]["rework_rounds"]["properties"]
    assert set(views.ReworkRounds.__required_keys__) == set(rounds)
    countersign = COMPONENTS["TaskDetail"]["properties"]["countersign"]
    assert set(views.CountersignRound.__required_keys__) == set(countersign["required"])
    member = countersign["properties"]["members"]["items"]
    assert set(views.RoundMember.__required_keys__) == set(member["required"]) == set(member["properties"])


def test_what_no_component_documents_is_a_frozen_dataclass():
    for module in (views, scheduling_views):
        for name, kind in vars(module).items():
            if inspect.isclass(kind) and kind.__module__ == module.__name__ and not is_typeddict(kind):
                assert name not in COMPONENTS, name
                assert dataclasses.is_dataclass(kind) and kind.__dataclass_params__.frozen, name
                assert hasattr(kind, "__slots__"), name
