"""Work for later and what nodes share: jobs, notifications, schedules, worker heartbeats, shared settings
and calendar days."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base

# Jobs the worker or an operator looks for by state: pending (the worker's queue, soonest due first) and incident
# (the operations page). Done and cancelled jobs, most of the table, leave ``ix_job_due``: a job that ends (or a
# request's reminders cancelled when it ends) only removes its entry. ORs, not IN, so that SQLite uses it.
LIVE_JOB = "state = 'pending' OR state = 'incident'"


class Job(Base):
    """Due work for the worker: timers, reminders, e-mails, scheduled starts.

    A worker leases a job (``locked_by``/``locked_until``); the job's effect and its
    ``done`` mark commit together, so a job whose lease expired is never applied twice.
    """

    __tablename__ = "job"
    __table_args__ = (Index("ix_job_due", "state", "due_at", sqlite_where=text(LIVE_JOB),
                            postgresql_where=text(LIVE_JOB)),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    # pending, done, incident; dismissed (an incident an operator gave up, with a reason); cancelled (its instance
    # ended before it was due)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"), default=None, index=True)
    human_task_id: Mapped[int | None] = mapped_column(ForeignKey("human_task.id"), default=None)
    payload_json: Mapped[str] = mapped_column(Text, default="{}")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=5)
    locked_by: Mapped[str | None] = mapped_column(String(100), default=None)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    dismissed_by: Mapped[str | None] = mapped_column(String(64), default=None)  # who gave the incident up
    dismissal_reason: Mapped[str | None] = mapped_column(Text, default=None)


DEDUPED = "dedupe_key IS NOT NULL"


class Notification(Base):
    """An in-app message to one user (new task, reminder, result...)."""

    __tablename__ = "notification"
    # A notification without a dedupe key (most: a new task's) writes no entry of ``ix_notification_dedupe_key``.
    __table_args__ = (Index("ix_notification_user_unread", "user_id", "read_at"),
                      Index("ix_notification_dedupe_key", "dedupe_key", unique=True,
                            sqlite_where=text(DEDUPED), postgresql_where=text(DEDUPED)))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    kind: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"), default=None)
    human_task_id: Mapped[int | None] = mapped_column(ForeignKey("human_task.id"), default=None)
    dedupe_key: Mapped[str | None] = mapped_column(String(200), default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class Schedule(Base):
    """Start a process periodically (e.g. open an appraisal cycle each quarter)."""

    __tablename__ = "schedule"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    process_key: Mapped[str] = mapped_column(String(128))
    cadence: Mapped[str] = mapped_column(String(16))  # monthly, quarterly, annual
    owner_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    data_json: Mapped[str] = mapped_column(Text, default="{}")
    next_run_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class WorkerHeartbeat(Base):
    """A worker process, as last seen polling the job table (the operations page lists recent ones)."""

    __tablename__ = "worker_heartbeat"

    worker_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    slots: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class SharedSetting(Base):
    """A value every node must agree on (e.g. the key that signs session cookies), kept in the database."""

    __tablename__ = "shared_setting"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CalendarDay(Base):
    """A day an operator entered: a holiday (off even on a weekday) or a make-up working day."""

    __tablename__ = "calendar_day"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    working: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str] = mapped_column(String(200), default="")
    entered_by: Mapped[str] = mapped_column(String(64), default="")
    entered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class RequestKey(Base):
    """A write sent with an idempotency key (the API's ``Idempotency-Key``, a web form's key per render): held in
    the transaction of the write itself, so the write and its key commit together or not at all; the answer is
    kept right after, and given again to the same key with the same request for 24 hours."""

    __tablename__ = "request_key"
    __table_args__ = (Index("ix_request_key_owner", "username", "key", unique=True),
                      Index("ix_request_key_created_at", "created_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64))  # whose key: two people's keys never meet
    key: Mapped[str] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(String(64))  # SHA-256 of the request (method, path, body)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[int | None] = mapped_column(Integer, default=None)  # None: written, its answer not kept yet
    answer: Mapped[str | None] = mapped_column(Text, default=None)  # the answer's body (JSON for the API)
    location: Mapped[str | None] = mapped_column(String(500), default=None)  # its Location (where a page went)
