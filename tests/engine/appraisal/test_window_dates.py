"""A cycle's windows picked as days (the web's date pickers): each step is due at the end of its day."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from engine.calendar import CHINA
from engine.errors import FormInvalid
from engine.facade import Engine
from engine.org.people import Person
from tests.appraisal_steps import open_cycle, task_of
from tests.clocks import FakeClock
from tests.journey import OPERATOR


def days_ahead(clock: FakeClock, days: int) -> str:
    return (clock().astimezone(CHINA).date() + timedelta(days=days)).isoformat()


def test_a_step_given_a_day_is_due_at_the_end_of_that_day_china_time(demo: Engine, clock: FakeClock) -> None:
    last_day = days_ahead(clock, 9)
    open_cycle(demo, self_assessment_window=last_day)
    task = task_of(demo, "zhou.jie", "self_assessment", "zhou.jie")
    due = datetime.fromisoformat(task["due_at"].replace("Z", "+00:00")).astimezone(CHINA)
    assert (due.date().isoformat(), due.hour, due.minute) == (last_day, 23, 59)


def test_days_may_be_mixed_with_durations(demo: Engine, clock: FakeClock) -> None:
    open_cycle(demo, self_assessment_window=days_ahead(clock, 3), scoring_window="P5D",
               calibration_window=days_ahead(clock, 20))
    assert len(demo.work.instances(OPERATOR)) > 1


@pytest.mark.parametrize(("windows", "field", "problem"), [
    ({"self_assessment_window": -1}, "self_assessment_window", "the day has passed"),
    ({"self_assessment_window": 10, "scoring_window": 5}, "scoring_window", "before the last day of the step before"),
    ({"self_assessment_window": 10, "scoring_window": "P2D", "calibration_window": 4}, "calibration_window",
     "before the last day of the step before"),
])
def test_a_day_that_has_passed_or_comes_before_an_earlier_steps_is_refused_and_nothing_starts(
        demo: Engine, clock: FakeClock, windows: dict[str, int | str], field: str, problem: str) -> None:
    given = {key: days_ahead(clock, value) if isinstance(value, int) else value for key, value in windows.items()}
    with pytest.raises(FormInvalid) as refused:
        open_cycle(demo, **given)
    assert list(refused.value.fields) == [field] and problem in refused.value.fields[field][0]
    assert demo.work.instances(OPERATOR) == []


def test_a_day_that_does_not_exist_is_refused(demo: Engine) -> None:
    with pytest.raises(FormInvalid) as refused:
        open_cycle(demo, scoring_window="2027-02-30")
    assert list(refused.value.fields) == ["scoring_window"]


def test_today_is_allowed(demo: Engine, clock: FakeClock) -> None:
    open_cycle(demo, acknowledge_window=days_ahead(clock, 0))
    assert demo.work.instances(OPERATOR)


def test_a_schedule_repeats_so_its_windows_must_be_durations(demo: Engine, clock: FakeClock) -> None:
    with pytest.raises(FormInvalid) as refused:
        demo.ops.add_schedule(Person("chen.yu"), "appraisal_cycle", "quarterly",
                              {"scoring_window": days_ahead(clock, 30)})
    assert list(refused.value.fields) == ["scoring_window"] and "repeats" in refused.value.fields["scoring_window"][0]
    assert demo.ops.schedules(OPERATOR) == []
