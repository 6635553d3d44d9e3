"""A driver rating across races, with its uncertainty, comparable within a class family and category.

Input: one row per (race, class, driver) with the driver's ``best_10`` (``pace``, the FIA figure: mean of
his 10 fastest clean laps) and its sample size (``pace_laps``), as the archive's ``entries`` table holds
them, plus an ``order`` (the race's date) and ``season``.

Method (docs/metrics.md, "Rating across races"):

1. per race and class with at least :data:`MIN_FIELD` paced drivers, each driver's **gap** to the class's
   median 10-lap mean, in % (``100 * (pace / median - 1)``; negative = faster), clipped to
   [-:data:`CLIP`, +:data:`CLIP`] so a car in trouble does not dominate;
2. per driver and class family (:func:`stintlab.analysis.estimate.class_family`: prototypes, LMP2, GT pro,
   GT am, ...), a Gaussian posterior of his true gap: prior N(0, ``tau``²) (the median driver), each race an
   observation N(gap, ``sigma``² / w) with weight w = 0.5 ** (age in seasons / :data:`HALF_LIFE`) *
   min(1, laps / 10). ``tau`` and ``sigma`` are estimated from the data (:func:`variance_components`:
   between-driver and within-driver spread of the gaps). ``rating`` is the posterior mean (%, lower is
   better), ``sd`` its standard deviation.

:func:`validate` measures it: for every race in order, the drivers of each class who raced before are
ordered by their rating from the earlier races only, and by the baseline (their last race's gap);
``pair_accuracy`` is the share of driver pairs whose order in the race (by its 10-lap mean) each
predicts (a pair a predictor ties counts one half).

>>> import pandas as pd
>>> t = pd.DataFrame({"race_id": ["a"] * 5 + ["b"] * 5, "order": [1] * 5 + [2] * 5, "season": [2024] * 10,
...     "class": ["GTD"] * 10, "driver_key": list("pqrst") * 2, "driver": list("PQRST") * 2,
...     "pace": [100, 101, 102, 103, 104, 100, 101, 102, 103, 104.0], "pace_laps": [20] * 10})
>>> r = ratings(t, tau=1.0, sigma=1.0)
>>> r[["driver", "races", "rating"]].round(2).values.tolist()[:2]
[['P', 2, -1.31], ['Q', 2, -0.65]]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from stintlab.analysis.estimate import class_family

__all__ = ["CLIP", "HALF_LIFE", "MIN_FIELD", "RATING_COLUMNS", "WINDOW", "gaps", "ratings", "validate", "variance_components",
           "window_gaps"]  # fmt: skip

MIN_FIELD = 5
CLIP = 6.0
HALF_LIFE = 1.5  # seasons
#: seconds of race time per window of the second observation of a race (window_gaps)
WINDOW = 600.0
RATING_COLUMNS = ["driver_key", "driver", "family", "class", "rating", "sd", "low", "high", "races", "laps",
                  "last_race", "last_season"]  # fmt: skip


def gaps(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with ``family`` and ``gap`` (% to the class median 10-lap mean of that race); rows of classes
    with fewer than :data:`MIN_FIELD` paced drivers, or without a pace, dropped."""
    t = table[pd.to_numeric(table["pace"], errors="coerce").notna()].copy()
    t["pace"] = t["pace"].astype(float)
    size = t.groupby(["race_id", "class"])["pace"].transform("size")
    t = t[size >= MIN_FIELD].copy()
    med = t.groupby(["race_id", "class"])["pace"].transform("median")
    t["gap"] = (100.0 * (t["pace"] / med - 1.0)).clip(-CLIP, CLIP)
    t["family"] = [class_family(c) for c in t["class"]]
    return t.reset_index(drop=True)


