"""Putting a backup back without making the proof lie: ``opsflow restore FILE [--acknowledge-rollback REASON]``.

Before anything is touched, the backup's tree (its leaves travel in the backup) is compared with the latest
signed checkpoint: a backup whose tree holds that checkpoint (at least its size, the same root at that size)
is restored as it is. Otherwise restoring it rolls the history back, and the restore refuses unless the
operator says why; then it writes a signed rollback note (``engine.history.rollback``) and a checkpoint at the
restored size, so that verify, the bundle and the witnesses report the rollback instead of a false alarm.

The leaf tiles follow the restored tree: tiles that are not a prefix of it are moved aside (kept, as
``tiles-before-restore-<time>``) and written again from the restored events; later checkpoints extend them.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine as DbEngine
from sqlalchemy.orm import Session

from ..errors import Conflict, HistoryTampered, InvalidInput
from . import backup, checkpoints, merkle, rollback
from .backup import BackupFile
from .checkpoints import Checkpoint, CheckpointSettings
from .sequencer import LOG_ID_FILE, directory_lock
from .tiles import LEVEL0, Leaf, TreeFiles

TILES = LEVEL0.split("/")[0]  # "tile": the leaf tiles and their names


class RollbackRefused(Conflict):
    """The backup is older than the latest signed checkpoint, and nobody said why it should be put back."""

    code = "rollback_refused"


@dataclass(frozen=True)
class RestoreResult:
    size: int  # the restored tree's size
    root: str  # base64
    events: int
    rolled_back_from: int | None  # the latest checkpoint's size, when the restore rolled the history back
    note: str | None  # the rollback note written
    checkpoint: str | None  # the checkpoint written at the restored size
    tiles_moved_to: str | None  # where tiles that did not fit the restored tree were moved
    revision: str | None  # the backup's schema revision


def needs_rollback(latest: Checkpoint | None, leaves: list[bytes]) -> bool:
    """Whether putting back a tree of ``leaves`` rolls back what ``latest`` signed."""
    if latest is None:
        return False
    return len(leaves) < latest.size or merkle.root(leaves[:latest.size]) != latest.root


def check_allowed(settings: CheckpointSettings, backup_file: BackupFile, reason: str | None,
                  now: datetime) -> Checkpoint | None:
    """Refuse a restore that would roll back silently, or that cannot be done; return the latest checkpoint
    when the restore rolls back. :raise RollbackRefused: :raise InvalidInput: :raise HistoryTampered:"""
    manifest = backup_file.manifest
    log_file = settings.directory / LOG_ID_FILE
    if log_file.exists() and manifest.log_id is not None and log_file.read_text().strip() != manifest.log_id:
        raise InvalidInput(f"the backup is of log {manifest.log_id}, the checkpoints in {settings.directory} of "
                           f"log {log_file.read_text().strip()}: it is another database's backup")
    latest = checkpoints.latest(settings)
    if not needs_rollback(latest, backup_file.leaves):
        return None
    assert latest is not None
    if reason is None:
        other = "" if manifest.tree_size < latest.size else ", with another root"
        raise RollbackRefused(
            f"the backup is older than checkpoint {Path(latest.file or '').name} (size {latest.size}): its history "
            f"tree holds {manifest.tree_size} event(s){other}; restoring it rolls back history; say why with "
            "--acknowledge-rollback REASON (nothing was changed)")
    key = checkpoints.public_key(settings)
    if key is None or not checkpoints.signature_ok(latest, *key):
        raise HistoryTampered(f"{latest.file}: its signature does not verify; a rollback from it cannot be signed")
    last = rollback.last_stamp(settings)
    if last is not None and rollback.stamp(now) <= last:
        raise Conflict("a checkpoint was written this second: restore again in a second")
    return latest


def restore(db: DbEngine, settings: CheckpointSettings, backup_file: BackupFile, reason: str | None, by: str,
            now: datetime) -> RestoreResult:
    """Put ``backup_file`` back (see the module's docstring). Stop the web and the worker first.

    :raise RollbackRefused: :raise InvalidInput: :raise HistoryTampered:
    """
    if reason is not None:
        reason = rollback.check_reason(reason)
    checked = backup.check_database(db, backup_file)
    with directory_lock(settings):  # no checkpoint is made meanwhile
        latest = check_allowed(settings, backup_file, reason, now)
        backup.put_back(db, backup_file)
        if checked is None:  # PostgreSQL: read what was restored
            with Session(db) as session:
                _, checked = backup.tree_leaves(session)
        leaves = checked
        hashes = [leaf.hash for leaf in leaves]
        if hashes != backup_file.leaves:
            raise HistoryTampered("the restored database does not hold the tree the backup's manifest names: the "
                                  "backup file was altered; run 'opsflow verify'")
        moved = _fit_tiles(settings, leaves, now)
        root = merkle.root(hashes)
        note = written = None
        if latest is not None:
            note = str(rollback.write_note(settings, latest, len(hashes), root, by, reason or "", now))
            key = checkpoints.load_or_create_key(settings)
            written = str(checkpoints.write(settings, checkpoints.sign(key, settings.origin, len(hashes), root),
                                            len(hashes), now))
    manifest = backup_file.manifest
    return RestoreResult(len(hashes), base64.b64encode(root).decode(), manifest.events,
                         latest.size if latest else None, note, written, moved, manifest.revision)


def _fit_tiles(settings: CheckpointSettings, leaves: list[Leaf], now: datetime) -> str | None:
    """Make the tiles a prefix of the restored tree: keep them when they are one, else move them aside and
    write the restored leaves. Return where they were moved."""
    files = TreeFiles(settings.directory)
    held = files.size()
    hashes = [leaf.hash for leaf in leaves]
    if held <= len(leaves) and files.leaf_hashes(held) == hashes[:held]:
        return None
    aside = settings.directory / f"tiles-before-restore-{rollback.stamp(now)}"
    aside.mkdir(mode=0o700)
    (settings.directory / TILES).rename(aside / TILES)
    files.append(0, leaves)
    return str(aside)
