"""WIGE ``RENNEN_LAPS.CSV`` (with ``RENNEN_SEKTORZEITEN.CSV`` and ``RENNEN_RESULT.CSV`` when at hand)
→ the canonical lap table.

What the rows say (checked on the eight NLS 2025 exports): one row per crossing of the line; RUNDE the
car's lap number, RUNDENZEIT the lap time (RUNDENZEIT_SEKUNDEN the same with a decimal comma),
TAGESZEIT the time of day of the crossing (DURCHGANGSZEIT is the same value on every row), DRIVERID
the crew slot (FAHRERn_*) at the wheel, KLASSE the class. Consecutive TAGESZEIT differences equal
RUNDENZEIT to the millisecond.

**Race time.** Cars start in groups (STARTGRUPPE in the result, two or three minutes apart) and the
official total (GESAMTZEIT) of every car is counted from its own group's start signal. So ``elapsed``
is the car's cumulative lap time, never the time of day. A car that left from the pit lane has no lap-1
row: its first row is lap 2 and its RUNDENZEIT runs from a line crossing in the pit lane. Its first
lap is then rebuilt as TAGESZEIT − start of its group (the group from STARTGRUPPE when the result is
given, else the last group start before that crossing) and its laps are renumbered from 1, which is how
the result counts them (RUNDEN, FAHRERn_RUNDEN / FAHRERn_ZEIT include that first lap). Group starts are
the lap-start times of day shared by the lap-1 rows of two or more cars.

**Pit stops.** From the sector file: INPIT ``J`` marks the in-lap, PITSTOPDURATION (pit lane time, on
the in-lap) goes to the out-lap as ``pit_time``. Without the sector file, only the result's first two
stops (RUNDE_IN_BOX_1/2, BOXZEIT1/2) are known; without both, no stop is.

**Sectors.** The Nordschleife exports have five sectors (SEKTOR1..5_ZEIT; the columns run to 9). The
canonical three are s1 = SEKTOR1 (holds the pit exit), s2 = SEKTOR2 + SEKTOR3, s3 = SEKTOR4 + SEKTOR5
(an in-lap has no SEKTOR5: its SEKTOR4 holds the pit entry). All five go to the section side table
(loops S1..S5).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from stintlab.errors import StintlabFormatError
from stintlab.io.alkamel_laps import MAX_LAP, MAX_LAP_TIME
from stintlab.io.text import RawTable
from stintlab.io.values import parse_ints, parse_time_columns, shown
from stintlab.io.wige.result import MAX_SLOTS
from stintlab.schema import LAP_COLUMNS, SECTION_COLUMNS

__all__ = ["CheckedLaps", "check_laps", "LAPS_REQUIRED", "LAPS_USED", "SECTORS_REQUIRED", "SECTORS_USED", "laps_from_tables", "group_starts"]

LAPS_REQUIRED = ("STNR", "RUNDE", "RUNDENZEIT", "TAGESZEIT")
SECTORS_REQUIRED = ("STNR", "RUNDE_NR", "SEKTOR1_ZEIT")
# besides FAHRERn_NAME / FAHRERn_VORNAME and SEKTORn_ZEIT
LAPS_USED = (*LAPS_REQUIRED, "DRIVERID", "KLASSE", "UNTERKLASSE", "TEAM", "BEWERBER", "DIESCHNELLSTE")
SECTORS_USED = (*SECTORS_REQUIRED, "FAHRER_NR", "INPIT", "PITSTOPDURATION", "TOPSPEED_KMH")
N_SECTORS = 9
DAY = 86400.0


def _refuse(raw: RawTable, bad: np.ndarray, column: str, what: str) -> None:
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise StintlabFormatError(raw.path, f"{what}: {shown(raw.columns[column][i].as_py())}", line=int(raw.lines[i]), column=column)


_STRING_MAPPER = {pa.string(): pd.StringDtype(), pa.large_string(): pd.StringDtype()}.get


def _strings(arr: pa.Array) -> pd.Series:
    """A pyarrow string array as a pandas string column (no round trip through Python objects)."""
    return arr.to_pandas(types_mapper=_STRING_MAPPER)


def _sorted(raw: RawTable, name: str, take: pa.Array, n: int) -> pa.Array:
    """Column ``name`` in the sorted order (``take``); empty strings when the file has no such column."""
    if name not in raw.columns:
        return pa.array([""] * n, type=pa.string())
    return raw.columns[name].take(take)


def _nonempty(arr: pa.Array) -> pa.Array:
    """Empty values as nulls."""
    return pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr)


def _slot_names(raw: RawTable, rows: np.ndarray, k: int) -> np.ndarray:
    """The driver of crew slot ``k`` (FAHRERk_VORNAME FAHRERk_NAME, as :func:`~stintlab.io.wige.result.driver_name` spells it) on
    the file rows ``rows``; None where the slot is empty (or no slot of the file)."""
    if not 1 <= k <= MAX_SLOTS:
        return np.full(len(rows), None, dtype=object)
    idx = pa.array(rows)
    first, last = (_sorted(raw, f"FAHRER{k}_{part}", idx, len(rows)) for part in ("VORNAME", "NAME"))
    both = pc.binary_join_element_wise(first, last, " ")
    name = pc.if_else(pc.equal(first, ""), last, pc.if_else(pc.equal(last, ""), first, both))
    return _nonempty(name).to_numpy(zero_copy_only=False)


def _car_rank(first_cars: np.ndarray, car_of_row: np.ndarray, car_key) -> np.ndarray:
    """The rank of each row's car in ``car_key`` order (``first_cars``: the cars in the order of
    ``car_of_row``'s numbers), as :func:`stintlab.display.in_car_order` ranks them."""
    names = [str(c) for c in first_cars.tolist()]
    rank = np.empty(len(names), dtype=np.int64)
    rank[sorted(range(len(names)), key=lambda i: car_key(names[i]))] = np.arange(len(names))
    return rank[car_of_row]


