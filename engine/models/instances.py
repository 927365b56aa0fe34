"""Running processes: instances, their human tasks and comments, batched openings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from .base import COMPLETED_BY, HELD, IN_ROUND, OPEN_HELD, OPEN_UNCLAIMED, PROXIED, Base


class ProcessInstance(Base):
    """One run of a deployed version. ``version`` guards concurrent steps."""

    __tablename__ = "process_instance"
    __table_args__ = (
        Index("ix_instance_status_key", "status", "process_key"),
        Index("ix_instance_starter", "started_by_id", "id"),  # "My requests", newest first
        UniqueConstraint("process_key", "business_key", name="uq_instance_business_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definition.id"))
    process_key: Mapped[str] = mapped_column(String(128))
    title: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[str] = mapped_column(String(16))
    end_event: Mapped[str | None] = mapped_column(String(128), default=None)
    started_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    version: Mapped[int] = mapped_column(Integer, default=1)
    state_json: Mapped[str] = mapped_column(Text)
    data_json: Mapped[str] = mapped_column(Text, default="{}")
    history_seq: Mapped[int] = mapped_column(Integer, default=0)
    history_head: Mapped[str] = mapped_column(String(64), default="")
    business_key: Mapped[str | None] = mapped_column(String(300), default=None)
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("process_instance.id", name="fk_process_instance_parent"), default=None, index=True)
    next_timer_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


QUEUE_CARRIES = ("instance_id", "definition_id", "name", "unit_scope")  # what a search tests of a queue's task


class HumanTask(Base):
    """A user task waiting for (or done by) a person; the inbox reads only this table."""

    __tablename__ = "human_task"
    __table_args__ = (
        # The team queue: open, unclaimed tasks of a role, oldest first (the inbox reads it in index order). Each
        # entry holds what a search tests (instance, step, unit: 0046 on PostgreSQL, 0048 as keys on both, after the
        # unique id), so a searched queue is tested from the index alone.
        Index("ix_human_task_queue", "lane", "created_at", "id", *QUEUE_CARRIES, sqlite_where=text(OPEN_UNCLAIMED),
              postgresql_where=text(OPEN_UNCLAIMED)),
        # ... and by due date (the dated ones first, then the undated by id: two stretches of this index).
        Index("ix_human_task_queue_due", "lane", "due_at", "id", *QUEUE_CARRIES, sqlite_where=text(OPEN_UNCLAIMED),
              postgresql_where=text(OPEN_UNCLAIMED)),
        # A person's own tasks, oldest first; and their open ones by due date. Only the held ones (a task comes
        # unclaimed to a role, most of the time: its row writes no page of this index until someone holds it).
        Index("ix_human_task_assignee", "assignee_id", "state", "created_at", "id", sqlite_where=text(HELD),
              postgresql_where=text(HELD)),
        Index("ix_human_task_held_due", "assignee_id", "due_at", "id", sqlite_where=text(OPEN_HELD),
              postgresql_where=text(OPEN_HELD)),
        # An instance's open steps (lists of instances show them).
        Index("ix_human_task_instance_state", "instance_id", "state"),
        # Where someone took part ("My requests" lists what others started and they worked on); done tasks only.
        Index("ix_human_task_completed_by", "completed_by_id", "instance_id", sqlite_where=text(COMPLETED_BY),
              postgresql_where=text(COMPLETED_BY)),
        # ... and where they hold an open step, newest instance first (few rows: open, claimed tasks only).
        Index("ix_human_task_held", "assignee_id", "instance_id", sqlite_where=text(OPEN_HELD),
              postgresql_where=text(OPEN_HELD)),
        # The tasks of one countersign round (会签), read together on each of their pages.
        Index("ix_human_task_round", "instance_id", "round_id", sqlite_where=text(IN_ROUND),
              postgresql_where=text(IN_ROUND)),
        # The instances where a task went to a proxy for someone away (代理; the audit search's "on behalf of").
        Index("ix_human_task_on_behalf", "instance_id", sqlite_where=text(PROXIED), postgresql_where=text(PROXIED)),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"))
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definition.id"))
    spiff_task_id: Mapped[str] = mapped_column(String(36), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    lane: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), default=None)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), default=None)
    # A countersign's task (a multi-instance user task): the spiff id of the round it belongs to.
    round_id: Mapped[str | None] = mapped_column(String(36), default=None)
    # Whose task the holder has in hand while that person is away (代理: "X on behalf of Y").
    on_behalf_of_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), default=None)
    # A step for a role within one unit (同部门, ``unitScope``): the units whose holders of the role may take it, that
    # unit and those below it when the step was reached, as ",supply,metering," (None: every holder of the role).
    unit_scope: Mapped[str | None] = mapped_column(String(2000), default=None)


class TaskComment(Base):
    """A remark made on a task (the advisory right), shown on every step of its request; also in the history."""

    __tablename__ = "task_comment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    human_task_id: Mapped[int] = mapped_column(ForeignKey("human_task.id"), index=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class InstanceCopy(Base):
    """Someone a request was copied to (抄送, CC): they are told, may read the request, and find it in their
    "CC'd to me" list until they open it (``read_at``). One row per person and request."""

    __tablename__ = "instance_copy"
    __table_args__ = (
        UniqueConstraint("instance_id", "user_id", name="uq_instance_copy_person"),
        Index("ix_instance_copy_user", "user_id", "id"),  # "CC'd to me", newest first
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    copied_by: Mapped[str] = mapped_column(String(100))  # a username, or the process (its key) for a modelled CC
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class ApprovalStep(Base):
    """Someone asked to act on a task before its holder may finish it: a delegate (委派), who does the work and
    hands it back, or an added signer (加签) before or after the holder's decision; also the holder's decision
    held while the signers after them approve (``kind`` "decision"). The task's row says who acts now
    (``assignee_id``); these rows say for whom (``owner_id``, the holder) and in which order (``seq``)."""

    __tablename__ = "approval_step"
    __table_args__ = (
        Index("ix_approval_step_task", "human_task_id", "seq"),
        Index("ix_approval_step_user", "user_id", "instance_id"),  # whom a request was handed to may read it
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    human_task_id: Mapped[int] = mapped_column(ForeignKey("human_task.id"))
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"))
    kind: Mapped[str] = mapped_column(String(16))  # delegate, before, after, decision
    seq: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    owner_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    state: Mapped[str] = mapped_column(String(16))  # waiting, pending, done, approved, returned, removed, skipped
    reason: Mapped[str] = mapped_column(Text, default="")
    decision: Mapped[str | None] = mapped_column(String(64), default=None)
    comment: Mapped[str] = mapped_column(Text, default="")
    data_json: Mapped[str | None] = mapped_column(Text, default=None)  # a delegate's or the held decision's data
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    acted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class BatchOpening(Base):
    """Child instances a parent starts in batches of jobs (e.g. a cycle's appraisals): how far it got."""

    __tablename__ = "batch_opening"

    parent_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"), primary_key=True)
    planned: Mapped[int] = mapped_column(Integer)
    opened: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


# Indexes the audit search pages through (keyset paging by start, end or id; by version; by who acted).
Index("ix_instance_started_at", ProcessInstance.started_at, ProcessInstance.id)
Index("ix_instance_ended_at", ProcessInstance.ended_at, ProcessInstance.id)
Index("ix_instance_key_started_at", ProcessInstance.process_key, ProcessInstance.started_at, ProcessInstance.id)
Index("ix_instance_definition_started_at", ProcessInstance.definition_id, ProcessInstance.started_at,
      ProcessInstance.id)
