"""Countersign rounds (会签 / 或签 / 票签 / 依次): one task per person, the round ended by its rule, the
tasks left open closed (not lost, not completable), every decision on the history, the round on each
task's page. The models are tests/fixtures/countersign/*.bpmn; the people come from the start form."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from engine.errors import Conflict, InvalidInput, NotAllowed, ProcessError
from engine.org.people import Person
from tests.engine.runtime.test_instance_state import deploy_from
from tests.journey import OPERATOR, chains, decision

FIXTURES = Path(__file__).parents[2] / "fixtures" / "countersign"
SIGNERS = ["zhou.jie", "wu.fang", "zheng.hui"]


def start(engine, key: str, signers: list[str] | None = None) -> int:
    deploy_from(engine, FIXTURES / f"{key}.bpmn", FIXTURES / "forms")
    return int(engine.work.start(Person("feng.yi"), key, {"subject": "A new printer",
                                                          "signers": signers or SIGNERS}).id)


def round_tasks(engine, instance: int) -> dict[str, int]:
    """Each signer's open task of the round: username -> task id (only theirs, in their own inbox)."""
    found = {}
    for username in SIGNERS:
        mine = [t for t in engine.work.tasks(Person(username)) if t["instance_id"] == instance]
        assert len(mine) <= 1
        if mine:
            assert mine[0]["name"] == "sign" and mine[0]["assignee"] == username
            found[username] = mine[0]["id"]
    return found


def sign(engine, username: str, task_id: int, value: str, comment: str = "") -> None:
    engine.work.complete(Person(username), task_id, decision(value, comment))


def events(engine, instance: int, kind: str) -> list[dict]:
    return [e for e in engine.work.history(OPERATOR, instance) if e["kind"] == kind]


def the_round(engine, username: str, task_id: int) -> dict:
    shown = engine.work.task(Person(username), task_id)["countersign"]
    assert shown is not None
    return {m["username"]: (m["state"], m["decision"]) for m in shown["members"]}


def test_all_must_approve_each_person_has_a_task_and_every_decision_is_recorded(engine):
    instance = start(engine, "countersign_all")
    tasks = round_tasks(engine, instance)
    assert sorted(tasks) == sorted(SIGNERS)  # one task each, each in their own inbox
    [started] = events(engine, instance, "countersign_started")
    assert started["payload"]["members"] == SIGNERS and started["payload"]["sequential"] is False
    assert [e["payload"]["for"] for e in events(engine, instance, "task_created")] == SIGNERS
    sign(engine, "zhou.jie", tasks["zhou.jie"], "approve")
    assert the_round(engine, "wu.fang", tasks["wu.fang"]) == {
        "zhou.jie": ("completed", "approve"), "wu.fang": ("open", None), "zheng.hui": ("open", None)}
    assert engine.work.show(OPERATOR, instance)["status"] == "running"  # all must decide
    sign(engine, "wu.fang", tasks["wu.fang"], "approve", "同意")
    sign(engine, "zheng.hui", tasks["zheng.hui"], "approve")
    shown = engine.work.show(OPERATOR, instance)
    assert (shown["status"], shown["end_event"]) == ("completed", "approved")
    [ended] = events(engine, instance, "countersign_ended")
    assert ended["payload"]["decided"] == [{"by": u, "decision": "approve"} for u in SIGNERS]
    assert ended["payload"]["closed"] == []
    done = [(e["actor"], e["payload"]["decision"]) for e in events(engine, instance, "task_completed")]
    assert done == [(u, "approve") for u in SIGNERS]
    assert chains(engine, instance) == (1, [])


