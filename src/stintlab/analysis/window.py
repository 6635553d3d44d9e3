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

__all__ = ["worst_window"]

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