def _car_cumsum(values: np.ndarray, car_first: np.ndarray, car_of_row: np.ndarray) -> np.ndarray:
    """Cumulative sums of whole numbers restarted at each car (rows of a car contiguous; ``car_first``: the
    first row of each car, ``car_of_row``: the car of each row).

    >>> _car_cumsum(np.array([1, 1, 0, 1, 1]), np.array([0, 3]), np.array([0, 0, 0, 1, 1])).tolist()
    [1, 2, 2, 1, 2]
    """
    total = np.cumsum(values)
    before = (total - values)[car_first]  # the sum before each car's first row
    return total - before[car_of_row]


def group_starts(lap1_starts: np.ndarray) -> list[float]:
    """Start signals of the groups: lap-start times of day (lap 1 rows) shared by two or more cars.

    >>> group_starts(np.array([100.0, 100.0, 250.5, 250.5, 251.0, 400.0, 400.0]))
    [100.0, 250.5, 400.0]
    """
    values, counts = np.unique(np.round(lap1_starts, 3), return_counts=True)
    shared = values[counts >= 2]
    return [float(v) for v in (shared if len(shared) else values[:1])]


class CheckedLaps(NamedTuple):
    """The lap file's rows checked (every error of the lap file alone raised) and sorted by car (first
    appearance), then lap: :func:`check_laps`."""

    order: np.ndarray  # file row of each sorted row
    cars: np.ndarray
    runde: np.ndarray
    lap_time: np.ndarray
    tod: np.ndarray
    slot: np.ndarray
    codes: np.ndarray
    row_lines: np.ndarray
    same_car: np.ndarray


