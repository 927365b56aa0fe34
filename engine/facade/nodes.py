"""What several nodes share: the session-signing secret, the health check, the entered calendar days."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import text

from .. import calendar_store, settings
from ..calendar import read_calendar_file
from ..db import refresh_statistics
from ..org.people import load_actor
from ..org.rights import Right, holds, require
from .base import EngineBase
from .org import INIT_DEPLOYER as OPERATOR

SESSION_KEY = "web_session_key"


class NodeUseCases(EngineBase):
    def shared_secret(self, key: str = SESSION_KEY) -> str:
        """A secret every node reads from the database (created by the first node that asks)."""
        with self.transaction() as session:
            return settings.shared_secret(session, key, self.collaborators.clock())

    def refresh_statistics(self) -> None:
        """Let the query planner see how the tables have grown (the worker calls this hourly)."""
        refresh_statistics(self.db)

    def healthy(self) -> dict[str, Any]:
        """Whether the database answers, and at which schema revision (raises when it does not answer)."""
        with self.reading() as session:
            session.execute(text("SELECT 1"))
            revision = session.execute(text("SELECT version_num FROM alembic_version")).scalar()
        return {"database": "ok", "schema": revision}

    def may_edit_calendar(self, username: str) -> bool:
        with self.reading() as session:
            return holds(load_actor(session, username), Right.EDIT_CALENDAR)

    def calendar_year(self, year: int) -> list[dict[str, object]]:
        """The days of ``year`` that differ from a plain week (entered ones included), with their source."""
        self.collaborators.calendar.refresh()
        return self.collaborators.calendar.special_days(year)

    def enter_calendar_day(self, day: date, working: bool, name: str, username: str) -> bool:
        """An admin enters a holiday or a make-up working day; it counts on every node within a minute."""
        with self.transaction() as session:
            actor = load_actor(session, username)
            require(actor, Right.EDIT_CALENDAR, "change the working-day calendar")
            changed = calendar_store.enter_day(session, day, working, name, actor.username,
                                               self.collaborators.clock())
        self.collaborators.calendar.refresh()
        return changed

    def remove_calendar_day(self, day: date, username: str) -> bool:
        with self.transaction() as session:
            require(load_actor(session, username), Right.EDIT_CALENDAR, "change the working-day calendar")
            removed = calendar_store.remove_day(session, day)
        self.collaborators.calendar.refresh()
        return removed

    def import_calendar(self, path: Path, username: str | None = None, replace: bool = False) -> int:
        """Enter the days of a calendar file (``engine.calendar.read_calendar_file``); return how many changed.

        ``username`` needs the edit-calendar right; None is the operator setting up (``opsflow init``).
        Days already entered are kept unless ``replace``.

        :raise CalendarFileInvalid: naming the entry that cannot be used; nothing is entered then.
        """
        days = read_calendar_file(path)
        with self.transaction() as session:
            by = OPERATOR
            if username is not None:
                actor = load_actor(session, username)
                require(actor, Right.EDIT_CALENDAR, "change the working-day calendar")
                by = actor.username
            changed = calendar_store.import_days(session, days, by, self.collaborators.clock(), replace)
        self.collaborators.calendar.refresh()
        return changed
