"""Working-day arithmetic on the Chinese calendar (public holidays and make-up working days).

Holiday data comes from the ``chinesecalendar`` package, which is updated each year when the
State Council publishes the next year's arrangement. Until a release carries a new year, an operator
can enter it (``opsflow calendar set``, the admins' calendar page, or an import of a file like
``data/calendar.json``); the entered days are kept in the database and win over the package. For a
year neither knows, the calendar falls back to Monday-Friday less the fixed-date holidays, and
logs a warning once per year.

A ``WorkingCalendar`` is a collaborator of the engine: the composition root builds one and hands
it to what counts working days (due windows, schedules, scripts' ``working_deadline``). It reads
the entered days from its ``source`` and reads them again at most every ``refresh_seconds``, so a
day entered on one node counts on every node within that time.

Durations are ISO-8601 (``P5D``, ``PT2S``, ``P1DT12H``, ``P2W``): the day part counts
**working days** (a week is five), the time part is plain elapsed time.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

import chinese_calendar

log = logging.getLogger(__name__)
CHINA = ZoneInfo("Asia/Shanghai")
_DURATION = re.compile(
    r"^P(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?$"
)
_unknown_years_warned: set[int] = set()  # process-wide: the warning is about the package, said once
# Statutory holidays on fixed dates, used only for years the package has no data for yet
# (New Year's Day, Labour Day, National Day). Lunar holidays cannot be guessed this way.
FIXED_DATE_HOLIDAYS = {(1, 1): "New Year's Day", (5, 1): "Labour Day", (10, 1): "National Day",
                       (10, 2): "National Day", (10, 3): "National Day"}

DaySource = Literal["entered", "package", "fallback"]
EnteredDays = dict[date, tuple[bool, str]]  # date -> (is a working day, name)


@dataclass(frozen=True, slots=True)
class SpecialDay:
    """A day that differs from a plain Monday-Friday week, or carries a holiday's name, and where that comes
    from (``date`` in ISO 8601, ``weekday`` abbreviated in English)."""

    date: str
    weekday: str
    working: bool
    name: str
    source: DaySource


class DurationInvalid(ValueError):
    """Not an ISO-8601 duration this calendar understands."""


class CalendarFileInvalid(ValueError):
    """The operator's calendar file cannot be used; the message names the entry."""


def read_calendar_file(path: Path) -> EnteredDays:
    """Parse ``{"holidays": {"2027-02-06": "Spring Festival", ...}, "workdays": {"2027-02-14": "..."}}``.

    ``holidays`` are days off (even on a weekday), ``workdays`` are make-up working days (even on
    a weekend). A day in both, an unknown key or a malformed date is refused.
    """
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise CalendarFileInvalid(f"{path}: {exc}") from exc
    if not isinstance(raw, dict) or set(raw) - {"holidays", "workdays", "comment"}:
        raise CalendarFileInvalid(f"{path}: expected an object with 'holidays' and 'workdays'")
    days: EnteredDays = {}
    for key, working in (("holidays", False), ("workdays", True)):
        entries = raw.get(key, {})
        if not isinstance(entries, dict):
            raise CalendarFileInvalid(f"{path}: '{key}' must map ISO dates to names")
        for text, name in entries.items():
            try:
                day = date.fromisoformat(text)
            except ValueError as exc:
                raise CalendarFileInvalid(f"{path}: {key}: {text!r} is not an ISO date (YYYY-MM-DD)") from exc
            if day in days:
                raise CalendarFileInvalid(f"{path}: {text} is both a holiday and a working day")
            days[day] = (working, str(name))
    return days


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


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def is_window_literal(text: str) -> bool:
    """Whether a step's ``dueWindow`` is the window itself (``P3D``, ``2027-01-15``) rather than the path of the data
    that holds it (``start.scoring_window``)."""
    stripped = text.strip() if isinstance(text, str) else ""
    return stripped.startswith("P") or bool(_DATE.match(stripped))


