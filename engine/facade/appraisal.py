"""Following appraisal cycles (directors, managers, auditors: the dashboard right)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from ..appraisal import dashboard
from ..org.people import load_actor
from ..org.rights import Right, holds, require
from .base import EngineBase


class AppraisalUseCases(EngineBase):
    def may_see_dashboard(self, username: str) -> bool:
        """Directors and managers (and auditors) follow appraisal cycles."""
        with self.reading() as session:
            return holds(load_actor(session, username), Right.SEE_DASHBOARD)

    @staticmethod
    def _require_dashboard(session: Session, username: str | None) -> None:
        if username is not None:
            require(load_actor(session, username), Right.SEE_DASHBOARD, "see the cycle dashboard")

    def cycles(self, username: str | None = None) -> list[dict[str, Any]]:
        """Appraisal cycles, newest first; with ``username``, for those who may see the dashboard."""
        with self.reading() as session:
            self._require_dashboard(session, username)
            return dashboard.list_cycles(session)

    def cycle_dashboard(self, period: str, username: str | None = None) -> dict[str, Any]:
        """Stages, overdue steps and grades of a cycle; with ``username``, for managers and directors, whose
        rows are those of the appraisals they may see (the counts cover the whole cycle)."""
        with self.reading() as session:
            self._require_dashboard(session, username)
            viewer = load_actor(session, username) if username is not None else None
            return dashboard.cycle_dashboard(session, period, self.collaborators.clock(), viewer)
