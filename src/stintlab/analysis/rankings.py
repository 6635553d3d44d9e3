"""Driver and crew rankings per class and per FIA category within class, with confidence.

:func:`driver_rankings` ranks every driver of a race by one metric of
:mod:`stintlab.analysis.pace` (lower is better for all of them), in his class
(``class_rank``) and among drivers of his FIA category in that class (``category_rank``).
Each figure comes with a 90 % interval (``ci_low``..``ci_high``): for the medians (``median_clean``,
``index``) the exact distribution-free order-statistic interval of the median
(:func:`median_interval`, no resampling); for the other metrics a bootstrap interval (resampling the
driver's clean laps :data:`N_BOOT` times with a fixed seed, :func:`bootstrap_interval`; the draws depend only
on the lap count, so drivers with as many laps share one draw matrix).
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

from stintlab.analysis.context import codes
from stintlab.analysis.pace import METRICS, car_metrics, driver_metrics, group_ids, min_clean_laps, within_groups
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
    idx = _draws(n, n_boot, seed)
    if metric == "ideal_lap":
        return _resampled_ideal(np.asarray(sectors, dtype=float), idx)
    return _stat(metric, v[idx])


#: metrics that are order statistics of the laps (or the mean of the middle two): read from the draw counts
_ORDER_STATISTICS = ("best_lap", "median_clean", "index")


@functools.lru_cache(maxsize=128)
def _draws(n: int, n_boot: int, seed: int) -> np.ndarray:
    """The lap positions each of ``n_boot`` resamples of n laps draws: one generator seeded with
    ``seed`` per entry, so every entry with n laps draws the same ones (shared, read-only)."""
    idx = np.random.default_rng(seed).integers(0, n, size=(n_boot, n))
    idx.flags.writeable = False
    return idx


@functools.lru_cache(maxsize=64)
def _draw_counts(n: int, n_boot: int, seed: int) -> np.ndarray:
    """How often each of n laps is drawn in each of ``n_boot`` resamples (the draws of
    :func:`_draws`). Kept per (n, n_boot, seed); read-only."""
    idx = _draws(n, n_boot, seed)
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


#: name_key of each name seen (names repeat across every ranking of a race and across races)
_name_key = functools.lru_cache(maxsize=16384)(name_key)


def _category_maps(categories, frame: pd.DataFrame, columns: tuple[str, ...]) -> list[list]:
    """Per name of ``columns``, the ``categories`` value of each (car, driver) row of ``frame`` as a
    string, None when unknown. ``categories``: a DataFrame with car, driver and those columns (one
    it lacks gives None), a ``{(car, driver): category}`` mapping (``category`` only) or None."""
    n = len(frame)
    if categories is None:
        return [[None] * n for _ in columns]
    if isinstance(categories, pd.DataFrame):
        keys = list(zip(map(str, categories["car"].to_numpy(dtype=object)),
                        map(_name_key, categories["driver"].to_numpy(dtype=object)), strict=True))  # fmt: skip
        looks = {c: dict(zip(keys, categories[c].to_numpy(dtype=object), strict=True))
                 for c in columns if c in categories.columns}  # fmt: skip
    else:
        looks = {"category": {(str(k[0]), _name_key(k[1])): v for k, v in dict(categories).items()}}
    rows = list(zip(map(str, frame["car"].to_numpy(dtype=object)), map(_name_key, frame["driver"].to_numpy(dtype=object)),
                    strict=True))  # fmt: skip
    out = []
    for col in columns:
        look = looks.get(col)
        if look is None:
            out.append([None] * n)
            continue
        got = (look.get(k) for k in rows)
        out.append([None if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)) else str(v) for v in got])
    return out


def _first_seen(codes: np.ndarray) -> np.ndarray:
    """Each value's number in order of first appearance (a missing value, -1, is one value)."""
    return pd.factorize(codes)[0]


