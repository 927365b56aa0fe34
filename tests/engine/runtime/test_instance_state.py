"""Instance state: pruning keeps it small, joins still work, and it round-trips unchanged."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from engine.models import ProcessInstance
from engine.org.people import Person
from tests.appraisal_steps import open_cycle, scores, self_assessment, task_of
from tests.journey import DRAFT, OPERATOR, RESEARCH, decision, deploy_files, start_plan, step
from tests.paths import FIXTURES, REPO

ROOT = REPO
FIXTURES = FIXTURES / "state"


def deploy_from(engine, bpmn: Path, forms_root: Path):
    saved = engine.collaborators.forms_root
    engine.collaborators.forms_root = forms_root
    try:
        return deploy_files(engine, [bpmn], "gao.yan")
    finally:
        engine.collaborators.forms_root = saved


def state_size(engine, instance_id):
    with engine.core.transaction() as session:
        return len(session.scalar(select(ProcessInstance.state_json).where(ProcessInstance.id == instance_id)))


def test_a_400_step_instance_completes_and_its_state_stays_small(sqlite_engine):
    engine = sqlite_engine
    deploy_from(engine, ROOT / "bench" / "processes" / "long_loop.bpmn", ROOT / "bench" / "forms")
    instance = engine.work.start(Person("zhou.jie"), "long_loop").id
    sizes = {}
    for step_no in range(1, 401):
        task = engine.work.tasks(Person("zhou.jie"))[0]
        engine.work.complete(Person("zhou.jie"), task["id"], {"finished": step_no == 400, "note": f"step {step_no}"})
        if step_no in (10, 399):
            sizes[step_no] = state_size(engine, instance)
    shown = engine.work.show(OPERATOR, instance)
    assert (shown["status"], shown["end_event"]) == ("completed", "done")
    assert sizes[399] < sizes[10] * 1.5, sizes  # without pruning it grows about 40-fold
    completed = [e for e in engine.work.history(OPERATOR, instance) if e["kind"] == "task_completed"]
    assert len(completed) == 400 and completed[-1]["payload"]["data"]["note"] == "step 400"


def test_parallel_branches_join_across_saves(sqlite_engine):
    engine = sqlite_engine
    deploy_from(engine, FIXTURES / "parallel_review.bpmn", FIXTURES / "forms")
    instance = engine.work.start(Person("zhou.jie"), "parallel_review").id
    open_names = sorted(t["name"] for t in engine.work.tasks(Person("zhou.jie")))
    assert open_names == ["review_a", "review_b"]
    by_name = {t["name"]: t["id"] for t in engine.work.tasks(Person("zhou.jie"))}
    assert engine.work.complete(Person("zhou.jie"), by_name["review_b"], {"note": "b"})["next_tasks"] == []
    assert [t["name"] for t in engine.work.tasks(Person("zhou.jie"))] == ["review_a"]
    assert engine.work.complete(Person("zhou.jie"), by_name["review_a"], {"note": "a"})["next_tasks"] == ["summary"]
    summary = engine.work.tasks(Person("zhou.jie"))[0]
    assert engine.work.task(OPERATOR, summary["id"])["context"] == {"review_a": {"note": "a"},
                                                                    "review_b": {"note": "b"}}
    engine.work.complete(Person("zhou.jie"), summary["id"], {"note": "done"})
    assert engine.work.show(OPERATOR, instance)["status"] == "completed"


def assert_round_trips(engine, instance_id):
    """Serialize, reload and serialize again: nothing may change (the library's save/restore check)."""
    c = engine.collaborators
    with engine.core.transaction() as session:
        instance = session.get(ProcessInstance, instance_id)
        process = c.catalog.get(session, instance.definition_id)
        workflow = c.runner.load(process, instance.state_json)
        assert c.codec.dump(workflow) == instance.state_json, (instance_id, instance.status)


def open_steps(engine, instance_id):
    return sorted(t["name"] for t in engine.work.show(OPERATOR, instance_id)["open_tasks"])


def test_market_plan_state_round_trips_at_every_wait_state(sqlite_engine):
    engine = sqlite_engine
    plan = start_plan(engine)
    seen = []
    walk = [("wang.lei", "research", RESEARCH), ("zhang.min", "draft_plan", DRAFT),
            ("li.na", "manager_review", decision("return", "More detail")),  # back to the draft (rework)
            ("zhang.min", "draft_plan", DRAFT), ("li.na", "manager_review", decision("return_research", "Data")),
            ("wang.lei", "research", RESEARCH), ("zhang.min", "draft_plan", DRAFT),
            ("li.na", "manager_review", decision("approve")),
            ("chen.yu", "director_signoff", decision("return", "Budget")),  # the director sends it back
            ("zhang.min", "draft_plan", DRAFT), ("li.na", "manager_review", decision("approve")),
            ("chen.yu", "director_signoff", decision("approve"))]
    for user, name, data in walk:
        assert_round_trips(engine, plan)
        seen.append(open_steps(engine, plan))
        step(engine, user, name, plan, data)
    assert_round_trips(engine, plan)  # and at the end
    assert {s[0] for s in seen} == {"research", "draft_plan", "manager_review", "director_signoff"}
    assert engine.work.show(OPERATOR, plan)["end_event"] == "approved"


def test_appraisal_state_round_trips_at_every_wait_state(sqlite_engine):
    engine = sqlite_engine
    cycle = open_cycle(engine)
    assert_round_trips(engine, cycle.id)  # the cycle waits at close_cycle
    instance = task_of(engine, "zhou.jie", "self_assessment", "zhou.jie")["instance_id"]
    walk = [("zhou.jie", "self_assessment", self_assessment(4, 4, 5, 3)),  # waits with a timer on it
            ("wang.lei", "manager_scoring", scores(4, 4, 4, 3)),
            ("li.na", "calibration", {"decision": "confirm"}),
            ("zhou.jie", "acknowledge", {"decision": "object", "comment": "Teamwork undervalued"}),
            ("li.na", "objection_review", {"decision": "uphold", "comment": "Scores stand"})]
    for user, name, data in walk:
        assert_round_trips(engine, instance)
        assert open_steps(engine, instance) == [name]
        engine.work.complete(Person(user), task_of(engine, user, name, "zhou.jie")["id"], data)
    assert_round_trips(engine, instance)
    assert engine.work.show(OPERATOR, instance)["status"] == "completed"


def test_forms_come_in_flow_order_not_file_or_name_order(sqlite_engine):
    plan = start_plan(sqlite_engine)
    assert list(sqlite_engine.work.forms(OPERATOR, plan)) == ["start", "research", "draft_plan", "manager_review",
                                               "director_signoff", "joint_signoff"]
