"""Attachments (附件): files on a form field or a comment of a request, stored content-addressed.

The bytes are kept once per SHA-256 (``attachment_blob``), in the database: with several web nodes on one
PostgreSQL the database is the store they all share and back up together with the history that names the
files. A blob row is only ever inserted, never updated: the same hash means the same bytes. Each time a
file is attached to a request is an ``attachment`` row (who, on which step, which field or comment, the name).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class AttachmentBlob(Base):
    """The bytes of a file, keyed by their SHA-256 (hex); written once."""

    __tablename__ = "attachment_blob"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Attachment(Base):
    """A file attached to a request, on one of its steps: to a form field (``field``) or a comment."""

    __tablename__ = "attachment"
    __table_args__ = (Index("ix_attachment_instance", "instance_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"))
    human_task_id: Mapped[int] = mapped_column(ForeignKey("human_task.id"))
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("task_comment.id"), default=None)
    field: Mapped[str | None] = mapped_column(String(128), default=None)
    name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(ForeignKey("attachment_blob.sha256"))
    size: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(String(100))
    added_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
