"""SRO (GT World Challenge Europe) post-race exports → the canonical lap table.

Three files make one race, each recognised by its header or content, never by its name:

- the sector list (:func:`stintlab.io.sro.files.read_sector_list`): every lap of every car, its
  time, sectors and speed traps; no race time, no driver per lap, an empty Class;
- the pit-stop file beside it (:func:`stintlab.io.sro.files.read_pit_stops`): the only record of
  who drove when (Driver in / Driver out) and of the stops (Lap In, Time in, Time out, Nett Time);
- the entry list beside it (:mod:`stintlab.io.sro.entries`): the cup of each car (used as class), team, crew.

How each canonical column is filled (docs/data.md, "SRO exports"):

- ``elapsed``: the car's lap times summed from lap 1 (the race clock starts at the start signal:
  every ``Time in`` of the pit-stop file falls inside the lap that ``Lap In`` names);
- ``in_lap``: the lap named by ``Lap In``; ``pit_time`` (on the next lap): ``Nett Time``
  (= Time out - Time in; NaN when the stop has no exit record);
- ``driver``: the stint ending at a stop is driven by that stop's ``Driver in``; the stint after
  the last stop by its ``Driver out`` (its ``Driver in`` when the exit is blank). When a stop's
  ``Driver out`` differs from the next stop's ``Driver in`` the file contradicts itself; the
  ``Driver in`` is kept and the conflict listed in ``facts["driver_conflicts"]``;
- ``driver_slot``: the driver's position in Driver1..Driver4 of the sector list;
- ``class``: the entry list's Class (the cup), else the sector list's Class, else ``ALL``;
- ``time_of_day``: race time + (``Day time in`` - ``Time in``) of the pit-stop file.
- not in these files: ``flag`` (<NA>; neutralisations are inferred), ``kph``, the improvement markers.

A lap with no Time is rebuilt as Sector1+2+3 when all three are there; a car's last lap with no
Time and no S3 was started but never completed (the car stopped): it is left out of the lap table
and listed in ``facts["untimed_laps"]`` (rebuilt times: ``facts["filled_from_sectors"]``); a car with no completed lap is listed in
``facts["lapless_cars"]``. There is no results file: the classification is derived from the laps.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from stintlab.errors import StintlabFormatError
from stintlab.io.sro.entries import looks_like_entry_list, read_entry_list
from stintlab.io.sro.entry_check import entry_mismatches
from stintlab.io.sro.files import (
    CREW,
    crews,
    looks_like_pit_stops,
    looks_like_sector_list,
    pit_stop_columns,
    read_pit_stops,
    read_sector_list,
    records,
    rows_of,
    take_rows,
)
from stintlab.io.text import read_bytes, sniff_header
from stintlab.schema import LAP_COLUMNS

__all__ = ["looks_like_sector_list", "looks_like_pit_stops", "looks_like_entry_list", "read_race", "companions",
           "read_pit_stops", "NO_CLASS", "TWO_WORD_MAKES", "COVERAGE", "coverage_markdown"]  # fmt: skip

NO_CLASS = "ALL"
TWO_WORD_MAKES = ("Aston Martin", "Alfa Romeo", "Land Rover")
TOLERANCE = 0.0015  # s: times are printed to the millisecond


def manufacturer_of(model: str) -> str | None:
    """The make in an SRO ``Car`` field.

    >>> manufacturer_of("Aston Martin Vantage AMR GT3 EVO"), manufacturer_of("Mercedes-AMG GT3 EVO")
    ('Aston Martin', 'Mercedes-AMG')
    """
    model = (model or "").strip()
    if not model:
        return None
    for make in TWO_WORD_MAKES:
        if model.lower().startswith(make.lower()):
            return make
    return model.split()[0]


def companions(path) -> tuple[list[Path], list[Path]]:
    """(pit-stop files, entry lists) in the folder of ``path``, recognised by content (first 64 KiB)."""
    pits, entries = [], []
    here = Path(path).resolve()
    for f in sorted(here.parent.iterdir()):
        if f.resolve() == here or not f.is_file():
            continue
        try:
            with open(f, "rb") as fh:
                head = fh.read(65536)
        except OSError:
            continue
        if looks_like_entry_list(head):
            entries.append(f)
            continue
        try:
            if looks_like_pit_stops(sniff_header(f, head).names):
                pits.append(f)
        except StintlabFormatError:
            continue
    return pits, entries


def read_race(path, header=None, data: bytes | None = None, *, pit_file=None, entry_list=None):
    """(canonical lap table, facts, entry-list crew or None) of the SRO race whose sector list is ``path``.

    ``pit_file`` / ``entry_list``: explicit companions; by default they are found beside ``path``
    (:func:`companions`). Without a pit-stop file there is no driver and no stop."""
    data = read_bytes(path) if data is None else data
    header = sniff_header(path, data) if header is None else header
    sectors, facts = read_sector_list(path, data, header)
    first_at = np.unique(pd.factorize(sectors["car"])[0], return_index=True)[1]
    first_rows = rows_of(sectors, first_at)  # each car's first row in the file (untimed rows too), in file order
    crews = _crews(first_rows)
    sectors, untimed, filled = _completed_laps(path, sectors)
    found_pits, found_entries = companions(path) if pit_file is None or entry_list is None else ([], [])
    if pit_file is None and len(found_pits) > 1:
        raise StintlabFormatError(path, f"{len(found_pits)} pit-stop files beside the sector list "
                                        f"({', '.join(p.name for p in found_pits)}): give one")  # fmt: skip
    pit_file = pit_file if pit_file is not None else (found_pits[0] if found_pits else None)
    entry_list = entry_list if entry_list is not None else (found_entries[0] if len(found_entries) == 1 else None)

    cars_info, crew, session = read_entry_list(entry_list) if entry_list is not None else ({}, None, {})
    stops, pit_facts, stop_rows = _stops(pit_file, sectors, untimed)  # stop_rows: records(stops), made once
    laps, conflicts, start_tod = _lap_table(sectors, stops, cars_info, stop_rows)

    cars_in_order = pd.unique(sectors["car"]).tolist()  # rows of a car are contiguous: in the order of the table
    all_cars = cars_in_order + [c for c, _, _ in untimed]
    with_laps = set(cars_in_order)
    lapless = [car for car in dict.fromkeys(all_cars) if car not in with_laps]
    facts.update(
        {
            "format": "sro",
            "variant": "sro-sectorlist",
            "has_flags": False,
            "start_time_of_day": start_tod,
            "pit_file": str(pit_file) if pit_file is not None else None,
            "entry_list": str(entry_list) if entry_list is not None else None,
            "entry_session": session,  # the entry list's SESS block (Competition, Meeting, Session, Track, StartTime)
            "untimed_laps": untimed,  # (car, lap, line): started, never completed
            "filled_from_sectors": filled,  # lines whose empty Time was rebuilt as S1 + S2 + S3
            "driver_conflicts": conflicts,
            "lapless_cars": [
                {"car": car, "class": (cars_info.get(car) or {}).get("class") or NO_CLASS,
                 "team": (cars_info.get(car) or {}).get("team"), "manufacturer": manufacturer_of(crews[car][1]),
                 "crew": [n for n in crews[car][0] if n]}
                for car in lapless
            ],  # fmt: skip
            "unclassed_cars": sorted(c for c in with_laps if c not in cars_info) if cars_info else [],
            "classification_note": "no results file in the SRO export: the classification is derived from the laps",
            # what the race files say against the entry list (cars, crews, cups): stintlab.io.sro.entry_check
            "entry_mismatches": entry_mismatches(first_rows, stops, cars_info, crew, path, pit_file, entry_list,
                                                 stop_rows=stop_rows),
            **pit_facts,
        }
    )
    return laps, facts, crew


def _crews(first: dict) -> dict:
    """car → (crew names, model) from each car's first row of the sector list."""
    return {car: (crew, model) for car, crew, model in zip(first["car"].tolist(), crews(first), first["car_model"].tolist())}


