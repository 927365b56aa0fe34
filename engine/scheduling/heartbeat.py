"""Workers seen recently: each worker writes a heartbeat row as it polls the job table.

The row is written in the worker's lease transaction, at most every ``BEAT_EVERY``, so an idle
worker polling every second costs one small write per ten seconds. The operations page lists the
workers seen within ``SEEN_RECENTLY`` with the jobs each holds now.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from ..clock import aware_utc, utc_iso
from ..models import Job, WorkerHeartbeat
from .views import WorkerSeen

BEAT_EVERY = timedelta(seconds=10)
SEEN_RECENTLY = timedelta(minutes=5)
FORGET_AFTER = timedelta(days=7)  # rows of workers gone this long are dropped when a new one starts


class Heartbeat:
    """One worker's heartbeat; ``beat`` is called in every lease transaction and writes when due."""

    def __init__(self, worker_id: str, slots: int) -> None:
        self.worker_id = worker_id
        self.slots = slots
        self._last: datetime | None = None

    def beat(self, session: Session, now: datetime) -> None:
        if self._last is not None and now - self._last < BEAT_EVERY:
            return
        result = session.execute(update(WorkerHeartbeat).where(WorkerHeartbeat.worker_id == self.worker_id)
                                 .values(seen_at=now, slots=self.slots).execution_options(synchronize_session=False))
        if result.rowcount == 0:  # type: ignore[attr-defined]
            session.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.seen_at < now - FORGET_AFTER)
                            .execution_options(synchronize_session=False))
            session.add(WorkerHeartbeat(worker_id=self.worker_id, slots=self.slots, started_at=now, seen_at=now))
        self._last = now


def recent_workers(session: Session, now: datetime, since: timedelta = SEEN_RECENTLY) -> list[WorkerSeen]:
    """Workers seen within ``since``, most recently seen first, with how many jobs each holds now."""
    rows = session.scalars(select(WorkerHeartbeat).where(WorkerHeartbeat.seen_at >= now - since)
                           .order_by(WorkerHeartbeat.seen_at.desc(), WorkerHeartbeat.worker_id)).all()
    held = dict(session.execute(
        select(Job.locked_by, func.count()).where(Job.state == "pending", Job.locked_until > now,
                                                  Job.locked_by.in_([r.worker_id for r in rows]))
        .group_by(Job.locked_by)).tuples().all()) if rows else {}
    return [WorkerSeen(r.worker_id, r.slots, utc_iso(r.started_at), utc_iso(r.seen_at),
                       int((now - aware_utc(r.seen_at)).total_seconds()), int(held.get(r.worker_id, 0))) for r in rows]
