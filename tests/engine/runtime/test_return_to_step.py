"""Returning a request to any earlier step it passed (驳回到任意已经过的步骤), and straight back (issue 19)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from engine.audit.xes import LogFilter
from engine.errors import Conflict, DeploymentRejected, InvalidInput, NotAllowed, TaskNotFound
from engine.facade import Engine
from engine.models import ProcessInstance
from engine.org.people import Person
from tests.appraisal_steps import open_cycle, scores, self_assessment, task_of
from tests.journey import (
    DRAFT,
    OPERATOR,
    RESEARCH,
    START,
    chains,
    decision,
    deploy_files,
    only_task,
    research_and_draft,
    start_plan,
    step,
)
from tests.paths import REPO

DIRECTOR, MANAGER = Person("chen.yu"), Person("li.na")


def _at_signoff(engine: Engine) -> tuple[int, int]:
    """A plan researched, drafted and approved by the manager: the director's sign-off is open (plan, task)."""
    plan = start_plan(engine)
    research_and_draft(engine, plan)
    step(engine, "li.na", "manager_review", plan, decision("approve"))
    return plan, only_task(engine, "chen.yu", "director_signoff", plan)["id"]


def _kinds(engine: Engine, plan: int) -> list[str]:
    return [e["kind"] for e in engine.work.history(OPERATOR, plan)]


def test_the_director_returns_the_plan_to_research_and_it_comes_straight_back(engine: Engine) -> None:
    plan, signoff = _at_signoff(engine)
    targets = engine.work.return_targets(DIRECTOR, signoff)
    assert [t["name"] for t in targets["targets"]] == ["research", "draft_plan", "manager_review"]
    assert targets["straight_back"] is True and targets["targets"][0]["title_zh"] == "市场调研报告"
    returned = engine.work.return_task(DIRECTOR, signoff, "research", "  调研数据过时，请补充2026年数据 ")
    assert returned["to_step"] == "research" and returned["straight_back"] is True
    # the step goes back to who did it, who is told why; its form shows the reason and the earlier data
    research = only_task(engine, "wang.lei", "research", plan)
    assert research["id"] == returned["new_task_id"] and research["assignee"] == "wang.lei"
    shown = engine.work.task(Person("wang.lei"), research["id"])
    assert shown["return_note"] == {"from_step": "director_signoff", "by": "chen.yu",
                                    "reason": "调研数据过时，请补充2026年数据", "straight_back": True}
    assert shown["draft"] == RESEARCH and shown["returned"] is True
    [told] = [n for n in engine.work.notifications(Person("wang.lei")) if n.kind == "returned"]
    assert told.body == "调研数据过时，请补充2026年数据" and told.instance_id == plan
    [event] = [e for e in engine.work.history(OPERATOR, plan) if e["kind"] == "task_returned"]
    assert event["actor"] == "chen.yu" and event["task_id"] == signoff
    assert event["payload"] == {"from_step": "director_signoff", "to_step": "research",
                                "reason": "调研数据过时，请补充2026年数据", "straight_back": True, "holder": "wang.lei"}
    assert engine.work.task(DIRECTOR, signoff)["state"] == "returned"
    # completed again: straight back to the director, not through draft and review
    done = engine.work.complete(Person("wang.lei"), research["id"], {**RESEARCH, "trends": "2026: +9%"})
    assert done["next_tasks"] == ["director_signoff"]
    again = only_task(engine, "chen.yu", "director_signoff", plan)
    assert again["assignee"] == "chen.yu"
    assert engine.work.task(DIRECTOR, again["id"])["context"]["research"]["trends"] == "2026: +9%"
    [back] = [e for e in engine.work.history(OPERATOR, plan) if e["kind"] == "returned_straight_back"]
    assert back["payload"] == {"from_step": "research", "to_step": "director_signoff", "returned_by": "chen.yu",
                               "holder": "chen.yu"}
    latest = engine.work.notifications(DIRECTOR)[0]
    assert latest.kind == "returned" and "Back to you" in latest.subject and latest.instance_id == plan
    step(engine, "chen.yu", "director_signoff", plan, decision("approve"))
    assert engine.work.show(OPERATOR, plan)["end_event"] == "approved"
    assert chains(engine, plan) == (1, [])


