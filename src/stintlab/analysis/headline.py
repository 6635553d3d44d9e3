"""The performer headline: who was the best of each FIA category in each class, by the FIA's own
figure and by stintlab's index, and how fragile that is when some categories are estimated.

Two rankings are read from :func:`stintlab.analysis.rankings.driver_rankings` (any ``by``; both
figures are columns of it):

- ``fia``: the mean of the driver's 10 fastest clean laps (``best_10``; fewer when he has fewer,
  ``best_10_n`` says how many), the figure series send to the FIA for categorisation;
- ``index``: the median of his per-lap performance index (100 = class pace at that moment).

Only drivers without ``low_sample`` are ranked (the others keep a null rank). Drivers without a
category are grouped as ``unknown``.

Fragility: a driver whose ``category_source`` is ``estimated`` may in truth be of another category.
For a driver D of category C, an estimated driver X of the same class who is faster than D changes
D's rank if X's category is wrong: one place worse if X (of a category next to C: Gold is next to
Platinum and Silver) was in truth C, one better if X (in C) was in truth not C. An estimate is taken
to be wrong by at most one step. :func:`category_standing` gives, per driver and per figure, the first such X
(the fastest) and D's rank in that case; :func:`category_headline` does the same for the leader of
each category (would another driver lead?).

>>> import pandas as pd
>>> r = pd.DataFrame({"driver": ["A", "B", "C", "D"], "car": ["1", "2", "3", "4"], "class": ["X"] * 4,
...     "category": ["Gold", "Silver", "Gold", "Gold"], "category_source": ["classification", "estimated",
...     "classification", "classification"], "best_10": [100.0, 99.0, 101.0, 102.0], "best_10_n": [10] * 4,
...     "index": [99.0, 98.0, 100.0, 101.0], "index_n": [30] * 4, "low_sample": [False] * 4})
>>> s = category_standing(r)
>>> s[["driver", "fia_rank", "of", "fia_if_wrong_rank", "fia_if_wrong_driver"]].values.tolist()
[['A', 1, 3, 2, 'B'], ['B', 1, 1, <NA>, <NA>], ['C', 2, 3, 3, 'B'], ['D', 3, 3, 4, 'B']]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from stintlab.schema.category_tables import BEST_HEADLINE_COLUMNS, HEADLINE_COLUMNS, STANDING_COLUMNS

__all__ = ["BEST_HEADLINE_COLUMNS", "FIGURES", "HEADLINE_COLUMNS", "STANDING_COLUMNS", "best_headline", "category_headline",
           "category_sizes", "category_standing"]  # fmt: skip

#: figure name -> (value column, sample-size column).
FIGURES = {"fia": ("best_10", "best_10_n"), "index": ("index", "index_n")}
_CATS = ("Platinum", "Gold", "Silver", "Bronze", "unknown")
_IF_WRONG = ("if_wrong_rank", "if_wrong_driver", "if_wrong_car", "if_wrong_category")
# the column lists are schema data (stintlab.schema.category_tables)


def _eligible(rankings: pd.DataFrame) -> pd.DataFrame:
    r = rankings.reset_index(drop=True).copy()
    r["category"] = r["category"].astype("string").fillna("unknown")
    if "category_source" not in r.columns:
        r["category_source"] = "unknown"
    r["category_source"] = r["category_source"].astype("string").fillna("unknown")
    r["low_sample"] = r["low_sample"].fillna(True).astype(bool)
    return r


def _swings(r: pd.DataFrame, ok: np.ndarray, v: np.ndarray, rank: pd.Series) -> tuple:
    """The four ``*_if_wrong_*`` columns (rank Int64, driver, car and category strings): for each ranked driver D
    of category C, the fastest estimated driver X of his class faster than D whose wrong category would change D's
    rank (X of category C: one better, X in truth not C; X of a category next to C: one worse, X in truth C), else
    nulls. Within a class, the estimated drivers sorted by value (stable: ties in table order) are the
    candidates; for a driver D of category C the answer is the first candidate of category C or next to C, provided
    it is faster than D (a faster one would come first in that order). One pass per (class, category)."""
    n = len(r)
    rk = rank.to_numpy(dtype=float, na_value=np.nan)
    live = ok & ~np.isnan(rk) & np.isfinite(v)
    src = np.full(n, -1, dtype=np.int64)  # row of the X that swings D's rank, -1: none
    new_rank = np.zeros(n, dtype=np.int64)
    cat = r["category"].to_numpy(dtype=object)
    est = r["_est"].to_numpy(dtype=bool) & ok
    cls_codes, _ = pd.factorize(r["class"], use_na_sentinel=False)
    for c in np.unique(cls_codes[live]):
        in_cls = cls_codes == c
        cand = np.flatnonzero(in_cls & est)
        cand = cand[np.argsort(v[cand], kind="stable")]  # NaN values last: never faster than anyone
        for k in pd.unique(cat[in_cls & live]):
            drivers = np.flatnonzero(in_cls & live & (cat == k))
            hit = [j for j in cand if cat[j] == k or _adjacent(cat[j], k)]
            if not hit:
                continue
            j = hit[0]
            faster = v[j] < v[drivers]
            d = drivers[faster]
            src[d] = j
            new_rank[d] = rk[d].astype(np.int64) + (-1 if cat[j] == k else 1)
    has = src >= 0
    pick = np.where(has, src, 0)
    xcat = cat[pick]
    rank_col = pd.array(np.where(has, new_rank, 0), dtype="Int64")
    rank_col[~has] = pd.NA
    words = np.array([f"not {k}" if x == k else k for x, k in zip(xcat, cat, strict=True)], dtype=object)

    def strings(values: np.ndarray) -> pd.api.extensions.ExtensionArray:
        return pd.array(np.where(has, values, None), dtype="string")

    driver = r["driver"].to_numpy(dtype=object)[pick]
    car = r["car"].to_numpy(dtype=object)[pick]
    return rank_col, strings(driver), strings(car), strings(words)


def _adjacent(a: str, b: str) -> bool:
    """An estimate can be wrong by one step (Gold for Silver), not by two (Platinum for Silver)."""
    order = {c: i for i, c in enumerate(_CATS[:4])}
    return a in order and b in order and abs(order[a] - order[b]) == 1


def category_sizes(rankings: pd.DataFrame) -> dict[tuple[str, str], int]:
    """(class, category) -> every driver of the ranking, low-sample ones included (the headline's
    ``drivers`` counts the ranked ones only), categories grouped as in :func:`category_headline`.
    The total a face prints beside ``drivers`` ("68 of 69")."""
    if rankings is None or rankings.empty:
        return {}
    r = _eligible(rankings)
    return {(str(c), str(k)): int(n) for (c, k), n in r.groupby(["class", "category"], sort=False).size().items()}


def category_standing(rankings: pd.DataFrame) -> pd.DataFrame:
    """Every driver's rank within his class and category by each figure (:data:`FIGURES`), with ``of`` (ranked
    drivers of his category in the class), the figure's value and sample size (``fia_laps`` = laps in the
    10-lap mean), and what his rank would be if an estimated category were wrong (``*_if_wrong_*``, null when
    no estimate can change it). The typed facts a story words as "2nd of 5 Golds; 3rd if X was Gold".
    Columns: :data:`STANDING_COLUMNS`, in the order of ``rankings``."""
    r = _eligible(rankings)
    ok = ~r["low_sample"]
    r["_est"] = r["category_source"].eq("estimated") & ok
    out = r[["driver", "car", "class", "category", "category_source", "low_sample"]].copy()
    out["of"] = pd.array([pd.NA] * len(r), dtype="Int64")
    counts = r[ok].groupby(["class", "category"], sort=False).size()
    out.loc[ok, "of"] = [int(counts[(c, k)]) for c, k in zip(r.loc[ok, "class"], r.loc[ok, "category"], strict=True)]
    for fig, (value, n) in FIGURES.items():
        vals = pd.to_numeric(r[value], errors="coerce")
        r["_v"] = vals.where(ok)
        rank = r.groupby(["class", "category"], sort=False)["_v"].rank(method="min").astype("Int64")
        out[f"{fig}_value"] = vals.to_numpy(dtype=float)
        out[f"{fig}_laps"] = pd.array(r[n], dtype="Int64")
        out[f"{fig}_rank"] = rank
        swings = _swings(r, ok.to_numpy(dtype=bool), r["_v"].to_numpy(dtype=float), rank)
        for key, col in zip(_IF_WRONG, swings, strict=True):
            out[f"{fig}_{key}"] = col
    return out[STANDING_COLUMNS].reset_index(drop=True)


def category_headline(rankings: pd.DataFrame) -> pd.DataFrame:
    """Per class and FIA category: the best driver by the FIA 10-lap mean and by the index, with values,
    sample sizes (laps), the category's ranked ``drivers`` and how many of them are ``estimated``,
    whether one driver leads both (``same_driver``), and for each figure the estimated driver whose
    wrong category would change the leader (``*_if_wrong_driver``: he would lead if he were in truth of
    ``*_if_wrong_category``; or the leader himself when his own category is the estimate: ``not <cat>``).
    Low-sample drivers are left out. Columns: :data:`HEADLINE_COLUMNS`."""
    s = category_standing(rankings)
    s = s[~s["low_sample"]]
    rows = []
    order = {c: i for i, c in enumerate(pd.unique(rankings["class"]))}
    for (cls, cat), g in s.groupby(["class", "category"], sort=False):
        row = {"class": cls, "category": cat, "drivers": len(g), "estimated": int(g["category_source"].eq("estimated").sum())}
        leaders = {}
        for fig in FIGURES:
            lead = g[g[f"{fig}_rank"] == 1]
            if lead.empty:
                for k in ("driver", "car", "value", "laps", "category_source", "if_wrong_driver", "if_wrong_car",
                          "if_wrong_category"):  # fmt: skip
                    row[f"{fig}_{k}"] = pd.NA
                continue
            top = lead.iloc[0]
            leaders[fig] = (top["car"], top["driver"])
            for k in ("driver", "car", "value", "laps", "category_source"):
                row[f"{fig}_{k}"] = top[k] if k in ("driver", "car", "category_source") else top[f"{fig}_{k}"]
            if top["category_source"] == "estimated":
                who = (top["driver"], top["car"], f"not {cat}")
            else:
                who = (top[f"{fig}_if_wrong_driver"], top[f"{fig}_if_wrong_car"], top[f"{fig}_if_wrong_category"])
            row[f"{fig}_if_wrong_driver"], row[f"{fig}_if_wrong_car"], row[f"{fig}_if_wrong_category"] = who
        row["same_driver"] = len(leaders) == 2 and leaders["fia"] == leaders["index"]
        rows.append(row)
    out = pd.DataFrame(rows, columns=HEADLINE_COLUMNS)
    cat_order = {c: i for i, c in enumerate(_CATS)}
    out = out.assign(_c=out["class"].map(order), _k=out["category"].map(cat_order).fillna(len(_CATS)))
    out = out.sort_values(["_c", "_k"], kind="stable").drop(columns=["_c", "_k"]).reset_index(drop=True)
    for fig in FIGURES:
        out[f"{fig}_value"] = pd.to_numeric(out[f"{fig}_value"], errors="coerce").astype(float)
        out[f"{fig}_laps"] = pd.array(out[f"{fig}_laps"], dtype="Int64")
    out["drivers"] = out["drivers"].astype("int64")
    out["estimated"] = out["estimated"].astype("int64")
    out["same_driver"] = out["same_driver"].astype(bool)
    for col in (c for c in out.columns if c.startswith(("fia_", "index_")) and c.endswith(("_driver", "_car", "category", "_source"))):
        out[col] = out[col].astype("string")
    for col in ("class", "category"):
        out[col] = out[col].astype("string")
    return out


def best_headline(rankings: pd.DataFrame) -> pd.DataFrame:
    """Per class and FIA category, the best performer by the ranking's own metric
    (:func:`stintlab.analysis.rankings.best_performers`: place, value, interval, gap to the next) beside the
    headline by the FIA figure and the index (:func:`category_headline`). What ``stintlab drivers --best
    --json`` prints. Columns: :data:`BEST_HEADLINE_COLUMNS`."""
    from stintlab.analysis.rankings import best_performers

    head = category_headline(rankings).drop(columns=["drivers"])
    out = best_performers(rankings).merge(head, on=["class", "category"], how="outer")
    for col in ("class", "category", "driver", "car"):
        out[col] = out[col].astype("string")
    for col in (c for c in out.columns if c.startswith(("fia_", "index_")) and c.endswith(("_driver", "_car", "category", "_source"))):
        out[col] = out[col].astype("string")
    out["place"] = pd.array(out["place"], dtype="Int64")
    out["drivers"] = pd.array(out["drivers"], dtype="Int64")
    out["estimated"] = pd.array(out["estimated"], dtype="Int64")
    for col in ("close", "same_driver"):  # null where one side of the outer join has no row
        out[col] = pd.array([pd.NA if pd.isna(v) else bool(v) for v in out[col]], dtype="boolean")
    return out[BEST_HEADLINE_COLUMNS].reset_index(drop=True)
