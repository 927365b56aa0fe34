"""Following appraisal cycles (directors, managers, auditors: the dashboard right)."""

from __future__ import annotations

from ..appraisal import dashboard
from ..appraisal.views import CycleDashboard, CycleSummary
from ..org.people import Caller, acting
from .core import Area


class Appraisal(Area):
    def cycles(self, by: Caller) -> list[CycleSummary]:
        """Appraisal cycles, newest first."""
        with self.core.reading() as session:
            return dashboard.list_cycles(session, acting(session, by))

    def dashboard(self, by: Caller, period: str) -> CycleDashboard:
        """Stages, overdue steps and grades of a cycle; the rows are those of the appraisals ``by`` may see
        (the counts cover the whole cycle)."""
        with self.core.reading() as session:
            return dashboard.cycle_dashboard(session, self.collaborators.catalog, acting(session, by), period,
                                             self.collaborators.clock())
