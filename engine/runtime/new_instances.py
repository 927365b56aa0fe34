"""Writing many new instances of one process at once, each already run to its first wait state (a cycle opening
hundreds of appraisals): the same rows as ``step_writer.write_step`` writes one by one, in the same order, with
one statement per kind of row for all of them. On PostgreSQL the ids are taken from the sequences first, so each
row is inserted once, complete with its history anchor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from ..definitions.catalog import DeployedProcess
from ..history.log import GENESIS_HASH, PendingEvent, chain_events, insert_events
from ..org.people import Actor
from . import outbox
from .collaborators import Collaborators
from .execution import StepResult
from .step_plan import follow_up_jobs, plan_tasks, step_messages, task_rows
from .step_writer import INSTANCES, TASKS, fill_task_events, insert_tasks

__all__ = ["NewInstance", "write_new_instances"]


@dataclass
class NewInstance:
    """An instance to create, already run to its first wait state."""

    run: StepResult
    start_data: dict[str, Any]
    title: str
    business_key: str | None = None



def write_new_instances(
    session: Session, collaborators: Collaborators, process: DeployedProcess, actor: Actor,
    items: list[NewInstance], now: datetime, parent_id: int | None = None,
) -> list[int]:
    """Create many instances of ``process`` at once (the same rows as one by one, far fewer statements).

    :raise Conflict: an instance with one of the business keys exists (then none is created).
    :raise ProcessError: a new task's person or due window cannot be resolved from the data.
    """
    if not items:
        return []
    plans = plan_tasks(session, collaborators, process, [item.run for item in items], now, actor.id)
    reserved = _reserve_ids(session, INSTANCES, len(items))
    table = INSTANCES
    rows = [{
        "definition_id": process.id, "process_key": process.key, "title": item.title[:300],
        "status": item.run.status, "end_event": item.run.end_event, "started_by_id": actor.id, "started_at": now,
        "ended_at": now if item.run.status != "running" else None, "version": 1,
        "state_json": item.run.state_json, "data_json": item.run.data_text(),
        "history_seq": 0, "history_head": GENESIS_HASH, "business_key": item.business_key, "parent_id": parent_id,
        "next_timer_at": item.run.next_timer_at,
    } for item in items]
    if reserved is None:  # SQLite: the ids come back from the insert, and the history anchors follow in an update
        result = session.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), rows)
        ids = [row[0] for row in result.all()]
    else:  # PostgreSQL: the ids are known first, so each row is inserted once, complete (below)
        ids = reserved
    tasks = [row for instance_id, item, plan in zip(ids, items, plans, strict=True)
             for row in task_rows(instance_id, process.id, item.run.new_tasks, plan, now)]
    task_ids = _reserve_ids(session, TASKS, len(tasks)) if reserved is not None else None
    if task_ids is None:
        created = insert_tasks(session, tasks)
    else:
        for row, task_id in zip(tasks, task_ids, strict=True):
            row["id"] = task_id
        created = {row["spiff_task_id"]: row["id"] for row in tasks}
    events, anchors, jobs, messages = [], [], [], []
    holders: dict[str, list[int]] = {}
    for instance_id, item, plan in zip(ids, items, plans, strict=True):
        mine = {t.spiff_id: created[t.spiff_id] for t in item.run.new_tasks}
        pending = [PendingEvent("instance_started", actor.username, None, payload={
            "process": process.key, "version": process.version, "start_data": item.start_data,
            **({"parent_id": parent_id} if parent_id else {})}), *item.run.events]
        fill_task_events(pending, mine, plan)
        chained, seq, head = chain_events(instance_id, 0, GENESIS_HASH, pending, now)
        events += chained
        anchors.append({"b_id": instance_id, "b_seq": seq, "b_head": head})
        if item.run.next_timer_at is not None:
            jobs.append({"kind": "timer", "due_at": item.run.next_timer_at, "instance_id": instance_id,
                         "payload": {"due_at": item.run.next_timer_at.isoformat()}})
        jobs += follow_up_jobs(instance_id, mine, plan.due, now)
        messages += step_messages(session, process, item.run, instance_id, item.title, mine, plan, actor.id,
                                  holders=holders)
    if reserved is None:
        session.execute(update(INSTANCES).where(INSTANCES.c.id == bindparam("b_id")).values(
            history_seq=bindparam("b_seq"), history_head=bindparam("b_head"), version=2), anchors)
    else:
        for row, instance_id, anchor in zip(rows, ids, anchors, strict=True):
            row.update(id=instance_id, history_seq=anchor["b_seq"], history_head=anchor["b_head"], version=2)
        session.execute(insert(table), rows)
        if tasks:
            session.execute(insert(TASKS), tasks)
    insert_events(session, events)
    outbox.schedule_jobs(session, jobs, now)
    outbox.send(session, messages, now, collaborators.email_enabled)
    return ids


def _reserve_ids(session: Session, table: Table, count: int) -> list[int] | None:
    """``count`` new ids of ``table`` from its PostgreSQL sequence, ascending (one round trip); None on SQLite,
    whose ids come from the insert itself."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    if not count:
        return []
    sequence = func.pg_get_serial_sequence(table.name, "id")
    return sorted(session.scalars(select(func.nextval(sequence)).select_from(func.generate_series(1, count))))