def test_return_to_the_first_step_from_the_review_and_straight_back_to_the_review(engine: Engine) -> None:
    plan = start_plan(engine)
    research_and_draft(engine, plan)
    review = only_task(engine, "li.na", "manager_review", plan)["id"]
    engine.work.claim(MANAGER, review)
    assert [t["name"] for t in engine.work.return_targets(MANAGER, review)["targets"]] == ["research", "draft_plan"]
    engine.work.return_task(MANAGER, review, "research", "Add the competitors' prices")
    assert engine.work.task(MANAGER, review)["state"] == "returned"
    step(engine, "wang.lei", "research", plan, RESEARCH)
    again = only_task(engine, "li.na", "manager_review", plan)
    assert again["assignee"] == "li.na"  # back to her, not through the draft
    assert [t["name"] for t in engine.work.tasks(Person("zhang.min")) if t["instance_id"] == plan] == []
    # the modelled return for rework still works as before, and the rest of the flow too
    step(engine, "li.na", "manager_review", plan, decision("return", "Cut the budget"))
    step(engine, "zhang.min", "draft_plan", plan, {**DRAFT, "budget_cny": 300000})
    step(engine, "li.na", "manager_review", plan, decision("approve"))
    step(engine, "chen.yu", "director_signoff", plan, decision("veto", "Not this year"))
    assert (engine.work.show(OPERATOR, plan)["status"], engine.work.show(OPERATOR, plan)["end_event"]) == (
        "completed", "vetoed")
    assert _kinds(engine, plan).count("returned_straight_back") == 1


def test_returns_several_times_in_a_row_each_come_straight_back(engine: Engine) -> None:
    plan, signoff = _at_signoff(engine)
    holders = {"research": "wang.lei", "draft_plan": "zhang.min", "manager_review": "li.na"}
    forms = {"research": RESEARCH, "draft_plan": DRAFT, "manager_review": decision("approve")}
    for round_no, target in enumerate(["draft_plan", "research", "manager_review", "research"], start=1):
        engine.work.return_task(DIRECTOR, signoff, target, f"round {round_no}")
        returned = only_task(engine, holders[target], target, plan)
        assert engine.work.task(Person(holders[target]), returned["id"])["return_note"]["reason"] == f"round {round_no}"
        engine.work.complete(Person(holders[target]), returned["id"], forms[target])
        signoff = only_task(engine, "chen.yu", "director_signoff", plan)["id"]
    kinds = _kinds(engine, plan)
    assert kinds.count("task_returned") == 4 and kinds.count("returned_straight_back") == 4
    # the returned step may itself be returned from: the drafter sends it back to research, which then comes
    # straight back to the drafter, whose completion comes straight back to the director
    engine.work.return_task(DIRECTOR, signoff, "draft_plan", "Rewrite the pricing")
    draft = only_task(engine, "zhang.min", "draft_plan", plan)["id"]
    engine.work.return_task(Person("zhang.min"), draft, "research", "I need this year's prices")
    step(engine, "wang.lei", "research", plan, RESEARCH)
    redraft = only_task(engine, "zhang.min", "draft_plan", plan)["id"]
    note = engine.work.task(Person("zhang.min"), redraft)["return_note"]
    assert note is not None and (note["from_step"], note["reason"]) == ("director_signoff", "Rewrite the pricing")
    assert engine.work.complete(Person("zhang.min"), redraft, DRAFT)["next_tasks"] == ["director_signoff"]
    step(engine, "chen.yu", "director_signoff", plan, decision("approve"))
    assert engine.work.show(OPERATOR, plan)["end_event"] == "approved"
    assert chains(engine, plan) == (1, [])