def check_laps(raw: RawTable) -> CheckedLaps:
    """Every check of a lap file alone (required columns, values, a lap twice), the rows sorted by car
    (first appearance), then lap. ``stintlab.load`` runs it before reading the result beside the lap file
    (so a bad lap file is reported first), then builds the table once with the companions."""
    path, c, lines, n = raw.path, raw.columns, raw.lines, raw.nrows
    for req in LAPS_REQUIRED:
        if req not in c:
            raise StintlabFormatError(path, f"required column {req} is missing from the header", line=1, column=req)
    if n == 0:
        raise StintlabFormatError(path, "the file has a header but no laps", line=2, column="STNR")
    cars = np.array(c["STNR"].to_pylist(), dtype=object)
    _refuse(raw, cars == "", "STNR", "a lap without a car (empty STNR)")
    runde = parse_ints(c["RUNDE"], path, "RUNDE", lines, required=True)
    _refuse(raw, (runde < 1) | (runde > MAX_LAP), "RUNDE", f"lap number out of range 1..{MAX_LAP}")
    times = parse_time_columns({k: c[k] for k in ("RUNDENZEIT", "TAGESZEIT")}, path, lines)
    lap_time, tod = times["RUNDENZEIT"], times["TAGESZEIT"]
    _refuse(raw, np.isnan(lap_time), "RUNDENZEIT", "a lap without a lap time")
    _refuse(raw, np.isnan(tod), "TAGESZEIT", "a lap without a time of day")
    _refuse(raw, lap_time <= 0, "RUNDENZEIT", "a lap time of zero")
    _refuse(raw, lap_time > MAX_LAP_TIME, "RUNDENZEIT", f"implausible lap time (more than {MAX_LAP_TIME / 3600:.0f} h)")
    _refuse(raw, tod >= DAY, "TAGESZEIT", "a time of day of 24 h or more")
    slot = np.full(n, np.nan)
    if "DRIVERID" in c:
        slot = parse_ints(c["DRIVERID"], path, "DRIVERID", lines)
        _refuse(raw, (slot < 1) | (slot > MAX_SLOTS), "DRIVERID", f"driver slot out of range 1..{MAX_SLOTS}")

    # sort by car (first appearance), then lap; a lap twice is refused
    codes = pd.factorize(cars)[0]
    order = np.lexsort((runde, codes))
    cars, runde, lap_time, tod, slot, codes = (a[order] for a in (cars, runde, lap_time, tod, slot, codes))
    row_lines = lines[order]
    same_car = np.r_[False, codes[1:] == codes[:-1]]
    dup = same_car & np.r_[False, runde[1:] == runde[:-1]]
    if dup.any():
        i = int(np.flatnonzero(dup)[0])
        raise StintlabFormatError(path, f"car {cars[i]} lap {runde[i]} appears twice (also on line {row_lines[i - 1]})", line=int(row_lines[i]), column="RUNDE")
    return CheckedLaps(order, cars, runde, lap_time, tod, slot, codes, row_lines, same_car)


