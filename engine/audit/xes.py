"""The event log of one process as IEEE 1849-2016 XES, streamed trace by trace (never built in memory).

One trace per instance (``concept:name`` = the instance id); one event per completed user task with
``concept:name`` = the BPMN element **id** (process-mining tools then match the model's ids; the task's
title is ``opsflow:title``), ``time:timestamp``, ``lifecycle:transition`` = complete, ``org:resource``
(username), ``org:role`` (the lane's role), ``opsflow:decision``, ``opsflow:seq`` and ``opsflow:hash``
(the event's chain hash, to find it in the verified history).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from xml.sax.saxutils import quoteattr

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session

from ..clock import aware_utc
from ..errors import InvalidInput, ProcessNotFound
from ..models import HistoryEvent, HumanTask, ProcessDefinition, ProcessInstance, TaskDefinition

XES_NS = "http://www.xes-standard.org/"
EXTENSIONS = (("Concept", "concept", "concept.xesext"), ("Time", "time", "time.xesext"),
              ("Lifecycle", "lifecycle", "lifecycle.xesext"), ("Organizational", "org", "org.xesext"))


# What a trace lists: the steps done, by a person or passed for the same approver (自动去重).
DONE_KINDS = ("task_completed", "task_auto_passed")

@dataclass(frozen=True)
class LogFilter:
    """Which instances of a process: all versions or one, started within [start, end] (dates, inclusive)."""

    process: str
    version: int | None = None
    start: date | None = None
    end: date | None = None


def parse_date(text: str | None, what: str) -> date | None:
    """:raise InvalidInput:"""
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(f"{what}: {text!r} is not a date (YYYY-MM-DD)") from exc


def instance_query(session: Session, wanted: LogFilter) -> Select[Any]:
    """The instances of the filter, oldest first. :raise ProcessNotFound:"""
    versions = select(ProcessDefinition.id).where(ProcessDefinition.key == wanted.process)
    if wanted.version is not None:
        versions = versions.where(ProcessDefinition.version == wanted.version)
    if session.scalar(versions.limit(1)) is None:
        raise ProcessNotFound(f"{wanted.process} version {wanted.version}" if wanted.version else wanted.process)
    query = select(ProcessInstance.id, ProcessInstance.title, ProcessInstance.status, ProcessInstance.end_event,
                   ProcessDefinition.version).join(ProcessDefinition,
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


def _attr(kind: str, key: str, value: Any) -> str:
    return f"<{kind} key={quoteattr(key)} value={quoteattr(str(value))}/>"


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


def stream_xes(session: Session, wanted: LogFilter, chunk: int = 500) -> Iterator[str]:
    """The XES document in pieces: the header, then one piece per trace, then the end.

    Reads the instances ``chunk`` at a time, so memory stays flat however long the log is.
    :raise ProcessNotFound:
    """
    instances = instance_query(session, wanted)
    titles = {(d, n): t for d, n, t in session.execute(
        select(TaskDefinition.definition_id, TaskDefinition.name, TaskDefinition.title))}
    yield _header(wanted.process)
    after = 0
    while True:
        batch = session.execute(instances.where(ProcessInstance.id > after).limit(chunk)).all()
        if not batch:
            break
        ids = [row.id for row in batch]
        events: dict[int, list[Any]] = {i: [] for i in ids}
        for event in session.execute(
            select(HistoryEvent.instance_id, HistoryEvent.seq, HistoryEvent.task_name, HistoryEvent.occurred_at,
                   HistoryEvent.actor, HistoryEvent.payload_json, HistoryEvent.hash, HumanTask.lane,
                   HumanTask.definition_id)
            .outerjoin(HumanTask, HumanTask.id == HistoryEvent.human_task_id)
            .where(and_(HistoryEvent.instance_id.in_(ids), HistoryEvent.kind.in_(DONE_KINDS)))
            .order_by(HistoryEvent.instance_id, HistoryEvent.seq)
        ):
            events[event.instance_id].append(event)
        for row in batch:
            yield _trace(row, events[row.id], titles)
        after = ids[-1]
        session.expunge_all()
    yield "</log>\n"


def _trace(instance: Any, events: list[Any], titles: dict[tuple[int, str], str]) -> str:
    parts = ["<trace>", _attr("string", "concept:name", instance.id), _attr("string", "opsflow:title", instance.title),
             _attr("int", "opsflow:version", instance.version), _attr("string", "opsflow:status", instance.status)]
    if instance.end_event:
        parts.append(_attr("string", "opsflow:end_event", instance.end_event))
    for event in events:
        payload = json.loads(event.payload_json)
        parts.append("<event>")
        parts.append(_attr("string", "concept:name", event.task_name))
        title = titles.get((event.definition_id, event.task_name))
        if title:
            parts.append(_attr("string", "opsflow:title", title))
        parts.append(_attr("date", "time:timestamp", _timestamp(event.occurred_at)))
        parts.append(_attr("string", "lifecycle:transition", "complete"))
        if event.actor or payload.get("approver"):  # a step passed for the same approver: theirs
            parts.append(_attr("string", "org:resource", event.actor or payload["approver"]))
        if isinstance(payload.get("on_behalf_of"), str):  # 代理: the proxy acted for someone away
            parts.append(_attr("string", "opsflow:on_behalf_of", payload["on_behalf_of"]))
        if isinstance(payload.get("reason"), str) and payload.get("approver"):  # 自动去重
            parts.append(_attr("string", "opsflow:auto_passed", payload["reason"]))
        if event.lane:
            parts.append(_attr("string", "org:role", event.lane))
        if isinstance(payload.get("decision"), str):
            parts.append(_attr("string", "opsflow:decision", payload["decision"]))
        parts.append(_attr("int", "opsflow:seq", event.seq))
        parts.append(_attr("string", "opsflow:hash", event.hash))
        parts.append("</event>")
    parts.append("</trace>\n")
    return "".join(parts)
