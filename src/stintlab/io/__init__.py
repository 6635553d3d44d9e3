"""Readers: one module per source format, each producing a canonical table.

:func:`read_file` detects the format from the header line (never from the file name)
and dispatches:

- Al Kamel Analysis lap files → :mod:`stintlab.io.alkamel_laps` (canonical lap table)
- official classifications (IMSA and WEC layouts) → :mod:`stintlab.io.classification`
- weather files → :mod:`stintlab.io.weather`
- SRO sector lists (``sro-laps``) → :mod:`stintlab.io.sro` (canonical lap table, with the pit-stop
  file and entry list found beside them); SRO pit-stop files alone (``sro-pitstops``) → their stop table
- WIGE exports (Nürburgring): the lap file ("laps"), the result ("classification") and the sector
  times ("sectors") → :mod:`stintlab.io.wige` (``facts["format"] == "wige"``)
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from stintlab.errors import StintlabFormatError
from stintlab.io import alkamel_laps, classification, sro, weather, wige
from stintlab.io.text import read_bytes, read_head, read_table, sniff_header

__all__ = [
    "ParsedFile", "HOURLY_RESULTS", "detect_format", "files_of_format", "final_hourly", "final_hourly_results", "read_file",
]  # fmt: skip


@dataclass
class ParsedFile:
    path: str
    format: str  # "laps", "classification", "weather", "sro-pitstops" or "sectors" (WIGE sector times)
    table: pd.DataFrame
    facts: dict = field(default_factory=dict)
    crew: pd.DataFrame | None = None  # classification files
    sections: pd.DataFrame | None = None  # WithSections lap files
    #: the lap table's cars are already in the order of the ``car_key`` given to :func:`read_file`
    in_car_order: bool = False


def detect_format(names: list[str]) -> str | None:
    """Which reader a header belongs to.

    >>> detect_format(["NUMBER", "DRIVER_NUMBER", "LAP_NUMBER", "LAP_TIME", "ELAPSED"])
    'laps'
    >>> detect_format(["POSITION", "NUMBER", "STATUS", "LAPS"])
    'classification'
    >>> detect_format(["TIME_UTC_SECONDS", "AIR_TEMP"])
    'weather'
    >>> detect_format(["Bib", "Class", "Driver1", "Car", "Lap", "Time", "Sector1Time"])
    'sro-laps'
    >>> detect_format(["STNR", "RUNDE", "RUNDENZEIT", "TAGESZEIT", "DRIVERID"])
    'laps'
    """
    wige_kind = wige.kind(names)
    if wige_kind is not None:
        return {"result": "classification"}.get(wige_kind, wige_kind)
    if alkamel_laps.looks_like_laps(names):
        return "laps"
    if classification.looks_like_classification(names):
        return "classification"
    if weather.looks_like_weather(names):
        return "weather"
    if sro.looks_like_sector_list(names):
        return "sro-laps"
    if sro.looks_like_pit_stops(names):
        return "sro-pitstops"
    return None


#: formats whose reader produces the canonical lap table (``read_file(path, expect="laps")``)
LAP_FORMATS = ("laps", "sro-laps")


def files_of_format(folder, fmt: str, *, exclude=None) -> list:
    """The ``.csv`` files directly in ``folder`` whose header line is of format ``fmt`` ("laps",
    "classification" or "weather"), sorted by name; unreadable files are skipped.

    Only the start of each file is read (its header line: 4 KiB, at most 64 KiB).
    """
    return [f for f in _csv_files(folder) if f != exclude and _is_format(f, fmt)]


def _csv_files(folder) -> list[Path]:
    # one directory scan, sorted by name (the order of sorting the paths: same folder), type from the
    # scan itself (symlinks followed, as Path.is_file): no Path built or compared for the other entries
    folder = Path(folder)
    with os.scandir(folder) as it:
        names = sorted(e.name for e in it if os.path.splitext(e.name)[1].lower() == ".csv" and e.is_file())
    return [folder / name for name in names]


def _is_format(path: Path, fmt: str) -> bool:
    """Whether the header line of ``path`` is of format ``fmt`` (False when it cannot be read)."""
    try:
        with open(path, "rb") as fh:
            head = read_head(fh)
        return detect_format(sniff_header(path, head).names) == fmt
    except (OSError, StintlabFormatError):
        return False


#: the name of a timekeeper's hour-by-hour classification (``<session>-race-hour-N-results.csv``), N captured
HOURLY_RESULTS = re.compile(r"(?:^|[-_ ])hour[-_ ]?(\d+)[-_ ]results", re.I)


def final_hourly_results(folder) -> Path | None:
    """The final classification among hour-by-hour ones (WEC/ACO ``<session>-race-hour-N-results.csv``)
    in ``folder`` (:func:`final_hourly`); None when the folder holds no such file."""
    folder = Path(folder)
    if not folder.is_dir():
        return None
    # final_hourly(files_of_format(folder, "classification")), the headers read from the highest hour down
    # until one is a classification (one file read, not every hour's)
    named = [(int(m.group(1)), f.name, f) for f in _csv_files(folder) if (m := HOURLY_RESULTS.search(f.stem))]
    return next((f for _, _, f in sorted(named, reverse=True) if _is_format(f, "classification")), None)


def final_hourly(files) -> Path | None:
    """The final classification among hour-by-hour ones: the highest hour N. Files without an hour in
    their name (``<session>-race-results.csv``) are intermediate hours in the published data
    (``HOURLY.csv``: hour 3 at Le Mans 2023, COTA and São Paulo 2025), never the last one, so they are
    not taken. None when no file is named with an hour."""
    hours = []
    for f in files:
        f = Path(f)
        m = HOURLY_RESULTS.search(f.stem)
        if m:
            hours.append((int(m.group(1)), f.name, f))
    return max(hours)[2] if hours else None


def read_file(path, expect: str | None = None, *, car_key=None) -> ParsedFile:
    """Read any supported timing file; ``expect`` ("laps", ...) rejects other formats. ``car_key``: a key
    function of car numbers the Al Kamel lap reader sorts the cars by (``ParsedFile.in_car_order``);
    other readers give cars in their own order."""
    data = read_bytes(path)
    header = sniff_header(path, data)
    fmt = detect_format(header.names)
    if wige.kind(header.names) is not None:
        return _read_wige(path, fmt, expect)
    if fmt is None and "STNR" in header.names:  # a WIGE header with a column renamed or missing
        k = "laps" if "RUNDE" in header.names else "result" if "RANG" in header.names else "sectors"
        missing = [c for c in wige.REQUIRED[k] if c not in header.names]
        raise StintlabFormatError(
            path, f"a WIGE {k} header without the column(s) {missing}", line=1, column=missing[0] if missing else None
        )
    if fmt is None:
        required = {
            "classification": ("POSITION", "NUMBER", "LAPS"),
            "weather": ("TIME_UTC_SECONDS", "AIR_TEMP"),
        }.get(expect or "", alkamel_laps.REQUIRED)
        missing = [c for c in required if c not in header.names]
        raise StintlabFormatError(
            path,
            "not a known timing file: the header has none of the lap (NUMBER, LAP_NUMBER, LAP_TIME, ELAPSED), "
            f"classification (POSITION, NUMBER, LAPS) or weather (AIR_TEMP) columns; missing {missing}",
            line=1,
            column=missing[0] if missing else None,
        )
    if expect is not None and fmt != expect and not (expect == "laps" and fmt in LAP_FORMATS):
        raise StintlabFormatError(path, f"expected a {expect} file, found a {fmt} file", line=1)
    if fmt == "sro-laps":  # the sector list, with the pit-stop file and entry list beside it
        table, facts, crew = sro.read_race(path, header, data)
        return ParsedFile(str(path), "laps", table, facts, crew=crew)
    if fmt == "sro-pitstops":
        table, facts = sro.read_pit_stops(path, data, header)
        return ParsedFile(str(path), fmt, table, facts)
    padded = alkamel_laps.PADDED if fmt == "laps" else ()
    raw = read_table(path, data, header, ragged=fmt == "classification", padded=padded)
    if fmt == "laps":
        table, sections, facts = alkamel_laps.laps_from_table(raw, car_key)
        return ParsedFile(str(path), fmt, table, facts, sections=sections, in_car_order=car_key is not None)
    if fmt == "classification":
        table, crew, facts = classification.classification_from_table(raw)
        return ParsedFile(str(path), fmt, table, facts, crew=crew)
    table = weather.weather_from_table(raw)
    return ParsedFile(str(path), fmt, table, {})


def _read_wige(path, fmt: str, expect: str | None) -> ParsedFile:
    """A WIGE file read alone (``stintlab.load`` adds the lap file's companions: :func:`wige.companions`)."""
    if expect is not None and fmt != expect:
        raise StintlabFormatError(path, f"expected a {expect} file, found a WIGE {fmt} file", line=1)
    if fmt == "laps":
        table, sections, facts = wige.read_laps(path)
        return ParsedFile(str(path), fmt, table, facts, sections=sections)
    if fmt == "classification":
        table, crew, facts = wige.read_result(path)
        return ParsedFile(str(path), fmt, table, facts, crew=crew)
    raw = wige.read_sectors(path)
    table = pd.DataFrame({k: v.to_pylist() for k, v in raw.columns.items()}).astype("string")
    return ParsedFile(str(path), fmt, table, {"format": wige.FORMAT, "rows": raw.nrows})