def test_a_veto_ends_the_round_and_the_task_left_open_is_closed_not_lost(engine):
    instance = start(engine, "countersign_all")
    tasks = round_tasks(engine, instance)
    sign(engine, "zhou.jie", tasks["zhou.jie"], "approve")
    sign(engine, "wu.fang", tasks["wu.fang"], "veto", "太贵了")
    shown = engine.work.show(OPERATOR, instance)
    assert (shown["status"], shown["end_event"]) == ("completed", "rejected")
    assert round_tasks(engine, instance) == {}  # gone from zheng.hui's inbox...
    with pytest.raises(Conflict):  # ... and not completable
        sign(engine, "zheng.hui", tasks["zheng.hui"], "approve")
    assert the_round(engine, "zheng.hui", tasks["zheng.hui"]) == {  # he still sees what happened
        "zhou.jie": ("completed", "approve"), "wu.fang": ("completed", "veto"), "zheng.hui": ("closed", None)}
    [ended] = events(engine, instance, "countersign_ended")
    assert ended["payload"]["closed"] == ["zheng.hui"]
    [told] = [n for n in engine.work.notifications(Person("zheng.hui")) if n.kind == "round_closed"]
    assert told.instance_id == instance and "Countersign ended: 会签 · Sign off" in told.subject
    assert not [n for n in engine.work.notifications(Person("zhou.jie")) if n.kind == "round_closed"]  # decided
    assert ended["payload"]["decided"] == [{"by": "zhou.jie", "decision": "approve"},
                                           {"by": "wu.fang", "decision": "veto"}]


def test_any_one_decides_for_all(engine):
    instance = start(engine, "countersign_any")
    tasks = round_tasks(engine, instance)
    sign(engine, "wu.fang", tasks["wu.fang"], "approve")
    shown = engine.work.show(OPERATOR, instance)
    assert (shown["status"], shown["end_event"]) == ("completed", "approved")
    [ended] = events(engine, instance, "countersign_ended")
    assert ended["payload"]["closed"] == ["zhou.jie", "zheng.hui"]
    assert the_round(engine, "zhou.jie", tasks["zhou.jie"])["zhou.jie"] == ("closed", None)


def test_two_of_three_approvals_carry_it_without_the_third(engine):
    instance = start(engine, "countersign_two_of_three")
    tasks = round_tasks(engine, instance)
    sign(engine, "zhou.jie", tasks["zhou.jie"], "approve")
    sign(engine, "wu.fang", tasks["wu.fang"], "return", "需补充报价")  # not a veto: the round goes on
    assert engine.work.show(OPERATOR, instance)["status"] == "running"
    sign(engine, "zheng.hui", tasks["zheng.hui"], "approve")
    assert engine.work.show(OPERATOR, instance)["end_event"] == "approved"

    second = start(engine, "countersign_two_of_three")
    tasks = round_tasks(engine, second)
    sign(engine, "zheng.hui", tasks["zheng.hui"], "approve")
    sign(engine, "zhou.jie", tasks["zhou.jie"], "approve")
    assert engine.work.show(OPERATOR, second)["end_event"] == "approved"
    [ended] = events(engine, second, "countersign_ended")
    assert ended["payload"]["closed"] == ["wu.fang"]


def test_in_turn_asks_one_person_after_another_and_a_veto_stops_the_queue(engine):
    instance = start(engine, "countersign_in_turn")
    assert list(round_tasks(engine, instance)) == ["zhou.jie"]
    first = round_tasks(engine, instance)["zhou.jie"]
    assert the_round(engine, "zhou.jie", first) == {
        "zhou.jie": ("open", None), "wu.fang": ("waiting", None), "zheng.hui": ("waiting", None)}
    sign(engine, "zhou.jie", first, "approve")
    second = round_tasks(engine, instance)
    assert list(second) == ["wu.fang"]
    sign(engine, "wu.fang", second["wu.fang"], "veto", "不合规")
    assert engine.work.show(OPERATOR, instance)["end_event"] == "rejected"
    assert the_round(engine, "zhou.jie", first) == {
        "zhou.jie": ("completed", "approve"), "wu.fang": ("completed", "veto"), "zheng.hui": ("skipped", None)}


