"""Putting committed events into the one Merkle tree, and signing a checkpoint of it.

Event ids are not commit order on PostgreSQL (a transaction that took id 10 may commit after the one
that took id 11), so the tree does not follow ids: the sequencer gives each committed event that has
no tree index yet the next index, in id order, under a lock that lets one sequencer run at a time
(``pg_advisory_xact_lock`` on PostgreSQL; on SQLite the write lock, taken by its first statement).
A task completion writes no tree data: sequencing is separate work (``opsflow checkpoint``, the
worker's ``checkpoint`` job).

Then, outside the database and under a file lock, the new leaves are appended to the tiles and a
checkpoint is signed, after checking that the tiles still reproduce the previous checkpoint (the
signer never signs a tree that does not extend what it signed before), with the consistency proof from
the previous one beside it (``engine.history.witnesses``) for the witnesses.
"""

from __future__ import annotations

import base64
import fcntl
import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from ..clock import aware_utc
from ..db import reading, transaction
from ..errors import HistoryTampered
from ..models import HistoryEvent, HistoryTree
from ..private_files import private_file
from . import checkpoints, merkle, witnesses
from .checkpoints import CheckpointSettings
from .encoding import chain_hash, event_bytes
from .tiles import ORG_RECORD_NAME, Leaf, TreeFiles, write_once

log = logging.getLogger(__name__)

ADVISORY_LOCK = 0x6F7073666C6F77  # "opsflow"
BATCH = 20_000  # events given tree indices per transaction (keeps the write lock short)
LOG_ID_FILE = "log-id"


@dataclass(frozen=True)
class CheckpointResult:
    size: int
    new_leaves: int
    file: str | None  # the checkpoint written, None when none was due
    origin: str
    root: str | None  # base64; None when no checkpoint was due and the tree grew (its root is not computed)


def _lock(session: Session, now: datetime) -> HistoryTree:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK})
    # A write first: on SQLite it takes the write lock before anything is read.
    locked = session.execute(update(HistoryTree).where(HistoryTree.id == 1).values(updated_at=now)
                             .execution_options(synchronize_session=False))
    if locked.rowcount == 0:  # type: ignore[attr-defined]
        session.add(HistoryTree(id=1, log_id=uuid.uuid4().hex, size=0, updated_at=now))
        session.flush()
    tree = session.get(HistoryTree, 1, populate_existing=True)
    assert tree is not None
    return tree


def sequence(session: Session, now: datetime, limit: int = BATCH) -> tuple[int, HistoryTree]:
    """Give up to ``limit`` committed, unsequenced events the next tree indices, in id order."""
    tree = _lock(session, now)
    ids = list(session.scalars(select(HistoryEvent.id).where(HistoryEvent.tree_index.is_(None))
                               .order_by(HistoryEvent.id).limit(limit)))
    if ids:
        table = HistoryEvent.__table__
        assigned = update(table).where(  # type: ignore[arg-type]
            table.c.id == bindparam("event_id")).values(tree_index=bindparam("index"))
        session.execute(
            assigned,
            [{"event_id": event_id, "index": tree.size + i} for i, event_id in enumerate(ids)],
        )
        tree.size += len(ids)
    return len(ids), tree


def leaf_of(row: HistoryEvent) -> bytes:
    """An event's leaf hash: RFC 6962 over the bytes its chain hash is computed over."""
    return merkle.leaf_hash(event_bytes(row.encoding, row.prev_hash, row.instance_id, row.seq, row.kind,
                                        row.occurred_at, row.actor, row.task_name, row.human_task_id,
                                        row.payload_json))


def sequenced_events(session: Session, start: int, stop: int, chunk: int = 5000) -> Iterator[HistoryEvent]:
    """Events with tree indices in [start, stop), in tree order."""
    while start < stop:
        rows = session.scalars(select(HistoryEvent).where(HistoryEvent.tree_index >= start,
                                                          HistoryEvent.tree_index < min(stop, start + chunk))
                               .order_by(HistoryEvent.tree_index)).all()
        yield from rows
        session.expunge_all()
        start += chunk


