"""Slow zones (Le Mans, WEC) and Code 60 zones: local neutralisations seen in sector times.

A slow zone (80 km/h through one part of the track while marshals work) is not in the flag column:
the laps driven through it carry ``GF`` (domain.md §4). It shows in the sector times: every car
passing that sector is slow, for the same span of race time, while the other sectors are not.

Rule (docs/analysis.md):

- A *passage* is one car's time in one sector (S1, S2, S3) on a lap that is not lap 1 and not
  neutralised by SC/FCY/red (:func:`stintlab.analysis.flags.neutralised_mask`); an out-lap's S1
  (pit exit) and an in-lap's S3 (pit entry) are not passages. Its *ratio* is the sector time over
  the car's median passage time in that sector.
- The *field ratio* of a sector at a passage is the median ratio of every passage of that sector
  ending within ± :data:`HALF_WINDOW` seconds (so one slow car does not count).
- A passage is *in a slow zone* when its sector's field ratio is at least :data:`RATIO` and
  exceeds the least-affected other sector's field ratio at that moment by :data:`LOCAL` (rain, a
  safety car or night slow every sector; a slow zone slows one).
- Runs of such passages less than :data:`JOIN_GAP` seconds apart form a zone when they hold at
  least :data:`MIN_PASSAGES` passages over at least :data:`MIN_DURATION` seconds. ``start`` is
  the sector entry of the first slowed passage, ``end`` the sector exit of the last one.

Files without sector times cannot show slow zones: :func:`slow_zones` returns an empty table and
:func:`slow_zone_reason` says why.

>>> import numpy as np, pandas as pd
>>> rows = []
>>> for car in map(str, range(1, 11)):
...     for lap in range(1, 41):
...         s2 = 60.0 * (1.8 if 15 <= lap <= 22 else 1.0)  # everybody slow in S2 on laps 15 to 22
...         rows.append({"car": car, "lap": lap, "s1": 30.0, "s2": s2, "s3": 40.0})
>>> laps = pd.DataFrame(rows)
>>> laps["lap_time"] = laps["s1"] + laps["s2"] + laps["s3"]
>>> laps["elapsed"] = laps.groupby("car")["lap_time"].cumsum() + laps["car"].astype(float)
>>> laps["in_lap"] = laps["out_lap"] = False
>>> laps["flag"] = "GF"
>>> z = slow_zones(laps)
>>> z[["sector", "cars_affected"]].values.tolist()
[[2, 10]]
>>> int(slow_zone_mask(laps, z).sum())  # 10 cars x 8 laps
80
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from stintlab.analysis.flags import neutralised_mask, window_median
from stintlab.config import THRESHOLDS
from stintlab.schema import empty_table

__all__ = [
    "RATIO",
    "LOCAL",
    "HALF_WINDOW",
    "MIN_PASSAGES",
    "MIN_DURATION",
    "JOIN_GAP",
    "ZONE_COLUMNS",
    "sector_times",
    "sector_passages",
    "slow_zones",
    "slow_zone_mask",
    "slow_zone_reason",
]

RATIO = THRESHOLDS.slow_zone_ratio
"""Field ratio from which a sector counts as slowed (25 % slower than normal for the field: an
80 km/h zone costs more; a wet or drying sector costs less, Le Mans 2024 S1 in the rain 1.15-1.24)."""
LOCAL = THRESHOLDS.slow_zone_local
"""How much more the slowed sector must be slowed than the least-affected other sector."""
HALF_WINDOW = THRESHOLDS.slow_zone_half_window
"""Half width (s) of the race-time window of the field ratio."""
MIN_PASSAGES = THRESHOLDS.slow_zone_min_passages
MIN_DURATION = THRESHOLDS.slow_zone_min_duration
JOIN_GAP = THRESHOLDS.slow_zone_join_gap

SECTORS = ("s1", "s2", "s3")
ZONE_COLUMNS = [
    "zone", "sector", "start", "end", "duration", "start_hour", "end_hour", "peak_ratio", "median_ratio",
    "cars_affected", "passages",
]  # fmt: skip


def slow_zone_reason(laps: pd.DataFrame) -> str | None:
    """Why slow zones cannot be detected in this lap table, or None when they can."""
    if laps.empty:
        return "no laps"
    missing = [s for s in SECTORS if s not in laps.columns or not laps[s].notna().any()]
    if missing:
        return "no sector times: slow zones cannot be detected"
    return None


def sector_times(laps: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(sector times, sector exit race times), each one column per sector S1..S3: a sector ends at
    the lap's start plus the sectors before it, and S3 at the crossing itself."""
    el = laps["elapsed"].to_numpy(dtype=float)
    sec = np.column_stack([laps[s].to_numpy(dtype=float) for s in SECTORS])
    exits = (el - laps["lap_time"].to_numpy(dtype=float))[:, None] + np.cumsum(np.nan_to_num(sec), axis=1)
    exits[:, 2] = el
    return sec, exits


