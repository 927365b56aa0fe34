"""Delegating a task (委派), adding signers before or after its holder (加签) and removing one (减签)."""

from __future__ import annotations

from typing import Any

import pytest

from engine.audit.xes import LogFilter
from engine.errors import Conflict, InvalidInput, NotAllowed, UserNotFound
from engine.facade import Engine
from engine.org.people import Person
from tests.appraisal_steps import open_cycle, scores, self_assessment, task_of
from tests.engine.audit.test_audit_replay import Recorder, replayed
from tests.journey import OPERATOR, RESEARCH, decision, only_task, research_and_draft, start_plan, step

LI, WANG, ZHAO, ZHOU = Person("li.na"), Person("wang.lei"), Person("zhao.qiang"), Person("zhou.jie")


def events(engine: Engine, instance_id: int, *kinds: str) -> list[dict[str, Any]]:
    return [e for e in engine.work.history(OPERATOR, instance_id) if e["kind"] in kinds]


def open_names(engine: Engine, instance_id: int) -> list[str]:
    return sorted(t["name"] for t in engine.work.show(OPERATOR, instance_id)["open_tasks"])


def review(engine: Engine) -> tuple[int, int]:
    """A plan waiting for li.na's review, which she holds: (instance, task)."""
    plan = start_plan(engine)
    research_and_draft(engine, plan)
    task = only_task(engine, "li.na", "manager_review", plan)["id"]
    engine.work.claim(LI, task)
    return plan, task


def test_a_delegate_does_the_work_and_it_comes_back_to_the_holder_to_confirm_or_redo(engine):
    plan = start_plan(engine)
    task = only_task(engine, "wang.lei", "research", plan)["id"]
    engine.work.claim(WANG, task)
    with pytest.raises(NotAllowed):
        engine.work.show(ZHOU, plan)
    handed = engine.work.delegate(WANG, task, "zhou.jie", "请整理竞品数据")
    assert (handed["holder"], handed["acting"]) == ("wang.lei", "zhou.jie")
    assert [(s["kind"], s["user"], s["state"]) for s in handed["steps"]] == [("delegate", "zhou.jie", "pending")]
    assert only_task(engine, "zhou.jie", "research", plan)["mine"]  # in the delegate's inbox
    assert engine.work.show(ZHOU, plan)["id"] == plan  # and he may read the request
    assert any(n.kind == "delegated" for n in engine.work.notifications(ZHOU))
    with pytest.raises(Conflict):
        engine.work.complete(WANG, task, RESEARCH)  # it is with the delegate now
    with pytest.raises(Conflict):
        engine.work.unclaim(ZHOU, task)  # the delegate cannot drop it on the team
    first = {**RESEARCH, "findings": "first try"}
    done = engine.work.complete(ZHOU, task, first)
    assert done["next_tasks"] == ["research"] and open_names(engine, plan) == ["research"]  # not run: back
    back = engine.work.task(WANG, task)
    assert back["assignee"] == "wang.lei" and back["draft"] == first  # the delegate's data, filled in
    with pytest.raises(NotAllowed):
        engine.work.complete(ZHOU, task, first)  # no longer his (and not of his role)
    engine.work.delegate(WANG, task, "zhou.jie", "结论太弱，请补充")  # sent back to redo
    engine.work.complete(ZHOU, task, RESEARCH)
    final = {**RESEARCH, "trends": "changed by the holder"}
    assert engine.work.complete(WANG, task, final)["next_tasks"] == ["draft_plan"]
    delegated = events(engine, plan, "task_delegated")
    assert [e["payload"] for e in delegated] == [{"to": "zhou.jie", "reason": "请整理竞品数据"},
                                                  {"to": "zhou.jie", "reason": "结论太弱，请补充", "again": True}]
    assert [(e["actor"], e["payload"]["by"]) for e in events(engine, plan, "delegation_done")] == [
        ("zhou.jie", "zhou.jie")] * 2
    [completed] = [e for e in events(engine, plan, "task_completed") if e["task_name"] == "research"]
    assert completed["actor"] == "wang.lei" and completed["payload"]["prepared_by"] == "zhou.jie"
    assert completed["payload"]["data"] == final
    xes = "".join(engine.audit.xes_log(OPERATOR, LogFilter("market_plan")))
    assert '<string key="opsflow:prepared_by" value="zhou.jie"/>' in xes  # the export carries the move
    [ocel_event] = [e for e in engine.audit.ocel_log(OPERATOR, LogFilter("market_plan", label="id"))["events"]
                    if e["type"] == "research"]
    assert {"name": "prepared_by", "value": "zhou.jie"} in ocel_event["attributes"]