def _tree_depth(engine: Engine, plan: int) -> int:
    with engine.core.transaction() as session:
        instance = session.get(ProcessInstance, plan)
        assert instance is not None
        process = engine.collaborators.catalog.get(session, instance.definition_id)
        workflow = engine.collaborators.runner.load(process, instance.state_json)

    def depth(task: Any) -> int:
        return 1 + max((depth(child) for child in task.children), default=0)
    return depth(workflow.task_tree)


def test_many_returns_in_a_row_keep_the_task_tree_shallow(sqlite_engine: Engine) -> None:
    """The library breaks near a tree depth of 1,000: 150 returns and resubmits stay as shallow as one."""
    engine = sqlite_engine
    plan, signoff = _at_signoff(engine)
    depths = {}
    for round_no in range(1, 151):
        engine.work.return_task(DIRECTOR, signoff, "research", f"round {round_no}")
        step(engine, "wang.lei", "research", plan, {**RESEARCH, "findings": f"round {round_no}"})
        signoff = only_task(engine, "chen.yu", "director_signoff", plan)["id"]
        if round_no in (1, 150):
            depths[round_no] = _tree_depth(engine, plan)
    assert depths[150] == depths[1] < 20, depths
    step(engine, "chen.yu", "director_signoff", plan, decision("approve"))
    assert engine.work.show(OPERATOR, plan)["data"]["research"]["findings"] == "round 150"
    assert _kinds(engine, plan).count("returned_straight_back") == 150


def test_who_may_return_and_what_is_refused_changes_nothing(engine: Engine) -> None:
    plan, signoff = _at_signoff(engine)
    before = _kinds(engine, plan)
    with pytest.raises(NotAllowed):
        engine.work.return_task(Person("zhou.jie"), signoff, "research", "no")  # a stranger
    with pytest.raises(NotAllowed):
        engine.work.return_task(MANAGER, signoff, "research", "no")  # may see it, may not complete it
    with pytest.raises(NotAllowed):
        engine.work.return_targets(MANAGER, signoff)
    with pytest.raises(TaskNotFound):
        engine.work.return_task(DIRECTOR, 999999, "research", "no")
    for to_step, reason in [("director_signoff", "itself"), ("no_such_step", "x"), ("research", "  "),
                            ("research", "bad\x00text"), ("research", "x" * 2001)]:
        with pytest.raises(InvalidInput):
            engine.work.return_task(DIRECTOR, signoff, to_step, reason)
    assert _kinds(engine, plan) == before
    assert only_task(engine, "chen.yu", "director_signoff", plan)["id"] == signoff
    # held by someone else: only the holder may return it
    engine.work.claim(DIRECTOR, signoff)
    engine.work.return_task(DIRECTOR, signoff, "draft_plan", "Rework the budget")
    with pytest.raises(Conflict):
        engine.work.return_task(DIRECTOR, signoff, "research", "again")  # done: returned already
    with pytest.raises(Conflict):
        engine.work.return_targets(DIRECTOR, signoff)
    draft = only_task(engine, "zhang.min", "draft_plan", plan)["id"]
    assert engine.work.return_targets(Person("zhang.min"), draft)["targets"] == [
        {"name": "research", "title": "Market research report", "title_zh": "市场调研报告"}]
    with pytest.raises(InvalidInput):  # passed, but after this step in the flow
        engine.work.return_task(Person("zhang.min"), draft, "manager_review", "forward")