@contextmanager
def directory_lock(settings: CheckpointSettings) -> Iterator[None]:
    with open(private_file(settings.directory / ".lock"), "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def check_log_id(settings: CheckpointSettings, log_id: str, create: bool) -> None:
    """The checkpoint directory belongs to one database's log. :raise HistoryTampered:"""
    path = settings.directory / LOG_ID_FILE
    if path.exists():
        stored = path.read_text().strip()
        if stored != log_id:
            raise HistoryTampered(f"the checkpoint directory {settings.directory} belongs to log {stored}, but this "
                                  f"database's log is {log_id or '(none)'}: another database, or its tree was reset")
    elif create:
        write_once(path, (log_id + "\n").encode())


def _extend_tiles(session: Session, files: TreeFiles, size: int) -> int:
    """Append the leaves of events sequenced since the tiles were last written; return how many."""
    start = files.size()
    if start > size:
        raise HistoryTampered(f"the tiles hold {start} leaves but the database's tree only {size}: sequenced events "
                              "were removed from the database (or it was restored from an older backup)")
    leaves, expected = [], start
    for row in sequenced_events(session, start, size):
        if row.tree_index != expected:
            raise HistoryTampered(f"no event holds tree index {expected}")
        if chain_hash(event_bytes(row.encoding, row.prev_hash, row.instance_id, row.seq, row.kind, row.occurred_at,
                                  row.actor, row.task_name, row.human_task_id, row.payload_json)) != row.hash:
            log.warning("instance %s event #%s does not match its hash; it goes into the tree as it is",
                        row.instance_id or "(the organisation's record)", row.seq)
        leaves.append(Leaf(leaf_of(row), ORG_RECORD_NAME if row.instance_id is None else row.instance_id, row.seq))
        expected += 1
    if expected != size:
        raise HistoryTampered(f"no event holds tree index {expected}")
    files.append(start, leaves)
    return len(leaves)


def make_checkpoint(
    session_factory: sessionmaker[Session], settings: CheckpointSettings, now: datetime,
    min_new: int = 1, max_age: timedelta | None = None,
) -> CheckpointResult:
    """Sequence every committed event, extend the tiles and sign a checkpoint when one is due.

    A checkpoint is due when at least ``min_new`` leaves are not in the latest one, or (with
    ``max_age``) when the latest is older than that and any leaf is new.

    :raise HistoryTampered: the files outside the database disagree with it or with themselves.
    """
    while True:
        with transaction(session_factory) as session:
            added, tree = sequence(session, now)
            size, log_id = tree.size, tree.log_id
        if added < BATCH:
            break
    files = TreeFiles(settings.directory)
    with directory_lock(settings):
        check_log_id(settings, log_id, create=True)
        with reading(session_factory) as session:
            _extend_tiles(session, files, size)
        previous = checkpoints.latest(settings)
        if previous is not None and previous.size > size:
            raise HistoryTampered(f"the latest checkpoint covers {previous.size} events but the database's tree "
                                  f"only {size}")
        new = size - (previous.size if previous else 0)
        old_enough = max_age is not None and previous is not None and previous.made_at is not None and \
            aware_utc(datetime.fromisoformat(previous.made_at.replace("Z", "+00:00"))) <= now - max_age
        if not (new > 0 and (new >= min_new or old_enough or previous is None)):
            # Not due: the tiles are not re-read (the worker asks every minute; reading them is what costs).
            unchanged = base64.b64encode(previous.root).decode() if previous is not None and new == 0 else None
            return CheckpointResult(size, new, None, settings.origin,
                                    unchanged if previous is not None else base64.b64encode(merkle.EMPTY_ROOT).decode())
        hashes = files.leaf_hashes(size)
        root = merkle.root(hashes)
        if previous is not None and merkle.root(hashes[:previous.size]) != previous.root:
            raise HistoryTampered(f"the tiles no longer reproduce checkpoint {previous.file}: they were altered")
        key = checkpoints.load_or_create_key(settings)
        note = checkpoints.sign(key, settings.origin, size, root)
        if previous is not None and 0 < previous.size < size:  # what a witness that saw it checks
            witnesses.write_proof(settings, previous.size, size, root,
                                  merkle.Tree(hashes).consistency_proof(previous.size))
        written = str(checkpoints.write(settings, note, size, now))
    return CheckpointResult(size, new, written, settings.origin, base64.b64encode(root).decode())