def _rank_min(value: np.ndarray, group: np.ndarray) -> np.ndarray:
    """``groupby(group)[value].rank(method="min")``: 1 + how many values of the group are lower
    (ties share the lowest rank), NaN for a NaN value."""
    out = np.full(len(value), np.nan)
    has = np.flatnonzero(~np.isnan(value))
    if len(has) == 0:
        return out
    order = has[np.lexsort((value[has], group[has]))]
    v, g = value[order], group[order]
    pos = np.arange(len(order))
    new_group = np.r_[True, g[1:] != g[:-1]]
    new_value = new_group | np.r_[True, v[1:] != v[:-1]]
    group_start = np.maximum.accumulate(np.where(new_group, pos, 0))
    tie_start = np.maximum.accumulate(np.where(new_value, pos, 0))
    out[order] = tie_start - group_start + 1
    return out


def _int32(rank: np.ndarray) -> pd.arrays.IntegerArray:
    """Ranks (NaN: none) as a nullable Int32 array."""
    missing = np.isnan(rank)
    return pd.arrays.IntegerArray(np.where(missing, 0, rank).astype(np.int32), missing)


def _intervals(table: pd.DataFrame, clean: pd.DataFrame, keys: list[str], metric: str, n_boot: int, seed: int):
    """(ci_low, ci_high) of each row of ``table`` (one per group of ``keys``) over its laps of ``clean``."""
    lows, highs = np.full(len(table), np.nan), np.full(len(table), np.nan)
    if len(table) == 0 or n_boot <= 0:
        return lows, highs
    gid, names = group_ids(clean, keys)
    n_groups = len(names[0])
    groups = {k: i for i, k in enumerate(zip(*(nm.tolist() for nm in names), strict=True))}
    at = np.array([groups.get(k, -1) for k in zip(*(table[k].to_numpy(dtype=object) for k in keys), strict=True)],
                  dtype=np.int64)  # fmt: skip
    ok = np.flatnonzero(gid >= 0)
    g = gid[ok]
    size = np.bincount(g, minlength=n_groups)
    starts = np.r_[0, np.cumsum(size)[:-1]].astype(np.int64) if n_groups else np.zeros(0, dtype=np.int64)
    if metric in _MEDIANS:  # the exact order-statistic interval of the median, no resampling
        values = clean["pace_index" if metric == "index" else "lap_time"].to_numpy(dtype=float)[ok]
        values = np.where(np.isfinite(values), values, np.nan)  # median_interval keeps the finite values
        v = values[within_groups(g, n_groups, values)]  # ascending in each group, NaN last
        finite = np.bincount(g, np.isfinite(values), n_groups).astype(np.int64)
        i = np.flatnonzero(at >= 0)
        i = i[finite[at[i]] > 0]
        n = finite[at[i]]
        ranks = {k: median_interval_ranks(k)[:2] for k in np.unique(n).tolist()}
        lo = np.array([ranks[k][0] for k in n.tolist()], dtype=np.int64)
        hi = np.array([ranks[k][1] for k in n.tolist()], dtype=np.int64)
        lows[i], highs[i] = v[starts[at[i]] + lo - 1], v[starts[at[i]] + hi - 1]
        return lows, highs
    rows = ok[within_groups(g, n_groups)]  # each group's laps in table order (the resamples draw positions)
    values = clean["pace_index" if metric == "index" else "lap_time"].to_numpy(dtype=float)
    keep = clean["stint_keep"].to_numpy(dtype=bool) if metric == "stint_avg" else None
    sectors = clean[["s1", "s2", "s3"]].to_numpy(dtype=float) if metric == "ideal_lap" else None
    done, resampled = [], []
    for i in np.flatnonzero(at >= 0):
        pos = rows[starts[at[i]] : starts[at[i]] + size[at[i]]]
        v = values[pos] if keep is None else values[pos[keep[pos]]]
        vals = _resampled(v, metric, n_boot=n_boot, seed=seed, sectors=sectors[pos] if sectors is not None else None)
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
    return lows, highs