def test_a_step_whose_model_says_walk_on_walks_the_whole_way_again(engine: Engine, tmp_path: Path) -> None:
    """``afterReturn: walkOn`` on the returning step: the step returned to walks on as drawn; ``returnAllowed:
    false`` offers no return at all."""
    source = (REPO / "processes" / "market_plan.bpmn").read_text(encoding="utf-8")
    variant = source.replace('<bpmn:process id="market_plan"', '<bpmn:process id="market_plan_walk"').replace(
        'bpmnElement="market_plan"', 'bpmnElement="market_plan_walk"').replace(
        '<spiffworkflow:property name="formJsonSchemaFilename" value="market_plan/director_signoff.json" />',
        '<spiffworkflow:property name="formJsonSchemaFilename" value="market_plan/director_signoff.json" />'
        '<spiffworkflow:property name="afterReturn" value="walkOn" />').replace(
        '<spiffworkflow:property name="formJsonSchemaFilename" value="market_plan/manager_review.json" />',
        '<spiffworkflow:property name="formJsonSchemaFilename" value="market_plan/manager_review.json" />'
        '<spiffworkflow:property name="returnAllowed" value="false" />')
    path = tmp_path / "market_plan_walk.bpmn"
    path.write_text(variant, encoding="utf-8")
    shutil.copy(REPO / "processes" / "market_plan_signoff.dmn", tmp_path)  # the decision table it calls
    deploy_files(engine, [path], "gao.yan")
    plan = int(engine.work.start(MANAGER, "market_plan_walk", START).id)
    research_and_draft(engine, plan)
    review = only_task(engine, "li.na", "manager_review", plan)["id"]
    assert engine.work.return_targets(MANAGER, review)["targets"] == []
    with pytest.raises(InvalidInput):
        engine.work.return_task(MANAGER, review, "research", "not offered here")
    engine.work.complete(MANAGER, review, decision("approve"))
    signoff = only_task(engine, "chen.yu", "director_signoff", plan)["id"]
    assert engine.work.return_targets(DIRECTOR, signoff)["straight_back"] is False
    engine.work.return_task(DIRECTOR, signoff, "draft_plan", "Walk it through the review again")
    draft = only_task(engine, "zhang.min", "draft_plan", plan)
    assert engine.work.task(Person("zhang.min"), draft["id"])["return_note"]["straight_back"] is False
    assert engine.work.complete(Person("zhang.min"), draft["id"], DRAFT)["next_tasks"] == ["manager_review"]
    assert "returned_straight_back" not in _kinds(engine, plan)


def test_the_audit_replays_returns_step_by_step_and_the_log_still_conforms(engine: Engine) -> None:
    plan, signoff = _at_signoff(engine)
    engine.work.return_task(DIRECTOR, signoff, "research", "Old data")
    auditor = Person("he.ping")
    steps = engine.audit.replay(auditor, plan, 1)["steps"]
    after_return = engine.audit.replay(auditor, plan, steps)
    assert after_return["event"]["kind"] == "task_returned"
    assert [(t["name"], t["assignee"]) for t in after_return["open_tasks"]] == [("research", "wang.lei")]
    step(engine, "wang.lei", "research", plan, RESEARCH)
    back = engine.audit.replay(auditor, plan, steps + 1)
    assert [(t["name"], t["assignee"]) for t in back["open_tasks"]] == [("director_signoff", "chen.yu")]
    shown = engine.work.show(OPERATOR, plan)["open_tasks"]
    assert [(t["name"], t["assignee"]) for t in shown] == [("director_signoff", "chen.yu")]  # as the engine has it
    path = engine.audit.instance(auditor, plan)["path"]
    assert path["unresolved"] == [] and path["visits"]["research"] == 2 and path["visits"]["director_signoff"] == 2
    assert "signoff_decision" not in path["visits"]  # the return jumped back along no flow of the model
    heat = {e["id"]: e for e in engine.audit.heatmap(auditor, "market_plan", 1)["elements"]}
    assert heat["director_signoff"]["open_now"] == 1 and heat["research"]["open_now"] == 0
    step(engine, "chen.yu", "director_signoff", plan, decision("approve"))
    [verdict] = engine.audit.conformance(auditor, LogFilter("market_plan"))
    assert verdict.fits is True and verdict.steps == 5, verdict  # 3 completions, the way back, the approval
    xes = "".join(engine.audit.xes_log(auditor, LogFilter("market_plan")))
    etree.XMLSchema(etree.parse(str(REPO / "tests" / "fixtures" / "xes" / "ieee-1849-2016.xsd"))).assertValid(
        etree.fromstring(xes.encode("utf-8")))
    events = xes[xes.index("<trace>"):]  # the header's globals name a default transition too
    done = events.count('key="lifecycle:transition" value="complete"/>') - events.count('key="opsflow:automatic"')
    assert done == 5 and xes.count('value="ate_abort"') == 1  # the return too: the sign-off aborted, and where to
    assert xes.count('value="ate_abort"/><string key="opsflow:returned_to" value="research"/>') == 1
    ocel = engine.audit.ocel_log(auditor, LogFilter("market_plan"))
    [returned] = [e for e in ocel["events"] if e["type"] == "task returned"]
    assert {a["name"]: a["value"] for a in returned["attributes"]}.items() >= {
        "from_step": "director_signoff", "to_step": "research"}.items()
    assert {"objectId": "person:chen.yu", "qualifier": "returned by"} in returned["relationships"]
    assert "task returned" in [t["name"] for t in ocel["eventTypes"]]


