"""Driver and crew rankings per class and per FIA category within class, with confidence.

:func:`driver_rankings` ranks every driver of a race by one metric of
:mod:`stintlab.analysis.pace` (lower is better for all of them), in his class
(``class_rank``) and among drivers of his FIA category in that class (``category_rank``).
Each figure comes with a 90 % interval (``ci_low``..``ci_high``): for the medians (``median_clean``,
``index``) the exact distribution-free order-statistic interval of the median
(:func:`median_interval`, no resampling); for the other metrics a bootstrap interval (resampling the
driver's clean laps :data:`N_BOOT` times with a fixed seed, :func:`bootstrap_interval`).
``close_to_next`` says that interval overlaps the next-ranked driver's, so close calls read as close. Drivers with fewer
than :func:`~stintlab.analysis.pace.min_clean_laps` clean laps (10; 4 on laps of 6 min or more) are
ranked but flagged ``low_sample``; :func:`best_performers` leaves them out.

>>> import pandas as pd
>>> laps = pd.DataFrame({"car": ["1"] * 12 + ["2"] * 12, "driver": ["A"] * 12 + ["B"] * 12,
...     "class": ["X"] * 24, "lap_time": [100.0 + i % 3 for i in range(12)] + [101.0 + i % 3 for i in range(12)],
...     "s1": [30.0] * 24, "s2": [40.0] * 24, "s3": [30.0] * 24,
...     "elapsed": [100.0 * i for i in range(1, 13)] * 2, "clean": [True] * 24, "stint": [1] * 24})
>>> from stintlab.analysis.pace import clean_laps
>>> r = driver_rankings(laps, clean_laps(laps), {("1", "A"): "Gold", ("2", "B"): "Gold"}, by="median_clean")
>>> r[["driver", "value", "class_rank", "category_rank"]].values.tolist()
[['A', 101.0, 1, 1], ['B', 102.0, 2, 2]]
"""

from __future__ import annotations

import functools
import math
from fractions import Fraction

import numpy as np
import pandas as pd

from stintlab.analysis.pace import METRICS, car_metrics, driver_metrics, min_clean_laps
from stintlab.config import THRESHOLDS
from stintlab.errors import StintlabUsageError
from stintlab.names import name_key

__all__ = [
    "CI_LEVEL",
    "N_BOOT",
    "best_performers",
    "bootstrap_interval",
    "crew_rankings",
    "driver_rankings",
    "median_interval",
    "median_interval_ranks",
    "metric_leaders",
]

#: Bootstrap resamples per driver and the interval's coverage.
N_BOOT = THRESHOLDS.n_boot
CI_LEVEL = THRESHOLDS.ci_level
_CATS = ("Platinum", "Gold", "Silver", "Bronze")


def _stat(metric: str, samples: np.ndarray, sectors: np.ndarray | None = None) -> np.ndarray:
    """The metric of each row of ``samples`` (B x n lap times or per-lap values)."""
    n = samples.shape[1]
    if metric == "best_lap":
        return samples.min(axis=1)
    if metric == "best_10":
        return np.sort(samples, axis=1)[:, : min(10, n)].mean(axis=1)
    if metric == "best_20pct":
        k = max(1, int(np.ceil(0.2 * n)))
        return np.sort(samples, axis=1)[:, :k].mean(axis=1)
    if metric in ("median_clean", "index"):
        return np.median(samples, axis=1)
    if metric == "stint_avg":
        return samples.mean(axis=1)
    if metric == "spread":
        q = np.quantile(samples, [0.25, 0.75], axis=1)
        return q[1] - q[0]
    if metric == "ideal_lap":
        return sectors.min(axis=1).sum(axis=1)
    raise ValueError(metric)


def bootstrap_interval(
    values, metric: str, *, n_boot: int = N_BOOT, seed: int = 0, sectors=None
) -> tuple[float, float]:
    """(low, high) bootstrap percentile interval of ``metric`` over ``values`` (the rankings' interval of
    every metric but the medians, which take :func:`median_interval`).

    The median of 11 laps 100, 101, ..., 110 s: a resample's median is at most the k-th lap when at least
    6 of its 11 draws are among the k fastest, P = P(Binomial(11, k/11) >= 6): 0.051 for k = 3 and
    0.949 for k = 8, so the 90 % interval runs from about the 3rd-4th lap to the 8th-9th (102-103 to 107-108):

    >>> lo, hi = bootstrap_interval([100.0 + i for i in range(11)], "median_clean")
    >>> 102.0 <= lo <= 103.0 and 107.0 <= hi <= 108.0
    True
    """
    vals = _resampled(values, metric, n_boot=n_boot, seed=seed, sectors=sectors)
    if vals is None:
        return float("nan"), float("nan")
    lo, hi = np.nanquantile(vals, _ci_quantiles())
    return float(lo), float(hi)


