"""Separation of duties (``notCompletedBy``) at deploy: it must name another user task of the same process."""

from __future__ import annotations

import dataclasses

import pytest

from engine.definitions.deploy_check import inspect_bundle
from engine.definitions.packs import pack_bundles, read_pack
from tests.packs.support import PACKS

ROLES = {"staff", "hazard_rectifier", "safety_head"}
RELATIONSHIPS = frozenset({"hazard_rectifier"})
PROPERTY = '<spiffworkflow:property name="notCompletedBy" value="rectify" />'


def hazard_with(replacement: str, where: str = PROPERTY) -> list[str]:
    [bundle] = pack_bundles(read_pack(PACKS / "hazard"))
    xml = bundle.bpmn.decode("utf-8")
    assert where in xml
    checked = inspect_bundle(dataclasses.replace(bundle, bpmn=xml.replace(where, replacement, 1).encode("utf-8")),
                             ROLES, RELATIONSHIPS)
    return [str(p) for p in checked.errors]


def test_the_shipped_rule_passes():
    assert hazard_with(PROPERTY) == []


@pytest.mark.parametrize("value", ["inspect", "reinspect", "hazard_closed", "rectification_deadline"])
def test_a_rule_naming_no_other_user_task_is_refused(value):
    errors = hazard_with(f'<spiffworkflow:property name="notCompletedBy" value="{value}" />')
    assert errors == [f"user task 'reinspect': notCompletedBy {value!r} must name other user tasks of the same "
                      "process, or starter"]


def test_a_rule_may_list_steps_and_the_starter_and_each_name_is_checked():
    assert hazard_with('<spiffworkflow:property name="notCompletedBy" value="rectify, starter,rectify" />') == []
    errors = hazard_with('<spiffworkflow:property name="notCompletedBy" value="rectify,starters,reinspect" />')
    assert errors == [
        "user task 'reinspect': notCompletedBy 'starters' must name other user tasks of the same process, or starter",
        "user task 'reinspect': notCompletedBy 'reinspect' must name other user tasks of the same process, or starter"]


def test_the_rule_is_read_on_user_tasks_only():
    start = '<spiffworkflow:property name="titleZh" value="检查发现隐患并登记" />'
    errors = hazard_with(start + PROPERTY, start)
    assert errors == ["hazard_recorded: notCompletedBy is read on plain user tasks only (not on a countersign)"]
