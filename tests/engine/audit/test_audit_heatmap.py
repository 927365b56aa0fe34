"""The heatmap's numbers with a clock the test moves, working days on the Chinese calendar, and path inference
where the model leaves one way, or several."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, select

from engine.audit import heat_kept, heatmap_memo
from engine.audit.diagram import Flow, PathTracer, ProcessGraph
from engine.audit.heatmap import nearest_rank, working_seconds
from engine.calendar import CHINA, WorkingCalendar
from engine.errors import NotAllowed
from engine.facade import build_engine
from engine.models import User, UserRole
from engine.org.people import Person
from tests.journey import DRAFT, RESEARCH, START, decision, only_task

HOUR = 3600


class MovedClock:
    """The time the engine sees, set by the test."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def at(self, day: int, hour: int) -> None:
        self.now = datetime(2026, 12, day, hour, tzinfo=CHINA).astimezone(UTC)


def _clocked(url):
    clock = MovedClock(datetime(2026, 12, 7, 1, tzinfo=UTC))
    engine = build_engine(url, clock=clock)
    engine.setup.init(demo=True)
    yield engine, clock
    engine.db.dispose()


@pytest.fixture
def timed_engine(sqlite_url):
    yield from _clocked(sqlite_url)


def test_open_waited_and_held_times_are_elapsed_and_on_working_days(timed_engine):
    engine, clock = timed_engine
    clock.at(7, 9)  # Monday 7 December 2026, 09:00 China time
    plan = int(engine.work.start(Person("li.na"), "market_plan", START).id)
    clock.at(9, 9)  # Wednesday
    engine.work.complete(Person("wang.lei"), only_task(engine, "wang.lei", "research", plan)["id"], RESEARCH)
    clock.at(11, 9)  # Friday: zhang.min takes the draft
    draft = only_task(engine, "zhang.min", "draft_plan", plan)["id"]
    engine.work.claim(Person("zhang.min"), draft)
    clock.at(14, 9)  # Monday after the weekend
    engine.work.complete(Person("zhang.min"), draft, DRAFT)
    clock.at(14, 12)
    engine.work.complete(Person("li.na"), only_task(engine, "li.na", "manager_review", plan)["id"], decision("approve"))
    clock.at(15, 9)
    engine.work.complete(Person("chen.yu"), only_task(engine, "chen.yu", "director_signoff", plan)["id"],
                         decision("approve"))

    heat = engine.audit.heatmap(Person("he.ping"), "market_plan", 1)
    times = {e["id"]: e["times"] for e in heat["elements"]}
    assert times["research"]["open"]["median_s"] == 48 * HOUR == times["research"]["open"]["median_working_s"]
    assert "wait" not in times["research"]  # completed without being claimed first
    draft_times = times["draft_plan"]
    assert draft_times["open"]["median_s"] == 120 * HOUR  # Wednesday 09:00 to Monday 09:00
    assert draft_times["open"]["median_working_s"] == 72 * HOUR  # less Saturday and Sunday
    assert draft_times["wait"]["median_s"] == 48 * HOUR and draft_times["held"]["median_s"] == 72 * HOUR
    assert draft_times["held"]["median_working_s"] == 24 * HOUR  # Friday from 09:00, Monday until 09:00
    assert heat["cycle_time"]["median_s"] == 8 * 24 * HOUR
    assert heat["cycle_time"]["median_working_s"] == 6 * 24 * HOUR
    assert {e["id"]: e["instances"] for e in heat["elements"]}["vetoed"] == 0
    assert heat["by_end"] == {"approved": 1}


def test_working_seconds_leave_out_weekends_and_public_holidays():
    calendar = WorkingCalendar()

    def local(month: int, day: int, hour: int = 0) -> datetime:
        return datetime(2026, month, day, hour, tzinfo=CHINA)

    assert working_seconds(calendar, local(12, 11, 18), local(12, 14, 10)) == 16 * HOUR  # Fri evening to Mon
    assert working_seconds(calendar, local(12, 12, 9), local(12, 12, 17)) == 0  # a Saturday
    assert working_seconds(calendar, local(10, 1), local(10, 2)) == 0  # National Day
    assert working_seconds(calendar, local(12, 14, 10), local(12, 14, 9)) == 0  # backwards: nothing


def test_nearest_rank_median_and_p90():
    assert nearest_rank([], 0.5) is None
    assert nearest_rank([5.0], 0.9) == 5.0
    values = [float(v) for v in range(1, 11)]
    assert (nearest_rank(values, 0.5), nearest_rank(values, 0.9)) == (5.0, 9.0)


def graph(*flows: tuple[str, str, str]) -> ProcessGraph:
    kinds = {"start": "startEvent", "a": "scriptTask", "b": "scriptTask", "t": "userTask", "u": "userTask",
             "split": "parallelGateway"}
    built = ProcessGraph(starts=["start"])
    for flow_id, source, target in flows:
        for node in (source, target):
            built.nodes.setdefault(node, kinds[node])
        flow = Flow(flow_id, source, target)
        built.flows[flow_id] = flow
        built.outgoing.setdefault(source, []).append(flow)
    return built


