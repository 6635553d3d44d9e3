"""Al Kamel "Analysis" lap files (``23_Analysis_*.CSV``, IMSA ``Time Cards``, re-saves).

Variants handled (domain.md §1.2): 25 columns (2019/2021, no FLAG_AT_FL), 26 columns
(IMSA comma re-saves, with FLAG_AT_FL), 29 columns (2023+, with Sn_SECONDS), and the
"WithSections" files whose extra ``<loop>_time`` / ``<loop>_elapsed`` columns go to a
side table. Output: the canonical lap table of :mod:`stintlab.schema`.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from stintlab.errors import StintlabFormatError
from stintlab.io.text import RawTable
from stintlab.io.values import parse_floats, parse_ints, parse_time_columns, parse_times, shown
from stintlab.schema import LAP_COLUMNS, SECTION_COLUMNS

__all__ = ["REQUIRED", "looks_like_laps", "laps_from_table", "variant_of"]

REQUIRED = ("NUMBER", "LAP_NUMBER", "LAP_TIME", "ELAPSED")
MAX_LAP = 100_000
# Plausibility bounds (domain.md §1.2, docs/formats.md "Values refused"): the longest races are
# 24 hours of race clock (25 at most elsewhere); the longest lap in the corpus is 17.5 h (a car
# parked in the garage, Le Mans 2024). A race time past 100 h or a lap past 30 h is a corrupt
# field, never a race, and would make every per-hour loop run away.
MAX_RACE_TIME = 100 * 3600.0
MAX_LAP_TIME = 30 * 3600.0
MAX_DRIVER_SLOT = 99  # crews have 2-4 drivers (up to 8 at the Nürburgring 24h); 99 is generous
_KNOWN = {
    "NUMBER", "DRIVER_NUMBER", "LAP_NUMBER", "LAP_TIME", "LAP_IMPROVEMENT", "CROSSING_FINISH_LINE_IN_PIT",
    "S1", "S1_IMPROVEMENT", "S2", "S2_IMPROVEMENT", "S3", "S3_IMPROVEMENT", "KPH", "ELAPSED", "HOUR",
    "S1_LARGE", "S2_LARGE", "S3_LARGE", "TOP_SPEED", "DRIVER_NAME", "PIT_TIME", "CLASS", "GROUP", "TEAM",
    "MANUFACTURER", "FLAG_AT_FL", "S1_SECONDS", "S2_SECONDS", "S3_SECONDS",
}  # fmt: skip
#: the columns read by strict parsers only (numbers and times, :mod:`stintlab.io.values`) or not read at
#: all (``Sn_LARGE``): ``read_table(..., padded=PADDED)`` does not strip them (the parsers' slow path does)
PADDED = frozenset({
    "DRIVER_NUMBER", "LAP_NUMBER", "LAP_TIME", "LAP_IMPROVEMENT", "S1", "S1_IMPROVEMENT", "S2", "S2_IMPROVEMENT",
    "S3", "S3_IMPROVEMENT", "KPH", "ELAPSED", "HOUR", "S1_LARGE", "S2_LARGE", "S3_LARGE", "TOP_SPEED", "PIT_TIME",
    "S1_SECONDS", "S2_SECONDS", "S3_SECONDS",
})  # fmt: skip
_SECTION_RE = re.compile(r"^(?P<loop>.+)_(?P<kind>time|elapsed)$", re.IGNORECASE)


def looks_like_laps(names: list[str]) -> bool:
    """A lap file has at least NUMBER, LAP_NUMBER and LAP_TIME (ELAPSED is checked on read)."""
    s = set(names)
    return {"NUMBER", "LAP_NUMBER", "LAP_TIME"} <= s


def variant_of(names: list[str]) -> str:
    """Human-readable variant name.

    >>> variant_of(["NUMBER", "LAP_NUMBER", "LAP_TIME", "ELAPSED", "FLAG_AT_FL", "S1_SECONDS"])
    'analysis-29'
    """
    if any(_SECTION_RE.match(n) for n in names if n not in _KNOWN):
        return "analysis-sections"
    if "S1_SECONDS" in names:
        return "analysis-29"
    if "FLAG_AT_FL" in names:
        return "analysis-26"
    return "analysis-25"


def _text(raw: RawTable, name: str) -> pa.Array:
    col = raw.columns.get(name)
    if col is None:
        return pa.array([""] * raw.nrows, type=pa.string())
    return col


def _string_series(arr: pa.Array, *, empty_as_na: bool = False) -> pd.Series:
    if empty_as_na:
        arr = pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr)
    return arr.to_pandas(types_mapper=_STRING_MAPPER)


_STRING_MAPPER = {pa.string(): pd.StringDtype(), pa.large_string(): pd.StringDtype()}.get


def _int8(values: np.ndarray) -> pd.arrays.IntegerArray:
    mask = np.isnan(values)
    return pd.arrays.IntegerArray(np.where(mask, 0, values).astype("int8"), mask)


NO_CLASS = "ALL"  # the class of every car when the file has no CLASS column


def _driver_names(raw: RawTable, slot: np.ndarray) -> pd.Series:
    """DRIVER_NAME; a file without that column names each driver by crew slot ("Driver 2")."""
    if "DRIVER_NAME" in raw.columns:
        return _string_series(raw.columns["DRIVER_NAME"], empty_as_na=True)
    names = [None if np.isnan(s) else f"Driver {int(s)}" for s in slot]
    return pd.Series(pd.array(names, dtype="string"))


GREEN_FLAG = "GF"


def _refuse(raw: RawTable, bad: np.ndarray, column: str, what: str) -> None:
    """A located error at the first row where ``bad`` holds (NaN compares False: empty cells pass)."""
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        value = shown(raw.text(column)[i].as_py())
        raise StintlabFormatError(raw.path, f"{what}: {value}", line=int(raw.lines[i]), column=column)


def _classes(raw: RawTable) -> tuple[pd.Series, list[str]]:
    """Each row's class. An empty CLASS cell takes the class of the car's other rows; a car with no
    class on any row (and every car of a file without the column) is in class :data:`NO_CLASS`.
    Returns the classes and the cars that had none."""
    if "CLASS" not in raw.columns:
        return pd.Series(pd.array([NO_CLASS] * raw.nrows, dtype="string")), []
    cls = _string_series(_text(raw, "CLASS"), empty_as_na=True)
    if not cls.isna().any():
        return cls, []
    cars = pd.Series(raw.columns["NUMBER"].to_numpy(zero_copy_only=False))
    known = cls.groupby(cars.to_numpy(), sort=False).transform(lambda s: s.dropna().iloc[-1] if s.notna().any() else pd.NA)
    unclassed = sorted(set(cars[known.isna().to_numpy()]))
    return known.fillna(NO_CLASS).astype("string"), unclassed


def _check_race_times(path, cols: dict, same_car: np.ndarray, first) -> None:
    """After sorting (car, lap) and filling holes: every lap time positive, ELAPSED increasing along
    each car's laps, no lap starting before the race. Raises located errors (at ``first(bad)``)."""
    lt = cols["lap_time"]
    el = cols["elapsed"]
    checks = (
        (lt <= 0, "LAP_TIME", "the lap time rebuilt from ELAPSED is not positive (ELAPSED goes backwards)"),
        (same_car & np.r_[False, el[1:] <= el[:-1]], "ELAPSED", "race time does not increase from the car's previous lap"),
        (el - lt < -0.0005, "LAP_TIME", "the lap is longer than the race time at its end (ELAPSED)"),
        (lt > MAX_LAP_TIME, "LAP_TIME", f"implausible LAP_TIME (more than {MAX_LAP_TIME / 3600:.0f} h)"),
    )
    for bad, column, what in checks:
        if bad.any():
            i = first(bad)
            lap = f"car {cols['car'][i]} lap {cols['lap'][i]}"
            raise StintlabFormatError(path, f"{what} ({lap})", line=int(cols["line"][i]), column=column)