def _completed_laps(path, sectors: dict):
    """Sorted by car then lap, checked (no duplicate, no gap); untimed laps rebuilt or set aside.
    ``sectors``: the columns of :func:`read_sector_list` (the result has them too, and ``elapsed``)."""
    order = np.lexsort((sectors["lap"], pd.factorize(sectors["car"])[0]))
    in_order = bool((order == np.arange(len(order))).all())  # the real files are: no copy of every column
    s = sectors if in_order else take_rows(sectors, order)
    car = s["car"]
    lap = s["lap"]
    same = np.r_[False, car[1:] == car[:-1]]
    expected = np.where(same, np.r_[0, lap[:-1]] + 1, 1)
    bad = lap != expected
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        what = (f"lap {lap[i]} of car {car[i]} appears twice" if same[i] and lap[i] == lap[i - 1]
                else f"car {car[i]} jumps to lap {lap[i]} (lap {expected[i]} is missing)")  # fmt: skip
        raise StintlabFormatError(path, what, line=int(s["line"][i]), column="Lap")
    t = s["time"].copy()
    sectors_sum = s["s1"] + s["s2"] + s["s3"]
    rebuild = np.isnan(t) & ~np.isnan(sectors_sum)
    t[rebuild] = np.round(sectors_sum[rebuild], 3)
    filled = [int(x) for x in s["line"][rebuild]]
    last = np.r_[car[1:] != car[:-1], True]
    hole = np.isnan(t)
    inner = hole & ~last
    if inner.any():
        i = int(np.flatnonzero(inner)[0])
        raise StintlabFormatError(path, f"lap {lap[i]} of car {car[i]} has no Time (and not all three sectors) but is "
                                        "not the car's last lap: its race time cannot be rebuilt",
                                  line=int(s["line"][i]), column="Time")  # fmt: skip
    untimed = [(str(c), int(n), int(ln)) for c, n, ln in zip(car[hole], lap[hole], s["line"][hole])]
    if hole.any():
        s = take_rows(s, np.flatnonzero(~hole))
        t, car = t[~hole], car[~hole]
    else:
        s = dict(s)
    s["time"] = t
    # each car's times summed from its first row, one contiguous slice per car (same additions as a grouped cumsum)
    elapsed = np.empty(len(t))
    starts = np.r_[0, np.flatnonzero(car[1:] != car[:-1]) + 1, len(t)] if len(t) else np.zeros(1, dtype=np.int64)
    for lo, hi in zip(starts[:-1].tolist(), starts[1:].tolist()):
        np.cumsum(t[lo:hi], out=elapsed[lo:hi])
    s["elapsed"] = np.round(elapsed, 3)
    return s, untimed, filled


