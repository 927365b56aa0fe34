"""The event log of one process as IEEE 1849-2016 XES, streamed trace by trace (never built in memory).

One trace per instance (``concept:name`` = the instance id). Its events are the steps' lifecycle, the instance's
start and end, and the automatic steps it passed (``log_steps`` says which transition is which). An event's
``concept:name`` is the BPMN element's **name**, as process-mining tools that import the model name its
activities (``label=id`` names them by id instead); the id is always ``opsflow:element``. Each carries
``time:timestamp``, ``lifecycle:transition``, ``org:resource`` (username) and ``org:role`` (the lane's role) where
known, ``opsflow:seq`` and ``opsflow:hash`` (the event's chain hash, to find it in the verified history); an
automatic step carries ``opsflow:automatic`` instead, and a lifecycle event or move the history kind it shows
(``opsflow:move``). A completion carries ``opsflow:decision`` and the moves made on the task before it:
``opsflow:transfers`` and ``opsflow:transferred_from`` (转办: how often, and who held it first), ``opsflow:urges``
(催办), who prepared or signed it (委派, 加签) and its files. A request its starter withdrew (撤回) is a trace whose
``opsflow:end_event`` is ``withdrawn``. A step returned to an earlier one (驳回) is an ``ate_abort`` event with
``opsflow:returned_to``. A countersign round's start and end (会签), an urge and a transfer are events of the step
they were made on (``move_events``); for a proxy (代理), ``opsflow:on_behalf_of``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session

from ..clock import aware_utc
from ..errors import InvalidInput, ProcessNotFound
from ..models import HistoryEvent, HumanTask, ProcessDefinition, ProcessInstance, TaskDefinition
from .attachment_files import TaskFile, before, files_by_task
from .log_steps import DONE_KINDS, LOG_KINDS, log_steps
from .model_steps import Model, read_model
from .move_events import MOVE_KINDS, move_attributes

XES_NS = "http://www.xes-standard.org/"
EXTENSIONS = (("Concept", "concept", "concept.xesext"), ("Time", "time", "time.xesext"),
              ("Lifecycle", "lifecycle", "lifecycle.xesext"), ("Organizational", "org", "org.xesext"))


@dataclass(frozen=True)
class LogFilter:
    """Which instances of a process: all versions or one, started within [start, end] (dates, inclusive)."""

    process: str
    version: int | None = None
    start: date | None = None
    end: date | None = None
    label: str = "name"  # how events are named: "name" (the element's name in the model) or "id"


def parse_date(text: str | None, what: str) -> date | None:
    """:raise InvalidInput:"""
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(f"{what}: {text!r} is not a date (YYYY-MM-DD)") from exc


LABELS = ("name", "id")


def parse_label(text: str | None, what: str) -> str:
    """How events are to be named: ``name`` (the default) or ``id``. :raise InvalidInput:"""
    if not text:
        return "name"
    if text not in LABELS:
        raise InvalidInput(f"{what}: {text!r} is not one of {', '.join(LABELS)}")
    return text


def instance_query(session: Session, wanted: LogFilter) -> Select[Any]:
    """The instances of the filter, oldest first. :raise ProcessNotFound:"""
    versions = select(ProcessDefinition.id).where(ProcessDefinition.key == wanted.process)
    if wanted.version is not None:
        versions = versions.where(ProcessDefinition.version == wanted.version)
    if session.scalar(versions.limit(1)) is None:
        raise ProcessNotFound(f"{wanted.process} version {wanted.version}" if wanted.version else wanted.process)
    query = select(ProcessInstance.id, ProcessInstance.title, ProcessInstance.status, ProcessInstance.end_event,
                   ProcessDefinition.version, ProcessInstance.definition_id).join(ProcessDefinition,
                                                   ProcessDefinition.id == ProcessInstance.definition_id)
    query = query.where(ProcessInstance.definition_id.in_(versions))
    if wanted.start is not None:
        query = query.where(ProcessInstance.started_at >= datetime.combine(wanted.start, time(), tzinfo=UTC))
    if wanted.end is not None:
        following = datetime.combine(wanted.end + timedelta(days=1), time(), tzinfo=UTC)
        query = query.where(ProcessInstance.started_at < following)
    return query.order_by(ProcessInstance.id)


def count_instances(session: Session, wanted: LogFilter) -> int:
    return int(session.scalar(select(func.count()).select_from(instance_query(session, wanted).subquery())) or 0)


# What an attribute value escapes (as xml.sax.saxutils.quoteattr does, always in double quotes): str.translate
# is several times faster, and the export writes a few attributes per event.
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\n": "&#10;", "\r": "&#13;",
                          "\t": "&#9;"})


@lru_cache(maxsize=512)
def _opening(kind: str, key: str) -> str:
    return f'<{kind} key="{key.translate(_ESCAPES)}" value="'


def _attr(kind: str, key: str, value: Any) -> str:
    return f'{_opening(kind, key)}{str(value).translate(_ESCAPES)}"/>'


def _timestamp(moment: datetime) -> str:
    return aware_utc(moment).isoformat(timespec="milliseconds")


def _header(process: str) -> str:
    extensions = "".join(f'<extension name="{name}" prefix="{prefix}" uri="{XES_NS}{uri}"/>'
                         for name, prefix, uri in EXTENSIONS)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<log xes.version="1849-2016" xes.features="" xmlns="{XES_NS}">\n{extensions}\n'
        f'<global scope="trace">{_attr("string", "concept:name", "__INVALID__")}</global>\n'
        f'<global scope="event">{_attr("string", "concept:name", "__INVALID__")}'
        f'{_attr("date", "time:timestamp", "1970-01-01T00:00:00.000+00:00")}'
        f'{_attr("string", "lifecycle:transition", "complete")}</global>\n'
        '<classifier name="Activity" keys="concept:name"/>\n'
        '<classifier name="Resource" keys="org:resource"/>\n'
        f'{_attr("string", "concept:name", process)}\n'
    )


MOVES = ("task_transferred", "task_urged")


def task_moves(session: Session, instance_ids: list[int]) -> dict[int, dict[str, Any]]:
    """The moves made on the tasks of these instances, by task row id: ``transfers``, ``transferred_from`` (who
    held it before the first transfer: a username, or "" for its role), ``urges``."""
    found: dict[int, dict[str, Any]] = {}
    for task_id, kind, payload in session.execute(
            select(HistoryEvent.human_task_id, HistoryEvent.kind, HistoryEvent.payload_json)
            .where(HistoryEvent.instance_id.in_(instance_ids), HistoryEvent.kind.in_(MOVES))
            .order_by(HistoryEvent.instance_id, HistoryEvent.seq)):
        if task_id is None:
            continue
        moves = found.setdefault(task_id, {"transfers": 0, "urges": 0})
        if kind == "task_transferred":
            moves["transfers"] += 1
            moves.setdefault("transferred_from", json.loads(payload).get("from") or "")
        else:
            moves["urges"] += 1
    return found


HANDED_ON = ("prepared_by", "signed_before_by", "signed_after_by", "on_behalf_of")


def handed_on(payload: dict[str, Any]) -> list[tuple[str, str]]:
    """A completion's delegate and added signers, as text attributes (several people joined by commas)."""
    found = []
    for key in HANDED_ON:
        value = payload.get(key)
        if isinstance(value, list):
            value = ",".join(str(v) for v in value)
        if isinstance(value, str) and value:
            found.append((key, value))
    return found


