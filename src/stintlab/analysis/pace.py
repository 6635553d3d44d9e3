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
    if len(lt) and float(np.median(lt)) >= THRESHOLDS.long_lap:
        return int(THRESHOLDS.min_clean_laps_long)
    return int(MIN_CLEAN_LAPS)
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
    out = laps[laps["clean"].to_numpy(dtype=bool) & laps["lap_time"].notna().to_numpy()]
    mean = out.groupby(["car", "stint"], sort=False, observed=True)["lap_time"].transform("mean").to_numpy()
    return out.assign(
        pace_index=lap_index(out),
        stint_keep=out["lap_time"].to_numpy() <= (1.0 + STINT_TRIM) * mean,
    )


def lap_index(clean: pd.DataFrame, window: float = INDEX_WINDOW) -> np.ndarray:
    """Per clean lap: 100 x lap_time / the class reference at that moment.

    The reference is the median of the same-class clean laps crossing the line within about
    +-``window`` s: race time is cut into :data:`INDEX_BIN` s bins and a lap in bin b is compared
    with the laps of bins b-k..b+k (k = window / INDEX_BIN). A median, not a mean, so the few laps
    slowed by a slow zone, traffic or a spin do not drag the reference (slow zones are invisible in
    the files). NaN where the window holds fewer than :data:`INDEX_MIN_REFERENCE` laps or fewer
    than :data:`INDEX_MIN_CARS` cars (a one-car class has no reference).
    """
    out = np.full(len(clean), np.nan)
    cls = pd.factorize(clean["class"])[0]  # integer codes: laps without a class form one group (-1)
    t = clean["elapsed"].to_numpy(dtype=float)
    lt = clean["lap_time"].to_numpy(dtype=float)
    car = pd.factorize(clean["car"])[0]
    k = max(0, int(round(window / INDEX_BIN)))
    for c in np.unique(cls):
        idx = np.flatnonzero(cls == c)
        order = idx[np.argsort(t[idx], kind="stable")]
        ts, ls, cs = t[order], lt[order], car[order]
        bins = np.floor(ts / INDEX_BIN).astype(np.int64)
        ub = np.unique(bins)
        lo = np.searchsorted(ts, (ub - k) * INDEX_BIN, side="left")
        hi = np.searchsorted(ts, (ub + k + 1) * INDEX_BIN, side="left")
        # distinct cars of each window from per-car running counts; the medians in one pass
        codes = pd.factorize(cs)[0]
        seen = np.zeros((len(cs) + 1, codes.max() + 1), dtype=np.int32)
        seen[np.arange(1, len(cs) + 1), codes] = 1
        seen = seen.cumsum(axis=0)
        cars = ((seen[hi] - seen[lo]) > 0).sum(axis=1)
        ok = (hi - lo >= INDEX_MIN_REFERENCE) & (cars >= INDEX_MIN_CARS)
        ref = np.full(len(ub), np.nan)
        ref[ok] = window_medians(ls, lo[ok], hi[ok])
        out[order] = 100.0 * ls / ref[np.searchsorted(ub, bins)]
    return out


_COUNTS = ("clean_laps", "index_n", "best_10_n", "best_20pct_k", "stint_avg_n")


