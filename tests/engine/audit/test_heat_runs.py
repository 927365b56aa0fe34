"""The nearest rank over sorted runs with histograms (``heat_runs``) is the nearest rank over all their durations,
with ties, zeros, a clock that went back, tiny and huge values, and loose values besides the runs."""

from __future__ import annotations

import random
from array import array

import pytest

from engine.audit import heat_runs
from engine.audit.heatmap import nearest_rank

SHARES = (0.5, 0.9, 0.0001, 1.0)


def durations(rng: random.Random, n: int) -> list[float]:
    pick = (lambda: 0.0, lambda: -rng.random(), lambda: rng.random() * 1e-9, lambda: rng.lognormvariate(9, 2),
            lambda: float(rng.choice((3600, 86400, 86400 * 3))), lambda: rng.random() * 1e15)
    return [rng.choice(pick)() for _ in range(n)]


@pytest.mark.parametrize("seed", range(8))
def test_nearest_ranks_over_runs_equal_those_over_every_value(seed):
    rng = random.Random(seed)  # noqa: S311 - durations made up for a test
    runs, every = heat_runs.Runs(), []
    for _ in range(rng.randint(0, 12)):
        values = sorted(durations(rng, rng.randint(0, 300)))
        stored = array("d", [rng.random()] * 3 + values)  # a run starts anywhere in its block's array
        runs.add(stored, 3, len(values), heat_runs.histogram(values))
        every += values
    loose = durations(rng, rng.randint(0, 40))
    count, found = runs.nearest_ranks(loose, SHARES)
    every += loose
    assert count == len(every)
    assert found == [nearest_rank(every, share) for share in SHARES]


def test_buckets_never_go_down():
    values = sorted([*durations(random.Random(1), 5000), 0.0, 5e-324, 1.0, 2.0, 1.5, 1e300])  # noqa: S311
    numbers = [heat_runs.bucket(v) for v in values]
    assert numbers == sorted(numbers) and len(set(numbers)) > 50
