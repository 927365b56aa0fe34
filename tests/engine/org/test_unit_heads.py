"""Steps for the head of a unit (``assignee`` = ``starter_unit_head``, ``unit_head:<key>``,
``unit_head:${data.path}``): the right person gets the task, a head's own request goes to the head above, a
unit without a head passes the step up, and what names no unit is refused at deploy or stops the step cleanly."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import DeploymentRejected, ProcessError
from engine.org.people import Operator, Person
from engine.org.units import UnitSpec
from tests.engine.runtime.test_instance_state import deploy_from
from tests.journey import OPERATOR, decision

FIXTURES = Path(__file__).parents[2] / "fixtures" / "unit_heads"


def _deploy(engine, tmp_path: Path | None = None, replace: tuple[str, str] | None = None) -> None:
    bpmn = FIXTURES / "unit_heads.bpmn"
    if replace is not None and tmp_path is not None:
        changed = tmp_path / "unit_heads.bpmn"
        changed.write_text(bpmn.read_text(encoding="utf-8").replace(*replace), encoding="utf-8")
        bpmn = changed
    deploy_from(engine, bpmn, FIXTURES / "forms")


def _holder(engine, instance: int) -> tuple[str, str]:
    [task] = engine.work.show(OPERATOR, instance)["open_tasks"]
    return task["name"], str(task["assignee"])


def _approve(engine, instance: int) -> None:
    _step, holder = _holder(engine, instance)
    [task] = [t for t in engine.work.tasks(Person(holder)) if t["instance_id"] == instance]
    engine.work.complete(Person(holder), task["id"], decision("approve"))


def test_each_step_goes_to_the_head_it_names(engine):
    _deploy(engine)
    instance = int(engine.work.start(Person("tang.li"), "unit_heads", {"subject": "Meter", "section": "dispatch"}).id)
    assert _holder(engine, instance) == ("own_head", "pan.yong")  # tang.li is in supply
    _approve(engine, instance)
    assert _holder(engine, instance) == ("section_head", "xu.tao")  # the section the start form named
    _approve(engine, instance)
    assert _holder(engine, instance) == ("safety_head", "jiang.hai")
    _approve(engine, instance)
    assert engine.work.show(OPERATOR, instance)["status"] == "completed"


def test_a_heads_own_request_goes_to_the_head_above_and_a_unit_without_head_passes_it_up(engine):
    _deploy(engine)
    mine = int(engine.work.start(Person("pan.yong"), "unit_heads", {"subject": "Pipes", "section": "supply"}).id)
    assert _holder(engine, mine) == ("own_head", "chen.yu")  # he heads supply: operations' head takes it
    engine.org.change_unit(Operator("test"), "dispatch", UnitSpec(head=""))
    other = int(engine.work.start(Person("tang.li"), "unit_heads", {"subject": "Valves", "section": "dispatch"}).id)
    _approve(engine, other)
    assert _holder(engine, other) == ("section_head", "chen.yu")  # dispatch has no head now


def test_a_section_the_organisation_lacks_stops_the_step_and_changes_nothing(engine):
    _deploy(engine)
    instance = int(engine.work.start(Person("tang.li"), "unit_heads", {"subject": "X", "section": "nowhere"}).id)
    before = engine.work.history(OPERATOR, instance)
    [task] = [t for t in engine.work.tasks(Person("pan.yong")) if t["instance_id"] == instance]
    with pytest.raises(ProcessError, match="head of unit 'nowhere', which is not a unit"):
        engine.work.complete(Person("pan.yong"), task["id"], decision("approve"))
    assert engine.work.history(OPERATOR, instance) == before
    assert _holder(engine, instance) == ("own_head", "pan.yong")


def test_the_deploy_check_refuses_a_malformed_head_rule(engine, tmp_path):
    with pytest.raises(DeploymentRejected) as refused:
        _deploy(engine, tmp_path, ('value="unit_head:safety"', 'value="unit_head:${not a path}"'))
    assert any("must be starter_unit_head, unit_head:<unit key> or unit_head:${data.path}" in problem
               for problem in refused.value.problems)


def test_a_unit_not_set_up_yet_deploys_and_stops_the_step_that_reaches_it(engine, tmp_path):
    """A pack may come before its units: a warning at deploy, a clear stop at the step."""
    _deploy(engine, tmp_path, ('value="unit_head:safety"', 'value="unit_head:nowhere"'))
    instance = int(engine.work.start(Person("tang.li"), "unit_heads", {"subject": "Meter", "section": "dispatch"}).id)
    _approve(engine, instance)
    with pytest.raises(ProcessError, match="head of unit 'nowhere', which is not a unit"):
        _approve(engine, instance)
