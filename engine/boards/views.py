"""What the boards hand to the web: frozen dataclasses (``engine.results``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class OpenStep:
    name: str
    title: str
    title_zh: str
    holder: str | None  # username, None while it waits in a role's queue
    due_at: str | None  # ISO 8601, UTC


@dataclass(frozen=True, slots=True)
class ComplaintRow:
    id: int
    title: str
    category: str
    handler: str
    sla: str  # within, first_response_breached, resolution_breached
    started_at: str
    first_response_due: str | None
    resolution_due: str | None
    responded: bool
    steps: tuple[OpenStep, ...]


@dataclass(frozen=True, slots=True)
class ComplaintBoard:
    rows: tuple[ComplaintRow, ...]  # the most urgent first: resolution breached, first response breached, within
    counts: dict[str, int]  # per SLA state, every state named
    now: str


@dataclass(frozen=True, slots=True)
class HazardRow:
    id: int
    title: str
    severity: str
    section: str
    age_days: int  # whole days since it was recorded
    age_band: str
    overdue: bool  # an open step past its deadline
    steps: tuple[OpenStep, ...]


@dataclass(frozen=True, slots=True)
class HazardBoard:
    rows: tuple[HazardRow, ...]  # the most severe first, then the oldest
    counts: dict[str, dict[str, int]]  # severity -> age band -> open hazards, every cell named
    now: str
