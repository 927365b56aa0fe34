"""Working-day arithmetic on the Chinese calendar (public holidays and make-up working days).

Holiday data comes from the ``chinesecalendar`` package, which is updated each year when the
State Council publishes the next year's arrangement. For a year it does not know yet, the
calendar falls back to Monday-Friday less the fixed-date holidays, and logs a warning once per year.

Durations are ISO-8601 (``P5D``, ``PT2S``, ``P1DT12H``, ``P2W``): the day part counts
**working days** (a week is five), the time part is plain elapsed time.
"""

from __future__ import annotations

import logging
import re
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import chinese_calendar

log = logging.getLogger(__name__)
CHINA = ZoneInfo("Asia/Shanghai")
_DURATION = re.compile(
    r"^P(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?$"
)
_unknown_years_warned: set[int] = set()
# Statutory holidays on fixed dates, used only for years the package has no data for yet
# (New Year's Day, Labour Day, National Day). Lunar holidays cannot be guessed this way.
FIXED_DATE_HOLIDAYS = frozenset({(1, 1), (5, 1), (10, 1), (10, 2), (10, 3)})


class DurationInvalid(ValueError):
    """Not an ISO-8601 duration this calendar understands."""


def parse_duration(text: str) -> tuple[int, timedelta]:
    """Split an ISO-8601 duration into (working days, elapsed time).

    :raise DurationInvalid: for years or months (their length in working days is ambiguous),
        or anything that is not a duration.
    """
    match = _DURATION.match(text.strip()) if isinstance(text, str) else None
    if not match or text.strip() in ("P", "PT") or text.strip().endswith("T"):
        raise DurationInvalid(f"{text!r} is not an ISO-8601 duration of weeks, days, hours, minutes or seconds")
    parts = {k: int(v) if v else 0 for k, v in match.groupdict().items()}
    working_days = parts["weeks"] * 5 + parts["days"]
    return working_days, timedelta(hours=parts["hours"], minutes=parts["minutes"], seconds=parts["seconds"])


@lru_cache(maxsize=4096)
def is_working_day(day: date) -> bool:
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        if day.year not in _unknown_years_warned:
            _unknown_years_warned.add(day.year)
            log.warning("no holiday data for %s yet: counting Monday to Friday, less the fixed-date holidays, "
                        "as working days (update the chinesecalendar package)", day.year)
        return day.weekday() < 5 and (day.month, day.day) not in FIXED_DATE_HOLIDAYS


def add_working_days(start: datetime, days: int) -> datetime:
    """The same local (China) time of day, ``days`` working days after ``start``'s date."""
    local = start.astimezone(CHINA)
    day = local.date()
    remaining = days
    while remaining > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return datetime.combine(day, local.timetz()).astimezone(start.tzinfo)


def deadline(start: datetime, duration: str) -> datetime:
    """``start`` plus an ISO-8601 duration whose days are working days."""
    working_days, elapsed = parse_duration(duration)
    return add_working_days(start, working_days) + elapsed


def first_working_day(year: int, month: int) -> date:
    day = date(year, month, 1)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day
