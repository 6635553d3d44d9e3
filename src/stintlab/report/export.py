"""Every table of the race report as CSV files (``stintlab report --csv DIR``): raw values, times in
seconds, car numbers as text, one file per table, written next to each other in one folder.

The tables are the ones :class:`stintlab.race.Race` owns (the report shows the same rows, worded):
``classification``, ``stops``, ``stints``, ``neutralisations``, ``drivers`` (the roster with laps),
``drive_time``, ``rankings`` (driver pace), ``hourly_positions`` and, for the followed car, ``events``.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from stintlab.errors import StintlabUsageError
from stintlab.report import sections
from stintlab.serial import records, write_atomically, write_csv

__all__ = ["report_tables", "write_tables"]


def report_tables(race, car: str | None = None) -> dict[str, pd.DataFrame]:
    """The report's tables by file stem; a table whose analysis is not available is left out."""
    getters = {
        "classification": lambda: race.classification,
        "stops": lambda: sections.stops(race),
        "stints": lambda: sections.stints(race),
        "neutralisations": lambda: sections.neutralisations(race),
        "drivers": lambda: race.drivers,
        "drive_time": lambda: race.drive_time,
        "rankings": lambda: sections.driver_rankings(race),
        "hourly_positions": lambda: sections.hourly_positions(race),
    }
    if car is not None:
        getters["events"] = lambda: sections.car_timeline(race, car)
    out = {}
    for name, get in getters.items():
        try:
            table = get()
        except Exception:  # noqa: BLE001 - an analysis that fails leaves its table out, as in the report
            continue
        if isinstance(table, pd.DataFrame):
            out[name] = table
    return out


def write_tables(race, folder, car: str | None = None) -> dict[str, str]:
    """Write :func:`report_tables` as ``<folder>/<name>.csv`` (folder created when missing; each
    file through a temporary file, renamed once complete). Returns {name: path}."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise StintlabUsageError(f"{folder}: cannot create the folder ({e.strerror or e})") from None
    if not folder.is_dir():
        raise StintlabUsageError(f"{folder}: not a folder")
    written = {}
    for name, table in report_tables(race, car).items():
        buf = io.StringIO()
        write_csv(buf, records(table), [str(c) for c in table.columns])
        path = folder / f"{name}.csv"
        write_atomically(path, buf.getvalue(), newline="")
        written[name] = str(path)
    return written
