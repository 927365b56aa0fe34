"""Heatmaps kept as they happen: each instance's part of its version's heatmap, worked out once and kept.

A version's heatmap sums what each of its instances adds (``heatmap.InstanceHeat``: path counts, steps open now,
task times). Worked out from the log every time, that reads every event of the version (100,000 instances:
a million events, seconds). Here each instance's part is kept in ``instance_heat`` with what it was worked out
from: the instance's ``history_seq`` then (``through_seq``) and the working calendar's mark (``calendar_mark``).

- **The worker keeps them** (``keep``): from a watermark on ``history_event.id`` (the instances that have logged
  something since, read again ``MARGIN`` events back for transactions that committed late), and every row of
  another calendar. The step writer is untouched: a completion costs no more statements.
- **A look is exact** (``kept_heatmap``): it takes the kept part of each instance whose history and calendar have
  not moved since, and works out the others from their events, as the full computation does. So the numbers are
  those of ``heatmap.version_heatmap`` whatever the worker has done; how fast depends on how far behind it is.
- **Summed per block** (``heat_blocks``): the worker sums the parts per block of instance ids as it writes them;
  a look over a whole version reads those sums instead of every part. A director's look (his department's
  instances) takes them too, and adds up part by part only the blocks holding an instance outside his department.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from importlib import metadata
from typing import Any

from sqlalchemy import delete, func, insert, not_, or_, select, update
from sqlalchemy.orm import Session

from ..calendar import WorkingCalendar
from ..db import stream
from ..models import HistoryEvent, ProcessDefinition, ProcessInstance, SharedSetting
from ..models import InstanceHeat as HeatRow
from ..org import rights
from ..org.people import Actor
from ..org.rights import Right
from . import heat_blocks
from .diagram import ProcessGraph, read_graph, version_bpmn
from .heatmap import (
    InstanceHeat,
    TimeSamples,
    Totals,
    elapsed_seconds,
    events_of,
    heatmap_numbers,
    instance_heats,
    working_seconds,
)
from .views import Heatmap

WATERMARK = "heat_watermark"  # shared_setting: the last history_event.id the kept parts have seen
MARGIN = 10_000  # events read again below the watermark: a step that committed after later ones did
BATCH = 500  # instances worked out per transaction
LIVE_IN = 900  # stale instances read by id (beyond that, the version's events are read and the kept skipped)


def calendar_mark(calendar: WorkingCalendar) -> str:
    """What the working-day figures depend on: the days the operator entered (read again when they may have moved)
    and the holiday data's release (a new one may move public holidays)."""
    calendar.working(date.today())  # reads the entered days again when they may have changed (a year with data)
    days = sorted((day.isoformat(), bool(working)) for day, (working, _name) in calendar.entered_days.items())
    return hashlib.sha256(repr((_holiday_data(), days)).encode()).hexdigest()[:32]


def _holiday_data() -> str:
    try:
        return metadata.version("chinesecalendar")
    except metadata.PackageNotFoundError:
        return "-"


def kept_heatmap(session: Session, calendar: WorkingCalendar, actor: Actor, definition: ProcessDefinition,
                 now: datetime) -> Heatmap:
    """``heatmap.version_heatmap``'s numbers, from the kept parts where they are current and the log elsewhere.

    :raise NotAllowed: for someone who may audit nothing.
    """
    rights.require_audit(actor)
    graph = read_graph(version_bpmn(session, definition), definition.key)
    mark = calendar_mark(calendar)
    allowed = rights.audit_condition(session, actor)
    scope = [ProcessInstance.definition_id == definition.id, allowed]
    outside = [] if rights.holds(actor, Right.AUDIT) else session.execute(  # a director: his department's
        select(ProcessInstance.id, ProcessInstance.status, ProcessInstance.end_event)
        .where(ProcessInstance.definition_id == definition.id, not_(allowed))).all()
    summed = heat_blocks.whole_version(session, calendar, definition, graph, mark, now,
                                       lambda ids: _live(session, graph, calendar, ids, scope), outside)
    if summed is not None:  # the block sums, less the instances outside the look
        return summed
    instances = session.execute(
        select(ProcessInstance.id, ProcessInstance.started_at, ProcessInstance.ended_at, ProcessInstance.status,
               ProcessInstance.end_event, ProcessInstance.history_seq, HeatRow.through_seq, HeatRow.calendar_mark,
               HeatRow.summary_json)
        .outerjoin(HeatRow, HeatRow.instance_id == ProcessInstance.id).where(*scope)).all()
    totals, cycle, stale = Totals(), TimeSamples(), []
    for row in instances:
        if row.summary_json is not None and row.through_seq == row.history_seq and row.calendar_mark == mark:
            heat = InstanceHeat.from_json(row.summary_json)
            totals.add(heat)
            if heat.cycle is not None:
                cycle.elapsed.append(heat.cycle[0])
                cycle.working.append(heat.cycle[1])
        else:
            stale.append(row)
            if row.ended_at is not None:
                cycle.add(calendar, row.started_at, row.ended_at)
    if stale:
        for _instance, heat in _live(session, graph, calendar, [row.id for row in stale], scope):
            totals.add(heat)
    return heatmap_numbers(definition, graph, instances, totals, cycle, now)


