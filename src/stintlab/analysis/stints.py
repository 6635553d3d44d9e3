"""Stints, driver spells and drive time.

Stint
    From lap 1 or an out-lap to the next in-lap (``B`` lap) or the car's last lap. Every stop
    ends a stint, with or without a driver change. A stint starts at the race time its first
    lap started (``lap_start``: for an out-lap that is the in-lap's crossing, so the pit-lane time
    of the stop belongs to the stint it starts) and ends at its last crossing; stints are
    contiguous, so the sum of a car's stint durations is its race time (last crossing - start of
    lap 1). Stints per car = in-laps + 1, minus 1 when the car's last lap is an in-lap.
    ``ended_by``: ``stop`` (ends at an in-lap that has an out-lap), ``finish`` (the car's last
    crossing is at or after the winner's last crossing), ``retired`` (otherwise; includes a car
    whose last lap is an in-lap: retired in the pits). When the race ended under a red flag (the
    winner's last crossing is ``RF``), every car whose last crossing is under RF is ``finish``.
    In a file taken while the race was still running (:func:`stintlab.analysis.order.snapshot_file`),
    every car's last stint is ``file_end``: nobody has finished or retired yet. Whether a car took
    the flag is :func:`stintlab.analysis.order.took_the_flag`.

Driver spell
    Consecutive stints of the same driver merged (a stop without driver change does not end a spell).

Drive time (rules: "time stopped in the pits does not count", domain.md §3)
    A spell's ``drive_time`` is the sum of its lap times minus the PIT_TIME printed on each of its
    out-laps (the pit-in → pit-out time of every stop the spell starts with or contains). The
    whole pit-lane passage is excluded (PIT_TIME cannot be split into driving down the lane and
    standing still); the in-lap part before the line and the out-lap part after the pit exit count.
    When an out-lap has no PIT_TIME, the excluded time is the out-lap time minus the car's median
    clean lap (at least 0). ``pit_excluded`` gives the excluded seconds.

Drive time with the pit stops (the timekeeper's count: WIGE's official FAHRERn_ZEIT)
    The sum of the driver's lap times, in-laps and out-laps whole (pit-lane time included): a spell's
    ``duration``, a driver's ``total_with_pits``. Which of the two a series' rules count is the rule
    set's ``[counting] exclude_pit`` (``Race.drive_time_counts_pit``); the faces show that one.

>>> import pandas as pd
>>> laps = pd.DataFrame({"car": ["1"] * 5, "lap": [1, 2, 3, 4, 5],
...     "driver": ["A", "A", "B", "B", "B"], "driver_slot": pd.array([1, 1, 2, 2, 2], dtype="Int8"),
...     "lap_time": [100.0, 110.0, 160.0, 100.0, 100.0],
...     "in_lap": [False, True, False, False, False], "out_lap": [False, False, True, False, False],
...     "pit_time": [float("nan"), float("nan"), 70.0, float("nan"), float("nan")]})
>>> laps["elapsed"] = laps["lap_time"].cumsum()
>>> st = stints(laps)
>>> st[["stint", "driver", "lap_start", "lap_end", "laps", "start", "end", "ended_by"]].to_dict("records")[1]
{'stint': 2, 'driver': 'B', 'lap_start': 3, 'lap_end': 5, 'laps': 3, 'start': 210.0, 'end': 570.0, 'ended_by': 'finish'}
>>> driver_spells(laps)[["driver", "drive_time"]].to_dict("list")
{'driver': ['A', 'B'], 'drive_time': [210.0, 290.0]}
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from stintlab.analysis.annotate import stint_numbers
from stintlab.analysis.context import car_runs, codes, group_key, in_lap_order, rows_of, strings, values
from stintlab.analysis.grouping import compensated_sums
from stintlab.analysis.order import snapshot_file, took_the_flag
from stintlab.analysis.window import worst_window, worst_windows  # the one driving-window algorithm (re-exported)
from stintlab.schema import empty_table

__all__ = ["stints", "driver_spells", "drive_time", "driving_intervals", "worst_window", "DRIVE_TIME_COLUMNS"]

STINT_COLUMNS = [
    "car", "stint", "driver", "driver_slot", "class", "lap_start", "lap_end", "laps", "start", "end",
    "duration", "driver_change", "ended_by", "pit_time_before", "start_hour", "end_hour",
]  # fmt: skip
SPELL_COLUMNS = [
    "car", "spell", "driver", "driver_slot", "class", "lap_start", "lap_end", "laps", "stints", "start", "end",
    "duration", "pit_excluded", "drive_time",
]  # fmt: skip

DRIVE_TIME_COLUMNS = [
    "car", "driver", "driver_slot", "class", "total", "total_with_pits", "longest_spell", "worst_window_6h",
    "worst_window_start", "spells", "laps",
]  # fmt: skip


def _first_lap_start(laps: pd.DataFrame) -> np.ndarray:
    return laps["elapsed"].to_numpy(dtype=float) - laps["lap_time"].to_numpy(dtype=float)


def stints(laps: pd.DataFrame, car=None, *, took: pd.Series | None = None) -> pd.DataFrame:
    """One row per stint (module docstring): car, stint, driver, driver_slot, class, lap_start,
    lap_end, laps, start, end (race s), duration, driver_change, ended_by, pit_time_before
    (PIT_TIME of the stop that started it, NaN for stint 1), start_hour, end_hour.

    ``car``: only that car's stints (who took the flag is still decided on the whole race, so pass
    the whole race when ``laps`` holds a subset of the cars). ``took``: :func:`took_the_flag` of
    ``laps`` when already known (a Race keeps it)."""
    laps = in_lap_order(laps)  # each car's rows together, in lap order (a shuffled table: the same stints)
    # a file taken while the race was running (hourly snapshot): the last stints end with the file
    snapshot = snapshot_file(laps)
    running = took_the_flag(laps) if took is None else took  # per car: at or after the winner's finish, or stopped by the final red flag
    if car is not None:
        laps = rows_of(laps, "car", str(car))
    if laps.empty:
        return empty_table("stints")
    n = len(laps)
    car_c, car_names = codes(laps, "car")
    runs = car_runs(laps)
    st = stint_numbers(laps)
    el = laps["elapsed"].to_numpy(dtype=float)
    ls = _first_lap_start(laps)
    key_change = runs.first | np.r_[True, st[1:] != st[:-1]]
    starts = np.flatnonzero(key_change)
    ends = np.r_[starts[1:] - 1, n - 1]
    last_of_car = runs.last_mask
    in_lap = laps["in_lap"].to_numpy(dtype=bool)
    pit = laps["pit_time"].to_numpy(dtype=float)
    lap = laps["lap"].to_numpy()
    # a car whose last crossing (on track or in the pit lane) is at the finish took the flag
    flagged = flag_per_car_code(running, car_names)[car_c[ends]]
    ended = np.where(
        ~last_of_car[ends], np.where(in_lap[ends], "stop", "retired"), np.where(flagged, "finish", "retired")
    )
    if snapshot:
        ended = np.where(last_of_car[ends], "file_end", ended)
    # the stint's driver: its first lap naming one (a lap may have an empty DRIVER_NAME)
    d_row = _first_known_rows(laps, "driver", starts, ends)
    d = np.full(len(starts), -2)  # the stint's driver as a code of the filled column ("": unknown)
    if "driver" in laps:
        d_codes, d_names = codes(laps, "driver", filled=True)
        empty = np.flatnonzero(d_names == "")
        d = np.where(d_row >= 0, d_codes[d_row], empty[0] if len(empty) else -2)
    prev_same_car = np.r_[False, car_c[starts][1:] == car_c[starts][:-1]]
    start = np.where(st[starts] > 1, el[np.maximum(starts - 1, 0)], ls[starts])
    end = el[ends]
    return pd.DataFrame(
        {
            "car": strings(laps, "car", starts),
            "stint": st[starts].astype(np.int64),
            "driver": _column_at(laps, "driver", d_row, "string"),
            "driver_slot": _column_at(laps, "driver_slot", _first_known_rows(laps, "driver_slot", starts, ends), "Int8"),
            "class": _column_at(laps, "class", starts, "string"),
            "lap_start": lap[starts].astype(np.int64),
            "lap_end": lap[ends].astype(np.int64),
            "laps": (ends - starts + 1).astype(np.int64),
            # a stint starts at the crossing that ended the previous stint (exactly), lap 1 at its start
            "start": start,
            "end": end,
            "duration": end - start,
            "driver_change": prev_same_car & (d != np.r_[-2, d[:-1]]),  # NA-safe: unknown == unknown
            "ended_by": pd.array(ended, dtype="string"),
            "pit_time_before": np.where(st[starts] > 1, pit[starts], np.nan),
            "start_hour": (np.floor(np.maximum(start, 0) / 3600) + 1).astype(np.int64),
            "end_hour": (np.floor(end / 3600) + 1).astype(np.int64),
        },
        columns=STINT_COLUMNS,
    )


def flag_per_car_code(took: pd.Series, car_names: np.ndarray) -> np.ndarray:
    """:func:`~stintlab.analysis.order.took_the_flag` (``took``) per car code of a table whose
    cars are ``car_names`` (:func:`~stintlab.analysis.context.codes`); False for a car it does not list."""
    names = took.index.to_numpy(dtype=object)
    if len(names) == len(car_names) and (names == car_names).all():  # canonical table: cars in table order
        return took.to_numpy(dtype=bool)
    return took.reindex(car_names).fillna(False).to_numpy(dtype=bool)


def _first_known_rows(laps: pd.DataFrame, column: str, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Per run ``starts[k] .. ends[k]``, the row of its first non-missing ``column`` value, -1 when
    none (or no such column): ``groupby(run).first()``, as a row."""
    if column not in laps:
        return np.full(len(starts), -1, dtype=np.int64)
    known = np.flatnonzero(laps[column].notna().to_numpy())
    j = np.searchsorted(known, starts)
    row = known[np.minimum(j, max(len(known) - 1, 0))] if len(known) else np.zeros(len(starts), dtype=np.int64)
    return np.where((j < len(known)) & (row <= ends), row, -1)


