"""Per process version: how many instances passed each element, how long work waited and took there,
and which way each gateway sent them.

The passes come from each instance's path (``engine.audit.diagram``: logged elements, and unlogged ones
inferred from the model where it leaves one way). The times are those of the people's tasks, from the log:

- **open**: from the task's creation until it was completed (queue and work together);
- **waited**: from creation until someone took it (claimed, or was assigned it), for tasks taken before
  they were completed (a task completed without being claimed first has no separate waiting time);
- **held**: from being taken until completed.

Each is given as elapsed time and as time on working days: the part of it that falls on days the
engine's ``WorkingCalendar`` counts as working days (whole days, 00:00-24:00 China time; office hours
are not modelled). Median and p90 are by nearest rank. Only completed tasks and ended instances count;
still open tasks are counted separately. Elements that run within a step (scripts, gateways, events)
take no time in the log and have none. A step passed automatically because its approver had just approved
the step before (自动去重, ``task_auto_passed``) is a pass like any other, counted also as ``auto_passed``; it
has no task, so no times.
"""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from ..calendar import CHINA, WorkingCalendar
from ..clock import aware_utc, utc_iso
from ..db import stream
from ..errors import ProcessNotFound
from ..models import HistoryEvent, ProcessDefinition, ProcessInstance
from ..org import rights
from ..org.people import Actor
from ..text_input import text_problem
from .diagram import PathTracer, ProcessGraph, read_graph, version_bpmn
from .views import Durations, GatewayWay, HeatElement, HeatFlow, HeatGateway, Heatmap, HeatTimes, TimeKind

TIME_BASIS = ("elapsed time, and the part of it on working days of the engine's calendar (whole days, China time; "
              "office hours are not modelled); median and p90 by nearest rank, over completed tasks")
TAKEN = frozenset({"task_claimed", "task_assigned"})
STOPPED = frozenset({"instance_cancelled", "instance_withdrawn"})  # its open steps closed unfinished, not "open now"
USED = sorted({"instance_started", "task_created", "task_completed", "task_expired", "gateway_path", "instance_ended",
               "task_returned", "returned_straight_back", "task_auto_passed", *TAKEN, *STOPPED})
MAX_VERSION = 2**31 - 1
DAY = 86400.0
# What the path reads from payloads.
WITH_PAYLOAD = frozenset({"gateway_path", "instance_ended", "task_returned", "returned_straight_back"})
TIME_KINDS: tuple[TimeKind, ...] = ("open", "wait", "held")


def working_seconds(calendar: WorkingCalendar, start: datetime, end: datetime) -> float:
    """The seconds between ``start`` and ``end`` that fall on working days (China time, which has no DST)."""
    begins, ends = aware_utc(start).astimezone(CHINA), aware_utc(end).astimezone(CHINA)
    if ends <= begins:
        return 0.0
    first, last = begins.date(), ends.date()
    if first == last:
        return (ends - begins).total_seconds() if calendar.is_working_day(first) else 0.0
    total = 0.0
    if calendar.is_working_day(first):
        total += DAY - _seconds_into_day(begins)
    if calendar.is_working_day(last):
        total += _seconds_into_day(ends)
    day = first + timedelta(days=1)
    while day < last:
        if calendar.is_working_day(day):
            total += DAY
        day += timedelta(days=1)
    return total


def _seconds_into_day(moment: datetime) -> float:
    return moment.hour * 3600 + moment.minute * 60 + moment.second + moment.microsecond / 1e6


def nearest_rank(values: list[float], share: float) -> float | None:
    return ranked(sorted(values), share)


def ranked(ordered: list[float], share: float) -> float | None:
    """``nearest_rank`` of values already in order."""
    if not ordered:
        return None
    return ordered[max(math.ceil(share * len(ordered)) - 1, 0)]


@dataclass
class TimeSamples:
    """Durations measured, in seconds: elapsed, and on working days."""

    elapsed: list[float] = field(default_factory=list)
    working: list[float] = field(default_factory=list)

    def add(self, calendar: WorkingCalendar, start: datetime, end: datetime) -> None:
        self.elapsed.append(elapsed_seconds(start, end))
        self.working.append(working_seconds(calendar, start, end))

    def summary(self) -> Durations:
        elapsed, working = sorted(self.elapsed), sorted(self.working)
        return {"count": len(elapsed), "median_s": ranked(elapsed, 0.5), "p90_s": ranked(elapsed, 0.9),
                "median_working_s": ranked(working, 0.5), "p90_working_s": ranked(working, 0.9)}


def elapsed_seconds(start: datetime, end: datetime) -> float:
    return (aware_utc(end) - aware_utc(start)).total_seconds()


@dataclass
class _TaskTimes:
    name: str
    created: datetime
    taken: datetime | None = None


