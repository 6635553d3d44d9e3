"""Pace metrics per driver (or per car) on clean laps. Formulas: ``docs/metrics.md``.

Clean lap (:func:`clean_laps`): the ``clean`` column of :func:`stintlab.analysis.annotate.annotate`
(green: not neutralised, not an in- or out-lap, no PIT_TIME, not lap 1, not an incident lap).

Metrics (seconds, each with its sample size): best_lap, ideal_lap (sum of the best clean
sectors), best_10 (mean of the 10 fastest clean laps; ``best_10_n`` laps used), best_20pct
(mean of the fastest k = ceil(20 % of clean laps); ``best_20pct_k``), median_clean,
stint_avg (sanitised stint average: in each stint drop laps more than :data:`STINT_TRIM` above
the stint's clean mean, then the mean of the laps kept), index (median over the driver's clean laps of
100 x lap / median of same-class clean laps crossing the line within about +-:data:`INDEX_WINDOW` s;
below 100 = faster than the class at that moment), spread (interquartile range of clean laps, s).

>>> import pandas as pd
>>> laps = pd.DataFrame({"car": ["1"] * 4 + ["2"] * 4, "driver": ["A"] * 4 + ["B"] * 4,
...     "class": ["X"] * 8, "lap_time": [100.0, 101, 102, 103, 110, 111, 112, 113],
...     "s1": [30.0, 31, 30, 32, 33, 33, 33, 33], "s2": [40.0, 39, 41, 40, 44, 44, 44, 44],
...     "s3": [30.0, 31, 31, 31, 33, 34, 35, 36], "elapsed": [100.0, 201, 303, 406, 110, 221, 333, 446],
...     "clean": [True] * 8, "stint": [1] * 8})
>>> m = driver_metrics(laps, clean_laps(laps))
>>> m[["driver", "clean_laps", "best_lap", "ideal_lap", "best_20pct", "best_20pct_k"]].values.tolist()
[['A', 4, 100.0, 99.0, 100.0, 1], ['B', 4, 110.0, 110.0, 110.0, 1]]
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from stintlab.analysis.context import codes, keep_taken_codes, kept, values
from stintlab.analysis.grouping import group_sums, stable_order
from stintlab.analysis.medians import window_medians
from stintlab.config import THRESHOLDS
from stintlab.schema import check_columns

__all__ = [
    "INDEX_WINDOW",
    "METRICS",
    "MIN_CLEAN_LAPS",
    "car_metrics",
    "clean_laps",
    "driver_metrics",
    "lap_index",
    "min_clean_laps",
]

#: Half-width (s of race time) of the window of same-class laps a lap is compared with for the index.
INDEX_WINDOW = THRESHOLDS.index_window
INDEX_MIN_REFERENCE = THRESHOLDS.index_min_reference
INDEX_MIN_CARS = THRESHOLDS.index_min_cars
INDEX_BIN = THRESHOLDS.index_bin
MIN_CLEAN_LAPS = THRESHOLDS.min_clean_laps


def min_clean_laps(clean: pd.DataFrame) -> int:
    """Fewest clean laps a driver (or car) figure needs not to be ``low_sample``: what the statistic
    needs, in laps. :data:`MIN_CLEAN_LAPS` (10), or ``THRESHOLDS.min_clean_laps_long`` (4) when the race's
    median clean lap is at least ``THRESHOLDS.long_lap`` (6 min: the Nordschleife's 8-10 min laps, where a
    driver of a 4-hour NLS race has a median of 6 clean laps). Measured split-half rank concordance
    (benchmarks/clean_laps_stability.py, same drivers for every k): NLS 2025 k=3 0.761, k=4 0.792; at
    10 laps Sebring 2022-2025 0.775, Le Mans 2019-2026 0.821. Every Al Kamel race's median clean lap is
    under 4 min, so they keep 10.

    >>> min_clean_laps(pd.DataFrame({"lap_time": [500.0, 560.0]})), min_clean_laps(pd.DataFrame({"lap_time": [225.0]}))
    (4, 10)
    """
    lt = clean["lap_time"].to_numpy(dtype=float) if "lap_time" in clean.columns else np.array([])
    lt = lt[np.isfinite(lt)]
    if len(lt) and _median_at_least(lt, THRESHOLDS.long_lap):
        return int(THRESHOLDS.min_clean_laps_long)
    return int(MIN_CLEAN_LAPS)


def _median_at_least(v: np.ndarray, limit: float) -> bool:
    """``np.median(v) >= limit`` for finite values, from how many reach ``limit`` (one pass, no sort):
    only when exactly half do is the median the mean of the highest value below and the lowest at or above."""
    n, above = len(v), v >= limit
    k = int(above.sum())
    if 2 * k != n:
        return 2 * k > n
    return bool((v[~above].max() + v[above].min()) / 2 >= limit)
STINT_TRIM = THRESHOLDS.stint_trim
METRICS = {
    "best_lap": "best_lap",
    "ideal_lap": "ideal_lap",
    "best_10": "best_10",
    "best_20pct": "best_20pct",
    "median_clean": "median_clean",
    "stint_avg": "stint_avg",
    "index": "index",
    "spread": "spread",
}


def clean_laps(annotated: pd.DataFrame) -> pd.DataFrame:
    """The clean laps of an annotated lap table (:func:`stintlab.analysis.annotate.annotate`: its
    ``clean`` and ``stint`` columns), with ``pace_index`` and ``stint_keep`` (module docstring)."""
    check_columns(annotated, "annotated_laps", "clean_laps()", ("clean", "stint"))
    laps = annotated
    lap_time = laps["lap_time"]
    rows = np.flatnonzero(laps["clean"].to_numpy(dtype=bool) & lap_time.notna().to_numpy())
    out = laps.iloc[rows]
    lt = lap_time.to_numpy(dtype=float)[rows]
    car = codes(laps, "car")[0][rows]  # the race's integer codes (kept per Arrow column), not the strings
    cls = codes(laps, "class")[0][rows]
    # each (car, stint)'s mean in table order (pandas' grouped mean: the same compensated sum), as
    # groupby(["car", "stint"]).transform("mean"); a lap without car or stint has none
    stint = laps["stint"]
    st = stint.to_numpy(dtype=float, na_value=np.nan)[rows] if len(rows) else np.zeros(0)
    ok = (car >= 0) & np.isfinite(st)
    key = np.where(ok, car, -1).astype(np.int64)
    if ok.any():
        s = st[ok].astype(np.int64)
        key[ok] = car[ok] * (int(s.max() - s.min()) + 1) + (s - s.min())
    mean = _stint_means(lt, key, ok)
    out = out.assign(
        pace_index=_lap_index(cls, car, laps["elapsed"].to_numpy(dtype=float)[rows], lt, INDEX_WINDOW),
        stint_keep=lt <= (1.0 + STINT_TRIM) * mean,
    )
    keep_taken_codes(out, laps, rows, [c for c in ("car", "driver") if c in laps.columns])
    return out


def _stint_means(lt: np.ndarray, key: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """``pd.Series(lt).groupby(key where ok, sort=False).transform("mean")``: each group's mean, as
    pandas computes it: ``np.add.reduceat`` when every group's rows are consecutive (a canonical
    table: each car's stints in turn) and nothing is NaN, else its compensated sum (pandas itself)."""
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]]) if len(key) else np.zeros(0, dtype=np.int64)
    if len(key) and ok.all() and not np.isnan(lt).any() and len(np.unique(key[starts])) == len(starts):
        size = np.diff(np.r_[starts, len(key)])
        return np.repeat(group_sums(lt, starts, size) / size.astype(np.float64), size)
    return pd.Series(lt).groupby(np.where(ok, key, np.nan), sort=False).transform("mean").to_numpy()


