"""Separation of duties (不相容职责分离): overriding a step's rule for one task, and the auditors' report."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..audit.sod_report import SodQuery, sod_findings
from ..audit.views import SodFinding
from ..org.people import Caller, Person, acting
from ..runtime.sod_override import override_separation
from ..runtime.views import SeparationOverridden
from .core import Area


class Separation(Area):
    def override(self, by: Person, task_id: int, reason: str) -> SeparationOverridden:
        """Let open task ``task_id`` be done by the person its ``notCompletedBy`` rule keeps away, with a reason
        (the override right: the director, admins); recorded on the request's history."""
        with self.core.transaction() as session:
            return override_separation(session, self.collaborators, acting(session, by), task_id, reason,
                                       self.collaborators.clock())

    def report(self, by: Caller, query: SodQuery | Mapping[str, Any]) -> list[SodFinding]:
        """Where one person did both sides of a rule, and every override, in the instances ``by`` may audit."""
        chosen = query if isinstance(query, SodQuery) else SodQuery.from_params(query)
        with self.core.reading() as session:
            return sod_findings(session, self.collaborators.catalog, acting(session, by), chosen)
