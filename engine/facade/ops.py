"""Operating the engine: the operations page (incidents, jobs, workers, sign-in guessing), retries,
cancelling a stuck instance, and scheduled starts."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from ..errors import Conflict
from ..history import backup, publish, rollback
from ..history.backup import BackupManifest
from ..history.restore import RestoreResult, restore
from ..org.people import Caller, Operator, Person, acting
from ..runtime.views import Cancelled
from ..scheduling import heartbeat, operations, publishing, schedules
from ..scheduling.views import (
    DismissedJob,
    Incident,
    IncidentDetail,
    OperationsOverview,
    RetriedJob,
    ScheduleAdded,
    ScheduleEntry,
)
from .core import Area

WORKER_RUNNING = timedelta(seconds=30)  # a worker seen this recently is taken to be running


class Ops(Area):
    def overview(self, by: Person) -> OperationsOverview:
        """What an operator watches: incidents, pending and leased jobs, the workers seen recently, and the
        accounts whose sign-ins were refused lately (the operate right)."""
        with self.core.reading() as session:
            return operations.overview(session, acting(session, by), self.collaborators.clock())

    def incidents(self, by: Caller) -> list[Incident]:
        """Jobs that failed after their last attempt."""
        with self.core.reading() as session:
            return operations.incidents(session, acting(session, by))

    def job_counts(self, by: Caller) -> dict[str, int]:
        with self.core.reading() as session:
            return operations.job_counts(session, acting(session, by))

    def incident(self, by: Person, job_id: int) -> IncidentDetail:
        """One incident with its error, and its instance with the instance's history (when it has one)."""
        with self.core.reading() as session:
            return operations.show_incident(session, acting(session, by), job_id)

    def retry(self, by: Caller, job_id: int) -> RetriedJob:
        """Run an incident's job again (the operate right)."""
        with self.core.transaction() as session:
            return operations.retry(session, acting(session, by), job_id, self.collaborators.clock())

    def dismiss(self, by: Caller, job_id: int, reason: str) -> DismissedJob:
        """Give up a failing notification job (an e-mail, a reminder, an escalation) with a reason (the operate
        right): nobody is told by it; who gave it up and why stay on the job."""
        with self.core.transaction() as session:
            return operations.dismiss(session, acting(session, by), job_id, reason, self.collaborators.clock())

    def cancel(self, by: Person, instance_id: int, reason: str) -> Cancelled:
        """Cancel an instance from the operations page: the operate right, then the cancel right, a reason."""
        with self.core.transaction() as session:
            return operations.cancel(session, self.collaborators, acting(session, by), instance_id, reason)

    # -- scheduled starts --------------------------------------------------------------------
    def add_schedule(self, by: Person, process_key: str, cadence: str,
                     data: dict[str, Any] | None = None) -> ScheduleAdded:
        """Start ``process_key`` as ``by`` every period (who must be allowed to start it)."""
        with self.core.transaction() as session:
            return schedules.add_schedule(session, self.collaborators, acting(session, by), process_key, cadence,
                                          data, self.collaborators.clock())

    def schedules(self, by: Operator) -> list[ScheduleEntry]:
        with self.core.reading() as session:
            return schedules.list_schedules(session)

    def remove_schedule(self, by: Operator, schedule_id: int) -> None:
        with self.core.transaction() as session:
            schedules.remove_schedule(session, schedule_id)

    # -- backup and restore ------------------------------------------------------------------
    def backup(self, by: Operator, out: Path) -> BackupManifest:
        """Write a consistent backup of the database to ``out`` while the web and the worker run (SQLite's
        backup API; PostgreSQL's ``pg_dump``). :raise InvalidInput: no client tool, or the wrong version."""
        return backup.backup(self.core.db, out, self.collaborators.clock())

    def restore(self, by: Operator, file: Path, acknowledge_rollback: str | None = None,
                who: str = "operator") -> RestoreResult:
        """Put a backup back, all or nothing (stop the web and the worker first). A backup older than the latest
        signed checkpoint is refused unless ``acknowledge_rollback`` says why; then a signed rollback note by
        ``who`` and a checkpoint at the restored size are written.

        :raise RollbackRefused: :raise InvalidInput: :raise HistoryTampered:"""
        settings = self.collaborators.checkpoints
        found = backup.read_backup(file)
        with self.core.reading() as session:  # a running worker beats every 10 s (web nodes leave no trace)
            running = heartbeat.recent_workers(session, self.collaborators.clock(), WORKER_RUNNING)
        if running:
            raise Conflict(f"worker {running[0].worker_id} was seen {running[0].seconds_ago} s ago: stop the "
                           "workers and the web before a restore (nothing was changed)")
        last = rollback.last_stamp(settings)
        if last is not None and rollback.stamp(self.collaborators.clock()) <= last:
            time.sleep(1.1)  # the note must come after the newest checkpoint, to the second
        result = restore(self.core.db, settings, found, acknowledge_rollback, who, self.collaborators.clock())
        written = [Path(f).name for f in (result.note, result.checkpoint) if f]
        if written and publish.destinations(settings):  # the note and its checkpoint leave the server too
            with self.core.transaction() as session:
                for name in written:
                    publishing.schedule(session, settings, name, self.collaborators.clock())
        return result
