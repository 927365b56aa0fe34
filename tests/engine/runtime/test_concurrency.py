"""Two people complete the same task at the same moment: one wins, one gets a conflict."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading

import pytest
from sqlalchemy import func, select, update

from engine.errors import Conflict
from engine.facade import build_engine
from engine.models import HistoryEvent, HumanTask, Job, Notification, ProcessInstance
from engine.org.people import Person
from tests.journey import OPERATOR, RESEARCH, chains, only_task, start_plan


def _race(engine, task_id, racers):
    """Let every racer load the task before any of them writes, then let them all go."""
    barrier = threading.Barrier(len(racers), timeout=30)
    original = engine.collaborators.runner.advance

    def advance_after_everyone_loaded(*args, **kwargs):
        barrier.wait()
        return original(*args, **kwargs)

    engine.collaborators.runner.advance = advance_after_everyone_loaded
    outcomes = {}

    def run(name, username, data):
        try:
            engine.work.complete(Person(username), task_id, data)
            outcomes[name] = "won"
        except Conflict as exc:
            outcomes[name] = f"conflict: {exc.message}"

    threads = [threading.Thread(target=run, args=r) for r in racers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    engine.collaborators.runner.advance = original
    return outcomes


def test_two_threads_complete_one_task_exactly_one_wins(engine):
    engine.org.add_user(OPERATOR, "qian.bo", ["research_supervisor"], "li.na")
    plan = start_plan(engine)
    task = only_task(engine, "wang.lei", "research")
    outcomes = _race(engine, task["id"], [
        ("a", "wang.lei", {**RESEARCH, "findings": "from wang.lei"}),
        ("b", "qian.bo", {**RESEARCH, "findings": "from qian.bo"}),
    ])
    assert sorted(o.split(":")[0] for o in outcomes.values()) == ["conflict", "won"], outcomes
    history = engine.work.history(OPERATOR, plan)
    completed = [e for e in history if e["kind"] == "task_completed"]
    assert len(completed) == 1
    winner = "wang.lei" if outcomes["a"] == "won" else "qian.bo"
    assert completed[0]["actor"] == winner
    assert engine.work.show(OPERATOR, plan)["data"]["research"]["findings"] == f"from {winner}"
    assert [t["name"] for t in engine.work.show(OPERATOR, plan)["open_tasks"]] == ["draft_plan"]
    assert [e["seq"] for e in history] == list(range(1, len(history) + 1))
    assert chains(engine, plan)[1] == []


def test_same_user_double_submit_counts_once(engine):
    plan = start_plan(engine)
    task = only_task(engine, "wang.lei", "research")
    outcomes = _race(engine, task["id"], [("a", "wang.lei", RESEARCH), ("b", "wang.lei", RESEARCH)])
    assert sorted(o.split(":")[0] for o in outcomes.values()) == ["conflict", "won"], outcomes
    assert len([e for e in engine.work.history(OPERATOR, plan) if e["kind"] == "task_completed"]) == 1


def test_two_processes_complete_one_task_through_the_cli(db_url):
    engine = build_engine(db_url)
    engine.setup.init(demo=True)
    engine.org.add_user(OPERATOR, "qian.bo", ["research_supervisor"], "li.na")
    plan = start_plan(engine)
    task = only_task(engine, "wang.lei", "research")
    env = {**os.environ, "OPSFLOW_DATABASE_URL": db_url}
    procs = [subprocess.Popen([sys.executable, "-m", "opsflow.cli", "complete", str(task["id"]), "--as", user,
                               "--data", json.dumps(RESEARCH)], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
             for user in ("wang.lei", "qian.bo")]
    results = [(p.returncode, p.communicate(timeout=120)[1]) for p in procs]
    results = [(p.returncode, err) for p, (_, err) in zip(procs, results, strict=True)]
    codes = sorted(code for code, _ in results)
    assert codes == [0, 5], results
    assert "error:" in next(err for code, err in results if code == 5)
    assert len([e for e in engine.work.history(OPERATOR, plan) if e["kind"] == "task_completed"]) == 1
    engine.db.dispose()


def _rows(engine, plan):
    with engine.db.connect() as conn:
        return tuple(conn.scalar(select(func.count()).select_from(table).where(table.c.instance_id == plan))
                     for table in (HistoryEvent.__table__, Job.__table__, Notification.__table__,
                                   HumanTask.__table__))


def test_an_instance_stepped_by_someone_else_meanwhile_keeps_nothing_of_the_step(engine):
    """The instance row moved after the task was loaded (another node stepped it): the step's events, jobs and
    notifications, written with or after the row (on PostgreSQL in the same statement), are not kept."""
    plan = start_plan(engine)
    task = only_task(engine, "wang.lei", "research")
    before = _rows(engine, plan)
    original = engine.collaborators.runner.advance

    def advance_then_someone_else_steps(*args, **kwargs):
        result = original(*args, **kwargs)
        with engine.db.begin() as conn:
            conn.execute(update(ProcessInstance.__table__).where(ProcessInstance.__table__.c.id == plan)
                         .values(version=ProcessInstance.__table__.c.version + 1))
        return result

    engine.collaborators.runner.advance = advance_then_someone_else_steps
    try:
        with pytest.raises(Conflict, match=f"instance {plan} was changed by someone else"):
            engine.work.complete(Person("wang.lei"), task["id"], RESEARCH)
    finally:
        engine.collaborators.runner.advance = original
    assert _rows(engine, plan) == before
    assert only_task(engine, "wang.lei", "research")["id"] == task["id"]
    engine.work.complete(Person("wang.lei"), task["id"], RESEARCH)  # the same step, now unhindered, writes them all
    events, jobs, notifications, tasks = _rows(engine, plan)
    assert events > before[0] and jobs > before[1] and notifications > before[2] and tasks == before[3] + 1
    assert chains(engine, plan)[1] == []
