"""The operations use cases (admins: the operate right): incidents with their instance's history, retry,
cancel with a reason, pending and leased jobs, and the workers seen recently (heartbeats)."""

from __future__ import annotations

import pytest

from engine.errors import NotAllowed, NotFound
from engine.facade import Engine
from engine.org.people import Person
from engine.org.rights import Right
from engine.runtime import outbox
from engine.scheduling.heartbeat import BEAT_EVERY
from engine.scheduling.jobs import LEASE_SECONDS
from engine.scheduling.worker import Worker
from tests.clocks import FakeClock
from tests.journey import OPERATOR, start_plan


def an_incident(engine: Engine, clock: FakeClock) -> tuple[int, int]:
    """A plan, and a job of it that fails at once (no handler for its kind) and becomes an incident."""
    plan = start_plan(engine)
    with engine.core.transaction() as session:
        outbox.schedule_job(session, "no_such_kind", clock(), clock(), instance_id=plan, max_attempts=1)
    assert Worker(engine.core, worker_id="w-incident").run_once().incidents == 1
    [incident] = engine.ops.overview(Person("admin")).incidents
    return plan, incident.id


def test_only_admins_operate(demo: Engine, clock: FakeClock) -> None:
    plan, job = an_incident(demo, clock)
    assert demo.org.may(Person("admin"), Right.OPERATE) and not demo.org.may(Person("chen.yu"), Right.OPERATE)
    for person in ("chen.yu", "he.ping", "li.na"):
        who = Person(person)
        for call, args in ((demo.ops.overview, (who,)), (demo.ops.incident, (who, job)),
                           (demo.ops.retry, (who, job)), (demo.ops.cancel, (who, plan, "no"))):
            with pytest.raises(NotAllowed):
                call(*args)  # type: ignore[operator]
    assert demo.work.show(OPERATOR, plan)["status"] == "running"


def test_an_incident_comes_with_its_error_and_its_instances_history(demo: Engine, clock: FakeClock) -> None:
    plan, job = an_incident(demo, clock)
    found = demo.ops.incident(Person("admin"), job)
    assert "no handler" in found.error and found.attempts == 1
    assert found.instance["id"] == plan and found.instance["status"] == "running"
    assert [e["kind"] for e in found.history][:2] == ["instance_started", "task_created"]
    with pytest.raises(NotFound):
        demo.ops.incident(Person("admin"), job + 1000)
    assert demo.ops.retry(Person("admin"), job).state == "pending"
    assert demo.ops.overview(Person("admin")).incidents == []
    assert [j.id for j in demo.ops.overview(Person("admin")).jobs if j.kind == "no_such_kind"] == [job]


def test_cancelling_from_the_operations_page_tells_the_starter_why(demo: Engine, clock: FakeClock) -> None:
    plan, _job = an_incident(demo, clock)
    demo.ops.cancel(Person("admin"), plan, "Stuck on a broken timer")
    assert demo.work.show(OPERATOR, plan)["status"] == "cancelled"
    [told] = [n for n in demo.work.notifications(Person("li.na")) if n.kind == "result"]
    assert told.body == "Stuck on a broken timer"
    assert demo.work.history(OPERATOR, plan)[-1]["payload"]["reason"] == "Stuck on a broken timer"


def test_pending_and_leased_jobs_are_listed_soonest_first(demo: Engine, clock: FakeClock) -> None:
    start_plan(demo)
    with demo.core.transaction() as session:
        outbox.schedule_job(session, "no_such_kind", clock(), clock())
    worker = Worker(demo.core, worker_id="w-lease")
    [leased] = worker.lease(1)
    jobs = demo.ops.overview(Person("admin")).jobs
    assert jobs[0].id == leased.id and jobs[0].leased_by == "w-lease" and jobs[0].lease_until
    clock.advance(seconds=LEASE_SECONDS + 1)
    assert demo.ops.overview(Person("admin")).jobs[0].leased_by is None  # an expired lease is no lease


def test_workers_are_seen_by_their_heartbeat_and_forgotten_when_silent(demo: Engine, clock: FakeClock) -> None:
    assert demo.ops.overview(Person("admin")).workers == []
    worker = Worker(demo.core, worker_id="w-1", slots=2)
    worker.run_once()
    [seen] = demo.ops.overview(Person("admin")).workers
    assert (seen.worker_id, seen.slots, seen.jobs_held) == ("w-1", 2, 0)
    first = seen.seen_at
    clock.advance(seconds=3)
    worker.run_once()  # within BEAT_EVERY: no write
    assert demo.ops.overview(Person("admin")).workers[0].seen_at == first
    clock.advance(seconds=BEAT_EVERY.total_seconds())
    worker.run_once()
    assert demo.ops.overview(Person("admin")).workers[0].seen_at != first
    clock.advance(seconds=1)
    Worker(demo.core, worker_id="w-2").run_once()
    assert [w.worker_id for w in demo.ops.overview(Person("admin")).workers] == ["w-2", "w-1"]
    clock.advance(minutes=6)
    assert demo.ops.overview(Person("admin")).workers == []  # not seen for five minutes