def laps_from_tables(
    raw: RawTable, sectors: RawTable | None = None, result: RawTable | None = None, *, checked: CheckedLaps | None = None,
    car_key=None,
):  # fmt: skip
    """Canonical lap table, section side table (None without a sector file) and facts. ``checked``: the
    lap file's :func:`check_laps` when already run. ``car_key``: a key function of car numbers; when
    given, the cars of both tables come in that order (each car's rows in lap order), else in the order
    of their first row in the file. The facts list lines in the latter order either way."""
    n = raw.nrows
    order, cars, runde, lap_time, tod, slot, codes, row_lines, same_car = checked if checked is not None else check_laps(raw)
    slot = slot.copy()

    take = pa.array(order)

    # time of day unwrapped past midnight along each car's laps (the N24 runs through the night)
    # a car's rows are contiguous: per-car sums and firsts are whole-array ones, restarted at each car
    first = ~same_car
    car_of_row = np.cumsum(first) - 1
    car_first = np.flatnonzero(first)
    back = same_car & np.r_[False, tod[1:] < tod[:-1] - DAY / 2]
    tod = tod + DAY * _car_cumsum(back.astype(np.int64), car_first, car_of_row)

    starts = group_starts((tod - lap_time)[first & (runde == 1)])
    group_of = _start_groups(result, starts, cars[first], (tod - lap_time)[first & (runde == 1)], runde[first])
    late = []
    lap_time = lap_time.copy()
    for i in np.flatnonzero(first & (runde > 1)):
        start = group_of.get(cars[i])
        if start is None:
            earlier = [s for s in starts if s <= tod[i] - lap_time[i] + 0.0005]
            start = earlier[-1] if earlier else None
        if start is not None and tod[i] - start >= lap_time[i]:
            added = round(tod[i] - start - lap_time[i], 3)
            lap_time[i] = round(tod[i] - start, 3)
            late.append({"car": str(cars[i]), "first_lap": int(runde[i]), "line": int(row_lines[i]), "added": float(added)})
    offset = (runde - 1)[car_first][car_of_row]  # laps before the car's first row (a pit-lane start)
    lap = (runde - offset).astype("int32")
    elapsed = np.round(pd.Series(lap_time).groupby(codes).cumsum().to_numpy(), 3)
    # a row missing inside a car's laps (RUNDE 5 then 7) would take its lap time out of the sum: the
    # crossings after it keep their distance from the car's start in time of day (never seen in the
    # NLS 2025 exports, where consecutive TAGESZEIT differences equal RUNDENZEIT to the millisecond)
    car_start = (tod - lap_time)[car_first][car_of_row]
    gap = same_car & np.r_[False, runde[1:] - runde[:-1] > 1]
    after_gap = _car_cumsum(gap.astype(np.int64), car_first, car_of_row) > 0
    elapsed = np.where(after_gap, np.round(tod - car_start, 3), elapsed)

    # drivers: the FAHRERn_* slot named by DRIVERID on the row
    s, sec_facts = _sector_values(sectors, cars, runde, codes, first, n)
    drivers = np.full(n, None, dtype=object)
    slot_no = np.where(np.isnan(slot), 0, slot).astype(np.int64)
    for k in np.unique(slot_no[slot_no > 0]):
        rows = np.flatnonzero(slot_no == k)
        drivers[rows] = _slot_names(raw, order[rows], int(k))
    fixed = []
    alt = s["slot"]
    for i in np.flatnonzero(np.equal(drivers, None) & ~np.isnan(alt)):
        name = _slot_names(raw, order[i : i + 1], int(alt[i]))[0]
        if name is not None:
            # DRIVERID names an empty crew slot; the sector file's FAHRER_NR names a filled one
            fixed.append(int(row_lines[i]))
            slot[i] = alt[i]
            drivers[i] = name
    unnamed = [int(x) for x in row_lines[np.equal(drivers, None)]]

    in_lap, pit_in = s["in_lap"], s["pit"]
    pit_source = "sectors" if sectors is not None else "none"
    if sectors is None and result is not None:
        in_lap, pit_in, pit_source = _result_stops(result, cars, runde)
    out_lap = same_car & np.r_[False, in_lap[:-1]]
    pit_time = np.where(out_lap, np.r_[np.nan, pit_in[:-1]], np.nan)

    team = _nonempty(_sorted(raw, "TEAM", take, n))
    team = pc.if_else(pc.is_null(team), _nonempty(_sorted(raw, "BEWERBER", take, n)), team)
    makers = _makers(result)
    per_car = pa.array([makers.get(x) for x in cars[first].tolist()], type=pa.string())
    best = pc.equal(pc.utf8_upper(_sorted(raw, "DIESCHNELLSTE", take, n)), "J").to_numpy(zero_copy_only=False)
    slot_mask = np.isnan(slot)
    no_int8 = pd.arrays.IntegerArray(np.zeros(n, dtype="int8"), np.ones(n, dtype=bool))
    car_arr = raw.columns["STNR"].take(take)
    rank = _car_rank(cars[car_first], car_of_row, car_key) if car_key is not None else None
    columns = {
        "car": _strings(car_arr),
        "lap": lap,
        "driver": pd.array(drivers, dtype="string"),
        "driver_slot": pd.arrays.IntegerArray(np.where(slot_mask, 0, slot).astype("int8"), slot_mask),
        "class": _strings(_nonempty(_sorted(raw, "KLASSE", take, n))),
        "group": _strings(_sorted(raw, "UNTERKLASSE", take, n)),
        "team": _strings(team),
        "manufacturer": _strings(per_car.take(pa.array(codes))),
        "lap_time": lap_time,
        "s1": s["s1"],
        "s2": s["s2"],
        "s3": s["s3"],
        "elapsed": elapsed,
        "lap_start": np.round(elapsed - lap_time, 3),
        "time_of_day": np.round(tod, 3),
        "in_lap": in_lap,
        "out_lap": out_lap,
        "pit_time": pit_time,
        "flag": _strings(pa.nulls(n, pa.string())),
        "kph": np.full(n, np.nan),
        "top_speed": s["top_speed"],
        "lap_improvement": pd.arrays.IntegerArray(np.where(best, 2, 0).astype("int8"), np.zeros(n, dtype=bool)),
        "s1_improvement": no_int8,
        "s2_improvement": no_int8.copy(),
        "s3_improvement": no_int8.copy(),
        "is_car_best": best,
        "is_session_best": np.zeros(n, dtype=bool),
        "line": row_lines.astype("int32"),
    }
    if rank is not None:  # the cars in car_key order: every column taken in that order
        perm = np.argsort(rank, kind="stable")
        columns = {k: v[perm] if isinstance(v, np.ndarray) else (v.array if isinstance(v, pd.Series) else v).take(perm)
                   for k, v in columns.items()}  # fmt: skip
    df = pd.DataFrame({x.name: columns[x.name] for x in LAP_COLUMNS})
    wrong = {x.name: x.dtype for x in LAP_COLUMNS if df[x.name].dtype != x.dtype}
    if wrong:  # every column is built in its schema type: a safety net
        df = df.astype(wrong)
    sections = _sections(s["raw_sectors"], car_arr, lap, rank) if sectors is not None else None
    facts = {
        "format": "wige",
        "variant": "wige",
        "columns": len(raw.header.names),
        "separator": ";",
        "bom": raw.header.bom,
        "crlf": raw.header.crlf,
        "has_flags": False,
        "start_time_of_day": float(starts[0]) if starts else float("nan"),
        "group_starts": starts,
        "late_start_cars": late,
        "lap_gap_lines": [int(x) for x in row_lines[gap]],  # first row after a missing RUNDE of its car  # first row lap 2+: first lap rebuilt from the group start, laps renumbered
        "pit_source": pit_source,
        "driver_from_sectors": fixed,  # lines whose DRIVERID named an empty slot (FAHRER_NR used)
        "unnamed_driver_lines": unnamed,
        "extra_columns": [],
        "filled_times": [],
        "green_flag_lines": [],
        "unclassed_cars": [],
        **sec_facts,
    }
    return df, sections, facts


