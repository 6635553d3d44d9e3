"""Official classification files: IMSA/Al Kamel results and the WEC/ACO layout (domain.md §1.3).

Both become one canonical classification table (one row per car) and a crew table
(one row per driver, with the FIA category where the file has it).

>>> normalise_category("Platinium")
'Platinum'
>>> parse_gap("1 Lap"), parse_gap("+4.704"), parse_gap("20 Laps"), parse_gap("-")
((1, nan), (0, 4.704), (20, nan), (0, 0.0))
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa

from stintlab.errors import StintlabFormatError
from stintlab.io.alkamel_laps import MAX_LAP
from stintlab.io.text import RawTable
from stintlab.io.values import fixed_format_times, parse_ints, parse_time_text, parse_times, shown

__all__ = [
    "CLASSIFICATION_COLUMNS",
    "CREW_COLUMNS",
    "looks_like_classification",
    "classification_from_table",
    "normalise_category",
    "CATEGORY_SPELLINGS",
    "parse_gap",
]

CLASSIFICATION_COLUMNS = (
    "position", "class_position", "car", "class", "group", "division", "team", "vehicle", "tyres", "status",
    "laps", "total_time", "gap_first", "gap_first_laps", "gap_first_seconds", "gap_previous",
    "fastest_lap_number", "fastest_lap_time", "fastest_lap_kph", "line",
)  # fmt: skip
CREW_COLUMNS = ("car", "slot", "driver", "first_name", "last_name", "category", "country", "short_name")

#: the FIA categories as files spell them (lower case) -> the category (the one table: analysis.categories uses it)
CATEGORY_SPELLINGS = {"platinum": "Platinum", "platinium": "Platinum", "gold": "Gold", "silver": "Silver", "bronze": "Bronze"}


def normalise_category(value) -> str | None:
    """FIA driver category with the file's spelling fixed; None when absent or unknown."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    text = str(value).strip()
    return CATEGORY_SPELLINGS.get(text.lower()) or CATEGORY_SPELLINGS.get(text.rstrip("*").lower()) or (text or None)


def parse_gap(text: str) -> tuple[int, float]:
    """(laps behind, seconds behind at equal laps); seconds NaN when the gap is in laps."""
    t = (text or "").strip()
    if t in ("", "-"):
        return 0, 0.0
    m = _LAPS_GAP.match(t)
    if m:
        return int(m.group(1)), float("nan")
    try:
        return 0, parse_time_text(t.lstrip("+"))
    except ValueError:
        return 0, float("nan")


_LAPS_GAP = re.compile(r"^(\d+)\s*Laps?$", re.IGNORECASE)


def _gaps(texts: list) -> list[tuple[int, float]]:
    """:func:`parse_gap` of each text (None read as empty), the time gaps in one pass of the time kernel;
    the values it does not read go through :func:`parse_gap` one by one (same figures, same errors)."""
    out: list = [None] * len(texts)
    rows, times = [], []
    for i, g in enumerate(texts):
        t = (g or "").strip()
        if t in ("", "-"):
            out[i] = (0, 0.0)
        elif (m := _LAPS_GAP.match(t)) is not None:
            out[i] = (int(m.group(1)), float("nan"))
        else:
            rows.append(i)
            times.append(t.lstrip("+").strip())
    if rows:
        seconds, rest = fixed_format_times(pa.array(times, type=pa.string()))
        for i, secs, slow in zip(rows, seconds.tolist(), rest.tolist()):
            out[i] = parse_gap(texts[i] or "") if slow or secs != secs else (0, secs)
    return out


def looks_like_classification(names: list[str]) -> bool:
    s = set(names)
    return {"POSITION", "NUMBER", "LAPS"} <= s or {"POS", "NUMBER", "LAPS"} <= s


