"""Working days on the Chinese calendar, checked on known dates."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from engine.calendar import CHINA, CalendarFileInvalid, DurationInvalid, WorkingCalendar, parse_duration

CALENDAR = WorkingCalendar()  # the package's days only (the repository's data/calendar.json is empty)
add_working_days, deadline, is_working_day = CALENDAR.add_working_days, CALENDAR.deadline, CALENDAR.is_working_day
first_working_day = CALENDAR.first_working_day


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


@pytest.fixture
def calendar_file(tmp_path):
    """Write an operator's calendar file."""
    path = tmp_path / "calendar.json"

    def write(content: object) -> Path:
        path.write_text(json.dumps(content), encoding="utf-8")
        return path

    return write


def test_days_entered_by_the_operator_win_over_package_and_fallback(calendar_file):
    # 2027 is not in the package yet: a Spring Festival week and a make-up Sunday entered by hand.
    path = calendar_file({"holidays": {f"2027-02-{d:02d}": "Spring Festival" for d in range(6, 14)},
                          "workdays": {"2027-02-14": "Spring Festival", "2026-10-11": "test make-up day"}})
    calendar = WorkingCalendar.from_file(path)
    assert len(calendar.entered_days) == 10
    assert calendar.describe_day(date(2027, 2, 8)) == (False, "Spring Festival", "entered")   # a Monday off
    assert calendar.describe_day(date(2027, 2, 14)) == (True, "Spring Festival", "entered")   # a Sunday at work
    assert calendar.is_working_day(date(2026, 10, 11)) is True                     # over the package's Sunday
    start = datetime(2027, 2, 5, 9, 0, tzinfo=CHINA)                               # Friday before the holiday
    assert calendar.add_working_days(start, 1).date() == date(2027, 2, 14)
    assert CALENDAR.is_working_day(date(2026, 10, 11)) is False                    # another calendar: untouched
    days = {d.date: d for d in calendar.special_days(2027)}
    assert days["2027-02-08"].source == "entered" and days["2027-10-01"].source == "fallback"


@pytest.mark.parametrize(("content", "problem"), [
    ({"holidays": {"2027-02-30": "x"}}, "'2027-02-30' is not an ISO date"),
    ({"holidays": {"2027-02-08": "x"}, "workdays": {"2027-02-08": "y"}}, "both a holiday and a working day"),
    ({"holiday": {}}, "expected an object"),
    ({"holidays": ["2027-02-08"]}, "must map ISO dates to names"),
])
def test_an_unusable_calendar_file_is_refused_and_the_old_days_stay(calendar_file, content, problem):
    calendar = WorkingCalendar.from_file(calendar_file({"holidays": {"2027-03-01": "kept"}}))
    assert len(calendar.entered_days) == 1
    with pytest.raises(CalendarFileInvalid, match=problem):
        WorkingCalendar.from_file(calendar_file(content))
    assert calendar.describe_day(date(2027, 3, 1)) == (False, "kept", "entered")