def lap_index(clean: pd.DataFrame, window: float = INDEX_WINDOW) -> np.ndarray:
    """Per clean lap: 100 x lap_time / the class reference at that moment.

    The reference is the median of the same-class clean laps crossing the line within about
    +-``window`` s: race time is cut into :data:`INDEX_BIN` s bins and a lap in bin b is compared
    with the laps of bins b-k..b+k (k = window / INDEX_BIN). A median, not a mean, so the few laps
    slowed by a slow zone, traffic or a spin do not drag the reference (slow zones are invisible in
    the files). NaN where the window holds fewer than :data:`INDEX_MIN_REFERENCE` laps or fewer
    than :data:`INDEX_MIN_CARS` cars (a one-car class has no reference).
    """
    cls = codes(clean, "class")[0]  # integer codes: laps without a class form one group (-1)
    return _lap_index(cls, codes(clean, "car")[0], clean["elapsed"].to_numpy(dtype=float),
                      clean["lap_time"].to_numpy(dtype=float), window)  # fmt: skip


def _lap_index(cls: np.ndarray, car: np.ndarray, t: np.ndarray, lt: np.ndarray, window: float) -> np.ndarray:
    """:func:`lap_index` from the laps' class and car codes, line-crossing times and lap times."""
    out = np.full(len(cls), np.nan)
    k = max(0, int(round(window / INDEX_BIN)))
    if len(cls) == 0:
        return out
    # the laps of each class together, by crossing time within it (ties in any order: every figure
    # below is a count or a median of a time window, the same whatever the order of equal times)
    by_time = np.argsort(t)
    grouped = by_time[stable_order(cls[by_time])]
    cs_all = cls[grouped]
    bounds = np.flatnonzero(np.r_[True, cs_all[1:] != cs_all[:-1], True])
    for a, b in zip(bounds[:-1], bounds[1:], strict=False):
        order = grouped[a:b]
        ts, ls = t[order], lt[order]
        bins = np.floor(ts / INDEX_BIN).astype(np.int64)
        new_bin = np.r_[True, bins[1:] != bins[:-1]]  # times sorted: each bin's laps together
        ub, at = bins[new_bin], np.cumsum(new_bin) - 1
        lo = np.searchsorted(ts, (ub - k) * INDEX_BIN, side="left")
        hi = np.searchsorted(ts, (ub + k + 1) * INDEX_BIN, side="left")
        ok = (hi - lo >= INDEX_MIN_REFERENCE) & (_distinct_cars(car[order], lo, hi) >= INDEX_MIN_CARS)
        ref = np.full(len(ub), np.nan)
        ref[ok] = window_medians(ls, lo[ok], hi[ok])
        out[order] = 100.0 * ls / ref[at]
    return out