def classification_from_table(raw: RawTable) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Canonical classification and crew tables from a results file."""
    path = raw.path
    c = raw.columns
    pos_name = "POSITION" if "POSITION" in c else "POS"
    for req in (pos_name, "NUMBER", "LAPS"):
        if req not in c:
            raise StintlabFormatError(path, f"required column {req} is missing from the header", line=1, column=req)
    if raw.nrows == 0:
        raise StintlabFormatError(path, "the file has a header but no cars", line=2, column=pos_name)
    n = raw.nrows

    def text(name):
        return [v or None for v in c[name].to_pylist()] if name in c else [None] * n

    lines = raw.lines

    def whole(name):  # positions, laps, lap numbers: 0..MAX_LAP (an Int32 column beyond that is corrupt)
        if name not in c:
            return np.full(n, np.nan)
        values = parse_ints(c[name], path, name, lines)
        bad = (values < 0) | (values > MAX_LAP)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise StintlabFormatError(
                path, f"out of range 0..{MAX_LAP}: {shown(c[name][i].as_py())}", line=int(lines[i]), column=name
            )
        return values

    laps = whole("LAPS")
    position = whole(pos_name)
    total = parse_times(c["TOTAL_TIME"], path, "TOTAL_TIME", lines) if "TOTAL_TIME" in c else np.full(n, np.nan)
    fl_time = parse_times(c["FL_TIME"], path, "FL_TIME", lines) if "FL_TIME" in c else np.full(n, np.nan)
    fl_lap = whole("FL_LAPNUM")
    fl_kph = (
        pd.to_numeric(pd.Series(text("FL_KPH")), errors="coerce").to_numpy(dtype=float)
        if "FL_KPH" in c
        else np.full(n, np.nan)
    )
    gaps = _gaps(text("GAP_FIRST"))
    cars = text("NUMBER")
    if None in cars:
        i = cars.index(None)
        raise StintlabFormatError(path, "empty car number", line=int(lines[i]), column="NUMBER")
    seen: set = set()
    for i, car in enumerate(cars):
        if car in seen:
            raise StintlabFormatError(path, f"car {car} is classified twice", line=int(lines[i]), column="NUMBER")
        seen.add(car)
    # rows by position (missing positions last, file order kept among equals), then the class
    # positions counted down that order: plain lists, one DataFrame built at the end (62 rows: pandas
    # sorting and grouping cost more than the data)
    order = sorted(range(n), key=lambda i: (np.isnan(position[i]), 0.0 if np.isnan(position[i]) else position[i]))
    cls = text("CLASS")
    in_class: dict = {}
    class_position = []
    for i in order:
        in_class[cls[i]] = in_class.get(cls[i], 0) + 1
        class_position.append(in_class[cls[i]])

    def strings(values: list) -> pd.arrays.ArrowStringArray:
        return _strings([values[i] for i in order])

    def whole_numbers(values) -> pd.arrays.IntegerArray:
        ordered = np.asarray(values, dtype=np.float64)[order]  # whole numbers 0..MAX_LAP or NaN
        missing = np.isnan(ordered)
        return pd.arrays.IntegerArray(np.where(missing, 0, ordered).astype(np.int32), missing)

    def floats(values) -> np.ndarray:
        return np.asarray(values, dtype=np.float64)[order]

    columns = {
        "position": whole_numbers(position),
        "class_position": pd.arrays.IntegerArray(np.array(class_position, dtype=np.int32), np.zeros(n, dtype=bool)),
        "car": strings(cars),
        "class": strings(cls),
        "group": strings(text("GROUP")),
        "division": strings(text("DIVISION")),
        "team": strings(text("TEAM")),
        "vehicle": strings(text("VEHICLE")),
        "tyres": strings(text("TIRES") if "TIRES" in c else text("TYRES")),
        "status": strings(text("STATUS")),
        "laps": whole_numbers(laps),
        "total_time": floats(total),
        "gap_first": strings(text("GAP_FIRST")),
        "gap_first_laps": pd.array([gaps[i][0] for i in order], dtype="Int32"),
        "gap_first_seconds": floats([g[1] for g in gaps]),
        "gap_previous": strings(text("GAP_PREVIOUS")),
        "fastest_lap_number": whole_numbers(fl_lap),
        "fastest_lap_time": floats(fl_time),
        "fastest_lap_kph": floats(fl_kph),
        "line": lines.astype("int32")[order],
    }
    df = pd.DataFrame({k: columns[k] for k in CLASSIFICATION_COLUMNS})
    spellings: list[tuple] = []
    crew = _crew(raw, text, lines, spellings)
    layout = "imsa" if any(k.startswith("DRIVER1_") for k in c) else "wec"
    return df, crew, {"layout": layout, "category_spellings": spellings}


def _crew(raw: RawTable, text, lines=None, spellings: list | None = None) -> pd.DataFrame:
    """The crew table; ``spellings`` receives (line, column, as written, read as) of each FIA category
    whose spelling was fixed (``Platinium`` → Platinum: ``race.issues`` rule ``category_spelling``)."""
    c = raw.columns
    cars = text("NUMBER")
    rows = []
    for slot in range(1, 10):
        first, second = f"DRIVER{slot}_FIRSTNAME", f"DRIVER{slot}_SECONDNAME"
        wec = f"DRIVER_{slot}"
        if first in c or second in c:
            firsts, lasts = text(first), text(second)
            lic = text(f"DRIVER{slot}_LICENSE")
            rating = text(f"DRIVER{slot}_IMSA_DriverRatingLong")
            country = text(f"DRIVER{slot}_COUNTRY")
            short = text(f"DRIVER{slot}_SHORTNAME")
            for i, car in enumerate(cars):
                if not (firsts[i] or lasts[i]):
                    continue
                name = " ".join(x for x in (firsts[i], lasts[i]) if x)
                written = lic[i] or rating[i]
                category = normalise_category(written)
                if spellings is not None and category and written and category != written.strip():
                    column = f"DRIVER{slot}_LICENSE" if lic[i] else f"DRIVER{slot}_IMSA_DriverRatingLong"
                    spellings.append((int(lines[i]) if lines is not None else None, column, written, category))
                rows.append((car, slot, name, firsts[i], lasts[i], category, country[i], short[i]))
        elif wec in c:
            names = text(wec)
            for i, car in enumerate(cars):
                if names[i]:
                    first, last = _split_name(names[i])
                    rows.append((car, slot, names[i], first, last, None, None, None))
    return crew_frame(rows)


def crew_frame(rows: list[tuple]) -> pd.DataFrame:
    """The crew table of ``rows`` (tuples in :data:`CREW_COLUMNS` order; car and slot never missing),
    sorted by car (as text) and slot, the rows' order kept among equals."""
    rows = sorted(rows, key=lambda r: (r[0], r[1]))  # stable; str order = the UTF-8 byte order of Arrow
    columns = list(zip(*rows)) if rows else [()] * len(CREW_COLUMNS)
    return pd.DataFrame(
        {
            name: pd.array(list(values), dtype="Int8") if name == "slot" else _strings(list(values))
            for name, values in zip(CREW_COLUMNS, columns)
        }
    )


def _strings(values: list) -> pd.arrays.ArrowStringArray:
    """The ``string`` column of ``values`` (text or None), built by pyarrow: ``pd.array(values,
    dtype="string")`` without pandas' per-call inference (twenty small columns per file); pandas' own
    constructor when its ``string`` dtype is not stored by pyarrow (``mode.string_storage``)."""
    if pd.StringDtype().storage != "pyarrow":
        return pd.array(values, dtype="string")
    return pd.arrays.ArrowStringArray(pa.array(values, type=pa.string()))


def _split_name(full: str) -> tuple[str | None, str | None]:
    """Split "Kévin ESTRE" / "Renger van der Zande" into (first, last).

    >>> _split_name("Kévin ESTRE"), _split_name("Renger van der Zande")
    (('Kévin', 'ESTRE'), ('Renger', 'van der Zande'))
    """
    parts = full.split()
    if len(parts) < 2:
        return None, full
    upper = [i for i, p in enumerate(parts) if p.isupper() and len(p) > 1]
    if upper:
        return " ".join(parts[: upper[0]]) or None, " ".join(parts[upper[0] :])
    return parts[0], " ".join(parts[1:])
