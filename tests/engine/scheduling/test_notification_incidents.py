"""Operators can finish what they start: a worker without mail settings raises an incident for an e-mail (never
drops it), the incident names whom it was for, an operator skips it with a reason (kept), and the timers,
reminders and escalations of a request that ended are cancelled with it (the operations page lists none)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from engine.errors import InvalidInput
from engine.facade import Engine
from engine.models import Job, User
from engine.org.people import Person
from engine.runtime import outbox
from engine.scheduling.worker import Worker
from tests.clocks import FakeClock
from tests.journey import START

ADMIN = Person("admin")


def _queue_email(engine: Engine, clock: FakeClock, username: str) -> int:
    with engine.core.transaction() as session:
        user_id = session.scalar(select(User.id).where(User.username == username))
        outbox.schedule_jobs(session, [{"kind": "email", "due_at": clock(), "payload": {
            "user_id": user_id, "kind": "new_task", "subject": "新任务 New task", "body": ""}}], clock())
        return int(session.scalar(select(Job.id).where(Job.kind == "email").order_by(Job.id.desc())) or 0)


@dataclass(frozen=True)
class JobState:
    state: str
    last_error: str | None
    dismissed_by: str | None
    dismissal_reason: str | None


def _job(engine: Engine, job_id: int) -> JobState:
    with engine.core.reading() as session:
        row = session.execute(select(Job.state, Job.last_error, Job.dismissed_by, Job.dismissal_reason)
                              .where(Job.id == job_id)).one()
        return JobState(*row)


def _until_incident(engine: Engine, clock: FakeClock, job_id: int) -> None:
    worker = Worker(engine.core, worker_id="no-mail", slots=1)
    for _ in range(10):
        worker.run_once()
        if _job(engine, job_id).state == "incident":
            return
        clock.advance(hours=2)  # past the retry's backoff
    raise AssertionError("the e-mail never became an incident")


def test_a_worker_without_mail_settings_raises_an_incident_naming_the_recipient(demo: Engine,
                                                                                 clock: FakeClock) -> None:
    assert demo.collaborators.mailer is None
    job_id = _queue_email(demo, clock, "wang.lei")
    _until_incident(demo, clock, job_id)
    assert "no mail settings" in (_job(demo, job_id).last_error or "")
    [listed] = [i for i in demo.ops.incidents(ADMIN) if i.id == job_id]
    assert listed.recipient is not None and "(wang.lei)" in listed.recipient
    shown = demo.ops.incident(ADMIN, job_id)
    assert shown.recipient == listed.recipient and shown.dismissable


def test_an_operator_skips_a_failing_notification_with_a_reason_that_is_kept(demo: Engine, clock: FakeClock) -> None:
    job_id = _queue_email(demo, clock, "li.na")
    _until_incident(demo, clock, job_id)
    with pytest.raises(InvalidInput, match="a reason is required"):
        demo.ops.dismiss(ADMIN, job_id, "  ")
    assert _job(demo, job_id).state == "incident"
    dismissed = demo.ops.dismiss(ADMIN, job_id, "li.na's mailbox was closed; told her in person")
    assert (dismissed.by, dismissed.reason) == ("admin", "li.na's mailbox was closed; told her in person")
    job = _job(demo, job_id)
    assert (job.state, job.dismissed_by, job.dismissal_reason) == ("dismissed", "admin", dismissed.reason)
    assert job_id not in {i.id for i in demo.ops.incidents(ADMIN)}
    with pytest.raises(InvalidInput, match="not an incident"):
        demo.ops.dismiss(ADMIN, job_id, "again")


def test_only_notifications_are_skipped_a_timer_is_retried_or_its_request_cancelled(demo: Engine,
                                                                                   clock: FakeClock) -> None:
    started = demo.work.start(Person("li.na"), "market_plan", START)
    with demo.core.transaction() as session:
        job = Job(kind="timer", state="incident", due_at=clock(), instance_id=started.id, payload_json="{}",
                  attempts=5, max_attempts=5, last_error="boom", created_at=clock())
        session.add(job)
        session.flush()
        timer_id = job.id
    with pytest.raises(InvalidInput, match="not a notification"):
        demo.ops.dismiss(ADMIN, timer_id, "no")
    assert _job(demo, timer_id).state == "incident"
    assert not demo.ops.incident(ADMIN, timer_id).dismissable


def _pending_of(engine: Engine, instance_id: int) -> dict[int, str]:
    with engine.core.reading() as session:
        return {job.id: job.state for job in session.scalars(select(Job).where(
            Job.instance_id == instance_id, Job.kind.in_(outbox.ENDS_WITH_INSTANCE)))}


def test_the_reminders_of_a_request_that_ends_are_cancelled_and_not_listed(demo: Engine, clock: FakeClock) -> None:
    started = demo.work.start(Person("li.na"), "market_plan", START)
    before = _pending_of(demo, started.id)
    assert before and set(before.values()) == {"pending"}  # the research step's reminder and escalation
    demo.work.withdraw(Person("li.na"), started.id, "planned twice")
    assert _pending_of(demo, started.id) == {job_id: "cancelled" for job_id in before}
    listed = {job.id for job in demo.ops.overview(ADMIN).jobs}
    assert not listed & set(before)


def test_the_operations_page_skips_reminders_an_ended_request_left_pending(demo: Engine) -> None:
    started = demo.work.start(Person("li.na"), "market_plan", START)
    left = set(_pending_of(demo, started.id))
    demo.work.withdraw(Person("li.na"), started.id, "planned twice")
    with demo.core.transaction() as session:  # as a database from before this change has them: still pending
        for job_id in left:
            session.get(Job, job_id).state = "pending"  # type: ignore[union-attr]
    assert not {job.id for job in demo.ops.overview(ADMIN).jobs} & left
