"""Office hours on the working-day calendar: how many working hours lie between two moments, and when a
given number of working hours ends.

The engine's calendar knows working days only (whole days, China time); a person works on a working day
between the scenario's office hours (default 09:00-18:00 China time). Simulated people work then only.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from ..calendar import CHINA, WorkingCalendar

DEFAULT_OFFICE_HOURS = (9.0, 18.0)


class OfficeHours:
    """Working time: the office hours of the calendar's working days (China time)."""

    def __init__(self, calendar: WorkingCalendar, hours: tuple[float, float] = DEFAULT_OFFICE_HOURS) -> None:
        if not 0 <= hours[0] < hours[1] <= 24:
            raise ValueError(f"office hours must be 0 <= start < end <= 24, not {hours}")
        self.calendar = calendar
        self.hours = hours
        self._working: dict[date, bool] = {}

    def working(self, day: date) -> bool:
        known = self._working.get(day)
        if known is None:
            known = self._working[day] = self.calendar.working(day)
        return known

    def _window(self, day: date) -> tuple[datetime, datetime]:
        midnight = datetime.combine(day, time(0), CHINA)
        return midnight + timedelta(hours=self.hours[0]), midnight + timedelta(hours=self.hours[1])

    def between(self, start: datetime, end: datetime) -> float:
        """Working hours between ``start`` and ``end`` (0 when end is not after start)."""
        if end <= start:
            return 0.0
        total = 0.0
        day = start.astimezone(CHINA).date()
        last = end.astimezone(CHINA).date()
        while day <= last:
            if self.working(day):
                opens, closes = self._window(day)
                lo, hi = max(opens, start), min(closes, end)
                if hi > lo:
                    total += (hi - lo).total_seconds() / 3600
            day += timedelta(days=1)
        return total

    def next_open(self, moment: datetime) -> datetime:
        """``moment`` if people work then, else when they next start working."""
        day = moment.astimezone(CHINA).date()
        for _ in range(3660):
            if self.working(day):
                opens, closes = self._window(day)
                if moment < closes:
                    return max(opens, moment).astimezone(UTC)
            day += timedelta(days=1)
        raise ValueError("no working day within ten years")

    def add(self, start: datetime, hours: float) -> datetime:
        """When ``hours`` of working time, begun at ``start`` (or the next opening), are done."""
        moment = self.next_open(start)
        left = max(0.0, hours)
        while True:
            closes = self._window(moment.astimezone(CHINA).date())[1]
            room = (closes - moment).total_seconds() / 3600
            if left <= room:
                return (moment + timedelta(hours=left)).astimezone(UTC)
            left -= room
            moment = self.next_open(closes)
