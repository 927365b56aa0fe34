"""Heatmaps summed as they are kept: the kept parts of a version's instances (``heat_kept``), summed per block of
``BLOCK`` instance ids, so that a look over a whole version reads a hundred rows instead of 100,000 parts.

- **Written with the parts** (``rebuild``): whenever the worker writes parts, it sums again every block they fall
  in (or fell in), from the parts kept there, in the same transaction. A block sums every part kept in it, current
  or not; ``shares`` says how many. On PostgreSQL an advisory lock per block makes two workers sum one after the
  other (the second reads the first's parts); on SQLite the write lock does.
- **A look is exact** (``whole_version``): it takes the sums of the blocks whose parts are all current, and for a
  block holding a part that is not (its history or the calendar moved), the current parts there one by one; the
  instances without a current part are worked out from their events, as the full computation does. When the blocks
  do not add up to the parts kept (instances moved to another version, parts written another way), or most blocks
  hold a part that is not current, or the worker changed a block while the look read (its ``stamp`` moved), it
  answers None and the caller adds up the parts (in one statement, as before).
- **Durations stay exact**: the page shows median and p90 by nearest rank, so a block keeps every duration (sorted,
  8 bytes each) with a histogram of them, not a sketch; a look finds each rank from the histograms and sorts only
  the durations of the bucket that holds it (``heat_runs``).
"""

from __future__ import annotations

import json
import secrets
import sys
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, exists, func, insert, or_, select
from sqlalchemy.orm import Session

from ..calendar import WorkingCalendar
from ..models import HeatBlock, HistoryEvent, ProcessDefinition, ProcessInstance
from ..models import InstanceHeat as HeatRow
from .diagram import ProcessGraph
from .heat_runs import RunSamples, histogram
from .heatmap import InstanceHeat, Totals, counted_heatmap
from .views import Heatmap

BLOCK = 1024  # instance ids per block: a block is summed again from at most this many parts
COUNTERS = ("instances", "passes", "inferred", "auto_passed", "flows", "flow_instances", "open_now")
MOST_DIRTY = 0.5  # beyond this share of blocks holding a part that is not current, add up the parts instead
LITTLE = sys.byteorder == "little"


def block_of(instance_id: int) -> int:
    return instance_id // BLOCK


def _in_block(block: int) -> Any:
    return HeatRow.instance_id.between(block * BLOCK, block * BLOCK + BLOCK - 1)


@dataclass
class Sums:
    """Parts and block sums added up for a look: the counts in ``totals``, the durations as sorted runs there."""

    totals: Totals = field(default_factory=lambda: Totals(times=defaultdict(RunSamples)))
    cycle: RunSamples = field(default_factory=RunSamples)

    def add_part(self, heat: InstanceHeat) -> None:
        self.totals.add(heat)
        if heat.cycle is not None:
            self.cycle.elapsed.append(heat.cycle[0])
            self.cycle.working.append(heat.cycle[1])

    def add_block(self, counts_json: str, times: bytes) -> None:
        counts = json.loads(counts_json)
        for name in COUNTERS:
            getattr(self.totals, name).update(counts[name])
        values = array("d", times)
        if not LITTLE:
            values.byteswap()
        at = 0
        for node, kind, n, elapsed, working in counts["series"]:
            samples = self.totals.times[(node, kind)]
            assert isinstance(samples, RunSamples)
            samples.elapsed_runs.add(values, at, n, elapsed)
            samples.working_runs.add(values, at + n, n, working)
            at += 2 * n
        n, elapsed, working = counts["cycle"]
        self.cycle.elapsed_runs.add(values, at, n, elapsed)
        self.cycle.working_runs.add(values, at + n, n, working)


