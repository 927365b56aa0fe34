"""The log of one process as OCEL 2.0 JSON: instances, tasks and people as objects, completed tasks as events.

Objects: ``instance:<id>`` (process, version, status, end), ``task:<id>`` (its BPMN element id and lane),
``person:<username>``. Events (one per completed user task; the type is the BPMN element id) relate
to their instance, their task and the person who completed it; instances relate to who started them. The
moves made on a task before it was completed are attributes of its event (``transfers``, ``transferred_from``,
``urges``: see ``xes.task_moves``); a withdrawn request is an instance whose ``end_event`` is ``withdrawn``. A step
returned to an earlier one (驳回) is an event of type ``task returned`` (no element id has a space) with the
step it left and the step it went back to, related to who returned it. A countersign round's start and end (会签),
an urge (催办) and a transfer (转办) are events of their own types (``move_events.OCEL_TYPES``), related to the
instance, the task (a round: each of its tasks, qualified ``round task``) and the people they concern.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..clock import utc_iso
from ..models import HumanTask, ProcessInstance, User, UserRole
from .attachment_files import before, files_by_task
from .log_steps import LogStep, log_steps
from .move_events import ATTRIBUTES, MOVE_KINDS, OCEL_TYPES, move_attributes, people_of
from .views import OcelLog
from .xes import HANDED_ON, Labels, LogFilter, handed_on, history_rows, instance_query, models_of, task_moves

EPOCH = "1970-01-01T00:00:00Z"
RETURNED = "task returned"  # the event type of a return to an earlier step
NAMED = ("on_behalf_of", "approver", "to", "for", "proxy")  # the payload keys that name a person


def _attrs(values: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"name": k, "time": EPOCH, "value": v} for k, v in values.items() if v is not None]


def ocel_log(session: Session, wanted: LogFilter) -> OcelLog:
    """The OCEL 2.0 document (a JSON document by the standard's definition). :raise ProcessNotFound:"""
    instances = session.execute(instance_query(session, wanted)).all()
    ids = [i.id for i in instances]
    starters: dict[int, str] = {row.id: row.username for row in session.execute(
        select(ProcessInstance.id, User.username).join(User, User.id == ProcessInstance.started_by_id)
        .where(ProcessInstance.id.in_(ids)))} if ids else {}
    by_instance = history_rows(session, ids) if ids else {}
    models = models_of(session, {i.definition_id for i in instances}, {})
    steps = sorted(((step, n) for instance in instances
                    for n, step in enumerate(log_steps(by_instance[instance.id], models[instance.definition_id]))),
                   key=lambda found: (found[0].row.occurred_at, found[0].row.seq, found[0].row.instance_id, found[1]))
    rows = [row for instance in instances for row in by_instance[instance.id] if row.kind != "gateway_path"]
    payloads = {row.id: json.loads(row.payload_json) for row in rows}
    people = sorted({r.actor for r in rows if r.actor} | set(starters.values())
                    | {str(p[k]) for p in payloads.values() for k in NAMED if isinstance(p.get(k), str) and p[k]}
                    | {who for r in rows if r.kind in OCEL_TYPES for who, _ in people_of(r.kind, r.actor,
                                                                                          payloads[r.id])})
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
    moves = task_moves(session, ids) if ids else {}
    seen_tasks: set[int] = set()
    files = files_by_task(session, ids)
    seen_files: set[str] = set()
    events: list[dict[str, Any]] = []
    rounds = _round_tasks(session, ids, {str(payloads[r.id].get("round_id")) for r in rows
                                         if r.kind in ("countersign_started", "countersign_ended")})
    activities: set[str] = set()
    instances_by_id = {i.id: i.definition_id for i in instances}
    for step, n in steps:
        row = step.row
        label = Labels(models[instances_by_id[row.instance_id]], wanted.label)
        if step.automatic:
            activities.add(label(step.element))
            events.append({"id": f"event:{row.id}.{n}", "type": label(step.element), "time": utc_iso(row.occurred_at),
                           "attributes": [{"name": "element", "value": step.element},
                                          {"name": "lifecycle", "value": step.transition}],
                           "relationships": [{"objectId": f"instance:{row.instance_id}", "qualifier": "instance"}]})
            continue
        if row.kind in OCEL_TYPES:
            events.append(_move_event(row, payloads[row.id], rounds, objects, seen_tasks))
            continue
        if row.kind in LIFECYCLE_TYPES:
            events.append(_lifecycle_event(row, step, payloads[row.id], label, objects, seen_tasks))
            continue
        related = _instance_and_task(row, objects, seen_tasks)
        returned = row.kind == "task_returned"
        payload = payloads[row.id]
        if row.actor:
            related.append({"objectId": f"person:{row.actor}",
                            "qualifier": "returned by" if returned else "completed by"})
        if payload.get("on_behalf_of"):  # 代理: the proxy completed it for someone away
            related.append({"objectId": f"person:{payload['on_behalf_of']}", "qualifier": "on behalf of"})
        if payload.get("approver"):  # 自动去重: passed because they had just approved the step before
            related.append({"objectId": f"person:{payload['approver']}", "qualifier": "passed for the same approver"})
        for file in {f.sha256: f for f in before(files, row.human_task_id, row.occurred_at)}.values():  # 附件
            related.append({"objectId": f"file:{file.sha256}", "qualifier": "attached"})
            if file.sha256 not in seen_files:
                seen_files.add(file.sha256)
                objects.append({"id": f"file:{file.sha256}", "type": "file", "relationships": [],
                                "attributes": _attrs({"name": file.name, "size": file.size,
                                                      "content_type": file.content_type})})
        decision = payload.get("decision")
        moved = moves.get(row.human_task_id, {}) if row.human_task_id is not None and not returned else {}
        named = (("from_step", row.task_name), ("to_step", payload.get("to_step"))) if returned else \
            (("decision", decision if isinstance(decision, str) else None),)
        if not returned:
            activities.add(label(row.task_name))
        events.append({"id": f"event:{row.id}", "type": RETURNED if returned else label(row.task_name),
                       "time": utc_iso(row.occurred_at),
                       "attributes": [{"name": k, "value": v} for k, v in (
                           *named, ("element", row.task_name), ("lifecycle", step.transition),
                           ("seq", row.seq), ("hash", row.hash), ("transfers", moved.get("transfers") or None),
                           ("transferred_from", moved.get("transferred_from") if moved.get("transfers") else None),
                           ("urges", moved.get("urges") or None), *([] if returned else handed_on(payload)))
                           if v is not None],
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
            *([{"name": "file", "attributes": [{"name": "name", "type": string}, {"name": "size", "type": integer},
                                               {"name": "content_type", "type": string}]}] if seen_files else []),
        ],
        "eventTypes": [{"name": name, "attributes": [{"name": "decision", "type": string},
                                                      {"name": "element", "type": string},
                                                      {"name": "lifecycle", "type": string},
                                                      {"name": "seq", "type": integer},
                                                      {"name": "hash", "type": string},
                                                      {"name": "transfers", "type": integer},
                                                      {"name": "transferred_from", "type": string},
                                                      {"name": "urges", "type": integer},
                                                      *({"name": key, "type": string} for key in HANDED_ON)]}
                       for name in sorted(activities)]
        + ([{"name": RETURNED, "attributes": [{"name": n, "type": t} for n, t in (
            ("from_step", string), ("to_step", string), ("element", string), ("lifecycle", string),
            ("seq", integer), ("hash", string))]}]
           if any(r.kind == "task_returned" for r in rows) else [])
        + [{"name": OCEL_TYPES[kind], "attributes": [{"name": n, "type": t} for n, t in (
            *ATTRIBUTES[kind], ("seq", integer), ("hash", string))]}
           for kind in MOVE_KINDS if any(r.kind == kind for r in rows)]
        + [{"name": LIFECYCLE_TYPES[kind], "attributes": [{"name": n, "type": string} for n in LIFECYCLE_ATTRIBUTES]}
           for kind in LIFECYCLE_TYPES if any(r.kind == kind for r in rows)],
        "objects": objects,
        "events": events,
    }


# The lifecycle of a task and of the instance, as event types of their own (``log_steps``).
LIFECYCLE_TYPES = {"task_created": "task created", "task_assigned": "task assigned", "task_claimed": "task claimed",
                   "task_unclaimed": "task released", "instance_started": "instance started",
                   "instance_ended": "instance ended", "instance_cancelled": "instance cancelled",
                   "instance_withdrawn": "instance withdrawn"}
LIFECYCLE_ATTRIBUTES = ("element", "lifecycle", "role", "reason", "seq", "hash")
QUALIFIERS = {"task_created": "offered to", "task_assigned": "assigned to", "task_claimed": "claimed by",
              "task_unclaimed": "released by", "instance_started": "started by", "instance_ended": "ended by",
              "instance_cancelled": "cancelled by", "instance_withdrawn": "withdrawn by"}


def _instance_and_task(row: Any, objects: list[dict[str, Any]], seen_tasks: set[int]) -> list[dict[str, str]]:
    """An event's relations to its instance and its task; the task's object is added the first time it is met."""
    related = [{"objectId": f"instance:{row.instance_id}", "qualifier": "instance"}]
    if row.human_task_id is not None:
        related.append({"objectId": f"task:{row.human_task_id}", "qualifier": "task"})
        if row.human_task_id not in seen_tasks:
            seen_tasks.add(row.human_task_id)
            objects.append({"id": f"task:{row.human_task_id}", "type": "task",
                            "attributes": _attrs({"element": row.task_name, "role": row.lane}),
                            "relationships": [{"objectId": f"instance:{row.instance_id}", "qualifier": "part of"}]})
    return related


def _lifecycle_event(row: Any, step: LogStep, payload: dict[str, Any], label: Labels, objects: list[dict[str, Any]],
                     seen_tasks: set[int]) -> dict[str, Any]:
    """A task's or the instance's lifecycle event, related to the instance, the task and who it concerns."""
    related = _instance_and_task(row, objects, seen_tasks)
    who = row.actor
    if row.kind == "task_created":
        who = payload.get("for") or payload.get("proxy")
    elif row.kind == "task_assigned":
        who = payload.get("to")
        if row.actor:
            related.append({"objectId": f"person:{row.actor}", "qualifier": "assigned by"})
    if isinstance(who, str) and who:
        related.append({"objectId": f"person:{who}", "qualifier": QUALIFIERS[row.kind]})
    values = {"element": step.element, "lifecycle": step.transition, "role": row.lane or payload.get("role"),
              "reason": payload.get("reason") if row.kind in ("instance_cancelled", "instance_withdrawn") else None,
              "seq": row.seq, "hash": row.hash}
    return {"id": f"event:{row.id}", "type": LIFECYCLE_TYPES[row.kind], "time": utc_iso(row.occurred_at),
            "attributes": [{"name": k, "value": v} for k, v in values.items() if isinstance(v, (str, int))],
            "relationships": related}


def _round_tasks(session: Session, ids: list[int], round_ids: set[str]) -> dict[str, list[Any]]:
    """The tasks of each countersign round (its spiff id), as rows (id, instance_id, name, lane)."""
    found: dict[str, list[Any]] = {}
    if not round_ids:
        return found
    for row in session.execute(select(HumanTask.id, HumanTask.instance_id, HumanTask.name, HumanTask.lane,
                                      HumanTask.round_id)
                               .where(HumanTask.instance_id.in_(ids), HumanTask.round_id.in_(sorted(round_ids)))
                               .order_by(HumanTask.id)):
        found.setdefault(str(row.round_id), []).append(row)
    return found


def _move_event(row: Any, payload: dict[str, Any], rounds: dict[str, list[Any]], objects: list[dict[str, Any]],
                seen_tasks: set[int]) -> dict[str, Any]:
    """A move as an event of its own type (``move_events``), with the task objects it names added if new."""
    related = [{"objectId": f"instance:{row.instance_id}", "qualifier": "instance"}]
    tasks = [(row.human_task_id, row.task_name, row.lane, "task")] if row.human_task_id is not None else []
    tasks += [(t.id, t.name, t.lane, "round task") for t in rounds.get(str(payload.get("round_id")), [])]
    for task_id, name, lane, qualifier in tasks:
        related.append({"objectId": f"task:{task_id}", "qualifier": qualifier})
        if task_id not in seen_tasks:
            seen_tasks.add(task_id)
            objects.append({"id": f"task:{task_id}", "type": "task",
                            "attributes": _attrs({"element": name, "role": lane}),
                            "relationships": [{"objectId": f"instance:{row.instance_id}", "qualifier": "part of"}]})
    related += [{"objectId": f"person:{who}", "qualifier": qualifier}
                for who, qualifier in people_of(row.kind, row.actor, payload)]
    if row.actor and row.kind == "countersign_ended":  # whose decision ended the round
        related.append({"objectId": f"person:{row.actor}", "qualifier": "ended by"})
    attributes = [{"name": k, "value": v} for k, v in move_attributes(row.kind, row.task_name, payload)]
    return {"id": f"event:{row.id}", "type": OCEL_TYPES[row.kind], "time": utc_iso(row.occurred_at),
            "attributes": [*attributes, {"name": "seq", "value": row.seq}, {"name": "hash", "value": row.hash}],
            "relationships": related}