def _stops(pit_file, sectors: dict, untimed) -> tuple[pd.DataFrame | None, dict, list]:
    """The pit-stop table checked against the sector list (same cars, Lap In within the car's laps,
    Time in inside that lap's race-time window, Time out inside the next lap's), its facts and its rows
    (:func:`records`)."""
    if pit_file is None:
        return None, {"pit_stops": 0}, []
    data = read_bytes(pit_file)
    header = sniff_header(pit_file, data)
    stops, facts = pit_stop_columns(pit_file, data, header)  # columns: a DataFrame once checked
    # the rows of a car are contiguous, its laps in order (_completed_laps): its lap ends are a slice
    car_of_row = sectors["car"]
    elapsed, laps = sectors["elapsed"], sectors["lap"]
    bounds = np.r_[0, np.flatnonzero(car_of_row[1:] != car_of_row[:-1]) + 1, len(car_of_row)] if len(car_of_row) else np.zeros(1, dtype=np.int64)
    end = {car_of_row[lo]: elapsed[lo:hi] for lo, hi in zip(bounds[:-1].tolist(), bounds[1:].tolist())}
    last_lap = {car_of_row[hi - 1]: laps[lo:hi].max() for lo, hi in zip(bounds[:-1].tolist(), bounds[1:].tolist())}
    for car, lap, _line in untimed:
        last_lap[car] = lap
    if _stops_agree(stops, car_of_row, elapsed, bounds, last_lap):
        return _with_exit(stops, facts)
    for r in records(stops):  # the error path: the first stop that disagrees, located
        where = {"line": int(r.line)}
        if r.car not in last_lap:
            raise StintlabFormatError(pit_file, f"car {r.car} has no lap in the sector list: this pit-stop file does not "
                                                "match the sector list", column="Nr", **where)  # fmt: skip
        if r.lap_in > last_lap[r.car]:
            raise StintlabFormatError(pit_file, f"car {r.car} stops on lap {r.lap_in} but the sector list ends at lap "
                                                f"{last_lap[r.car]}: the files do not match", column="Lap In", **where)  # fmt: skip
        ends = end.get(r.car, ())
        before = ends[r.lap_in - 2] if r.lap_in >= 2 and r.lap_in - 2 < len(ends) else 0.0
        after = ends[r.lap_in - 1] if r.lap_in - 1 < len(ends) else np.inf
        if not (before - TOLERANCE <= r.time_in <= after + TOLERANCE):
            raise StintlabFormatError(
                pit_file, f"car {r.car} enters the pits at race time {r.time_in:.3f} s, outside its lap {r.lap_in} "
                f"({before:.3f}-{after:.3f} s by the sector list): the files do not match", column="Time in", **where)  # fmt: skip
        nxt = ends[r.lap_in] if r.lap_in < len(ends) else np.inf
        if not np.isnan(r.time_out) and not (after - TOLERANCE <= r.time_out <= nxt + TOLERANCE):
            raise StintlabFormatError(
                pit_file, f"car {r.car} leaves the pits at race time {r.time_out:.3f} s, outside its lap {r.lap_in + 1} "
                f"({after:.3f}-{nxt:.3f} s by the sector list): the files do not match", column="Time out", **where)  # fmt: skip
    return _with_exit(stops, facts)


