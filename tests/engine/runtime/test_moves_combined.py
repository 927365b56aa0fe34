"""The moves of issue 19 combined: what one move does to a task another move is under way on. Each case says the
behaviour it expects; no task is lost, none ends where nobody can see it, and the history names what happened.
On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from engine.errors import Conflict, InvalidInput, TooSoon
from engine.facade import Engine
from engine.org.absences import china_today
from engine.org.people import Person
from tests.approver_rules import deploy_market_plan, move_role
from tests.journey import (
    DRAFT,
    OPERATOR,
    RESEARCH,
    decision,
    only_task,
    research_and_draft,
    start_plan,
    step,
)

LI, WANG, ZHOU, WU = Person("li.na"), Person("wang.lei"), Person("zhou.jie"), Person("wu.fang")


def kinds(engine: Engine, instance_id: int, *wanted: str) -> list[dict[str, Any]]:
    return [e for e in engine.work.history(OPERATOR, instance_id) if e["kind"] in wanted]


def open_tasks(engine: Engine, instance_id: int) -> list[tuple[str, str | None]]:
    return sorted((t["name"], t["assignee"]) for t in engine.work.show(OPERATOR, instance_id)["open_tasks"])


def held_review(engine: Engine) -> tuple[int, int]:
    """A plan waiting for li.na's review, which she holds: (instance, task)."""
    plan = start_plan(engine)
    research_and_draft(engine, plan)
    task = only_task(engine, "li.na", "manager_review", plan)["id"]
    engine.work.claim(LI, task)
    return plan, task


# -- delegate to someone out of office ------------------------------------------------------------------------
def test_a_delegation_to_someone_away_is_refused_naming_their_proxy_and_changes_nothing(demo, clock):
    """委派 + 代理: a delegate who is away today would sit on the work; the holder is told so (with the dates and the
    proxy) and chooses again; the delegation may go to the proxy. Someone away from tomorrow may still be asked."""
    plan = start_plan(demo)
    research = only_task(demo, "wang.lei", "research", plan)["id"]
    demo.work.claim(WANG, research)
    today = china_today(clock())
    demo.org.set_away(ZHOU, today, today + timedelta(days=2), "wu.fang")
    with pytest.raises(InvalidInput, match=r"zhou\.jie is away .* wu\.fang"):
        demo.work.delegate(WANG, research, "zhou.jie", "请整理竞品数据")
    with pytest.raises(InvalidInput, match=r"zhou\.jie is away"):
        demo.work.add_signers(WANG, research, ["zhou.jie"], "after", "请把关")
    assert demo.work.approval_round(WANG, research)["steps"] == []
    assert kinds(demo, plan, "task_delegated", "signers_added") == []
    assert demo.work.task(WANG, research)["assignee"] == "wang.lei"
    handed = demo.work.delegate(WANG, research, "wu.fang", "周杰请假，请吴芳整理")  # his proxy is in
    assert (handed["holder"], handed["acting"]) == ("wang.lei", "wu.fang")
    demo.work.complete(WU, research, RESEARCH)
    assert demo.work.complete(WANG, research, RESEARCH)["next_tasks"] == ["draft_plan"]
    later = start_plan(demo)
    task = only_task(demo, "wang.lei", "research", later)["id"]
    demo.work.claim(WANG, task)
    demo.org.set_away(ZHOU, today + timedelta(days=1), today + timedelta(days=2), "wu.fang")
    assert demo.work.delegate(WANG, task, "zhou.jie", "今天还在")["acting"] == "zhou.jie"  # away only from tomorrow


