"""Heatmaps kept as they happen give the numbers of the full computation: before the worker kept anything, once it
has, with instances moved since, after the working calendar changed; loops, cancelled and withdrawn requests and
open steps included, for an auditor and for a director who sees his department's instances. A look over a whole
version adds up the block sums the worker keeps with the parts (and no part) once the worker has caught up."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import delete, func, select, update

from engine import calendar_store
from engine.audit import heat_blocks, heat_kept, heatmap
from engine.models import HeatBlock, InstanceHeat
from engine.org.people import Person, acting
from tests.journey import RESEARCH, START, only_task
from tests.process_paths import PATHS

VIEWERS = ("he.ping", "chen.yu")
SUMMED_FROM_PARTS = heat_blocks.from_parts  # for checking, also where the worker may not use it


class MovedClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 7, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def moved(db_url):
    from engine.facade import build_engine

    clock = MovedClock()
    engine = build_engine(db_url, clock=clock)
    engine.setup.init(demo=True)
    yield engine, clock
    engine.db.dispose()


def full(engine, who: str):
    """The heatmap worked out from every event, as before anything was kept."""
    with engine.core.transaction() as session:
        definition = heatmap.find_version(session, "market_plan", 1)
        return heatmap.version_heatmap(session, engine.collaborators.calendar, acting(session, Person(who)),
                                       definition, engine.collaborators.clock())


def kept(engine, who: str):
    with engine.core.transaction() as session:
        definition = heatmap.find_version(session, "market_plan", 1)
        return heat_kept.kept_heatmap(session, engine.collaborators.calendar, acting(session, Person(who)),
                                      definition, engine.collaborators.clock())


def assert_same(engine) -> None:
    for who in VIEWERS:
        assert kept(engine, who) == full(engine, who), who


def test_kept_heatmaps_give_the_full_computations_numbers(moved, monkeypatch):
    engine, clock = moved
    plans = {}
    for name, walk in PATHS.items():  # every path, loops included, each step a few hours after the one before
        plan = int(engine.work.start(Person("li.na"), "market_plan", START).id)
        clock.now += timedelta(hours=5)
        walk(engine, plan)
        plans[name] = plan
        clock.now += timedelta(hours=19)
    open_plans = [int(engine.work.start(Person("li.na"), "market_plan", START).id) for _ in range(4)]
    clock.now += timedelta(hours=30)
    research = only_task(engine, "wang.lei", "research", open_plans[0])["id"]
    engine.work.claim(Person("wang.lei"), research)
    engine.ops.cancel(Person("admin"), open_plans[1], "Duplicate")
    engine.work.withdraw(Person("li.na"), open_plans[2], "Not needed now")
    clock.now += timedelta(days=3)

    heat = full(engine, "he.ping")
    by_id = {e["id"]: e for e in heat["elements"]}
    assert by_id["research"]["open_now"] == 2 and by_id["draft_plan"]["passes"] > by_id["draft_plan"]["instances"]
    assert heat["by_status"].get("cancelled") and heat["cycle_time"]["count"] > 0
    assert_same(engine)  # nothing kept yet: every instance worked out from its events

    assert engine.core.keep_heatmaps(limit=3) == len(PATHS) + 4  # in batches of 3
    monkeypatch.setattr(heat_kept, "events_of", lambda *_: pytest.fail("a caught-up look reads no events"))
    assert_same(engine)
    monkeypatch.undo()

    clock.now += timedelta(hours=7)  # moves after the worker's round: those instances are worked out again
    engine.work.complete(Person("wang.lei"), research, RESEARCH)
    engine.ops.cancel(Person("admin"), open_plans[3], "Changed our minds")
    assert_same(engine)
    assert engine.core.keep_heatmaps() == 2  # only the two that moved, found from the watermark
    assert engine.core.keep_heatmaps() == 0
    assert_same(engine)

    with engine.core.transaction() as session:  # a holiday entered: the working-day figures change
        calendar_store.enter_day(session, date(2026, 12, 8), False, "office move", "admin", clock())
    engine.collaborators.calendar.refresh()
    assert_same(engine)
    with engine.core.transaction() as session:
        instances = session.scalar(select(func.count()).select_from(InstanceHeat))
    assert engine.core.keep_heatmaps() == instances  # every part again, for the new calendar
    assert_same(engine)


def test_the_web_page_shows_the_kept_numbers(moved):
    engine, clock = moved
    plan = int(engine.work.start(Person("li.na"), "market_plan", START).id)
    clock.now += timedelta(hours=3)
    PATHS["rework"](engine, plan)
    engine.core.keep_heatmaps()
    shown = engine.audit.heatmap(Person("he.ping"), "market_plan", 1)
    assert {e["id"]: e["passes"] for e in shown["elements"]}["draft_plan"] == 2
    assert shown == full(engine, "he.ping")


def blocks_sum_their_parts(engine) -> int:
    """Each block row, changed part by part by the worker, is the sum of the parts kept in its ids now; how many."""
    with engine.core.transaction() as session:
        blocks = session.execute(select(HeatBlock)).scalars().all()
        for block in blocks:
            summed = SUMMED_FROM_PARTS(session, block.definition_id, block.block)
            assert (block.shares, block.counts_json, block.times) == (summed.shares, *summed.encoded())
        return len(blocks)


def no_parts_read(monkeypatch) -> None:
    def refuse(*_args):
        raise AssertionError("a look over a caught-up version reads the block sums, not the parts")

    monkeypatch.setattr(heatmap.InstanceHeat, "from_json", refuse)
    monkeypatch.setattr(heat_kept, "events_of", refuse)


def test_a_whole_version_look_adds_up_block_sums_kept_with_the_parts(moved, monkeypatch):
    engine, clock = moved
    monkeypatch.setattr(heat_blocks, "BLOCK", 2)  # two instances per block: several blocks, some moved
    monkeypatch.setattr(heat_blocks, "from_parts", lambda *_: pytest.fail("a block is changed part by part"))
    plans = []
    for walk in PATHS.values():
        plans.append(int(engine.work.start(Person("li.na"), "market_plan", START).id))
        clock.now += timedelta(hours=5)
        walk(engine, plans[-1])
        clock.now += timedelta(hours=19)
    waiting = [int(engine.work.start(Person("li.na"), "market_plan", START).id) for _ in range(3)]
    clock.now += timedelta(days=2)
    engine.core.keep_heatmaps()
    assert blocks_sum_their_parts(engine) >= 3
    with monkeypatch.context() as patched:
        no_parts_read(patched)
        assert kept(engine, "he.ping") == full(engine, "he.ping")

    # Two workers' rounds overlapping steps: one planned before the steps, the other running in between.
    with engine.core.transaction() as session:
        early = heat_kept.start_round(session, engine.collaborators.calendar)
    research = only_task(engine, "wang.lei", "research", waiting[0])["id"]
    clock.now += timedelta(hours=6)
    engine.work.claim(Person("wang.lei"), research)
    assert_same(engine)  # its block holds a part that is no longer current: that block part by part
    assert engine.core.keep_heatmaps() == 1
    clock.now += timedelta(hours=3)
    engine.work.complete(Person("wang.lei"), research, RESEARCH)
    engine.ops.cancel(Person("admin"), waiting[1], "Duplicate")
    with engine.core.transaction() as session:  # the early round goes on with what it planned
        heat_kept.keep(session, engine.collaborators.calendar, early)
    assert_same(engine)
    engine.core.keep_heatmaps()
    blocks_sum_their_parts(engine)
    with monkeypatch.context() as patched:
        no_parts_read(patched)
        assert kept(engine, "he.ping") == full(engine, "he.ping")
    assert_same(engine)

    with engine.core.transaction() as session:  # a holiday entered: every part and block worked out again
        calendar_store.enter_day(session, date(2026, 12, 9), False, "office move", "admin", clock())
    engine.collaborators.calendar.refresh()
    assert_same(engine)  # every block holds parts of the old calendar: the look works the version out
    engine.core.keep_heatmaps()
    blocks_sum_their_parts(engine)
    with monkeypatch.context() as patched:
        no_parts_read(patched)
        shown = kept(engine, "he.ping")
    assert shown == full(engine, "he.ping")


def test_blocks_that_do_not_add_up_are_not_trusted_and_are_summed_again(moved, monkeypatch):
    engine, clock = moved
    monkeypatch.setattr(heat_blocks, "BLOCK", 2)
    for walk in list(PATHS.values())[:3]:
        plan = int(engine.work.start(Person("li.na"), "market_plan", START).id)
        clock.now += timedelta(hours=5)
        walk(engine, plan)
    waiting = int(engine.work.start(Person("li.na"), "market_plan", START).id)
    engine.core.keep_heatmaps()
    with engine.core.transaction() as session:  # a block lost (or parts written by a worker that sums none)
        session.execute(delete(HeatBlock).where(HeatBlock.block == heat_blocks.block_of(waiting)))
    assert kept(engine, "he.ping") == full(engine, "he.ping")
    clock.now += timedelta(hours=2)
    engine.work.claim(Person("wang.lei"), only_task(engine, "wang.lei", "research", waiting)["id"])
    assert engine.core.keep_heatmaps() == 1  # its part taken out of a block that does not hold it: summed again
    assert blocks_sum_their_parts(engine) >= 2
    with monkeypatch.context() as patched:
        no_parts_read(patched)
        assert kept(engine, "he.ping") == full(engine, "he.ping")
    with engine.core.transaction() as session:
        session.execute(update(HeatBlock).where(HeatBlock.block == heat_blocks.block_of(waiting))
                        .values(shares=HeatBlock.shares + 1))
    assert kept(engine, "he.ping") == full(engine, "he.ping")


def test_a_worker_round_while_a_look_reads_does_not_count_a_part_twice_or_an_old_one(moved, monkeypatch):
    engine, clock = moved
    plan = int(engine.work.start(Person("li.na"), "market_plan", START).id)
    clock.now += timedelta(hours=3)
    PATHS["rework"](engine, plan)
    waiting = int(engine.work.start(Person("li.na"), "market_plan", START).id)
    engine.core.keep_heatmaps()
    clock.now += timedelta(hours=4)
    engine.work.complete(Person("wang.lei"), only_task(engine, "wang.lei", "research", waiting)["id"], RESEARCH)
    stale = heat_blocks._stale

    def worker_in_between(*args):  # after the look read the blocks, before it reads which parts are current
        assert engine.core.keep_heatmaps() == 1
        return stale(*args)

    monkeypatch.setattr(heat_blocks, "_stale", worker_in_between)
    shown = kept(engine, "he.ping")
    monkeypatch.undo()
    assert shown == full(engine, "he.ping")
    assert {e["id"]: e["times"] for e in shown["elements"]}["research"]["open"]["count"] == 2  # its new part's
    with monkeypatch.context() as patched:
        no_parts_read(patched)
        assert kept(engine, "he.ping") == full(engine, "he.ping")


def test_a_directors_look_takes_the_block_sums_less_the_requests_outside_his_department(moved, monkeypatch):
    """chen.yu audits his department's requests: his look adds up the block sums, and part by part only the blocks
    holding a request of someone outside his department (ma.jun reports to nobody), leaving those out."""
    engine, clock = moved
    monkeypatch.setattr(heat_blocks, "BLOCK", 2)
    engine.org.add_user(Person("admin"), "ma.jun", ["marketing_manager"])
    own, walks = [], list(PATHS.values())
    for walk in walks[:2]:
        own.append(int(engine.work.start(Person("li.na"), "market_plan", START).id))
        clock.now += timedelta(hours=5)
        walk(engine, own[-1])
    waiting = int(engine.work.start(Person("ma.jun"), "market_plan", START).id)  # nobody of his has touched it
    for walk in walks[2:]:
        own.append(int(engine.work.start(Person("li.na"), "market_plan", START).id))
        clock.now += timedelta(hours=5)
        walk(engine, own[-1])
    withdrawn = int(engine.work.start(Person("ma.jun"), "market_plan", START).id)
    own.append(int(engine.work.start(Person("li.na"), "market_plan", START).id))
    clock.now += timedelta(hours=2)
    engine.work.withdraw(Person("ma.jun"), withdrawn, "Not needed now")
    clock.now += timedelta(days=1)
    engine.core.keep_heatmaps()
    blocks_sum_their_parts(engine)
    parts_read = []
    from_json = heatmap.InstanceHeat.from_json

    def counted(text):
        parts_read.append(text)
        return from_json(text)

    with monkeypatch.context() as patched:
        patched.setattr(heatmap.InstanceHeat, "from_json", counted)
        patched.setattr(heat_kept, "events_of", lambda *_: pytest.fail("a caught-up look reads no events"))
        shown = kept(engine, "chen.yu")
    assert shown == full(engine, "chen.yu")
    everything = full(engine, "he.ping")
    assert shown["instances"] == everything["instances"] - 2 == len(own)
    assert Counter(everything["by_status"]) - Counter(shown["by_status"]) == Counter(running=1, cancelled=1)
    outside_blocks = {heat_blocks.block_of(waiting), heat_blocks.block_of(withdrawn)}
    sharing = [i for i in own if heat_blocks.block_of(i) in outside_blocks]
    assert sharing and len(parts_read) == len(sharing) < len(own)  # only his parts in those blocks, one by one
    clock.now += timedelta(hours=1)  # wang.lei's claim brings ma.jun's waiting request into chen.yu's department
    engine.work.claim(Person("wang.lei"), only_task(engine, "wang.lei", "research", waiting)["id"])
    moved_in = kept(engine, "chen.yu")
    assert moved_in == full(engine, "chen.yu") and moved_in["instances"] == len(own) + 1