def test_one_way_through_unlogged_elements_is_inferred():
    tracer = PathTracer(graph(("f1", "start", "a"), ("f2", "a", "t")))
    tracer.feed("instance_started", None, {})
    tracer.feed("task_created", "t", {})
    assert tracer.path.inferred == {"a"} and tracer.path.unresolved == []
    assert dict(tracer.path.flows) == {"f1": 1, "f2": 1}


def test_two_ways_are_not_guessed():
    tracer = PathTracer(graph(("f1", "start", "a"), ("f2", "start", "b"), ("f3", "a", "t"), ("f4", "b", "t")))
    tracer.feed("instance_started", None, {})
    tracer.feed("task_created", "t", {})
    assert tracer.path.inferred == set() and tracer.path.unresolved == ["t"]
    assert tracer.path.visits["t"] == 1 and "a" not in tracer.path.visits and not tracer.path.flows


def test_a_parallel_split_sends_both_tokens_on():
    tracer = PathTracer(graph(("f1", "start", "split"), ("f2", "split", "t"), ("f3", "split", "u")))
    tracer.feed("instance_started", None, {})
    tracer.feed("task_created", "t", {})
    tracer.feed("task_created", "u", {})
    assert tracer.path.unresolved == [] and tracer.path.visits["split"] == 1
    assert dict(tracer.path.flows) == {"f1": 1, "f2": 1, "f3": 1}


def test_a_start_later_than_now_is_empty_not_an_error():
    assert working_seconds(WorkingCalendar(), datetime.now(UTC) + timedelta(days=1), datetime.now(UTC)) == 0


@pytest.fixture
def kept_engine(db_url):
    """An engine on SQLite and PostgreSQL with a clock the test moves (the memo ages by the engine's clock)."""
    yield from _clocked(db_url)


def test_a_heatmap_is_kept_while_young_or_while_nothing_has_moved(kept_engine, monkeypatch):
    engine, clock = kept_engine
    plan = int(engine.work.start(Person("li.na"), "market_plan", START).id)
    worked_out = []
    real = heat_kept.kept_heatmap
    monkeypatch.setattr(heat_kept, "kept_heatmap", lambda *a: worked_out.append(a[-2:]) or real(*a))
    first = engine.audit.heatmap(Person("he.ping"), "market_plan", 1)
    with_diagram = engine.audit.heatmap_diagram(Person("he.ping"), "market_plan", 1)  # the page's second ask
    assert len(worked_out) == 1 and with_diagram.heatmap["computed_at"] == first["computed_at"] and "bpmn" not in first
    assert "bpmn" not in engine.audit.heatmap(Person("he.ping"), "market_plan", 1)  # the diagram is not kept with it
    clock.now += heatmap_memo.FRESH + timedelta(seconds=1)  # older, but no event since: still the same
    assert engine.audit.heatmap(Person("he.ping"), "market_plan", 1)["computed_at"] == first["computed_at"]
    engine.work.complete(Person("wang.lei"), only_task(engine, "wang.lei", "research", plan)["id"], RESEARCH)
    assert len(worked_out) == 1  # (nobody asked)
    again = engine.audit.heatmap(Person("he.ping"), "market_plan", 1)  # an event since, and past FRESH: worked out anew
    research = {e["id"]: e for e in again["elements"]}["research"]
    assert len(worked_out) == 2 and again["computed_at"] > first["computed_at"] and research["instances"] == 1
    clock.now += heatmap_memo.LONGEST
    engine.audit.heatmap(Person("he.ping"), "market_plan", 1)
    assert len(worked_out) == 3  # nothing new, but an hour old
    engine.audit.heatmap(Person("chen.yu"), "market_plan", 1)  # another viewer (a director: his department's instances)
    assert len(worked_out) == 4


def test_a_kept_heatmap_is_not_given_to_someone_who_lost_the_right(kept_engine):
    engine, _clock = kept_engine
    engine.work.start(Person("li.na"), "market_plan", START)
    assert engine.audit.heatmap(Person("he.ping"), "market_plan", 1)["instances"] == 1
    with engine.core.transaction() as session:
        session.execute(delete(UserRole).where(UserRole.user_id == select(User.id).where(
            User.username == "he.ping").scalar_subquery()))
    with pytest.raises(NotAllowed):
        engine.audit.heatmap(Person("he.ping"), "market_plan", 1)


def test_a_cancelled_or_withdrawn_request_leaves_nothing_open_now(engine):
    running, cancelled, withdrawn = (int(engine.work.start(Person("li.na"), "market_plan", START).id)
                                     for _ in range(3))
    engine.ops.cancel(Person("admin"), cancelled, "Duplicate")
    engine.work.withdraw(Person("li.na"), withdrawn, "Not needed now")
    heat = engine.audit.heatmap(Person("he.ping"), "market_plan", 1)
    assert {e["id"]: e["open_now"] for e in heat["elements"]}["research"] == 1  # only the running one
    assert running not in (cancelled, withdrawn)
