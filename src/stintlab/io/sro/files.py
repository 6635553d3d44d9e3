"""The two SRO CSV exports, each read into a plain table with the source line of every row.

Sector list (``*_SectorListCSV_1.0.CSV``): ``Bib;Class;Driver1..Driver4;Car;Lap;Time;Sector1Time;
SpeedTrap1;Sector2Time;SpeedTrap2;Sector3Time;SpeedTrap3;TopSpeed``; the header line is repeated
every few rows like a page break (those lines are skipped, and must equal the first header).

Pit stops (``*_PitStopsCsv_1.0.CSV``): ``Nr;Driver in;Day time in;Time in;Driver out;Day time out;
Time out;Nett Time;Reason;Lap In``; ``Time in``/``Time out`` are race time, ``Day time`` time of day;
a stop with no exit has a blank ``Driver out`` and empty exit fields.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from stintlab.errors import StintlabFormatError
from stintlab.io.sro.text import as_utf8
from stintlab.io.text import Header, RawTable, read_table
from stintlab.io.values import parse_floats, parse_ints, parse_time_columns, shown

__all__ = ["CREW", "crews", "records", "take_rows", "rows_of", "pit_stop_columns", "SECTOR_REQUIRED", "PIT_REQUIRED", "looks_like_sector_list", "looks_like_pit_stops", "read_sector_list",
           "read_pit_stops"]  # fmt: skip

SECTOR_REQUIRED = ("Bib", "Lap", "Time", "Driver1")
SECTOR_TIMES = ("Time", "Sector1Time", "Sector2Time", "Sector3Time")
PIT_REQUIRED = ("Nr", "Driver in", "Time in", "Driver out", "Time out", "Lap In")
MAX_LAP = 100_000
MAX_RACE_TIME = 100 * 3600.0


def looks_like_sector_list(names: list[str]) -> bool:
    """The sector list's header (by its column names).

    >>> looks_like_sector_list(["Bib", "Class", "Driver1", "Car", "Lap", "Time", "Sector1Time"])
    True
    """
    return {"Bib", "Lap"} <= set(names)  # the rest of SECTOR_REQUIRED is checked on read (a located error)


def looks_like_pit_stops(names: list[str]) -> bool:
    """The pit-stop file's header (by its column names).

    >>> looks_like_pit_stops(["Nr", "Driver in", "Day time in", "Time in", "Driver out", "Time out", "Lap In"])
    True
    """
    return {"Nr", "Lap In"} <= set(names)  # the rest of PIT_REQUIRED is checked on read


def _raw(path, data: bytes, header: Header, required: tuple[str, ...], what: str) -> tuple[RawTable, str]:
    missing = [c for c in required if c not in header.names]
    if missing:
        raise StintlabFormatError(path, f"not an SRO {what}: the header lacks {missing}", line=1, column=missing[0])
    utf8, encoding = as_utf8(path, data, header.names, header.separator)
    return read_table(path, utf8, header), encoding


def _drop_repeated_headers(raw: RawTable) -> tuple[RawTable, int]:
    """Skip the lines that repeat the header (the sector list's page breaks); a header-like line
    that differs from the first header is refused (a changed layout in mid-file)."""
    first = raw.header.names[0]
    is_head = pc.equal(raw.columns[first], first).to_numpy(zero_copy_only=False)
    if not is_head.any():
        return raw, 0
    rows = np.flatnonzero(is_head)
    taken = pa.array(rows)
    for name in raw.header.names:
        differs = pc.not_equal(raw.columns[name].take(taken), name).to_numpy(zero_copy_only=False)  # header lines only
        if differs.any():
            i = int(rows[np.flatnonzero(differs)[0]])
            raise StintlabFormatError(
                raw.path, f"a repeated header line differs from the first header: {shown(raw.columns[name][i].as_py())} "
                f"where the header has {name!r}", line=int(raw.lines[i]), column=name)  # fmt: skip
    keep = pa.array(~is_head)
    cols = {n: c.filter(keep) for n, c in raw.columns.items()}  # column by column: 3x faster than a record batch
    kept = RawTable(raw.path, raw.header, cols, int((~is_head).sum()), raw.lines[~is_head])
    return kept, int(is_head.sum())


def _car_and_lap(raw: RawTable, car_col: str, lap_col: str, what: str) -> tuple[pa.Array, np.ndarray]:
    """The car column (no empty cell) and the lap numbers (1..MAX_LAP) of a sector list or pit-stop
    file, each bad cell refused with its line and column."""
    path, lines = raw.path, raw.lines
    car = raw.columns[car_col]
    empty = pc.equal(pc.utf8_length(car), 0)
    if pc.any(empty).as_py():
        i = pc.index(empty, True).as_py()
        raise StintlabFormatError(path, f"{what} without a car (empty {car_col})", line=int(lines[i]), column=car_col)
    lap = parse_ints(raw.columns[lap_col], path, lap_col, lines, required=True)
    bad = (lap < 1) | (lap > MAX_LAP)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise StintlabFormatError(path, f"lap number {int(lap[i])} out of range 1..{MAX_LAP}", line=int(lines[i]),
                                  column=lap_col)  # fmt: skip
    return car, lap


def _strings(arr: pa.Array) -> np.ndarray:
    return np.asarray(arr.to_pylist(), dtype=object)


def _repeated_strings(arr: pa.Array) -> np.ndarray:
    """:func:`_strings` of a column of few distinct values (the car of every lap): one Python string per value."""
    encoded = pc.dictionary_encode(arr)
    values = np.asarray(encoded.dictionary.to_pylist() + [None], dtype=object)  # [None]: a null cell
    return values[encoded.indices.fill_null(len(values) - 1).to_numpy(zero_copy_only=False)]


def _plain_strings(arr) -> pa.Array:
    """A pyarrow ``string`` array (one chunk, 32-bit offsets) of a raw column."""
    arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    return arr if arr.type == pa.string() else arr.cast(pa.string())


def records(table) -> list:
    """The rows of a small table (a DataFrame, or a dict of numpy columns) as named tuples of Python values,
    like ``itertuples(index=False)`` but column by column (string columns in arrow are not walked value by
    value); columns must be identifiers."""
    names = list(table.columns) if isinstance(table, pd.DataFrame) else list(table)
    row = namedtuple("Row", names)  # noqa: PYI024
    return [row._make(values) for values in zip(*(table[c].tolist() for c in names))]


#: the sector list's crew columns (Driver1..Driver4) in its table
CREW = ("driver1", "driver2", "driver3", "driver4")


def crews(rows) -> list[tuple]:
    """(Driver1, .., Driver4) of each row of a sector-list table (a DataFrame or a dict of numpy columns)."""
    return list(zip(*(rows[c].tolist() for c in CREW)))


def take_rows(columns: dict, rows) -> dict:
    """The ``rows`` (positions) of a table held as columns (numpy arrays or pyarrow arrays)."""
    taken = pa.array(np.asarray(rows, dtype=np.int64))
    return {k: v.take(taken) if isinstance(v, pa.Array) else v[rows] for k, v in columns.items()}


def rows_of(columns: dict, rows) -> dict:
    """A few ``rows`` of a table held as columns, every column a numpy array (strings as Python objects)."""
    return {k: np.asarray(v.to_pylist(), dtype=object) if isinstance(v, pa.Array) else v
            for k, v in take_rows(columns, rows).items()}  # fmt: skip


def read_sector_list(path, data: bytes, header: Header) -> tuple[dict, dict]:
    """One row per data line, in file order, as columns (no DataFrame: the reader works on arrays):
    car (numpy objects), lap (int64), time, s1, s2, s3, top_speed (float64, NaN when empty), class,
    car_model, driver1..driver4 (:data:`CREW`; pyarrow ``string`` arrays), line (int64); and facts
    (encoding, repeated headers)."""
    raw, encoding = _raw(path, data, header, SECTOR_REQUIRED, "sector list")
    raw, repeats = _drop_repeated_headers(raw)
    if raw.nrows == 0:
        raise StintlabFormatError(path, "the sector list has a header but no laps", line=2, column="Bib")
    lines = raw.lines
    car, lap = _car_and_lap(raw, "Bib", "Lap", "a lap")
    times = parse_time_columns({n: raw.columns[n] for n in SECTOR_TIMES if n in raw.columns}, path, lines)
    for name, values in times.items():
        if (values > MAX_RACE_TIME).any() or (values <= 0).any():
            i = int(np.flatnonzero((values > MAX_RACE_TIME) | (values <= 0))[0])
            raise StintlabFormatError(path, f"implausible {name}: {shown(raw.columns[name][i].as_py())}",
                                      line=int(lines[i]), column=name)  # fmt: skip
    nan = np.full(raw.nrows, np.nan)
    speed = parse_floats(raw.columns["TopSpeed"], path, "TopSpeed", lines) if "TopSpeed" in raw.columns else nan
    empty = pa.repeat(pa.scalar("", pa.string()), raw.nrows)
    table = {
        "car": _repeated_strings(car),  # objects: compared and grouped row by row
        "lap": lap.astype("int64"),
        "time": times["Time"],
        "s1": times.get("Sector1Time", nan),
        "s2": times.get("Sector2Time", nan),
        "s3": times.get("Sector3Time", nan),
        "top_speed": speed,
        "class": _plain_strings(raw.columns.get("Class", empty)),
        "car_model": _plain_strings(raw.columns.get("Car", empty)),
        **{c: _plain_strings(raw.columns.get(f"Driver{k}", empty)) for k, c in enumerate(CREW, 1)},
        "line": lines.astype("int64"),
    }
    facts = {"separator": header.separator, "bom": header.bom, "crlf": header.crlf, "encoding": encoding,
             "repeated_headers": repeats, "columns": len(header.names)}  # fmt: skip
    return table, facts


def read_pit_stops(path, data: bytes, header: Header) -> tuple[pd.DataFrame, dict]:
    """One row per stop, in file order: car, driver_in, time_in, day_in, driver_out, time_out, nett,
    lap_in, reason, line (times in seconds, NaN when empty)."""
    columns, facts = pit_stop_columns(path, data, header)
    return pd.DataFrame(columns), facts


def pit_stop_columns(path, data: bytes, header: Header) -> tuple[dict, dict]:
    """The columns of :func:`read_pit_stops` as numpy arrays (strings as objects), checked the same way."""
    raw, encoding = _raw(path, data, header, PIT_REQUIRED, "pit-stop file")
    lines = raw.lines
    car, lap = _car_and_lap(raw, "Nr", "Lap In", "a pit stop")
    names = [n for n in ("Time in", "Time out", "Nett Time", "Day time in") if n in raw.columns]
    times = parse_time_columns({n: raw.columns[n] for n in names}, path, lines)
    missing_in = np.isnan(times["Time in"])
    if missing_in.any():
        i = int(np.flatnonzero(missing_in)[0])
        raise StintlabFormatError(path, "a pit stop without its entry time", line=int(lines[i]), column="Time in")
    nan = np.full(raw.nrows, np.nan)
    table = {
        "car": _strings(car),
        "driver_in": _strings(raw.columns["Driver in"]),
        "time_in": times["Time in"],
        "day_in": times.get("Day time in", nan),
        "driver_out": _strings(raw.columns["Driver out"]),
        "time_out": times["Time out"],
        "nett": times.get("Nett Time", nan),
        "lap_in": lap.astype("int64"),
        "reason": _strings(raw.columns["Reason"]) if "Reason" in raw.columns else np.full(raw.nrows, "", dtype=object),
        "line": lines.astype("int64"),
    }
    early = table["time_out"] < table["time_in"]
    if early.any():
        i = int(np.flatnonzero(early)[0])
        raise StintlabFormatError(path, "the car leaves the pits before it entered them (Time out < Time in)",
                                  line=int(lines[i]), column="Time out")  # fmt: skip
    return table, {"encoding": encoding}
