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

from sqlalchemy import CTE, DateTime, Insert, Integer, String, Text, bindparam, func, insert, select, true
from sqlalchemy.dialects.postgresql import ARRAY
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


EVENT_COLUMNS = ("instance_id", "seq", "kind", "occurred_at", "actor", "task_name", "human_task_id", "payload_json",
                 "prev_hash", "hash", "encoding")  # the keys of ``chain_events``'s rows
_INSERT_EVENTS = insert(HistoryEvent.__table__)  # type: ignore[arg-type]  # built once: every step runs it


def insert_events(session: Session, rows: list[dict[str, Any]]) -> None:
    if rows:  # a Core insert: one statement for all rows, even when some columns are NULL
        session.execute(_INSERT_EVENTS, rows)


# The columns that differ between a step's events; they share the instance, the moment and the encoding.
_EACH = (("seq", Integer), ("kind", String), ("actor", String), ("task_name", String), ("human_task_id", Integer),
         ("payload_json", Text), ("prev_hash", String), ("hash", String))


def insert_events_after(moved: CTE) -> Insert:
    """PostgreSQL: a step's events inserted in the statement that moves its instance (one round trip, not two).

    ``moved`` is the instance's ``UPDATE ... RETURNING id``: the events are inserted only if it changed the row
    (else none is); it returns their ids (the driver counts no rows of a statement with ``WITH``). Each column's
    values are bound as one array (``event_arrays``): the statement is the same for any number of events.
    """
    each = func.unnest(*(bindparam(f"b_e_{name}", type_=ARRAY(kind)) for name, kind in _EACH)).table_valued(
        *(name for name, _ in _EACH)).render_derived(name="e")
    rows = (select(moved.c.id, bindparam("b_e_occurred_at", type_=DateTime(timezone=True)),
                   bindparam("b_e_encoding", type_=Integer), *(each.c[name] for name, _ in _EACH))
            .select_from(moved).join(each, true()))
    return (insert(HistoryEvent.__table__).from_select(  # type: ignore[arg-type]
        ["instance_id", "occurred_at", "encoding", *(name for name, _ in _EACH)], rows).add_cte(moved)
        .returning(HistoryEvent.id))


def event_arrays(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The values of ``insert_events_after`` for ``rows`` (of one step: ``chain_events``)."""
    values = {f"b_e_{name}": [row[name] for row in rows] for name, _ in _EACH}
    values.update(b_e_occurred_at=rows[0]["occurred_at"], b_e_encoding=rows[0]["encoding"])
    return values


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
