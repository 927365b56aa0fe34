"""The back-test's runs: the model fitted on the earlier instances, run against the later ones.

Three ways of starting the later cases: their actual arrivals and start forms replayed (what the model gets
wrong: durations, branches, people, returns, absences), the fitted arrival pattern (the forecast, the arrival
rate included), and the fitted pattern at the later rate. Each way runs ``RUNS`` times with the seeds from
the one given: a median of some 150 cases that share queues moves by ±15 % from one seed to the next, so one
run says little; the median of the runs' medians is reported, with their range. Each run starts ``WARM_UP``
before the split (the replay with the instances that started then) and measures the cases from the split on:
people are busy with earlier work when the later half begins, as they were.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from ..calendar import CHINA, WorkingCalendar
from ..definitions.catalog import DeployedProcess
from .model import Org
from .run import Arrival, quantile, simulate
from .scenario import MAX_CASES, Scenario, apply_changes

RUNS = 5
WARM_UP = timedelta(weeks=6)


@dataclass
class Runs:
    """The medians (hours) of one way's runs."""

    medians: list[float]

    @property
    def median(self) -> float | None:
        return statistics.median(self.medians) if self.medians else None

    @property
    def spread(self) -> list[float]:
        return [round(min(self.medians), 2), round(max(self.medians), 2)] if self.medians else []


def run_ways(process: DeployedProcess, base: Scenario, org: Org, calendar: WorkingCalendar,
             run_action: Callable[[Callable[[], Any]], None], split: datetime, actual: list[Arrival],
             later: tuple[int, float], seed: int, runs: int = RUNS) -> tuple[Runs, Runs, Runs]:
    """Replayed, forecast, and forecast at the later rate. ``actual``: the arrivals from ``split - WARM_UP`` on;
    ``later``: how many instances started after the split, and at what rate per working week."""
    warm_from = split - WARM_UP
    warm_days = (split.astimezone(CHINA).date() - warm_from.astimezone(CHINA).date()).days
    ways: list[Runs] = []
    for per_week, given in ((None, actual), (base.arrivals.per_week, None), (later[1], None)):
        medians = []
        for index in range(runs):
            changes: dict[str, Any] = {"seed": seed + index}
            if per_week is not None:  # as many cases as the later half holds, and those of the warm-up weeks
                changes["arrivals"] = {"per_week": per_week}
                changes["cases"] = min(MAX_CASES, later[0] + max(1, round(per_week * warm_days / 7)))
            scenario = replace(apply_changes(base, changes), start_at=warm_from.astimezone(CHINA).date())
            result = simulate(process, scenario, org, calendar, run_action, arrivals=given, measured_from=split)
            found = quantile(result.cycle_hours, 0.5)
            if found is not None:
                medians.append(found)
        ways.append(Runs(medians))
    return ways[0], ways[1], ways[2]
