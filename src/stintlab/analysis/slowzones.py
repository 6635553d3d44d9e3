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
from stintlab.analysis.order import start_offsets
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
    "zone_rule",
    "full_course_code60",
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
C60_RATIO = THRESHOLDS.code60_ratio
"""Nordschleife: field ratio from which one of the five sectors counts as under a Code 60 zone."""
C60_LOCAL = THRESHOLDS.code60_local
C60_MIN_DURATION = THRESHOLDS.code60_min_duration
C60_FULL_RATIO = THRESHOLDS.code60_full_ratio
"""Nordschleife: every sector's field ratio at once from which the whole course is under Code 60."""

SECTORS = ("s1", "s2", "s3")
ZONE_COLUMNS = [
    "zone", "sector", "start", "end", "duration", "start_hour", "end_hour", "peak_ratio", "median_ratio",
    "cars_affected", "passages",
]  # fmt: skip


def slow_zone_reason(laps: pd.DataFrame, sections: pd.DataFrame | None = None) -> str | None:
    """Why slow zones cannot be detected in this lap table, or None when they can."""
    if laps.empty:
        return "no laps"
    if _section_matrix(laps, sections) is not None:
        return None
    missing = [s for s in SECTORS if s not in laps.columns or not laps[s].notna().any()]
    if missing:
        return "no sector times: slow zones cannot be detected"
    return None


def zone_rule(laps: pd.DataFrame, sections: pd.DataFrame | None = None) -> str:
    """``code60`` when the source's own sectors are at hand (the WIGE section table: the
    Nordschleife's S1..S5, where a local neutralisation is a Code 60 zone and the whole course can
    be put under Code 60), else ``slow_zone`` (S1..S3 of the lap table: Le Mans, WEC, IMSA)."""
    return "code60" if _section_matrix(laps, sections) is not None else "slow_zone"


def _section_matrix(laps: pd.DataFrame, sections: pd.DataFrame | None) -> tuple[np.ndarray, np.ndarray] | None:
    """(sector times, one column per sector; the sectors' numbers in the source) from the section side
    table (WIGE: the five Nordschleife sectors S1..S5), aligned with the ``laps`` rows; None when there
    is none, or when its loops are not numbered sectors ``S<k>`` (other timing loops are not sectors)."""
    if sections is None or sections.empty or laps.empty:
        return None
    loop = sections["loop"].astype(str)
    if not loop.str.fullmatch(r"S\d+").all():
        return None
    k = loop.str.slice(1).astype(int).to_numpy()
    numbers = np.unique(k)
    if len(numbers) < 2:
        return None
    keys = pd.MultiIndex.from_arrays([laps["car"].astype(str).to_numpy(), laps["lap"].to_numpy(dtype=np.int64)])
    if not keys.is_unique:
        return None
    row = keys.get_indexer(
        pd.MultiIndex.from_arrays([sections["car"].astype(str).to_numpy(), sections["lap"].to_numpy(dtype=np.int64)])
    )
    ok = row >= 0
    out = np.full((len(laps), len(numbers)), np.nan)
    out[row[ok], np.searchsorted(numbers, k[ok])] = sections["time"].to_numpy(dtype=float)[ok]
    return out, numbers


