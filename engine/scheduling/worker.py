"""The worker: leases due jobs, runs each in its own transaction, retries, raises incidents.

``run_once`` does what is due now and returns (for tests and cron); ``run_forever`` polls,
keeping at most ``slots`` jobs in flight and leasing no more than its free slots.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy.orm import Session

from ..errors import Conflict
from ..runtime.collaborators import Collaborators
from .handlers import ensure_checkpoint_job, ensure_directory_sync_job, run_job
from .heartbeat import Heartbeat
from .jobs import LeasedJob, fail_job, finish_job, lease_jobs, release_job

log = logging.getLogger(__name__)


@dataclass
class WorkerReport:
    done: int = 0
    retried: int = 0
    incidents: int = 0
    conflicts: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, other: WorkerReport) -> None:
        self.done += other.done
        self.retried += other.retried
        self.incidents += other.incidents
        self.conflicts += other.conflicts
        self.errors += other.errors


class TransactionSource(Protocol):
    """What the worker needs of the engine (``Engine.core``): its collaborators, one transaction at a time,
    and the planner's statistics refreshed."""

    collaborators: Collaborators

    def transaction(self) -> AbstractContextManager[Session]: ...

    def refresh_statistics(self) -> None: ...


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


STATISTICS_EVERY = 3600.0  # seconds


class Worker:
    def __init__(self, engine: TransactionSource, worker_id: str | None = None, slots: int = 4) -> None:
        self.engine = engine
        self.worker_id = worker_id or default_worker_id()
        self.slots = max(1, slots)
        self.heartbeat = Heartbeat(self.worker_id, self.slots)

    def lease(self, limit: int) -> list[LeasedJob]:
        with self.engine.transaction() as session:
            now = self.engine.collaborators.clock()
            self.heartbeat.beat(session, now)  # the operations page lists the workers seen recently
            return lease_jobs(session, self.worker_id, limit, now)

    def run_job(self, job: LeasedJob) -> WorkerReport:
        """Apply one job and mark it done in one transaction; on failure retry or raise an incident."""
        report = WorkerReport()
        collaborators = self.engine.collaborators
        try:
            with self.engine.transaction() as session:
                now = collaborators.clock()
                run_job(session, collaborators, job, now)
                finish_job(session, job.id, self.worker_id, now)
            report.done += 1
            return report
        except Conflict as exc:  # the instance moved meanwhile: run again at once, no attempt used
            log.info("job %s (%s) met a conflict: %s", job.id, job.kind, exc.message)
            with self.engine.transaction() as session:
                release_job(session, job.id, self.worker_id)
            report.conflicts += 1
            return report
        except Exception as exc:  # any failure of a job is retried, then shown as an incident
            message = f"{type(exc).__name__}: {exc}"
            log.warning("job %s (%s) failed: %s", job.id, job.kind, message)
        with self.engine.transaction() as session:
            state = fail_job(session, job, self.worker_id, message, collaborators.clock())
        if state == "incident":
            report.incidents += 1
        else:
            report.retried += 1
        report.errors.append(f"job {job.id}: {message}")
        return report

    def _refresh_statistics(self) -> None:
        try:
            self.engine.refresh_statistics()
        except Exception as exc:  # statistics are an optimisation: never stop the worker for them
            log.warning("refreshing the planner statistics failed: %s", exc)

    def run_once(self, max_jobs: int | None = None) -> WorkerReport:
        """Run every job that is due now (up to ``max_jobs``), ``slots`` jobs at a time in parallel."""
        report = WorkerReport()
        with ThreadPoolExecutor(max_workers=self.slots, thread_name_prefix="opsflow-job") as pool:
            while max_jobs is None or report.done + report.retried + report.incidents < max_jobs:
                batch = self.lease(self.slots)
                if not batch:
                    break
                for result in pool.map(self.run_job, batch):
                    report.add(result)
        return report

    def run_forever(self, poll_seconds: float = 1.0, stop: threading.Event | None = None) -> None:
        """Run jobs until ``stop`` is set; then finish the jobs in flight (their leases end with them).

        The recurring checkpoint job (and the directory import, when set up) is planned first if none is; once an
        hour, the query planner's statistics are refreshed (``Core.refresh_statistics``).
        """
        stop = stop or threading.Event()
        with self.engine.transaction() as session:
            ensure_checkpoint_job(session, self.engine.collaborators.clock())
            ensure_directory_sync_job(session, self.engine.collaborators, self.engine.collaborators.clock())
        in_flight: set[Future[WorkerReport]] = set()
        next_statistics = time.monotonic() + STATISTICS_EVERY
        with ThreadPoolExecutor(max_workers=self.slots, thread_name_prefix="opsflow-job") as pool:
            while not stop.is_set():
                if time.monotonic() >= next_statistics:
                    next_statistics = time.monotonic() + STATISTICS_EVERY
                    self._refresh_statistics()
                in_flight = {f for f in in_flight if not f.done()}
                free = self.slots - len(in_flight)
                batch = self.lease(free) if free > 0 else []
                for job in batch:
                    in_flight.add(pool.submit(self.run_job, job))
                if not batch:
                    stop.wait(poll_seconds)