def test_returns_in_a_model_with_parallel_branches(engine: Engine, tmp_path: Path) -> None:
    """From the step after the join, back into one branch and straight back; never while a sibling branch is still
    under way, and not into a branch where walking on would leave the join waiting forever."""
    fixtures = REPO / "tests" / "fixtures" / "state"
    source = (fixtures / "parallel_review.bpmn").read_text(encoding="utf-8")
    walk = source.replace('id="parallel_review"', 'id="parallel_walk"').replace(
        'bpmnElement="parallel_review"', 'bpmnElement="parallel_walk"').replace(
        '<spiffworkflow:property name="contextFrom" value="review_a,review_b" />',
        '<spiffworkflow:property name="contextFrom" value="review_a,review_b" />'
        '<spiffworkflow:property name="afterReturn" value="walkOn" />')
    (tmp_path / "parallel_walk.bpmn").write_text(walk, encoding="utf-8")
    saved = engine.collaborators.forms_root
    engine.collaborators.forms_root = fixtures / "forms"
    try:
        deploy_files(engine, [fixtures / "parallel_review.bpmn", tmp_path / "parallel_walk.bpmn"], "gao.yan")
    finally:
        engine.collaborators.forms_root = saved
    staff = Person("zhou.jie")
    for key in ("parallel_review", "parallel_walk"):
        instance = int(engine.work.start(staff, key).id)
        mine = {t["name"]: t["id"] for t in engine.work.tasks(staff) if t["instance_id"] == instance}
        engine.work.complete(staff, mine["review_b"], {"note": "b"})
        for to_step in ("review_b", "review_a"):  # review_a is still under way beside it
            with pytest.raises(InvalidInput):
                engine.work.return_task(staff, mine["review_a"], to_step, "Again")
        engine.work.complete(staff, mine["review_a"], {"note": "a"})
        [summary] = [t["id"] for t in engine.work.tasks(staff) if t["instance_id"] == instance]
        targets = [t["name"] for t in engine.work.return_targets(staff, summary)["targets"]]
        if key == "parallel_walk":
            assert targets == []  # walking on from a branch would wait at the join for the other forever
            continue
        assert sorted(targets) == ["review_a", "review_b"]
        engine.work.return_task(staff, summary, "review_b", "Say more")
        [again] = [t["id"] for t in engine.work.tasks(staff) if t["instance_id"] == instance]
        assert engine.work.complete(staff, again, {"note": "b, more"})["next_tasks"] == ["summary"]
        [summary] = [t["id"] for t in engine.work.tasks(staff) if t["instance_id"] == instance]
        assert engine.work.task(OPERATOR, summary)["context"]["review_b"] == {"note": "b, more"}
        engine.work.complete(staff, summary, {"note": "done"})
        assert engine.work.show(OPERATOR, instance)["status"] == "completed"


