"""WIGE ``RENNEN_RESULT.CSV``: the official classification of an NLS / N24 race.

One row per entered car, in the official order (INDEX). What becomes what:

- RANG → ``position`` (empty for a car that is not classified: DNF, DNC, DSQ, DNS), KLASSENRANG →
  ``class_position`` (as printed), RUNDEN → ``laps``, GESAMTZEIT → ``total_time`` (the car's own race
  clock from its start group's signal, penalties included), RUECKSTAND → ``gap_first`` ("8:20.429",
  "1 Runde", "28 Runden"), GAP → ``gap_previous``, SCHNELLSTE RUNDE / SCHNELLSTE_IN_RUNDE /
  SCHNELLSTE_SCHNITT → fastest lap time, number and km/h;
- STATUS: empty → ``Classified``, DNF → ``Retired``, DNC → ``Not classified``, DSQ → ``Disqualified``,
  DNS → ``Did not start`` (the code as printed stays in ``status_printed``);
- STRAFZEITEN ("1:05.000", "2:35.306/-1 lap") → ``penalty_time`` seconds and ``penalty_laps``;
- STARTGRUPPE → ``start_group``; BOXENSTOPS → ``pit_stops``; HERSTELLER → ``manufacturer``.

The crew table has one row per filled FAHRERn slot (n = 1..8): the name as "first LAST" parts, the
licence (FAHRERn_LIZENZ, a national licence number, not an FIA grade: ``category`` stays empty), the
nation, and the official laps and drive time of that driver (FAHRERn_RUNDEN / FAHRERn_ZEIT).

>>> parse_penalty("2:35.306/-1 lap"), parse_penalty("30.000"), parse_penalty("")
((155.306, 1), (30.0, 0), (nan, 0))
>>> parse_gap_de("1 Runde"), parse_gap_de("28 Runden"), parse_gap_de("8:20.429"), parse_gap_de("")
((1, nan), (28, nan), (0, 500.429), (0, 0.0))
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa

from stintlab.errors import StintlabFormatError
from stintlab.io.classification import CLASSIFICATION_COLUMNS, CREW_COLUMNS
from stintlab.io.text import RawTable
from stintlab.io.values import fixed_format_times, parse_time_columns, parse_time_text, parse_times, shown

__all__ = ["RESULT_REQUIRED", "STATUS", "WIGE_CLASSIFICATION_EXTRA", "WIGE_CREW_EXTRA", "parse_gap_de", "parse_penalty", "result_from_table"]

RESULT_REQUIRED = ("STNR", "RANG", "KLASSENRANG", "RUNDEN", "GESAMTZEIT", "STATUS")
STATUS = {"": "Classified", "DNF": "Retired", "DNC": "Not classified", "DSQ": "Disqualified", "DNS": "Did not start"}
WIGE_CLASSIFICATION_EXTRA = ("status_printed", "penalty_time", "penalty_laps", "start_group", "pit_stops", "manufacturer")
WIGE_CREW_EXTRA = ("licence", "laps", "drive_time")
MAX_SLOTS = 8
_PENALTY_RE = re.compile(r"^(?P<time>[0-9:.]*)\s*(?:/\s*-(?P<laps>\d+)\s*laps?)?$", re.IGNORECASE)


def parse_penalty(text: str) -> tuple[float, int]:
    """(seconds added, laps deducted) of a STRAFZEITEN cell; ValueError when it is neither."""
    t = (text or "").strip()
    m = _PENALTY_RE.match(t)
    if not m:
        raise ValueError(t)
    seconds = parse_time_text(m["time"]) if m["time"] else float("nan")
    return seconds, int(m["laps"] or 0)


def parse_gap_de(text: str) -> tuple[int, float]:
    """(laps behind, seconds behind at equal laps) of a RUECKSTAND cell ("1 Runde", "3 Runden", "8:20.429")."""
    t = (text or "").strip()
    if not t:
        return 0, 0.0
    m = re.match(r"^(\d+)\s*Runden?$", t, re.IGNORECASE)
    if m:
        return int(m.group(1)), float("nan")
    return 0, parse_time_text(t)


def result_from_table(raw: RawTable) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Official classification (:data:`CLASSIFICATION_COLUMNS` plus :data:`WIGE_CLASSIFICATION_EXTRA`)
    and crew (:data:`CREW_COLUMNS` plus :data:`WIGE_CREW_EXTRA`) tables, and facts."""
    path, c, lines = raw.path, raw.columns, raw.lines
    for req in RESULT_REQUIRED:
        if req not in c:
            raise StintlabFormatError(path, f"required column {req} is missing from the header", line=1, column=req)
    if raw.nrows == 0:
        raise StintlabFormatError(path, "the file has a header but no cars", line=2, column="STNR")
    n = raw.nrows

    def text(name):
        return [v or None for v in c[name].to_pylist()] if name in c else [None] * n

    def whole(name, high=100_000):
        out = []
        for i, v in enumerate(text(name)):
            if v is None:
                out.append(None)
            elif v.isdigit() and int(v) <= high:
                out.append(int(v))
            else:
                raise StintlabFormatError(path, f"not a whole number: {shown(v)}", line=int(lines[i]), column=name)
        return pd.array(out, dtype="Int32")

    def times(name):
        return parse_times(c[name], path, name, lines) if name in c else np.full(n, np.nan)

    cars = text("STNR")
    for i, car in enumerate(cars):
        if car is None:
            raise StintlabFormatError(path, "empty car number", line=int(lines[i]), column="STNR")
    seen: dict[str, int] = {}
    for i, car in enumerate(cars):
        if car in seen:
            raise StintlabFormatError(path, f"car {car} is classified twice (also on line {seen[car]})", line=int(lines[i]), column="STNR")
        seen[car] = int(lines[i])
    codes = [v or "" for v in text("STATUS")]
    for i, code in enumerate(codes):
        if code.upper() not in STATUS:
            raise StintlabFormatError(path, f"unknown STATUS {shown(code)} (known: DNF, DNC, DSQ, DNS or empty)", line=int(lines[i]), column="STATUS")
    penalties = []
    for i, p in enumerate(text("STRAFZEITEN")):
        try:
            penalties.append(_PLAIN_PENALTIES.get(p or "") or parse_penalty(p or ""))
        except ValueError:
            raise StintlabFormatError(path, f"not a penalty: {shown(p)}", line=int(lines[i]), column="STRAFZEITEN") from None
    gaps = []
    gap_text = text("RUECKSTAND")
    gap_times = _plain_times([g for g in gap_text if g and _TIMEISH.match(g)])
    for i, g in enumerate(gap_text):
        known = gap_times.get(g) if g else None
        if known is not None:
            gaps.append((0, known))
            continue
        try:
            gaps.append(parse_gap_de(g or ""))
        except ValueError:
            raise StintlabFormatError(path, f"not a gap: {shown(g)}", line=int(lines[i]), column="RUECKSTAND") from None
    laps = whole("RUNDEN")
    total = times("GESAMTZEIT")
    total = np.where(np.asarray(laps.fillna(0)) == 0, np.nan, total)  # DNS / DSQ rows print 00.000
    team = [t or b for t, b in zip(text("TEAM"), text("BEWERBER"))]
    kph = pd.to_numeric(pd.Series(text("SCHNELLSTE_SCHNITT")), errors="coerce").to_numpy(dtype=float)
    df = pd.DataFrame(
        {
            "position": whole("RANG"),
            "class_position": whole("KLASSENRANG"),
            "car": pd.array(cars, dtype="string"),
            "class": pd.array(text("KLASSE"), dtype="string"),
            "group": pd.array(text("UNTERKLASSE"), dtype="string"),
            "division": pd.array(text("GRUPPE_LANG"), dtype="string"),
            "team": pd.array(team, dtype="string"),
            "vehicle": pd.array(text("FAHRZEUG"), dtype="string"),
            "tyres": pd.array([None] * n, dtype="string"),
            "status": pd.array([STATUS[x.upper()] for x in codes], dtype="string"),
            "laps": laps,
            "total_time": total,
            "gap_first": pd.array(text("RUECKSTAND"), dtype="string"),
            "gap_first_laps": pd.array([g[0] for g in gaps], dtype="Int32"),
            "gap_first_seconds": [g[1] for g in gaps],
            "gap_previous": pd.array(text("GAP"), dtype="string"),
            "fastest_lap_number": whole("SCHNELLSTE_IN_RUNDE"),
            "fastest_lap_time": times("SCHNELLSTE RUNDE"),
            "fastest_lap_kph": kph,
            "line": lines.astype("int32"),
            "status_printed": pd.array([x.upper() or None for x in codes], dtype="string"),
            "penalty_time": [p[0] for p in penalties],
            "penalty_laps": pd.array([p[1] for p in penalties], dtype="Int32"),
            "start_group": pd.array(text("STARTGRUPPE"), dtype="string"),
            "pit_stops": whole("BOXENSTOPS"),
            "manufacturer": pd.array(text("HERSTELLER"), dtype="string"),
        }
    )
    df = df[list(CLASSIFICATION_COLUMNS) + list(WIGE_CLASSIFICATION_EXTRA)]
    return df, _crew(raw, cars, text, times), {"layout": "wige", "encoding": None}


