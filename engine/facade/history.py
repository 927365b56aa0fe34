"""Checking and replaying history."""

from __future__ import annotations

from ..history.verify import ChainProblem, verify
from .base import EngineBase


class HistoryUseCases(EngineBase):
    def verify(self, instance_id: int | None = None) -> tuple[int, list[ChainProblem]]:
        """Recompute the hash chains of one instance (or all): how many were checked, what is broken."""
        with self.reading() as session:
            return verify(session, instance_id)