def _column_at(laps: pd.DataFrame, column: str, rows: np.ndarray, dtype: str):
    """``laps[column]`` at ``rows`` as a ``dtype`` array (``string`` or ``Int8``), missing where a
    row is -1 or without the column."""
    if column not in laps:
        return pd.array([None] * len(rows), dtype=dtype)
    arr = laps[column].array
    if str(arr.dtype) == dtype and (dtype != "string" or isinstance(arr, pd.arrays.ArrowStringArray)):
        return arr.take(rows, allow_fill=True)
    v = laps[column].to_numpy(dtype=object)
    return pd.array(np.where(rows >= 0, v[rows], None), dtype=dtype)


def _pit_excluded_per_row(laps: pd.DataFrame) -> np.ndarray:
    """Seconds of each lap not counted as driving: PIT_TIME on out-laps (fallback documented above)
    and on a lap 1 started from the pit lane (IMSA Road Atlanta 2023 #8: 2521.418 s of its 2600.173 s)."""
    out_lap = laps["out_lap"].to_numpy(dtype=bool)
    pit = laps["pit_time"].to_numpy(dtype=float)
    lt = laps["lap_time"].to_numpy(dtype=float)
    pit_start = laps["lap"].to_numpy() == 1  # PIT_TIME on lap 1: the car left the pit lane after the start
    excl = np.where((out_lap | pit_start) & np.isfinite(pit), np.minimum(pit, lt), 0.0)
    missing = out_lap & ~np.isfinite(pit)
    if missing.any():
        ordinary = ~(laps["in_lap"].to_numpy(dtype=bool) | out_lap) & (laps["lap"].to_numpy() > 1)
        med = (
            pd.Series(np.where(ordinary, lt, np.nan))
            .groupby(group_key(laps, "car"), sort=False)
            .transform("median")
            .to_numpy()
        )
        excl = np.where(missing, np.clip(np.nan_to_num(lt - med, nan=0.0), 0.0, None), excl)
    return excl


