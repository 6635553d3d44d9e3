"""Incidents: laps abnormally slow for that car, driver and conditions.

Rule (documented in docs/analysis.md):

- Only *racing* laps can be incidents: not lap 1, not the car's last lap (a formation finish or
  the retirement itself), not an in-lap or out-lap, no PIT_TIME, not neutralised (:func:`stintlab.analysis.flags.neutralised_mask`).
- ``expected``: the median of the same car's racing laps in a centred window of
  :data:`WINDOW` racing laps, driven by the same driver (so conditions and the driver's pace
  both follow the lap), at least 3 laps.
- ``field``: the median ratio lap_time / expected over every car's racing laps crossing the
  line within ± half a typical lap (rain or a slow zone that hits everybody is not an incident).
- A lap is an incident when ``lap_time > expected * max(field, 1) * RATIO`` and the time lost
  ``lap_time - expected * max(field, 1)`` is at least :data:`MIN_LOSS` seconds,
- and, when the file has sector times, the car also lost at least :data:`MIN_LOSS` seconds
  against its **class at that moment, sector by sector** (:func:`sector_losses`): each sector time
  over the car's usual time in that sector scaled by the class's median slowdown in that sector
  within ±150 s. A slow zone or a local yellow that slowed the whole class in one sector is then
  not an incident of each car that drove through it.

>>> import pandas as pd
>>> n = 12
>>> times = {"1": [110.0] + [100.0] * 5 + [130.0] + [100.0] * 5, "2": [111.0] + [101.0] * 11,
...          "3": [112.0] + [102.0] * 11}
>>> laps = pd.concat([pd.DataFrame({"car": c, "lap": range(1, n + 1), "driver": "A" + c, "lap_time": t,
...     "in_lap": False, "out_lap": False, "pit_time": float("nan"), "flag": "GF"}) for c, t in times.items()],
...     ignore_index=True)
>>> laps["elapsed"] = laps.groupby("car")["lap_time"].cumsum()
>>> from stintlab.analysis.flags import neutralised_mask
>>> incident_mask(laps, neutralised_mask(laps)).nonzero()[0].tolist()  # car 1, lap 7: 30 s slower than its 100 s laps
[6]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from stintlab.analysis.context import car_runs, codes
from stintlab.analysis.flags import window_median
from stintlab.analysis.grouping import group_sums, stable_order
from stintlab.analysis.medians import (
    centred_bounds,
    grouped_time_window_bounds,
    median_may_reach,
    rolling_median,
    rolling_median_where,
    time_window_bounds,
)
from stintlab.analysis.slowzones import HALF_WINDOW, as_passages, passage_arrays
from stintlab.config import THRESHOLDS
from stintlab.schema import empty_table

__all__ = [
    "RATIO",
    "MIN_LOSS",
    "WINDOW",
    "racing_mask",
    "incident_figures",
    "incident_mask",
    "incident_table",
    "annotated_incidents",
    "lap_expectation",
    "sector_losses",
]

RATIO = THRESHOLDS.incident_ratio
MIN_LOSS = THRESHOLDS.incident_min_loss
WINDOW = THRESHOLDS.incident_window


def racing_mask(laps: pd.DataFrame, neutralised: np.ndarray) -> np.ndarray:
    """Laps that can be compared with a car's pace: not lap 1, not in/out, no pit time, not ``neutralised``
    (per row, :func:`stintlab.analysis.flags.neutralised_mask` or the ``neutralised`` column of ``annotate``)."""
    neutralised = np.asarray(neutralised, dtype=bool)
    lt = laps["lap_time"].to_numpy(dtype=float)
    m = ~(laps["in_lap"].to_numpy(dtype=bool) | laps["out_lap"].to_numpy(dtype=bool))
    m &= laps["lap"].to_numpy() > 1
    m &= ~np.isfinite(laps["pit_time"].to_numpy(dtype=float))
    m &= ~neutralised
    m &= np.isfinite(lt) & (lt > 0)
    m &= ~car_runs(laps).last_mask  # not the car's last lap (chequered-flag or retirement lap)
    return m


def lap_expectation(laps: pd.DataFrame, racing: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(expected, field) per row, NaN where not computable (see module docstring)."""
    return _expectation(laps, racing)


