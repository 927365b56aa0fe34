"""The history: hash-chained events, the tree over them, and the audit access log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base

ORG_RECORD_SEQ = "ix_history_event_org_seq"
ORG_EVENT = "instance_id IS NULL"
# The kinds of event a search finds instances by (``engine.audit.move_search``: 转办, 委派, 加签 ... 催办): the index
# on (kind, instance_id) holds only these, so the events every step writes (task_created, task_completed ...) add no
# entry to it. Written as ORs, not IN: SQLite uses a partial index for ``kind = ?`` only then.
SEARCHED_KINDS = ("task_transferred", "task_delegated", "signers_added", "signer_removed", "countersign_started",
                  "task_returned", "instance_withdrawn", "task_urged", "instance_copied", "attachment_added",
                  "task_auto_passed")
SEARCHED_KIND = " OR ".join(f"kind = '{kind}'" for kind in SEARCHED_KINDS)


class HistoryEvent(Base):
    """An append-only, hash-chained record of what happened to an instance, or (``instance_id`` None) to the
    organisation: the organisation's record is a chain of its own (``engine.org.record``), anchored in
    ``OrgRecord``, in the same Merkle tree and checkpoints as the instances' events.

    ``encoding`` says how its hash was computed (``engine.history.encoding``: 1 for events written
    before RFC 8785 was pinned); ``tree_index`` is its leaf in the Merkle tree over all events, given
    by the sequencer after it committed (None until then).
    """

    __tablename__ = "history_event"
    __table_args__ = (UniqueConstraint("instance_id", "seq"),
                      Index("ix_history_event_tree_index", "tree_index", unique=True),
                      # The instances where a kind of event happened (the audit search's moves: 转办, 催办 ...).
                      Index("ix_history_event_kind_instance", "kind", "instance_id",
                            sqlite_where=text(SEARCHED_KIND), postgresql_where=text(SEARCHED_KIND)),
                      Index(ORG_RECORD_SEQ, "seq", unique=True, sqlite_where=text(ORG_EVENT),
                            postgresql_where=text(ORG_EVENT)))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"))
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


class OrgRecord(Base):
    """The one row that anchors the organisation's record: its newest event's number and hash, as an
    instance row anchors its own events (so deleting the newest org events is noticed too)."""

    __tablename__ = "org_record"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    head: Mapped[str] = mapped_column(String(64))


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


class InstanceHeat(Base):
    """What one instance adds to its version's heatmap (``engine.audit.heat_kept``), as of ``through_seq`` of its
    history and the working calendar ``calendar_mark``: kept by the worker, never trusted when either has moved."""

    __tablename__ = "instance_heat"
    __table_args__ = (Index("ix_instance_heat_definition", "definition_id"),)

    instance_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    definition_id: Mapped[int] = mapped_column(Integer)
    through_seq: Mapped[int] = mapped_column(Integer)
    calendar_mark: Mapped[str] = mapped_column(String(32))
    summary_json: Mapped[str] = mapped_column(Text)


class HeatBlock(Base):
    """The kept parts (``InstanceHeat``) of one version's instances with ids in one block, summed
    (``engine.audit.heat_blocks``): counts as JSON, the durations sorted in ``times`` (float64, little-endian).
    Written with the parts it sums, in the same transaction; ``shares`` says how many it sums, ``stamp`` (random, new
    at each write) lets a look see that a block changed while it read."""

    __tablename__ = "heat_block"

    definition_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    block: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    shares: Mapped[int] = mapped_column(Integer)
    stamp: Mapped[int] = mapped_column(BigInteger)
    counts_json: Mapped[str] = mapped_column(Text)
    times: Mapped[bytes] = mapped_column(LargeBinary)