@dataclass
class Block:
    """One block's sum, as the worker changes it: parts taken out (as they were kept) and put in."""

    counts: dict[str, Counter[str]] = field(default_factory=lambda: {name: Counter() for name in COUNTERS})
    series: dict[tuple[str, str], tuple[list[float], list[float]]] = field(default_factory=dict)
    cycle: tuple[list[float], list[float]] = field(default_factory=lambda: ([], []))
    shares: int = 0

    @classmethod
    def decoded(cls, counts_json: str, times: bytes) -> Block:
        counts = json.loads(counts_json)
        values = array("d", times)
        if not LITTLE:
            values.byteswap()
        block = cls({name: Counter(counts[name]) for name in COUNTERS}, {}, ([], []), counts["shares"])
        at = 0
        for node, kind, n, _elapsed, _working in counts["series"]:
            block.series[(node, kind)] = values[at:at + n].tolist(), values[at + n:at + 2 * n].tolist()
            at += 2 * n
        n = counts["cycle"][0]
        block.cycle = values[at:at + n].tolist(), values[at + n:at + 2 * n].tolist()
        return block

    def add(self, heat: InstanceHeat) -> None:
        self._count(heat, 1)
        for name, kind, elapsed, working in heat.times:
            runs = self.series.setdefault((name, kind), ([], []))
            runs[0].append(elapsed)
            runs[1].append(working)
        if heat.cycle is not None:
            self.cycle[0].append(heat.cycle[0])
            self.cycle[1].append(heat.cycle[1])

    def remove(self, heat: InstanceHeat) -> None:
        """:raise ValueError, KeyError: when the block does not hold ``heat`` (sum it again from its parts): a count
        below zero, a duration it does not have."""
        self._count(heat, -1)
        for name, kind, elapsed, working in heat.times:
            runs = self.series[(name, kind)]
            runs[0].remove(elapsed)
            runs[1].remove(working)
        if heat.cycle is not None:
            self.cycle[0].remove(heat.cycle[0])
            self.cycle[1].remove(heat.cycle[1])

    def _count(self, heat: InstanceHeat, sign: int) -> None:
        for name, counted in (("instances", dict.fromkeys(heat.visits, 1)), ("passes", heat.visits),
                              ("inferred", Counter(heat.inferred)), ("auto_passed", heat.auto_passed),
                              ("flow_instances", dict.fromkeys(heat.flows, 1)), ("flows", heat.flows),
                              ("open_now", Counter(heat.open_now))):
            for key, count in counted.items():
                self.counts[name][key] += sign * count
                if self.counts[name][key] < 0:
                    raise ValueError(f"a block's {name} of {key} below zero")
        self.shares += sign
        if self.shares < 0:
            raise ValueError("a part taken out of a block that sums none")

    def encoded(self) -> tuple[str, bytes]:
        """This sum as a block row's ``counts_json`` and ``times``."""
        values = array("d")
        series = []
        for (node, kind), (elapsed, working) in sorted(self.series.items()):
            if elapsed:
                elapsed, working = sorted(elapsed), sorted(working)
                series.append([node, kind, len(elapsed), histogram(elapsed), histogram(working)])
                values.extend(elapsed)
                values.extend(working)
        elapsed, working = sorted(self.cycle[0]), sorted(self.cycle[1])
        values.extend(elapsed)
        values.extend(working)
        if not LITTLE:
            values.byteswap()
        counts: dict[str, object] = {name: {key: n for key, n in sorted(self.counts[name].items()) if n}
                                     for name in COUNTERS}
        counts.update(shares=self.shares, series=series,
                      cycle=[len(elapsed), histogram(elapsed), histogram(working)])
        return json.dumps(counts, ensure_ascii=False, separators=(",", ":")), values.tobytes()


@dataclass
class Change:
    """What the worker did to the parts kept in one block: taken out (as they were), put in."""

    removed: list[InstanceHeat] = field(default_factory=list)
    added: list[InstanceHeat] = field(default_factory=list)


def update(session: Session, changes: dict[tuple[int, int], Change]) -> None:
    """Change the sums of the blocks (definition id, block) as their parts were changed (in this transaction); a
    block that does not hold what was taken out is summed again from the parts kept in it now."""
    postgres = session.get_bind().dialect.name == "postgresql"
    for definition_id, block in sorted(changes):  # in order: two workers never wait on each other in a circle
        if postgres:
            session.execute(select(func.pg_advisory_xact_lock(definition_id, block)))
        where = (HeatBlock.definition_id == definition_id, HeatBlock.block == block)
        row = session.execute(select(HeatBlock.counts_json, HeatBlock.times).where(*where)).first()
        change = changes[(definition_id, block)]
        try:
            summed = Block.decoded(row.counts_json, row.times) if row is not None else Block()
            for heat in change.removed:
                summed.remove(heat)
            for heat in change.added:
                summed.add(heat)
            counts_json, times = summed.encoded()
        except (ValueError, KeyError):
            summed = from_parts(session, definition_id, block)
            counts_json, times = summed.encoded()
        if row is not None:
            session.execute(delete(HeatBlock).where(*where))
        if summed.shares:
            session.execute(insert(HeatBlock).values(definition_id=definition_id, block=block, shares=summed.shares,
                                                     stamp=secrets.randbits(62), counts_json=counts_json, times=times))


def from_parts(session: Session, definition_id: int, block: int) -> Block:
    """The sum of the parts kept in a block now."""
    summed = Block()
    for (summary,) in session.execute(select(HeatRow.summary_json).where(
            HeatRow.definition_id == definition_id, _in_block(block))):
        summed.add(InstanceHeat.from_json(summary))
    return summed


