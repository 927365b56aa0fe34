"""A worker whose database takes no writes stays up, waits longer each time, and goes on once writes work again."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from sqlalchemy import select

from engine.facade import Engine
from engine.models import Job, WorkerHeartbeat
from engine.runtime import outbox
from engine.scheduling.worker import Worker
from tests.storage_faults import WriteSwitch

PATIENCE = 120.0  # seconds before a test gives up waiting for the worker (a hang, not a speed limit)


def _eventually(condition: Callable[[], bool]) -> None:
    give_up = time.monotonic() + PATIENCE
    while not condition():
        assert time.monotonic() < give_up, "the worker never got there"
        time.sleep(0.01)


def _seen(engine: Engine, worker_id: str) -> bool:
    with engine.core.reading() as session:
        seen = select(WorkerHeartbeat.worker_id).where(WorkerHeartbeat.worker_id == worker_id)
        return session.scalar(seen) is not None


def test_the_worker_waits_while_writes_are_refused_and_resumes_when_they_are_taken(engine: Engine) -> None:
    switch = WriteSwitch(engine)
    switch.refused = True
    worker = Worker(engine.core, worker_id="backoff-test", slots=1, first_backoff=0.01)
    stop = threading.Event()
    thread = threading.Thread(target=worker.run_forever, kwargs={"poll_seconds": 0.01, "stop": stop})
    thread.start()
    try:
        _eventually(lambda: worker.backoff is not None and worker.backoff.waits >= 3)
        assert thread.is_alive()
        assert worker.backoff is not None and worker.backoff.wait > 0.01  # it waits longer each time
        assert not _seen(engine, "backoff-test")  # nothing was written meanwhile
        switch.refused = False
        _eventually(lambda: _seen(engine, "backoff-test"))  # polling again: it leased (and beat) once more
        assert worker.backoff.wait == 0
        with engine.core.reading() as session:
            assert session.scalar(select(Job.id).where(Job.kind == "checkpoint")) is not None
    finally:
        stop.set()
        thread.join()
    assert not thread.is_alive()


def test_the_worker_leases_the_next_job_as_soon_as_one_ends_not_a_poll_later(engine: Engine) -> None:
    """Three jobs due now, one slot and an hour-long poll: all three are done well within the patience (a
    worker that slept a poll between jobs would not be done for two hours)."""
    done: list[int] = []
    engine.collaborators.hooks.on_job("test_step", lambda session, collaborators, payload, now: done.append(
        payload["n"]))
    with engine.core.transaction() as session:
        now = engine.collaborators.clock()
        outbox.schedule_jobs(session, [{"kind": "test_step", "due_at": now, "payload": {"n": n}} for n in range(3)],
                             now)
    worker = Worker(engine.core, worker_id="eager-test", slots=1)
    stop = threading.Event()
    thread = threading.Thread(target=worker.run_forever, kwargs={"poll_seconds": 3600.0, "stop": stop})
    thread.start()
    try:
        _eventually(lambda: len(done) == 3)
    finally:
        stop.set()
        thread.join()
    assert sorted(done) == [0, 1, 2]
