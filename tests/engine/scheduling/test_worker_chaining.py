"""A slot that frees leases its next job in the transaction of the job that ended (one write and commit fewer per
job: a cycle's opening runs batch after batch), and a worker that stops gives such a job back."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from engine.facade import Engine
from engine.models import Job
from engine.runtime import outbox
from engine.scheduling import worker as worker_module
from engine.scheduling.worker import MAX_YIELD, Worker


def schedule(engine: Engine, count: int) -> None:
    with engine.core.transaction() as session:
        now = engine.collaborators.clock()
        outbox.schedule_jobs(session, [{"kind": "test_step", "due_at": now, "payload": {"n": n}}
                                       for n in range(count)], now)


def jobs(engine: Engine) -> list[tuple[str, str | None, int]]:
    with engine.core.reading() as session:
        return [(j.state, j.locked_by, j.attempts) for j in session.scalars(
            select(Job).where(Job.kind == "test_step").order_by(Job.id))]


def test_a_job_that_ends_leases_the_next_due_job_in_its_own_transaction(engine: Engine) -> None:
    done: list[int] = []
    engine.collaborators.hooks.on_job("test_step", lambda session, collaborators, payload, now: done.append(
        payload["n"]))
    schedule(engine, 2)
    worker = Worker(engine.core, worker_id="chain-test", slots=1)
    [first] = worker.lease(1)
    report = worker.run_job(first, lease_next=True)
    assert report.done == 1 and [j.payload["n"] for j in report.leased] == [1]
    assert jobs(engine) == [("done", "chain-test", 1), ("pending", "chain-test", 1)]  # the second: leased
    last = worker.run_job(report.leased[0], lease_next=True)
    assert last.done == 1 and last.leased == [] and done == [0, 1]
    assert worker.run_job(report.leased[0]).done == 0  # done already: not twice


def test_a_job_that_fails_leases_nothing(engine: Engine) -> None:
    def fail(session, collaborators, payload, now):  # type: ignore[no-untyped-def]
        raise ValueError("no")

    engine.collaborators.hooks.on_job("test_step", fail)
    schedule(engine, 2)
    worker = Worker(engine.core, worker_id="chain-test", slots=1)
    [first] = worker.lease(1)
    report = worker.run_job(first, lease_next=True)
    assert report.retried == 1 and report.leased == []
    assert jobs(engine)[1] == ("pending", None, 0)


def test_a_worker_that_stops_gives_back_the_job_it_leased_for_its_next_turn(engine: Engine) -> None:
    stop = threading.Event()
    ran: list[int] = []

    def step(session, collaborators, payload, now):  # type: ignore[no-untyped-def]
        ran.append(payload["n"])
        stop.set()  # the worker stops after this job, which leases the next one as it ends

    engine.collaborators.hooks.on_job("test_step", step)
    schedule(engine, 2)
    worker = Worker(engine.core, worker_id="stop-test", slots=1)
    thread = threading.Thread(target=worker.run_forever, kwargs={"poll_seconds": 3600.0, "stop": stop})
    thread.start()
    thread.join(timeout=120)
    assert not thread.is_alive()
    assert ran == [0]
    assert jobs(engine) == [("done", "stop-test", 1), ("pending", None, 0)]  # due again, for anyone, untouched


def test_on_sqlite_a_long_job_leaves_the_write_lock_to_others_for_as_long_before_the_next(
    engine: Engine, monkeypatch,  # type: ignore[no-untyped-def]
) -> None:
    """Jobs back to back (a cycle's batches) would hold SQLite's one write lock nearly all the time, and a person's
    step waiting on it would miss the short gaps: after a job, the worker begins none for as long as it took (at
    most ``MAX_YIELD``). PostgreSQL has no such lock: no pause there."""
    clock = {"now": 100.0}
    slept: list[float] = []
    monkeypatch.setattr(worker_module, "time", SimpleNamespace(monotonic=lambda: clock["now"], sleep=slept.append))

    def long_step(session, collaborators, payload, now):  # type: ignore[no-untyped-def]
        clock["now"] += 0.04 if payload["n"] == 0 else 5.0  # the first takes 40 ms, the second 5 s

    engine.collaborators.hooks.on_job("test_step", long_step)
    schedule(engine, 3)
    worker = Worker(engine.core, worker_id="yield-test", slots=1)
    [first] = worker.lease(1)
    report = worker.run_job(first, lease_next=True)
    second = worker.run_job(report.leased[0], lease_next=True)
    worker.run_job(second.leased[0], lease_next=True)
    sqlite = engine.db.dialect.name == "sqlite"
    if sqlite:
        assert slept[0] == 0.0 and slept[1] == pytest.approx(0.04) and slept[2] == pytest.approx(MAX_YIELD)
    else:
        assert slept == [0.0, 0.0, 0.0]