def laps_from_table(raw: RawTable, car_key=None) -> tuple[pd.DataFrame, pd.DataFrame | None, dict]:
    """Canonical lap table, section side table (or None) and facts about the file. Cars in order of
    first appearance, or sorted by ``car_key`` (a key function of the car number) when given."""
    path = raw.path
    names = raw.header.names
    for req in REQUIRED:
        if req not in raw.columns:
            raise StintlabFormatError(path, f"required column {req} is missing from the header", line=1, column=req)
    if raw.nrows == 0:
        raise StintlabFormatError(path, "the file has a header but no laps", line=2, column="NUMBER")

    lines = raw.lines
    car_arr = raw.columns["NUMBER"]
    empty_car = pc.equal(pc.utf8_length(car_arr), 0)
    if pc.any(empty_car).as_py():
        i = pc.index(empty_car, True).as_py()
        raise StintlabFormatError(path, "empty car number", line=int(lines[i]), column="NUMBER")
    lap = parse_ints(raw.columns["LAP_NUMBER"], path, "LAP_NUMBER", lines, required=True)
    out_of_range = (lap < 0) | (lap > MAX_LAP)
    if out_of_range.any():  # no race runs 100,000 laps: a corrupt field, and it would overflow int32
        i = int(np.flatnonzero(out_of_range)[0])
        raise StintlabFormatError(
            path,
            f"lap number {raw.text('LAP_NUMBER')[i].as_py()} out of range 0..{MAX_LAP}",
            line=int(lines[i]),
            column="LAP_NUMBER",
        )
    time_cols = ["LAP_TIME", "ELAPSED", "HOUR", "PIT_TIME"]
    time_cols += [f"S{n}" for n in (1, 2, 3) if f"S{n}_SECONDS" not in raw.columns]
    times = parse_time_columns({n: raw.columns[n] for n in time_cols if n in raw.columns}, path, lines)
    for name, values in times.items():  # a race time of years, a lap of days: corrupt
        limit = MAX_RACE_TIME if name in ("ELAPSED", "HOUR") else MAX_LAP_TIME
        _refuse(raw, values > limit, name, f"implausible {name} (more than {limit / 3600:.0f} h)")
    lap_time, elapsed = times["LAP_TIME"], times["ELAPSED"]
    both = np.isnan(elapsed) & np.isnan(lap_time)
    if both.any():  # one of the two can be rebuilt from the other (after sorting), not both
        i = int(np.flatnonzero(both)[0])
        raise StintlabFormatError(path, "empty lap time and race time", line=int(lines[i]), column="LAP_TIME")
    _refuse(raw, lap_time <= 0, "LAP_TIME", "a lap time of zero")

    def sector(n: int) -> np.ndarray:
        secs = f"S{n}_SECONDS"
        if secs in raw.columns:
            values = parse_floats(raw.columns[secs], path, secs, lines)
            _refuse(raw, (values < 0) | (values > MAX_LAP_TIME), secs, "implausible sector time")
            return values
        if f"S{n}" in times:
            return times[f"S{n}"]
        return np.full(raw.nrows, np.nan)

    hour = times.get("HOUR", np.full(raw.nrows, np.nan))
    pit_time = times.get("PIT_TIME", np.full(raw.nrows, np.nan))
    in_lap = pc.equal(pc.utf8_upper(_text(raw, "CROSSING_FINISH_LINE_IN_PIT")), "B").to_numpy(zero_copy_only=False)

    def opt_float(name):
        return parse_floats(raw.columns[name], path, name, lines) if name in raw.columns else np.full(raw.nrows, np.nan)

    def opt_int(name, low=0, high=9):
        if name not in raw.columns:
            return np.full(raw.nrows, np.nan)
        values = parse_ints(raw.columns[name], path, name, lines)
        _refuse(raw, (values < low) | (values > high), name, f"out of range {low}..{high}")
        return values

    has_flags = "FLAG_AT_FL" in raw.columns
    flag = pc.utf8_upper(raw.columns["FLAG_AT_FL"]) if has_flags else pa.nulls(raw.nrows, pa.string())
    # an empty FLAG_AT_FL cell in a file that has the column: a green crossing (docs/formats.md)
    no_flag = pc.equal(flag, "").to_numpy(zero_copy_only=False) if has_flags else np.zeros(raw.nrows, dtype=bool)
    if has_flags and no_flag.any():
        flag = pc.if_else(pc.equal(flag, ""), GREEN_FLAG, flag)

    lap_impr = opt_int("LAP_IMPROVEMENT")
    slot = opt_int("DRIVER_NUMBER", 1, MAX_DRIVER_SLOT)
    car_class, unclassed = _classes(raw)
    cols = {
        "car": _string_series(car_arr),
        "lap": lap.astype("int32"),
        "driver": _driver_names(raw, slot),
        "driver_slot": _int8(slot),
        # a file without a CLASS column is a single-class series: every car in class NO_CLASS
        "class": car_class,
        "group": _string_series(_text(raw, "GROUP")),
        "team": _string_series(_text(raw, "TEAM"), empty_as_na=True),
        "manufacturer": _string_series(_text(raw, "MANUFACTURER"), empty_as_na=True),
        "lap_time": lap_time,
        "s1": sector(1),
        "s2": sector(2),
        "s3": sector(3),
        "elapsed": elapsed,
        "lap_start": np.round(elapsed - lap_time, 3),
        "time_of_day": hour,
        "in_lap": in_lap,
        "out_lap": np.zeros(raw.nrows, dtype=bool),
        "pit_time": pit_time,
        "flag": _string_series(flag, empty_as_na=True) if has_flags else _string_series(pa.nulls(raw.nrows, pa.string())),
        "kph": opt_float("KPH"),
        "top_speed": opt_float("TOP_SPEED"),
        "lap_improvement": _int8(lap_impr),
        "s1_improvement": _int8(opt_int("S1_IMPROVEMENT")),
        "s2_improvement": _int8(opt_int("S2_IMPROVEMENT")),
        "s3_improvement": _int8(opt_int("S3_IMPROVEMENT")),
        "is_car_best": np.isin(lap_impr, (2.0, 3.0)),
        "is_session_best": lap_impr == 3.0,
        "line": lines.astype("int32"),
    }
    cols = {k: (v.array if isinstance(v, pd.Series) else v) for k, v in cols.items()}

    # Sort by car then lap; reject duplicated laps. Cars in order of first appearance, or in the order
    # of ``car_key`` when given (stintlab.load gives the natural order of car numbers: no second sort
    # of the whole table after this one). Published files are mostly in order: then no copy. Errors
    # name the first bad row in (first appearance, lap) order whatever the car order.
    encoded = pc.dictionary_encode(car_arr)
    first_seen = encoded.indices.to_numpy(zero_copy_only=False)
    codes = first_seen
    if car_key is not None:
        uniques = encoded.dictionary.to_pylist()
        rank = np.empty(len(uniques), dtype=first_seen.dtype)
        rank[sorted(range(len(uniques)), key=lambda i: car_key(uniques[i]))] = np.arange(len(uniques))
        codes = rank[first_seen]
    same = codes[1:] == codes[:-1]
    if bool((codes[1:] >= codes[:-1]).all()) and bool((lap[1:][same] >= lap[:-1][same]).all()):
        order = None
    else:
        order = _car_lap_order(codes, lap, len(encoded.dictionary))
        cols = {k: (v.take(order) if isinstance(v, pd.api.extensions.ExtensionArray) else v[order]) for k, v in cols.items()}
        codes, first_seen = codes[order], first_seen[order]

    def first(bad: np.ndarray) -> int:  # the first bad row in (first appearance, lap) order
        rows = np.flatnonzero(bad)
        return int(rows[np.argmin(first_seen[rows])])

    lap_sorted, line_sorted = cols["lap"], cols["line"]
    same_car = np.r_[False, codes[1:] == codes[:-1]]
    dup = same_car & np.r_[False, lap_sorted[1:] == lap_sorted[:-1]]
    if dup.any():
        i = first(dup)
        raise StintlabFormatError(
            path,
            f"car {cols['car'][i]} lap {lap_sorted[i]} appears twice (also on line {line_sorted[i - 1]})",
            line=int(line_sorted[i]),
            column="LAP_NUMBER",
        )
    cols["out_lap"] = same_car & np.r_[False, cols["in_lap"][:-1]]
    filled = _fill_missing_times(cols, same_car, first_seen)
    _check_race_times(path, cols, same_car, first)

    start_tod = float("nan")
    tod = cols["time_of_day"]
    if not np.isnan(tod).all():
        diff = np.mod(tod - cols["elapsed"], 86400.0)
        start_tod = float(np.nanmedian(diff))
        unwrapped = start_tod + cols["elapsed"]
        day = np.round((unwrapped - tod) / 86400.0)
        cols["time_of_day"] = np.round(tod + day * 86400.0, 3)
    df = pd.DataFrame(cols)

    sections = _sections(raw, df, order) if variant_of(names) == "analysis-sections" else None
    facts = {
        "variant": variant_of(names),
        "columns": len(names),
        "separator": raw.header.separator,
        "bom": raw.header.bom,
        "crlf": raw.header.crlf,
        "has_flags": has_flags,
        "start_time_of_day": start_tod,
        "extra_columns": [n for n in names if n not in _KNOWN],
        "filled_times": filled,  # source lines whose empty LAP_TIME or ELAPSED was rebuilt
        "green_flag_lines": [int(x) for x in lines[no_flag]],  # empty FLAG_AT_FL read as GF
        "unclassed_cars": unclassed,  # cars with no CLASS on any row: class NO_CLASS
    }
    return df, sections, facts