def _start_groups(result, starts, first_cars, lap1_starts, first_runde) -> dict:
    """car -> start time of day of its group, from the result's STARTGRUPPE (cars of a group that ran
    lap 1 give the group's start: the earliest of their lap-1 starts)."""
    if result is None or "STARTGRUPPE" not in result.columns:
        return {}
    group = dict(zip(result.columns["STNR"].to_pylist(), result.columns["STARTGRUPPE"].to_pylist()))
    with_lap1 = [car for car, r in zip(first_cars, first_runde) if r == 1]
    by_group: dict[str, float] = {}
    for car, start in zip(with_lap1, lap1_starts):
        g = group.get(car)
        if g:
            by_group[g] = min(by_group.get(g, start), start)
    return {car: by_group[g] for car, g in group.items() if g in by_group}


def _makers(result) -> dict:
    if result is None or "HERSTELLER" not in result.columns:
        return {}
    return {k: v or None for k, v in zip(result.columns["STNR"].to_pylist(), result.columns["HERSTELLER"].to_pylist())}


def _result_stops(result: RawTable, cars, runde):
    """In-laps and pit times from the result's RUNDE_IN_BOX_n / BOXZEITn (the export prints two stops)."""
    key = {(str(c), int(r)): i for i, (c, r) in enumerate(zip(cars, runde))}
    in_lap = np.zeros(len(cars), dtype=bool)
    pit = np.full(len(cars), np.nan)
    stnr = result.columns["STNR"].to_pylist()
    k = 1
    while f"RUNDE_IN_BOX_{k}" in result.columns:
        laps = result.columns[f"RUNDE_IN_BOX_{k}"].to_pylist()
        durations = parse_time_columns({f"BOXZEIT{k}": result.columns[f"BOXZEIT{k}"]}, result.path, result.lines)[f"BOXZEIT{k}"] if f"BOXZEIT{k}" in result.columns else np.full(len(stnr), np.nan)
        for car, lap, d in zip(stnr, laps, durations):
            i = key.get((car, int(lap))) if lap and lap.isdigit() else None
            if i is not None:
                in_lap[i] = True
                pit[i] = d
        k += 1
    return in_lap, pit, f"result (RUNDE_IN_BOX_1..{k - 1}: the first {k - 1} stops only)"