def models_of(session: Session, definition_ids: set[int], known: dict[int, Model]) -> dict[int, Model]:
    """The models of these deployed versions, read once each into ``known``."""
    wanted = definition_ids - known.keys()
    if wanted:
        for definition_id, key, xml in session.execute(select(
                ProcessDefinition.id, ProcessDefinition.key, ProcessDefinition.bpmn_xml)
                .where(ProcessDefinition.id.in_(wanted))):
            known[definition_id] = read_model(xml, key)
    return known


def history_rows(session: Session, ids: list[int]) -> dict[int, list[Any]]:
    """The history rows a log reads (``log_steps.LOG_KINDS``) of these instances, by instance, in seq order."""
    events: dict[int, list[Any]] = {i: [] for i in ids}
    for event in session.execute(
        select(HistoryEvent.id, HistoryEvent.instance_id, HistoryEvent.seq, HistoryEvent.task_name,
               HistoryEvent.occurred_at, HistoryEvent.actor, HistoryEvent.payload_json, HistoryEvent.hash,
               HumanTask.lane, HumanTask.definition_id, HumanTask.round_id, HistoryEvent.human_task_id,
               HistoryEvent.kind)
        .outerjoin(HumanTask, HumanTask.id == HistoryEvent.human_task_id)
        .where(and_(HistoryEvent.instance_id.in_(ids), HistoryEvent.kind.in_(LOG_KINDS)))
        .order_by(HistoryEvent.instance_id, HistoryEvent.seq)
    ):
        events[event.instance_id].append(event)
    return events


def stream_xes(session: Session, wanted: LogFilter, chunk: int = 200) -> Iterator[str]:
    """The XES document in pieces: the header, then one piece per trace, then the end.

    Reads the instances ``chunk`` at a time, so memory stays flat however long the log is.
    :raise ProcessNotFound:
    """
    instances = instance_query(session, wanted)
    titles = {(d, n): t for d, n, t in session.execute(
        select(TaskDefinition.definition_id, TaskDefinition.name, TaskDefinition.title))}
    models: dict[int, Model] = {}
    yield _header(wanted.process)
    after = 0
    while True:
        batch = session.execute(instances.where(ProcessInstance.id > after).limit(chunk)).all()
        if not batch:
            break
        ids = [row.id for row in batch]
        events = history_rows(session, ids)
        moves = task_moves(session, ids)
        files = files_by_task(session, ids)
        models_of(session, {row.definition_id for row in batch}, models)
        for row in batch:
            label = Labels(models[row.definition_id], wanted.label)
            yield _trace(row, events[row.id], label, titles, moves, files)
        after = ids[-1]
        session.expunge_all()
    yield "</log>\n"


