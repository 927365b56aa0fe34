"""Starts that differ only in carried values run once, as a template (``engine.runtime.alike_starts``): the runs
it gives are those of running each start on its own, but for the task ids and the moments of state changes."""

from __future__ import annotations

import copy
import dataclasses
import json
import operator
import re
import uuid
from typing import Any

import pytest
from sqlalchemy import select

from engine.appraisal import cycles
from engine.models import HistoryEvent, ProcessInstance
from engine.org.people import load_actor
from engine.runtime import alike_starts
from engine.runtime.alike_starts import Blank, DataDependent
from engine.runtime.execution import StepResult
from engine.runtime.instances import plan_instances
from engine.scheduling.worker import Worker
from tests.appraisal_steps import open_cycle
from tests.journey import chains
from tests.templates import demo_engine

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def renamed(text: str, names: dict[str, str]) -> str:
    """Task ids replaced by their order of first appearance (shared between the texts of one run)."""
    return UUID.sub(lambda m: names.setdefault(m.group(0), f"task-{len(names)}"), text)


def normal_state(state_json: str, names: dict[str, str]) -> Any:
    state = json.loads(renamed(state_json, names))
    for task in state["tasks"].values():
        task.pop("last_state_change")
    return state


def normal(run: StepResult) -> dict[str, Any]:
    names: dict[str, str] = {}
    return {
        "state": normal_state(run.state_json, names),
        "status": run.status, "end_event": run.end_event, "data": run.data, "data_text": run.data_text(),
        "events": [(e.kind, e.actor, e.task_name, e.human_task_id, json.loads(renamed(json.dumps(e.payload), names)))
                   for e in run.events],
        "new_tasks": [(names[t.spiff_id], t.name, t.lane, t.member, t.round_id) for t in run.new_tasks],
        "gone": run.gone_task_ids, "timer": run.next_timer_at,
    }


@pytest.fixture
def clocked(request, sqlite_url, clock):
    """The demo on SQLite on a clock that stands still: runs at different moments compute the same deadlines."""
    yield from demo_engine(request, sqlite_url, None, clock)


def appraisal_starts(engine) -> list[dict[str, Any]]:
    with engine.core.transaction() as session:
        return [{"period": "2026-Q4", "period_type": "quarterly", "cycle_id": 1, **cycles.DEFAULT_WINDOWS, **line}
                for line in cycles.reporting_lines(session)]


def appraisal(engine):
    with engine.core.transaction() as session:
        return engine.collaborators.catalog.latest(session, "appraisal"), load_actor(session, "chen.yu")


def test_an_appraisal_batch_runs_as_a_template_and_each_run_is_the_plain_one(clocked):
    starts = appraisal_starts(clocked)
    process, actor = appraisal(clocked)
    assert len({s["employee"] for s in starts}) == len(starts) > 10
    assert alike_starts.plan_alike(clocked.collaborators.runner, process, "chen.yu", starts) is not None
    fast = plan_instances(clocked.collaborators, process, actor, starts)
    plain = plan_instances(clocked.collaborators, process, actor, starts, alike=False)
    assert [normal(f.run) for f in fast] == [normal(p.run) for p in plain]
    assert [(f.title, f.business_key, f.start_data) for f in fast] == [(p.title, p.business_key, p.start_data)
                                                                      for p in plain]
    ids = [t.spiff_id for f in fast for t in f.run.new_tasks]
    assert len(set(ids)) == len(ids) == len(starts)  # every instance has task ids of its own
    for item in fast:  # and each state loads and names its own person
        workflow = clocked.collaborators.runner.load(process, item.run.state_json)
        [task] = [t for t in workflow.get_tasks() if t.task_spec.name == "self_assessment" and t.state == 16]
        assert task.data["start"] == item.start_data and str(task.id) == item.run.new_tasks[0].spiff_id


def with_script(process, script: str):
    """The appraisal with another script in its first step (a copy: the catalog's version is left alone)."""
    spec, subprocesses = copy.deepcopy(process.specs)
    spec.task_specs["plan_deadlines"].script = script
    return dataclasses.replace(process, specs=(spec, subprocesses))


