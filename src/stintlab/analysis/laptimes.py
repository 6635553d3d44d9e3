"""Pace views: the lap-time trace, stint pace, sectors, drive-time shares and a two-car battle.

Pure kernels over canonical tables; every number is seconds (or km/h), every flag a bool. What a
*clean* lap is belongs to :func:`stintlab.analysis.annotate.annotate` (its ``clean`` column, read
through :func:`stintlab.analysis.pace.clean_laps`); nothing here redefines it.

- :func:`lap_trace`: one row per lap with stint, lap in stint, pit / neutralised / slow-zone /
  incident / clean flags and a line-traffic flag.
- :func:`stint_pace`: one row per stint: clean-lap average and best, degradation slope (OLS of
  the clean lap times on the lap number within the stint) with its standard error, the driver's
  multiple stints (double stints) and the share of green laps run in traffic.
- :func:`sector_table`: per (car, driver): best clean S1/S2/S3, ideal lap, gap of each to the
  class best, top speed.
- :func:`drive_shares`: per (car, driver): drive time, share of the car's, longest spell, next
  to the rule set's minimum when one is given.
- :func:`battle`: the gap between two cars at every lap both completed, with their stops.

Traffic is a *line* proxy: a green lap is in traffic when the car crossed the finish line less than
:data:`TRAFFIC_GAP` s after or before another car on track. The lap files hold crossings of the
line only (sector times are durations, not crossings of other cars), so traffic met and cleared
between two line crossings is invisible. Tyre stints are not in the files either: a stop's
PIT_TIME does not tell a fuel-only stop from a tyre change, so the only stint marker is the
driver's: ``spell_stints`` (2 = a double stint).

>>> import pandas as pd
>>> a = pd.DataFrame({"car": ["1"] * 6, "lap": [1, 2, 3, 4, 5, 6], "driver": ["A"] * 6, "class": ["X"] * 6,
...     "lap_time": [110.0, 100.0, 100.5, 101.0, 101.5, 102.0], "elapsed": [110.0, 210, 310.5, 411.5, 513, 615],
...     "in_lap": [False] * 6, "out_lap": [False] * 6, "neutralised": [False] * 6, "slow_zone": [False] * 6,
...     "incident": [False] * 6, "clean": [False, True, True, True, True, True], "stint": [1] * 6})
>>> t = lap_trace(a)
>>> t["lap_in_stint"].tolist(), bool(t["traffic"].any())
([1, 2, 3, 4, 5, 6], False)
>>> sp = stint_pace(t)
>>> sp[["clean_avg", "best", "slope"]].values.tolist(), int(sp["clean_laps"].iloc[0])
([[101.0, 100.0, 0.5]], 5)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from stintlab.config import THRESHOLDS
from stintlab.schema import check_columns, empty_table, table_columns

__all__ = ["TRAFFIC_GAP", "battle", "drive_shares", "lap_trace", "sector_table", "stint_pace"]

#: A green lap whose line crossing is closer than this (s) to another car's is in traffic.
TRAFFIC_GAP = THRESHOLDS.traffic_gap
#: Fewest clean laps in a stint for a degradation slope (two more than a line needs).
MIN_SLOPE_LAPS = THRESHOLDS.min_slope_laps

TRACE_NEEDS = ("car", "lap", "driver", "lap_time", "elapsed", "in_lap", "out_lap", "neutralised", "slow_zone",
               "incident", "clean", "stint")  # fmt: skip


def _line_gaps(elapsed: np.ndarray, on_track: np.ndarray) -> np.ndarray:
    """Per crossing, seconds to the nearest other on-track crossing of the line (before or after)."""
    n = len(elapsed)
    out = np.full(n, np.inf)
    idx = np.flatnonzero(on_track & np.isfinite(elapsed))
    if len(idx) < 2:
        return out
    order = idx[np.argsort(elapsed[idx], kind="stable")]
    t = elapsed[order]
    d = np.diff(t)
    before = np.r_[np.inf, d]
    after = np.r_[d, np.inf]
    out[order] = np.minimum(before, after)
    return out


def lap_trace(annotated: pd.DataFrame, car=None) -> pd.DataFrame:
    """One row per lap of an annotated lap table (``car``: only that car, traffic still judged
    against every car): car, driver, class, lap, stint, lap_in_stint, race_time, lap_time, s1..s3,
    in_lap, out_lap, pit_lap, neutralised, slow_zone, incident, clean, line_gap, traffic."""
    check_columns(annotated, "annotated_laps", "lap_trace()", TRACE_NEEDS)
    if annotated.empty:
        return empty_table("lap_trace")
    a = annotated
    in_lap = a["in_lap"].to_numpy(dtype=bool)
    out_lap = a["out_lap"].to_numpy(dtype=bool)
    neutral = a["neutralised"].to_numpy(dtype=bool)
    elapsed = a["elapsed"].to_numpy(dtype=float)
    gap = _line_gaps(elapsed, ~in_lap)
    green = ~neutral & ~in_lap & ~out_lap
    n = len(a)
    na = np.full(n, np.nan)
    out = pd.DataFrame(
        {
            "car": pd.array(a["car"].astype(str).to_numpy(), dtype="string"),
            "driver": pd.array(a["driver"].to_numpy(dtype=object), dtype="string"),
            "class": pd.array(a["class"].to_numpy(dtype=object) if "class" in a else [None] * n, dtype="string"),
            "lap": a["lap"].to_numpy().astype(np.int64),
            "stint": a["stint"].to_numpy().astype(np.int64),
            "lap_in_stint": a.groupby(["car", "stint"], sort=False, observed=True).cumcount().to_numpy() + 1,
            "race_time": elapsed,
            "lap_time": a["lap_time"].to_numpy(dtype=float),
            "s1": a["s1"].to_numpy(dtype=float) if "s1" in a else na,
            "s2": a["s2"].to_numpy(dtype=float) if "s2" in a else na,
            "s3": a["s3"].to_numpy(dtype=float) if "s3" in a else na,
            "in_lap": in_lap,
            "out_lap": out_lap,
            "pit_lap": in_lap | out_lap,
            "neutralised": neutral,
            "slow_zone": a["slow_zone"].to_numpy(dtype=bool),
            "incident": a["incident"].to_numpy(dtype=bool),
            "clean": a["clean"].to_numpy(dtype=bool) & np.isfinite(a["lap_time"].to_numpy(dtype=float)),
            "line_gap": np.where(np.isfinite(gap), gap, np.nan),
            "traffic": green & (gap < TRAFFIC_GAP),
        }
    )
    out["lap_in_stint"] = out["lap_in_stint"].astype(np.int64)
    if car is not None:
        out = out[out["car"] == str(car)].reset_index(drop=True)
    return out


def _ols(x: np.ndarray, y: np.ndarray, group: np.ndarray, n_groups: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per group: (n, slope, standard error of the slope) of the least-squares line y = a + b x.
    Slope NaN under :data:`MIN_SLOPE_LAPS` points or when x does not vary."""
    n = np.bincount(group, minlength=n_groups).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        mx = np.bincount(group, x, n_groups) / n
        my = np.bincount(group, y, n_groups) / n
        dx, dy = x - mx[group], y - my[group]
        sxx = np.bincount(group, dx * dx, n_groups)
        sxy = np.bincount(group, dx * dy, n_groups)
        syy = np.bincount(group, dy * dy, n_groups)
        slope = sxy / sxx
        ssr = np.maximum(syy - slope * sxy, 0.0)
        se = np.sqrt(ssr / (n - 2) / sxx)
    ok = (n >= MIN_SLOPE_LAPS) & (sxx > 0)
    return n, np.where(ok, slope, np.nan), np.where(ok, se, np.nan)


