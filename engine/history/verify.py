"""Checking the history: each instance's hash chain and anchor, the organisation's record (a chain of its own,
``engine.org.record``) and its anchor, and the events against a signed checkpoint.

The chain and the anchor on the instance row catch edits, deletions and reorderings by someone who
does not recompute hashes. Someone with database access can recompute them all; the checkpoint
(signed, kept outside the database with the tiles of leaf hashes) catches that: every event the
checkpoint covers must give the leaf the tiles recorded for it, and the tiles must reproduce the
checkpoint's signed root. One pass over the events does both (each event's bytes are built once).
Someone who also holds the signing key can re-sign a forged tree; with witnesses configured
(``engine.history.witnesses``) the checkpoint must carry a quorum of their cosignatures, which they give only
to a tree consistent with the one they saw before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..db import stream
from ..errors import HistoryTampered
from ..models import HistoryEvent, HistoryTree, OrgRecord, ProcessInstance
from . import attachment_check, checkpoints, merkle, rollback, witnesses
from .checkpoints import Checkpoint, CheckpointSettings
from .encoding import ENCODING, NotEncodable, chain_hash, event_bytes
from .log import GENESIS_HASH
from .sequencer import LOG_ID_FILE
from .tiles import ORG_RECORD_NAME, TreeFiles

COLUMNS = (HistoryEvent.id, HistoryEvent.instance_id, HistoryEvent.seq, HistoryEvent.kind, HistoryEvent.occurred_at,
           HistoryEvent.actor, HistoryEvent.task_name, HistoryEvent.human_task_id, HistoryEvent.payload_json,
           HistoryEvent.prev_hash, HistoryEvent.hash, HistoryEvent.encoding, HistoryEvent.tree_index)


@dataclass
class ChainProblem:
    instance_id: int | None
    seq: int | None
    message: str
    found_by: str = "chain"  # "chain" (the hashes and the anchor), "tree" (the checkpoint's leaves), "checkpoint",
    # "attachment" (a stored file against the event that recorded it), "witness" (too few cosignatures)
    organisation: bool = False  # an event (or the anchor) of the organisation's record, not of an instance

    @property
    def where(self) -> str:
        """Which event (or anchor) it is about, in words: "instance 4 event #2", "the organisation's record"."""
        if self.organisation:
            return "the organisation's record" + (f" event #{self.seq}" if self.seq is not None else "")
        if self.instance_id is None:
            return "the checkpoint"
        return f"instance {self.instance_id}" + (f" event #{self.seq}" if self.seq is not None else "")


@dataclass
class VerifyReport:
    instances: int
    events: int
    problems: list[ChainProblem]
    checkpoint: Checkpoint | None = None
    signature_ok: bool | None = None
    covered: int = 0  # events the checkpoint covers (and that were checked against it)
    pending: int = 0  # events not yet in the checkpoint
    rollbacks: list[str] = field(default_factory=list)  # "rolled back from N to M on <time> by <by>: <reason>"

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first(self) -> ChainProblem | None:
        """The first bad event, by instance and sequence number."""
        return min(self.problems, key=_order) if self.problems else None


def _order(problem: ChainProblem) -> tuple[int, int]:
    return problem.instance_id or 0, problem.seq if problem.seq is not None else 1 << 62


PROGRESS_EVERY = 500  # events checked between two calls of a progress callback
NOTHING_YET = "nothing yet"  # before the first event is read (None is the organisation's record)


def _org_anchor(session: Session) -> tuple[int, str]:
    row = session.execute(select(OrgRecord.seq, OrgRecord.head).where(OrgRecord.id == 1)).first()
    return (row.seq, row.head) if row is not None else (0, GENESIS_HASH)


def _problem(instance_id: int | None, seq: int | None, message: str, found_by: str = "chain") -> ChainProblem:
    """A problem with an event of an instance, or (``instance_id`` None) of the organisation's record."""
    return ChainProblem(instance_id, seq, message, found_by, organisation=instance_id is None)