def window_gaps(windows: pd.DataFrame | None) -> pd.DataFrame:
    """The second observation of a race: ``windows`` (race_id, order, season, class, driver_key, gap = the
    median over the 10-minute windows of race time of the driver's median green lap against the class's
    median in that window, in %, each clipped to ±:data:`CLIP`; archive.rating.window_table) with ``family``
    and ``pace_laps`` = 10 (the weight of a full 10-lap mean); classes with fewer than :data:`MIN_FIELD`
    drivers dropped. Empty when ``windows`` is None."""
    cols = ["race_id", "order", "season", "class", "driver_key", "family", "gap", "pace_laps"]
    if windows is None or not len(windows):
        return pd.DataFrame(columns=cols)
    w = windows[pd.to_numeric(windows["gap"], errors="coerce").notna()].copy()
    w = w[w.groupby(["race_id", "class"])["gap"].transform("size") >= MIN_FIELD].copy()
    w["gap"] = w["gap"].astype(float).clip(-CLIP, CLIP)
    w["family"] = [class_family(c) for c in w["class"]]
    w["pace_laps"] = 10
    return w[cols].reset_index(drop=True)


def _with_windows(g: pd.DataFrame, w: pd.DataFrame) -> pd.DataFrame:
    """The observations of the posterior: each race's 10-lap-mean gap, plus its window gap when given."""
    if w is None or w.empty:
        return g
    keep = ["driver_key", "family", "gap", "season", "pace_laps", "order"]
    return pd.concat([g[keep], w[keep]], ignore_index=True)


def variance_components(g: pd.DataFrame) -> tuple[float, float]:
    """(tau, sigma): the spread of drivers' true gaps and of one race's gap around a driver's own level
    (one-way random effects, method of moments over drivers with 2+ races of a family)."""
    by = g.groupby(["driver_key", "family"])["gap"]
    n = by.transform("size")
    multi = g[n >= 2]
    within = multi.groupby(["driver_key", "family"])["gap"].var(ddof=1)
    sigma2 = float(np.nanmean(within)) if len(within) else 1.0
    total = float(np.nanvar(g["gap"], ddof=1)) if len(g) > 1 else 1.0
    tau2 = max(total - sigma2, 0.05)
    return float(np.sqrt(tau2)), float(np.sqrt(max(sigma2, 0.05)))


def _weights(g: pd.DataFrame, season_now: float) -> np.ndarray:
    age = np.maximum(season_now - g["season"].to_numpy(dtype=float), 0.0)
    laps = np.minimum(g["pace_laps"].to_numpy(dtype=float) / 10.0, 1.0)
    return 0.5 ** (age / HALF_LIFE) * laps


def _posterior(g: pd.DataFrame, tau: float, sigma: float, season_now: float) -> pd.DataFrame:
    w = _weights(g, season_now)
    prec = w / sigma**2
    df = pd.DataFrame({"driver_key": g["driver_key"].to_numpy(), "family": g["family"].to_numpy(),
                       "p": prec, "pg": prec * g["gap"].to_numpy(dtype=float)})  # fmt: skip
    s = df.groupby(["driver_key", "family"], sort=False)[["p", "pg"]].sum()
    post_prec = 1.0 / tau**2 + s["p"]
    out = pd.DataFrame({"rating": s["pg"] / post_prec, "sd": 1.0 / np.sqrt(post_prec)})
    return out


def ratings(table: pd.DataFrame, *, tau: float | None = None, sigma: float | None = None,
            windows: pd.DataFrame | None = None) -> pd.DataFrame:  # fmt: skip
    """Every driver's rating per class family over all rows of ``table`` (see the module doc), with each race's
    window gap (:func:`window_gaps`) as a second observation when ``windows`` is given. Columns:
    :data:`RATING_COLUMNS` (``low``/``high``: the 90 % interval, rating -/+ 1.645 sd; ``class``: his latest
    class in that family). Sorted by family then rating."""
    g = gaps(table)
    if g.empty:
        return pd.DataFrame(columns=RATING_COLUMNS)
    obs = _with_windows(g, window_gaps(windows))
    if tau is None or sigma is None:
        t, s = variance_components(obs)
        tau, sigma = tau or t, sigma or s
    post = _posterior(obs, tau, sigma, float(g["season"].max()))
    g = g.sort_values(["order", "race_id"], kind="stable")
    info = g.groupby(["driver_key", "family"], sort=False).agg(
        driver=("driver", "last"), cls=("class", "last"), races=("race_id", "nunique"), laps=("pace_laps", "sum"),
        last_race=("race_id", "last"), last_season=("season", "last"))  # fmt: skip
    out = info.join(post, how="left").reset_index().rename(columns={"cls": "class"})
    out["low"] = out["rating"] - 1.645 * out["sd"]
    out["high"] = out["rating"] + 1.645 * out["sd"]
    out["races"] = out["races"].astype("int64")
    out["laps"] = out["laps"].astype("int64")
    return out.sort_values(["family", "rating"], kind="stable")[RATING_COLUMNS].reset_index(drop=True)


