"""The working-day calendar: what the engine counts, and the days admins enter."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from ..calendar import SpecialDay, read_calendar_file
from ..org.people import Caller, Person, acting
from ..scheduling import calendar_days
from .core import Area


class Calendar(Area):
    def year(self, year: int) -> list[SpecialDay]:
        """The days of ``year`` that differ from a plain week (entered ones included), with their source."""
        self.collaborators.calendar.refresh()
        return self.collaborators.calendar.special_days(year)

    def enter_day(self, by: Person, day: date, working: bool, name: str) -> bool:
        """A holiday or a make-up working day (the edit-calendar right); it counts on every node within a
        minute. Whether anything changed."""
        with self.core.transaction() as session:
            changed = calendar_days.enter_day(session, acting(session, by), day, working, name,
                                              self.collaborators.clock())
        self.collaborators.calendar.refresh()
        return changed

    def remove_day(self, by: Person, day: date) -> bool:
        with self.core.transaction() as session:
            removed = calendar_days.remove_day(session, acting(session, by), day)
        self.collaborators.calendar.refresh()
        return removed

    def import_file(self, by: Caller, path: Path, replace: bool = False) -> int:
        """Enter the days of a calendar file (``engine.calendar.read_calendar_file``); how many changed.
        Days already entered are kept unless ``replace``.

        :raise CalendarFileInvalid: naming the entry that cannot be used; nothing is entered then.
        """
        days = read_calendar_file(path)
        with self.core.transaction() as session:
            changed = calendar_days.import_days(session, acting(session, by), days, self.collaborators.clock(),
                                                replace)
        self.collaborators.calendar.refresh()
        return changed
