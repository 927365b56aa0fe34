"""Durations kept as sorted runs, each with a histogram, and the nearest rank over many runs without sorting them all.

A heatmap shows the median and p90 of each task's durations by nearest rank (``heatmap.ranked``): exact values, so
the block sums (``heat_blocks``) keep every duration, sorted. Put together, a version's runs hold some 100,000
durations per measure; sorting them all for two ranks is most of a look. Each run carries instead how many of its
values fall in each of a fixed set of buckets (a quarter of a doubling each: ``bucket``); the bucket holding a rank
is found by adding up those counts, and only the values of that bucket, taken from each run, are sorted.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import groupby

from .heatmap import TimeSamples
from .views import Durations

LOWEST, HIGHEST = 1, 4 * 64  # bucket 0: nothing measured (zero, or a clock that went back)
MEDIAN, P90 = 0.5, 0.9


def bucket(value: float) -> int:
    """A bucket that never goes down as ``value`` goes up."""
    if not value > 0:
        return 0
    mantissa, exponent = math.frexp(value)  # value = mantissa * 2**exponent, 0.5 <= mantissa < 1
    return min(max(exponent * 4 + int((mantissa - 0.5) * 8), LOWEST), HIGHEST)


def histogram(ordered: Sequence[float]) -> list[list[int]]:
    """How many of ``ordered`` (sorted) fall in each bucket, as [bucket, count] pairs in order."""
    return [[number, sum(1 for _ in values)] for number, values in groupby(map(bucket, ordered))]


@dataclass
class Runs:
    """One measure's durations: sorted runs (values[start:start + length], with their histogram), and loose ones."""

    runs: list[tuple[array[float], int, int, list[list[int]]]] = field(default_factory=list)

    def add(self, values: array[float], start: int, length: int, counts: list[list[int]]) -> None:
        self.runs.append((values, start, length, counts))

    def nearest_ranks(self, loose: list[float], shares: Sequence[float]) -> tuple[int, list[float | None]]:
        """How many durations there are (the runs and ``loose``), and the value at each share by nearest rank."""
        runs = list(self.runs)
        if loose:
            ordered = array("d", sorted(loose))
            runs.append((ordered, 0, len(ordered), histogram(ordered)))
        count = sum(run[2] for run in runs)
        if not count:
            return 0, [None for _ in shares]
        total: dict[int, int] = {}
        for _values, _start, _length, counts in runs:
            for number, n in counts:
                total[number] = total.get(number, 0) + n
        buckets = sorted(total)
        found: list[float | None] = []
        for share in shares:
            rank = max(math.ceil(share * count) - 1, 0)  # as heatmap.ranked
            for number in buckets:
                if rank < total[number]:
                    break
                rank -= total[number]
            found.append(sorted(_in_bucket(runs, number))[rank])
        return count, found


def _in_bucket(runs: list[tuple[array[float], int, int, list[list[int]]]], number: int) -> list[float]:
    taken: list[float] = []
    for values, start, _length, counts in runs:
        at = start
        for other, n in counts:
            if other == number:
                taken.extend(values[at:at + n])
            if other >= number:
                break
            at += n
    return taken


@dataclass
class RunSamples(TimeSamples):
    """Durations as sorted runs (from block sums) besides the loose ones of ``TimeSamples`` (from parts)."""

    elapsed_runs: Runs = field(default_factory=Runs)
    working_runs: Runs = field(default_factory=Runs)

    def summary(self) -> Durations:
        count, (median, p90) = self.elapsed_runs.nearest_ranks(self.elapsed, (MEDIAN, P90))
        _, (median_working, p90_working) = self.working_runs.nearest_ranks(self.working, (MEDIAN, P90))
        return {"count": count, "median_s": median, "p90_s": p90, "median_working_s": median_working,
                "p90_working_s": p90_working}