def _crew(raw: RawTable, cars, text, times) -> pd.DataFrame:
    names = list(CREW_COLUMNS) + list(WIGE_CREW_EXTRA)
    cols: dict[str, list] = {k: [] for k in names}
    # the drive times of every filled slot in one pass (an error names the first bad value, slot by slot)
    drive_cols = [f"FAHRER{k}_ZEIT" for k in range(1, MAX_SLOTS + 1) if f"FAHRER{k}_NAME" in raw.columns]
    drives = parse_time_columns({k: raw.columns[k] for k in drive_cols if k in raw.columns}, raw.path, raw.lines)
    for slot in range(1, MAX_SLOTS + 1):
        last_col, first_col = f"FAHRER{slot}_NAME", f"FAHRER{slot}_VORNAME"
        if last_col not in raw.columns:
            continue
        lasts, firsts = text(last_col), text(first_col)
        licences, nations = text(f"FAHRER{slot}_LIZENZ"), text(f"FAHRER{slot}_NATION")
        laps = text(f"FAHRER{slot}_RUNDEN")
        drive = drives.get(f"FAHRER{slot}_ZEIT")
        if drive is None:
            drive = times(f"FAHRER{slot}_ZEIT")
        for i, car in enumerate(cars):
            if not (lasts[i] or firsts[i]):
                continue
            n_laps = int(laps[i]) if laps[i] and laps[i].isdigit() else 0
            row = (car, slot, driver_name(firsts[i], lasts[i]), firsts[i], lasts[i], None, nations[i], None, licences[i],
                   n_laps, float(drive[i]) if n_laps else 0.0)  # fmt: skip
            for k, v in zip(names, row):
                cols[k].append(v)
    # rows by car, then slot (pandas' sort of the strings: code point order, as Python's)
    order = sorted(range(len(cols["car"])), key=lambda j: (cols["car"][j], cols["slot"][j]))
    crew = pd.DataFrame(
        {k: pd.array([cols[k][j] for j in order], dtype="Int8" if k == "slot" else "string")
         for k in CREW_COLUMNS + ("licence",)}  # fmt: skip
    )
    crew["laps"] = np.array([cols["laps"][j] for j in order], dtype="int64")
    crew["drive_time"] = np.array([cols["drive_time"][j] for j in order], dtype="float64")
    return crew[names]


_TIMEISH = re.compile(r"^[0-9:'.]+$")  # a gap at equal laps ("8:20.429"), not "1 Runde"
_PLAIN_PENALTIES = {"": (float("nan"), 0)}  # the cell of a car without a penalty: parse_penalty("")


def _plain_times(values: list[str]) -> dict[str, float]:
    """value -> seconds of the values the fixed-format time kernel reads (one vectorised pass); the
    others are left out (the caller parses them one by one, and names a bad one)."""
    if not values:
        return {}
    got = fixed_format_times(pa.array(values, type=pa.string()))
    if got is None:
        return {}
    seconds, rest = got
    return {v: float(x) for v, x, r in zip(values, seconds.tolist(), rest.tolist()) if not r and x == x}


def driver_name(first: str | None, last: str | None) -> str:
    """A driver as "First Last" (the lap table and the crew table spell every WIGE driver so).

    >>> driver_name("Sven", "Müller"), driver_name(None, "Alesi")
    ('Sven Müller', 'Alesi')
    """
    return " ".join(x for x in (first, last) if x)
