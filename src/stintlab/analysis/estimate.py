"""FIA category estimates from pace, for drivers no source grades (issue #12 item 3).

Evidence: a driver's pace in a race against his class: ``pct`` = (pace rank - 1) / (ranked drivers - 1)
in class (0 the fastest, 1 the slowest) and ``rel`` = 100 * (pace / fastest pace in class - 1) (percent
off the fastest). Pace is ``best_10`` (the archive's ``entries.pace``). The model is a Gaussian naive
Bayes over those two numbers, fitted on every archived driver whose category is observed in that race
(:func:`fit`), with the categories' frequencies as prior; :func:`estimate` gives each category's
probability. An estimate is kept only when its best probability reaches the threshold
(:data:`MIN_PROBABILITY`, chosen from the measured accuracy, docs/archive.md); below it the category stays
unknown: a wrong estimate is worse than none.

>>> train = pd.DataFrame({"pct": [0.0, 0.1, 0.9, 1.0], "rel": [0.0, 0.2, 2.0, 2.4],
...                       "category": ["Platinum", "Platinum", "Bronze", "Bronze"]})
>>> m = fit(train, min_rows=2)
>>> est = estimate(m, pd.DataFrame({"pct": [0.05, 0.95], "rel": [0.1, 2.2]}))
>>> est["category"].tolist(), [round(p, 2) for p in est["probability"]]
(['Platinum', 'Bronze'], [1.0, 1.0])
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["BRONZE_REQUIRED", "CREW_RULE_PRECISION", "FEATURES", "MIN_PROBABILITY", "MIN_FIELD", "class_family",
           "crew_rule", "features", "fit", "estimate"]  # fmt: skip

FEATURES = ("pct", "rel")
#: below this best probability an estimate is not given (measured: docs/archive.md)
MIN_PROBABILITY = 0.7
#: a class with fewer ranked drivers gives no estimate (the percentile means little)
MIN_FIELD = 6
_ORDER = ("Platinum", "Gold", "Silver", "Bronze")


def class_family(cls) -> str:
    """The kind of class, comparable across series (its crews' categories differ by kind, not by name).

    >>> [class_family(c) for c in ["GTP", "HYPERCAR", "LMP2", "LMP2 Pro/Am", "GTD PRO", "LMGTE Pro", "GTD", "LMGT3"]]
    ['prototype', 'prototype', 'lmp2', 'lmp2', 'gt pro', 'gt pro', 'gt am', 'gt am']
    """
    c = str(cls).upper().replace(" ", "")
    if c in ("GTP", "DPI", "HYPERCAR", "LMH", "LMDH", "LMP1", "INNOVATIVECAR"):
        return "prototype"
    if c.startswith("LMP2"):
        return "lmp2"
    if c.startswith("LMP3"):
        return "lmp3"
    if c in ("GTDPRO", "GTLM", "LMGTEPRO", "GTEPRO"):
        return "gt pro"
    if c in ("GTD", "LMGT3", "LMGTEAM", "GTEAM"):
        return "gt am"
    return "other"


def features(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` (race_id, class, pace, ...) with ``pct`` and ``rel`` per row; rows without a pace,
    or in a class with fewer than :data:`MIN_FIELD` paced drivers, get NaN."""
    out = table.copy()
    pace = pd.to_numeric(out["pace"], errors="coerce")
    grp = [out["race_id"], out["class"].astype(str)]
    n = pace.groupby(grp).transform("count")
    rank = pace.groupby(grp).rank(method="min")
    best = pace.groupby(grp).transform("min")
    ok = pace.notna() & (n >= MIN_FIELD)
    out["pct"] = np.where(ok, (rank - 1) / (n - 1).clip(lower=1), np.nan)
    out["rel"] = np.where(ok, 100.0 * (pace / best - 1.0), np.nan)
    codes, classes = pd.factorize(out["class"], use_na_sentinel=True)  # one class_family call per class
    fam = [class_family(c) for c in classes.tolist()] + [class_family(None)]  # code -1: no class
    out["family"] = [fam[i] for i in codes.tolist()]
    return out


def fit(train: pd.DataFrame, min_rows: int = 5) -> dict:
    """One model per class family (:func:`class_family`, column ``family`` when given): per category
    with ``min_rows`` examples at least, its prior, mean and variance of each feature."""
    keep = [c for c in ("family", "category", *FEATURES) if c in train.columns]
    train = train[keep]  # only what the model reads: the row filters below then copy 4 columns, not the whole table
    if "family" in train.columns:
        return {"by_family": {f: _fit(g, min_rows) for f, g in train.groupby("family")}}
    return _fit(train, min_rows)


def _fit(train: pd.DataFrame, min_rows: int) -> dict:
    t = train.dropna(subset=["category", *FEATURES])
    model = {}
    for cat in _ORDER:
        g = t[t["category"] == cat]
        if len(g) < min_rows:
            continue
        model[cat] = {
            "prior": len(g) / len(t),
            "mean": g[list(FEATURES)].mean().to_numpy(float),
            "var": g[list(FEATURES)].var().to_numpy(float) + 1e-4,
            "n": len(g),
        }
    return model


def estimate(model: dict, rows: pd.DataFrame) -> pd.DataFrame:
    """Per row: ``category`` (the most probable), ``probability`` and one ``p_<category>`` column
    per category; NaN/None where the row has no features or the model is empty."""
    if "by_family" in model:
        parts = [
            _estimate(model["by_family"].get(f, {}), g)
            for f, g in rows.groupby(rows["family"] if "family" in rows else pd.Series("", index=rows.index))
        ]
        return pd.concat(parts).reindex(rows.index) if parts else _estimate({}, rows)
    return _estimate(model, rows)


def _estimate(model: dict, rows: pd.DataFrame) -> pd.DataFrame:
    cats = list(model)
    x = rows[list(FEATURES)].to_numpy(float)
    out = pd.DataFrame(index=rows.index)
    if not cats or not len(rows):
        out["category"] = pd.array([None] * len(rows), dtype="string")
        out["probability"] = np.nan
        return out
    logp = np.column_stack(
        [
            np.log(model[c]["prior"])
            - 0.5 * (((x - model[c]["mean"]) ** 2) / model[c]["var"] + np.log(2 * np.pi * model[c]["var"])).sum(axis=1)
            for c in cats
        ]
    )
    valid = ~np.isnan(x).any(axis=1)
    logp[~valid] = 0.0  # rows without features: no estimate (masked below)
    logp -= logp.max(axis=1, keepdims=True)
    p = np.exp(logp)
    p /= p.sum(axis=1, keepdims=True)
    best = np.where(valid, p.argmax(axis=1), -1)
    out["category"] = pd.array([cats[i] if i >= 0 else None for i in best], dtype="string")
    out["probability"] = np.where(valid, p.max(axis=1), np.nan)
    for j, c in enumerate(cats):
        out[f"p_{c}"] = np.where(valid, p[:, j], np.nan)
    return out


#: classes whose crews must have at least one Bronze driver (domain notes: LMGTE Am 2019-2023 "≥1 Bronze +
#: 1 Bronze/Silver", 24h-lemans.com 51817; LMGT3 from 2024 "≥1 Bronze", ACO RG 1/2024 p.36)
BRONZE_REQUIRED = ("LMGT3", "LMGTE AM")
#: measured: WEC/Le Mans LMGT3 and LMGTE Am crews fully graded by the archive, one driver hidden at a time:
#: 22 of 24 inferred Bronzes right (benchmarks/bench_categories.py)
CREW_RULE_PRECISION = 0.92


def crew_rule(table: pd.DataFrame) -> list[int]:
    """Rows of ``table`` (car, class, category, category_source) that the crew rule makes Bronze: in a
    class of :data:`BRONZE_REQUIRED`, a crew with no graded Bronze and exactly one driver without an
    observed category (``unknown`` or ``estimated``) must have him as its Bronze.

    >>> t = pd.DataFrame({"car": ["7", "7", "7"], "class": ["LMGT3"] * 3, "category": ["Gold", "Silver", None],
    ...                   "category_source": ["archive", "classification", "unknown"]})
    >>> crew_rule(t)
    [2]
    """
    rows = crew_rule_rows(table["car"].tolist(), table["class"].tolist(), table["category"].tolist(),
                          table["category_source"].tolist())  # fmt: skip
    return [int(table.index[i]) for i in rows]


def crew_rule_rows(cars: list, classes: list, categories: list, sources: list) -> list[int]:
    """:func:`crew_rule` over plain lists (one item per driver): the positions it makes Bronze."""
    crews: dict = {}
    for i, (car, cls) in enumerate(zip(cars, classes, strict=True)):
        if str(cls).upper() in BRONZE_REQUIRED and not _missing(car):
            crews.setdefault(car, []).append(i)
    out = []
    for rows in crews.values():
        open_ = [i for i in rows if sources[i] in ("unknown", "estimated")]
        bronze = any(isinstance(categories[i], str) and categories[i] == "Bronze" for i in rows if i not in open_)
        if not bronze and len(open_) == 1:
            out.append(open_[0])
    return out


def _missing(v) -> bool:
    return v is None or (not isinstance(v, str) and bool(pd.isna(v)))