def _distinct_cars(car: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """How many distinct values of ``car`` each slice ``car[lo:hi]`` holds: for each car, whether its
    first row at or after ``lo`` comes before ``hi`` (a missing car, -1, counts as one more car)."""
    n = len(car)
    seen = np.zeros(int(car.max()) + 2, dtype=np.int64)  # codes from -1
    seen[car + 1] = 1
    m = int(seen.sum())
    local = (np.cumsum(seen) - 1)[car + 1]  # the cars numbered 0..m-1
    rows = stable_order(local)  # each car's rows, in order
    key = np.r_[local[rows] * (n + 1) + rows, np.iinfo(np.int64).max]
    base = np.arange(m, dtype=np.int64)[:, None] * (n + 1)
    nxt = key[np.searchsorted(key, (base + lo[None, :]).ravel())].reshape(m, len(lo))
    return (nxt < base + hi[None, :]).sum(axis=0)


_COUNTS = ("clean_laps", "index_n", "best_10_n", "best_20pct_k", "stint_avg_n")


def group_ids(table: pd.DataFrame, keys: list[str]) -> tuple[np.ndarray, list[np.ndarray]]:
    """(group number per row, -1 when a key is missing; per key, its value for each group): the
    distinct combinations of ``keys``, from the columns' integer codes (:func:`~stintlab.analysis.context.codes`,
    kept per Arrow column), numbered in order of first appearance (as ``pd.factorize`` numbers them)."""
    return kept(table, keys[0], ("group_ids", *keys), lambda: _compute_group_ids(table, keys), also=tuple(keys[1:]))


def _compute_group_ids(table: pd.DataFrame, keys: list[str]) -> tuple[np.ndarray, list[np.ndarray]]:
    cols = [codes(table, k) for k in keys]
    key = np.zeros(len(table), dtype=np.int64)
    missing = np.zeros(len(table), dtype=bool)
    for c, names in cols:
        key = key * (len(names) + 1) + c
        missing |= c < 0
    key[missing] = -1
    if not len(key) or missing.all():
        return np.full(len(key), -1, dtype=np.int64), [np.zeros(0, dtype=object) for _ in keys]
    rows = np.flatnonzero(~missing)
    k = key[rows]
    change = rows[np.flatnonzero(np.r_[True, k[1:] != k[:-1]])]  # a group's first row starts a run
    uniq, first = np.unique(key[change], return_index=True)
    first = np.sort(change[first])  # each group's first row, in table order
    number = np.full(int(uniq[-1]) + 1, -1, dtype=np.int64)
    number[key[first]] = np.arange(len(first))
    gid = np.where(missing, -1, number[np.maximum(key, 0)])
    gid.flags.writeable = False  # kept with the table's columns (context.kept)
    return gid, [names[c[first]] for c, names in cols]


def within_groups(gid: np.ndarray, n_groups: int, by: np.ndarray | None = None) -> np.ndarray:
    """Row order putting each group's rows together (groups in number order): in table order, or by
    ascending ``by`` (NaN last; equal values in any order) within each group."""
    if by is None:
        return stable_order(gid)
    order = np.argsort(by)
    return order[stable_order(gid[order])]


def _order_stats(v: np.ndarray, starts: np.ndarray, n: np.ndarray) -> dict:
    """Per group of the sorted ``v`` (each group's rows from ``starts``, its ``n`` finite values first):
    min, median (as pandas' grouped median: the middle value or the mean of the middle two) and the
    linear 25 % and 75 % quantiles (pandas' grouped quantile: x_i + (x_(i+1) - x_i) * frac)."""
    has = n > 0
    last = len(v) - 1

    def at(pos):
        return np.where(has, v[np.clip(pos, 0, last)], np.nan) if len(v) else np.full(len(n), np.nan)

    hi, lo = at(starts + n // 2), at(starts + np.maximum(n - 1, 0) // 2)
    out = {"min": at(starts), "median": np.where(n % 2 == 1, hi, (hi + lo) / 2)}
    for q in (0.25, 0.75):
        q_idx = q * (n - 1).astype(float)
        i = q_idx.astype(np.int64)
        frac = q_idx % 1
        val, nxt = at(starts + i), at(starts + np.minimum(i + 1, np.maximum(n - 1, 0)))
        out[q] = np.where(frac == 0.0, val, val + (nxt - val) * frac)
    return out


def _grouped_mean(v: np.ndarray, gid: np.ndarray, n_groups: int) -> np.ndarray | None:
    """``pd.Series(v).groupby(gid, sort=True).mean()`` (NaN for a group without rows) when pandas
    computes it with ``np.add.reduceat`` (ids non-decreasing, no NaN: the same call, the same
    sums); None when it would take its compensated (Kahan) sum instead."""
    if len(v) == 0 or (gid[1:] < gid[:-1]).any() or np.isnan(v).any():
        return None
    starts = np.flatnonzero(np.r_[True, gid[1:] != gid[:-1]])
    out = np.full(n_groups, np.nan)
    size = np.diff(np.r_[starts, len(v)])
    out[gid[starts]] = group_sums(v, starts, size) / size.astype(np.float64)
    return out


def _means(lap_time: np.ndarray, keep: np.ndarray, gid: np.ndarray, n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    """(mean_clean, stint_avg) per group: the grouped means of every lap and of the kept ones, as pandas
    computes them (:func:`_grouped_mean`, else its compensated sums, both in one call)."""
    mean_clean = _grouped_mean(lap_time, gid, n_groups)
    stint_avg = _grouped_mean(lap_time[keep], gid[keep], n_groups)
    if mean_clean is None or stint_avg is None:
        kahan = pd.DataFrame({"a": lap_time, "b": np.where(keep, lap_time, np.nan)}).groupby(gid, sort=True).mean()
        kahan = kahan.reindex(range(n_groups))
        if mean_clean is None:
            mean_clean = kahan["a"].to_numpy()
        if stint_avg is None:
            stint_avg = kahan["b"].to_numpy()
    return mean_clean, stint_avg


def _group_metrics(clean: pd.DataFrame, keys: list[str]) -> tuple[dict, dict]:
    """Every metric per group of ``keys`` (rows with a missing key belong to no group): ({key tuple:
    group number}, {metric: array per group}).

    Numpy on the keys' integer codes, each group's rows sorted once by lap time (and once by index);
    the means and sums are pandas' grouped kernels on integer ids (its compensated summation, rows
    in the same order as grouping by the string columns), so every figure is the same as theirs."""
    gid_all, names = group_ids(clean, keys)
    ok = gid_all >= 0  # a lap with an empty DRIVER_NAME belongs to no driver
    gid = gid_all[ok]
    n_groups = len(names[0])
    uniq = list(zip(*(nm.tolist() for nm in names), strict=True))
    index = (clean["pace_index"].to_numpy(dtype=float) if "pace_index" in clean.columns else lap_index(clean))[ok]
    lap_time = clean["lap_time"].to_numpy(dtype=float)[ok]
    size = np.bincount(gid, minlength=n_groups)
    starts = np.r_[0, np.cumsum(size)[:-1]].astype(np.int64) if n_groups else np.zeros(0, dtype=np.int64)

    by_lap = within_groups(gid, n_groups, lap_time)
    x = lap_time[by_lap]
    n_lt = np.bincount(gid, ~np.isnan(lap_time), n_groups).astype(np.int64)
    st = _order_stats(x, starts, n_lt)
    by_index = within_groups(gid, n_groups, index)
    n_ix = np.bincount(gid, ~np.isnan(index), n_groups).astype(np.int64)
    ix = _order_stats(index[by_index], starts, n_ix)
    in_table = within_groups(gid, n_groups)

    # fastest-k means: the rank of each lap in its group (ties in table order), as before
    rank = np.arange(len(x)) - np.repeat(starts, size) + 1
    n = np.repeat(size, size)
    k20 = np.ceil(0.2 * n).astype(int)
    in10, in20 = rank <= 10, rank <= k20
    keep = clean["stint_keep"].to_numpy(dtype=bool)[ok] if "stint_keep" in clean.columns else np.ones(len(gid), dtype=bool)
    mean_clean, stint_avg = _means(lap_time, keep, gid, n_groups)
    s10, s20 = np.where(in10, x, 0.0), np.where(in20, x, 0.0)
    # the two sums as pandas adds them in one groupby of both columns (rows grouped, ids sorted): reduceat
    # when neither column holds a NaN, else its compensated sum for both (grouping.group_sums)
    no_nan = not (np.isnan(s10).any() or np.isnan(s20).any())
    sum10, sum20 = (group_sums(s, starts, size, in_order=no_nan) for s in (s10, s20))
    n10, n20 = np.minimum(size, 10), np.ceil(0.2 * size).astype(np.int64)

    sectors = []
    for s in ("s1", "s2", "s3"):
        v = clean[s].to_numpy(dtype=float)[ok][in_table]
        sectors.append(np.fmin.reduceat(v, starts) if len(v) else np.zeros(0))
    s1, s2, s3 = sectors
    ideal = np.where(np.isnan(s1) | np.isnan(s2) | np.isnan(s3), np.nan, s1 + s2 + s3)
    out = {
        "clean_laps": size.astype(np.int64),
        "best_lap": st["min"],
        "median_clean": st["median"],
        "mean_clean": mean_clean,
        "spread": st[0.75] - st[0.25],
        "index": ix["median"],
        "index_n": n_ix,
        "ideal_lap": ideal,
        "best_10": sum10 / n10,
        "best_10_n": n10,
        "best_20pct": sum20 / n20,
        "best_20pct_k": n20,
        "stint_avg": stint_avg,
        "stint_avg_n": np.bincount(gid, keep, n_groups).astype(np.int64),
    }
    return {u: i for i, u in enumerate(uniq)}, out


def _first_rows(laps: pd.DataFrame, keys: list[str], need: str | None = None) -> np.ndarray:
    """Positions of the first row of each distinct combination of ``keys`` (a missing value is one
    value), in table order, leaving out rows where ``need`` is missing: ``drop_duplicates(keys)``
    (after ``dropna(subset=[need])``) on the columns' integer codes."""
    key = np.zeros(len(laps), dtype=np.int64)
    valid = np.ones(len(laps), dtype=bool)
    for k in keys:
        c, names = codes(laps, k)
        key = key * (len(names) + 1) + (c + 1)
        if k == need:
            valid &= c >= 0
    rows = np.flatnonzero(valid)
    key = key[rows]
    change = np.flatnonzero(np.r_[True, key[1:] != key[:-1]]) if len(key) else np.zeros(0, dtype=np.int64)
    # a combination's first row starts a run of equal keys: look among the run starts only
    first = np.unique(key[change], return_index=True)[1]
    return rows[change[np.sort(first)]]


def _with_metrics(laps: pd.DataFrame, keys: list[str], cols: list[str], rows: np.ndarray, clean: pd.DataFrame) -> pd.DataFrame:
    """The ``rows`` of ``laps`` (one per car or driver; columns ``cols``) with every metric of its
    group over ``clean``: metrics NaN and counts 0 without one."""
    groups, metrics = _group_metrics(clean, keys)
    out = {c: laps[c].array.take(rows) for c in cols}
    key_values = [values(laps, k)[rows] for k in keys]
    at = np.array([groups.get(k, -1) for k in zip(*key_values, strict=True)], dtype=np.int64)
    found = at >= 0
    for name, arr in metrics.items():
        if name in _COUNTS:
            v = np.zeros(len(at), dtype=np.int64)
            v[found] = np.nan_to_num(np.asarray(arr, dtype=float)[at[found]]).astype(np.int64)
        else:
            v = np.full(len(at), np.nan)
            v[found] = np.asarray(arr, dtype=float)[at[found]]
        out[name] = v
    out["low_sample"] = out["clean_laps"] < min_clean_laps(clean)
    return pd.DataFrame(out)


def driver_metrics(laps: pd.DataFrame, clean: pd.DataFrame) -> pd.DataFrame:
    """One row per (car, driver) of ``laps``: class, clean_laps and every metric over ``clean``
    (the output of :func:`clean_laps`; module docstring).

    Drivers with no clean lap are listed too (clean_laps 0, metrics NaN), never dropped.
    """
    cols = [c for c in ("car", "driver", "class", "team") if c in laps.columns]
    return _with_metrics(laps, ["car", "driver"], cols, _first_rows(laps, ["car", "driver"], need="driver"), clean)


def car_metrics(laps: pd.DataFrame, clean: pd.DataFrame) -> pd.DataFrame:
    """The same metrics per car of ``laps`` (all its drivers' laps of ``clean`` together)."""
    cols = [c for c in ("car", "class", "team") if c in laps.columns]
    return _with_metrics(laps, ["car"], cols, _first_rows(laps, ["car"]), clean)


def k_best_20(n: int) -> int:
    """Laps in the best-20 % mean for n clean laps.

    >>> [k_best_20(n) for n in (1, 5, 6, 50, 51)]
    [1, 1, 2, 10, 11]
    """
    return max(1, math.ceil(0.2 * n)) if n else 0
