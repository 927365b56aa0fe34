"""``ix_job_due`` holds pending jobs and incidents only (0044): the worker's queue and the operations page still
read through it on both databases."""

from __future__ import annotations

from sqlalchemy import or_, select

from engine.facade import Engine
from engine.models import Job
from tests.clocks import FakeClock
from tests.query_plans import plan_of


def test_the_queue_and_the_incidents_are_read_through_the_index(demo: Engine, clock: FakeClock) -> None:
    now = clock()
    queue = (select(Job.id).where(Job.state == "pending", Job.due_at <= now,
                                  or_(Job.locked_until.is_(None), Job.locked_until < now))
             .order_by(Job.due_at, Job.id).limit(10))  # as the worker leases them
    # The operations page's incidents (without their order by id, which an empty table reads by its key instead).
    incidents = select(Job.id).where(Job.state == "incident")
    with demo.db.begin() as connection:
        assert "ix_job_due" in plan_of(connection, queue)
        assert "ix_job_due" in plan_of(connection, incidents)
