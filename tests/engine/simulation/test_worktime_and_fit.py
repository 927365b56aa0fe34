"""Office hours on the working-day calendar, the lognormal fit and the scenario's changes (no database)."""

from __future__ import annotations

import math
import random
from datetime import UTC, date, datetime, timedelta

import pytest

from engine.calendar import WorkingCalendar
from engine.errors import InvalidInput
from engine.simulation.scenario import Arrivals, Scenario, apply_changes, fit_lognormal
from engine.simulation.worktime import OfficeHours

CALENDAR = WorkingCalendar({date(2026, 3, 4): (False, "a day off entered")})  # a Wednesday
OFFICE = OfficeHours(CALENDAR)
MONDAY_9 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 China time


def test_office_hours_skip_nights_weekends_and_days_off():
    assert OFFICE.add(MONDAY_9, 3) == MONDAY_9 + timedelta(hours=3)
    assert OFFICE.add(MONDAY_9, 10) == MONDAY_9 + timedelta(days=1, hours=1)  # 9 h on Monday, 1 on Tuesday
    assert OFFICE.add(MONDAY_9, 18) == MONDAY_9 + timedelta(days=1, hours=9)  # Tuesday 18:00
    assert OFFICE.add(MONDAY_9, 19) == MONDAY_9 + timedelta(days=3, hours=1)  # Wednesday is off: Thursday 10:00
    friday_5pm = MONDAY_9 + timedelta(days=4, hours=8)
    assert OFFICE.add(friday_5pm, 2) == MONDAY_9 + timedelta(days=7, hours=1)  # over the weekend
    assert OFFICE.next_open(MONDAY_9 - timedelta(hours=3)) == MONDAY_9  # 06:00 waits for 09:00
    assert OFFICE.between(MONDAY_9, MONDAY_9 + timedelta(days=3)) == pytest.approx(18)
    for hours in (0.5, 7.25, 9, 30):
        assert OFFICE.between(MONDAY_9, OFFICE.add(MONDAY_9, hours)) == pytest.approx(hours)


def test_the_lognormal_fit_finds_its_parameters():
    rng = random.Random(3)  # noqa: S311 - test data
    fitted = fit_lognormal([rng.lognormvariate(math.log(5), 0.4) for _ in range(4000)])
    assert fitted is not None and fitted.median_hours == pytest.approx(5, rel=0.03)
    assert fitted.sigma == pytest.approx(0.4, rel=0.05) and fitted.n == 4000
    assert fit_lognormal([2.0]) is None  # one sample fits nothing


def base() -> Scenario:
    return Scenario(100, 1, date(2026, 3, 2), Arrivals(5.0), {}, {"director": 1}, {"start": [], "steps": {}})


def test_changes_apply_and_leave_the_base_as_it_was():
    scenario = base()
    changed = apply_changes(scenario, {"people": {"director": 2}, "durations": {"research": {"median_hours": 8}},
                                       "arrivals": {"by_weekday": [2, 1, 1, 0, 0, 0, 0]}})
    assert changed.people == {"director": 2} and scenario.people == {"director": 1}
    assert changed.duration("research").median_hours == pytest.approx(8)
    assert changed.arrivals.by_weekday == [0.5, 0.25, 0.25, 0, 0, 0, 0]
    assert scenario.arrivals.by_weekday == Arrivals(5.0).by_weekday


@pytest.mark.parametrize("bad", [
    {"cases": 0}, {"cases": 10 ** 6}, {"seed": -1}, {"people": {"director": 1.5e9}}, {"office_hours": [18, 9]},
    {"arrivals": {"per_week": 0}}, {"arrivals": {"by_hour": [0] * 24}}, {"durations": {"x": {"sigma": 9}}},
    {"durations": {"x": {"sigma": 0.3}}}, {"start_at": "soon"}, {"data": {"steps": {"x": [1]}}},
    ["not", "an", "object"],
])
def test_bad_changes_are_refused(bad):
    with pytest.raises(InvalidInput):
        apply_changes(base(), bad)  # type: ignore[arg-type]