def driver_spells(laps: pd.DataFrame) -> pd.DataFrame:
    """One row per continuous spell of one driver in one car (module docstring):
    car, spell, driver, driver_slot, class, lap_start, lap_end, laps, stints, start, end,
    duration (end - start), pit_excluded, drive_time (duration minus the pit time excluded)."""
    if laps.empty:
        return empty_table("driver_spells")
    laps = in_lap_order(laps)
    n = len(laps)
    drv = codes(laps, "driver", filled=True)[0]
    new = car_runs(laps).first | np.r_[True, drv[1:] != drv[:-1]]
    excl = _pit_excluded_per_row(laps)
    lt = laps["lap_time"].to_numpy(dtype=float)
    st = stint_numbers(laps)
    starts = np.flatnonzero(new)
    ends = np.r_[starts[1:] - 1, n - 1]
    el = laps["elapsed"].to_numpy(dtype=float)
    ls = el - lt
    excl_sum = np.add.reduceat(excl, starts)
    lt_sum = np.add.reduceat(np.nan_to_num(lt, nan=0.0), starts)
    lap = laps["lap"].to_numpy()
    return pd.DataFrame(
        {
            "car": strings(laps, "car", starts),
            "spell": rank_in_group(codes(laps, "car")[0][starts]),
            "driver": _column_at(laps, "driver", starts, "string"),
            "driver_slot": _column_at(laps, "driver_slot", starts, "Int8"),
            "class": _column_at(laps, "class", starts, "string"),
            "lap_start": lap[starts].astype(np.int64),
            "lap_end": lap[ends].astype(np.int64),
            "laps": (ends - starts + 1).astype(np.int64),
            "stints": (st[ends] - st[starts] + 1).astype(np.int64),
            "start": ls[starts],
            "end": el[ends],
            "duration": lt_sum,
            "pit_excluded": excl_sum,
            "drive_time": lt_sum - excl_sum,
        },
        columns=SPELL_COLUMNS,
    )


