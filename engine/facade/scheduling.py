"""Jobs and incidents, schedules, notifications."""

from __future__ import annotations

from typing import Any

from ..scheduling import jobs, notifications, schedules
from .base import EngineBase


class SchedulingUseCases(EngineBase):
    def incidents(self) -> list[dict[str, Any]]:
        with self.reading() as session:
            return jobs.list_incidents(session)

    def retry(self, job_id: int) -> dict[str, Any]:
        with self.transaction() as session:
            return jobs.retry_incident(session, job_id, self.collaborators.clock())

    def job_counts(self) -> dict[str, int]:
        with self.reading() as session:
            return jobs.job_counts(session)

    def add_schedule(self, process_key: str, cadence: str, username: str,
                     data: dict[str, Any] | None = None) -> dict[str, Any]:
        with self.transaction() as session:
            return schedules.add_schedule(session, self.collaborators, process_key, cadence, username, data,
                                          self.collaborators.clock())

    def schedules(self) -> list[dict[str, Any]]:
        with self.reading() as session:
            return schedules.list_schedules(session)

    def remove_schedule(self, schedule_id: int) -> None:
        with self.transaction() as session:
            schedules.remove_schedule(session, schedule_id)

    def notifications(self, username: str, unread_only: bool = False) -> list[dict[str, Any]]:
        with self.reading() as session:
            return notifications.list_notifications(session, username, unread_only)

    def unread_count(self, username: str) -> int:
        with self.reading() as session:
            return notifications.unread_count(session, username)

    def open_notification(self, username: str, notification_id: int) -> dict[str, Any]:
        """A notification of the user's, marked read as it is opened."""
        with self.transaction() as session:
            return notifications.open_notification(session, username, notification_id, self.collaborators.clock())

    def mark_read(self, username: str, notification_id: int | None = None) -> int:
        with self.transaction() as session:
            return notifications.mark_read(session, username, self.collaborators.clock(), notification_id)
