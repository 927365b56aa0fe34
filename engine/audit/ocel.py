"""The log of one process as OCEL 2.0 JSON: instances, tasks and people as objects, completed tasks as events.

Objects: ``instance:<id>`` (process, version, status, end), ``task:<id>`` (its BPMN element id and lane),
``person:<username>``. Events (one per completed user task; the type is the BPMN element id) relate
to their instance, their task and the person who completed it; instances relate to who started them.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..clock import utc_iso
from ..models import HistoryEvent, HumanTask, ProcessInstance, User, UserRole
from .views import OcelLog
from .xes import DONE_KINDS, LogFilter, instance_query

EPOCH = "1970-01-01T00:00:00Z"


def _attrs(values: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"name": k, "time": EPOCH, "value": v} for k, v in values.items() if v is not None]


def ocel_log(session: Session, wanted: LogFilter) -> OcelLog:
    """The OCEL 2.0 document (a JSON document by the standard's definition). :raise ProcessNotFound:"""
    instances = session.execute(instance_query(session, wanted)).all()
    ids = [i.id for i in instances]
    starters: dict[int, str] = {row.id: row.username for row in session.execute(
        select(ProcessInstance.id, User.username).join(User, User.id == ProcessInstance.started_by_id)
        .where(ProcessInstance.id.in_(ids)))} if ids else {}
    rows = session.execute(
        select(HistoryEvent.id, HistoryEvent.instance_id, HistoryEvent.seq, HistoryEvent.task_name,
               HistoryEvent.occurred_at, HistoryEvent.actor, HistoryEvent.payload_json, HistoryEvent.hash,
               HistoryEvent.human_task_id, HumanTask.lane)
        .outerjoin(HumanTask, HumanTask.id == HistoryEvent.human_task_id)
        .where(HistoryEvent.instance_id.in_(ids), HistoryEvent.kind.in_(DONE_KINDS))
        .order_by(HistoryEvent.occurred_at, HistoryEvent.id)).all() if ids else []
    payloads = {row.id: json.loads(row.payload_json) for row in rows}
    people = sorted({r.actor for r in rows if r.actor} | set(starters.values())
                    | {str(p[key]) for p in payloads.values() for key in ("on_behalf_of", "approver") if p.get(key)})
    roles: dict[str, list[str]] = {}
    for username, role in session.execute(select(User.username, UserRole.role_key).join(
            UserRole, UserRole.user_id == User.id).where(User.username.in_(people))):
        roles.setdefault(username, []).append(role)
    objects: list[dict[str, Any]] = []
    for instance in instances:
        relationships = [{"objectId": f"person:{starters[instance.id]}", "qualifier": "started by"}] \
            if instance.id in starters else []
        objects.append({"id": f"instance:{instance.id}", "type": "instance", "relationships": relationships,
                        "attributes": _attrs({"process": wanted.process, "version": instance.version,
                                              "title": instance.title, "status": instance.status,
                                              "end_event": instance.end_event})})
    seen_tasks: set[int] = set()
    events: list[dict[str, Any]] = []
    for row in rows:
        related = [{"objectId": f"instance:{row.instance_id}", "qualifier": "instance"}]
        if row.human_task_id is not None:
            related.append({"objectId": f"task:{row.human_task_id}", "qualifier": "task"})
            if row.human_task_id not in seen_tasks:
                seen_tasks.add(row.human_task_id)
                objects.append({"id": f"task:{row.human_task_id}", "type": "task",
                                "attributes": _attrs({"element": row.task_name, "role": row.lane}),
                                "relationships": [{"objectId": f"instance:{row.instance_id}", "qualifier": "part of"}]})
        payload = payloads[row.id]
        if row.actor:
            related.append({"objectId": f"person:{row.actor}", "qualifier": "completed by"})
        if payload.get("on_behalf_of"):  # 代理: the proxy completed it for someone away
            related.append({"objectId": f"person:{payload['on_behalf_of']}", "qualifier": "on behalf of"})
        if payload.get("approver"):  # 自动去重: passed because they had just approved the step before
            related.append({"objectId": f"person:{payload['approver']}", "qualifier": "passed for the same approver"})
        decision = payload.get("decision")
        events.append({"id": f"event:{row.id}", "type": row.task_name, "time": utc_iso(row.occurred_at),
                       "attributes": [{"name": k, "value": v} for k, v in (
                           ("decision", decision if isinstance(decision, str) else None), ("seq", row.seq),
                           ("hash", row.hash)) if v is not None],
                       "relationships": related})
    objects += [{"id": f"person:{p}", "type": "person", "relationships": [],
                 "attributes": _attrs({"roles": ",".join(sorted(roles.get(p, [])))})} for p in people]
    string, integer = "string", "integer"
    return {
        "objectTypes": [
            {"name": "instance", "attributes": [{"name": n, "type": t} for n, t in (
                ("process", string), ("version", integer), ("title", string), ("status", string),
                ("end_event", string))]},
            {"name": "task", "attributes": [{"name": "element", "type": string}, {"name": "role", "type": string}]},
            {"name": "person", "attributes": [{"name": "roles", "type": string}]},
        ],
        "eventTypes": [{"name": name, "attributes": [{"name": "decision", "type": string},
                                                      {"name": "seq", "type": integer},
                                                      {"name": "hash", "type": string}]}
                       for name in sorted({r.task_name for r in rows if r.task_name})],
        "objects": objects,
        "events": events,
    }
