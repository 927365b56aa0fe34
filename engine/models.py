"""Typed SQLAlchemy 2.0 models: organisation, definitions, instances, tasks and history.

Definitions (a deployed process version) and instances (one run of a version) are separate
tables; the parsed spec lives on the definition, an instance stores only its task tree.
"""

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
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

OPEN_UNCLAIMED = "state = 'open' AND assignee_id IS NULL"


class Base(DeclarativeBase):
    pass


class Role(Base):
    __tablename__ = "role"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    title_zh: Mapped[str] = mapped_column(String(200), default="")
    # "org": held by users; "relationship": resolved per instance from its data (employee, appraiser...)
    kind: Mapped[str] = mapped_column(String(16), default="org", server_default="org")


class User(Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(255), default=None)
    password_hash: Mapped[str | None] = mapped_column(String(255), default=None)
    reports_to_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), default=None)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class UserRole(Base):
    __tablename__ = "user_role"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True)
    role_key: Mapped[str] = mapped_column(ForeignKey("role.key"), primary_key=True)


class ProcessDefinition(Base):
    """One deployed version of a BPMN process."""

    __tablename__ = "process_definition"
    __table_args__ = (UniqueConstraint("key", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(128), index=True)
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    title_zh: Mapped[str] = mapped_column(String(200), default="")
    source_name: Mapped[str] = mapped_column(String(255))
    checksum: Mapped[str] = mapped_column(String(64))
    bpmn_xml: Mapped[str] = mapped_column(Text)
    spec_json: Mapped[str] = mapped_column(Text)
    start_form_json: Mapped[str | None] = mapped_column(Text, default=None)
    start_roles: Mapped[str] = mapped_column(String(500), default="")
    instance_title: Mapped[str] = mapped_column(String(300), default="")
    business_key: Mapped[str] = mapped_column(String(300), default="", server_default="")
    notify_on_end: Mapped[str] = mapped_column(String(300), default="", server_default="")
    deployed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    deployed_by: Mapped[str] = mapped_column(String(64), default="")
    change_note: Mapped[str] = mapped_column(Text, default="", server_default="")


class DefinitionFile(Base):
    """A file a deployed version was made from (its BPMN, the DMN tables it calls, its forms), as deployed."""

    __tablename__ = "definition_file"

    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definition.id"), primary_key=True)
    name: Mapped[str] = mapped_column(String(255), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))  # bpmn, dmn, form
    content: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))


class TaskDefinition(Base):
    """A user task of a deployed version: its lane, form and what it shows."""

    __tablename__ = "task_definition"

    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definition.id"), primary_key=True)
    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    title_zh: Mapped[str] = mapped_column(String(200), default="")
    lane: Mapped[str] = mapped_column(String(64))
    form_name: Mapped[str] = mapped_column(String(255))
    form_json: Mapped[str] = mapped_column(Text)
    context_from: Mapped[str] = mapped_column(String(500), default="")
    instructions: Mapped[str] = mapped_column(Text, default="")
    instructions_zh: Mapped[str] = mapped_column(Text, default="", server_default="")
    assignee_path: Mapped[str] = mapped_column(String(200), default="", server_default="")
    due_window: Mapped[str] = mapped_column(String(100), default="", server_default="")
    notify_on_complete: Mapped[str] = mapped_column(String(300), default="", server_default="")


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


class HumanTask(Base):
    """A user task waiting for (or done by) a person; the inbox reads only this table."""

    __tablename__ = "human_task"
    __table_args__ = (
        # The team queue: open, unclaimed tasks of a role, oldest first (the inbox reads it in index order).
        Index("ix_human_task_queue", "lane", "created_at", "id", sqlite_where=text(OPEN_UNCLAIMED),
              postgresql_where=text(OPEN_UNCLAIMED)),
        # A person's own tasks, oldest first.
        Index("ix_human_task_assignee", "assignee_id", "state", "created_at", "id"),
        # An instance's open steps (lists of instances show them).
        Index("ix_human_task_instance_state", "instance_id", "state"),
        # Where someone took part ("My requests" lists what others started and they worked on).
        Index("ix_human_task_completed_by", "completed_by_id", "instance_id"),
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


class HistoryEvent(Base):
    """An append-only, hash-chained record of what happened to an instance.

    ``encoding`` says how its hash was computed (``engine.history.encoding``: 1 for events written
    before RFC 8785 was pinned); ``tree_index`` is its leaf in the Merkle tree over all events, given
    by the sequencer after it committed (None until then).
    """

    __tablename__ = "history_event"
    __table_args__ = (UniqueConstraint("instance_id", "seq"),
                      Index("ix_history_event_tree_index", "tree_index", unique=True))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"))
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str | None] = mapped_column(String(64), default=None)
    task_name: Mapped[str | None] = mapped_column(String(128), default=None)
    human_task_id: Mapped[int | None] = mapped_column(Integer, default=None)
    payload_json: Mapped[str] = mapped_column(Text, default="{}")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    encoding: Mapped[int] = mapped_column(Integer, default=2, server_default="1")
    tree_index: Mapped[int | None] = mapped_column(Integer, default=None)


