"""The auditors' checkpoints page, and the integrity column of the audit search: cheap answers, no full verify.

``checkpoint_list`` reads the checkpoint folder (newest first): size, time, the server's signer and any
cosignature lines (a witness's: a signature line by a key name other than the checkpoint's origin).

``integrity_states`` says for each listed instance, from its rows alone (one statement for the page):
``problem`` when its log does not end where its anchor says (an event deleted, or one added behind the
anchor's back) or holds an event the tree gave an index beyond the tree's size; ``checkpoint`` when every
event is in the newest checkpoint; else ``pending`` (written since the last checkpoint). It does not
recompute hashes: that is what "verify now" and the instance's badge do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from ..errors import HistoryTampered, InvalidInput
from ..history import checkpoints
from ..history.checkpoints import CheckpointSettings
from ..history.witnesses import witness_lines
from ..models import HistoryEvent, HistoryTree, ProcessInstance

MAX_LISTED = 200
IntegrityKind = Literal["checkpoint", "pending", "problem"]


@dataclass(frozen=True, slots=True)
class CheckpointEntry:
    """One stored checkpoint: ``signers`` are the key names of its signature lines (the origin's first),
    ``cosignatures`` the lines of keys other than the origin's (witnesses); ``readable`` False: the file is
    not a checkpoint (shown as a problem)."""

    name: str
    size: int
    made_at: str | None
    root: str
    signers: list[str]
    cosignatures: list[str]
    readable: bool = True


@dataclass(frozen=True, slots=True)
class CheckpointsOverview:
    """The checkpoints newest first (at most ``MAX_LISTED``), how many there are, and the history's size:
    events in the database, events the tree holds, events not in any checkpoint yet."""

    entries: list[CheckpointEntry]
    total: int
    events: int
    tree_size: int
    newest_size: int


@dataclass(frozen=True, slots=True)
class IntegrityState:
    """The search list's integrity column for one instance (``checkpoint``: the newest one's size)."""

    kind: IntegrityKind
    checkpoint: int | None = None


def _entry(path_name: str, text: str, settings: CheckpointSettings) -> CheckpointEntry:
    try:
        parsed = checkpoints.parse(text, path_name)
    except HistoryTampered:
        return CheckpointEntry(path_name, 0, None, "", [], [], readable=False)
    lines = [line for line in text.partition("\n\n")[2].splitlines() if line.startswith("— ")]
    signers = [line.split(" ")[1] for line in lines if len(line.split(" ")) > 2]
    others = [line for line in lines if line.split(" ")[1:2] != [parsed.origin]]
    others += witness_lines(settings, parsed)  # the configured witnesses' cosignatures, stored beside it
    return CheckpointEntry(path_name, parsed.size, parsed.made_at, text.split("\n")[2], signers, others)


def checkpoint_list(session: Session, settings: CheckpointSettings) -> CheckpointsOverview:
    """The checkpoints page's facts (the caller checked the right)."""
    files = checkpoints.stored(settings)
    entries = []
    for path in reversed(files[-MAX_LISTED:]):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InvalidInput(f"cannot read the checkpoint {path.name}: {exc}") from exc
        entries.append(_entry(path.name, text, settings))
    events = session.scalar(select(func.count()).select_from(HistoryEvent)) or 0
    tree_size = session.scalar(select(HistoryTree.size).where(HistoryTree.id == 1)) or 0
    newest = next((e.size for e in entries if e.readable), 0)
    return CheckpointsOverview(entries, len(files), events, tree_size, newest)


def integrity_states(session: Session, settings: CheckpointSettings,
                     instance_ids: Sequence[int]) -> dict[int, IntegrityState]:
    """Each instance's integrity column (see the module's docstring); one statement for all of them."""
    if not instance_ids:
        return {}
    newest = checkpoints.latest(settings)
    size = newest.size if newest is not None else 0
    rows = session.execute(
        select(ProcessInstance.id, ProcessInstance.history_seq, func.count(HistoryEvent.id), func.max(HistoryEvent.seq),
               func.max(HistoryEvent.tree_index),
               func.sum(case((HistoryEvent.tree_index.is_(None), 1), else_=0)))
        .outerjoin(HistoryEvent, HistoryEvent.instance_id == ProcessInstance.id)
        .where(ProcessInstance.id.in_(list(instance_ids))).group_by(ProcessInstance.id, ProcessInstance.history_seq))
    states: dict[int, IntegrityState] = {}
    for instance_id, anchor, count, last_seq, last_index, unsequenced in rows:
        if count != anchor or (last_seq or 0) != anchor:
            states[instance_id] = IntegrityState("problem")
        elif newest is not None and not unsequenced and last_index is not None and last_index < size:
            states[instance_id] = IntegrityState("checkpoint", size)
        else:
            states[instance_id] = IntegrityState("pending", size or None)
    return states