#: metrics whose interval is the exact order-statistic interval of the median (:func:`median_interval`)
_MEDIANS = ("median_clean", "index")


@functools.lru_cache(maxsize=1024)
def median_interval_ranks(n: int, level: float = CI_LEVEL) -> tuple[int, int, float]:
    """(l, u, coverage): the 1-based ranks of the order statistics x_(l) <= x_(u), u = n + 1 - l, bounding the
    distribution-free interval of the median of ``n`` values at ``level``, and its exact coverage.

    P(x_(l) <= median <= x_(n+1-l)) = 1 - 2 P(Binomial(n, 1/2) <= l - 1) for any continuous
    distribution of independent values; l is the largest rank whose coverage is still at least
    ``level`` (the shortest such symmetric interval). When even (x_(1), x_(n)) covers less (n <= 4
    at 90 %), that widest interval is given with its lower coverage 1 - 2^(1-n). Exact integer
    arithmetic (binomial coefficients), no approximation.

    >>> median_interval_ranks(11)  # P(Bin(11, 1/2) <= 2) = 67/2048: coverage 1 - 134/2048
    (3, 9, 0.9345703125)
    >>> median_interval_ranks(100)[:2], median_interval_ranks(3)
    ((42, 59), (1, 3, 0.75))
    """
    if n < 1:
        raise ValueError("no values")
    alpha, total = 1 - Fraction(level).limit_denominator(10**6), 2**n
    low, below = 1, 1  # below = sum of C(n, k) for k < low: 2^n P(Bin(n, 1/2) <= low - 1)
    while 2 * (low + 1) <= n + 1:  # x_(low+1) still at or below x_(n-low)
        nxt = below + math.comb(n, low)
        if 2 * nxt > alpha * total:
            break
        low, below = low + 1, nxt
    return low, n + 1 - low, float(1 - Fraction(2 * below, total))


def median_interval(values, level: float = CI_LEVEL) -> tuple[float, float]:
    """(low, high): the exact order-statistic interval of the median of the finite ``values``
    (:func:`median_interval_ranks`); (NaN, NaN) without a finite value.

    >>> median_interval([100.0 + 0.2 * i for i in range(11)])  # x_(3), x_(9)
    (100.4, 101.6)
    """
    v = np.asarray(values, dtype=float)
    v = np.sort(v[np.isfinite(v)])
    if len(v) == 0:
        return float("nan"), float("nan")
    lo, hi, _ = median_interval_ranks(len(v), level)
    return float(v[lo - 1]), float(v[hi - 1])


def _ci_quantiles() -> list[float]:
    """The interval's quantiles of the resampled metric."""
    a = (1.0 - CI_LEVEL) / 2.0
    return [a, 1.0 - a]