@dataclass
class _TreeCheck:
    """What the checkpoint and its tiles say, and what the events checked against them showed."""

    checkpoint: Checkpoint
    hashes: list[bytes] | None  # leaf hashes of the checkpoint's tree, when the tiles reproduce its root
    names: list[tuple[int, int]]
    problems: list[ChainProblem] = field(default_factory=list)
    seen: set[int] = field(default_factory=set)
    db_leaves: dict[int, bytes] = field(default_factory=dict)  # when the tiles cannot be trusted
    bad_instances: set[int] = field(default_factory=set)  # by tree name (the organisation's record: 0)


def _load_tree(session: Session, settings: CheckpointSettings, checkpoint_file: Path | None,
               problems: list[ChainProblem]) -> tuple[_TreeCheck | None, bool | None]:
    checkpoint = checkpoints.read(checkpoint_file) if checkpoint_file else checkpoints.latest(settings)
    if checkpoint is None:
        return None, None
    where = checkpoint.file or "the checkpoint"
    key = checkpoints.public_key(settings)
    signature = None
    if key is None:
        problems.append(ChainProblem(None, None, f"no public key at {settings.public_key_file} to check {where}",
                                     "checkpoint"))
    else:
        signature = checkpoints.signature_ok(checkpoint, *key)
        if not signature:
            problems.append(ChainProblem(None, None, f"{where}: its signature does not verify with key {key[0]}",
                                         "checkpoint"))
    if (lacking := witnesses.quorum_problem(settings, checkpoint)) is not None:
        problems.append(ChainProblem(None, None, lacking, "witness"))
    log_file = settings.directory / LOG_ID_FILE
    log_id = session.scalar(select(HistoryTree.log_id).where(HistoryTree.id == 1))
    if log_file.exists() and log_file.read_text().strip() != log_id:
        problems.append(ChainProblem(None, None, f"the checkpoints in {settings.directory} belong to log "
                                     f"{log_file.read_text().strip()}, the database's tree to {log_id or '(none)'}",
                                     "checkpoint"))
    verified = settings.verified_trees.get((checkpoint.size, checkpoint.root))
    if verified is not None:
        return _TreeCheck(checkpoint, *verified), signature
    files = TreeFiles(settings.directory)
    try:
        hashes: list[bytes] | None = files.leaf_hashes(checkpoint.size)
        names = files.names(checkpoint.size)
    except HistoryTampered as exc:
        hashes, names = None, []
        problems.append(ChainProblem(None, None, exc.message, "checkpoint"))
    if hashes is not None and merkle.root(hashes) != checkpoint.root:
        hashes = None
        problems.append(ChainProblem(None, None, f"the tiles in {settings.directory} do not reproduce the root of "
                                     f"{where}: they were altered", "checkpoint"))
    if hashes is not None:
        settings.verified_trees.clear()  # the newest one is enough
        settings.verified_trees[(checkpoint.size, checkpoint.root)] = (hashes, names)
    return _TreeCheck(checkpoint, hashes, names), signature


def _rows(session: Session, instance_id: int | None) -> Iterator[Any]:
    """One instance's events, or every event: the organisation's record first, then instance by instance."""
    if instance_id is not None:
        yield from stream(session, select(*COLUMNS).where(HistoryEvent.instance_id == instance_id)
                          .order_by(HistoryEvent.id))
        return
    yield from stream(session, select(*COLUMNS).where(HistoryEvent.instance_id.is_(None)).order_by(HistoryEvent.seq))
    yield from stream(session, select(*COLUMNS).where(HistoryEvent.instance_id.is_not(None))
                      .order_by(HistoryEvent.instance_id, HistoryEvent.id))


def _check_event(row: Any, expected_seq: int, head: str, problems: list[ChainProblem]) -> bytes | None:
    """The chain checks of one event; return its bytes (None when they cannot be built)."""
    name = f"event #{row.seq}"
    if row.seq != expected_seq:
        problems.append(_problem(row.instance_id, row.seq, f"{name} stands where #{expected_seq} belongs "
                                 "(an event was deleted or the log reordered)"))
    if row.prev_hash != head:
        problems.append(_problem(row.instance_id, row.seq, f"{name} does not follow the event before it"))
    try:
        material = event_bytes(row.encoding, row.prev_hash, row.instance_id, row.seq, row.kind, row.occurred_at,
                               row.actor, row.task_name, row.human_task_id, row.payload_json)
    except (ValueError, NotEncodable) as exc:
        problems.append(_problem(row.instance_id, row.seq, f"{name} ({row.kind}) cannot be read: {exc}"))
        return None
    if chain_hash(material) != row.hash:
        problems.append(_problem(row.instance_id, row.seq, f"{name} ({row.kind}) was edited: its hash does not match"))
    elif row.encoding == ENCODING and b'"payload":' + row.payload_json.encode("utf-8") + b',"prev_hash":' \
            not in material:
        problems.append(_problem(row.instance_id, row.seq, f"{name} ({row.kind}) was edited: its payload is "
                                 "not in the canonical form it was hashed in"))
    return material