def _ranked(m: pd.DataFrame, clean: pd.DataFrame, keys: list[str], metric: str, low: np.ndarray, n_boot: int,
            seed: int, extra: dict | None = None, category=None) -> dict:  # fmt: skip
    """The columns of the rankings table of the metrics table ``m`` (one row per group of ``keys``): its columns
    (``extra`` inserted after the fourth, ``low_sample`` replaced by ``low``), then metric, value,
    ci_low, ci_high, class_rank (and category_rank when ``category`` is given), close_to_next;
    sorted by class (first appearance) then class_rank (NA last), stable."""
    value = m[METRICS[metric]].to_numpy(dtype=float)
    ci_low, ci_high = _intervals(m, clean, keys, metric, n_boot, seed)
    cls = _first_seen(codes(m, "class")[0])  # dropna=False: a missing class is one group
    class_rank = _rank_min(value, cls)
    ranks = {"class_rank": class_rank}
    if category is not None:
        cat_known = np.array([c is not None for c in category], dtype=bool)
        cat_codes = pd.factorize(np.array(category, dtype=object))[0]
        category_rank = _rank_min(value, cls * (int(cat_codes.max(initial=0)) + 2) + cat_codes + 1)
        ranks["category_rank"] = np.where(cat_known, category_rank, np.nan)
    order = np.lexsort((np.where(np.isnan(class_rank), np.inf, class_rank), cls))
    data: dict = {}
    for j, c in enumerate(m.columns):
        if j == 4 and extra:  # where driver_rankings always had them (m.insert(4, ...))
            data.update({k: v.take(order) for k, v in extra.items()})
        col = m[c]
        if c == "low_sample":
            data[c] = low[order]
        elif isinstance(col.dtype, np.dtype):
            data[c] = col.to_numpy()[order]
        else:
            data[c] = col.array.take(order)
    if "low_sample" not in data:
        data["low_sample"] = low[order]
    data["metric"] = np.full(len(order), metric, dtype=object)
    data["value"], data["ci_low"], data["ci_high"] = value[order], ci_low[order], ci_high[order]
    for k, r in ranks.items():
        data[k] = _int32(r[order])
    # close_to_next: the interval overlaps the next ranked entry's of the same class (entries with a value)
    close = np.zeros(len(order), dtype=bool)
    f = np.flatnonzero(~np.isnan(value[order]))
    same = cls[order][f[1:]] == cls[order][f[:-1]]
    close[f[:-1][same]] = ci_high[order][f[:-1][same]] >= ci_low[order][f[1:][same]]
    data["close_to_next"] = close
    return data


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
    m = driver_metrics(laps, clean) if metrics is None else metrics
    category, source = _category_maps(categories, m, ("category", "category_source"))
    if not isinstance(categories, pd.DataFrame):
        source = [None] * len(m)
    extra = {"category": pd.array(category, dtype="string"), "category_source": pd.array(source, dtype="string")}
    low = m["clean_laps"].to_numpy() < (min_clean_laps(clean) if min_laps is None else min_laps)
    r = _ranked(m, clean, ["car", "driver"], metric, low, n_boot, seed, extra, category)
    cols = ["driver", "car", "class", "team", "category", "category_source", "clean_laps", "best_lap", "ideal_lap", "best_10", "best_10_n",
            "best_20pct", "best_20pct_k", "median_clean", "stint_avg", "stint_avg_n", "index", "index_n", "spread",
            "metric", "value", "ci_low", "ci_high", "class_rank", "category_rank", "low_sample", "close_to_next"]  # fmt: skip
    return pd.DataFrame({c: r[c] for c in cols if c in r})


