"""Figures the benchmarks print: percentiles from per-operation timings, and time budgets.

Not a benchmark itself. Percentiles are nearest-rank over the measured values (p95 of 50 values is
the 48th smallest); throughput is always a count divided by the wall time of the run that did it.
"""

from __future__ import annotations

import math
import statistics
import time


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (``q`` from 0 to 1) of ``values``; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.2f} ms"


def spread(seconds: list[float]) -> str:
    """``median … ms  p95 … ms`` of per-operation timings (seconds)."""
    if not seconds:
        return "no measurements"
    return f"median {ms(statistics.median(seconds))}  p95 {ms(percentile(seconds, 0.95))}"


class Budget:
    """A time budget: ``spent()`` turns true once the budget is gone, and the run says so."""

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self.deadline = None if seconds is None else time.monotonic() + seconds
        self.cut = False

    def spent(self) -> bool:
        if self.deadline is not None and time.monotonic() > self.deadline:
            self.cut = True
        return self.cut

    def note(self, done: int, wanted: int) -> str:
        """What to print after the figures: empty unless the budget cut the run short."""
        if not self.cut:
            return ""
        return f"  (cut short by the {self.seconds:g} s budget: {done} of {wanted} done)"
