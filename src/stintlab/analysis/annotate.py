"""The lap table with race-state columns added, computed once and cheaply.

:func:`annotate` returns a copy of the canonical lap table plus:

- ``neutralised`` (bool): the lap was (at least partly) run under SC, FCY or red flag
  (:func:`stintlab.analysis.flags.neutralised_mask`).
- ``incident`` (bool): an abnormally slow racing lap (:mod:`stintlab.analysis.incidents`).
- ``slow_zone`` (bool): a sector of the lap was driven inside a slow zone
  (:mod:`stintlab.analysis.slowzones`).
- ``class_loss`` (float s) and ``loss_sector`` (int): what the lap lost against its class at
  that moment, sector by sector, and where most went
  (:func:`stintlab.analysis.incidents.sector_losses`; NaN and 0 without usable sectors).
- ``clean`` (bool): green (not neutralised), not through a slow zone, not an in-lap, not an
  out-lap, not lap 1, not an incident, no PIT_TIME.
- ``stint`` (int, per car, 1-based): a stint starts at lap 1 or at an out-lap; the in-lap
  belongs to the stint it ends.
- ``hour`` (int, 1-based): the race hour the lap ended in: ``floor(elapsed / 3600) + 1``, so
  hour 1 holds laps ending in [0, 1 h) and laps ending after 24:00:00 are in hour 25.
- ``neutral_kind`` (string): 'SC', 'FCY' or 'RED' when the crossing itself is under (or inferred
  under) a neutralisation, else '' (lets :func:`stintlab.analysis.flags.neutralisations` reuse it).
- ``expected`` and ``time_lost`` (float s): the incident reference for racing laps (NaN elsewhere).

>>> import pandas as pd
>>> laps = pd.DataFrame({"car": ["1"] * 4, "lap": [1, 2, 3, 4], "driver": ["A"] * 4,
...     "lap_time": [100.0, 100.0, 100.0, 3400.0], "elapsed": [100.0, 200.0, 300.0, 3700.0],
...     "in_lap": [False, True, False, False], "out_lap": [False, False, True, False],
...     "pit_time": [float("nan"), float("nan"), 60.0, float("nan")],
...     "flag": pd.array(["GF"] * 4, dtype="string")})
>>> a = annotate(laps)
>>> a[["stint", "hour", "clean"]].to_dict("list")
{'stint': [1, 1, 2, 2], 'hour': [1, 1, 1, 2], 'clean': [False, False, False, True]}
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from stintlab.analysis.context import car_runs, in_lap_order
from stintlab.analysis.flags import neutral_state
from stintlab.analysis.incidents import incident_figures, sector_losses
from stintlab.analysis.slowzones import (
    passage_arrays,
    sector_times,
    slow_zone_mask,
    slow_zone_reason,
    slow_zones,
    with_full_course,
)
from stintlab.schema import check_columns, empty_table

__all__ = ["annotate", "annotate_with_zones", "stint_numbers", "stint_starts", "race_hour"]

#: lap-table columns :func:`annotate` reads (``flag`` is optional: without it phases are inferred).
ANNOTATE_NEEDS = ("car", "lap", "driver", "lap_time", "elapsed", "in_lap", "out_lap", "pit_time")


def race_hour(elapsed) -> np.ndarray:
    """1-based race hour a crossing at race time ``elapsed`` falls in.

    >>> race_hour([0.5, 3599.9, 3600.0, 86500.0]).tolist()
    [1, 1, 2, 25]
    """
    e = np.asarray(elapsed, dtype=float)
    return (np.floor(np.nan_to_num(e, nan=0.0) / 3600.0)).astype(np.int64) + 1


def stint_numbers(laps: pd.DataFrame) -> np.ndarray:
    """Per row, the 1-based stint number of the lap within its car (rows in canonical order)."""
    if laps.empty:
        return np.zeros(0, dtype=np.int64)
    out_lap = laps["out_lap"].to_numpy(dtype=bool).astype(np.int64)
    runs = car_runs(laps)
    cum = np.cumsum(out_lap)
    # subtract the cumulative count at each car's first row (that row's own out-lap flag excluded)
    base = cum[runs.starts] - out_lap[runs.starts]
    return cum - base[runs.seg] + 1


def stint_starts(laps: pd.DataFrame) -> np.ndarray:
    """Per row, True on the first lap of a stint (a car's first row, or where
    :func:`stint_numbers` changes): ``np.cumsum(stint_starts(laps))`` numbers the stints of the
    whole table.

    >>> import pandas as pd
    >>> laps = pd.DataFrame({"car": ["1", "1", "1", "2"], "out_lap": [False, False, True, False]})
    >>> stint_starts(laps).tolist(), stint_numbers(laps).tolist()
    ([True, False, True, True], [1, 1, 2, 1])
    """
    if laps.empty:
        return np.zeros(0, dtype=bool)
    st = stint_numbers(laps)
    return car_runs(laps).first | np.r_[True, st[1:] != st[:-1]]


def annotate(laps: pd.DataFrame) -> pd.DataFrame:
    """The lap table plus neutralised, neutral_kind, incident, slow_zone (a sector driven in a slow
    zone: :mod:`stintlab.analysis.slowzones`), clean, stint, hour, expected, time_lost; each car's rows
    together in lap order (:func:`~stintlab.analysis.context.in_lap_order`)."""
    return annotate_with_zones(laps)[0]


def annotate_with_zones(laps: pd.DataFrame, sections: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(:func:`annotate` of ``laps``, the :func:`~stintlab.analysis.slowzones.slow_zones` found on
    the way): one pass for both. ``sections``: the race's section side table (WIGE: the five
    Nordschleife sectors), so slow zones, Code 60 zones and class losses use the source's sectors.
    Rows out of (car, lap) order are put in it first (:func:`~stintlab.analysis.context.in_lap_order`)."""
    check_columns(laps, "laps", "annotate()", ANNOTATE_NEEDS)
    laps = in_lap_order(laps)
    out = laps.copy()
    if laps.empty:
        for c, dt in (
            ("neutralised", bool),
            ("incident", bool),
            ("slow_zone", bool),
            ("loss_sector", "int64"),
            ("clean", bool),
            ("stint", "int64"),
            ("hour", "int64"),
        ):
            out[c] = pd.Series([], dtype=dt)
        out["neutral_kind"] = pd.Series([], dtype="string")
        out["expected"] = pd.Series([], dtype=float)
        out["time_lost"] = pd.Series([], dtype=float)
        out["class_loss"] = pd.Series([], dtype=float)
        return out, empty_table("slow_zones")
    kinds, neutral = neutral_state(laps)
    times = sector_times(laps, sections) if slow_zone_reason(laps, sections) is None else None  # once for all
    passages = passage_arrays(laps, neutral, sections, times)
    crossings = None if times is None else times[1][:, -1]
    kinds, neutral, passages = with_full_course(laps, kinds, neutral, passages, sections, crossings)  # files without flags
    class_loss, loss_sector = sector_losses(laps, neutral, passages)
    inc, base, loss = incident_figures(laps, neutral, class_loss)
    zones = slow_zones(laps, neutral, passages, sections)
    slow_zone = slow_zone_mask(laps, zones, sections, times)
    clean = ~neutral & ~inc & ~slow_zone
    clean &= ~(laps["in_lap"].to_numpy(dtype=bool) | laps["out_lap"].to_numpy(dtype=bool))
    clean &= laps["lap"].to_numpy() > 1
    clean &= ~np.isfinite(laps["pit_time"].to_numpy(dtype=float))
    clean &= np.isfinite(laps["lap_time"].to_numpy(dtype=float))
    out["neutralised"] = neutral
    out["neutral_kind"] = pd.array(kinds, dtype="string")
    out["incident"] = inc
    out["slow_zone"] = slow_zone
    out["class_loss"] = class_loss
    out["loss_sector"] = loss_sector.astype(np.int64)
    out["clean"] = clean
    out["stint"] = stint_numbers(laps)
    out["hour"] = race_hour(laps["elapsed"].to_numpy(dtype=float))
    out["expected"] = np.where(np.isfinite(base), base, np.nan)
    out["time_lost"] = np.where(np.isfinite(base), loss, np.nan)
    return out, zones