def _check_leaf(tree: _TreeCheck, row: Any, material: bytes | None) -> bool:
    """Whether the event is covered by the checkpoint (and record what it shows)."""
    index = row.tree_index
    if index is None or index >= tree.checkpoint.size:
        return False
    tree.seen.add(index)
    leaf = merkle.leaf_hash(material) if material is not None else b""
    if tree.hashes is None:
        tree.db_leaves[index] = leaf
        return True
    name = ORG_RECORD_NAME if row.instance_id is None else row.instance_id
    if name in tree.bad_instances:
        return True  # its first bad event is named already
    where = f"leaf #{index} of {tree.checkpoint.file or 'the checkpoint'}"
    recorded = tree.names[index] if index < len(tree.names) else None
    if tree.hashes[index] != leaf:
        tree.bad_instances.add(name)
        what = "was changed after it was checkpointed" if recorded == (name, row.seq) else \
            f"takes the place of {_named(*recorded)}" if recorded else "was changed"
        tree.problems.append(_problem(row.instance_id, row.seq, f"event #{row.seq} ({row.kind}) {what}: it does not "
                                      f"match {where} (later events of the same chain not listed)", "tree"))
    return True


def _named(instance: int, seq: int) -> str:
    """A leaf's event as the tiles name it."""
    return f"the organisation's record event #{seq}" if instance == ORG_RECORD_NAME else \
        f"instance {instance} event #{seq}"


def _missing_leaves(tree: _TreeCheck, instance_id: int | None) -> None:
    if tree.hashes is None:
        return
    for index, (instance, seq) in enumerate(tree.names):
        if (instance_id is None or instance == instance_id) and index not in tree.seen \
                and instance not in tree.bad_instances:
            tree.bad_instances.add(instance)
            tree.problems.append(_problem(None if instance == ORG_RECORD_NAME else instance, seq,
                                          f"event #{seq} was deleted from the database (or lost its tree index): "
                                          f"leaf #{index} of the checkpoint has no event", "tree"))


def _absences(session: Session, settings: CheckpointSettings, tree: _TreeCheck | None,
              events: int) -> list[ChainProblem]:
    """What is missing rather than changed: verify never passes on absence. The database's tree says how many
    events were put under checkpoints; no checkpoint at all, a checkpoint larger than the tree (the tree shrank)
    or no events behind a tree that holds some each fail, with what is gone said."""
    sequenced = session.scalar(select(HistoryTree.size).where(HistoryTree.id == 1)) or 0
    indexed = session.scalar(select(func.max(HistoryEvent.tree_index)))
    found: list[ChainProblem] = []
    if tree is None and (sequenced > 0 or indexed is not None):
        found.append(ChainProblem(None, None, f"the database's tree holds {max(sequenced, (indexed or 0) + 1)} "
                                  f"sequenced event(s) but there is no checkpoint in {settings.directory}: the "
                                  "checkpoints were removed (or this is not this database's folder)", "checkpoint"))
    if tree is not None and tree.checkpoint.size > sequenced:
        found.append(ChainProblem(None, None, f"the checkpoint covers {tree.checkpoint.size} event(s) but the "
                                  f"database's tree only {sequenced}: the tree shrank", "checkpoint"))
    if events == 0 and (sequenced > 0 or (tree is not None and tree.checkpoint.size > 0)):
        found.append(ChainProblem(None, None, "the history is empty behind a tree of "
                                  f"{max(sequenced, tree.checkpoint.size if tree else 0)} event(s): it was deleted",
                                  "checkpoint"))
    return found