def test_signers_before_the_holder_approve_one_after_another_then_it_returns_to_the_holder(engine):
    plan, task = review(engine)
    round_ = engine.work.add_signers(LI, task, ["wang.lei", "zhao.qiang"], "before", "请先把关")
    assert round_["acting"] == "wang.lei" and round_["choices"] == ["approve", "return"]
    assert [(s["user"], s["state"]) for s in round_["steps"]] == [("wang.lei", "pending"), ("zhao.qiang", "waiting")]
    with pytest.raises(Conflict):
        engine.work.complete(LI, task, decision("approve"))
    with pytest.raises(Conflict):
        engine.work.sign(ZHAO, task, "approve")  # not his turn yet
    with pytest.raises(InvalidInput):
        engine.work.sign(WANG, task, "return")  # a return says why
    assert engine.work.sign(WANG, task, "approve", "数据可靠")["acting"] == "zhao.qiang"
    assert engine.work.sign(ZHAO, task, "approve")["acting"] == "li.na"
    assert open_names(engine, plan) == ["manager_review"]  # the model did not move
    assert engine.work.complete(LI, task, decision("approve"))["next_tasks"] == ["director_signoff"]
    signed = events(engine, plan, "task_signed")
    assert [(e["actor"], e["payload"]["position"], e["payload"]["decision"]) for e in signed] == [
        ("wang.lei", "before", "approve"), ("zhao.qiang", "before", "approve")]
    [completed] = [e for e in events(engine, plan, "task_completed") if e["task_name"] == "manager_review"]
    assert completed["payload"]["signed_before_by"] == ["wang.lei", "zhao.qiang"]
    [added] = events(engine, plan, "signers_added")
    assert added["payload"] == {"people": ["wang.lei", "zhao.qiang"], "position": "before", "reason": "请先把关"}


def test_a_signer_before_who_returns_brings_it_back_to_the_holder_at_once(engine):
    plan, task = review(engine)
    engine.work.add_signers(LI, task, ["wang.lei", "zhao.qiang"], "before", "请先把关")
    back = engine.work.sign(WANG, task, "return", "预算依据不足")
    assert back["acting"] == "li.na"
    assert [(s["user"], s["state"]) for s in back["steps"]] == [("wang.lei", "returned"), ("zhao.qiang", "skipped")]
    engine.work.complete(LI, task, decision("return", "请补充预算依据"))
    assert open_names(engine, plan) == ["draft_plan"]


def test_signers_after_the_holder_must_approve_before_the_flow_goes_on(engine):
    plan, task = review(engine)
    engine.work.add_signers(LI, task, ["zhao.qiang", "wang.lei"], "after", "重大事项联签")
    held = engine.work.complete(LI, task, decision("approve", "同意"))
    assert held["next_tasks"] == ["manager_review"] and open_names(engine, plan) == ["manager_review"]
    round_ = engine.work.approval_round(LI, task)
    assert round_["acting"] == "zhao.qiang" and round_["choices"] == ["approve", "return", "return_research"]
    engine.work.sign(ZHAO, task, "approve")
    assert open_names(engine, plan) == ["manager_review"]
    engine.work.sign(WANG, task, "approve")
    assert open_names(engine, plan) == ["director_signoff"]
    [completed] = [e for e in events(engine, plan, "task_completed") if e["task_name"] == "manager_review"]
    assert completed["actor"] == "li.na" and completed["payload"]["decision"] == "approve"
    assert completed["payload"]["signed_after_by"] == ["zhao.qiang", "wang.lei"]
    [waiting] = events(engine, plan, "awaiting_signers")
    assert waiting["payload"]["signers"] == ["zhao.qiang", "wang.lei"]


def test_a_signer_after_the_holder_who_returns_ends_the_step_with_that_decision(engine):
    plan, task = review(engine)
    engine.work.add_signers(LI, task, ["zhao.qiang", "wang.lei"], "after", "重大事项联签")
    engine.work.complete(LI, task, decision("approve"))
    engine.work.sign(ZHAO, task, "return", "渠道费用超标")
    assert open_names(engine, plan) == ["draft_plan"]  # as the step's own "return for rework" says
    [completed] = [e for e in events(engine, plan, "task_completed") if e["task_name"] == "manager_review"]
    assert completed["actor"] == "zhao.qiang" and completed["payload"]["decision"] == "return"
    assert completed["payload"]["comment"] == "渠道费用超标"
    assert completed["payload"]["on_behalf_of"] == "li.na" and completed["payload"]["overruled"] == "approve"
    assert [s["state"] for s in engine.work.approval_round(LI, task)["steps"]] == ["returned", "skipped"]
    [verdict] = engine.audit.conformance(OPERATOR, LogFilter("market_plan"))
    assert verdict.fits is True  # the log, signatures and all, still replays against the model