def _pairs(pred: np.ndarray, actual: np.ndarray) -> tuple[float, int]:
    """(pairs ordered as ``actual``, pairs compared): every pair ``actual`` orders (its ties left out); a
    pair the prediction ties counts one half (a coin toss), so every predictor is scored on the same pairs."""
    dp = np.sign(pred[:, None] - pred[None, :])
    da = np.sign(actual[:, None] - actual[None, :])
    iu = np.triu_indices(len(pred), 1)
    dp, da = dp[iu], da[iu]
    keep = da != 0
    return float((dp[keep] == da[keep]).sum() + 0.5 * (dp[keep] == 0).sum()), int(keep.sum())


def validate(table: pd.DataFrame, *, min_drivers: int = 3, predictors: dict | None = None,
             windows: pd.DataFrame | None = None) -> dict:  # fmt: skip
    """Out-of-sample check, race by race in order: the rating from earlier races only vs the baseline (each
    driver's last earlier race gap in the family, "last race's best-10") at ordering the drivers of each
    class by their 10-lap mean in the race. Only drivers both predictors know, classes with at least
    ``min_drivers`` of them. Returns races, classes, pairs, and ``pair_accuracy`` of ``rating`` and
    ``last_race`` (share of pairs ordered right), and ``tau``/``sigma`` (fitted on the earlier races each time).

    ``predictors``: other predictors scored on the same pairs, name -> ``fn(order, keys)`` returning one value
    per (driver_key, family) of ``keys`` (lower = faster) from races before ``order`` only (the caller's
    duty; ``benchmarks/rating_vs_openskill.py`` passes OpenSkill ratings). ``windows``: the rating also uses the
    earlier races' window gaps (:func:`ratings`); the baseline and the scored order stay the 10-lap means."""
    g = gaps(table)
    w = window_gaps(windows)
    orders = sorted(g["order"].unique())
    extra = dict(predictors or {})
    hits = {"rating": 0.0, "last_race": 0.0, **{k: 0.0 for k in extra}}
    pairs = classes = 0
    races = set()
    for o in orders:
        past = g[g["order"] < o]
        now = g[g["order"] == o]
        if past.empty:
            continue
        obs = _with_windows(past, w[w["order"] < o] if len(w) else w)
        tau, sigma = variance_components(obs)
        post = _posterior(obs, tau, sigma, float(now["season"].max()))
        last = past.sort_values(["order", "race_id"], kind="stable").groupby(["driver_key", "family"])["gap"].last()
        for (race_id, _cls), c in now.groupby(["race_id", "class"]):
            keys = list(zip(c["driver_key"], c["family"], strict=True))
            known = np.array([k in post.index and k in last.index for k in keys])
            if known.sum() < min_drivers:
                continue
            c = c[known]
            keys = [k for k, ok in zip(keys, known, strict=True) if ok]
            actual = c["pace"].to_numpy(dtype=float)
            preds = [("rating", post.loc[keys, "rating"].to_numpy()), ("last_race", last.loc[keys].to_numpy())]
            preds += [(name, fn(o, keys)) for name, fn in extra.items()]
            for name, pred in preds:
                h, n = _pairs(np.asarray(pred, dtype=float), actual)
                hits[name] += h
                if name == "rating":
                    pairs += n
            classes += 1
            races.add(race_id)
    return {
        "races": len(races),
        "classes": classes,
        "pairs": pairs,
        "pair_accuracy": {k: (v / pairs if pairs else float("nan")) for k, v in hits.items()},
    }
