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
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from functools import partial
from typing import Protocol, TypeVar

from sqlalchemy.orm import Session

from ..errors import Conflict, Unavailable
from ..runtime import request_keys
from ..runtime.collaborators import Collaborators
from .handlers import ensure_checkpoint_job, ensure_directory_sync_job, run_job
from .heartbeat import Heartbeat
from .jobs import LeasedJob, fail_job, finish_job, lease_jobs, release_job

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass
class WorkerReport:
    done: int = 0
    retried: int = 0
    incidents: int = 0
    conflicts: int = 0
    unavailable: int = 0  # jobs left to their lease because the database took no writes
    errors: list[str] = field(default_factory=list)
    leased: list[LeasedJob] = field(default_factory=list)  # leased by the job's own transaction: to run next

    def add(self, other: WorkerReport) -> None:
        self.done += other.done
        self.retried += other.retried
        self.incidents += other.incidents
        self.conflicts += other.conflicts
        self.unavailable += other.unavailable
        self.errors += other.errors


class TransactionSource(Protocol):
    """What the worker needs of the engine (``Engine.core``): its collaborators, one transaction at a time,
    and the planner's statistics refreshed."""

    collaborators: Collaborators

    def transaction(self) -> AbstractContextManager[Session]: ...

    def refresh_statistics(self) -> None: ...

    def keep_heatmaps(self) -> int: ...


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


STATISTICS_EVERY = 3600.0  # seconds
HEAT_EVERY = 10.0  # seconds between catching up the kept heatmap parts
MAX_YIELD = 0.1  # SQLite: the most a worker leaves the write lock to others after a long job (as long as it took)
FIRST_BACKOFF = 1.0  # seconds to wait after the database first refuses writes; doubled up to MAX_BACKOFF
MAX_BACKOFF = 60.0


