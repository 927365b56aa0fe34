"""The append-only history log: hash-chained events per instance, and checking the chains.

Each event's hash covers its content and the previous event's hash. The newest hash and the
event count are also kept on the instance row (the anchor), so deleting the newest events or
rewriting the whole chain is noticed as well as editing, deleting or reordering one event.
Step events carry the data they changed (``data_delta``), so the data at any earlier step
can be rebuilt by replaying the deltas in order.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from .models import HistoryEvent, ProcessInstance

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
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def aware_utc(moment: datetime) -> datetime:
    """A timestamp with its timezone (naive values read back from SQLite are UTC)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def utc_iso(moment: datetime) -> str:
    """A fixed text form of a timestamp (naive values read back from SQLite are UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_hash(
    prev_hash: str, instance_id: int, seq: int, kind: str, occurred_at: datetime,
    actor: str | None, task_name: str | None, human_task_id: int | None, payload_json: str,
) -> str:
    material = canonical_json(
        [prev_hash, instance_id, seq, kind, utc_iso(occurred_at), actor, task_name, human_task_id, payload_json]
    )
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def chain_events(
    instance_id: int, seq: int, head: str, events: list[PendingEvent], now: datetime
) -> tuple[list[dict[str, Any]], int, str]:
    """Number and hash ``events`` after (seq, head); return the rows and the new anchor."""
    if now.tzinfo is not None:
        # SQLite keeps only the wall-clock time: a non-UTC offset would read back as UTC and
        # change the hash, so store (and hash) the moment in UTC.
        now = now.astimezone(UTC)
    rows = []
    for event in events:
        seq += 1
        payload_json = canonical_json(event.payload)
        digest = event_hash(head, instance_id, seq, event.kind, now, event.actor, event.task_name,
                            event.human_task_id, payload_json)
        rows.append({
            "instance_id": instance_id, "seq": seq, "kind": event.kind, "occurred_at": now,
            "actor": event.actor, "task_name": event.task_name, "human_task_id": event.human_task_id,
            "payload_json": payload_json, "prev_hash": head, "hash": digest,
        })
        head = digest
    return rows, seq, head


def insert_events(session: Session, rows: list[dict[str, Any]]) -> None:
    if rows:  # a Core insert: one statement for all rows, even when some columns are NULL
        session.execute(insert(HistoryEvent.__table__), rows)  # type: ignore[arg-type]


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


def replay_data(events: list[HistoryEvent], upto_seq: int | None = None) -> dict[str, Any]:
    """Instance data as it stood after event ``upto_seq`` (all events when None)."""
    data: dict[str, Any] = {}
    for event in events:
        if upto_seq is not None and event.seq > upto_seq:
            break
        delta = json.loads(event.payload_json).get("data_delta") or {}
        data.update(delta.get("set", {}))
        for key in delta.get("unset", []):
            data.pop(key, None)
    return data


@dataclass
class ChainProblem:
    instance_id: int
    seq: int | None
    message: str


def verify_instance(session: Session, instance: ProcessInstance) -> list[ChainProblem]:
    """Recompute one instance's chain; report every break (empty list: untouched)."""
    events = session.scalars(
        select(HistoryEvent).where(HistoryEvent.instance_id == instance.id).order_by(HistoryEvent.id)
    ).all()
    problems: list[ChainProblem] = []
    head = GENESIS_HASH
    expected_seq = 0
    for event in events:
        expected_seq += 1
        if event.seq != expected_seq:
            problems.append(ChainProblem(instance.id, event.seq,
                                         f"event #{event.seq} stands where #{expected_seq} belongs "
                                         "(an event was deleted or the log reordered)"))
            expected_seq = event.seq
        if event.prev_hash != head:
            problems.append(ChainProblem(instance.id, event.seq,
                                         f"event #{event.seq} does not follow the event before it"))
        digest = event_hash(event.prev_hash, event.instance_id, event.seq, event.kind, event.occurred_at,
                            event.actor, event.task_name, event.human_task_id, event.payload_json)
        if digest != event.hash:
            problems.append(ChainProblem(instance.id, event.seq,
                                         f"event #{event.seq} ({event.kind}) was edited: its hash does not match"))
        head = event.hash
    if expected_seq != instance.history_seq:
        problems.append(ChainProblem(instance.id, None,
                                     f"the log ends at #{expected_seq} but the instance's anchor records "
                                     f"#{instance.history_seq}: events were deleted or rewritten"))
    elif head != (instance.history_head or GENESIS_HASH):
        problems.append(ChainProblem(instance.id, None,
                                     f"the log's newest event #{expected_seq} does not match the instance's "
                                     "anchor: the log was rewritten"))
    return problems


def verify(session: Session, instance_id: int | None = None) -> tuple[int, list[ChainProblem]]:
    """Check one instance or all; return how many were checked and the problems found."""
    query = select(ProcessInstance).order_by(ProcessInstance.id)
    if instance_id is not None:
        query = query.where(ProcessInstance.id == instance_id)
    instances = session.scalars(query).all()
    problems: list[ChainProblem] = []
    for instance in instances:
        problems += verify_instance(session, instance)
    return len(instances), problems