def _car_lap_order(codes: np.ndarray, lap: np.ndarray, ncars: int) -> np.ndarray:
    """``np.lexsort((lap, codes))``: rows by car code, then lap, file order kept among equals. A file
    whose rows are grouped by car (each car's laps in order) but whose cars are not in the wanted
    order is the common case: a stable sort of the codes alone (a radix sort for 16-bit codes: 0.02
    ms against 0.2 ms for 18,765 rows) gives the same order when each car's laps then come in order;
    else the two-key sort."""
    if ncars < 2**15:
        small = codes.astype(np.int16)
        order = np.argsort(small, kind="stable")
        ordered, laps = small[order], lap[order]
        same = ordered[1:] == ordered[:-1]
        if bool((laps[1:][same] >= laps[:-1][same]).all()):
            return order
    return np.lexsort((lap, codes))


def _fill_missing_times(cols: dict, same_car: np.ndarray, first_seen: np.ndarray) -> list[int]:
    """Rebuild an empty LAP_TIME from the ELAPSED of this lap and the previous one (or an empty
    ELAPSED from the previous ELAPSED and this LAP_TIME): consecutive ELAPSED differences equal
    LAP_TIME exactly in every published file. Returns the source lines filled (``meta``), in (first
    appearance, lap) order."""
    lt, el = cols["lap_time"], cols["elapsed"]
    holes = np.flatnonzero(np.isnan(lt) | np.isnan(el))
    if not len(holes):
        return []
    lt, el = lt.copy(), el.copy()
    for i in holes:  # in (car, lap) order, so a filled ELAPSED serves the next hole
        prev = el[i - 1] if i > 0 and same_car[i] else 0.0
        if np.isnan(lt[i]):
            lt[i] = round(el[i] - prev, 3)
        else:
            el[i] = round(prev + lt[i], 3)
    cols["lap_time"], cols["elapsed"] = lt, el
    cols["lap_start"] = np.round(el - lt, 3)
    holes = holes[np.argsort(first_seen[holes], kind="stable")]
    return [int(x) for x in cols["line"][holes]]


