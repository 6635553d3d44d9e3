"""Race statistics measured the same way on real and simulated lap tables.

The calibration (:mod:`stintlab.sim.calibrate`) fits the simulator's parameters from
these figures on the real corpus, and the calibration report compares the same figures
measured on a simulated race. Every function takes the canonical lap table.

>>> import pandas as pd
>>> laps = pd.DataFrame({"car": ["1"] * 4, "lap": [1, 2, 3, 4], "in_lap": [False, True, False, False],
...                      "out_lap": [False, False, True, False], "pit_time": [None, None, 80.0, None]})
>>> stint_table(laps)[["car", "first_lap", "last_lap", "laps", "ends_in_pit"]].values.tolist()
[['1', 1, 2, 2, True], ['1', 3, 4, 2, False]]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from stintlab.analysis.annotate import annotate, stint_starts
from stintlab.analysis.flags import neutralised_mask
from stintlab.analysis.order import finish_time

__all__ = [
    "NORMAL_STOP_MAX",
    "GARAGE_STOP_MIN",
    "clean_mask",
    "stint_table",
    "stop_table",
    "neutral_periods",
    "retirements",
    "race_stats",
]

NORMAL_STOP_MAX = 150.0  # pit_time above this is a long stop (repair), not a routine one
GARAGE_STOP_MIN = 900.0  # pit_time at or above this: the car went to the garage


def _flag(laps: pd.DataFrame) -> pd.Series:
    return laps["flag"].astype("string").fillna("GF") if "flag" in laps else pd.Series("GF", index=laps.index)


def clean_mask(laps: pd.DataFrame) -> np.ndarray:
    """Green-flag laps that are neither in-laps nor out-laps nor lap 1 (the usual clean-lap filter).

    Laps run under a neutralisation are left out whether the file flags them or not: for files
    without FLAG_AT_FL (Le Mans 2019/2021) the phases are inferred by
    :func:`stintlab.analysis.flags.neutralised_mask`, so safety-car laps are not measured as
    "slow laps" (which would make the simulator add them a second time).
    """
    flag = _flag(laps)
    return (
        (flag == "GF").to_numpy()
        & ~np.asarray(neutralised_mask(laps), dtype=bool)
        & ~laps["in_lap"].to_numpy(bool)
        & ~laps["out_lap"].to_numpy(bool)
        & (laps["lap"].to_numpy() > 1)
        & laps["pit_time"].isna().to_numpy()
    )


def stint_table(laps: pd.DataFrame) -> pd.DataFrame:
    """One row per stint (out-lap or lap 1 up to the in-lap or the car's last lap)."""
    car = laps["car"].to_numpy()
    lap = laps["lap"].to_numpy()
    sid = np.cumsum(stint_starts(laps)) - 1
    g = pd.DataFrame({"sid": sid, "car": car, "lap": lap, "in": laps["in_lap"].to_numpy(bool)}).groupby(
        "sid", sort=True
    )
    out = pd.DataFrame(
        {
            "car": g["car"].first().to_numpy(),
            "first_lap": g["lap"].first().to_numpy(),
            "last_lap": g["lap"].last().to_numpy(),
            "laps": g["lap"].size().to_numpy(),
            "ends_in_pit": g["in"].last().to_numpy(),
        }
    )
    if "flag" in laps:
        neutral = _flag(laps).isin(["SF", "FCY", "RF"]).to_numpy()
        out["neutral_laps"] = pd.Series(neutral).groupby(sid).sum().to_numpy()
    return out


def stop_table(laps: pd.DataFrame) -> pd.DataFrame:
    """One row per pit stop: car, in-lap, pit_time (from the out-lap), driver change, class."""
    in_idx = np.flatnonzero(laps["in_lap"].to_numpy(bool))
    n = len(laps)
    nxt = np.minimum(in_idx + 1, n - 1)
    car = laps["car"].to_numpy()
    has_out = (in_idx + 1 < n) & (car[nxt] == car[in_idx])
    pit = np.where(has_out, laps["pit_time"].to_numpy(float)[nxt], np.nan)
    drv = laps["driver"].astype("string").fillna("").to_numpy()
    return pd.DataFrame(
        {
            "car": car[in_idx],
            "class": laps["class"].to_numpy()[in_idx],
            "lap": laps["lap"].to_numpy()[in_idx],
            "elapsed": laps["elapsed"].to_numpy()[in_idx],
            "pit_time": pit,
            "has_out_lap": has_out,
            "driver_change": has_out & (drv[nxt] != drv[in_idx]),
        }
    )


def neutral_periods(laps: pd.DataFrame, flag: str, gap: float = 60.0) -> pd.DataFrame:
    """Periods [start, end] in race time covered by laps crossing under ``flag`` (merged when closer than ``gap`` s)."""
    f = _flag(laps)
    sel = laps[(f == flag).to_numpy()]
    if sel.empty:
        return pd.DataFrame({"start": [], "end": [], "duration": []})
    # a lap crossing under the flag: the flag was out at least at the crossing; take the
    # crossing times and merge crossings of all cars into periods
    t = np.sort(sel["elapsed"].to_numpy(float))
    breaks = np.flatnonzero(np.diff(t) > max(gap, 0.0) + 300.0)
    starts = np.r_[t[0], t[breaks + 1]]
    ends = np.r_[t[breaks], t[-1]]
    return pd.DataFrame({"start": starts, "end": ends, "duration": ends - starts})


def retirements(laps: pd.DataFrame, margin: float = 1800.0) -> pd.DataFrame:
    """Cars whose last crossing is more than ``margin`` s before the winner's finishing crossing
    (the last crossing of the car with most laps, earliest on ties)."""
    last = laps.groupby("car", sort=False).agg(cls=("class", "last"), last=("elapsed", "max"), laps=("lap", "max"))
    end = finish_time(laps)
    out = last[last["last"] < end - margin].reset_index()
    return out.rename(columns={"cls": "class"})


def _stint_slope(laps: pd.DataFrame, clean: np.ndarray) -> float:
    """Median change of a clean lap per lap into the stint, as a fraction of the stint median."""
    sid = np.cumsum(stint_starts(laps))
    pos = pd.Series(np.ones(len(laps))).groupby(sid).cumsum().to_numpy()
    d = pd.DataFrame({"sid": sid, "pos": pos, "t": laps["lap_time"].to_numpy(float)})[clean]
    med = d.groupby("sid")["t"].transform("median")
    d = d.assign(rel=d["t"] / med - 1.0)
    d = d[d["rel"].abs() < 0.03]
    by_pos = d.groupby("pos")["rel"].median()
    by_pos = by_pos[(by_pos.index >= 2) & (by_pos.index <= 12)]
    if len(by_pos) < 3:
        return 0.0
    return float(np.polyfit(by_pos.index.to_numpy(float), by_pos.to_numpy(), 1)[0])


def race_stats(laps: pd.DataFrame, categories: dict | None = None) -> dict:
    """Per-class and race-wide figures of one race (see docs/sim.md for each definition).

    ``categories``: optional {(car, driver): FIA category} to measure per-category figures.
    """
    laps = laps.reset_index(drop=True)
    clean = clean_mask(laps)
    hours = float(laps["elapsed"].max()) / 3600.0
    ncars = int(laps["car"].nunique())
    lt = laps["lap_time"].to_numpy(float)
    drv_key = laps["car"].astype(str) + "|" + laps["driver"].astype("string").fillna("?").astype(str)
    cd = pd.DataFrame({"key": drv_key, "car": laps["car"].to_numpy(), "class": laps["class"].to_numpy(), "t": lt})[
        clean
    ]
    drv_med = cd.groupby("key")["t"].median()
    cd = cd.assign(rel=cd["t"].to_numpy() / drv_med.reindex(cd["key"]).to_numpy() - 1.0)
    # slow laps are measured against the incident reference of stintlab.analysis.annotate (the
    # driver's own pace with field-wide slowdowns such as rain or night taken out), so that what the
    # simulator draws as isolated slow laps is what the incident detector sees on real races
    expected = annotate(laps)["expected"].to_numpy(float)[clean]
    cd = cd.assign(slow_rel=cd["t"].to_numpy() / expected - 1.0)
    stints = stint_table(laps)
    stints["class"] = laps.drop_duplicates("car").set_index("car")["class"].reindex(stints["car"]).to_numpy()
    full = stints[stints["ends_in_pit"] & (stints["first_lap"] > 1)]
    if "neutral_laps" in full:
        full = full[full["neutral_laps"] == 0]
    stops = stop_table(laps)
    normal = stops[stops["pit_time"] < NORMAL_STOP_MAX]
    flags_known = "flag" in laps and laps["flag"].notna().any()
    out: dict = {"hours": hours, "cars": ncars, "classes": {}}
    cls_of_car = laps.drop_duplicates("car").set_index("car")["class"]
    for cls, grp in cd.groupby("class", sort=True):
        cls = str(cls)
        car_med = grp.groupby("car")["t"].median()
        rel = grp["rel"]
        rel = rel[rel.abs() < 0.25]
        cls_stops = stops[stops["class"] == cls]
        cls_normal = normal[normal["class"] == cls]
        ncls = int((cls_of_car == cls).sum())
        lt_cls = laps[(laps["class"] == cls).to_numpy()]
        s = {
            "cars": ncls,
            "median_lap": float(grp["t"].median()),
            "car_spread": float(car_med.std() / car_med.median()) if len(car_med) > 1 else 0.0,
            "lap_iqr": float(rel.quantile(0.75) - rel.quantile(0.25)),
            "slow_share": float((grp["slow_rel"] > 0.08).mean()),
            "slow_excess": float(grp["slow_rel"][(grp["slow_rel"] > 0.08) & (grp["slow_rel"] < 1.0)].median())
            if (grp["slow_rel"] > 0.08).any()
            else 0.1,
            "stint_laps": float(full[full["class"] == cls]["laps"].median())
            if (full["class"] == cls).any()
            else float("nan"),
            "pit_time": float(cls_normal["pit_time"].median()) if len(cls_normal) else float("nan"),
            "pit_time_iqr": float(cls_normal["pit_time"].quantile(0.75) - cls_normal["pit_time"].quantile(0.25))
            if len(cls_normal)
            else float("nan"),
            "long_stops_per_car_24h": float(
                ((cls_stops["pit_time"] >= NORMAL_STOP_MAX) & (cls_stops["pit_time"] < GARAGE_STOP_MIN)).sum()
                / max(ncls, 1)
                / hours
                * 24
            ),
            "garage_stops_per_car_24h": float(
                (cls_stops["pit_time"] >= GARAGE_STOP_MIN).sum() / max(ncls, 1) / hours * 24
            ),
            "top_speed": float(lt_cls["top_speed"].median()) if lt_cls["top_speed"].notna().any() else float("nan"),
        }
        ch = cls_normal[cls_normal["driver_change"]]["pit_time"].median()
        noch = cls_normal[~cls_normal["driver_change"]]["pit_time"].median()
        s["driver_change_extra"] = float(ch - noch) if np.isfinite(ch) and np.isfinite(noch) else 0.0
        secs = lt_cls.loc[clean[(laps["class"] == cls).to_numpy()], ["s1", "s2", "s3", "lap_time"]].dropna()
        s["sector_share"] = (
            [float((secs[c] / secs["lap_time"]).median()) for c in ("s1", "s2", "s3")] if len(secs) else [1 / 3] * 3
        )
        out["classes"][cls] = s
    # in/out-lap losses relative to the driver's median clean lap
    med_of = drv_med.reindex(drv_key).to_numpy()
    inl = laps["in_lap"].to_numpy(bool) & (_flag(laps) == "GF").to_numpy()
    outl = (
        laps["out_lap"].to_numpy(bool)
        & (_flag(laps) == "GF").to_numpy()
        & (laps["pit_time"].to_numpy(float) < NORMAL_STOP_MAX)
    )
    out["in_lap_extra"] = float(np.nanmedian(lt[inl] - med_of[inl])) if inl.any() else 0.0
    out["out_lap_extra_minus_pit"] = (
        float(np.nanmedian(lt[outl] - med_of[outl] - laps["pit_time"].to_numpy(float)[outl])) if outl.any() else 0.0
    )
    out["stint_slope"] = _stint_slope(laps, clean)
    pt = stops["pit_time"]
    long_ = pt[(pt >= NORMAL_STOP_MAX) & (pt < GARAGE_STOP_MIN)]
    garage = pt[pt >= GARAGE_STOP_MIN]
    out["long_stop_median"] = float(long_.median()) if len(long_) else float("nan")
    out["garage_stop_median"] = float(garage.median()) if len(garage) else float("nan")
    ret = retirements(laps)
    out["retired_share"] = float(len(ret) / max(ncars, 1))
    tod = laps["time_of_day"].to_numpy(float)
    if np.isfinite(tod).any():
        h = np.mod(tod / 3600.0, 24.0)
        night = (h >= 22.5) | (h < 5.5)
        rel_all = lt / med_of - 1.0
        ok = clean & np.isfinite(rel_all) & (np.abs(rel_all) < 0.05)
        t_h = laps["elapsed"].to_numpy(float) / 3600.0
        a = np.c_[np.ones(ok.sum()), t_h[ok], night[ok]]
        coef = np.linalg.lstsq(a, rel_all[ok], rcond=None)[0]
        out["evolution_per_hour"] = float(coef[1])
        out["night_effect"] = float(coef[2])
    if flags_known:
        f = _flag(laps)
        out["sc_share"] = float((f == "SF").mean())
        out["fcy_share"] = float((f == "FCY").mean())
        for flag, key in (("SF", "sc"), ("FCY", "fcy"), ("RF", "red")):
            p = neutral_periods(laps, flag)
            out[f"{key}_periods_per_24h"] = float(len(p) / hours * 24)
            out[f"{key}_median_duration"] = float(p["duration"].median()) if len(p) else float("nan")
        cmed = cd.groupby("class")["t"].median()
        base = laps["class"].map(cmed).to_numpy(float)
        sc = ((f == "SF") & ~laps["in_lap"] & ~laps["out_lap"]).to_numpy()
        fcy = ((f == "FCY") & ~laps["in_lap"] & ~laps["out_lap"]).to_numpy()
        out["sc_lap_ratio"] = float(np.nanmedian(lt[sc] / base[sc])) if sc.any() else float("nan")
        out["fcy_lap_ratio"] = float(np.nanmedian(lt[fcy] / base[fcy])) if fcy.any() else float("nan")
    if categories:
        cat = pd.Series(
            [categories.get(tuple(k.split("|", 1))) for k in drv_med.index], index=drv_med.index, dtype="object"
        )
        dm = pd.DataFrame({"med": drv_med, "cat": cat, "car": [k.split("|", 1)[0] for k in drv_med.index]})
        dm["rel"] = dm["med"] / dm.groupby("car")["med"].transform("min") - 1.0
        inner = cd[cd["rel"].abs() < 0.25].groupby("key")["rel"]
        iqr = inner.quantile(0.75) - inner.quantile(0.25)
        dm["iqr"] = iqr.reindex(dm.index)
        counts = cd.groupby("key").size().reindex(dm.index)
        dm = dm[(counts >= 10).to_numpy() & dm["cat"].notna().to_numpy()]
        out["categories"] = {
            str(c): {
                "offset_vs_car_best": float(g["rel"].median()),
                "lap_iqr": float(g["iqr"].median()),
                "drivers": int(len(g)),
            }
            for c, g in dm.groupby("cat")
        }
    return out