def _sector_values(sectors: RawTable | None, cars, runde, codes, first, n: int):
    nan = np.full(n, np.nan)
    out = {"s1": nan, "s2": nan, "s3": nan, "top_speed": nan, "slot": nan, "in_lap": np.zeros(n, dtype=bool), "pit": nan, "raw_sectors": None}
    if sectors is None:
        return out, {}
    path, c, lines = sectors.path, sectors.columns, sectors.lines
    for req in SECTORS_REQUIRED:
        if req not in c:
            raise StintlabFormatError(path, f"required column {req} is missing from the header", line=1, column=req)
    s_runde = parse_ints(c["RUNDE_NR"], path, "RUNDE_NR", lines, required=True)
    # each lap row's sector row: same car and RUNDE_NR (the last such row when a lap is there twice)
    code_of = {car: k for k, car in enumerate(cars[first].tolist())}
    s_code = np.array([code_of.get(car, -1) for car in c["STNR"].to_pylist()], dtype=np.int64)
    span = MAX_LAP + 1
    valid = (s_code >= 0) & (s_runde >= 0) & (s_runde < span)
    s_key = np.where(valid, s_code * span + np.where(valid, s_runde, 0).astype(np.int64), -1)
    by_key = np.argsort(s_key, kind="stable")
    keys = s_key[by_key]
    l_key = codes.astype(np.int64) * span + runde.astype(np.int64)
    pos = np.searchsorted(keys, l_key, side="right") - 1
    found = (pos >= 0) & (keys[np.maximum(pos, 0)] == l_key) if len(keys) else np.zeros(n, dtype=bool)
    take = np.where(found, by_key[np.maximum(pos, 0)], 0) if len(keys) else np.zeros(n, dtype=np.int64)
    names = [f"SEKTOR{k}_ZEIT" for k in range(1, N_SECTORS + 1) if f"SEKTOR{k}_ZEIT" in c]
    extra = [x for x in ("PITSTOPDURATION",) if x in c]
    parsed = parse_time_columns({k: c[k] for k in names + extra}, path, lines)
    secs = {k: np.where(found, parsed[k][take], np.nan) for k in names}

    def get(k):
        return secs.get(f"SEKTOR{k}_ZEIT", nan)

    s4, s5 = get(4), get(5)
    out["s1"] = get(1)
    out["s2"] = np.round(get(2) + get(3), 3)
    out["s3"] = np.round(np.where(np.isnan(s5), s4, s4 + s5), 3)
    if "TOPSPEED_KMH" in c:
        text = pc.replace_substring(c["TOPSPEED_KMH"], ",", ".").to_numpy(zero_copy_only=False)
        top = pd.to_numeric(pd.Series(text, dtype=object), errors="coerce").to_numpy(dtype=float)
        out["top_speed"] = np.where(found, top[take], np.nan)
    if "FAHRER_NR" in c:
        nr = parse_ints(c["FAHRER_NR"], path, "FAHRER_NR", lines)
        out["slot"] = np.where(found, nr[take], np.nan)
    if "INPIT" in c:
        flag = pc.equal(pc.utf8_upper(c["INPIT"]), "J").to_numpy(zero_copy_only=False)
        out["in_lap"] = found & flag[take]
    if extra:
        out["pit"] = np.where(out["in_lap"], parsed["PITSTOPDURATION"][take], np.nan)
    out["raw_sectors"] = secs
    return out, {"sector_rows": int(sectors.nrows), "laps_without_sectors": int((~found).sum()), "sector_columns": len(names)}


def _sections(secs: dict, car: pa.Array, lap: np.ndarray, rank: np.ndarray | None) -> pd.DataFrame:
    """The section side table: loop after loop, each over the laps (rows of the lap file, sorted); with
    ``rank`` (the car order of each lap row) the rows of each car together in that order, loop after loop."""
    n = len(lap)
    labels, times, elapsed = [], [], []
    running = np.zeros(n)
    for k, name in enumerate(secs, start=1):
        t = secs[name]
        if np.isnan(t).all():
            continue
        running = running + np.nan_to_num(t)
        labels.append(f"S{k}")
        times.append(t)
        elapsed.append(np.where(np.isnan(t), np.nan, np.round(running, 3)))
    if not labels:
        return pd.DataFrame({x.name: [] for x in SECTION_COLUMNS}).astype({x.name: x.dtype for x in SECTION_COLUMNS})
    m = len(labels)
    loop = pa.DictionaryArray.from_arrays(pa.array(np.repeat(np.arange(m, dtype=np.int32), n)), pa.array(labels)).cast(pa.string())
    cars = pa.chunked_array([car] * m).combine_chunks()
    laps, times_all, elapsed_all = np.tile(lap, m), np.concatenate(times), np.concatenate(elapsed)
    if rank is not None:  # as in_car_order sorts the table: stable by the car's rank
        perm = np.argsort(np.tile(rank, m), kind="stable")
        cars, loop, laps, times_all, elapsed_all = cars.take(perm), loop.take(perm), laps[perm], times_all[perm], elapsed_all[perm]
    out = pd.DataFrame(
        {"car": _strings(cars), "lap": laps, "loop": _strings(loop), "time": times_all, "elapsed": elapsed_all}
    )
    wrong = {x.name: x.dtype for x in SECTION_COLUMNS if out[x.name].dtype != x.dtype}
    return out.astype(wrong) if wrong else out
