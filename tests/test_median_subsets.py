"""The rolling medians computed only where they are read (issue #16, annotated table, second round),
on real race times read row by row with the csv module (tests/oracle.py), against pandas' own
``rolling(...).median()`` over every row (an independent kernel: its skip list):

- :func:`~stintlab.analysis.medians.rolling_median_at` / ``rolling_median_where`` give pandas'
  values at the rows asked for (NaN holes, a window without values, ``min_periods``, zeros of
  both signs included);
- :func:`~stintlab.analysis.medians.median_may_reach` is False only where pandas' median is below
  the threshold (or NaN), thresholds taken at medians pandas gives (the edge case), and does rule
  out most rows for a slow-zone threshold;
- :func:`~stintlab.analysis.medians.interp_reads`: ``np.interp`` with NaN at every point it does not
  mark gives the values of the complete array, on times with ties.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import lap_file
from oracle import read_race
from stintlab.analysis.medians import (
    interp_reads,
    median_may_reach,
    rolling_median_at,
    rolling_median_where,
    time_window_bounds,
)

RACES = ("lemans-2019", "lemans-2024")


def crossings(name: str) -> tuple[np.ndarray, np.ndarray, float]:
    """(times, lap time / typical lap, typical lap) of every crossing in race-time order, from the raw rows."""
    raw = read_race(lap_file(name))
    rows = sorted((c.elapsed, c.lap_time) for car in raw.cars for c in raw.laps[car])
    t = np.array([r[0] for r in rows])
    lt = np.array([np.nan if r[1] is None else r[1] for r in rows])
    typical = float(np.nanmedian(lt))
    return t, lt / typical, typical


def pandas_median(t: np.ndarray, v: np.ndarray, half: float, minp: int = 1) -> np.ndarray:
    s = pd.Series(v, index=pd.to_timedelta(t, unit="s"))
    return s.rolling(pd.Timedelta(seconds=2 * half), center=True, min_periods=minp).median().to_numpy()


@pytest.mark.parametrize("name", RACES)
def test_medians_at_some_rows_equal_pandas_over_all_rows(name):
    t, v, typical = crossings(name)
    v[::7] = np.nan  # holes, as the detectors' ratios have
    v[5000:5040] = np.nan  # a stretch of holes: windows with few or no values
    rng = np.random.default_rng(16)
    for half, minp in ((0.5 * typical, 1), (150.0, 1), (2.0, 1), (60.0, 3)):
        want = pandas_median(t, v, half, minp)
        start, end = time_window_bounds(t, half)
        at = np.sort(rng.choice(len(t), size=len(t) // 10, replace=False))
        assert np.array_equal(rolling_median_at(v, start, end, at, minp), want[at], equal_nan=True), half
        need = np.zeros(len(t), dtype=bool)
        need[at] = True
        got = rolling_median_where(v, start, end, need, minp)
        assert np.array_equal(got[at], want[at], equal_nan=True) and np.isnan(got[~need]).all()
        every = rolling_median_at(v, start, end, np.arange(len(t)), minp)
        assert np.array_equal(every, want, equal_nan=True), half
    assert np.isnan(pandas_median(t, v, 2.0)).any()  # the case of a window without values was met


@pytest.mark.parametrize("name", RACES)
def test_zeros_of_both_signs_give_pandas_values(name):
    t, v, typical = crossings(name)
    v = v - np.nanmedian(v)  # values around zero
    v[::13] = 0.0
    v[::17] = -0.0
    start, end = time_window_bounds(t, 0.5 * typical)
    want = pandas_median(t, v, 0.5 * typical)
    got = rolling_median_at(v, start, end, np.arange(len(t)))
    assert np.array_equal(got, want, equal_nan=True)
    assert np.array_equal(np.signbit(got), np.signbit(want))


@pytest.mark.parametrize("name", RACES)
def test_may_reach_is_false_only_below_the_threshold(name):
    t, v, typical = crossings(name)
    v[::9] = np.nan
    half = 0.5 * typical
    want = pandas_median(t, v, half)
    start, end = time_window_bounds(t, half)
    finite = want[np.isfinite(want)]
    # thresholds at values pandas gives (a median exactly at the threshold must stay "may reach"),
    # just above them, and the inferred-flag and slow-zone levels
    for r in (*np.quantile(finite, [0.1, 0.5, 0.9, 0.99]), np.nextafter(np.median(finite), 2.0), 1.15, 1.25, 1.6):
        may = median_may_reach(v, start, end, r)
        assert not (want[~may] >= r).any(), r  # never ruled out where the median reaches r
        assert may[want >= r].all()
    slow = median_may_reach(v, start, end, 1.25)
    assert slow.sum() < 0.25 * len(t)  # the point: most rows need no median for a slow-zone test


@pytest.mark.parametrize("name", RACES)
def test_interp_reads_marks_every_point_np_interp_reads(name):
    t, v, _ = crossings(name)
    xp = np.round(t[1::2] / 10.0) * 10.0  # times with ties
    fp = np.where(np.isnan(v[1::2]), 1.0, v[1::2])
    rng = np.random.default_rng(7)
    x = np.r_[t[::50], xp[::40], xp[0] - 5.0, xp[-1] + 5.0, rng.uniform(xp[0], xp[-1], 200)]
    reads = interp_reads(xp, x)
    assert reads.sum() < len(xp) // 4
    assert np.array_equal(np.interp(x, xp, np.where(reads, fp, np.nan)), np.interp(x, xp, fp))
