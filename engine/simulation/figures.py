"""What a run gives: per step its waiting and working times and what happened beside the flow (timers that
closed it, deadlines passed, returns), per role its utilisation, the cycle times; as JSON for the CLI, API, page.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any


def quantile(values: list[float], q: float) -> float | None:
    """Nearest-rank quantile (None for no values)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


@dataclass
class StepFigures:
    lane: str = ""
    waiting: list[float] = field(default_factory=list)  # elapsed hours, created -> taken
    working: list[float] = field(default_factory=list)  # elapsed hours, taken -> done
    returned: int = 0  # tasks whose holder returned the request to an earlier step
    expired: int = 0  # tasks a timer closed (a boundary deadline) before they were done
    with_deadline: int = 0  # tasks with a due window (the engine reminds and escalates them)
    overdue: int = 0  # ... done after it: the engine would have escalated them

    def as_json(self) -> dict[str, Any]:
        n = len(self.working)
        return {"role": self.lane, "count": n, "returned": self.returned, "expired": self.expired,
                "with_deadline": self.with_deadline, "overdue": self.overdue,
                "waiting": _round(sum(self.waiting) / n) if n else 0.0,
                "working": _round(sum(self.working) / n) if n else 0.0,
                "waiting_median": _round(quantile(self.waiting, 0.5)),
                "working_median": _round(quantile(self.working, 0.5))}


@dataclass
class SimulationResult:
    cases: int
    completed: int
    unfinished: int
    failed: int
    cycle_hours: list[float]
    steps: dict[str, StepFigures]
    utilisation: dict[str, float]
    people: dict[str, int]
    ends: dict[str, int]
    errors: list[str]
    span_days: float
    timers_fired: int = 0

    def bottleneck(self) -> dict[str, Any] | None:
        """The step whose tasks waited longest in all, with its role's utilisation."""
        if not self.steps:
            return None
        step, figures = max(self.steps.items(), key=lambda item: sum(item[1].waiting))
        return {"step": step, "role": figures.lane, "waiting_hours": _round(sum(figures.waiting) / self.cases),
                "utilisation": self.utilisation.get(figures.lane)}

    def as_json(self) -> dict[str, Any]:
        mean = sum(self.cycle_hours) / len(self.cycle_hours) if self.cycle_hours else None
        return {"cases": self.cases, "completed": self.completed, "unfinished": self.unfinished,
                "failed": self.failed,
                "cycle_time": {"median": _round(quantile(self.cycle_hours, 0.5)),
                               "p90": _round(quantile(self.cycle_hours, 0.9)), "mean": _round(mean),
                               "unit": "hours"},
                "steps": {k: v.as_json() for k, v in self.steps.items()},
                "utilisation": {k: round(v, 3) for k, v in self.utilisation.items()},
                "people": dict(self.people), "bottleneck": self.bottleneck(), "ends": dict(self.ends),
                "errors": list(self.errors), "span_days": round(self.span_days, 1),
                "timers_fired": self.timers_fired}