def _with_exit(stops: dict, facts: dict) -> tuple[pd.DataFrame, dict, list]:
    driver_out = np.array([bool(d.strip()) for d in stops["driver_out"].tolist()], dtype=bool)
    exit_ = ~np.isnan(stops["time_out"]) & driver_out
    stops = {**stops, "exit": exit_}
    facts = {"pit_stops": len(exit_), "pit_encoding": facts["encoding"], "stops_without_exit": int((~exit_).sum())}
    return pd.DataFrame(stops), facts, records(stops)


def _stops_agree(stops: dict, car_of_row, elapsed, bounds, last_lap: dict) -> bool:
    """Every check of :func:`_stops` at once, over arrays: True when no stop disagrees with the sector list
    (the loop of :func:`_stops` then only runs to locate the first one that does)."""
    if not len(stops["line"]):
        return True
    lo_of = {car_of_row[lo]: lo for lo in bounds[:-1].tolist()} if len(car_of_row) else {}
    n_of = {car_of_row[lo]: hi - lo for lo, hi in zip(bounds[:-1].tolist(), bounds[1:].tolist())} if len(car_of_row) else {}
    cars = stops["car"].tolist()
    if any(c not in last_lap for c in cars):
        return False
    lap_in = stops["lap_in"]
    if (lap_in > np.array([last_lap[c] for c in cars])).any():
        return False
    lo = np.array([lo_of.get(c, 0) for c in cars], dtype=np.int64)
    n = np.array([n_of.get(c, 0) for c in cars], dtype=np.int64)
    padded = np.r_[elapsed, 0.0]  # index len(elapsed): a value never used (masked below)

    def end(k):  # the end of the car's lap k + 1 (its k-th row), where it has one
        ok = (k >= 0) & (k < n)
        return ok, padded[np.where(ok, lo + k, len(elapsed))]

    has_before, before = end(lap_in - 2)
    before = np.where(has_before & (lap_in >= 2), before, 0.0)
    has_after, after = end(lap_in - 1)
    after = np.where(has_after, after, np.inf)
    has_next, nxt = end(lap_in)
    nxt = np.where(has_next, nxt, np.inf)
    time_in, time_out = stops["time_in"], stops["time_out"]
    with np.errstate(invalid="ignore"):
        ok_in = (before - TOLERANCE <= time_in) & (time_in <= after + TOLERANCE)
        ok_out = np.isnan(time_out) | ((after - TOLERANCE <= time_out) & (time_out <= nxt + TOLERANCE))
    return bool(ok_in.all() and ok_out.all())