# -- transfer during an added-signer round ---------------------------------------------------------------------
def test_a_task_with_a_signer_before_is_not_transferred_until_it_is_back_with_its_holder(engine):
    """转办 + 前加签: while an added signer acts, neither the holder nor the signer may transfer the task (the
    signer would take the holder's step away; the holder's round would be left with nobody to sign)."""
    plan, review = held_review(engine)
    engine.work.add_signers(LI, review, ["zhao.qiang"], "before", "请先把关运营预算")
    zhao = Person("zhao.qiang")
    assert engine.work.transfer_candidates(zhao, review) == []  # nor is it offered to them
    assert engine.work.transfer_candidates(LI, review) == []
    with pytest.raises(Conflict, match=r"with zhao\.qiang now"):
        engine.work.transfer(zhao, review, "chen.yu", "not mine to decide")
    with pytest.raises(Conflict, match=r"with zhao\.qiang now"):
        engine.work.transfer(Person("chen.yu"), review, "liu.yang", "manager above")
    assert kinds(engine, plan, "task_transferred") == []
    engine.work.sign(zhao, review, "approve", "可以")  # the round goes on as before
    assert engine.work.task(LI, review)["assignee"] == "li.na"
    assert engine.work.transfer(LI, review, "liu.yang", "出差，刘洋代审")["to"] == "liu.yang"
    step(engine, "liu.yang", "manager_review", plan, decision("approve"))
    assert open_tasks(engine, plan) == [("director_signoff", None)]


def test_a_transfer_with_signers_after_waiting_hands_them_on_to_the_new_holder(engine):
    """转办 + 后加签: the signers after the holder stay asked; they now sign after the new holder, and the step
    completes as the new holder's decision (not as the one who transferred it)."""
    plan, review = held_review(engine)
    engine.work.add_signers(LI, review, ["sun.hao"], "after", "分公司把关")
    engine.work.transfer(LI, review, "liu.yang", "出差，刘洋代审")
    liu = Person("liu.yang")
    moved = engine.work.approval_round(liu, review)
    assert moved["holder"] == "liu.yang"
    assert [(s["kind"], s["user"], s["state"]) for s in moved["steps"]] == [("after", "sun.hao", "waiting")]
    engine.work.complete(liu, review, decision("approve", "同意"))
    assert engine.work.task(liu, review)["assignee"] == "sun.hao"  # the signer after, now
    engine.work.sign(Person("sun.hao"), review, "approve", "分公司同意")
    [done] = [e for e in kinds(engine, plan, "task_completed") if e["task_name"] == "manager_review"]
    assert done["actor"] == "liu.yang" and done["payload"]["comment"] == "同意"
    assert done["payload"]["signed_after_by"] == ["sun.hao"]
    assert open_tasks(engine, plan) == [("director_signoff", None)]


# -- urge in a countersign round -------------------------------------------------------------------------------
def test_urging_a_countersign_round_reminds_everyone_who_has_not_decided(engine):
    """催办 + 会签: the starter urges the round (from any of its tasks): every person of the round who has not
    decided yet is told, once; within the hour the round is not urged again from another of its tasks."""
    plan = start_plan(engine)
    research_and_draft(engine, plan, {**DRAFT, "budget_cny": 2000000})
    step(engine, "li.na", "manager_review", plan, decision("approve"))
    director = only_task(engine, "chen.yu", "joint_signoff", plan)["id"]
    gm = only_task(engine, "sun.hao", "joint_signoff", plan)["id"]
    urged = engine.work.urge(LI, director, "请尽快会签")
    assert urged["told"] == ["chen.yu", "sun.hao"]
    for person, task in (("chen.yu", director), ("sun.hao", gm)):
        [told] = [n for n in engine.work.notifications(Person(person)) if n.kind == "urged"]
        assert told.task_id == task and "请尽快会签" in told.body
    with pytest.raises(TooSoon):
        engine.work.urge(LI, gm)
    [event] = kinds(engine, plan, "task_urged")
    assert event["payload"]["told"] == ["chen.yu", "sun.hao"]


def test_urging_a_round_after_one_decided_reminds_only_those_left(engine):
    plan = start_plan(engine)
    research_and_draft(engine, plan, {**DRAFT, "budget_cny": 2000000})
    step(engine, "li.na", "manager_review", plan, decision("approve"))
    step(engine, "sun.hao", "joint_signoff", plan, decision("approve"))
    director = only_task(engine, "chen.yu", "joint_signoff", plan)["id"]
    assert engine.work.urge(LI, director)["told"] == ["chen.yu"]
    assert [n for n in engine.work.notifications(Person("sun.hao")) if n.kind == "urged"] == []


