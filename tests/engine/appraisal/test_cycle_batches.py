"""Opening a big cycle in batches: the first batch with the cycle, the rest by jobs, progress on record.

The batch size is made small here (4) so that the ten appraisals of the demo organisation take
three batches: 4 with the cycle, then jobs of 4 and 2.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from engine.appraisal import cycles
from engine.appraisal.views import OpeningProgress
from engine.errors import FormInvalid
from engine.models import HumanTask, Job, Notification, ProcessInstance
from engine.org.people import Person
from engine.scheduling.worker import Worker
from tests.appraisal_steps import open_cycle, task_of
from tests.engine.appraisal.test_appraisal import EXPECTED_LINES
from tests.journey import OPERATOR, chains


@pytest.fixture
def small_batches(monkeypatch):
    monkeypatch.setattr(cycles, "OPEN_BATCH", 4)


def count(engine, model, *where):
    with engine.core.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def test_a_cycle_opens_its_first_batch_at_once_and_the_worker_the_rest(engine, small_batches):
    cycle = open_cycle(engine)
    opened = cycle.hook_result
    assert (opened["appraisals"], opened["opened"], len(opened["appraisal_ids"])) == (22, 4, 4)
    board = engine.appraisal.dashboard(OPERATOR, "2026-Q4")
    assert board.opening == OpeningProgress(planned=22, opened=4, finished=False) and board.appraisals == 4
    assert count(engine, Job, Job.kind == "open_appraisals", Job.state == "pending") == 5
    report = Worker(engine.core).run_once()
    assert report.incidents == 0 and report.errors == []
    board = engine.appraisal.dashboard(OPERATOR, "2026-Q4")
    assert board.opening == OpeningProgress(planned=22, opened=22, finished=True) and board.appraisals == 22
    children = [engine.work.show(OPERATOR, i["id"]) for i in engine.work.instances(OPERATOR, "appraisal")]
    lines = {c["data"]["start"]["employee"]: (c["data"]["start"]["appraiser"], c["data"]["start"]["calibrator"])
             for c in children}
    assert lines == EXPECTED_LINES
    for employee in EXPECTED_LINES:  # every appraisal waits for its employee, with a deadline and a timer
        task = task_of(engine, employee, "self_assessment", employee)
        assert task["mine"] is True and task["due_at"] is not None
    checked, problems = chains(engine)
    assert problems == [] and checked == 23


def test_a_batch_writes_the_same_rows_as_starting_one_by_one(engine, small_batches):
    open_cycle(engine)
    Worker(engine.core).run_once()
    with engine.core.transaction() as session:
        batched = session.scalars(select(ProcessInstance).where(ProcessInstance.process_key == "appraisal")
                                  .order_by(ProcessInstance.id)).all()
        first, last = batched[0], batched[-1]  # opened with the cycle, and by the last job
        for instance in (first, last):
            assert instance.next_timer_at is not None and instance.status == "running"
            assert session.scalar(select(func.count()).select_from(Job).where(
                Job.instance_id == instance.id, Job.kind.in_(["timer", "reminder", "overdue"]))) >= 3
            assert session.scalar(select(func.count()).select_from(Notification).where(
                Notification.instance_id == instance.id, Notification.kind == "new_task")) == 1
            assert session.scalar(select(HumanTask.assignee_id).where(HumanTask.instance_id == instance.id)) \
                is not None
    kinds = [[e["kind"] for e in engine.work.history(OPERATOR, i.id)] for i in (first, last)]
    assert kinds[0] == kinds[1] and kinds[0][:2] == ["instance_started", "task_created"]


def test_closing_a_cycle_still_opening_needs_the_choice_and_cancels_the_unopened_batches(engine, small_batches):
    cycle = open_cycle(engine)
    close = next(t for t in engine.work.tasks(Person("chen.yu")) if t["name"] == "close_cycle")
    with pytest.raises(FormInvalid) as refused:
        engine.work.complete(Person("chen.yu"), close["id"], {})
    assert "22 appraisal(s)" in refused.value.fields[cycles.CANCEL_OPEN][0]  # 4 open, 18 not opened yet
    engine.work.complete(Person("chen.yu"), close["id"], {cycles.CANCEL_OPEN: True})
    assert count(engine, Job, Job.kind == "open_appraisals", Job.state == "pending") == 0
    assert Worker(engine.core).run_once().incidents == 0
    assert count(engine, ProcessInstance, ProcessInstance.parent_id == cycle.id) == 4  # nothing more opened
    assert {i["status"] for i in engine.work.instances(OPERATOR, "appraisal")} == {"cancelled"}
    assert engine.appraisal.dashboard(OPERATOR, "2026-Q4").opening.finished is True


def test_a_batch_that_runs_after_the_close_opens_nothing(sqlite_engine, small_batches):
    engine = sqlite_engine
    open_cycle(engine)
    with engine.core.transaction() as session:  # the job a worker had leased before the close
        payload = json.loads(session.scalars(select(Job.payload_json).where(
            Job.kind == "open_appraisals").order_by(Job.id)).first())
    close = next(t for t in engine.work.tasks(Person("chen.yu")) if t["name"] == "close_cycle")
    engine.work.complete(Person("chen.yu"), close["id"], {cycles.CANCEL_OPEN: True})
    with engine.core.transaction() as session:
        cycles.open_batch(session, engine.collaborators, payload, engine.collaborators.clock())
    assert count(engine, ProcessInstance, ProcessInstance.process_key == "appraisal") == 4