def _lap_table(sectors: dict, stops: pd.DataFrame | None, cars_info: dict, stop_rows: list | None = None):
    """The canonical lap table of the sector list's completed laps (sorted by car, first appearance, then
    lap), drivers and stops from the pit-stop table, cups and teams from the entry list."""
    n = len(sectors["lap"])
    car = sectors["car"]
    lap = sectors["lap"]
    # rows of a car are contiguous (sorted by car, then lap): its code counts the changes of car before it
    change = car[1:] != car[:-1]
    starts = np.flatnonzero(np.r_[True, change]) if n else np.zeros(0, dtype=np.int64)
    codes = np.r_[0, np.cumsum(change)] if n else np.zeros(0, dtype=np.int64)
    uniq = car[starts]
    first_row = {c: int(i) for c, i in zip(uniq.tolist(), starts.tolist())}
    count = np.bincount(codes, minlength=len(uniq)) if n else np.zeros(0, dtype=np.int64)
    in_lap = np.zeros(n, dtype=bool)
    pit_time = np.full(n, np.nan)
    names_of: list = [None]  # driver names; code 0 = no driver
    driver = np.zeros(n, dtype=np.int32)
    crew_slot = np.full(n, np.nan)
    conflicts: list[tuple] = []
    start_tod = float("nan")
    slots = {}  # (car, name) -> 1-based position in Driver1..4, names as both files spell them
    first = take_rows({k: sectors[k] for k in ("car", *CREW)}, list(first_row.values()))  # each car's first row
    for c, names in zip(first["car"].tolist(), zip(*(first[k].to_pylist() for k in CREW))):
        for k, name in enumerate(names, 1):
            slots.setdefault((c, name.strip()), k)
    if stops is not None and len(stops):
        offset = np.mod(stops["day_in"].to_numpy() - stops["time_in"].to_numpy(), 86400.0)
        start_tod = float(np.nanmedian(offset)) if not np.isnan(offset).all() else float("nan")
        by_car: dict[str, list] = {}
        stop_rows = records(stops) if stop_rows is None else stop_rows
        for r in sorted(stop_rows, key=lambda r: (r.lap_in, r.time_in)):  # stable, as the file lists them
            by_car.setdefault(r.car, []).append(r)
        code_of = {c: i for i, c in enumerate(uniq.tolist())}
        name_base = np.zeros(len(uniq), dtype=np.int64)  # a car's first stint in names_of
        has_stops = np.zeros(len(uniq), dtype=bool)
        slot_of = [np.nan]  # beside names_of: the name's position in the car's Driver1..4
        st_code, st_lap, st_nett = [], [], []  # one per stop, by car, in (lap_in, time_in) order
        for c, g in by_car.items():
            names = [r.driver_in.strip() or None for r in g]
            names.append(g[-1].driver_out.strip() or g[-1].driver_in.strip() or None)
            code = code_of.get(c, -1)
            if code >= 0:
                name_base[code], has_stops[code] = len(names_of), True
            names_of.extend(names)
            slot_of.extend(slots.get((c, nm), np.nan) for nm in names)
            st_code.extend([code] * len(g))
            st_lap.extend(int(r.lap_in) for r in g)
            st_nett.extend(r.nett if not np.isnan(r.nett) else r.time_out - r.time_in for r in g)
            for a, b in zip(g, g[1:]):
                if a.driver_out.strip() and b.driver_in.strip() and a.driver_out.strip() != b.driver_in.strip():
                    conflicts.append((c, int(a.lap_in), int(a.line), a.driver_out.strip(), b.driver_in.strip(), int(b.line)))
        st_code, st_lap, st_nett = np.array(st_code, dtype=np.int64), np.array(st_lap, dtype=np.int64), np.array(st_nett, dtype=float)
        if n:
            # stint k of a car ends at its stop k (or runs after the last): k = its stops with Lap In < the lap
            big = int(max(lap.max(), st_lap.max())) + 2
            key = np.sort(np.where(st_code >= 0, st_code * big + st_lap, -1))
            row_key = codes.astype(np.int64) * big
            k = np.searchsorted(key, row_key + lap, side="left") - np.searchsorted(key, row_key, side="left")
            name_idx = np.where(has_stops[codes], name_base[codes] + k, 0)
            named = np.array([nm is not None for nm in names_of], dtype=bool)
            driver = np.where(named[name_idx], name_idx, 0).astype(np.int32)
            crew_slot = np.asarray(slot_of, dtype=float)[name_idx]  # slot_of[0] is NaN

            def row_of(number):  # the row of the car's lap ``number`` (laps run on from the first, no gap), and where there is one
                known = st_code >= 0
                c = np.where(known, st_code, 0)
                i = number - lap[starts[c]]
                ok = known & (i >= 0) & (i < count[c])
                rows = np.where(ok, starts[c] + np.where(ok, i, 0), 0)
                return rows, ok & (lap[rows] == number)

            i_rows, i_ok = row_of(st_lap)
            j_rows, j_ok = row_of(st_lap + 1)
            in_lap[i_rows[i_ok]] = True
            add = i_ok & j_ok & ~np.isnan(st_nett)
            total = np.zeros(n)
            np.add.at(total, j_rows[add], st_nett[add])  # in stop order, as the stops of one lap add up
            touched = np.zeros(n, dtype=bool)
            touched[j_rows[add]] = True
            pit_time = np.where(touched, total, np.nan)
    same = np.r_[False, ~change]
    out_lap = same & np.r_[False, in_lap[:-1]]
    take = pa.array(codes)
    info = [cars_info.get(c) or {} for c in uniq.tolist()]
    row_class = sectors["class"]
    row_class = pc.if_else(pc.equal(row_class, ""), pa.scalar(None, pa.string()), row_class)
    cls = pc.coalesce(pa.array([i.get("class") or None for i in info], type=pa.string()).take(take), row_class, NO_CLASS)
    models = pc.dictionary_encode(sectors["car_model"])  # one make per model, not per row
    makes = pa.array([manufacturer_of(m) for m in models.dictionary.to_pylist()], type=pa.string()).take(models.indices)
    names_dict = pa.array(names_of, type=pa.string())
    elapsed = sectors["elapsed"]
    lap_time = sectors["time"]
    no_int8 = pd.arrays.IntegerArray(np.zeros(n, dtype="int8"), np.ones(n, dtype=bool))
    slot_na = np.isnan(crew_slot)
    cols = {
        "car": _strings(pa.array(uniq.tolist(), type=pa.string()).take(take)), "lap": lap.astype("int32"),
        "driver": _strings(names_dict.take(pa.array(driver))),
        "driver_slot": pd.arrays.IntegerArray(np.where(slot_na, 0, crew_slot).astype("int8"), slot_na),
        "class": _strings(cls), "group": _strings(pa.repeat(pa.scalar("", pa.string()), n)),
        "team": _strings(pa.array([i.get("team") for i in info], type=pa.string()).take(take)),
        "manufacturer": _strings(makes),
        "lap_time": lap_time, "s1": sectors["s1"], "s2": sectors["s2"], "s3": sectors["s3"],
        "elapsed": elapsed, "lap_start": np.round(elapsed - lap_time, 3),
        "time_of_day": np.round(start_tod + elapsed, 3), "in_lap": in_lap, "out_lap": out_lap, "pit_time": pit_time,
        "flag": _strings(pa.nulls(n, pa.string())), "kph": np.full(n, np.nan), "top_speed": sectors["top_speed"],
        "lap_improvement": no_int8, "s1_improvement": no_int8.copy(), "s2_improvement": no_int8.copy(),
        "s3_improvement": no_int8.copy(), "is_car_best": np.zeros(n, dtype=bool), "is_session_best": np.zeros(n, dtype=bool),
        "line": sectors["line"].astype("int32"),
    }  # fmt: skip
    df = pd.DataFrame({c.name: cols[c.name] for c in LAP_COLUMNS}, copy=False)  # its own arrays: no copy
    wrong = {c.name: c.dtype for c, dtype in zip(LAP_COLUMNS, df.dtypes.tolist()) if dtype != c.dtype}
    return (df.astype(wrong) if wrong else df), conflicts, start_tod


