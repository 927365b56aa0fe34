"""What-if simulation and the route preview on the real market plan, over a small history made by the
Engine on the test's clock (on SQLite and PostgreSQL): what is fitted, what a run gives, that a run
stores nothing, the budget-check draft, the countersign threshold in the preview, rights and bad input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from engine.errors import InvalidInput, NotAllowed
from engine.facade import Engine
from engine.models import HistoryEvent, HumanTask, ProcessInstance
from engine.org.people import Person
from tests.clocks import FakeClock
from tests.journey import DRAFT, RESEARCH, START, decision, only_task
from tests.simulation_drafts import save_budget_check_draft

ANALYST = Person("gao.yan")
MONDAY_9 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 in China, a working Monday
# Every step's working time in this history, in office hours (claimed -> completed).
HOURS = {"research": 3, "draft_plan": 2, "manager_review": 1, "director_signoff": 1}
# With no spread, decisions fixed and requests far apart, a run has no randomness and no queue.
STEADY = {"arrivals": {"per_week": 0.5}, "cases": 6, "seed": 1,
          "durations": {step: {"median_hours": 2.0, "sigma": 0} for step in
                        ("research", "draft_plan", "manager_review", "director_signoff", "budget_check")},
          "data": {"steps": {"manager_review": [{"decision": "approve"}],
                             "director_signoff": [{"decision": "approve"}],
                             "draft_plan": [{**DRAFT, "budget_cny": 300000}]}}}


def work(engine: Engine, clock: FakeClock, user: str, step: str, instance_id: int, data: dict) -> None:
    task = only_task(engine, user, step, instance_id)
    clock.advance(minutes=30)  # waits half an hour before it is taken
    engine.work.claim(Person(user), task["id"])
    clock.advance(hours=HOURS[step])
    engine.work.complete(Person(user), task["id"], data)


def make_history(engine: Engine, clock: FakeClock, plans: int = 4) -> list[int]:
    """``plans`` market plans, one per working morning, each worked straight through in office hours."""
    ids = []
    for i in range(plans):
        clock.now = MONDAY_9 + timedelta(days=i)
        plan = int(engine.work.start(Person("li.na"), "market_plan", {**START, "title": f"Plan {i}"}).id)
        work(engine, clock, "wang.lei", "research", plan, RESEARCH)
        work(engine, clock, "zhang.min", "draft_plan", plan, {**DRAFT, "budget_cny": 400000 + 100000 * i})
        work(engine, clock, "li.na", "manager_review", plan, decision("approve"))
        work(engine, clock, "chen.yu", "director_signoff", plan, decision("approve"))
        ids.append(plan)
    return ids


def counts(engine: Engine) -> tuple[int, int, int]:
    with engine.db.connect() as conn:
        return tuple(conn.scalar(select(func.count()).select_from(t)) or 0  # type: ignore[return-value]
                     for t in (ProcessInstance, HumanTask, HistoryEvent))


def test_the_fit_reads_working_time_arrivals_forms_and_people(demo, clock):
    make_history(demo, clock)
    fitted = demo.simulation.fit(ANALYST, "market_plan")
    durations = fitted.scenario["durations"]
    for step, hours in HOURS.items():
        assert durations[step]["median_hours"] == pytest.approx(hours, abs=0.01), step
        assert durations[step]["sigma"] == pytest.approx(0, abs=1e-6)
    assert fitted.observed["waiting_median_hours"]["research"] == pytest.approx(0.5)
    assert fitted.observed["instances"] == 4 and fitted.observed["ended"] == 4
    assert fitted.scenario["arrivals"]["by_weekday"][:4] == [0.25] * 4  # Monday to Thursday, one each
    assert fitted.scenario["arrivals"]["per_week"] == pytest.approx(5.0)  # one a working day
    budgets = sorted(f["budget_cny"] for f in fitted.scenario["data"]["steps"]["draft_plan"])
    assert budgets == [400000, 500000, 600000, 700000]
    assert fitted.scenario["people"]["research_supervisor"] == 1
    assert fitted.scenario["people"]["director"] == 1


def test_a_run_gives_figures_is_reproducible_and_stores_nothing(demo, clock):
    make_history(demo, clock)
    before = counts(demo)
    first = demo.simulation.simulate(ANALYST, "market_plan", {"cases": 40, "seed": 5})
    again = demo.simulation.simulate(ANALYST, "market_plan", {"cases": 40, "seed": 5})
    other = demo.simulation.simulate(ANALYST, "market_plan", {"cases": 40, "seed": 6})
    assert counts(demo) == before
    r = first.result
    assert r["cases"] == 40 and r["completed"] == 40 and r["failed"] == 0
    assert r["cycle_time"] == again.result["cycle_time"] and r["cycle_time"] != other.result["cycle_time"]
    assert set(r["steps"]) == set(HOURS) and r["ends"] == {"approved": 40}
    assert r["steps"]["research"]["working"] >= 3  # three office hours at least (nights add)
    assert 0 < r["utilisation"]["research_supervisor"] <= 1
    assert r["bottleneck"]["step"] in HOURS
    assert r["cycle_time"]["median"] <= r["cycle_time"]["p90"]


def test_one_more_reviewer_shortens_the_queue(demo, clock):
    make_history(demo, clock)
    busy = {"cases": 60, "arrivals": {"per_week": 40}}
    alone = demo.simulation.simulate(ANALYST, "market_plan", busy)
    helped = demo.simulation.simulate(ANALYST, "market_plan", {**busy, "people": {"research_supervisor": 3,
                                                                                 "planning_supervisor": 3}})
    assert helped.result["steps"]["research"]["waiting"] < alone.result["steps"]["research"]["waiting"]
    assert helped.result["cycle_time"]["median"] < alone.result["cycle_time"]["median"]


def test_the_budget_check_draft_adds_its_step_and_its_time(demo, clock):
    make_history(demo, clock)
    save_budget_check_draft(demo)
    both = demo.simulation.compare(ANALYST, "market_plan", {"label": "as is", "changes": STEADY},
                                   {"label": "budget check", "draft": True, "changes": STEADY})
    assert "budget_check" in both.right.result["steps"] and "budget_check" not in both.left.result["steps"]
    assert both.right.result["people"]["ops_manager"] == 1
    assert both.delta()["median"] is not None and both.delta()["median"] >= 2.0  # two office hours more, at least
    assert both.left.version == 1 and both.right.version == 0


def test_a_threshold_in_the_data_sends_plans_to_the_countersign(demo, clock):
    make_history(demo, clock)
    big = {**STEADY, "data": {**STEADY["data"], "steps": {**STEADY["data"]["steps"],
                                                          "draft_plan": [{**DRAFT, "budget_cny": 1_500_000}]}}}
    run = demo.simulation.simulate(ANALYST, "market_plan", big)
    assert "joint_signoff" in run.result["steps"] and "director_signoff" not in run.result["steps"]
    assert run.result["ends"] == {"approved": 6}


def test_bad_scenarios_are_refused_whole(demo, clock):
    make_history(demo, clock, plans=2)
    for bad in ({"people": {"director": -1}}, {"cases": 0}, {"durations": {"research": {"sigma": "wide"}}},
                {"arrivals": {"by_weekday": [1, 2]}}, {"speed": 2}, {"data": {"start": "x"}}):
        with pytest.raises(InvalidInput):
            demo.simulation.simulate(ANALYST, "market_plan", bad)


def test_only_modelers_simulate(demo, clock):
    with pytest.raises(NotAllowed):
        demo.simulation.simulate(Person("li.na"), "market_plan", {"cases": 1})
    with pytest.raises(NotAllowed):
        demo.simulation.fit(Person("zhang.min"), "market_plan")


def names(preview) -> list[str]:
    return [s.step for s in preview.steps]


def test_the_preview_follows_the_budget_across_the_countersign_threshold(demo, clock):
    make_history(demo, clock)
    clock.now = MONDAY_9 + timedelta(days=7)  # a working morning: the office is open
    before = counts(demo)
    small = demo.simulation.preview(Person("zhang.min"), "market_plan", {**START, "budget_cny": 800_000})
    large = demo.simulation.preview(Person("zhang.min"), "market_plan", {**START, "budget_cny": 1_200_000})
    assert counts(demo) == before
    assert names(small) == ["research", "draft_plan", "manager_review", "director_signoff"]
    assert names(large) == ["research", "draft_plan", "manager_review", "joint_signoff", "joint_signoff"]
    assert small.steps[0].people == ["wang.lei"] and not small.steps[0].person  # offered to the role
    assert sorted(p for s in large.steps if s.step == "joint_signoff" for p in s.people) == ["chen.yu", "sun.hao"]
    assert small.end_event == "approved" and small.complete
    assert small.assumed["draft_plan"]["budget_cny"] == 800_000
    assert small.assumed["manager_review"]["decision"] == "approve"  # the most frequent answer
    # expected: the history's medians, 0.5 h waiting and the working hours, in office hours
    assert small.steps[0].expected_hours == pytest.approx(3.5, abs=0.05)
    assert small.expected_hours > sum(HOURS.values())


def test_the_preview_of_an_open_task_starts_there(demo, clock):
    make_history(demo, clock, plans=2)
    plan = int(demo.work.start(Person("li.na"), "market_plan", START).id)
    research = only_task(demo, "wang.lei", "research", plan)
    after = demo.simulation.next_steps(Person("wang.lei"), research["id"], {"budget_cny": 2_000_000})
    assert names(after)[:2] == ["research", "draft_plan"] and "joint_signoff" in names(after)
    with pytest.raises(NotAllowed):
        demo.simulation.next_steps(Person("zhou.jie"), research["id"])


def test_who_may_not_start_gets_no_preview(demo):
    with pytest.raises(NotAllowed):
        demo.simulation.preview(Person("wang.lei"), "market_plan", START)
    with pytest.raises(InvalidInput):
        demo.simulation.preview(Person("li.na"), "market_plan", ["not", "an", "object"])  # type: ignore[arg-type]