def _resampled(values, metric: str, *, n_boot: int, seed: int, sectors=None) -> np.ndarray | None:
    """The metric over each of ``n_boot`` resamples of the finite ``values`` (None when there is none)."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    n = len(v)
    if n == 0:
        return None
    if metric in _ORDER_STATISTICS:
        return _resampled_order_statistic(v, metric, _draw_counts(n, n_boot, seed))
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, n, size=(n_boot, n))
    if metric == "ideal_lap":
        return _resampled_ideal(np.asarray(sectors, dtype=float), idx)
    return _stat(metric, v[idx])


#: metrics that are order statistics of the laps (or the mean of the middle two): read from the draw counts
_ORDER_STATISTICS = ("best_lap", "median_clean", "index")


@functools.lru_cache(maxsize=32)
def _draw_counts(n: int, n_boot: int, seed: int) -> np.ndarray:
    """How often each of n laps is drawn in each of ``n_boot`` resamples (the draws of
    :func:`_resampled`: one generator seeded with ``seed`` per entry, so every entry with n laps
    draws the same indices). Kept per (n, n_boot, seed); read-only."""
    idx = np.random.default_rng(seed).integers(0, n, size=(n_boot, n))
    counts = np.bincount((idx + n * np.arange(n_boot)[:, None]).ravel(), minlength=n_boot * n)
    counts = counts.reshape(n_boot, n).astype(np.int32)
    counts.flags.writeable = False
    return counts


def _resampled_order_statistic(v: np.ndarray, metric: str, counts: np.ndarray) -> np.ndarray:
    """:func:`_stat` of each resample for an order-statistic metric, exactly the same values
    (``min``; ``np.median``: the middle value, or the mean of the middle two as ``np.median``
    computes it), found from the draw counts in lap-time order instead of sorting each resample:
    the k-th smallest drawn value is the first sorted lap where the running count reaches k."""
    order = np.argsort(v, kind="stable")
    vs = v[order]
    if metric == "best_lap":
        return vs[np.argmax(counts[:, order] > 0, axis=1)]
    n = len(v)
    cum = np.cumsum(counts[:, order], axis=1)
    hi = vs[np.argmax(cum >= n // 2 + 1, axis=1)]
    if n % 2:
        return hi
    lo = vs[np.argmax(cum >= n // 2, axis=1)]
    return np.mean(np.stack([lo, hi], axis=1), axis=1)


def _resampled_ideal(sec: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """``np.nanmin(sec[idx], axis=1).sum(axis=1)`` (each resample's best sectors summed) without the
    B x n x 3 float gather: per sector, the lowest rank drawn (NaN ranked last) read back as its time."""
    best = np.empty((idx.shape[0], sec.shape[1]))
    for j in range(sec.shape[1]):
        col = sec[:, j]
        order = np.argsort(col, kind="stable")  # NaN last
        rank = np.empty(len(col), dtype=np.int64)
        rank[order] = np.arange(len(col))
        best[:, j] = col[order][rank[idx].min(axis=1)]  # NaN only when every draw is NaN, as nanmin
    return best.sum(axis=1)


def _metric_name(by: str) -> str:
    key = by.strip().lower().replace("-", "_")
    key = {"best": "best_lap", "ideal": "ideal_lap", "best10": "best_10", "best20": "best_20pct", "median": "median_clean",
           "stint": "stint_avg", "consistency": "spread"}.get(key, key)  # fmt: skip
    if key not in METRICS:
        raise StintlabUsageError(f"unknown metric {by!r} (choose from {', '.join(METRICS)})")
    return key


def _category_map(categories, frame: pd.DataFrame, column: str = "category") -> list:
    if categories is None or (column != "category" and not isinstance(categories, pd.DataFrame)):
        return [None] * len(frame)
    if isinstance(categories, pd.DataFrame):
        if column not in categories.columns:
            return [None] * len(frame)
        look = {
            (str(c), name_key(d)): cat
            for c, d, cat in zip(categories["car"], categories["driver"], categories[column], strict=True)
        }
    else:
        look = {(str(k[0]), name_key(k[1])): v for k, v in dict(categories).items()}
    out = []
    for c, d in zip(frame["car"], frame["driver"], strict=True):
        v = look.get((str(c), name_key(d)))
        out.append(None if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)) else str(v))
    return out


def _rank(df: pd.DataFrame, keys: list[str]) -> pd.Series:
    return df.groupby(keys, sort=False, dropna=False)["value"].rank(method="min").astype("Int32")


def _with_confidence(
    table: pd.DataFrame, clean: pd.DataFrame, keys: list[str], metric: str, n_boot: int, seed: int
) -> pd.DataFrame:
    # row positions of each group (in table order) and the metric's columns as numpy, once
    groups = {(k if isinstance(k, tuple) else (k,)): pos
              for k, pos in clean.groupby(keys, sort=False, observed=True).indices.items()}  # fmt: skip
    if metric == "index":
        values, keep = clean["pace_index"].to_numpy(dtype=float), None
    else:
        values = clean["lap_time"].to_numpy(dtype=float)
        keep = clean["stint_keep"].to_numpy(dtype=bool) if metric == "stint_avg" else None
    sectors = clean[["s1", "s2", "s3"]].to_numpy(dtype=float) if metric == "ideal_lap" else None
    if table.empty:
        return table.assign(ci_low=[], ci_high=[])
    lows, highs = np.full(len(table), np.nan), np.full(len(table), np.nan)
    done, resampled = [], []
    for i, row in enumerate(table[keys].itertuples(index=False, name=None)):
        pos = groups.get(tuple(row))
        if pos is None or len(pos) == 0 or n_boot <= 0:
            continue
        v = values[pos] if keep is None else values[pos[keep[pos]]]
        if metric in _MEDIANS:  # exact order-statistic interval, no resampling
            lows[i], highs[i] = median_interval(v)
            continue
        sec = sectors[pos] if sectors is not None else None
        vals = _resampled(v, metric, n_boot=n_boot, seed=seed, sectors=sec)
        if vals is not None:
            done.append(i)
            resampled.append(vals)
    if done:
        # the quantiles of every entry at once (np.quantile along rows computes each row as the
        # 1-D call would); entries with a NaN resample take bootstrap_interval's nanquantile
        stack = np.vstack(resampled)
        q = np.quantile(stack, _ci_quantiles(), axis=1)
        for j in np.flatnonzero(np.isnan(stack).any(axis=1)):
            q[:, j] = np.nanquantile(stack[j], _ci_quantiles())
        lows[done], highs[done] = q[0], q[1]
    return table.assign(ci_low=lows, ci_high=highs)


def _close_to_next(df: pd.DataFrame, rank_col: str, group: list[str]) -> np.ndarray:
    """True when the interval overlaps the next-ranked entry's in the same group."""
    out = np.zeros(len(df), dtype=bool)
    d = df.reset_index(drop=True)
    for _, g in d[d["value"].notna()].groupby(group, sort=False, dropna=False):
        g = g.sort_values(rank_col, kind="stable")
        idx = g.index.to_numpy()
        hi = g["ci_high"].to_numpy()
        lo = g["ci_low"].to_numpy()
        for j in range(len(idx) - 1):
            out[idx[j]] = bool(hi[j] >= lo[j + 1])
    return out


def driver_rankings(
    laps: pd.DataFrame,
    clean: pd.DataFrame,
    categories=None,
    *,
    by: str = "index",
    min_laps: int | None = None,
    n_boot: int = N_BOOT,
    seed: int = 0,
    metrics: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Every driver of ``laps`` with every metric over ``clean`` (:func:`~stintlab.analysis.pace.clean_laps`),
    ranked by ``by`` in class and in category within class. ``metrics``: the
    :func:`~stintlab.analysis.pace.driver_metrics` of the same ``laps`` and ``clean`` when already
    computed (it is not modified).

    ``categories``: ``{(car, driver): category}`` or a DataFrame with car, driver, category and
    optionally category_source (e.g. from :func:`stintlab.analysis.categories.resolve_categories`), or None.
    Columns: driver, car, class, team, category, category_source, clean_laps, every metric and its sample size,
    metric, value, ci_low, ci_high, class_rank, category_rank, low_sample, close_to_next.
    Sorted by class (first appearance) then class_rank. ``min_laps``: fewer clean laps are ``low_sample``;
    None: the race's minimum (:func:`~stintlab.analysis.pace.min_clean_laps`: 10, 4 on laps of 6 min or more).
    """
    metric = _metric_name(by)
    m = driver_metrics(laps, clean) if metrics is None else metrics.copy()
    m.insert(4, "category", pd.array(_category_map(categories, m), dtype="string"))
    m.insert(5, "category_source", pd.array(_category_map(categories, m, "category_source"), dtype="string"))
    m["low_sample"] = m["clean_laps"] < (min_clean_laps(clean) if min_laps is None else min_laps)
    m["metric"] = metric
    m["value"] = m[METRICS[metric]]
    m = _with_confidence(m, clean, ["car", "driver"], metric, n_boot, seed)
    m["class_rank"] = _rank(m, ["class"])
    m["category_rank"] = _rank(m, ["class", "category"])
    m.loc[m["category"].isna(), "category_rank"] = pd.NA
    order = {c: i for i, c in enumerate(pd.unique(m["class"]))}
    m = m.sort_values(["class", "class_rank"], key=lambda s: s.map(order) if s.name == "class" else s, kind="stable")
    m = m.reset_index(drop=True)
    m["close_to_next"] = _close_to_next(m, "class_rank", ["class"])
    cols = ["driver", "car", "class", "team", "category", "category_source", "clean_laps", "best_lap", "ideal_lap", "best_10", "best_10_n",
            "best_20pct", "best_20pct_k", "median_clean", "stint_avg", "stint_avg_n", "index", "index_n", "spread",
            "metric", "value", "ci_low", "ci_high", "class_rank", "category_rank", "low_sample", "close_to_next"]  # fmt: skip
    return m[[c for c in cols if c in m.columns]]


def crew_rankings(laps: pd.DataFrame, clean: pd.DataFrame, *, by: str = "index", min_laps: int | None = None,
                  n_boot: int = N_BOOT, seed: int = 0, metrics: pd.DataFrame | None = None) -> pd.DataFrame:  # fmt: skip
    """Cars ranked in class by ``by`` over all their drivers' clean laps (same columns as drivers, no driver);
    ``metrics``: the :func:`~stintlab.analysis.pace.car_metrics` of the same tables when already computed."""
    metric = _metric_name(by)
    m = car_metrics(laps, clean) if metrics is None else metrics.copy()
    m["low_sample"] = m["clean_laps"] < (min_clean_laps(clean) if min_laps is None else min_laps)
    m["metric"] = metric
    m["value"] = m[METRICS[metric]]
    m = _with_confidence(m, clean, ["car"], metric, n_boot, seed)
    m["class_rank"] = _rank(m, ["class"])
    order = {c: i for i, c in enumerate(pd.unique(m["class"]))}
    m = m.sort_values(["class", "class_rank"], key=lambda s: s.map(order) if s.name == "class" else s, kind="stable")
    m = m.reset_index(drop=True)
    m["close_to_next"] = _close_to_next(m, "class_rank", ["class"])
    return m


def best_performers(rankings: pd.DataFrame, top: int = 1) -> pd.DataFrame:
    """The best ``top`` drivers of each FIA category in each class (low-sample drivers left out).

    Drivers with an unknown category are grouped under category ``unknown`` so a race without
    category data still says so. Columns: class, category, place, driver, car, value, ci_low,
    ci_high, gap_to_next (s or index points), close (interval overlaps the next one's), drivers
    (how many ranked drivers the category has in the class).
    """
    r = rankings[~rankings["low_sample"] & rankings["value"].notna()].copy()
    r["category"] = r["category"].astype("string").fillna("unknown")
    rows = []
    cat_order = {c: i for i, c in enumerate(_CATS + ("unknown",))}
    for (cls, cat), g in r.groupby(["class", "category"], sort=False):
        g = g.sort_values("value", kind="stable").reset_index(drop=True)
        for i in range(min(top, len(g))):
            nxt = g.iloc[i + 1] if i + 1 < len(g) else None
            rows.append(
                {
                    "class": cls,
                    "category": cat,
                    "place": i + 1,
                    "driver": g.at[i, "driver"],
                    "car": g.at[i, "car"],
                    "value": g.at[i, "value"],
                    "ci_low": g.at[i, "ci_low"],
                    "ci_high": g.at[i, "ci_high"],
                    "gap_to_next": np.nan if nxt is None else float(nxt["value"] - g.at[i, "value"]),
                    "close": False if nxt is None else bool(g.at[i, "ci_high"] >= nxt["ci_low"]),
                    "drivers": len(g),
                }
            )
    out = pd.DataFrame(rows, columns=["class", "category", "place", "driver", "car", "value", "ci_low", "ci_high",
                                      "gap_to_next", "close", "drivers"])  # fmt: skip
    corder = {c: i for i, c in enumerate(pd.unique(rankings["class"]))}
    out = out.assign(_c=out["class"].map(corder), _k=out["category"].map(cat_order))
    return out.sort_values(["_c", "_k", "place"], kind="stable").drop(columns=["_c", "_k"]).reset_index(drop=True)


def metric_leaders(rankings: pd.DataFrame, metrics=None, top: int = 3) -> pd.DataFrame:
    """Who leads each class by each metric (low-sample drivers left out): how the metrics disagree.

    Columns: class, metric, place, driver, car, category, value.
    """
    metrics = list(metrics or [m for m in METRICS if m != "spread"])
    r = rankings[~rankings["low_sample"]]
    rows = []
    for cls, g in r.groupby("class", sort=False):
        for met in metrics:
            s = g.dropna(subset=[met]).sort_values(met, kind="stable").head(top)
            for place, row in enumerate(s.itertuples(index=False), start=1):
                rows.append({"class": cls, "metric": met, "place": place, "driver": row.driver, "car": row.car,
                             "category": row.category, "value": getattr(row, met)})  # fmt: skip
    return pd.DataFrame(rows, columns=["class", "metric", "place", "driver", "car", "category", "value"])