def whole_version(session: Session, calendar: WorkingCalendar, definition: ProcessDefinition, graph: ProcessGraph,
                  mark: str, now: datetime, live: Callable[[list[int]], Iterator[tuple[int, InstanceHeat]]],
                  outside: Sequence[Any] = ()) -> Heatmap | None:
    """The heatmap of every instance of ``definition`` from the block sums, or None when they do not add up.

    ``live(ids)`` works out the parts of the instances ``ids`` from their events. ``outside``: instances (id,
    status, end_event) the look leaves out (a director's look: those outside his department); their blocks are
    added up part by part without them, like the blocks holding a part that is not current.
    """
    first = session.execute(select(HeatBlock.block, HeatBlock.shares, HeatBlock.stamp, HeatBlock.counts_json,
                                   HeatBlock.times).where(HeatBlock.definition_id == definition.id)).all()
    instances, by_status, by_end = 0, Counter[str](), Counter[str]()
    for status, end_event, count in session.execute(
            select(ProcessInstance.status, ProcessInstance.end_event, func.count())
            .where(ProcessInstance.definition_id == definition.id)
            .group_by(ProcessInstance.status, ProcessInstance.end_event)):
        instances += count
        by_status[status] += count
        if end_event:
            by_end[end_event] += count
    stale = _stale(session, definition, mark)  # which parts are current: from here on, as of this statement
    kept_here = [row for row in stale if row.kept_in == definition.id]
    if sum(b.shares for b in first) != instances - len(stale) + len(kept_here):
        return None  # parts kept that the blocks do not sum (or the other way round): add up the parts
    left_out = {row.id for row in outside}
    dirty = {block_of(row.id) for row in kept_here} | {block_of(instance_id) for instance_id in left_out}
    if first and len(dirty) > MOST_DIRTY * len(first):
        return None
    for row in outside:
        instances -= 1
        by_status[row.status] -= 1
        if row.end_event:
            by_end[row.end_event] -= 1
    by_status, by_end = +by_status, +by_end  # the statuses and ends no instance in the look has any more
    stale = [row for row in stale if row.id not in left_out]
    sums = Sums()
    for row in first:
        if row.block not in dirty:
            sums.add_block(row.counts_json, row.times)
    if dirty:  # the parts there that were current (and are in the look), one by one
        not_current = {row.id for row in stale} | left_out
        for instance_id, summary in session.execute(select(HeatRow.instance_id, HeatRow.summary_json).where(
                HeatRow.definition_id == definition.id, or_(*(_in_block(block) for block in sorted(dirty))))):
            if instance_id not in not_current:
                sums.add_part(InstanceHeat.from_json(summary))
    again = session.execute(select(HeatBlock.block, HeatBlock.stamp).where(HeatBlock.definition_id == definition.id))
    if sorted(again.tuples()) != sorted((row.block, row.stamp) for row in first):
        return None  # the worker changed parts and blocks while this look read them
    totals, cycle = sums.totals, sums.cycle
    if stale:
        for _instance, heat in live([row.id for row in stale]):
            totals.add(heat)
        for row in stale:
            if row.ended_at is not None:
                cycle.add(calendar, row.started_at, row.ended_at)
    return counted_heatmap(definition, graph, instances, by_status, by_end, totals, cycle, now)


def _stale(session: Session, definition: ProcessDefinition, mark: str) -> list[Any]:
    """The instances of ``definition`` without a current part: id, started_at, ended_at and ``kept_in`` (the
    definition of the part kept for it, if any).

    Its history moved when it has an event past the part's ``through_seq`` (``history_seq`` is its last event's
    ``seq``, the chain's anchor). SQLite asks the events' (instance_id, seq) index: ``history_seq`` is stored after
    the instance's state, so reading it for every instance would read every state; PostgreSQL keeps big values
    apart and reads ``history_seq`` directly.
    """
    if session.get_bind().dialect.name == "sqlite":
        moved: Any = exists().where(HistoryEvent.instance_id == ProcessInstance.id,
                                    HistoryEvent.seq > HeatRow.through_seq)
    else:
        moved = HeatRow.through_seq != ProcessInstance.history_seq
    return list(session.execute(
        select(ProcessInstance.id, ProcessInstance.started_at, ProcessInstance.ended_at,
               HeatRow.definition_id.label("kept_in"))
        .outerjoin(HeatRow, HeatRow.instance_id == ProcessInstance.id)
        .where(ProcessInstance.definition_id == definition.id,
               or_(HeatRow.instance_id.is_(None), HeatRow.calendar_mark != mark, moved))).all())