def rank_in_group(key: np.ndarray) -> np.ndarray:
    """1-based position of each row among the rows with the same ``key`` (``groupby.cumcount() + 1``).

    >>> rank_in_group(np.array([3, 3, 1, 3, 1])).tolist()
    [1, 2, 1, 3, 2]
    """
    order = np.argsort(key, kind="stable")
    k = key[order]
    first = np.r_[True, k[1:] != k[:-1]] if len(k) else np.zeros(0, dtype=bool)
    start = np.maximum.accumulate(np.where(first, np.arange(len(k)), 0)) if len(k) else np.zeros(0, dtype=np.int64)
    out = np.empty(len(k), dtype=np.int64)
    out[order] = np.arange(len(k)) - start + 1
    return out


def driving_intervals(laps: pd.DataFrame, exclude_pit: bool = True) -> pd.DataFrame:
    """Per lap row, the [drive_start, drive_end] race-time interval the driver was driving
    (the out-lap's excluded pit time is taken off the start of the lap unless ``exclude_pit`` is
    False: then the whole lap), with car and driver."""
    excl = _pit_excluded_per_row(laps) if exclude_pit else np.zeros(len(laps))
    el = laps["elapsed"].to_numpy(dtype=float)
    ls = el - laps["lap_time"].to_numpy(dtype=float)
    return pd.DataFrame(
        {
            "car": values(laps, "car"),
            "driver": values(laps, "driver"),
            "drive_start": ls + excl,
            "drive_end": el,
        }
    )


