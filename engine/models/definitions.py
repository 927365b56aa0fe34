"""Process definitions: deployed versions, the files they were made from, their user tasks, drafts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


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
    # To whom its steps may be transferred (转办): "anyone", "department", "role"; "" is the default rule
    # (holders of the step's role, or people the holder's manager manages). ``engine.runtime.moves``.
    transfer_rule: Mapped[str] = mapped_column(String(16), default="", server_default="")
    # Where a step goes when nobody holds its role (审批人为空; property whenNoHolder): admins, manager or refuse.
    when_no_holder: Mapped[str] = mapped_column(String(16), default="admins", server_default="admins")
    # Pass a step automatically when its holder approved the step just before (自动去重; property skipSameApprover).
    skip_same_approver: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
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
    # Whether the inbox may approve several of this step's tasks at once (批量审批; property bulkApprove).
    bulk_approve: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


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
