"""What following appraisal cycles hands out: the cycles, and one cycle's dashboard.

Frozen dataclasses (neither is a document of the REST API); ``engine.results.as_json`` turns each into the
JSON object the CLI prints, with the field names as keys. Times are ISO 8601 texts in UTC (``utc_iso``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CycleSummary:
    """An appraisal cycle as listed: its instance, period, status and when it was opened."""

    id: int
    period: str | None
    status: str
    started_at: str


@dataclass(frozen=True, slots=True)
class OpeningProgress:
    """How far the opening of a cycle's appraisals has come (the worker opens them in batches)."""

    planned: int
    opened: int
    finished: bool


@dataclass(frozen=True, slots=True)
class OverdueStep:
    """An open step past its due time, and who holds it (None: open to the team)."""

    instance_id: int
    task_id: int
    step: str
    holder: str | None
    due_at: str


@dataclass(frozen=True, slots=True)
class AppraisalRow:
    """One appraisal of the cycle: where it is (a step, or how it ended) and its grade once recorded."""

    id: int
    title: str
    stage: str
    grade: str | None


@dataclass(frozen=True, slots=True)
class StepTitle:
    title: str
    title_zh: str


@dataclass(frozen=True, slots=True)
class CycleDashboard:
    """A cycle at a glance. The counts (``appraisals``, ``by_stage``, ``grades``) cover the whole cycle; the
    rows (``overdue``, ``instances``) only the appraisals the viewer may see, ``hidden`` says how many not."""

    period: str
    cycle_id: int
    status: str
    appraisals: int
    opening: OpeningProgress
    by_stage: dict[str, int]
    overdue: list[OverdueStep]
    grades: dict[str, int]  # A to D, each present
    instances: list[AppraisalRow]
    hidden: int
    step_titles: dict[str, StepTitle]  # the appraisal's steps in flow order
    # Aggregates withheld from this viewer ("stages", "grades"): they would show fewer than MIN_GROUP people the
    # viewer may not see one by one (a count of one would reveal that person's grade).
    too_few: tuple[str, ...] = ()
    opened_at: str = ""  # when the cycle opened: its appraisers follow the reporting lines of that day