@dataclass
class InstanceHeat:
    """What one instance adds to its version's heatmap: its path's counts, its steps open now, and the times of its
    completed tasks as (element, kind, elapsed s, working s). Kept as JSON by ``heat_kept``."""

    visits: dict[str, int] = field(default_factory=dict)
    flows: dict[str, int] = field(default_factory=dict)
    inferred: list[str] = field(default_factory=list)
    auto_passed: dict[str, int] = field(default_factory=dict)
    open_now: list[str] = field(default_factory=list)
    times: list[tuple[str, TimeKind, float, float]] = field(default_factory=list)
    cycle: tuple[float, float] | None = None  # start to end, elapsed and on working days (kept parts only)

    def as_json(self) -> str:
        return json.dumps([self.visits, self.flows, self.inferred, self.auto_passed, self.open_now, self.times,
                           self.cycle], ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> InstanceHeat:
        visits, flows, inferred, auto_passed, open_now, times, cycle = json.loads(text)
        return cls(visits, flows, inferred, auto_passed, open_now, [tuple(t) for t in times],
                   tuple(cycle) if cycle else None)


@dataclass
class Totals:
    instances: Counter[str] = field(default_factory=Counter)  # element → instances that passed it
    passes: Counter[str] = field(default_factory=Counter)
    inferred: Counter[str] = field(default_factory=Counter)  # element → instances where its pass was inferred
    auto_passed: Counter[str] = field(default_factory=Counter)  # user task → passes for the same approver
    flows: Counter[str] = field(default_factory=Counter)
    flow_instances: Counter[str] = field(default_factory=Counter)
    open_now: Counter[str] = field(default_factory=Counter)
    times: dict[tuple[str, TimeKind], TimeSamples] = field(default_factory=lambda: defaultdict(TimeSamples))

    def add(self, heat: InstanceHeat) -> None:
        for node, count in heat.visits.items():
            self.instances[node] += 1
            self.passes[node] += count
        for node in heat.inferred:
            self.inferred[node] += 1
        self.auto_passed.update(heat.auto_passed)
        for flow, count in heat.flows.items():
            self.flow_instances[flow] += 1
            self.flows[flow] += count
        self.open_now.update(heat.open_now)
        for name, kind, elapsed, working in heat.times:
            samples = self.times[(name, kind)]
            samples.elapsed.append(elapsed)
            samples.working.append(working)


def find_version(session: Session, key: str, version: int) -> ProcessDefinition:
    """:raise ProcessNotFound:"""
    if text_problem(key) or not 1 <= version <= MAX_VERSION:  # no version has it (nor could the query hold it)
        raise ProcessNotFound(f"{key} version {version}")
    definition = session.scalar(select(ProcessDefinition).where(ProcessDefinition.key == key,
                                                                ProcessDefinition.version == version))
    if definition is None:
        raise ProcessNotFound(f"{key} version {version}")
    return definition


def version_heatmap(session: Session, calendar: WorkingCalendar, actor: Actor, definition: ProcessDefinition,
                    now: datetime) -> Heatmap:
    """Counts, times and paths of one deployed version (``find_version``), over the instances ``actor`` may audit,
    worked out ``now``.

    :raise NotAllowed: for someone who may audit nothing.
    """
    rights.require_audit(actor)
    graph = read_graph(version_bpmn(session, definition), definition.key)
    scope = [ProcessInstance.definition_id == definition.id, rights.audit_condition(session, actor)]
    instances = session.execute(select(ProcessInstance.id, ProcessInstance.started_at, ProcessInstance.ended_at,
                                       ProcessInstance.status, ProcessInstance.end_event).where(*scope)).all()
    totals = Totals()
    for _instance, heat in instance_heats(graph, calendar, stream(session, events_of(
            select(ProcessInstance.id).where(*scope)))):
        totals.add(heat)
    cycle = TimeSamples()
    for row in instances:
        if row.ended_at is not None:
            cycle.add(calendar, row.started_at, row.ended_at)
    return heatmap_numbers(definition, graph, instances, totals, cycle, now)


def heatmap_numbers(definition: ProcessDefinition, graph: ProcessGraph, instances: Sequence[Any], totals: Totals,
                    cycle: TimeSamples, now: datetime) -> Heatmap:
    """The heatmap of ``instances`` (rows with status and end_event), their ``totals`` and their ``cycle`` times."""
    return counted_heatmap(definition, graph, len(instances), Counter(r.status for r in instances),
                           Counter(r.end_event for r in instances if r.end_event), totals, cycle, now)


def counted_heatmap(definition: ProcessDefinition, graph: ProcessGraph, instances: int, by_status: Counter[str],
                    by_end: Counter[str], totals: Totals, cycle: TimeSamples, now: datetime) -> Heatmap:
    """``heatmap_numbers`` from the instances' number, statuses and ends counted (ends: only those that have one)."""
    return {
        "process": definition.key, "version": definition.version, "definition_id": definition.id,
        "title": definition.title, "title_zh": definition.title_zh, "instances": instances,
        "by_status": dict(by_status), "by_end": dict(by_end),
        "cycle_time": cycle.summary(), "time_basis": TIME_BASIS,
        "elements": _elements(graph, totals), "flows": _flows(graph, totals), "gateways": _gateways(graph, totals),
        "computed_at": utc_iso(now),
    }


def events_of(instance_ids: Any) -> Select[Any]:
    """The events the path and the times need of ``instance_ids`` (a selection or a list), by instance, in order:
    plain rows, not data_changed (whose payloads are the big ones)."""
    return (select(HistoryEvent.instance_id, HistoryEvent.kind, HistoryEvent.task_name, HistoryEvent.human_task_id,
                   HistoryEvent.occurred_at, HistoryEvent.payload_json)
            .where(HistoryEvent.instance_id.in_(instance_ids), HistoryEvent.kind.in_(USED))
            .order_by(HistoryEvent.instance_id, HistoryEvent.seq))


def instance_heats(graph: ProcessGraph, calendar: WorkingCalendar,
                   events: Iterable[Any]) -> Iterator[tuple[int, InstanceHeat]]:
    """Each instance's contribution, from ``events`` (rows of ``events_of``) grouped by instance."""
    current: int | None = None
    tracer = PathTracer(graph)
    tasks: dict[int, _TaskTimes] = {}
    heat = InstanceHeat()
    for event in events:
        if event.instance_id != current:
            if current is not None:
                yield current, _closed(heat, tracer, tasks)
            current, tracer, tasks, heat = event.instance_id, PathTracer(graph), {}, InstanceHeat()
        tracer.feed(event.kind, event.task_name, json.loads(event.payload_json) if event.kind in WITH_PAYLOAD else {})
        _time_task(heat, calendar, tasks, event)
    if current is not None:
        yield current, _closed(heat, tracer, tasks)


def _time_task(heat: InstanceHeat, calendar: WorkingCalendar, tasks: dict[int, _TaskTimes], event: Any) -> None:
    """Follow one task's times through its events (``event``: a row with the columns selected above)."""
    task_id = event.human_task_id
    if event.kind in STOPPED:  # cancelled or withdrawn: its open steps are closed, not open now
        tasks.clear()
        return
    if task_id is None:
        return
    if event.kind == "task_created" and event.task_name:
        tasks[task_id] = _TaskTimes(event.task_name, event.occurred_at)
        return
    task = tasks.get(task_id)
    if task is None:
        return
    if event.kind in TAKEN and task.taken is None:
        task.taken = event.occurred_at
    elif event.kind == "task_completed":
        _measure(heat, calendar, task.name, "open", task.created, event.occurred_at)
        if task.taken is not None:
            _measure(heat, calendar, task.name, "wait", task.created, task.taken)
            _measure(heat, calendar, task.name, "held", task.taken, event.occurred_at)
        del tasks[task_id]
    elif event.kind in ("task_expired", "task_returned"):
        del tasks[task_id]


def _measure(heat: InstanceHeat, calendar: WorkingCalendar, name: str, kind: TimeKind, start: datetime,
             end: datetime) -> None:
    heat.times.append((name, kind, elapsed_seconds(start, end), working_seconds(calendar, start, end)))


def _closed(heat: InstanceHeat, tracer: PathTracer, tasks: dict[int, _TaskTimes]) -> InstanceHeat:
    path = tracer.path
    heat.visits, heat.flows = dict(path.visits), dict(path.flows)
    heat.inferred, heat.auto_passed = sorted(path.inferred), dict(path.auto_passed)
    if path.ended is None:  # created and neither completed nor expired: open now (or closed by an end)
        heat.open_now = [task.name for task in tasks.values()]
    return heat


def _elements(graph: ProcessGraph, totals: Totals) -> list[HeatElement]:
    rows: list[HeatElement] = []
    for element in graph.elements():
        node = element["id"]
        times: HeatTimes = {}
        for kind in TIME_KINDS:
            if (node, kind) in totals.times:
                times[kind] = totals.times[(node, kind)].summary()
        rows.append({"id": node, "type": element["type"], "name": element["name"], "name_zh": element["name_zh"],
                     "instances": totals.instances[node], "passes": totals.passes[node],
                     "inferred_in": totals.inferred[node], "auto_passed": totals.auto_passed[node],
                     "open_now": totals.open_now[node], "times": times})
    return rows


def _flows(graph: ProcessGraph, totals: Totals) -> list[HeatFlow]:
    return [{"id": f.id, "source": f.source, "target": f.target, "name": f.name, "name_zh": f.name_zh,
             "taken": totals.flows[f.id],
             "instances": totals.flow_instances[f.id]} for f in graph.flows.values()]


def _gateways(graph: ProcessGraph, totals: Totals) -> list[HeatGateway]:
    """Each exclusive gateway with the ways out it chose (from ``gateway_path``: logged, not inferred)."""
    rows: list[HeatGateway] = []
    for node, kind in graph.nodes.items():
        if kind != "exclusiveGateway":
            continue
        passes = totals.passes[node]
        paths: list[GatewayWay] = [
            {"flow": f.id, "to": f.target, "name": f.name, "name_zh": f.name_zh, "count": totals.flows[f.id],
             "share": round(totals.flows[f.id] / passes, 4) if passes else None}
            for f in graph.outgoing.get(node, [])]
        rows.append({"id": node, "name": graph.names.get(node, ""), "name_zh": graph.names_zh.get(node, ""),
                     "passes": passes, "paths": paths})
    return rows