def test_a_holder_who_returns_does_not_wait_for_the_signers_after(engine):
    plan, task = review(engine)
    engine.work.add_signers(LI, task, ["zhao.qiang"], "after", "联签")
    with pytest.raises(Conflict):
        engine.work.unclaim(LI, task)  # the signers are hers: she removes them before giving the task away
    assert not engine.work.task(LI, task)["may_release"]
    engine.work.complete(LI, task, decision("return", "重写"))
    assert open_names(engine, plan) == ["draft_plan"]
    assert [s["state"] for s in engine.work.approval_round(LI, task)["steps"]] == ["skipped"]


def test_the_holder_removes_a_signer_who_has_not_acted(engine):
    plan, task = review(engine)
    engine.work.add_signers(LI, task, ["wang.lei", "zhao.qiang"], "before", "请先把关")
    after = engine.work.remove_signer(LI, task, "zhao.qiang", "不必了")
    assert [(s["user"], s["state"]) for s in after["steps"]] == [("wang.lei", "pending"), ("zhao.qiang", "removed")]
    with pytest.raises(InvalidInput):
        engine.work.remove_signer(LI, task, "zhou.jie")  # never added
    with pytest.raises(NotAllowed):
        engine.work.remove_signer(WANG, task, "wang.lei")  # only the holder
    assert engine.work.sign(WANG, task, "approve")["acting"] == "li.na"
    with pytest.raises(Conflict):
        engine.work.remove_signer(LI, task, "wang.lei")  # he has acted
    engine.work.add_signers(LI, task, ["zhao.qiang"], "before", "还是请看一下")
    assert engine.work.remove_signer(LI, task, "zhao.qiang")["acting"] == "li.na"  # his turn: back to her
    [first, second] = events(engine, plan, "signer_removed")
    assert first["payload"] == {"person": "zhao.qiang", "position": "before", "reason": "不必了"}
    assert second["actor"] == "li.na"


def test_removing_the_last_signer_after_lets_the_held_decision_go_on(engine):
    plan, task = review(engine)
    engine.work.add_signers(LI, task, ["zhao.qiang"], "after", "联签")
    engine.work.complete(LI, task, decision("approve"))
    engine.work.remove_signer(LI, task, "zhao.qiang")
    assert open_names(engine, plan) == ["director_signoff"]


def test_only_the_holder_hands_a_task_on_and_a_refusal_changes_nothing(engine):
    plan, task = review(engine)
    before = len(engine.work.history(OPERATOR, plan))
    with pytest.raises(NotAllowed):
        engine.work.delegate(ZHOU, task, "wu.fang", "x")
    with pytest.raises(NotAllowed):
        engine.work.add_signers(WANG, task, ["zhou.jie"], "before", "x")
    with pytest.raises(NotAllowed):
        engine.work.sign(ZHOU, task, "approve")
    with pytest.raises(UserNotFound):
        engine.work.add_signers(LI, task, ["zhou.jie", "no.such.person"], "before", "x")
    with pytest.raises(UserNotFound):
        engine.work.delegate(LI, task, "no.such.person", "x")
    with pytest.raises(InvalidInput):
        engine.work.add_signers(LI, task, ["zhou.jie"], "between", "x")
    with pytest.raises(InvalidInput):
        engine.work.delegate(LI, task, "zhou.jie", "  ")  # a reason is needed
    with pytest.raises(InvalidInput):
        engine.work.delegate(LI, task, "li.na", "x")  # not oneself
    with pytest.raises(InvalidInput):
        engine.work.add_signers(LI, task, ["he.ping"], "after", "x")  # an auditor only reads
    assert len(engine.work.history(OPERATOR, plan)) == before
    assert engine.work.approval_round(LI, task)["steps"] == []
    assert engine.work.task(LI, task)["assignee"] == "li.na"


def test_a_finished_task_is_not_handed_on(engine):
    plan = start_plan(engine)
    task = only_task(engine, "wang.lei", "research", plan)["id"]
    step(engine, "wang.lei", "research", plan, RESEARCH)
    with pytest.raises(Conflict):
        engine.work.delegate(WANG, task, "zhou.jie", "too late")
    with pytest.raises(Conflict):
        engine.work.add_signers(WANG, task, ["zhou.jie"], "after", "too late")
    with pytest.raises(NotAllowed):
        engine.work.delegate(ZHOU, task, "wu.fang", "not his")  # a stranger learns nothing
    assert open_names(engine, plan) == ["draft_plan"]


