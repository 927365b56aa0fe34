"""Replay from the log alone: after every step of an instance, what the engine had then.

The tests drive real instances through the facade, record the live state after each use case
(data from ``show``, the open tasks and who held them, the status), and compare it with the replay
of that step, through the facade on both databases and through ``opsflow replay ID --step N --json``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from engine.errors import InvalidInput, NotAllowed
from engine.facade import Engine
from engine.org.people import Person
from engine.scheduling.worker import Worker
from opsflow.cli import main
from tests.appraisal_steps import open_cycle, scores, self_assessment, task_of, wait_until_past
from tests.journey import DRAFT, OPERATOR, RESEARCH, chains, decision, only_task, start_plan


def live(engine: Engine, instance_id: int) -> dict[str, Any]:
    shown = engine.work.show(OPERATOR, instance_id)
    return {"data": shown["data"], "status": shown["status"], "end_event": shown["end_event"],
            "open": sorted((t["id"], t["name"], t["assignee"]) for t in shown["open_tasks"])}


def replayed(state: dict[str, Any]) -> dict[str, Any]:
    return {"data": state["data"], "status": state["status"], "end_event": state["end_event"],
            "open": sorted((t["id"], t["name"], t["assignee"]) for t in state["open_tasks"])}


class Recorder:
    """Runs use cases on one instance and keeps the live state after each (one use case = one step)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.instance_id = 0
        self.states: list[dict[str, Any]] = []

    def start(self, run: Callable[[], int]) -> None:
        self.instance_id = run()
        self.states.append(live(self.engine, self.instance_id))

    def do(self, run: Callable[[], Any]) -> None:
        run()
        self.states.append(live(self.engine, self.instance_id))

    def task(self, username: str, name: str) -> int:
        return int(only_task(self.engine, username, name, self.instance_id)["id"])


def rework_plan(engine: Engine) -> Recorder:
    """A plan through claims, a release, a dispatch, a comment, three kinds of return, then approval."""
    e, r = engine, Recorder(engine)
    r.start(lambda: start_plan(e))
    wang, zhang, li, chen = (Person(u) for u in ("wang.lei", "zhang.min", "li.na", "chen.yu"))
    r.do(lambda: e.work.claim(wang, r.task("wang.lei", "research")))
    r.do(lambda: e.work.unclaim(li, r.task("wang.lei", "research")))  # his manager gives it back to the team
    r.do(lambda: e.work.assign(li, r.task("wang.lei", "research"), "wang.lei"))
    r.do(lambda: e.work.complete(wang, r.task("wang.lei", "research"), RESEARCH))
    r.do(lambda: e.work.complete(zhang, r.task("zhang.min", "draft_plan"), DRAFT))
    r.do(lambda: e.work.add_comment(chen, r.task("li.na", "manager_review"), "Mind the budget"))
    r.do(lambda: e.work.complete(li, r.task("li.na", "manager_review"), decision("return", "Budget lines missing")))
    r.do(lambda: e.work.complete(zhang, r.task("zhang.min", "draft_plan"),
                                 {**DRAFT, "budget_cny": 400000, "response_to_comments": "Cut to 400k"}))
    r.do(lambda: e.work.complete(li, r.task("li.na", "manager_review"),
                                 decision("return_research", "Need competitor prices")))
    r.do(lambda: e.work.complete(wang, r.task("wang.lei", "research"), {**RESEARCH, "competitors": "Two, 5% cheaper"}))
    r.do(lambda: e.work.complete(zhang, r.task("zhang.min", "draft_plan"), DRAFT))
    r.do(lambda: e.work.complete(li, r.task("li.na", "manager_review"), decision("approve")))
    r.do(lambda: e.work.complete(chen, r.task("chen.yu", "director_signoff"), decision("return", "One more channel")))
    r.do(lambda: e.work.complete(zhang, r.task("zhang.min", "draft_plan"), {**DRAFT, "channels": ["WeChat", "Radio"]}))
    r.do(lambda: e.work.complete(li, r.task("li.na", "manager_review"), decision("approve")))
    r.do(lambda: e.work.complete(chen, r.task("chen.yu", "director_signoff"), decision("approve", "Go")))
    return r