def window_date(window: str) -> date | None:
    """The last day a window names (``2027-01-15``), None when it is a duration.

    :raise DurationInvalid: a date that does not exist (2027-02-30).
    """
    text = window.strip() if isinstance(window, str) else ""
    if not _DATE.match(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise DurationInvalid(f"{text!r} is not a date") from exc


def end_of_day(day: date) -> datetime:
    """The last minute of ``day`` in China time (23:59): a step due "on the 15th" may be done all that day."""
    return datetime.combine(day, datetime.min.time(), CHINA).replace(hour=23, minute=59)


class WorkingCalendar:
    """Working days: the package's holiday data, overridden by the days an operator entered."""

    def __init__(self, entered_days: EnteredDays | None = None, source: Callable[[], EnteredDays] | None = None,
                 refresh_seconds: float = 60.0) -> None:
        self.entered_days = dict(entered_days or {})
        self.is_working_day = lru_cache(maxsize=4096)(self._is_working_day)
        self._source = source
        self._refresh_seconds = refresh_seconds
        self._next_read = 0.0
        self._lock = threading.Lock()

    def refresh(self) -> None:
        """Read the entered days from the source now (after a change on this node)."""
        if self._source is None:
            return
        days = self._source()
        with self._lock:
            self.entered_days = days
            self.is_working_day.cache_clear()
            self._next_read = time.monotonic() + self._refresh_seconds

    def _current(self) -> None:
        if self._source is not None and time.monotonic() >= self._next_read:
            self.refresh()

    @classmethod
    def from_file(cls, path: Path) -> WorkingCalendar:
        """The calendar with the days of an operator's calendar file (a missing file means none).

        :raise CalendarFileInvalid: naming the entry that cannot be used.
        """
        return cls(read_calendar_file(path) if path.exists() else {})

    def _is_working_day(self, day: date) -> bool:
        return self.describe_day(day)[0]

    def working(self, day: date) -> bool:
        """Whether ``day`` is a working day (the entered days read again when they may have changed)."""
        self._current()
        return bool(self.is_working_day(day))

    def describe_day(self, day: date) -> tuple[bool, str, DaySource]:
        """Whether ``day`` is a working day, the holiday's name (or ""), and where that comes from."""
        self._current()
        if day in self.entered_days:
            working, name = self.entered_days[day]
            return working, name, "entered"
        try:
            holiday, name = chinese_calendar.get_holiday_detail(day)
            return not holiday, name or "", "package"
        except NotImplementedError:
            if day.year not in _unknown_years_warned:
                _unknown_years_warned.add(day.year)
                log.warning("no holiday data for %s yet: counting Monday to Friday, less the fixed-date holidays, "
                            "as working days (enter the year's days with opsflow calendar-day or on the calendar page, "
                            "or update chinesecalendar)",
                            day.year)
            name = FIXED_DATE_HOLIDAYS.get((day.month, day.day), "")
            return day.weekday() < 5 and not name, name, "fallback"

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """The same local (China) time of day, ``days`` working days after ``start``'s date."""
        local = start.astimezone(CHINA)
        day = local.date()
        remaining = days
        while remaining > 0:
            day += timedelta(days=1)
            if self.working(day):
                remaining -= 1
        return datetime.combine(day, local.timetz()).astimezone(start.tzinfo)

    def deadline(self, start: datetime, duration: str) -> datetime:
        """``start`` plus an ISO-8601 duration whose days are working days; or, for a date (``2027-01-15``,
        picked in the web), the end of that day in China time, whenever the step starts.

        :raise DurationInvalid: see :func:`parse_duration` (and for a date that does not exist).
        """
        last_day = window_date(duration)
        if last_day is not None:
            return end_of_day(last_day).astimezone(start.tzinfo)
        working_days, elapsed = parse_duration(duration)
        return self.add_working_days(start, working_days) + elapsed

    def first_working_day(self, year: int, month: int) -> date:
        day = date(year, month, 1)
        while not self.working(day):
            day += timedelta(days=1)
        return day

    def special_days(self, year: int) -> list[SpecialDay]:
        """The days of ``year`` that differ from a plain Monday-Friday week, or carry a holiday's name."""
        days = []
        day = date(year, 1, 1)
        while day.year == year:
            working, name, source = self.describe_day(day)
            if working != (day.weekday() < 5) or name:
                days.append(SpecialDay(day.isoformat(), day.strftime("%a"), working, name, source))
            day += timedelta(days=1)
        return days
