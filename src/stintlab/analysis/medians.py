"""Medians of many slices of one array at once: the kernel behind the stop field reference
(:mod:`stintlab.analysis.stops`) and the performance-index reference (:func:`stintlab.analysis.pace.lap_index`),
and the rolling medians of the detectors (:func:`rolling_median`, :func:`time_window_bounds`,
:func:`centred_bounds`: pandas' own rolling-median kernel, given the window bounds pandas would
compute, without building a time index or a rolling object per call).

``window_medians(v, lo, hi)[k]`` is exactly ``np.median(v[lo[k]:hi[k]])`` (the middle value, or the
mean of the middle two), NaN for an empty slice or one holding a NaN, as ``np.median`` gives:

>>> import numpy as np
>>> window_medians(np.array([5.0, 1.0, 3.0, 2.0, np.nan]), np.array([0, 0, 1, 2, 3]), np.array([3, 4, 1, 5, 4]))
array([3. , 2.5, nan, nan, 2. ])
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pandas.api.indexers import BaseIndexer

__all__ = [
    "window_medians",
    "rolling_median",
    "time_window_bounds",
    "grouped_time_window_bounds",
    "centred_bounds",
    "median_may_reach",
    "rolling_median_at",
    "rolling_median_where",
    "interp_reads",
]


class _Bounds(BaseIndexer):
    """Window bounds given in advance (pandas' public custom-window interface)."""

    def get_window_bounds(self, num_values=0, min_periods=None, center=None, closed=None, step=None):
        return self.start, self.end


def rolling_median(v: np.ndarray, start: np.ndarray, end: np.ndarray, min_periods: int = 1) -> np.ndarray:
    """Per k, the median of the non-NaN values of ``v[start[k]:end[k]]``, NaN when fewer than
    ``min_periods`` (pandas' rolling median, the same values: the middle value, or the mean of the
    middle pair as ``(low + high) / 2``): :func:`rolling_median_at` every row (each window's values
    sorted, windows of one size together; pandas' skip-list kernel for very wide windows).

    >>> rolling_median(np.array([3.0, np.nan, 1.0, 2.0]), np.array([0, 0, 1, 2]), np.array([1, 3, 4, 4])).tolist()
    [3.0, 2.0, 1.5, 1.5]
    """
    v = np.asarray(v, dtype=float)
    if len(v) == 0:
        return np.zeros(0)
    return rolling_median_at(v, start, end, np.arange(len(v)), min_periods)


_SORT_LIMIT = 1 << 21
"""Most values (over all windows) :func:`rolling_median_at` sorts at once (16 MB of floats); beyond, pandas' kernel."""


def _pandas_rolling_median(v: np.ndarray, start: np.ndarray, end: np.ndarray, min_periods: int) -> np.ndarray:
    """pandas' rolling median over the given window bounds (its skip-list kernel)."""
    b = _Bounds()
    b.start, b.end = start, end
    return pd.Series(v).rolling(b, min_periods=min_periods).median().to_numpy()


def _sorted_medians(v: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Per k, the median of ``v[lo[k]:hi[k]]`` (``v`` without NaN; NaN for an empty slice): the
    slices of each length c gathered in one (rows, c) array, sorted row by row, the middle value or
    ``(low + high) / 2`` of the middle pair read (pandas' formula).

    >>> _sorted_medians(np.array([4.0, 1.0, 3.0, 2.0]), np.array([0, 0, 1, 2]), np.array([1, 4, 4, 2])).tolist()
    [4.0, 2.5, 2.0, nan]
    """
    cnt = hi - lo
    out = np.full(len(lo), np.nan)
    if not len(lo):
        return out
    by_cnt = np.argsort(cnt, kind="stable")
    sc = cnt[by_cnt]
    cuts = np.flatnonzero(np.r_[True, sc[1:] != sc[:-1]])
    for a, b in zip(cuts, np.r_[cuts[1:], len(sc)]):
        c = int(sc[a])
        if c <= 0:
            continue
        rows = by_cnt[a:b]
        m = v[lo[rows][:, None] + np.arange(c)]
        m.sort(axis=1)
        out[rows] = (m[:, (c - 1) // 2] + m[:, c // 2]) / 2.0  # (x + x) / 2 == x for an odd count
    return out


def _seconds_as_ns(t: np.ndarray) -> np.ndarray | None:
    """``pd.to_timedelta(t, unit="s").asi8`` (nanoseconds) without building the index, or None
    where it cannot be reproduced: a non-finite time, times that are all whole seconds (pandas then
    gives microseconds), or a pandas whose float conversion differs (checked once, :data:`_NS_SAME`).
    pandas casts float seconds as ``trunc(t) * 10**9 + int(round(frac, 9) * 10**9)``."""
    if not _NS_SAME or not len(t) or not np.isfinite(t).all() or np.abs(t).max() >= 9.2e9:
        return None
    base = t.astype(np.int64)  # truncation, as pandas' cast
    frac = t - base
    if not frac.any():  # all round: pandas treats them as integers, in microseconds
        return None
    return base * 1_000_000_000 + (np.round(frac, 9) * 1e9).astype(np.int64)


def _same_ns_as_pandas() -> bool:
    probe = np.array([0.0, 1e-10, 0.1, 1.5, 3.3, 59.999999999, 86400.123, 123456.7891, 0.3333333333335, 7.0000000005])
    try:
        index = pd.to_timedelta(probe, unit="s")
    except Exception:  # pragma: no cover - any pandas that cannot: the slow path
        return False
    if index.unit != "ns":
        return False
    base = probe.astype(np.int64)
    return bool(np.array_equal(index.asi8, base * 1_000_000_000 + (np.round(probe - base, 9) * 1e9).astype(np.int64)))


_NS_SAME = _same_ns_as_pandas()
_WIDTHS: dict[tuple[float, str], int] = {}


def _width(half: float, unit: str) -> int:
    """pandas' integer width of a ``Timedelta(seconds=2 * half)`` window, in ``unit``."""
    key = (float(half), unit)
    w = _WIDTHS.get(key)
    if w is None:
        w = int(pd.Timedelta(pd.Timedelta(seconds=2 * half).value).as_unit(unit).to_timedelta64().astype(np.int64))
        _WIDTHS[key] = w
    return w


def _bounds_of(ns: np.ndarray, w: int) -> tuple[np.ndarray, np.ndarray]:
    """Window bounds of sorted integer times ``ns`` for a width ``w`` (:func:`time_window_bounds`),
    before the first row's start is set to 0."""
    k = w // 2
    if w % 2:
        start = np.searchsorted(ns, ns - k - 1, side="left")
    else:
        start = np.searchsorted(ns, ns - k, side="right")
    start = np.minimum(start, np.arange(len(ns)))  # pandas never starts a window after its own row
    end = np.searchsorted(ns, ns + k, side="right")
    return start.astype(np.int64), end.astype(np.int64)


def time_window_bounds(t: np.ndarray, half: float) -> tuple[np.ndarray, np.ndarray]:
    """The rows pandas' centred time window of width ``2 * half`` seconds holds around each sorted
    time ``t[i]`` (``Series(index=to_timedelta(t, "s")).rolling(Timedelta(seconds=2 * half),
    center=True)``): times and width w as integers in the unit pandas gives that index; for an even
    w the window is (t - w/2, t + w/2], for an odd one [t - w//2 - 1, t + w//2] (pandas truncates
    the half bounds); the first row's window starts at row 0.

    >>> [b.tolist() for b in time_window_bounds(np.array([0.0, 1.0, 2.0, 3.5]), 1.0)]
    [[0, 1, 2, 3], [2, 3, 3, 4]]
    """
    t = np.asarray(t, dtype=float)
    ns = _seconds_as_ns(t)
    if ns is None:
        index = pd.to_timedelta(t, unit="s")
        ns, unit = index.asi8, index.unit  # in the index's unit, as pandas rolls (its resolution depends on the values)
    else:
        unit = "ns"
    start, end = _bounds_of(ns, _width(half, unit))
    if len(start):
        start[0] = 0
    return start, end


def grouped_time_window_bounds(t: np.ndarray, group_starts: np.ndarray, half: float) -> tuple[np.ndarray, np.ndarray]:
    """:func:`time_window_bounds` of each group of consecutive rows (groups start at
    ``group_starts``, each group's times sorted), offset into the whole array: the bounds for one
    :func:`rolling_median` call over every group. One search over all groups, the groups kept apart
    by a gap wider than any window.

    >>> [b.tolist() for b in grouped_time_window_bounds(np.array([0.0, 1.0, 2.0, 0.5, 1.0]), np.array([0, 3]), 1.0)]
    [[0, 1, 2, 3, 3], [2, 3, 3, 5, 5]]
    """
    t = np.asarray(t, dtype=float)
    n = len(t)
    group_starts = np.asarray(group_starts, dtype=np.int64)
    ns = _seconds_as_ns(t)
    if ns is not None and not np.logical_or.reduceat(t != np.trunc(t), group_starts).all():
        ns = None  # a group of whole seconds: pandas rolls it in microseconds
    w = _width(half, "ns")
    gap = 0 if ns is None else int(ns.max() - ns.min()) + w + 2  # > a window: groups kept apart
    if ns is None or gap * (len(group_starts) + 1) >= 2**62:  # group by group (NaN times, whole seconds)
        start, end = np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64)
        for a, b in zip(group_starts, np.r_[group_starts[1:], n]):
            s, e = time_window_bounds(t[a:b], half)
            start[a:b], end[a:b] = s + a, e + a
        return start, end
    size = np.diff(np.r_[group_starts, n])
    shifted = ns + np.repeat(np.arange(len(group_starts), dtype=np.int64) * gap, size)
    start, end = _bounds_of(shifted, w)  # start[i] <= i keeps each window inside its group
    start[group_starts] = group_starts  # each group's first row starts at its own first row
    return start, end


def centred_bounds(group_starts: np.ndarray, n: int, window: int) -> tuple[np.ndarray, np.ndarray]:
    """Bounds of pandas' centred fixed window of ``window`` rows (``rolling(window, center=True)``)
    within each group of consecutive rows (groups start at ``group_starts``, the table has ``n``
    rows), as ``groupby(...).rolling(...)`` computes them per group.

    >>> [b.tolist() for b in centred_bounds(np.array([0, 3]), 5, 3)]
    [[0, 0, 1, 3, 3], [2, 3, 3, 5, 5]]
    """
    group_starts = np.asarray(group_starts, dtype=np.int64)
    size = np.diff(np.r_[group_starts, n])
    first = np.repeat(group_starts, size)
    local = np.arange(n, dtype=np.int64) - first
    end = local + 1 + (window - 1) // 2  # pandas' FixedWindowIndexer: start from the unclipped end
    start = np.maximum(end - window, 0)
    return start + first, np.minimum(end, np.repeat(size, size)) + first


def window_medians(v: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """``np.median(v[lo[k]:hi[k]])`` for every k (module docstring): the slices padded with +inf
    into one array sorted row by row, the middle one or two values read. Memory: slices x widest slice."""
    v = np.asarray(v, dtype=float)
    lo = np.asarray(lo, dtype=np.int64)
    hi = np.asarray(hi, dtype=np.int64)
    out = np.full(len(lo), np.nan)
    cnt = hi - lo
    if len(v) == 0 or len(lo) == 0 or cnt.max() <= 0:
        return out
    pos = lo[:, None] + np.arange(cnt.max())[None, :]
    w = np.where(pos < hi[:, None], v[np.clip(pos, 0, len(v) - 1)], np.inf)
    w.sort(axis=1)
    row = np.arange(len(lo))
    a, b = w[row, np.maximum(cnt - 1, 0) // 2], w[row, np.maximum(cnt, 0) // 2]
    nans = np.r_[0, np.cumsum(np.isnan(v))]
    ok = (cnt > 0) & (nans[np.clip(hi, 0, len(v))] == nans[np.clip(lo, 0, len(v))])
    out[ok] = ((a + b) / 2.0)[ok]  # the mean of the middle pair, as np.median; (x + x) / 2 == x
    return out


def median_may_reach(v: np.ndarray, start: np.ndarray, end: np.ndarray, r: float, min_periods: int = 1) -> np.ndarray:
    """Per k, False where :func:`rolling_median` ``(v, start, end, min_periods)[k]`` is surely below
    ``r`` or NaN (so ``>= r`` is False there), found by counting, without a median: with n non-NaN
    values in the window, the median is at most the value of rank n // 2 (the upper middle one; the
    mean of the middle pair is never above it), which is below ``r`` when fewer than half of the
    values (2 * count < n) reach ``r``. True means "may reach": compute it.

    >>> median_may_reach(np.array([1.0, 2.0, 5.0, np.nan, 6.0]), np.array([0, 0, 1, 2]), np.array([2, 3, 4, 5]), 5.0).tolist()
    [False, False, True, True]
    """
    v = np.asarray(v, dtype=float)
    start, end = np.asarray(start, dtype=np.int64), np.asarray(end, dtype=np.int64)
    ok = np.r_[0, np.cumsum(~np.isnan(v))]
    ge = np.r_[0, np.cumsum(v >= r)]
    n = ok[end] - ok[start]
    c = ge[end] - ge[start]
    return (n >= max(min_periods, 1)) & (2 * c >= n)


def rolling_median_at(v: np.ndarray, start: np.ndarray, end: np.ndarray, at: np.ndarray, min_periods: int = 1) -> np.ndarray:
    """``rolling_median(v, start, end, min_periods)[at]`` computed at the rows ``at`` only (the same
    values: the middle one, or the mean of the middle pair, of the non-NaN values of each window;
    NaN under ``min_periods``), by :func:`_sorted_medians` over the non-NaN values; by pandas'
    kernel over every row when the windows at ``at`` hold more than :data:`_SORT_LIMIT` values or
    ``v`` holds a zero (a sort may swap -0.0 and 0.0).

    >>> v = np.array([3.0, np.nan, 1.0, 2.0, 7.0])
    >>> s, e = np.array([0, 0, 1, 2, 3]), np.array([1, 3, 4, 5, 5])
    >>> rolling_median_at(v, s, e, np.array([1, 2, 4])).tolist() == rolling_median(v, s, e)[[1, 2, 4]].tolist()
    True
    """
    v = np.asarray(v, dtype=float)
    at = np.asarray(at, dtype=np.int64)
    start_all, end_all = np.asarray(start, dtype=np.int64), np.asarray(end, dtype=np.int64)
    start, end = start_all[at], end_all[at]
    if int(np.maximum(end - start, 0).sum()) > _SORT_LIMIT or (v == 0).any():
        return _pandas_rolling_median(v, start_all, end_all, min_periods)[at]
    keep = ~np.isnan(v)
    if keep.all():
        lo, hi = start, np.maximum(end, start)
    else:
        ok = np.r_[0, np.cumsum(keep)]
        lo, hi = ok[start], ok[np.maximum(end, start)]
        v = v[keep]
    out = _sorted_medians(v, lo, hi)
    out[hi - lo < max(min_periods, 1)] = np.nan
    return out


def rolling_median_where(v: np.ndarray, start: np.ndarray, end: np.ndarray, need: np.ndarray, min_periods: int = 1) -> np.ndarray:
    """:func:`rolling_median` where ``need`` is True (the same values), NaN elsewhere: computed at
    those rows only (:func:`rolling_median_at`).

    >>> rolling_median_where(np.array([3.0, 1.0, 2.0]), np.array([0, 0, 1]), np.array([2, 3, 3]), np.array([False, True, False])).tolist()
    [nan, 2.0, nan]
    """
    need = np.asarray(need, dtype=bool)
    out = np.full(len(need), np.nan)
    at = np.flatnonzero(need)
    if len(at):
        out[at] = rolling_median_at(v, start, end, at, min_periods)
    return out


def interp_reads(xp: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Per point of sorted ``xp``, True when ``np.interp(x, xp, fp)`` may read its ``fp`` (numpy
    reads the two points around each x: from the one before the first point equal to x to the one
    after the last), so the ``fp`` of the other points may be anything (NaN: not computed).

    >>> interp_reads(np.array([0.0, 1.0, 2.0, 2.0, 3.0, 4.0]), np.array([2.0, 4.5])).tolist()
    [False, True, True, True, True, True]
    """
    n = len(xp)
    mark = np.zeros(n + 1, dtype=np.int64)
    if n:
        np.add.at(mark, np.maximum(np.searchsorted(xp, x, side="left") - 1, 0), 1)
        np.add.at(mark, np.minimum(np.searchsorted(xp, x, side="right"), n - 1) + 1, -1)
    return np.cumsum(mark[:-1]) > 0
