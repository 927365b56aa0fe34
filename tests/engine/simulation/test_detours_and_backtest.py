"""Returns and days away fitted from the record, and the back-test's replay of the later arrivals, over a
market-plan history made by the Engine on the test's clock (on SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from engine.models import OutOfOffice, User
from engine.org.people import Person
from tests.engine.simulation.test_simulation import ANALYST, MONDAY_9, counts, work
from tests.journey import DRAFT, RESEARCH, START, decision, only_task

PLAIN_DRAFT = {**DRAFT, "budget_cny": 400000}  # under the countersign threshold: the director signs alone


def plan(demo, clock, day: int, returned: bool = False) -> int:
    """One plan started at 09:00 ``day`` days after the first Monday, worked straight through; ``returned``: the
    manager returns it to the research first (驳回到任意步骤), which then goes straight back to the manager."""
    clock.now = MONDAY_9 + timedelta(days=day)
    started = int(demo.work.start(Person("li.na"), "market_plan", {**START, "title": f"Plan {day}"}).id)
    work(demo, clock, "wang.lei", "research", started, RESEARCH)
    work(demo, clock, "zhang.min", "draft_plan", started, PLAIN_DRAFT)
    if returned:
        task = only_task(demo, "li.na", "manager_review", started)
        demo.work.return_task(Person("li.na"), task["id"], "research", "More data on competitors")
        work(demo, clock, "wang.lei", "research", started, RESEARCH)
    work(demo, clock, "li.na", "manager_review", started, decision("approve"))
    work(demo, clock, "chen.yu", "director_signoff", started, decision("approve"))
    return started


def away(demo, clock, username: str, proxy: str, first: date, last: date) -> None:
    """An absence on record (written as the out-of-office page leaves it: one row per person)."""
    with demo.core.transaction() as session:
        ids = dict(session.execute(select(User.username, User.id).where(User.username.in_((username, proxy)))).all())
        session.add(OutOfOffice(user_id=ids[username], proxy_id=ids[proxy], starts_on=first, ends_on=last,
                                set_by="admin", set_at=clock.now))


def test_the_fit_reads_returns_and_days_away_and_a_run_replays_them(demo, clock):
    for day in range(4):  # Monday to Thursday
        plan(demo, clock, day)
    plan(demo, clock, 4, returned=True)  # Friday
    away(demo, clock, "wang.lei", "zhang.min", date(2026, 3, 5), date(2026, 3, 8))  # Thursday to Sunday
    fitted = demo.simulation.fit(ANALYST, "market_plan").scenario
    # one manager's task in six was returned (five completed), always to the research
    assert fitted["returns"] == {"manager_review": {"share": pytest.approx(1 / 6, abs=1e-4), "n": 6,
                                                    "to": {"research": 1.0}}}
    # the one research supervisor was away two of the five working days of the period (Thursday, Friday)
    assert fitted["away"]["research_supervisor"] == pytest.approx(0.4)
    assert fitted["away"]["director"] == 0.0
    before = counts(demo)
    report = demo.simulation.simulate(ANALYST, "market_plan", {"cases": 60, "seed": 2,
                                                               "returns": {"manager_review": {"share": 0.5}}})
    steps = report.result["steps"]
    assert report.result["failed"] == 0 and report.result["completed"] == 60
    assert steps["manager_review"]["returned"] > 10
    # each return runs the research again and comes straight back to the manager
    assert steps["research"]["count"] == 60 + steps["manager_review"]["returned"]
    assert steps["draft_plan"]["count"] == 60
    assert report.scenario["away"]["research_supervisor"] == pytest.approx(0.4)
    assert counts(demo) == before  # nothing stored


def test_the_back_test_replays_the_later_arrivals_and_reports_the_forecast_apart(demo, clock):
    for index in range(24):  # one plan a working day at 09:00; each takes 7 office hours of work
        plan(demo, clock, index // 5 * 7 + index % 5)
    test = demo.simulation.back_test(ANALYST, "market_plan")
    assert (test.fitted_instances, test.later_instances, test.runs) == (12, 12, 5)
    assert test.observed_median == pytest.approx(9.0)  # 7 hours of work and four half hours before each step
    # replayed at their actual 09:00 starts, with no queue: the 7 hours of work, in every run
    assert test.simulated_median_replayed == pytest.approx(7.0, abs=0.01)
    assert test.replayed_range == [pytest.approx(7.0, abs=0.01)] * 2
    assert test.error_replayed == pytest.approx((7 - 9) / 9, abs=1e-3)
    # the forecast draws its own arrivals (any hour of the day): nights come into some plans
    assert test.simulated_median is not None and test.forecast_range is not None
    assert test.forecast_range[0] <= test.simulated_median <= test.forecast_range[1]
    assert test.as_json()["error_replayed"] == test.error_replayed
