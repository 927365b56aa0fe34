"""Rollback notes in the checkpoint directory: writing one, and checking the trail of checkpoints and notes.

When a restore puts back a history older than the latest signed checkpoint (``engine.history.restore``), it
writes a rollback note (the format: ``opsflow_verify.rollback``, shared with the witnesses and the offline
verifier), then a checkpoint at the restored size: the checkpoints before the note are of the tree that was
rolled back, the ones after it extend the restored one. ``opsflow verify`` reads the trail in the order it was
written: a checkpoint smaller than the one before it (or of the same size with another root) needs a good note
between them; a note must be signed with the log's key, start from the checkpoint just before it and be
followed by the checkpoint it promises.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from opsflow_verify.note import Key
from opsflow_verify.rollback import Rollback, body, check_rollback, parse_rollback

from ..clock import utc_iso
from ..errors import InvalidInput
from . import checkpoints
from .checkpoints import Checkpoint, CheckpointSettings
from .tiles import write_once

_STAMP = "%Y%m%dT%H%M%SZ"


def check_reason(reason: str) -> str:
    """The reason as it goes into a note: one line, no control characters. :raise InvalidInput:"""
    reason = reason.strip()
    if not reason or any(ord(c) < 32 or 127 <= ord(c) < 160 or c in "\u2028\u2029" for c in reason):
        raise InvalidInput("--acknowledge-rollback needs a reason: one line of text, no control characters")
    if len(reason) > 500:
        raise InvalidInput("the rollback's reason is at most 500 characters")
    return reason


def last_stamp(settings: CheckpointSettings) -> str | None:
    """The time (``%Y%m%dT%H%M%SZ``) of the newest checkpoint or note: a new note must come after it."""
    return max((p.name.rsplit("-", 1)[1] for p in checkpoints.trail(settings)), default=None)


def stamp(now: datetime) -> str:
    return now.astimezone(UTC).strftime(_STAMP)


def write_note(settings: CheckpointSettings, latest: Checkpoint, to_size: int, to_root: bytes, by: str,
               reason: str, now: datetime) -> Path:
    """Sign and write the note of a rollback from ``latest`` to the tree (to_size, to_root)."""
    key = checkpoints.load_or_create_key(settings)
    note = checkpoints.sign_note(key, settings.origin, body(settings.origin, latest.size, latest.root, to_size,
                                                            to_root, by, utc_iso(now), reason))
    path = settings.directory / f"rollback-{latest.size:012d}-{to_size:012d}-{stamp(now)}"
    write_once(path, note.encode("utf-8"))
    return path


@dataclass
class Trail:
    """What the checkpoints and notes say together: the rollbacks (as the report words them) and the problems."""

    rollbacks: list[Rollback] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def check_trail(settings: CheckpointSettings) -> Trail:
    """Check the order of checkpoints and rollback notes (see the module's docstring)."""
    trail = Trail()
    verifier = checkpoints.public_key(settings)
    before: Checkpoint | None = None  # the checkpoint just before, in writing order
    promised: tuple[Rollback, Path] | None = None  # a note waiting for its checkpoint
    for path in checkpoints.trail(settings):
        if checkpoints.ROLLBACK_NAME.match(path.name):
            promised = _note(path, before, verifier, trail)
            continue
        try:
            current = checkpoints.read(path)
        except Exception as exc:
            trail.problems.append(f"{path.name}: {exc}")
            continue
        if promised is not None:
            note, note_path = promised
            if (current.size, current.root) != (note.to_size, note.to_root):
                trail.problems.append(f"{path.name} follows the rollback note {note_path.name} but is not the "
                                      f"tree it rolled back to (size {note.to_size})")
            promised = None
        elif before is not None and (current.size < before.size or (
                current.size == before.size and current.root != before.root)):
            trail.problems.append(f"{path.name} (size {current.size}) does not extend "
                                  f"{Path(before.file or '?').name} (size {before.size}) and no rollback note between "
                                  "them: the history was rolled back or rewritten without a word")
        before = current
    if promised is not None:
        trail.problems.append(f"the rollback note {promised[1].name} is not followed by the checkpoint of the "
                              "tree it rolled back to")
    return trail


def _note(path: Path, before: Checkpoint | None, verifier: tuple[str, bytes] | None,
          trail: Trail) -> tuple[Rollback, Path] | None:
    try:
        note = parse_rollback(path.read_text(encoding="utf-8"))
        if verifier is None:
            raise ValueError("there is no public key to check it with")
        check_rollback(note, [Key(*verifier)])
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        trail.problems.append(f"rollback note {path.name}: {exc}")
        return None
    if before is None or (before.size, before.root) != (note.from_size, note.from_root):
        trail.problems.append(f"rollback note {path.name}: it rolls back from size {note.from_size}, which is not "
                              "the signed checkpoint just before it")
        return None
    trail.rollbacks.append(note)
    return note, path