class HistoryTree(Base):
    """The one row that says how far the sequencer got: the Merkle tree's size and the log's identity.

    The sequencer locks this row (and, on PostgreSQL, an advisory lock) so that one runs at a time.
    Whoever can write the database can rewrite it too: it is a convenience, the signed checkpoints and
    tiles outside the database are the evidence.
    """

    __tablename__ = "history_tree"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    log_id: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ApiToken(Base):
    """A bearer token for the REST API; only its SHA-256 digest is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class TaskComment(Base):
    """A remark on a task (the advisory right); also recorded in the history."""

    __tablename__ = "task_comment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    human_task_id: Mapped[int] = mapped_column(ForeignKey("human_task.id"), index=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Job(Base):
    """Due work for the worker: timers, reminders, e-mails, scheduled starts.

    A worker leases a job (``locked_by``/``locked_until``); the job's effect and its
    ``done`` mark commit together, so a job whose lease expired is never applied twice.
    """

    __tablename__ = "job"
    __table_args__ = (Index("ix_job_due", "state", "due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16), default="pending")  # pending, done, incident
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


class Notification(Base):
    """An in-app message to one user (new task, reminder, result...)."""

    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_user_unread", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    kind: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"), default=None)
    human_task_id: Mapped[int | None] = mapped_column(ForeignKey("human_task.id"), default=None)
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True, default=None)
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


class BatchOpening(Base):
    """Child instances a parent starts in batches of jobs (e.g. a cycle's appraisals): how far it got."""

    __tablename__ = "batch_opening"

    parent_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"), primary_key=True)
    planned: Mapped[int] = mapped_column(Integer)
    opened: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class AuditAccess(Base):
    """One look through the audit workspace: who viewed which instance or version, when, and what.

    Append-only: opsflow has no way to change or remove a row, and the migration makes the database
    refuse UPDATE and DELETE on this table (``engine.audit.access_log``).
    """

    __tablename__ = "audit_access"
    __table_args__ = (
        Index("ix_audit_access_viewer", "viewer", "id"),
        Index("ix_audit_access_instance", "instance_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    viewed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    viewer: Mapped[str] = mapped_column(String(100))  # a username, or who ran the CLI as the operator
    what: Mapped[str] = mapped_column(String(32))  # search, instance, replay, diagram, heatmap, access_log, ...
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"), default=None)
    definition_id: Mapped[int | None] = mapped_column(ForeignKey("process_definition.id"), default=None)
    detail: Mapped[str] = mapped_column(String(1000), default="")


# Indexes the audit search pages through (keyset paging by start, end or id; by version; by who acted).
Index("ix_instance_started_at", ProcessInstance.started_at, ProcessInstance.id)
Index("ix_instance_ended_at", ProcessInstance.ended_at, ProcessInstance.id)
Index("ix_instance_key_started_at", ProcessInstance.process_key, ProcessInstance.started_at, ProcessInstance.id)
Index("ix_instance_definition_started_at", ProcessInstance.definition_id, ProcessInstance.started_at,
      ProcessInstance.id)


class ProcessDraft(Base):
    """An analyst's unfinished change to a process (or a new one): saved, validated, not yet deployed.

    One draft per process key; ``version`` guards it like an instance row (two analysts saving over
    the same version: the second gets a conflict). ``files_json`` holds the forms and DMN tables as
    ``{name: {"kind": "form"|"dmn", "content": text}}``.
    """

    __tablename__ = "process_draft"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    process_key: Mapped[str] = mapped_column(String(128), unique=True)
    bpmn_name: Mapped[str] = mapped_column(String(255))
    bpmn_xml: Mapped[str] = mapped_column(Text)
    files_json: Mapped[str] = mapped_column(Text, default="{}")
    based_on_version: Mapped[int | None] = mapped_column(Integer, default=None)
    version: Mapped[int] = mapped_column(Integer, default=1)
    problems_json: Mapped[str] = mapped_column(Text, default="[]")
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