def sector_times(
    laps: pd.DataFrame, sections: pd.DataFrame | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(sector times, sector exit times, sector numbers): one column per sector, the source's own
    sectors from ``sections`` when given (WIGE: S1..S5), else S1..S3 of the lap table. A sector ends
    at the lap's start plus the sectors before it, and the last one at the crossing itself. Exit
    times are on the race's **shared clock** (race time of the first start signal:
    ``elapsed`` + :func:`stintlab.analysis.order.start_offsets`), so cars of start groups minutes
    apart are compared at the same moment."""
    m = _section_matrix(laps, sections)
    if m is None:
        sec = np.column_stack([laps[s].to_numpy(dtype=float) for s in SECTORS])
        numbers = np.arange(1, len(SECTORS) + 1)
    else:
        sec, numbers = m
    el = laps["elapsed"].to_numpy(dtype=float) + start_offsets(laps)
    exits = (el - laps["lap_time"].to_numpy(dtype=float))[:, None] + np.cumsum(np.nan_to_num(sec), axis=1)
    exits[:, -1] = el
    return sec, exits, numbers


def sector_passages(
    laps: pd.DataFrame, neutralised: np.ndarray | None = None, sections: pd.DataFrame | None = None
) -> pd.DataFrame:
    """One row per usable sector passage: row (index into ``laps``), car, sector (the source's
    number: 1..3, or 1..5 on the Nordschleife with ``sections``), enter and exit (shared race clock,
    s: :func:`sector_times`), time (s), ratio (time / the car's median in that sector)."""
    cols = ["row", "car", "sector", "enter", "exit", "time", "ratio"]
    if slow_zone_reason(laps, sections) is not None:
        return pd.DataFrame({c: [] for c in cols})
    if neutralised is None:
        neutralised = neutralised_mask(laps)
    sec, exits, numbers = sector_times(laps, sections)
    n_sec = sec.shape[1]
    usable = np.isfinite(sec) & (sec > 0)
    base = (laps["lap"].to_numpy() > 1) & ~np.asarray(neutralised, dtype=bool)
    usable &= base[:, None]
    usable[:, 0] &= ~laps["out_lap"].to_numpy(dtype=bool)  # holds the pit exit
    # an in-lap's last recorded sector holds the pit entry (Al Kamel S3; WIGE S4, S5 is empty)
    last = n_sec - 1 - np.argmax(np.isfinite(sec[:, ::-1]), axis=1)
    in_lap = np.flatnonzero(laps["in_lap"].to_numpy(dtype=bool))
    usable[in_lap, last[in_lap]] = False
    car = laps["car"].to_numpy()
    codes = pd.factorize(car)[0]
    rows, ks = np.nonzero(usable)  # one entry per usable (row, sector)
    t = sec[rows, ks]
    ref = pd.Series(t).groupby(codes[rows] * n_sec + ks, sort=False).transform("median").to_numpy()
    x = exits[rows, ks]
    order = np.argsort(x, kind="stable")
    rows, ks, t, ref, x = rows[order], ks[order], t[order], ref[order], x[order]
    return pd.DataFrame(
        {"row": rows, "car": car[rows], "sector": numbers[ks], "enter": x - t, "exit": x, "time": t, "ratio": t / ref}
    )


def _field(p: pd.DataFrame) -> dict:
    """Per sector number: (indices into ``p``, exit times, field ratio at each passage)."""
    sector, exit_all, ratio_all = p["sector"].to_numpy(), p["exit"].to_numpy(), p["ratio"].to_numpy()
    out = {}
    for k in np.unique(sector):
        i = np.flatnonzero(sector == k)
        out[int(k)] = (i, exit_all[i], window_median(exit_all[i], ratio_all[i], HALF_WINDOW))
    return out


def slow_zones(
    laps: pd.DataFrame,
    neutralised: np.ndarray | None = None,
    passages: pd.DataFrame | None = None,
    sections: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The slow zones of a race (module docstring): zone (1..), sector (the source's numbering),
    start, end (shared race clock, s), duration (s), start_hour, end_hour (1-based race hours),
    peak_ratio and median_ratio (field ratio in the zone), cars_affected (cars with a slowed
    passage), passages. ``passages``: the :func:`sector_passages` of the same laps (and
    ``sections``) when already computed. One kernel for any number of sectors."""
    p = sector_passages(laps, neutralised, sections) if passages is None else passages
    empty = empty_table("slow_zones")
    if p.empty:
        return empty
    code60 = zone_rule(laps, sections) == "code60"
    ratio_min, local_min, min_duration = (C60_RATIO, C60_LOCAL, C60_MIN_DURATION) if code60 else (RATIO, LOCAL, MIN_DURATION)
    exit_all, enter_all = p["exit"].to_numpy(), p["enter"].to_numpy()
    ratio_all, car_all = p["ratio"].to_numpy(), p["car"].to_numpy()
    field = _field(p)
    zones = []
    for k, (rows, t, med) in field.items():
        if len(t) < MIN_PASSAGES:
            continue
        others = [np.interp(t, tj, mj) for j, (_, tj, mj) in field.items() if j != k and len(tj)]
        least = np.minimum.reduce(others) if others else np.ones_like(med)
        hot = (med >= ratio_min) & (med - least >= local_min)
        idx = np.flatnonzero(hot)
        if not idx.size:
            continue
        breaks = np.flatnonzero(np.diff(t[idx]) > JOIN_GAP)
        for run in np.split(idx, breaks + 1):
            span = rows[run[0] : run[-1] + 1]
            start, end = float(enter_all[span[0]]), float(exit_all[span].max())
            if len(run) < MIN_PASSAGES or end - start < min_duration:
                continue
            r = ratio_all[span]
            zones.append(
                {
                    "sector": k,
                    "start": start,
                    "end": end,
                    "peak_ratio": float(med[run].max()),
                    "median_ratio": float(np.median(r)),
                    "cars_affected": int(len(set(car_all[span[r >= ratio_min]]))),
                    "passages": int(len(span)),
                }
            )
    if code60:  # every laps' passages, neutralised or not: the lap-time inference may have taken it for an SC
        every = sector_passages(laps, np.zeros(len(laps), dtype=bool), sections)
        zones += full_course_code60(every)
    if not zones:
        return empty
    out = pd.DataFrame(zones).sort_values(["start", "sector"], kind="stable").reset_index(drop=True)
    out.insert(0, "zone", np.arange(1, len(out) + 1))
    out["duration"] = out["end"] - out["start"]
    out["start_hour"] = (out["start"] // 3600).astype(int) + 1
    out["end_hour"] = (out["end"] // 3600).astype(int) + 1
    return out[ZONE_COLUMNS]


def full_course_code60(passages: pd.DataFrame) -> list[dict]:
    """Full-course Code 60 (the whole Nordschleife at 60 km/h: no safety car there): spans where
    **every** sector's field ratio is at least :data:`C60_FULL_RATIO` at once, well above what rain or
    dusk do (1.2 at most per sector in the 8 NLS 2025 races). Rows as :func:`slow_zones` rows with
    ``sector`` 0 (the whole course); runs less than :data:`JOIN_GAP` s apart are one, at least
    :data:`MIN_PASSAGES` passages over :data:`MIN_DURATION` s. ``passages``: :func:`sector_passages`
    of every lap (neutralised ones included). None of the 8 NLS 2025 races has one.

    >>> import pandas as pd
    >>> rows = []
    >>> for car in map(str, range(1, 31)):
    ...     for lap in range(2, 30):
    ...         f = 2.5 if 15 <= lap <= 17 else (1.3 if lap == 20 else 1.0)  # Code 60 everywhere; lap 20 rain
    ...         for k, t in enumerate((80.0, 90.0, 150.0, 220.0, 80.0), 1):
    ...             rows.append({"row": len(rows), "car": car, "sector": k, "time": t * f, "ratio": f})
    >>> p = pd.DataFrame(rows)
    >>> p["exit"] = p.groupby("car")["time"].cumsum() + 20.0 * p["car"].astype(float)  # cars spread out
    >>> p["enter"] = p["exit"] - p["time"]
    >>> z = full_course_code60(p.sort_values("exit", kind="stable"))
    >>> [(r["sector"], round(r["peak_ratio"], 1), r["cars_affected"]) for r in z]
    [(0, 2.5, 30)]
    """
    if passages.empty:
        return []
    field = _field(passages)
    if len(field) < 2:
        return []
    exit_all, enter_all = passages["exit"].to_numpy(), passages["enter"].to_numpy()
    ratio_all, car_all = passages["ratio"].to_numpy(), passages["car"].to_numpy()
    least = np.minimum.reduce([np.interp(exit_all, t, m) for _, t, m in field.values()])
    idx = np.flatnonzero(least >= C60_FULL_RATIO)
    out = []
    if not idx.size:
        return out
    for run in np.split(idx, np.flatnonzero(np.diff(exit_all[idx]) > JOIN_GAP) + 1):
        start, end = float(enter_all[run].min()), float(exit_all[run].max())
        if len(run) < MIN_PASSAGES or end - start < MIN_DURATION:
            continue
        r = ratio_all[run]
        out.append(
            {
                "sector": 0,
                "start": start,
                "end": end,
                "peak_ratio": float(least[run].max()),
                "median_ratio": float(np.median(r)),
                "cars_affected": int(len(set(car_all[run[r >= C60_FULL_RATIO]]))),
                "passages": int(len(run)),
            }
        )
    return out


def slow_zone_mask(
    laps: pd.DataFrame, zones: pd.DataFrame | None = None, sections: pd.DataFrame | None = None
) -> np.ndarray:
    """Per lap row: True when one of its sectors was driven inside a slow zone of that sector
    (the sector's exit between the zone's start and end)."""
    n = len(laps)
    out = np.zeros(n, dtype=bool)
    if zones is None:
        zones = slow_zones(laps, sections=sections)
    if zones.empty or slow_zone_reason(laps, sections) is not None:
        return out
    _, exits, numbers = sector_times(laps, sections)
    col = {int(k): i for i, k in enumerate(numbers)}
    for z in zones.itertuples():
        if int(z.sector) not in col:
            continue
        x = exits[:, col[int(z.sector)]]
        out |= (x >= z.start) & (x <= z.end)
    return out