def check_history(session: Session, settings: CheckpointSettings | None = None, instance_id: int | None = None,
                  checkpoint_file: Path | None = None, progress: Callable[[int], None] | None = None) -> VerifyReport:
    """Check the chains (one instance or all) and, with ``settings``, the events against the checkpoint
    (``checkpoint_file`` or the latest).

    :raise InvalidInput: the checkpoint file cannot be read. :raise HistoryTampered: it is not a checkpoint.
    """
    query = select(ProcessInstance.id, ProcessInstance.history_seq, ProcessInstance.history_head)
    if instance_id is not None:
        query = query.where(ProcessInstance.id == instance_id)
    anchors = {row.id: (row.history_seq, row.history_head or GENESIS_HASH) for row in session.execute(query)}
    org_anchor = _org_anchor(session) if instance_id is None else None
    problems: list[ChainProblem] = []
    tree, signature = _load_tree(session, settings, checkpoint_file, problems) if settings else (None, None)
    counts = {"events": 0, "covered": 0}
    seen_instances: set[int] = set()
    current: int | str | None = NOTHING_YET
    org_seen = False
    expected_seq, head = 0, GENESIS_HASH
    files: list[attachment_check.Recorded] = []

    def close(instance: int | str | None) -> None:
        if instance is None and org_anchor is not None:
            (seq, anchor), whose, owner = org_anchor, "the organisation's record's", None
        elif isinstance(instance, int) and instance in anchors:
            (seq, anchor), whose, owner = anchors[instance], "the instance's", instance
        else:
            return
        if expected_seq != seq:
            problems.append(_problem(owner, None, f"the log ends at #{expected_seq} but {whose} anchor records "
                                     f"#{seq}: events were deleted or rewritten"))
        elif head != anchor:
            problems.append(_problem(owner, None, f"the log's newest event #{expected_seq} does not match "
                                     f"{whose} anchor: the log was rewritten"))

    for row in _rows(session, instance_id):
        if row.instance_id != current:
            close(current)
            current, expected_seq, head = row.instance_id, 0, GENESIS_HASH
            if row.instance_id is not None:
                seen_instances.add(row.instance_id)
            else:
                org_seen = True
        counts["events"] += 1
        if progress is not None and counts["events"] % PROGRESS_EVERY == 0:
            progress(counts["events"])
        expected_seq += 1
        material = _check_event(row, expected_seq, head, problems)
        if row.kind == attachment_check.KIND and (file := attachment_check.recorded(
                row.instance_id, row.seq, row.payload_json)) is not None:
            files.append(file)
        expected_seq, head = row.seq, row.hash
        if tree is not None and _check_leaf(tree, row, material):
            counts["covered"] += 1
    close(current)
    for instance in anchors.keys() - seen_instances:
        expected_seq, head = 0, GENESIS_HASH
        close(instance)
    if org_anchor is not None and not org_seen:  # the record's events are all gone, or there were none
        expected_seq, head = 0, GENESIS_HASH
        close(None)
    problems += [ChainProblem(f.instance_id, f.seq, message, "attachment")
                 for f, message in attachment_check.problems_of(session, files)]
    rollbacks: list[str] = []
    if settings is not None and instance_id is None:
        problems += _absences(session, settings, tree, counts["events"])
        trail = rollback.check_trail(settings)
        rollbacks = [note.describe() for note in trail.rollbacks]
        problems += [ChainProblem(None, None, message, "checkpoint") for message in trail.problems]
    if tree is not None:
        _missing_leaves(tree, instance_id)
        if tree.hashes is None and instance_id is None and (
                len(tree.db_leaves) != tree.checkpoint.size or merkle.root(
                    [tree.db_leaves[i] for i in range(tree.checkpoint.size)]) != tree.checkpoint.root):
            tree.problems.append(ChainProblem(None, None, "the database's events do not reproduce the checkpoint's "
                                              "root either, and the tiles that would name the event are altered",
                                              "tree"))
        problems += tree.problems
    problems.sort(key=_order)
    return VerifyReport(len(anchors), counts["events"], problems, tree.checkpoint if tree else None, signature,
                        counts["covered"], counts["events"] - counts["covered"], rollbacks)


def verify(session: Session, instance_id: int | None = None) -> tuple[int, list[ChainProblem]]:
    """Check the hash chains of one instance or all (no checkpoint); return how many and the problems."""
    report = check_history(session, None, instance_id)
    return report.instances, report.problems
