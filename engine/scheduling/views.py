"""What the scheduling use cases hand out: incidents, jobs, workers, the operations overview, schedules,
notifications.

Frozen dataclasses (none is a document of the REST API); ``engine.results.as_json`` turns each into the
JSON object the CLI prints, with the field names as keys. Times are ISO 8601 texts in UTC (``utc_iso``).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..org.views import SignInTarget
from ..runtime.views import HistoryEvent, InstanceDetail


@dataclass(frozen=True, slots=True)
class Incident:
    """A job that failed after its last attempt, as listed."""

    id: int
    kind: str
    instance_id: int | None
    attempts: int
    error: str | None
    due_at: str
    recipient: str | None = None  # whom a notification job was to tell


@dataclass(frozen=True, slots=True)
class IncidentDetail:
    """One incident with its whole error and what the job was to do; when it belongs to an instance, that
    instance and its history too."""

    id: int
    kind: str
    instance_id: int | None
    task_id: int | None
    attempts: int
    max_attempts: int
    error: str | None
    payload: dict[str, object]
    due_at: str
    created_at: str
    instance: InstanceDetail | None = None
    recipient: str | None = None  # whom a notification job was to tell
    dismissable: bool = False  # a notification job: an operator may give it up, with a reason
    history: list[HistoryEvent] | None = None


@dataclass(frozen=True, slots=True)
class OpenJob:
    """A pending job, with the worker leasing it now (if any) and until when."""

    id: int
    kind: str
    instance_id: int | None
    due_at: str
    attempts: int
    max_attempts: int
    last_error: str | None
    leased_by: str | None
    lease_until: str | None


@dataclass(frozen=True, slots=True)
class WorkerSeen:
    """A worker seen recently, with how many jobs it holds now out of its slots."""

    worker_id: str
    slots: int
    started_at: str
    seen_at: str
    seconds_ago: int
    jobs_held: int


@dataclass(frozen=True, slots=True)
class OperationsOverview:
    """What an operator watches: incidents, pending jobs (the soonest due), how many jobs are in each state,
    the workers seen recently, and the accounts whose sign-ins were refused lately."""

    incidents: list[Incident]
    jobs: list[OpenJob]
    counts: dict[str, int]  # by state
    workers: list[WorkerSeen]
    sign_in_targets: list[SignInTarget]


@dataclass(frozen=True, slots=True)
class DismissedJob:
    """A failing notification job an operator gave up, and why."""

    id: int
    kind: str
    recipient: str | None
    by: str
    reason: str


@dataclass(frozen=True, slots=True)
class RetriedJob:
    id: int
    kind: str
    state: str  # "pending": due at once, from its first attempt


@dataclass(frozen=True, slots=True)
class ScheduleEntry:
    """A schedule as listed: whose starts (``owner``), with which start data, next run when."""

    id: int
    process: str
    cadence: str
    owner: str
    data: dict[str, object]
    next_run_at: str


@dataclass(frozen=True, slots=True)
class ScheduleAdded:
    id: int
    process: str
    cadence: str
    next_run_at: str


@dataclass(frozen=True, slots=True)
class Notification:
    """One in-app notification as its reader sees it (``at``: ISO 8601, UTC)."""

    id: int
    kind: str
    subject: str
    body: str
    instance_id: int | None
    task_id: int | None
    at: str
    read: bool