@dataclass(frozen=True)
class Labels:
    """How a log names an element: by its name in the model (the default), or by its id (``label=id``)."""

    model: Model
    by: str = "name"

    def __call__(self, element: str) -> str:
        return element if self.by == "id" else self.model.name(element)


def _trace(instance: Any, rows: list[Any], label: Labels, titles: dict[tuple[int, str], str],
           moves: dict[int, dict[str, Any]], files: dict[int, list[TaskFile]]) -> str:
    parts = ["<trace>", _attr("string", "concept:name", instance.id), _attr("string", "opsflow:title", instance.title),
             _attr("int", "opsflow:version", instance.version), _attr("string", "opsflow:status", instance.status)]
    if instance.end_event:
        parts.append(_attr("string", "opsflow:end_event", instance.end_event))
    for step in log_steps(rows, label.model):
        event = step.row
        payload = json.loads(event.payload_json)
        parts += ["<event>", _attr("string", "concept:name", label(step.element)),
                  _attr("string", "opsflow:element", step.element)]
        title = titles.get((event.definition_id, step.element)) if not step.automatic else None
        if title:
            parts.append(_attr("string", "opsflow:title", title))
        parts += [_attr("date", "time:timestamp", _timestamp(event.occurred_at)),
                  _attr("string", "lifecycle:transition", step.transition)]
        if step.automatic:
            parts += [_attr("boolean", "opsflow:automatic", "true"), "</event>"]
            continue
        if event.kind not in DONE_KINDS and event.kind != "task_returned":
            parts += [_attr("string", "opsflow:move", event.kind), *_lifecycle_attributes(event, payload)]
        else:
            parts += _done_attributes(event, payload, moves, files, step.member)
        parts += [_attr("int", "opsflow:seq", event.seq), _attr("string", "opsflow:hash", event.hash), "</event>"]
    parts.append("</trace>\n")
    return "".join(parts)


def _done_attributes(event: Any, payload: dict[str, Any], moves: dict[int, dict[str, Any]],
                     files: dict[int, list[TaskFile]], member: bool) -> list[str]:
    """A step done, passed or returned: who, the decision, the moves made on it, its files."""
    parts = []
    if event.kind == "task_returned":
        parts.append(_attr("string", "opsflow:returned_to", payload.get("to_step")))
    if member:
        parts.append(_attr("string", "opsflow:countersign", "member"))
    if event.actor or payload.get("approver"):  # a step passed for the same approver: theirs
        parts.append(_attr("string", "org:resource", event.actor or payload["approver"]))
    if isinstance(payload.get("reason"), str) and payload.get("approver"):  # 自动去重
        parts.append(_attr("string", "opsflow:auto_passed", payload["reason"]))
    if event.lane:
        parts.append(_attr("string", "org:role", event.lane))
    if isinstance(payload.get("decision"), str):
        parts.append(_attr("string", "opsflow:decision", payload["decision"]))
    moved = moves.get(event.human_task_id) if event.human_task_id is not None else None
    if moved and moved["transfers"]:
        parts.append(_attr("int", "opsflow:transfers", moved["transfers"]))
        parts.append(_attr("string", "opsflow:transferred_from", moved["transferred_from"]))
    if moved and moved["urges"]:
        parts.append(_attr("int", "opsflow:urges", moved["urges"]))
    for key, value in handed_on(payload):  # who prepared it (委派), who signed (加签), for whom
        parts.append(_attr("string", f"opsflow:{key}", value))
    attached = before(files, event.human_task_id, event.occurred_at)
    if attached:  # the files attached on the task (附件), as JSON: [{"name", "sha256"}]
        parts.append(_attr("string", "opsflow:attachments", json.dumps(
            [{"name": f.name, "sha256": f.sha256} for f in attached], ensure_ascii=False)))
    return parts


def _lifecycle_attributes(event: Any, payload: dict[str, Any]) -> list[str]:
    """A lifecycle event or a move (``move_events``): who, the role, what it says."""
    parts = []
    resource = event.actor
    if event.kind == "task_created":  # made for its role; a person when it went to one (a round's member, a proxy)
        resource = payload.get("for") or payload.get("proxy")
    elif event.kind == "task_assigned":
        resource = payload.get("to")
        parts.append(_attr("string", "opsflow:assigned_by", event.actor))
    if resource:
        parts.append(_attr("string", "org:resource", resource))
    if event.lane or payload.get("role"):
        parts.append(_attr("string", "org:role", event.lane or payload.get("role")))
    if event.kind in ("instance_cancelled", "instance_withdrawn") and isinstance(payload.get("reason"), str):
        parts.append(_attr("string", "opsflow:reason", payload["reason"]))
    if event.kind == "task_created" and payload.get("on_behalf_of"):
        parts.append(_attr("string", "opsflow:on_behalf_of", payload["on_behalf_of"]))
    if event.kind in MOVE_KINDS:
        for key, value in move_attributes(event.kind, None, payload):
            if isinstance(value, bool):
                parts.append(_attr("boolean", f"opsflow:{key}", "true" if value else "false"))
            else:
                parts.append(_attr("string", f"opsflow:{key}", value))
    return parts