def stint_pace(trace: pd.DataFrame, stints: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per stint of a :func:`lap_trace`: car, stint, driver, class, lap_start, lap_end, laps,
    clean_laps, clean_avg, best (fastest clean lap), slope (s per lap, OLS of clean lap times on
    lap_in_stint), slope_se, spell_stint / spell_stints (place of the stint in the driver's run of
    consecutive stints, and its length: 2 = double stint), traffic_laps, traffic_share (of green
    laps: not neutralised, not in- or out-lap), start, end (race s). ``stints``: the
    :func:`stintlab.analysis.stints.stints` table, for its start (pit-lane time included); without
    it a stint starts where its first lap started."""
    if trace.empty:
        return empty_table("stint_pace")
    car = trace["car"].astype(str).to_numpy()
    st = trace["stint"].to_numpy()
    first = np.r_[True, (car[1:] != car[:-1]) | (st[1:] != st[:-1])]
    group = np.cumsum(first) - 1
    n_groups = int(group[-1]) + 1 if len(group) else 0
    starts = np.flatnonzero(first)
    ends = np.r_[starts[1:] - 1, len(trace) - 1]
    clean = trace["clean"].to_numpy(dtype=bool)
    lt = trace["lap_time"].to_numpy(dtype=float)
    x = trace["lap_in_stint"].to_numpy(dtype=float)
    nc, slope, se = _ols(x[clean], lt[clean], group[clean], n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        avg = np.bincount(group[clean], lt[clean], n_groups) / nc
    best = pd.Series(lt[clean]).groupby(group[clean]).min().reindex(range(n_groups)).to_numpy()
    green = ~trace["neutralised"].to_numpy(dtype=bool) & ~trace["pit_lap"].to_numpy(dtype=bool)
    n_green = np.bincount(group, green.astype(float), n_groups)
    n_traffic = np.bincount(group, trace["traffic"].to_numpy(dtype=bool).astype(float), n_groups)
    drv = trace["driver"].to_numpy(dtype=object)
    driver = pd.Series(drv).groupby(group).first().reindex(range(n_groups)).to_numpy(dtype=object)
    el = trace["race_time"].to_numpy(dtype=float)
    out = pd.DataFrame(
        {
            "car": pd.array(car[starts], dtype="string"),
            "stint": st[starts].astype(np.int64),
            "driver": pd.array(driver, dtype="string"),
            "class": pd.array(trace["class"].to_numpy(dtype=object)[starts], dtype="string"),
            "lap_start": trace["lap"].to_numpy()[starts].astype(np.int64),
            "lap_end": trace["lap"].to_numpy()[ends].astype(np.int64),
            "laps": (ends - starts + 1).astype(np.int64),
            "clean_laps": nc.astype(np.int64),
            "clean_avg": np.where(nc > 0, avg, np.nan),
            "best": best.astype(float),
            "slope": slope,
            "slope_se": se,
            "start": el[starts] - lt[starts],
            "end": el[ends],
        }
    )
    if stints is not None and not stints.empty:
        s = stints[["car", "stint", "start"]].assign(car=stints["car"].astype(str))
        key = pd.MultiIndex.from_arrays([out["car"].astype(str), out["stint"]])
        got = s.set_index(["car", "stint"])["start"].reindex(key).to_numpy(dtype=float)
        out["start"] = np.where(np.isfinite(got), got, out["start"].to_numpy())
    # the driver's run of consecutive stints (a stop without driver change continues it)
    d = out["driver"].fillna("").astype(object).to_numpy()
    c = out["car"].astype(object).to_numpy()
    new_run = np.r_[True, (c[1:] != c[:-1]) | (d[1:] != d[:-1])]
    run = np.cumsum(new_run)
    out["spell_stint"] = out.groupby(run).cumcount().to_numpy().astype(np.int64) + 1
    out["spell_stints"] = pd.Series(run).map(pd.Series(run).value_counts()).to_numpy().astype(np.int64)
    out["traffic_laps"] = n_traffic.astype(np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["traffic_share"] = np.where(n_green > 0, n_traffic / n_green, np.nan)
    return out[[c.name for c in table_columns("stint_pace")]]


def sector_table(clean: pd.DataFrame, laps: pd.DataFrame, metrics: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per (car, driver) of ``laps``: car, driver, class, clean_laps, best_s1..best_s3 (fastest clean
    sectors), ideal_lap (their sum; :func:`stintlab.analysis.pace.driver_metrics` owns it when
    ``metrics`` is given), best_lap, gap_s1..gap_s3 and gap_ideal (to the class's best of each,
    s), top_speed (highest speed-trap figure on any of the driver's laps; NaN when the file has none).
    ``clean``: :func:`stintlab.analysis.pace.clean_laps`."""
    if laps.empty:
        return empty_table("sectors")
    keys = ["car", "driver"]
    c = clean[clean[keys].notna().all(axis=1).to_numpy()]
    g = c.groupby(keys, sort=False, observed=True)
    best = g[["s1", "s2", "s3"]].min().rename(columns={"s1": "best_s1", "s2": "best_s2", "s3": "best_s3"})
    best["clean_laps"] = g.size()
    best["best_lap"] = g["lap_time"].min()
    best["ideal_lap"] = best[["best_s1", "best_s2", "best_s3"]].sum(axis=1, min_count=3)
    best = best.reset_index()
    if metrics is not None and "ideal_lap" in metrics.columns:  # one owner of the ideal lap
        m = metrics[keys + ["ideal_lap", "best_lap"]].rename(columns={"ideal_lap": "_i", "best_lap": "_b"})
        best = best.merge(m, on=keys, how="left")
        best["ideal_lap"], best["best_lap"] = best.pop("_i"), best.pop("_b")
    who = laps.dropna(subset=["driver"]).drop_duplicates(keys)[keys + ["class"]]
    out = who.merge(best, on=keys, how="left")
    out["clean_laps"] = out["clean_laps"].fillna(0).astype(np.int64)
    cls = out["class"].astype(str)
    for col, gap in (("best_s1", "gap_s1"), ("best_s2", "gap_s2"), ("best_s3", "gap_s3"), ("ideal_lap", "gap_ideal")):
        out[gap] = out[col] - out.groupby(cls, sort=False)[col].transform("min")
    if "top_speed" in laps.columns:
        ts = laps.dropna(subset=["driver"]).groupby(keys, sort=False, observed=True)["top_speed"].max()
        out = out.merge(ts.rename("top_speed").reset_index(), on=keys, how="left")
    else:
        out["top_speed"] = np.nan
    for k in ("car", "driver", "class"):
        out[k] = out[k].astype("string")
    return out[[c.name for c in table_columns("sectors")]].reset_index(drop=True)


def drive_shares(drive_time: pd.DataFrame, rule_drivers: pd.DataFrame | None = None, counts_pit: bool = False) -> pd.DataFrame:
    """Per (car, driver) of :func:`stintlab.analysis.stints.drive_time`: total, share (of the car's
    drive time), longest_spell, spells, laps, and min_total / meets_minimum from the ``drivers``
    table of :func:`stintlab.analysis.rules.check_laps` when a rule set applies (NaN / <NA> otherwise,
    and for drivers no minimum applies to). ``counts_pit``: ``total`` is the drive time with the pit
    stops (``total_with_pits``, the series' rules count so), else without (``total``); the column
    ``counts_pit`` says which."""
    if drive_time.empty:
        return empty_table("drive_shares")
    dt = drive_time
    if counts_pit:
        dt = dt.assign(total=dt["total_with_pits"].to_numpy(dtype=float))
    car_total = dt.groupby("car", sort=False, observed=True)["total"].transform("sum").to_numpy(dtype=float)
    out = dt[["car", "driver", "driver_slot", "class", "total"]].copy()
    with np.errstate(invalid="ignore", divide="ignore"):
        out["share"] = np.where(car_total > 0, dt["total"].to_numpy(dtype=float) / car_total, np.nan)
    out["longest_spell"] = dt["longest_spell"].to_numpy(dtype=float)
    out["spells"] = dt["spells"].to_numpy().astype(np.int64)
    out["laps"] = dt["laps"].to_numpy().astype(np.int64)
    out["min_total"] = np.nan
    if rule_drivers is not None and not rule_drivers.empty:
        r = rule_drivers[["car", "driver", "min_total"]].astype({"car": str, "driver": str})
        key = pd.MultiIndex.from_arrays([out["car"].astype(str), out["driver"].astype(str)])
        out["min_total"] = r.drop_duplicates(["car", "driver"]).set_index(["car", "driver"])["min_total"].reindex(key).to_numpy(dtype=float)
    has_min = np.isfinite(out["min_total"].to_numpy(dtype=float))
    meets = pd.array(out["total"].to_numpy(dtype=float) >= out["min_total"].to_numpy(dtype=float), dtype="boolean")
    meets[~has_min] = pd.NA
    out["meets_minimum"] = meets
    out["counts_pit"] = bool(counts_pit)
    return out.reset_index(drop=True)


def battle(trace: pd.DataFrame, car_a, car_b) -> pd.DataFrame:
    """The gap between two cars by race time, at every line crossing of ``car_b``: lap (the lap
    car_b completed), race_time, progress_a (laps car_a had done at that moment, interpolated
    between its crossings; lap 0 at the start of its lap 1), gap_laps (progress_a - lap: positive
    when car_b is behind), ref_lap (the median clean lap of the two cars), gap (gap_laps x ref_lap:
    seconds at green pace, not inflated by slow laps under a safety car), gap_equal_lap (race_time
    minus the time car_a completed the same lap: the timing screen's gap, which a neutralisation
    inflates; NaN when car_a never completed it), stop_a (car_a crossed the line in the pit lane since
    car_b's previous crossing), stop_b (this was car_b's in-lap), neutralised (car_b's lap was).
    ``trace``: :func:`lap_trace` of the race. Rows only while car_a is running (between the start
    of its lap 1 and its last crossing)."""
    a = trace[trace["car"] == str(car_a)]
    b = trace[trace["car"] == str(car_b)]
    if a.empty or b.empty:
        return empty_table("battle")
    ta = a["race_time"].to_numpy(dtype=float)
    t0 = ta[0] - float(a["lap_time"].iloc[0]) if np.isfinite(a["lap_time"].iloc[0]) else 0.0
    ka = a["lap"].to_numpy(dtype=float)
    tb = b["race_time"].to_numpy(dtype=float)
    kb = b["lap"].to_numpy()
    keep = (tb >= t0) & (tb <= ta[-1])
    b, tb, kb = b[keep], tb[keep], kb[keep]
    progress = np.interp(tb, np.r_[t0, ta], np.r_[ka[0] - 1, ka])
    clean = np.r_[a["lap_time"].to_numpy(dtype=float)[a["clean"].to_numpy(dtype=bool)],
                  b["lap_time"].to_numpy(dtype=float)[b["clean"].to_numpy(dtype=bool)]]  # fmt: skip
    ref = float(np.median(clean)) if len(clean) else np.nan
    at_lap = pd.Series(ta, index=a["lap"].to_numpy()).reindex(kb).to_numpy(dtype=float)
    gap_laps = progress - kb
    a_in = np.sort(ta[a["in_lap"].to_numpy(dtype=bool)])
    prev = np.r_[-np.inf, tb[:-1]]
    stop_a = np.searchsorted(a_in, tb, side="right") > np.searchsorted(a_in, prev, side="right")
    return pd.DataFrame(
        {
            "lap": kb.astype(np.int64),
            "race_time": tb,
            "progress_a": progress,
            "gap_laps": gap_laps,
            "ref_lap": np.full(len(tb), ref),
            "gap": gap_laps * ref,
            "gap_equal_lap": tb - at_lap,
            "stop_a": stop_a,
            "stop_b": b["in_lap"].to_numpy(dtype=bool),
            "neutralised": b["neutralised"].to_numpy(dtype=bool),
        }
    )
