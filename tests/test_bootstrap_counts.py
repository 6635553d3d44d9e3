"""The bootstrap intervals of the order-statistic metrics (best lap, median lap, performance index:
``bootstrap_interval``; the rankings use it for the best lap, the medians take the exact interval of
tests/test_median_interval.py) are read from the resamples' draw counts instead of sorting every
resample (issue #16): the intervals must stay exactly the bootstrap percentile intervals. Checked on real lap times (Le Mans 2024, read
with the csv module by tests/oracle.py) against a plain-Python bootstrap: the same seeded draws,
``min`` / ``statistics.median`` per resample, the same quantiles."""

from __future__ import annotations

import statistics

import numpy as np

from conftest import lap_file
from oracle import read_race
from stintlab.analysis.rankings import CI_LEVEL, N_BOOT, bootstrap_interval

RACE = "lemans-2024"


def _reference(values: list[float], stat) -> tuple[float, float]:
    n = len(values)
    idx = np.random.default_rng(0).integers(0, n, size=(N_BOOT, n))  # the documented draws: seed 0
    per_resample = [stat([values[i] for i in row]) for row in idx.tolist()]
    a = (1.0 - CI_LEVEL) / 2.0
    lo, hi = np.quantile(np.array(per_resample), [a, 1.0 - a])
    return float(lo), float(hi)


def test_order_statistic_intervals_equal_a_plain_bootstrap_on_real_laps():
    raw = read_race(lap_file(RACE))
    checked = 0
    for car in raw.cars[::3]:  # every third car: odd and even lap counts, ties of equal lap times
        times = [c.lap_time for c in raw.laps[car] if c.lap_time is not None and not c.in_lap and c.lap > 1]
        times = [t for t in times if t < 1.3 * min(times)][:150]
        if len(times) < 2:
            continue
        assert bootstrap_interval(times, "median_clean") == _reference(times, statistics.median), car
        assert bootstrap_interval(times, "index") == _reference(times, statistics.median), car
        assert bootstrap_interval(times, "best_lap") == _reference(times, min), car
        checked += 1
    assert checked >= 15
    # one lap: every resample is that lap
    assert bootstrap_interval([201.5], "median_clean") == (201.5, 201.5)
