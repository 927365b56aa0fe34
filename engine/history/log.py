"""Writing the append-only history log: numbering, hashing and inserting one step's events.

Each event's hash covers its content and the previous event's hash. The newest hash and the
event count are also kept on the instance row (the anchor), so deleting the newest events or
rewriting the whole chain is noticed as well as editing, deleting or reordering one event
(``engine.history.verify``). Step events carry the data they changed (``data_delta``), so the
data at any earlier step can be rebuilt (``engine.history.replay``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from ..errors import ProcessError
from ..models import HistoryEvent
from .encoding import ENCODING, NotEncodable, canonical_and_plain, event_hash, legacy_json, spliced_event_hash

GENESIS_HASH = "0" * 64


@dataclass
class PendingEvent:
    """An event of the current use case, not yet numbered or hashed."""

    kind: str
    actor: str | None = None
    task_name: str | None = None
    human_task_id: int | None = None
    payload: dict[str, Any] = field(default_factory=dict)


def canonical_json(value: Any) -> str:
    """Encoding 1's text form, for events written before RFC 8785 was pinned (see ``encoding``)."""
    return legacy_json(value)


def chain_events(
    instance_id: int | None, seq: int, head: str, events: list[PendingEvent], now: datetime
) -> tuple[list[dict[str, Any]], int, str]:
    """Number and hash ``events`` after (seq, head); return the rows and the new anchor."""
    if now.tzinfo is not None:
        # SQLite keeps only the wall-clock time: a non-UTC offset would read back as UTC and
        # change the hash, so store (and hash) the moment in UTC.
        now = now.astimezone(UTC)
    rows = []
    for event in events:
        seq += 1
        try:
            written, plain = canonical_and_plain(event.payload)
        except NotEncodable as exc:  # e.g. a script computed 2**60: the history could not hold it exactly
            raise ProcessError(f"{event.task_name or event.kind}: the data holds a value the history cannot "
                               f"record exactly ({exc})") from exc
        payload_json = written.decode("utf-8")
        hashed = spliced_event_hash if plain else event_hash  # plain (most): the text is spliced into the record
        digest = hashed(head, instance_id, seq, event.kind, now, event.actor, event.task_name, event.human_task_id,
                        payload_json)
        rows.append({
            "instance_id": instance_id, "seq": seq, "kind": event.kind, "occurred_at": now,
            "actor": event.actor, "task_name": event.task_name, "human_task_id": event.human_task_id,
            "payload_json": payload_json, "prev_hash": head, "hash": digest, "encoding": ENCODING,
        })
        head = digest
    return rows, seq, head


_INSERT_EVENTS = insert(HistoryEvent.__table__)  # type: ignore[arg-type]  # built once: every step runs it


def insert_events(session: Session, rows: list[dict[str, Any]]) -> None:
    if rows:  # a Core insert: one statement for all rows, even when some columns are NULL
        session.execute(_INSERT_EVENTS, rows)


def data_delta(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """Top-level keys that changed between two data snapshots."""
    changed = {k: v for k, v in after.items() if k not in before or before[k] != v}
    removed = sorted(k for k in before if k not in after)
    delta: dict[str, Any] = {}
    if changed:
        delta["set"] = changed
    if removed:
        delta["unset"] = removed
    return delta
