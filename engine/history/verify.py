"""Checking the history: recompute every hash chain and compare it with the instance's anchor."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import HistoryEvent, ProcessInstance
from .log import GENESIS_HASH, event_hash


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