def _live(session: Session, graph: ProcessGraph, calendar: WorkingCalendar, ids: list[int],
          scope: list[Any]) -> Iterator[tuple[int, InstanceHeat]]:
    """The parts of the instances ``ids`` worked out from their events."""
    if len(ids) <= LIVE_IN:
        return instance_heats(graph, calendar, stream(session, events_of(ids)))
    wanted = set(ids)
    every = instance_heats(graph, calendar, stream(session, events_of(select(ProcessInstance.id).where(*scope))))
    return ((instance, heat) for instance, heat in every if instance in wanted)


@dataclass(frozen=True)
class Round:
    """One catching up: the calendar's mark, and the events it covers (``since`` - ``MARGIN``, ``upto``]; a sweep
    (first time, or another calendar) looks at every instance."""

    mark: str
    since: int
    upto: int
    sweep: bool


def start_round(session: Session, calendar: WorkingCalendar) -> Round:
    kept = session.scalar(select(SharedSetting.value).where(SharedSetting.key == WATERMARK)) or "0 -"
    since, _, kept_mark = kept.partition(" ")
    mark = calendar_mark(calendar)
    upto = int(session.scalar(select(func.max(HistoryEvent.id))) or 0)
    return Round(mark, int(since), upto, sweep=kept_mark != mark)


def keep(session: Session, calendar: WorkingCalendar, plan: Round, after: int = 0,
         limit: int = BATCH) -> tuple[int, int]:
    """Work out and keep the parts of up to ``limit`` instances (ids after ``after``) that have moved; how many, and
    the last id looked at (the next call's ``after``). The caller repeats it, one transaction each, until 0."""
    stale = or_(HeatRow.instance_id.is_(None), HeatRow.through_seq != ProcessInstance.history_seq,
                HeatRow.calendar_mark != plan.mark)
    where = [ProcessInstance.id > after, stale]
    if not plan.sweep:
        where.append(ProcessInstance.id.in_(
            select(HistoryEvent.instance_id).where(HistoryEvent.id > max(plan.since - MARGIN, 0),
                                                   HistoryEvent.id <= plan.upto,
                                                   HistoryEvent.instance_id.is_not(None))))
    rows = session.execute(  # history_seq is read before the events: a part never claims more than it sums
        select(ProcessInstance.id, ProcessInstance.definition_id, ProcessInstance.history_seq,
               ProcessInstance.started_at, ProcessInstance.ended_at)
        .outerjoin(HeatRow, HeatRow.instance_id == ProcessInstance.id)
        .where(*where).order_by(ProcessInstance.id).limit(limit)).all()
    if not rows:
        return 0, after
    parts: dict[int, InstanceHeat] = {row.id: InstanceHeat() for row in rows}  # no event of those kinds yet
    for definition_id in sorted({row.definition_id for row in rows}):
        definition = session.get(ProcessDefinition, definition_id)
        if definition is None:
            continue
        graph = read_graph(version_bpmn(session, definition), definition.key)
        ids = [row.id for row in rows if row.definition_id == definition_id]
        parts.update(instance_heats(graph, calendar, stream(session, events_of(ids))))
    changes: dict[tuple[int, int], heat_blocks.Change] = defaultdict(heat_blocks.Change)
    for old in session.execute(delete(HeatRow).where(HeatRow.instance_id.in_(list(parts))).returning(
            HeatRow.instance_id, HeatRow.definition_id, HeatRow.summary_json)):  # as they were: out of their blocks
        changes[(old.definition_id, heat_blocks.block_of(old.instance_id))].removed.append(
            InstanceHeat.from_json(old.summary_json))
    values = []
    for row in rows:
        heat = parts[row.id]
        if row.ended_at is not None:
            heat.cycle = (elapsed_seconds(row.started_at, row.ended_at),
                          working_seconds(calendar, row.started_at, row.ended_at))
        values.append({"instance_id": row.id, "definition_id": row.definition_id, "through_seq": row.history_seq,
                       "calendar_mark": plan.mark, "summary_json": heat.as_json()})
        changes[(row.definition_id, heat_blocks.block_of(row.id))].added.append(heat)
    session.execute(insert(HeatRow), values)
    heat_blocks.update(session, changes)
    return len(rows), rows[-1].id


def end_round(session: Session, plan: Round, now: datetime) -> None:
    """The round is done: the next one starts from its events (and its calendar)."""
    value = f"{plan.upto} {plan.mark}"
    if session.scalar(select(SharedSetting.key).where(SharedSetting.key == WATERMARK)) is None:
        session.add(SharedSetting(key=WATERMARK, value=value, created_at=now))
    else:
        session.execute(update(SharedSetting).where(SharedSetting.key == WATERMARK).values(value=value))