def test_on_a_form_without_a_decision_a_signer_after_returns_it_to_the_holder_and_the_others_wait(engine):
    plan = start_plan(engine)
    task = only_task(engine, "wang.lei", "research", plan)["id"]
    engine.work.add_signers(WANG, task, ["zhou.jie", "wu.fang"], "after", "请复核")  # holds it by doing so
    assert engine.work.approval_round(WANG, task)["holder"] == "wang.lei"
    engine.work.complete(WANG, task, RESEARCH)
    assert engine.work.approval_round(WANG, task)["choices"] == ["approve", "return"]
    back = engine.work.sign(ZHOU, task, "return", "数据来源不清")
    assert back["acting"] == "wang.lei" and [s["state"] for s in back["steps"]] == ["returned", "waiting"]
    assert open_names(engine, plan) == ["research"]
    engine.work.complete(WANG, task, {**RESEARCH, "findings": "sources named"})  # asks the one still waiting
    assert engine.work.approval_round(WANG, task)["acting"] == "wu.fang"
    engine.work.sign(Person("wu.fang"), task, "approve")
    assert open_names(engine, plan) == ["draft_plan"]
    [completed] = [e for e in events(engine, plan, "task_completed") if e["task_name"] == "research"]
    assert completed["payload"]["data"]["findings"] == "sources named"
    assert completed["payload"]["signed_after_by"] == ["wu.fang"]


def test_a_delegate_and_signers_after_in_one_step(engine):
    plan, task = review(engine)
    engine.work.add_signers(LI, task, ["zhao.qiang"], "after", "联签")
    engine.work.delegate(LI, task, "zhou.jie", "请先起草意见")
    engine.work.complete(ZHOU, task, decision("approve", "建议批准"))
    assert engine.work.task(LI, task)["draft"] == decision("approve", "建议批准")
    engine.work.complete(LI, task, decision("approve", "同意"))
    engine.work.sign(ZHAO, task, "approve")
    [completed] = [e for e in events(engine, plan, "task_completed") if e["task_name"] == "manager_review"]
    assert completed["payload"]["prepared_by"] == "zhou.jie"
    assert completed["payload"]["signed_after_by"] == ["zhao.qiang"]
    assert completed["payload"]["comment"] == "同意"


def test_every_step_of_handing_on_replays_from_the_log_with_who_held_the_task(engine):
    r = Recorder(engine)
    r.start(lambda: start_plan(engine))
    task = only_task(engine, "wang.lei", "research", r.instance_id)["id"]
    r.do(lambda: engine.work.delegate(WANG, task, "zhou.jie", "请整理"))
    r.do(lambda: engine.work.complete(ZHOU, task, RESEARCH))
    r.do(lambda: engine.work.add_signers(WANG, task, ["zhou.jie", "wu.fang", "zhao.qiang"], "before", "把关"))
    r.do(lambda: engine.work.sign(ZHOU, task, "approve"))
    r.do(lambda: engine.work.remove_signer(WANG, task, "wu.fang"))  # her turn: on to zhao.qiang
    r.do(lambda: engine.work.sign(ZHAO, task, "return", "再看看"))
    r.do(lambda: engine.work.add_signers(WANG, task, ["zhou.jie"], "after", "复核"))
    r.do(lambda: engine.work.complete(WANG, task, RESEARCH))
    r.do(lambda: engine.work.sign(ZHOU, task, "approve"))
    assert [s["open"][0][2] for s in r.states[1:]] == [  # who held it after each step; then draft_plan, unclaimed
        "zhou.jie", "wang.lei", "zhou.jie", "wu.fang", "zhao.qiang", "wang.lei", "wang.lei", "zhou.jie", None]
    for number, expected in enumerate(r.states, start=1):
        assert replayed(engine.audit.replay(Person("he.ping"), r.instance_id, number)) == expected, f"step {number}"


def test_signers_after_follow_what_the_step_calls_approving(engine):
    """A calibration confirms (its form's reason-free decision): the signers after are asked; adjusting is theirs
    to choose instead of approving."""
    open_cycle(engine)
    engine.work.complete(ZHOU, task_of(engine, "zhou.jie", "self_assessment", "zhou.jie")["id"],
                         self_assessment(4, 4, 5, 3))
    engine.work.complete(WANG, task_of(engine, "wang.lei", "manager_scoring", "zhou.jie")["id"], scores(4, 4, 4, 3))
    calibration = task_of(engine, "li.na", "calibration", "zhou.jie")
    engine.work.claim(LI, calibration["id"])
    engine.work.add_signers(LI, calibration["id"], ["chen.yu"], "after", "请总监确认")
    engine.work.complete(LI, calibration["id"], {"decision": "confirm"})
    assert engine.work.approval_round(LI, calibration["id"])["choices"] == ["approve", "adjust"]
    engine.work.sign(Person("chen.yu"), calibration["id"], "approve")
    assert open_names(engine, calibration["instance_id"]) == ["acknowledge"]
