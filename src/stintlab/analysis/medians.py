"""Medians of many slices of one array at once: the kernel behind the stop field reference
(:mod:`stintlab.analysis.stops`) and the performance-index reference (:func:`stintlab.analysis.pace.lap_index`).

``window_medians(v, lo, hi)[k]`` is exactly ``np.median(v[lo[k]:hi[k]])`` (the middle value, or the
mean of the middle two), NaN for an empty slice or one holding a NaN, as ``np.median`` gives:

>>> import numpy as np
>>> window_medians(np.array([5.0, 1.0, 3.0, 2.0, np.nan]), np.array([0, 0, 1, 2, 3]), np.array([3, 4, 1, 5, 4]))
array([3. , 2.5, nan, nan, 2. ])
"""

from __future__ import annotations

import numpy as np

__all__ = ["window_medians"]


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
