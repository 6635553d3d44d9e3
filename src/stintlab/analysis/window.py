"""The driving window: the most driving inside any window of race time (the one implementation,
used by :func:`stintlab.analysis.stints.drive_time` and by the rules checker's ``max_window`` rule).

Each segment ``[start, end]`` carries an amount of driving (by default its length) spread evenly
over it; a segment with ``end <= start`` puts its whole amount at ``start``. The driving done by
race time ``t``, ``F(t)``, is piecewise linear with knots at the segment edges, so the best window
``[t, t + window]`` (closed: an amount put at either edge counts) starts or ends on a knot: only those starts are tried, each evaluated by a
binary search in the knots. Segments may overlap and come in any order; rows with a missing
figure are ignored. O(n log n) for n segments.

>>> worst_window([0.0, 7 * 3600.0], [3 * 3600.0, 9 * 3600.0])  # 3 h, rest 4 h, 2 h: 0-6 h holds 3 h
(10800.0, 0.0)
>>> worst_window([0, 7200], [3600, 10800], 6 * 3600, amounts=[3600, 3600])
(7200.0, 0.0)
>>> worst_window([], [])
(0.0, nan)
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["worst_window", "worst_windows"]

#: Window values closer than this (seconds) are equal when choosing the window start.
TIE_SECONDS = 1e-6


def worst_window(starts, ends, window: float = 6 * 3600.0, amounts=None) -> tuple[float, float]:
    """(most driving seconds inside any window of ``window`` s, the earliest start of such a window).

    Values within :data:`TIE_SECONDS` of the most are taken as equal when choosing the start.

    ``starts``/``ends``: race seconds of the driving segments; ``amounts``: driving seconds of each
    segment (default ``ends - starts``). The window start is never before race time 0. No segment:
    ``(0.0, nan)``.
    """
    s = np.asarray(starts, dtype=float).ravel()
    e = np.asarray(ends, dtype=float).ravel()
    if amounts is None and len(s):
        fast = _laps_in_order(s, e, window)
        if fast is not None:
            return fast
    return _any_segments(s, e, window, amounts)


def _any_segments(s: np.ndarray, e: np.ndarray, window: float, amounts=None) -> tuple[float, float]:
    """:func:`worst_window` in general: segments in any order, overlapping, with any amounts."""
    a = e - s if amounts is None else np.asarray(amounts, dtype=float).ravel()
    ok = np.isfinite(s) & np.isfinite(e) & np.isfinite(a)
    if not ok.all():
        s, e, a = s[ok], e[ok], a[ok]
    if len(s) == 0:
        return 0.0, float("nan")
    spread = e > s
    rate = np.where(spread, a / np.where(spread, e - s, 1.0), 0.0)
    knots = np.concatenate([s, e])
    order = np.argsort(knots, kind="stable")
    k = knots[order]
    # slope of F on [k[j], k[j+1]) and the mass put exactly at k[j] (segments without length)
    slope = np.cumsum(np.concatenate([rate, -rate])[order])
    slope[-1] = 0.0  # after the last edge nothing is driven (no rounding residue either)
    jump = np.concatenate([np.where(spread, 0.0, a), np.zeros(len(a))])[order]
    f_at = np.cumsum(np.r_[0.0, slope[:-1] * np.diff(k)] + jump)  # F(k[j]), right-continuous

    def f(t: np.ndarray, side: str) -> np.ndarray:
        # side "right": F(t) with the mass put at t; "left": without it
        j = np.searchsorted(k, t, side=side) - 1
        jc = np.maximum(j, 0)
        return np.where(j >= 0, f_at[jc] + slope[jc] * (t - k[jc]), 0.0)

    cand = np.unique(np.concatenate([k, k - window]))
    # the window is closed, [t, t + window]: a mass on either edge counts (so the best window is
    # always one of the candidates)
    vals = f(cand + window, "right") - f(cand, "left")
    # ties (a plateau while the window slides over a rest) go to the earliest start; values equal
    # up to rounding noise count as ties, so the start does not depend on summation order
    i = int(np.argmax(vals >= vals.max() - TIE_SECONDS))
    return float(vals[i]), float(max(cand[i], 0.0))


def _laps_in_order(s: np.ndarray, e: np.ndarray, window: float) -> tuple[float, float] | None:
    """The common case, driving intervals of consecutive laps: each interval fully driven, in order,
    none overlapping the next (beyond rounding). None when that does not hold (the general path).

    F is then continuous with slope 0 or 1, so the earliest best window starts on an interval
    start or ends on an interval end: those starts alone are tried, F evaluated by interpolation."""
    t = np.empty(2 * len(s))
    t[0::2], t[1::2] = s, e
    mono = np.maximum.accumulate(t)
    if not math.isfinite(mono[-1]) or (mono - t).max() > TIE_SECONDS:
        return None
    t = mono  # overlaps of a rounding error removed, so the knots increase
    dur = t[1::2] - t[0::2]
    if dur.min() <= 0.0:
        return None
    cum = np.cumsum(dur)
    v = np.empty(2 * len(s))
    v[0::2], v[1::2] = cum - dur, cum
    cand = np.concatenate([t[0::2], t[1::2] - window])
    vals = np.interp(cand + window, t, v) - np.interp(cand, t, v)
    best = vals.max()
    i = int(np.argmin(np.where(vals >= best - TIE_SECONDS, cand, np.inf)))
    return float(vals[i]), float(max(cand[i], 0.0))


def worst_windows(starts, ends, bounds, window: float = 6 * 3600.0) -> tuple[np.ndarray, np.ndarray]:
    """:func:`worst_window` of each run of rows ``bounds[k]:bounds[k + 1]`` (``bounds`` strictly
    increasing) at once: (most driving seconds, earliest start) per run, the same figures. Runs of
    consecutive laps (:func:`_laps_in_order`, the common case) are worked on together, one
    ``np.interp`` call per run; the others take the general path one by one.

    >>> worst_windows([0.0, 7 * 3600.0, 0.0], [3 * 3600.0, 9 * 3600.0, 100.0], [0, 2, 3])
    (array([10800.,   100.]), array([0., 0.]))
    """
    s = np.asarray(starts, dtype=float).ravel()
    e = np.asarray(ends, dtype=float).ravel()
    bounds = np.asarray(bounds, dtype=np.int64)
    if len(bounds) < 2:
        return np.zeros(0), np.zeros(0)
    lo, m = bounds[:-1] - bounds[0], np.diff(bounds)
    n_runs = len(m)
    best, start = np.zeros(n_runs), np.full(n_runs, np.nan)
    s, e = s[bounds[0] : bounds[-1]], e[bounds[0] : bounds[-1]]
    t = np.empty(2 * len(s))  # per run: start, end, start, end, ...
    t[0::2], t[1::2] = s, e
    # each run's running maximum: the max with the previous knot is it when that is non-decreasing
    # (each knot then lies at or above all the earlier ones of its run); runs where it is not, or
    # with an interval of no length, take the general path
    first = np.zeros(len(t), dtype=bool)
    first[2 * lo] = True
    prev = np.r_[-np.inf, t[:-1]]
    prev[first] = -np.inf
    with np.errstate(invalid="ignore"):
        mono = np.maximum(t, prev)
        slow = ~np.isfinite(t) | (mono - t > TIE_SECONDS)
        slow[1:] |= ~first[1:] & ~(mono[1:] >= mono[:-1])
        dur = mono[1::2] - mono[0::2]
        slow[0::2] |= ~(dur > 0.0)
    fast = ~np.logical_or.reduceat(slow, 2 * lo)
    # each run's own np.cumsum of its durations (along the rows of a padded matrix: the same sums)
    inside = np.arange(int(m.max()))[None, :] < m[:, None]
    pad = np.zeros(inside.shape)
    pad[inside] = dur
    cum = np.cumsum(pad, axis=1)[inside]
    v = np.empty_like(t)  # F at the knots
    v[0::2], v[1::2] = cum - dur, cum
    # candidate starts, in knot order (tied candidates differ by value alone, so their order does
    # not matter): interval starts, where F is its knot value, and interval ends - window
    cand = mono.copy()
    cand[1::2] -= window
    # per run one np.interp call on its queries in three increasing blocks (np.interp's search
    # starts from the previous answer): starts + window, (ends - window) + window, ends - window
    i = np.arange(len(s)) - np.repeat(lo, m)  # lap position within its run
    base = np.repeat(3 * lo, m) + i
    mm = np.repeat(m, m)
    q = np.empty(3 * len(s))
    q[base] = cand[0::2] + window
    q[base + mm] = cand[1::2] + window
    q[base + 2 * mm] = cand[1::2]
    f = np.zeros_like(q)
    for g in np.flatnonzero(fast).tolist():
        a, n = int(lo[g]), int(m[g])
        f[3 * a : 3 * (a + n)] = np.interp(q[3 * a : 3 * (a + n)], mono[2 * a : 2 * (a + n)], v[2 * a : 2 * (a + n)])
    vals = np.empty_like(t)
    vals[0::2] = f[base] - v[0::2]
    vals[1::2] = f[base + mm] - f[base + 2 * mm]
    fast2 = np.repeat(fast, 2 * m)
    vals[~fast2] = -np.inf
    top = np.repeat(np.maximum.reduceat(vals, 2 * lo), 2 * m)
    tied = np.where(vals >= top - TIE_SECONDS, cand, np.inf)  # ties go to the earliest start
    hit = np.flatnonzero((tied == np.repeat(np.minimum.reduceat(tied, 2 * lo), 2 * m)) & fast2)
    run = np.searchsorted(2 * lo, hit, side="right") - 1
    keep = np.r_[True, run[1:] != run[:-1]] if len(hit) else np.zeros(0, dtype=bool)
    best[run[keep]] = vals[hit[keep]]
    start[run[keep]] = np.maximum(cand[hit[keep]], 0.0)
    for g in np.flatnonzero(~fast):
        best[g], start[g] = worst_window(s[lo[g] : lo[g] + m[g]], e[lo[g] : lo[g] + m[g]], window)
    return best, start