def _expectation(laps: pd.DataFrame, racing: np.ndarray, field_above_one: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """:func:`lap_expectation`; ``field_above_one``: the field factor computed only where it may
    be above 1, 1.0 elsewhere (:func:`incident_figures` reads it as max(field, 1), NaN as 1)."""
    n = len(laps)
    expected = np.full(n, np.nan)
    field = np.full(n, np.nan)
    idx = np.flatnonzero(racing)
    if len(idx) == 0:
        return expected, field
    lt = laps["lap_time"].to_numpy(dtype=float)[idx]
    # (car, driver) as one integer code: the same groups, in the same (first-appearance) order
    car_codes = codes(laps, "car")[0][idx]
    drv_all, drv_names = codes(laps, "driver", filled=True)
    key = (car_codes + 1) * (len(drv_names) + 1) + drv_all[idx]
    # groupby(key).rolling(WINDOW, center=True, min_periods=3).median(), with one kernel call: the
    # rows of each (car, driver) together in table order, pandas' per-group centred window bounds
    by_key = stable_order(key)
    ks = key[by_key]
    start, end = centred_bounds(np.flatnonzero(np.r_[True, ks[1:] != ks[:-1]]), len(ks), WINDOW)
    exp_sub = np.empty(len(idx))
    exp_sub[by_key] = rolling_median(lt[by_key], start, end, 3)
    expected[idx] = exp_sub
    ratio = lt / exp_sub
    el = laps["elapsed"].to_numpy(dtype=float)[idx]
    order = stable_order(el)
    t, r = el[order], ratio[order]
    typical = float(np.nanmedian(exp_sub)) if np.isfinite(exp_sub).any() else 0.0
    if field_above_one:
        start, end = time_window_bounds(t, 0.5 * typical)  # t not empty: idx is not
        need = median_may_reach(r, start, end, np.nextafter(1.0, 2.0))
        f = np.where(need, rolling_median_where(r, start, end, need, 1), 1.0)
    else:
        f = window_median(t, r, 0.5 * typical)
    fo = np.empty(len(t))
    fo[order] = f
    field[idx] = fo
    return expected, field


def sector_losses(
    laps: pd.DataFrame, neutralised: np.ndarray | None = None, passages: pd.DataFrame | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(seconds lost, sector where most was lost) per lap row against the car's class at that
    moment, sector by sector: Σ max(0, sector time − the car's median in that sector × max(1, the
    class's median ratio in that sector within ±HALF_WINDOW s)). NaN and 0 where the lap has no
    usable sector passage (files without sector times, lap 1, neutralised laps). ``passages``:
    :func:`stintlab.analysis.slowzones.sector_passages` of the same laps when already computed
    (the table, or its arrays: :class:`~stintlab.analysis.slowzones.Passages`)."""
    n = len(laps)
    lost = np.full(n, np.nan)
    worst = np.zeros(n, dtype=np.int8)
    p = passage_arrays(laps, neutralised) if passages is None else as_passages(passages)
    if p.empty:
        return lost, worst
    rows, sector, exit_t, ratio, time = p.row, p.sector, p.exit, p.ratio, p.time
    cls_codes = codes(laps, "class", filled=True)[0][rows]  # cars without a class: one field
    # window_median of each (class, sector) in one kernel call: passages grouped (race-time order
    # kept within a group: they come sorted by exit), each group's window bounds offset into the whole
    group = cls_codes * (int(sector.max()) + 1) + sector  # one group per class and sector (3 or 5 sectors)
    by_group = stable_order(group)
    gs = group[by_group]
    start, end = grouped_time_window_bounds(exit_t[by_group], np.flatnonzero(np.r_[True, gs[1:] != gs[:-1]]), HALF_WINDOW)
    # the field ratio F is read as max(F, 1) and a passage no slower than its car's median (ratio
    # <= 1) loses nothing whatever F: F computed only where the ratio is above 1 and F may be,
    # 1.0 elsewhere (the same excess, to the bit)
    v = ratio[by_group]
    need = ~(v <= 1.0) & median_may_reach(v, start, end, np.nextafter(1.0, 2.0))
    field = np.empty(len(p))
    field[by_group] = np.where(need, rolling_median_where(v, start, end, need, 1), 1.0)
    excess = np.maximum(time - time / ratio * np.maximum(field, 1.0), 0.0)
    lap_rows, total, top = _per_lap(rows, excess)
    lost[lap_rows] = total
    worst[lap_rows] = np.where(excess[top] > 0, sector[top], 0)
    return lost, worst


def _per_lap(rows: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Over the passages of each lap (``rows``), in passage order: (the lap rows, ascending; the sum
    of ``x`` as pandas' ``groupby(rows).sum()`` adds it (compensated, NaN skipped); the passage with
    the largest ``x``, the first one on a tie, as a stable sort by (row, -x) finds it).

    >>> [a.tolist() for a in _per_lap(np.array([4, 2, 4, 2]), np.array([1.0, 3.0, 2.0, 3.0]))]
    [[2, 4], [6.0, 3.0], [1, 2]]
    """
    by_row = stable_order(rows)
    rs = rows[by_row]
    first = np.flatnonzero(np.r_[True, rs[1:] != rs[:-1]])
    size = np.diff(np.r_[first, len(rs)])
    slot = np.arange(len(rs)) - np.repeat(first, size)
    lap = np.repeat(np.arange(len(first)), size)
    width = int(size.max())
    v = np.full((len(first), width), np.nan)
    v[lap, slot] = x[by_row]
    at = np.full((len(first), width), -1, dtype=np.int64)
    at[lap, slot] = by_row
    total = group_sums(x[by_row], first, size, in_order=not (rows[1:] < rows[:-1]).any())  # as pandas sums
    best = np.argmax(np.where(np.isnan(v), -np.inf, v), axis=1)  # first largest; NaN never wins
    top = at[np.arange(len(first)), best]
    return rs[first], total, top


def incident_figures(
    laps: pd.DataFrame, neutralised: np.ndarray, against_class: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(incident, expected, time_lost) per lap row: the incident mask (module docstring), the lap
    time the car would have done (pace × field factor, NaN where not computable) and the lap time
    minus it. ``neutralised`` as in :func:`racing_mask`; ``against_class``: the first array of
    :func:`sector_losses` of the same laps when already computed."""
    racing = racing_mask(laps, neutralised)
    expected, field = _expectation(laps, racing, field_above_one=True)  # field read as max(field, 1) only
    base = expected * np.maximum(np.nan_to_num(field, nan=1.0), 1.0)
    lt = laps["lap_time"].to_numpy(dtype=float)
    loss = lt - base
    with np.errstate(invalid="ignore"):
        inc = racing & (lt > base * RATIO) & (loss >= MIN_LOSS)
    if inc.any():
        if against_class is None:
            against_class, _ = sector_losses(laps, neutralised)
        inc &= ~(against_class < MIN_LOSS)  # NaN (no sectors) keeps the lap-time rule alone
    return inc, base, loss


def incident_mask(laps: pd.DataFrame, neutralised: np.ndarray) -> np.ndarray:
    """Boolean per lap row: the lap is an incident lap (module docstring); ``neutralised`` as in :func:`racing_mask`."""
    if laps.empty:
        return np.zeros(0, dtype=bool)
    return incident_figures(laps, neutralised)[0]


def incident_table(laps: pd.DataFrame, neutralised: np.ndarray) -> pd.DataFrame:
    """One row per incident lap (``neutralised`` as in :func:`racing_mask`): car, lap, driver, class, race_time (end of the lap), lap_time,
    expected (the lap time the car would have done: pace × field factor), time_lost, hour."""
    if laps.empty:
        return empty_table("incidents")
    inc, base, loss = incident_figures(laps, neutralised)
    return _incident_rows(laps, inc, base, loss)


def annotated_incidents(annotated: pd.DataFrame) -> pd.DataFrame:
    """:func:`incident_table` read from the annotated lap table, whose ``incident``, ``expected``
    and ``time_lost`` columns already hold the figures (nothing is computed again)."""
    if annotated.empty:
        return empty_table("incidents")
    inc = annotated["incident"].to_numpy(dtype=bool)
    base, loss = annotated["expected"].to_numpy(dtype=float), annotated["time_lost"].to_numpy(dtype=float)
    return _incident_rows(annotated, inc, base, loss)


def _incident_rows(laps: pd.DataFrame, inc: np.ndarray, base: np.ndarray, loss: np.ndarray) -> pd.DataFrame:
    cols = ["car", "lap", "driver", "class", "race_time", "lap_time", "expected", "time_lost", "hour"]
    rows = np.flatnonzero(inc)

    def at_rows(name: str) -> np.ndarray:  # laps[inc][name].to_numpy(), without selecting every column
        arr = laps[name].array
        return arr.take(rows).to_numpy() if isinstance(arr, pd.arrays.ArrowExtensionArray) else laps[name].to_numpy()[rows]

    el = laps["elapsed"].to_numpy(dtype=float)[rows]
    out = pd.DataFrame(
        {
            "car": at_rows("car"),
            "lap": at_rows("lap"),
            "driver": at_rows("driver"),
            "class": at_rows("class"),
            "race_time": el,
            "lap_time": laps["lap_time"].to_numpy(dtype=float)[rows],
            "expected": base[inc],
            "time_lost": loss[inc],
            "hour": (el // 3600).astype(int) + 1,
        }
    )
    return out[cols]