def _sections(raw: RawTable, df: pd.DataFrame, order: np.ndarray | None) -> pd.DataFrame:
    """The section side table, rows in the lap table's order (``order``: the sort of the file's rows, None
    when they were in order)."""
    loops: dict[str, dict[str, str]] = {}
    for n in raw.header.names:
        if n in _KNOWN:
            continue
        m = _SECTION_RE.match(n)
        if m:
            loops.setdefault(m["loop"], {})[m["kind"].lower()] = n
    parts = []
    for loop, kinds in loops.items():
        t = (
            parse_times(raw.columns[kinds["time"]], raw.path, kinds["time"], raw.lines)
            if "time" in kinds
            else np.full(raw.nrows, np.nan)
        )
        e = (
            parse_times(raw.columns[kinds["elapsed"]], raw.path, kinds["elapsed"], raw.lines)
            if "elapsed" in kinds
            else np.full(raw.nrows, np.nan)
        )
        parts.append(
            pd.DataFrame(
                {
                    "car": df["car"].to_numpy(),
                    "lap": df["lap"].to_numpy(),
                    "loop": pd.array([loop] * raw.nrows, dtype="string"),
                    "time": t if order is None else t[order],
                    "elapsed": e if order is None else e[order],
                }
            )
        )
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame({c.name: [] for c in SECTION_COLUMNS})
    for c in SECTION_COLUMNS:
        out[c.name] = out[c.name].astype(c.dtype)
    return out


def _check_schema(df: pd.DataFrame) -> pd.DataFrame:
    return df[[c.name for c in LAP_COLUMNS]].astype({c.name: c.dtype for c in LAP_COLUMNS})