def crew_rankings(laps: pd.DataFrame, clean: pd.DataFrame, *, by: str = "index", min_laps: int | None = None,
                  n_boot: int = N_BOOT, seed: int = 0, metrics: pd.DataFrame | None = None) -> pd.DataFrame:  # fmt: skip
    """Cars ranked in class by ``by`` over all their drivers' clean laps (same columns as drivers, no driver);
    ``metrics``: the :func:`~stintlab.analysis.pace.car_metrics` of the same tables when already computed."""
    metric = _metric_name(by)
    m = car_metrics(laps, clean) if metrics is None else metrics
    low = m["clean_laps"].to_numpy() < (min_clean_laps(clean) if min_laps is None else min_laps)
    return pd.DataFrame(_ranked(m, clean, ["car"], metric, low, n_boot, seed))


def best_performers(rankings: pd.DataFrame, top: int = 1) -> pd.DataFrame:
    """The best ``top`` drivers of each FIA category in each class (low-sample drivers left out).

    Drivers with an unknown category are grouped under category ``unknown`` so a race without
    category data still says so. Columns: class, category, place, driver, car, value, ci_low,
    ci_high, gap_to_next (s or index points), close (interval overlaps the next one's), drivers
    (how many ranked drivers the category has in the class).
    """
    cols = ["class", "category", "place", "driver", "car", "value", "ci_low", "ci_high", "gap_to_next", "close", "drivers"]
    class_codes, class_names = codes(rankings, "class")
    class_order = _first_seen(class_codes)  # classes in order of first appearance in the rankings
    value = rankings["value"].to_numpy(dtype=float)
    rows = np.flatnonzero(~rankings["low_sample"].to_numpy(dtype=bool) & ~np.isnan(value) & (class_codes >= 0))
    category = rankings["category"].astype("string").fillna("unknown").to_numpy(dtype=object)[rows]
    cat_codes, cat_names = pd.factorize(category)
    group = _first_seen(class_codes[rows] * (len(cat_names) + 1) + cat_codes)  # (class, category), first appearance
    order = rows[np.lexsort((value[rows], group))]  # by group, then value (ties in table order)
    g = group[np.lexsort((value[rows], group))]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]]) if len(g) else np.zeros(0, dtype=np.int64)
    ends = np.r_[starts[1:], len(g)]
    ci_low, ci_high = rankings["ci_low"].to_numpy(dtype=float), rankings["ci_high"].to_numpy(dtype=float)
    drivers, cars = rankings["driver"].to_numpy(dtype=object), rankings["car"].to_numpy(dtype=object)
    cat_rank = {c: i for i, c in enumerate(_CATS + ("unknown",))}
    out: dict = {c: [] for c in cols}
    sort_keys = []
    for a, b in zip(starts, ends, strict=True):
        first = order[a]
        cls, cat = class_names[class_codes[first]], category[np.searchsorted(rows, first)]
        for i in range(min(top, b - a)):
            j = order[a + i]
            nxt = order[a + i + 1] if a + i + 1 < b else None
            out["class"].append(cls)
            out["category"].append(cat)
            out["place"].append(i + 1)
            out["driver"].append(drivers[j])
            out["car"].append(cars[j])
            out["value"].append(value[j])
            out["ci_low"].append(ci_low[j])
            out["ci_high"].append(ci_high[j])
            out["gap_to_next"].append(np.nan if nxt is None else float(value[nxt] - value[j]))
            out["close"].append(False if nxt is None else bool(ci_high[j] >= ci_low[nxt]))
            out["drivers"].append(int(b - a))
            sort_keys.append((class_order[first], cat_rank.get(cat, np.inf), i + 1))
    if not sort_keys:
        return pd.DataFrame([], columns=cols)
    keys = np.array(sort_keys, dtype=float)
    place = np.lexsort((keys[:, 2], keys[:, 1], keys[:, 0]))  # class, category order, place (stable)
    return pd.DataFrame({c: [v[k] for k in place] for c, v in out.items()})


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