def test_every_step_of_a_rework_plan_replays_as_the_engine_had_it(engine):
    recorded = rework_plan(engine)
    assert recorded.states[-1]["end_event"] == "approved"
    total = engine.audit.replay(Person("he.ping"), recorded.instance_id, 1)["steps"]
    assert total == len(recorded.states) == 17
    for number, expected in enumerate(recorded.states, start=1):
        state = engine.audit.replay(Person("he.ping"), recorded.instance_id, number)
        assert replayed(state) == expected, f"step {number}"
        assert state["step"] == number and state["path"]["current"] == sorted(t[1] for t in expected["open"])


def test_opsflow_replay_json_matches_the_engine_at_every_step(sqlite_url, capsys):
    from engine.facade import build_engine

    engine = build_engine(sqlite_url)
    engine.setup.init(demo=True)
    try:
        recorded = rework_plan(engine)
    finally:
        engine.db.dispose()
    capsys.readouterr()
    for number, expected in enumerate(recorded.states, start=1):
        code = main(["--database", sqlite_url, "replay", str(recorded.instance_id), "--step", str(number), "--json"])
        out = capsys.readouterr().out
        assert code == 0
        state = json.loads(out)
        assert {"seq", "data", "open_tasks", "status"} <= set(state)
        assert replayed(state) == expected, f"step {number}"
    assert main(["--database", sqlite_url, "replay", str(recorded.instance_id), "--step", "99", "--json"]) == 6
    assert "has steps 1 to 17" in capsys.readouterr().err


def test_the_path_counts_the_rework_loops_and_says_what_is_inferred(sqlite_engine):
    recorded = rework_plan(sqlite_engine)
    path = sqlite_engine.audit.diagram(Person("he.ping"), recorded.instance_id).path
    assert path["loops"] == {"research": 2, "draft_plan": 4, "manager_review": 4, "review_decision": 4,
                             "director_signoff": 2, "signoff_decision": 2, "count_manager_return": 2,
                             "manager_return_cap": 2, "signoff_route": 2, "signoff_kind": 2}
    assert path["ended"] == "approved" and path["current"] == []
    assert path["inferred"] == ["init_counters"]  # only the script before the first task is not named by the log
    assert path["visits"]["count_director_return"] == 1 and "vetoed" not in path["visits"]
    assert path["flows"]["flow_back_to_research"] == 1 and path["flows"]["flow_director_rework"] == 1
    assert path["unresolved"] == []
    after_first_review = sqlite_engine.audit.diagram(Person("he.ping"), recorded.instance_id, step=8).path
    assert after_first_review["current"] == ["draft_plan"]
    assert after_first_review["visits"]["draft_plan"] == 2 and "director_signoff" not in after_first_review["visits"]


def test_the_audit_view_gives_each_step_with_the_data_before_and_after(sqlite_engine):
    recorded = rework_plan(sqlite_engine)
    view = sqlite_engine.audit.instance(Person("he.ping"), recorded.instance_id)
    steps = view["steps"]
    assert [s["kind"] for s in steps[:4]] == ["instance_started", "task_claimed", "task_unclaimed", "task_assigned"]
    assert steps[3]["to"] == "wang.lei" and steps[3]["actor"] == "li.na"
    first_review = steps[7]
    assert (first_review["actor"], first_review["role"], first_review["decision"], first_review["comment"]) == (
        "li.na", "marketing_manager", "return", "Budget lines missing")
    changes = {c["key"]: c for c in first_review["changes"]}
    assert changes["return_count"]["before"] == 0 and changes["return_count"]["after"] == 1
    assert changes["manager_review"]["added"] is True
    redraft = {c["key"]: c for c in steps[8]["changes"]}["draft_plan"]
    assert redraft["before"]["budget_cny"] == 480000 and redraft["after"]["budget_cny"] == 400000
    assert set(redraft["changed_fields"]) == {"budget_cny", "response_to_comments"}
    assert [f["kind"] for f in first_review["follow_ups"]] == ["gateway_path", "gateway_path", "task_created"]
    assert steps[6]["kind"] == "comment_added" and steps[6]["comment"] == "Mind the budget"
    assert view["data"] == recorded.states[-1]["data"]