def sector_passages(laps: pd.DataFrame, neutralised: np.ndarray | None = None) -> pd.DataFrame:
    """One row per usable sector passage: row (index into ``laps``), car, sector (1..3),
    enter and exit (race s), time (s), ratio (time / the car's median in that sector)."""
    cols = ["row", "car", "sector", "enter", "exit", "time", "ratio"]
    if slow_zone_reason(laps) is not None:
        return pd.DataFrame({c: [] for c in cols})
    if neutralised is None:
        neutralised = neutralised_mask(laps)
    sec, exits = sector_times(laps)
    usable = np.isfinite(sec) & (sec > 0)
    base = (laps["lap"].to_numpy() > 1) & ~np.asarray(neutralised, dtype=bool)
    usable &= base[:, None]
    usable[:, 0] &= ~laps["out_lap"].to_numpy(dtype=bool)
    usable[:, 2] &= ~laps["in_lap"].to_numpy(dtype=bool)
    car = laps["car"].to_numpy()
    codes = pd.factorize(car)[0]
    rows, ks = np.nonzero(usable)  # one entry per usable (row, sector)
    t = sec[rows, ks]
    ref = pd.Series(t).groupby(codes[rows] * 3 + ks, sort=False).transform("median").to_numpy()
    x = exits[rows, ks]
    order = np.argsort(x, kind="stable")
    rows, ks, t, ref, x = rows[order], ks[order], t[order], ref[order], x[order]
    return pd.DataFrame(
        {"row": rows, "car": car[rows], "sector": ks + 1, "enter": x - t, "exit": x, "time": t, "ratio": t / ref}
    )


def slow_zones(
    laps: pd.DataFrame, neutralised: np.ndarray | None = None, passages: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The slow zones of a race (module docstring): zone (1..), sector, start, end, duration (s),
    start_hour, end_hour (1-based race hours), peak_ratio and median_ratio (field ratio in the
    zone), cars_affected (cars with a slowed passage), passages. ``passages``: the
    :func:`sector_passages` of the same laps when already computed."""
    p = sector_passages(laps, neutralised) if passages is None else passages
    empty = empty_table("slow_zones")
    if p.empty:
        return empty
    sector = p["sector"].to_numpy()
    exit_all, enter_all = p["exit"].to_numpy(), p["enter"].to_numpy()
    ratio_all, car_all = p["ratio"].to_numpy(), p["car"].to_numpy()
    per = {k: np.flatnonzero(sector == k) for k in (1, 2, 3)}
    field = {k: (exit_all[i], window_median(exit_all[i], ratio_all[i], HALF_WINDOW)) for k, i in per.items()}
    zones = []
    for k in (1, 2, 3):
        t, med = field[k]
        if len(t) < MIN_PASSAGES:
            continue
        others = [np.interp(t, *field[j]) for j in (1, 2, 3) if j != k and len(field[j][0])]
        least = np.minimum.reduce(others) if others else np.ones_like(med)
        hot = (med >= RATIO) & (med - least >= LOCAL)
        idx = np.flatnonzero(hot)
        if not idx.size:
            continue
        rows = per[k]
        breaks = np.flatnonzero(np.diff(t[idx]) > JOIN_GAP)
        for run in np.split(idx, breaks + 1):
            span = rows[run[0] : run[-1] + 1]
            start, end = float(enter_all[span[0]]), float(exit_all[span].max())
            if len(run) < MIN_PASSAGES or end - start < MIN_DURATION:
                continue
            r = ratio_all[span]
            zones.append(
                {
                    "sector": k,
                    "start": start,
                    "end": end,
                    "peak_ratio": float(med[run].max()),
                    "median_ratio": float(np.median(r)),
                    "cars_affected": int(len(set(car_all[span[r >= RATIO]]))),
                    "passages": int(len(span)),
                }
            )
    if not zones:
        return empty
    out = pd.DataFrame(zones).sort_values(["start", "sector"], kind="stable").reset_index(drop=True)
    out.insert(0, "zone", np.arange(1, len(out) + 1))
    out["duration"] = out["end"] - out["start"]
    out["start_hour"] = (out["start"] // 3600).astype(int) + 1
    out["end_hour"] = (out["end"] // 3600).astype(int) + 1
    return out[ZONE_COLUMNS]


def slow_zone_mask(laps: pd.DataFrame, zones: pd.DataFrame | None = None) -> np.ndarray:
    """Per lap row: True when one of its sectors was driven inside a slow zone of that sector
    (the sector's exit between the zone's start and end)."""
    n = len(laps)
    out = np.zeros(n, dtype=bool)
    if zones is None:
        zones = slow_zones(laps)
    if zones.empty or slow_zone_reason(laps) is not None:
        return out
    _, exits = sector_times(laps)
    for z in zones.itertuples():
        x = exits[:, int(z.sector) - 1]
        out |= (x >= z.start) & (x <= z.end)
    return out