@pytest.mark.parametrize("script", [
    "self_assessment_due = working_deadline(start['self_assessment_window'] if start['employee'] != 'x' else 'P1D')",
    "self_assessment_due = working_deadline(start['self_assessment_window'])\nlabel = start['employee'].upper()",
    "self_assessment_due = working_deadline(start['self_assessment_window'])\n"
    "kind = isinstance(start['appraiser'], str)",
    "self_assessment_due = working_deadline(start['self_assessment_window'])\nwho = start['employee']",
    "self_assessment_due = working_deadline(start['self_assessment_window'])\nwho = [start['calibrator']]",
    "self_assessment_due = working_deadline(start['self_assessment_window'])\nstart['appraiser'] = start['employee']",
    "self_assessment_due = working_deadline(start['self_assessment_window'])\nstart = start['employee']",
])
def test_a_model_that_uses_a_differing_value_runs_each_start_on_its_own(clocked, script):
    starts = appraisal_starts(clocked)
    original, actor = appraisal(clocked)
    process = with_script(original, script)
    assert alike_starts.plan_alike(clocked.collaborators.runner, process, "chen.yu", starts) is None
    runs = plan_instances(clocked.collaborators, process, actor, starts)
    plain = plan_instances(clocked.collaborators, process, actor, starts, alike=False)
    assert [normal(r.run) for r in runs] == [normal(p.run) for p in plain]
    assert {json.dumps(r.run.data) for r in runs} != {json.dumps(runs[0].run.data)}  # each its own


def test_starts_that_do_not_suit_a_template_are_told_apart():
    alike = [{"a": "x", "b": 1}, {"a": "y", "b": 1}]
    assert alike_starts.differing_fields(alike) == ["a"]
    assert alike_starts.differing_fields(alike[:1]) is None  # one start: nothing to share
    assert alike_starts.differing_fields([{"a": "x"}, {"b": "x"}]) is None  # other fields
    assert alike_starts.differing_fields([{"a": 1}, {"a": 2}]) is None  # a differing value that is not text
    assert alike_starts.differing_fields([{"a": "x"}, {"a": None}]) is None
    assert alike_starts.differing_fields([{"a": 1}, {"a": True}]) is None  # equal, yet other data
    assert alike_starts.differing_fields([{"a": "x", "b": [1]}, {"a": "y", "b": [1]}]) == ["a"]


@pytest.mark.parametrize("use", [
    lambda b: b == "x", lambda b: operator.eq("x", b), lambda b: b < "x", hash, bool, len, str, repr, lambda b: f"{b}",
    lambda b: b + "x", lambda b: "x" + b, lambda b: b * 2, lambda b: b % (), lambda b: b.upper(), lambda b: b[0],
    lambda b: list(b), lambda b: "x" in b, lambda b: b in {"x": 1}, lambda b: b in ["x"], lambda b: int(b),
    lambda b: isinstance(b, str), lambda b: b.__class__, lambda b: {b}, operator.not_, lambda b: json.dumps(b),
    lambda b: copy.copy(b).strip(),
])
def test_a_blank_refuses_every_use_but_copying_and_records_it(use):
    probe = alike_starts._Probe()
    blank = Blank(probe, "employee")
    assert copy.deepcopy({"start": [blank]})["start"][0] is blank and copy.copy(blank) is blank
    assert probe.used is False
    with pytest.raises(DataDependent):
        use(blank)
    assert probe.used


@pytest.mark.parametrize("use", [lambda b: b(), lambda b: " ".join([b]), lambda b: str.upper(b)])
def test_what_the_language_refuses_a_blank_fails_the_run_all_the_same(use):
    with pytest.raises(TypeError):  # and a template run that fails in any way is not used
        use(Blank(alike_starts._Probe(), "employee"))


def test_a_cycle_opened_by_the_worker_stores_the_plain_runs_and_valid_chains(demo, clock, monkeypatch):
    monkeypatch.setattr(cycles, "OPEN_BATCH", 4)
    open_cycle(demo)
    report = Worker(demo.core).run_once()
    assert report.errors == [] and report.done == 5
    process, actor = appraisal(demo)
    with demo.core.transaction() as session:
        stored = session.scalars(select(ProcessInstance).where(ProcessInstance.process_key == "appraisal")
                                 .order_by(ProcessInstance.id)).all()
        starts = [json.loads(i.data_json)["start"] for i in stored]
        plain = plan_instances(demo.collaborators, process, actor, starts, alike=False)
        for instance, item in zip(stored, plain, strict=True):
            assert normal_state(instance.state_json, {}) == normal_state(item.run.state_json, {})
            assert (instance.data_json, instance.title, instance.status) == (item.run.data_text(), item.title,
                                                                              "running")
            kinds = session.scalars(select(HistoryEvent.kind).where(HistoryEvent.instance_id == instance.id)
                                    .order_by(HistoryEvent.seq)).all()
            assert kinds == ["instance_started", *(e.kind for e in item.run.events)]
            assert (instance.version, instance.history_seq) == (2, len(kinds))  # one row, complete (both databases)
    checked, problems = chains(demo)
    assert problems == [] and checked == len(stored) + 1 == 23


def test_fresh_task_ids_are_random_version_4_uuids():
    ids = alike_starts._fresh_ids(200)
    assert len(set(ids)) == 200
    assert all(str(uuid.UUID(i)) == i and uuid.UUID(i).version == 4 and uuid.UUID(i).variant == uuid.RFC_4122
               for i in ids)
