"""The checkpoints kept, each with its signature and its witnesses' cosignatures (the auditors' checkpoints page)."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path

from ..errors import HistoryTampered, InvalidInput, NotFound
from . import checkpoints, merkle, witnesses
from .checkpoints import CheckpointSettings
from .tiles import TreeFiles
from .witnesses import Cosignature


@dataclass(frozen=True)
class CheckpointEntry:
    file: str  # its name in the checkpoint folder
    origin: str
    size: int
    root: str  # base64
    made_at: str | None
    signature_ok: bool | None  # None: no public key to check it with
    cosignatures: list[Cosignature]  # by the configured witnesses (valid or not)
    quorum_met: bool | None  # None: no witness configured


def list_checkpoints(settings: CheckpointSettings) -> list[CheckpointEntry]:
    """Every checkpoint kept, newest first. A file that is not a checkpoint is listed with no signature."""
    key = checkpoints.public_key(settings)
    entries = []
    for path in reversed(checkpoints.stored(settings)):
        try:
            cp = checkpoints.read(path)
        except (HistoryTampered, InvalidInput):
            entries.append(CheckpointEntry(path.name, "", 0, "", None, False, [], False if settings.witnesses
                                           else None))
            continue
        cosigs = witnesses.cosignatures_of(settings, cp)
        entries.append(CheckpointEntry(
            path.name, cp.origin, cp.size, base64.b64encode(cp.root).decode(), cp.made_at,
            None if key is None else checkpoints.signature_ok(cp, *key), cosigs,
            None if not settings.witnesses else witnesses.quorum_problem(settings, cp) is None))
    return entries


def consistency_proof(settings: CheckpointSettings, old_size: int) -> str:
    """The proof file's text from ``old_size`` to the latest checkpoint, from the tiles (which must reproduce
    its root). :raise NotFound: no checkpoint. :raise InvalidInput: a size it cannot start from.
    :raise HistoryTampered: the tiles disagree with the checkpoint."""
    latest = checkpoints.latest(settings)
    if latest is None:
        raise NotFound("there is no checkpoint yet")
    if not 0 < old_size <= latest.size:
        raise InvalidInput(f"a consistency proof starts from a size between 1 and {latest.size}, not {old_size}")
    hashes = TreeFiles(settings.directory).leaf_hashes(latest.size)
    tree = merkle.Tree(hashes)
    if tree.root() != latest.root:
        raise HistoryTampered(f"the tiles do not reproduce the root of {Path(latest.file or '').name}")
    proof = tree.consistency_proof(old_size) if old_size < latest.size else []
    return witnesses.proof_text(settings.origin, old_size, latest.size, proof)