_STRING_MAPPER = {pa.string(): pd.StringDtype(), pa.large_string(): pd.StringDtype()}.get


def _strings(arr) -> pd.Series:
    """A pyarrow string array as a pandas string column (no round trip through Python objects)."""
    return arr.to_pandas(types_mapper=_STRING_MAPPER)


#: How the SRO export fills each canonical lap column ("" = it cannot: the column stays NA/False).
#: docs/data.md embeds :func:`coverage_markdown` (tests/test_sro.py checks both).
COVERAGE: dict[str, str] = {
    "car": "sector list `Bib`",
    "lap": "sector list `Lap`",
    "driver": "pit-stop file: `Driver in` of the stop ending the stint; after the last stop its `Driver out`",
    "driver_slot": "position of that name in `Driver1`..`Driver4` of the sector list",
    "class": "entry list `Class` (the cup: Pro/Gold/Silver/Bronze Cup); sector list `Class` (empty) else `ALL`",
    "group": "",
    "team": "entry list `Team`",
    "manufacturer": "make at the start of the sector list `Car` (`Aston Martin`, `Mercedes-AMG`, `Porsche` ...)",
    "lap_time": "sector list `Time` (an empty one rebuilt as the sum of the three sectors when all are there)",
    "s1": "`Sector1Time`",
    "s2": "`Sector2Time`",
    "s3": "`Sector3Time`",
    "elapsed": "sum of the car's lap times from lap 1 (the race clock of the pit-stop file agrees)",
    "lap_start": "elapsed - lap_time",
    "time_of_day": "elapsed + race start as time of day (`Day time in` - `Time in` of the pit-stop file)",
    "in_lap": "pit-stop file `Lap In`",
    "out_lap": "the lap after an in-lap",
    "pit_time": "pit-stop file `Nett Time` (Time out - Time in), on the out-lap; NA when the stop has no exit",
    "flag": "",
    "kph": "",
    "top_speed": "`TopSpeed` (= `SpeedTrap2`)",
    "lap_improvement": "",
    "s1_improvement": "",
    "s2_improvement": "",
    "s3_improvement": "",
    "is_car_best": "",
    "is_session_best": "",
    "line": "line of the row in the sector list",
}


def coverage_markdown() -> str:
    """The :data:`COVERAGE` table as Markdown.

    >>> coverage_markdown().splitlines()[2]
    '| `car` | sector list `Bib` |'
    """
    rows = ["| column | SRO source |", "|---|---|"]
    rows += [f"| `{c.name}` | {COVERAGE[c.name] or '— (not in the export)'} |" for c in LAP_COLUMNS]
    return "\n".join(rows)
