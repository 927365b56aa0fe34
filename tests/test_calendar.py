"""Working days on the Chinese calendar, checked on known dates."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from engine.calendar import (
    CHINA,
    DurationInvalid,
    add_working_days,
    deadline,
    first_working_day,
    is_working_day,
    parse_duration,
)


@pytest.mark.parametrize(("day", "working"), [
    (date(2026, 9, 20), True),    # Sunday, make-up working day for National Day 2026
    (date(2026, 10, 1), False),   # National Day
    (date(2026, 10, 7), False),   # last day of the Golden Week
    (date(2026, 10, 8), True),    # Thursday after the holiday
    (date(2026, 10, 10), True),   # Saturday, make-up working day
    (date(2026, 10, 11), False),  # an ordinary Sunday
    (date(2025, 9, 28), True),    # Sunday, make-up working day for National Day 2025
    (date(2025, 10, 8), False),   # National Day 2025 ran to 8 October (with Mid-Autumn)
    (date(2025, 10, 11), True),   # Saturday, make-up working day
    (date(2026, 11, 27), True),   # an ordinary Friday
])
def test_known_days(day, working):
    assert is_working_day(day) is working


def test_five_working_days_across_national_day_2026():
    start = datetime(2026, 9, 30, 9, 0, tzinfo=CHINA)  # Wednesday before the holiday
    # Oct 1-7 off; Oct 8 (Thu) 1, Oct 9 (Fri) 2, Oct 10 (make-up Sat) 3, Oct 12 (Mon) 4, Oct 13 (Tue) 5
    assert deadline(start, "P5D") == datetime(2026, 10, 13, 9, 0, tzinfo=CHINA)
    assert deadline(start, "P1D") == datetime(2026, 10, 8, 9, 0, tzinfo=CHINA)


def test_make_up_sunday_counts_before_the_holiday():
    start = datetime(2026, 9, 18, 17, 0, tzinfo=CHINA)  # Friday
    # Sep 19 (Sat) off, Sep 20 (make-up Sunday) is the first working day
    assert add_working_days(start, 1) == datetime(2026, 9, 20, 17, 0, tzinfo=CHINA)


def test_time_parts_are_elapsed_time_and_the_result_keeps_the_timezone():
    start = datetime(2026, 10, 9, 1, 0, tzinfo=UTC)  # Friday 09:00 in Beijing
    assert deadline(start, "PT2S") == start + timedelta(seconds=2)
    assert deadline(start, "P1DT12H") == datetime(2026, 10, 10, 13, 0, tzinfo=UTC)  # make-up Saturday + 12 h
    assert deadline(start, "P1W").tzinfo == UTC
    assert deadline(start, "P1W") == deadline(start, "P5D")


def test_working_days_are_counted_on_the_china_date_not_the_utc_date():
    start = datetime(2026, 9, 30, 17, 0, tzinfo=UTC)  # already 1 October 01:00 in Beijing
    assert deadline(start, "P1D") == datetime(2026, 10, 8, 1, 0, tzinfo=CHINA)  # = 7 October 17:00 UTC


@pytest.mark.parametrize("text", ["P1M", "P1Y", "5 days", "P", "PT", "P1DT", "", "-P1D"])
def test_unusable_durations_are_refused(text):
    with pytest.raises(DurationInvalid):
        parse_duration(text)


def test_first_working_day_skips_holidays():
    assert first_working_day(2026, 10) == date(2026, 10, 8)
    assert first_working_day(2026, 1) == date(2026, 1, 4)  # a make-up Sunday after New Year


def test_years_without_data_fall_back_to_weekdays_less_fixed_holidays(caplog):
    assert is_working_day(date(2027, 1, 1)) is False  # New Year's Day, a Friday
    assert is_working_day(date(2027, 1, 4)) is True
    assert is_working_day(date(2027, 1, 2)) is False
