"""Checking attached files against the history: every ``attachment_added`` event names a file by its SHA-256;
the bytes stored under that hash must still have it, and the attachment row must still be the file the event
recorded (name and hash). Part of ``opsflow verify``."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Attachment, AttachmentBlob

KIND = "attachment_added"
BATCH = 500


@dataclass(frozen=True)
class Recorded:
    """An attachment as its event recorded it."""

    instance_id: int
    seq: int
    attachment_id: int | None
    name: str
    sha256: str


def recorded(instance_id: int, seq: int, payload_json: str) -> Recorded | None:
    """The attachment an ``attachment_added`` event names (None when its payload cannot be read: the chain
    check reports an edited event already)."""
    try:
        payload = json.loads(payload_json)
        return Recorded(instance_id, seq, payload.get("attachment_id"), str(payload["name"]), str(payload["sha256"]))
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def problems_of(session: Session, files: list[Recorded]) -> list[tuple[Recorded, str]]:
    """What is wrong with the stored files the events name: each event's file, and what is wrong with it."""
    found: list[tuple[Recorded, str]] = []
    state: dict[str, str] = {}
    for sha in sorted({f.sha256 for f in files}):  # one file's bytes in memory at a time
        content = session.scalar(select(AttachmentBlob.content).where(AttachmentBlob.sha256 == sha))
        state[sha] = "missing" if content is None else "ok" if hashlib.sha256(content).hexdigest() == sha \
            else "changed"
    ids = [f.attachment_id for f in files if isinstance(f.attachment_id, int)]
    rows: dict[int, tuple[str, str]] = {}
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        rows.update((a.id, (a.name, a.sha256)) for a in session.execute(
            select(Attachment.id, Attachment.name, Attachment.sha256).where(Attachment.id.in_(chunk))))
    for f in files:
        what = f"attachment {f.name!r} (SHA-256 {f.sha256[:12]}…)"
        if state[f.sha256] == "missing":
            found.append((f, f"{what}: its bytes are missing from the database"))
        elif state[f.sha256] == "changed":
            found.append((f, f"{what} was changed: its stored bytes no longer have the SHA-256 the history recorded"))
        elif isinstance(f.attachment_id, int) and rows.get(f.attachment_id) != (f.name, f.sha256):
            found.append((f, f"{what}: attachment #{f.attachment_id} is no longer the file the history recorded"))
    return found
