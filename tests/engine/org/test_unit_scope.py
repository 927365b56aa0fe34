"""Steps for a role within one unit (同部门, ``unitScope``): only the role's holders in that unit or one below it
see, claim, get told of and are given such a step; the step's unit is the starter's, one the data names, or one
by key; what names no unit is refused at deploy or stops the step cleanly."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import DeploymentRejected, InvalidInput, NotAllowed, ProcessError
from engine.org.people import Operator, Person
from engine.org.staffing import PersonSpec
from engine.org.units import UnitSpec
from tests.engine.runtime.test_instance_state import deploy_from
from tests.journey import OPERATOR

FIXTURES = Path(__file__).parents[2] / "fixtures" / "unit_scope"
SUPPLY, DISPATCH, SAFETY, MARKETING = ("tang.li", "han.mei"), ("cao.jun", "luo.qing"), ("hu.bin", "lin.xue"), \
    ("zhou.jie", "wu.fang")


def _deploy(engine, tmp_path: Path | None = None, replace: tuple[str, str] | None = None) -> None:
    bpmn = FIXTURES / "unit_scope.bpmn"
    if replace is not None and tmp_path is not None:
        changed = tmp_path / "unit_scope.bpmn"
        changed.write_text(bpmn.read_text(encoding="utf-8").replace(*replace), encoding="utf-8")
        bpmn = changed
    deploy_from(engine, bpmn, FIXTURES / "forms")


def _start(engine, who: str = "tang.li", section: str = "dispatch") -> int:
    return int(engine.work.start(Person(who), "unit_scope", {"subject": "Meters", "section": section}).id)


def _queue(engine, who: str, instance: int) -> list[int]:
    return [t["id"] for t in engine.work.tasks(Person(who)) if t["instance_id"] == instance]


def _told(engine, instance: int) -> set[str]:
    people = {*SUPPLY, *DISPATCH, *SAFETY, *MARKETING}
    return {p for p in people if any(n.instance_id == instance and n.kind == "new_task"
                                     for n in engine.work.notifications(Person(p)))}


def test_only_the_units_holders_see_claim_and_are_told(engine):
    _deploy(engine)
    instance = _start(engine)
    [task] = _queue(engine, "han.mei", instance)  # the starter's section: supply
    assert all(_queue(engine, who, instance) == [] for who in (*DISPATCH, *SAFETY, *MARKETING))
    assert _told(engine, instance) == set(SUPPLY)
    with pytest.raises(NotAllowed):
        engine.work.claim(Person("hu.bin"), task)
    with pytest.raises(NotAllowed):
        engine.work.complete(Person("zhou.jie"), task, {"note": "not mine"})
    engine.work.complete(Person("han.mei"), task, {"note": "ok"})
    [task] = _queue(engine, "cao.jun", instance)  # the section the start form named
    assert _queue(engine, "han.mei", instance) == [] and _queue(engine, "lin.xue", instance) == []
    engine.work.complete(Person("luo.qing"), task, {})
    [task] = _queue(engine, "lin.xue", instance)  # safety, by key
    assert engine.work.show(Person("lin.xue"), instance)["id"] == instance
    with pytest.raises(NotAllowed):
        engine.work.show(Person("zhou.jie"), instance)  # marketing staff: no step of theirs here
    engine.work.complete(Person("hu.bin"), task, {})
    assert engine.work.show(OPERATOR, instance)["status"] == "completed"


def test_a_unit_below_shares_the_step_and_nobody_outside_is_given_it(engine):
    _deploy(engine)
    engine.org.add_unit(Operator("test"), "metering", UnitSpec("计量班", "Metering Team", "supply"))
    engine.org.add_person(Operator("test"), "ma.jun", PersonSpec("马骏", None, None, ["staff"], "pan.yong",
                                                                  "metering"))
    instance = _start(engine)
    [task] = _queue(engine, "ma.jun", instance)  # metering is inside supply
    with pytest.raises(InvalidInput, match=r"within one unit; hu\.bin is not in it"):
        engine.work.assign(Person("zhao.qiang"), task, "hu.bin")  # above both sections


def test_a_section_the_organisation_lacks_stops_the_step_and_changes_nothing(engine):
    _deploy(engine)
    instance = _start(engine, section="nowhere")
    [task] = _queue(engine, "han.mei", instance)
    before = engine.work.history(OPERATOR, instance)
    with pytest.raises(ProcessError, match="for its role within unit 'nowhere', which is not a unit"):
        engine.work.complete(Person("han.mei"), task, {})
    assert engine.work.history(OPERATOR, instance) == before and _queue(engine, "han.mei", instance) == [task]


def test_a_unit_without_holders_of_the_role_follows_the_no_holder_rule(engine):
    _deploy(engine)
    instance = _start(engine, section="operations")  # its sections are below it: their staff share the step
    engine.work.complete(Person("han.mei"), _queue(engine, "han.mei", instance)[0], {})
    assert _queue(engine, "cao.jun", instance) and _queue(engine, "lin.xue", instance)
    engine.org.add_unit(Operator("test"), "archive", UnitSpec("档案室", "Archive", "operations"))
    instance = _start(engine, section="archive")  # nobody works there yet
    engine.work.complete(Person("han.mei"), _queue(engine, "han.mei", instance)[0], {})
    [step] = engine.work.show(OPERATOR, instance)["open_tasks"]
    assert (step["name"], step["assignee"]) == ("named_section", "admin")  # whenNoHolder: the admins
    assert _queue(engine, "cao.jun", instance) == []


def test_the_deploy_check_refuses_a_malformed_scope(engine, tmp_path):
    with pytest.raises(DeploymentRejected) as refused:
        _deploy(engine, tmp_path, ('value="safety" />', 'value="${not a path}" />'))
    assert any("must be starter_unit, a unit key or ${data.path}" in p for p in refused.value.problems)


def test_a_unit_not_set_up_yet_deploys_and_stops_the_step_that_reaches_it(engine, tmp_path):
    _deploy(engine, tmp_path, ('value="safety" />', 'value="nowhere" />'))
    instance = _start(engine)
    engine.work.complete(Person("han.mei"), _queue(engine, "han.mei", instance)[0], {})
    with pytest.raises(ProcessError, match="within unit 'nowhere', which is not a unit"):
        engine.work.complete(Person("cao.jun"), _queue(engine, "cao.jun", instance)[0], {})