class Worker:
    def __init__(self, engine: TransactionSource, worker_id: str | None = None, slots: int = 4,
                 first_backoff: float = FIRST_BACKOFF) -> None:
        self.engine = engine
        self.worker_id = worker_id or default_worker_id()
        self.slots = max(1, slots)
        self.heartbeat = Heartbeat(self.worker_id, self.slots)
        self.first_backoff = first_backoff
        self.backoff: Backoff | None = None  # while ``run_forever`` runs: its waits for writes to be taken
        self.quiet_until = 0.0  # SQLite: no job begins before then (monotonic), so people's steps get the lock

    def lease(self, limit: int) -> list[LeasedJob]:
        with self.engine.transaction() as session:
            now = self.engine.collaborators.clock()
            self.heartbeat.beat(session, now)  # the operations page lists the workers seen recently
            return lease_jobs(session, self.worker_id, limit, now)

    def run_job(self, job: LeasedJob, lease_next: bool = False) -> WorkerReport:
        """Apply one job and mark it done in one transaction; on failure retry or raise an incident.

        ``lease_next``: the same transaction leases the next due job for the slot it frees (``report.leased``),
        one write and one commit fewer per job than leasing apart (a cycle's opening: a batch after another).
        """
        report = WorkerReport()
        collaborators = self.engine.collaborators
        time.sleep(max(0.0, self.quiet_until - time.monotonic()))
        began = time.monotonic()
        try:
            with self.engine.transaction() as session:
                now = collaborators.clock()
                run_job(session, collaborators, job, now)
                finish_job(session, job.id, self.worker_id, now)
                if lease_next:
                    self.heartbeat.beat(session, now)
                    leased = lease_jobs(session, self.worker_id, 1, now)
                one_writer = session.get_bind().dialect.name == "sqlite"
            if one_writer:  # jobs back to back (a cycle's batches) hold SQLite's one write lock at most half the time
                took = time.monotonic() - began
                self.quiet_until = max(self.quiet_until, time.monotonic() + min(took, MAX_YIELD))
            report.done += 1
            report.leased = leased if lease_next else []
            return report
        except Conflict as exc:  # the instance moved meanwhile: run again at once, no attempt used
            log.info("job %s (%s) met a conflict: %s", job.id, job.kind, exc.message)
            with self.engine.transaction() as session:
                release_job(session, job.id, self.worker_id)
            report.conflicts += 1
            return report
        except Unavailable as exc:  # nothing can be recorded: the lease ends and the job runs again later
            log.warning("job %s (%s) not run: %s", job.id, job.kind, exc.message)
            report.unavailable += 1
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

    def _keep_heatmaps(self) -> None:
        try:
            self.engine.keep_heatmaps()
        except Exception as exc:  # housekeeping: a look works the numbers out anyway
            log.warning("keeping the heatmaps failed: %s", exc)

    def _refresh_statistics(self) -> None:
        try:
            self.engine.refresh_statistics()
            with self.engine.transaction() as session:  # and the request keys whose 24 hours are over
                request_keys.forget_old(session, self.engine.collaborators.clock())
        except Exception as exc:  # housekeeping: never stop the worker for it
            log.warning("the hourly housekeeping (statistics, old request keys) failed: %s", exc)

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
        hour, the query planner's statistics are refreshed (``Core.refresh_statistics``); every ``HEAT_EVERY`` seconds
        the kept heatmap parts catch up (``Core.keep_heatmaps``).
        """
        stop = stop or threading.Event()
        backoff = self.backoff = Backoff(stop, self.first_backoff)
        while not stop.is_set() and backoff.attempt(self._plan_checkpoints) is None:
            pass
        in_flight: set[Future[WorkerReport]] = set()
        next_statistics = time.monotonic() + STATISTICS_EVERY
        next_heat = time.monotonic()
        with ThreadPoolExecutor(max_workers=self.slots, thread_name_prefix="opsflow-job") as pool:
            while not stop.is_set():
                if time.monotonic() >= next_statistics:
                    next_statistics = time.monotonic() + STATISTICS_EVERY
                    self._refresh_statistics()
                if time.monotonic() >= next_heat:
                    next_heat = time.monotonic() + HEAT_EVERY
                    self._keep_heatmaps()
                ended = {f for f in in_flight if f.done()}
                in_flight -= ended
                for job in [j for f in ended if f.exception() is None for j in f.result().leased]:
                    in_flight.add(pool.submit(self.run_job, job, True))  # leased as its slot freed
                free = self.slots - len(in_flight)
                batch = backoff.attempt(partial(self.lease, free)) if free > 0 else []
                if batch is None:
                    continue  # the database takes no writes: waited, now try again
                for job in batch:
                    in_flight.add(pool.submit(self.run_job, job, True))
                if in_flight and (len(in_flight) >= self.slots or not batch):
                    # a slot frees when a job ends, and a job may leave work due at once (the next batch of a
                    # cycle's opening): that job's transaction leased it, or the loop leases again at once
                    wait(in_flight, timeout=poll_seconds, return_when=FIRST_COMPLETED)
                elif not batch:
                    stop.wait(poll_seconds)
            wait(in_flight)
            self._give_back([j for f in in_flight if f.exception() is None for j in f.result().leased])

    def _give_back(self, jobs: list[LeasedJob]) -> None:
        """Jobs leased for the next turn of a worker that stops: due again at once, for another worker."""
        for job in jobs:
            try:
                with self.engine.transaction() as session:
                    release_job(session, job.id, self.worker_id)
            except Exception as exc:  # its lease ends by itself
                log.warning("job %s not given back: %s", job.id, exc)

    def _plan_checkpoints(self) -> bool:
        with self.engine.transaction() as session:
            ensure_checkpoint_job(session, self.engine.collaborators.clock())
            ensure_directory_sync_job(session, self.engine.collaborators, self.engine.collaborators.clock())
        return True


class Backoff:
    """Waits, longer each time (up to ``MAX_BACKOFF``), while the database takes no writes (read-only, full):
    the worker stays up and resumes by itself once writes are taken again."""

    def __init__(self, stop: threading.Event, first: float = FIRST_BACKOFF) -> None:
        self.stop = stop
        self.first = first
        self.wait = 0.0
        self.waits = 0  # how many times it has waited (operators read it in the log; tests see it here)

    def attempt(self, write: Callable[[], T]) -> T | None:
        """What ``write`` returns; None (after waiting) when the database refused it."""
        try:
            result = write()
        except Unavailable as exc:
            self.wait = min(MAX_BACKOFF, self.wait * 2 or self.first)
            self.waits += 1
            log.warning("the database takes no writes (%s); trying again in %.1f s", exc.reason, self.wait)
            self.stop.wait(self.wait)
            return None
        if self.wait:
            log.warning("the database takes writes again; the worker goes on")
        self.wait = 0.0
        return result
