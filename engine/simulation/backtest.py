"""The back-test's runs: the model fitted on the earlier instances, run against the later ones.

Three ways of starting the later cases: their actual arrivals and start forms replayed (what the model gets
wrong: durations, branches, people, returns, absences), the fitted arrival pattern (the forecast, the arrival
rate included), and the fitted pattern at the later rate. Each way runs ``RUNS`` times with the seeds from
the one given: a median of some 150 cases that share queues moves by ±15 % from one seed to the next, so one
run says little; the median of the runs' medians is reported, with their range. Every run first replays the
earlier instances' actual arrivals (known at the split) and measures the cases from the split on: people are
busy with the backlog when the later half begins, as they were — near saturation that backlog is most of a
later case's waiting, and a run from idle people misses it.
"""

from __future__ import annotations

import random
import statistics
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from ..calendar import CHINA, WorkingCalendar
from ..definitions.catalog import DeployedProcess
from .model import Org
from .run import Arrival, arrival_times, quantile, simulate
from .scenario import MAX_CASES, Scenario, apply_changes
from .worktime import OfficeHours

RUNS = 5


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


def drawn_after(scenario: Scenario, calendar: WorkingCalendar, split: datetime, count: int, seed: int) -> list[Arrival]:
    """``count`` arrivals from ``split`` on, drawn from the scenario's arrival pattern (its own seeded stream)."""
    office = OfficeHours(calendar, scenario.office_hours)
    pattern = replace(scenario, cases=min(MAX_CASES, 2 * count + 10), start_at=split.astimezone(CHINA).date())
    times = [t for t in arrival_times(pattern, office, random.Random(seed)) if t >= split]  # noqa: S311
    return [(t, None) for t in times[:count]]


def run_ways(process: DeployedProcess, base: Scenario, org: Org, calendar: WorkingCalendar,
             run_action: Callable[[Callable[[], Any]], None], split: datetime, actual: list[Arrival],
             later: tuple[int, float], seed: int, runs: int = RUNS) -> tuple[Runs, Runs, Runs]:
    """Replayed, forecast, and forecast at the later rate. ``actual``: every arrival of the history, with its
    start form; ``later``: how many instances started after the split, and at what rate per working week."""
    before = [a for a in actual if a[0] < split]
    after = [a for a in actual if a[0] >= split]
    start_at = (before[0][0] if before else split).astimezone(CHINA).date()
    ways: list[Runs] = []
    for per_week in (None, base.arrivals.per_week, later[1]):
        medians = []
        for index in range(runs):
            scenario = replace(apply_changes(base, {"seed": seed + index}), start_at=start_at)
            if per_week is None:
                given = before + after
            else:
                pattern = apply_changes(scenario, {"arrivals": {"per_week": per_week}})
                given = before + drawn_after(pattern, calendar, split, later[0], seed + index)
            result = simulate(process, scenario, org, calendar, run_action, arrivals=given, measured_from=split)
            found = quantile(result.cycle_hours, 0.5)
            if found is not None:
                medians.append(found)
        ways.append(Runs(medians))
    return ways[0], ways[1], ways[2]