# -- withdraw after a transfer of the first step ---------------------------------------------------------------
def test_withdraw_after_the_first_step_was_transferred_is_refused_and_the_new_holder_keeps_it(engine):
    """撤回 + 转办: a transfer by the step's holder is someone acting on the request: the starter may no longer
    withdraw it (she may urge the new holder), and the task stays with the colleague it was given to."""
    plan = start_plan(engine)
    research = only_task(engine, "wang.lei", "research", plan)["id"]
    engine.work.transfer(WANG, research, "zhou.jie", "出差一周")
    assert engine.work.offered_moves(LI, plan).withdraw is False
    with pytest.raises(Conflict, match=r"wang\.lei has acted on it"):
        engine.work.withdraw(LI, plan, "方向有变")
    assert engine.work.show(LI, plan)["status"] == "running"
    assert [t["id"] for t in engine.work.tasks(ZHOU)] == [research]
    assert engine.work.urge(LI, research)["told"] == ["zhou.jie"]


# -- return while added signers are pending --------------------------------------------------------------------
def test_a_return_with_signers_after_waiting_closes_their_part_and_the_step_comes_back_clean(engine):
    """驳回 + 后加签: the holder returns the request to an earlier step while her signers after wait: they are no
    longer asked (skipped, on the returned task); when the step comes back it is a new task with no signers."""
    plan, review = held_review(engine)
    engine.work.add_signers(LI, review, ["sun.hao"], "after", "分公司把关")
    engine.work.return_task(LI, review, "research", "补充2026年数据")
    gone = engine.work.approval_round(OPERATOR, review)
    assert gone["state"] == "returned"
    assert [(s["user"], s["state"]) for s in gone["steps"]] == [("sun.hao", "skipped")]
    step(engine, "wang.lei", "research", plan, RESEARCH)
    again = only_task(engine, "li.na", "manager_review", plan)["id"]
    assert again != review and engine.work.approval_round(LI, again)["steps"] == []
    step(engine, "li.na", "manager_review", plan, decision("approve"))  # no one to wait for now
    assert open_tasks(engine, plan) == [("director_signoff", None)]
    assert [n for n in engine.work.notifications(Person("sun.hao")) if n.kind == "sign"] == []


def test_while_a_signer_before_acts_the_holder_cannot_return_it_and_is_told_why(engine):
    """驳回 + 前加签: while a signer before acts, the request is not returned under them: a conflict naming who
    acts now (not a refusal of rights: she is still its holder); once it is back with her, she may."""
    plan, review = held_review(engine)
    engine.work.add_signers(LI, review, ["zhao.qiang"], "before", "请先把关")
    with pytest.raises(Conflict, match=r"with zhao\.qiang now"):
        engine.work.return_task(LI, review, "research", "补充数据")
    assert kinds(engine, plan, "task_returned") == []
    engine.work.sign(Person("zhao.qiang"), review, "approve")
    assert engine.work.return_task(LI, review, "research", "补充数据")["to_step"] == "research"


# -- same approver after a transfer ----------------------------------------------------------------------------
def test_the_same_approver_pass_follows_who_approved_after_a_transfer(engine, tmp_path):
    """自动去重 + 转办: what counts is who approved the step, not who held it first. The review transferred to the
    director and approved by him passes his sign-off; transferred away from a manager who is also the director,
    her sign-off is not passed (someone else approved the review)."""
    deploy_market_plan(engine, tmp_path, {"skipSameApprover": "true", "transferRule": "anyone"})
    plan = start_plan(engine)
    research_and_draft(engine, plan)
    review = only_task(engine, "li.na", "manager_review", plan)["id"]
    engine.work.transfer(LI, review, "chen.yu", "陈总直接审")
    done = engine.work.complete(Person("chen.yu"), review, decision("approve", "同意"))
    assert (done["status"], done["end_event"]) == ("completed", "approved")
    [passed] = kinds(engine, plan, "task_auto_passed")
    assert (passed["task_name"], passed["payload"]["approver"]) == ("director_signoff", "chen.yu")

    move_role(engine, "director", "chen.yu", "li.na")
    other = start_plan(engine)
    research_and_draft(engine, other)
    review = only_task(engine, "li.na", "manager_review", other)["id"]
    engine.work.transfer(LI, review, "liu.yang", "回避：我还要签批")
    step(engine, "liu.yang", "manager_review", other, decision("approve"))
    assert kinds(engine, other, "task_auto_passed") == []
    assert open_tasks(engine, other) == [("director_signoff", None)]
    assert only_task(engine, "li.na", "director_signoff", other)