def test_appraisal_steps_replay_with_the_holders_the_process_chose(engine):
    r = Recorder(engine)
    open_cycle(engine)
    r.instance_id = task_of(engine, "zhou.jie", "self_assessment", "zhou.jie")["instance_id"]
    r.states.append(live(engine, r.instance_id))
    r.do(lambda: engine.work.complete(Person("zhou.jie"), task_of(engine, "zhou.jie", "self_assessment",
                                                                  "zhou.jie")["id"], self_assessment(4, 4, 5, 3)))
    r.do(lambda: engine.work.complete(Person("wang.lei"), task_of(engine, "wang.lei", "manager_scoring",
                                                                  "zhou.jie")["id"], scores(4, 4, 4, 3)))
    r.do(lambda: engine.work.complete(Person("li.na"), task_of(engine, "li.na", "calibration", "zhou.jie")["id"],
                                      {"decision": "confirm"}))
    r.do(lambda: engine.work.complete(Person("zhou.jie"), task_of(engine, "zhou.jie", "acknowledge", "zhou.jie")["id"],
                                      {"decision": "accept"}))
    assert r.states[0]["open"][0][2] == "zhou.jie"  # the self-assessment was his from the start
    for number, expected in enumerate(r.states, start=1):
        assert replayed(engine.audit.replay(Person("he.ping"), r.instance_id, number)) == expected, f"step {number}"
    path = engine.audit.diagram(Person("he.ping"), r.instance_id).path
    assert path["ended"] == "recorded"
    assert {"weigh_scores", "grade_score", "rule_suggestion", "collect_rating", "plan_deadlines"} <= set(
        path["inferred"])


def test_an_expired_self_assessment_replays_and_its_boundary_event_is_inferred(sqlite_engine):
    engine = sqlite_engine
    open_cycle(engine, self_assessment_window="PT2S")
    task = task_of(engine, "wu.fang", "self_assessment", "wu.fang")
    Worker(engine.core).run_once()
    wait_until_past(task["due_at"])
    Worker(engine.core).run_once()
    instance_id = task["instance_id"]
    last = engine.audit.replay(Person("he.ping"), instance_id, engine.audit.replay(Person("he.ping"), instance_id,
                                                                                   1)["steps"])
    assert replayed(last) == live(engine, instance_id)
    path = engine.audit.diagram(Person("he.ping"), instance_id).path
    assert {"self_assessment_deadline", "mark_not_submitted"} <= set(path["inferred"])
    assert path["current"] == ["manager_scoring"]


def test_replay_is_for_auditors_and_changes_nothing(sqlite_engine):
    plan = start_plan(sqlite_engine)
    before = (sqlite_engine.work.history(OPERATOR, plan), sqlite_engine.work.show(OPERATOR, plan))
    with pytest.raises(NotAllowed):
        sqlite_engine.audit.replay(Person("zhou.jie"), plan, 1)
    with pytest.raises(NotAllowed):
        sqlite_engine.audit.replay(Person("li.na"), plan, 1)  # she started it, but may not audit
    with pytest.raises(InvalidInput, match="has steps 1 to 1"):
        sqlite_engine.audit.replay(Person("he.ping"), plan, 2)
    sqlite_engine.audit.replay(Person("he.ping"), plan, 1)
    sqlite_engine.audit.instance(Person("admin"), plan)
    assert (sqlite_engine.work.history(OPERATOR, plan), sqlite_engine.work.show(OPERATOR, plan)) == before
    assert chains(sqlite_engine, plan)[1] == []