def drive_time(laps: pd.DataFrame, window: float = 6 * 3600.0, spells: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per (car, driver): total drive time (pit time excluded as in :func:`driver_spells`),
    total_with_pits (the sum of the driver's lap times, pit stops included: WIGE's FAHRERn_ZEIT),
    longest_spell (drive time of the longest continuous spell), worst_window_6h (most driving inside
    any ``window`` of race time) and its start, spells and laps. ``spells``: :func:`driver_spells` of
    the same laps when already computed (a Race keeps it)."""
    cols = DRIVE_TIME_COLUMNS
    if laps.empty:
        return empty_table("drive_time")
    laps = in_lap_order(laps)
    sp = driver_spells(laps) if spells is None else spells
    # (car, driver) groups of the spells in first-appearance order, spells without a driver left
    # out (groupby(["car", "driver"], sort=False)); rows sorted by group, table order within it
    car_c, _ = pd.factorize(sp["car"].array)
    drv_c, drv_u = pd.factorize(sp["driver"].array)
    kept = np.flatnonzero((car_c >= 0) & (drv_c >= 0))
    gid, _ = pd.factorize(car_c[kept] * (len(drv_u) + 1) + drv_c[kept])
    rows = kept[np.argsort(gid, kind="stable")]
    size = np.bincount(gid, minlength=gid.max() + 1 if len(gid) else 0)
    firsts = (np.cumsum(size) - size).astype(np.int64)
    first_row = rows[firsts] if len(rows) else np.zeros(0, dtype=np.int64)
    dt = sp["drive_time"].to_numpy(dtype=float)
    sums = compensated_sums(np.column_stack([dt, sp["duration"].to_numpy(dtype=float)])[rows], firsts, size)
    car, driver = sp["car"].array.take(first_row), sp["driver"].array.take(first_row)
    best, start = _pair_windows(laps, car, driver, window)
    return pd.DataFrame(
        {
            "car": car,
            "driver": driver,
            "driver_slot": _first_of_group(sp["driver_slot"], rows, firsts),
            "class": _first_of_group(sp["class"], rows, firsts),
            "total": sums[:, 0],
            "total_with_pits": sums[:, 1],
            "longest_spell": np.fmax.reduceat(dt[rows], firsts) if len(rows) else np.zeros(0),
            "worst_window_6h": best,
            "worst_window_start": start,
            "spells": size.astype(np.int64),
            "laps": np.add.reduceat(sp["laps"].to_numpy(dtype=np.int64)[rows], firsts)
            if len(rows)
            else np.zeros(0, dtype=np.int64),
        },
        columns=cols,
    )


def _pair_windows(laps: pd.DataFrame, car, driver, window: float) -> tuple[np.ndarray, np.ndarray]:
    """(worst window, its start) of each (``car``, ``driver``) pair, from the laps of that pair in
    ``laps`` (their driving intervals, :func:`driving_intervals`); NaN for a pair without laps."""
    excl = _pit_excluded_per_row(laps)  # the intervals of driving_intervals(laps), without the frame
    el = laps["elapsed"].to_numpy(dtype=float)
    # (car, driver) as one integer code; a stable sort keeps each pair's rows in table order
    car_codes, car_names = codes(laps, "car")
    drv_codes, drv_names = codes(laps, "driver", filled=True)
    key = (car_codes + 1) * (len(drv_names) + 1) + drv_codes
    order = np.argsort(key, kind="stable")
    ks = key[order]
    cuts = np.flatnonzero(np.r_[True, ks[1:] != ks[:-1], True])
    best, start = worst_windows((el - laps["lap_time"].to_numpy(dtype=float) + excl)[order], el[order], cuts, window)
    # the pairs asked for, as keys of the lap table (a car or driver it does not have: no key)
    car_at = {c: i for i, c in enumerate(car_names)}
    drv_at = {d: i for i, d in enumerate(drv_names)}
    none = -(len(car_names) + 2) * (len(drv_names) + 1)
    want = np.array(
        [(car_at[c] + 1) * (len(drv_names) + 1) + drv_at[d] if c in car_at and d in drv_at else none
         for c, d in zip(np.asarray(car, dtype=object), np.asarray(driver, dtype=object).tolist())],  # fmt: skip
        dtype=np.int64,
    )
    pair_keys = ks[cuts[:-1]]
    if len(pair_keys) == 0:
        return np.full(len(want), np.nan), np.full(len(want), np.nan)
    at = np.minimum(np.searchsorted(pair_keys, want), len(pair_keys) - 1)
    found = pair_keys[at] == want
    return np.where(found, best[at], np.nan), np.where(found, start[at], np.nan)


def _first_of_group(col: pd.Series, rows: np.ndarray, firsts: np.ndarray):
    """``groupby(...).first()`` of ``col``: per group (its ``rows`` from ``firsts[k]`` on, in table
    order), the first non-missing value, as a column of ``col``'s dtype."""
    known = np.flatnonzero(col.notna().to_numpy()[rows])
    j = np.searchsorted(known, firsts)
    ends = np.r_[firsts[1:], len(rows)]
    pos = known[np.minimum(j, max(len(known) - 1, 0))] if len(known) else np.zeros(len(firsts), dtype=np.int64)
    pick = np.where((j < len(known)) & (pos < ends), rows[np.minimum(pos, max(len(rows) - 1, 0))], -1)
    return col.array.take(pick, allow_fill=True)