def test_a_round_task_is_its_persons_own(engine):
    instance = start(engine, "countersign_all")
    tasks = round_tasks(engine, instance)
    with pytest.raises(NotAllowed):  # not released to the role for another to take
        engine.work.unclaim(Person("zhou.jie"), tasks["zhou.jie"])
    with pytest.raises(InvalidInput):  # nor handed to someone else
        engine.work.assign(Person("wang.lei"), tasks["zhou.jie"], "wu.fang")
    with pytest.raises(Conflict):  # nor done by another signer
        sign(engine, "wu.fang", tasks["zhou.jie"], "approve")
    assert engine.work.task(Person("zhou.jie"), tasks["zhou.jie"])["may_release"] is False


def test_a_person_the_round_names_who_does_not_exist_is_refused_with_nothing_started(engine):
    deploy_from(engine, FIXTURES / "countersign_all.bpmn", FIXTURES / "forms")
    before = len(engine.work.instances(Person("feng.yi")))
    with pytest.raises(ProcessError, match=r"no\.such\.person"):
        engine.work.start(Person("feng.yi"), "countersign_all", {"subject": "x", "signers": ["no.such.person"]})
    assert len(engine.work.instances(Person("feng.yi"))) == before


def test_a_round_of_a_roles_holders_and_one_of_nobody_or_someone_twice(engine):
    deploy_from(engine, FIXTURES / "countersign_by_role.bpmn", FIXTURES / "forms")
    staff = engine.work.start(Person("feng.yi"), "countersign_by_role", {"subject": "x", "role": "staff"}).id
    [started] = events(engine, staff, "countersign_started")
    assert started["payload"]["members"] == sorted([  # from the org chart: marketing's and the four sections' staff
        "feng.yi", "wu.fang", "zheng.hui", "zhou.jie", "tang.li", "han.mei", "cao.jun", "luo.qing", "hu.bin",
        "lin.xue", "yang.fan", "guo.lin"])
    before = len(engine.work.instances(Person("feng.yi")))
    with pytest.raises(ProcessError, match="names nobody"):  # an empty round must not approve by itself
        engine.work.start(Person("feng.yi"), "countersign_by_role", {"subject": "x", "role": "calibrator"})
    deploy_from(engine, FIXTURES / "countersign_all.bpmn", FIXTURES / "forms")
    with pytest.raises(ProcessError, match=r"zhou\.jie more than once"):
        engine.work.start(Person("feng.yi"), "countersign_all", {"subject": "x", "signers": ["zhou.jie", "zhou.jie"]})
    assert len(engine.work.instances(Person("feng.yi"))) == before


def test_two_signers_deciding_at_the_same_moment_one_waits_for_the_other_nothing_lost(engine):
    instance = start(engine, "countersign_two_of_three")
    tasks = round_tasks(engine, instance)
    barrier = threading.Barrier(2, timeout=30)
    original = engine.collaborators.runner.advance

    def advance_after_both_loaded(*args, **kwargs):
        barrier.wait()
        return original(*args, **kwargs)

    engine.collaborators.runner.advance = advance_after_both_loaded
    outcomes: dict[str, str] = {}

    def decide(username: str) -> None:
        try:
            sign(engine, username, tasks[username], "approve")
            outcomes[username] = "won"
        except Conflict:
            outcomes[username] = "conflict"

    racers = [threading.Thread(target=decide, args=(u,)) for u in ("zhou.jie", "wu.fang")]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join(60)
    engine.collaborators.runner.advance = original
    assert sorted(outcomes.values()) == ["conflict", "won"], outcomes  # the instance moved under the second
    [loser] = [u for u, o in outcomes.items() if o == "conflict"]
    assert engine.work.task(OPERATOR, tasks[loser])["state"] == "open"  # nothing of the loser's stored
    sign(engine, loser, tasks[loser], "approve")  # sent again, it counts: two of three carry it
    assert engine.work.show(OPERATOR, instance)["end_event"] == "approved"
    assert sorted(e["actor"] for e in events(engine, instance, "task_completed")) == ["wu.fang", "zhou.jie"]
    assert chains(engine, instance) == (1, [])