def _group_metrics(clean: pd.DataFrame, keys: list[str]) -> tuple[dict, dict]:
    """Every metric per group of ``keys`` (rows with a missing key belong to no group): ({key tuple:
    group number}, {metric: array per group}), groups numbered in first-appearance order.

    The groups are integer ids, so pandas' grouped kernels run on numeric keys and each group's rows
    in table order (the same sums, medians and quantiles as grouping by the string columns)."""
    ok = clean[keys].notna().all(axis=1).to_numpy()  # a lap with an empty DRIVER_NAME belongs to no driver
    c = clean[ok]
    # one integer per key combination, numbered in first-appearance order
    gid = pd.factorize(c[keys[0]])[0].astype(np.int64)
    for k in keys[1:]:
        kc = pd.factorize(c[k])[0]
        gid = gid * (int(kc.max(initial=0)) + 1) + kc
    gid = pd.factorize(gid)[0]
    first_rows = np.unique(gid, return_index=True)[1]  # each group's first row, by group id
    n_groups = len(first_rows)
    uniq = list(zip(*(c[k].to_numpy(dtype=object)[first_rows] for k in keys)))
    index = (clean["pace_index"].to_numpy(dtype=float) if "pace_index" in clean.columns else lap_index(clean))[ok]
    lap_time = c["lap_time"].to_numpy(dtype=float)
    f = pd.DataFrame({"g": gid, "lap_time": lap_time, "_index": index, "s1": c["s1"].to_numpy(dtype=float),
                      "s2": c["s2"].to_numpy(dtype=float), "s3": c["s3"].to_numpy(dtype=float)})  # fmt: skip
    g = f.groupby("g", sort=True)  # ids are in first-appearance order: sorted ids = groupby(keys, sort=False)
    lt = g["lap_time"]

    def per_group(series: pd.Series) -> np.ndarray:  # aligned on group ids 0..n-1 (NaN for a group absent)
        return series.reindex(range(n_groups)).to_numpy()

    out = {
        "clean_laps": per_group(lt.size()),
        "best_lap": per_group(lt.min()),
        "median_clean": per_group(lt.median()),
        "mean_clean": per_group(lt.mean()),
        "spread": per_group(lt.quantile(0.75) - lt.quantile(0.25)),
        "index": per_group(g["_index"].median()),
        "index_n": per_group(g["_index"].count()),
        "ideal_lap": per_group(g[["s1", "s2", "s3"]].min().sum(axis=1, min_count=3)),
    }
    # fastest-k means: sort once (by group, then lap time; ties in table order), rank inside each group
    srt = np.lexsort((lap_time, gid))
    sg, x = gid[srt], lap_time[srt]
    first = np.r_[True, sg[1:] != sg[:-1]] if len(sg) else np.zeros(0, dtype=bool)
    starts = np.flatnonzero(first)
    size = np.diff(np.r_[starts, len(sg)])
    rank = np.arange(len(sg)) - np.repeat(starts, size) + 1
    n = np.repeat(size, size)
    k20 = np.ceil(0.2 * n).astype(int)
    in10, in20 = rank <= 10, rank <= k20
    sums = pd.DataFrame({"g": sg, "_n10": in10.astype(int), "_s10": np.where(in10, x, 0.0), "_n20": in20.astype(int),
                         "_s20": np.where(in20, x, 0.0)}).groupby("g", sort=True).sum()  # fmt: skip
    s10, n10 = per_group(sums["_s10"]), per_group(sums["_n10"])
    s20, n20 = per_group(sums["_s20"]), per_group(sums["_n20"])
    out["best_10"], out["best_10_n"] = s10 / n10, n10
    out["best_20pct"], out["best_20pct_k"] = s20 / n20, n20
    keep = c["stint_keep"].to_numpy(dtype=bool) if "stint_keep" in c.columns else np.ones(len(c), dtype=bool)
    gk = f[keep].groupby("g", sort=True)["lap_time"]
    out["stint_avg"], out["stint_avg_n"] = per_group(gk.mean()), per_group(gk.size())
    return {u: i for i, u in enumerate(uniq)}, out


def _with_metrics(rows: pd.DataFrame, groups: dict, metrics: dict, keys: list[str], clean: pd.DataFrame) -> pd.DataFrame:
    """``rows`` (one per car or driver) with every metric of its group, metrics NaN and counts 0 without one."""
    at = np.array([groups.get(k, -1) for k in zip(*(rows[k].to_numpy(dtype=object) for k in keys))], dtype=np.int64)
    out = rows.reset_index(drop=True)
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
    return out


def driver_metrics(laps: pd.DataFrame, clean: pd.DataFrame) -> pd.DataFrame:
    """One row per (car, driver) of ``laps``: class, clean_laps and every metric over ``clean``
    (the output of :func:`clean_laps`; module docstring).

    Drivers with no clean lap are listed too (clean_laps 0, metrics NaN), never dropped.
    """
    groups, metrics = _group_metrics(clean, ["car", "driver"])
    everyone = laps[[c for c in ("car", "driver", "class", "team") if c in laps.columns]]
    everyone = everyone.dropna(subset=["driver"]).drop_duplicates(["car", "driver"])
    return _with_metrics(everyone, groups, metrics, ["car", "driver"], clean)


def car_metrics(laps: pd.DataFrame, clean: pd.DataFrame) -> pd.DataFrame:
    """The same metrics per car of ``laps`` (all its drivers' laps of ``clean`` together)."""
    groups, metrics = _group_metrics(clean, ["car"])
    cars = laps[[c for c in ("car", "class", "team") if c in laps.columns]].drop_duplicates("car")
    return _with_metrics(cars, groups, metrics, ["car"], clean)


def k_best_20(n: int) -> int:
    """Laps in the best-20 % mean for n clean laps.

    >>> [k_best_20(n) for n in (1, 5, 6, 50, 51)]
    [1, 1, 2, 10, 11]
    """
    return max(1, math.ceil(0.2 * n)) if n else 0