def test_a_model_naming_a_return_setting_wrongly_is_refused_at_deploy(engine: Engine, tmp_path: Path) -> None:
    source = (REPO / "processes" / "market_plan.bpmn").read_text(encoding="utf-8")
    wrong = source.replace('<bpmn:process id="market_plan"', '<bpmn:process id="market_plan_wrong"').replace(
        'bpmnElement="market_plan"', 'bpmnElement="market_plan_wrong"').replace(
        '<spiffworkflow:property name="formJsonSchemaFilename" value="market_plan/director_signoff.json" />',
        '<spiffworkflow:property name="formJsonSchemaFilename" value="market_plan/director_signoff.json" />'
        '<spiffworkflow:property name="afterReturn" value="backwards" />')
    (tmp_path / "market_plan_wrong.bpmn").write_text(wrong, encoding="utf-8")
    shutil.copy(REPO / "processes" / "market_plan_signoff.dmn", tmp_path)
    with pytest.raises(DeploymentRejected, match="afterReturn must be straightBack or walkOn, not 'backwards'"):
        deploy_files(engine, [tmp_path / "market_plan_wrong.bpmn"], "gao.yan")


def test_a_reviewer_returned_to_who_returns_in_turn_is_followed_as_the_model_draws_it(engine: Engine) -> None:
    """Straight back is for a step that goes on (approves, or decides nothing): the manager the director returned
    the plan to may send it back to the drafter instead, and the flow then walks on as drawn."""
    plan, signoff = _at_signoff(engine)
    engine.work.return_task(DIRECTOR, signoff, "manager_review", "Check the budget again")
    review = only_task(engine, "li.na", "manager_review", plan)
    shown = engine.work.task(MANAGER, review["id"])
    assert shown["draft"] == {} and shown["earlier_decision"] == {"decision": "approve", "comment": ""}
    assert shown["return_note"] is not None and shown["return_note"]["reason"] == "Check the budget again"
    done = engine.work.complete(MANAGER, review["id"], decision("return", "Cut it to 400k"))
    assert done["next_tasks"] == ["draft_plan"]  # the modelled rework, counted as one
    assert "returned_straight_back" not in _kinds(engine, plan)
    step(engine, "zhang.min", "draft_plan", plan, {**DRAFT, "budget_cny": 400000})
    step(engine, "li.na", "manager_review", plan, decision("approve"))  # an ordinary review now: on to the director
    step(engine, "chen.yu", "director_signoff", plan, decision("approve"))
    shown_plan = engine.work.show(OPERATOR, plan)
    assert shown_plan["end_event"] == "approved" and shown_plan["data"]["return_count"] == 1
    [verdict] = engine.audit.conformance(Person("he.ping"), LogFilter("market_plan"))
    assert verdict.fits is True, verdict


def test_straight_back_still_runs_what_runs_by_itself_on_the_way(engine: Engine) -> None:
    """The calibrator returns an appraisal to the manager's scoring: once rescored, the decision tables rate it
    again on the way straight back (the calibrator sees the new rating); the self-assessment, which closes at its
    deadline (an attached timer), is no step to return to."""
    open_cycle(engine)
    engine.work.complete(Person("zhou.jie"), task_of(engine, "zhou.jie", "self_assessment", "zhou.jie")["id"],
                         self_assessment(4, 4, 5, 3))
    engine.work.complete(Person("wang.lei"), task_of(engine, "wang.lei", "manager_scoring", "zhou.jie")["id"],
                         scores(4, 4, 4, 3))
    calibrator = Person("li.na")
    calibration = task_of(engine, "li.na", "calibration", "zhou.jie")
    assert engine.work.task(OPERATOR, calibration["id"])["context"]["rating"]["grade"] == "B"
    assert [t["name"] for t in engine.work.return_targets(calibrator, calibration["id"])["targets"]] == [
        "manager_scoring"]
    engine.work.return_task(calibrator, calibration["id"], "manager_scoring", "Teamwork deserves a 5")
    rescoring = task_of(engine, "wang.lei", "manager_scoring", "zhou.jie")  # the appraiser, as the model says
    assert rescoring["assignee"] == "wang.lei"
    engine.work.complete(Person("wang.lei"), rescoring["id"], scores(5, 5, 5, 5))
    again = task_of(engine, "li.na", "calibration", "zhou.jie")
    assert engine.work.task(OPERATOR, again["id"])["context"]["rating"]["grade"] == "A"  # rated again on the way
    kinds = _kinds(engine, again["instance_id"])
    assert kinds.count("returned_straight_back") == 1 and kinds.count("task_returned") == 1
