"""The canonical lap table, written down as data.

Every reader in :mod:`stintlab.io` produces exactly these columns, in this order and
with these dtypes, whatever the source file looked like. Analysis code relies on
nothing else. ``docs/data.md`` is generated from :data:`LAP_COLUMNS` (see
``tests/test_schema.py``, which checks that the document and this table agree).

Times are float seconds (``float64``); race time is counted from the start signal,
so it may exceed 24 h. Car numbers are strings: ``"007"`` and ``"7"`` are two cars.

>>> [c.name for c in LAP_COLUMNS][:4]
['car', 'lap', 'driver', 'driver_slot']
>>> column("pit_time").unit
's'
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ColumnSpec",
    "LAP_COLUMNS",
    "SECTION_COLUMNS",
    "column",
    "markdown_table",
    "empty_laps",
    "validate_laps",
]


@dataclass(frozen=True)
class ColumnSpec:
    """One column of a canonical table."""

    name: str
    dtype: str  # pandas dtype name
    unit: str  # "" when unit-less
    meaning: str
    origin: str  # "observed" (read from the file) or "derived" (computed by stintlab)
    source: str = ""  # the source column(s) it comes from, for observed columns


LAP_COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec("car", "string", "", "Car number as printed (string; '007' != '7').", "observed", "NUMBER"),
    ColumnSpec("lap", "int32", "", "Lap number of this car, 1-based.", "observed", "LAP_NUMBER"),
    ColumnSpec("driver", "string", "", "Driver at the wheel on this lap, as the file spells the name.", "observed", "DRIVER_NAME"),
    ColumnSpec("driver_slot", "Int8", "", "Driver's slot in the crew (1..n).", "observed", "DRIVER_NUMBER"),
    ColumnSpec("class", "string", "", "Class of the car (e.g. HYPERCAR, LMP2, LMGT3, GTD).", "observed", "CLASS"),
    ColumnSpec("group", "string", "", "Sub-group (H = hybrid, P/A = LMP2 Pro/Am); empty when none.", "observed", "GROUP"),
    ColumnSpec("team", "string", "", "Team name.", "observed", "TEAM"),
    ColumnSpec("manufacturer", "string", "", "Car manufacturer.", "observed", "MANUFACTURER"),
    ColumnSpec("lap_time", "float64", "s", "Lap time, line to line (includes pit-lane and garage time).", "observed", "LAP_TIME"),
    ColumnSpec("s1", "float64", "s", "Sector 1 time (an out-lap's S1 holds the pit exit).", "observed", "S1 / S1_SECONDS"),
    ColumnSpec("s2", "float64", "s", "Sector 2 time.", "observed", "S2 / S2_SECONDS"),
    ColumnSpec("s3", "float64", "s", "Sector 3 time (an in-lap's S3 holds the pit entry).", "observed", "S3 / S3_SECONDS"),
    ColumnSpec("elapsed", "float64", "s", "Race time when the car crossed the line ending this lap; may exceed 24 h.", "observed", "ELAPSED"),
    ColumnSpec("lap_start", "float64", "s", "Race time when this lap started: elapsed - lap_time.", "derived"),
    ColumnSpec("time_of_day", "float64", "s", "Local time of day at the crossing, seconds after midnight of the start day (unwrapped: 01:00 the next day is 90000).", "derived", "HOUR"),
    ColumnSpec("in_lap", "bool", "", "The line was crossed in the pit lane: 'B' in CROSSING_FINISH_LINE_IN_PIT. This is the in-lap of a stop.", "observed", "CROSSING_FINISH_LINE_IN_PIT"),
    ColumnSpec("out_lap", "bool", "", "The lap after an in-lap of the same car (the car left the pits on it).", "derived"),
    ColumnSpec("pit_time", "float64", "s", "Pit-lane time (pit in to pit out) of the stop that ended the previous lap; printed on the out-lap.", "observed", "PIT_TIME"),
    ColumnSpec("flag", "string", "", "Flag at the line: GF green, FCY full-course yellow, SF safety car, RF red, FF chequered; <NA> when the file has no flag column.", "observed", "FLAG_AT_FL"),
    ColumnSpec("kph", "float64", "km/h", "Average lap speed.", "observed", "KPH"),
    ColumnSpec("top_speed", "float64", "km/h", "Speed-trap maximum on this lap.", "observed", "TOP_SPEED"),
    ColumnSpec("lap_improvement", "Int8", "", "Final-state marker: 0 none, 2 car's best lap, 3 session best.", "observed", "LAP_IMPROVEMENT"),
    ColumnSpec("s1_improvement", "Int8", "", "Sector 1 marker: 1 driver's best, 2 car best, 3 session best.", "observed", "S1_IMPROVEMENT"),
    ColumnSpec("s2_improvement", "Int8", "", "Sector 2 marker (as s1_improvement).", "observed", "S2_IMPROVEMENT"),
    ColumnSpec("s3_improvement", "Int8", "", "Sector 3 marker (as s1_improvement).", "observed", "S3_IMPROVEMENT"),
    ColumnSpec("is_car_best", "bool", "", "The file marks this lap as the car's best (LAP_IMPROVEMENT 2 or 3).", "derived"),
    ColumnSpec("is_session_best", "bool", "", "The file marks this lap as the session's best (LAP_IMPROVEMENT 3).", "derived"),
    ColumnSpec("line", "int32", "", "1-based line number of the row in the source file (for tracing any figure back to the raw row).", "derived"),
)

SECTION_COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec("car", "string", "", "Car number.", "observed", "NUMBER"),
    ColumnSpec("lap", "int32", "", "Lap number.", "observed", "LAP_NUMBER"),
    ColumnSpec("loop", "string", "", "Timing loop name (e.g. SCL2, IP1, PORIN, FL).", "observed", "<loop>_time"),
    ColumnSpec("time", "float64", "s", "Time from the previous loop to this one.", "observed", "<loop>_time"),
    ColumnSpec("elapsed", "float64", "s", "Time from the start of the lap to this loop.", "observed", "<loop>_elapsed"),
)

_BY_NAME = {c.name: c for c in LAP_COLUMNS}


def markdown_table(columns: tuple[ColumnSpec, ...] = LAP_COLUMNS) -> str:
    """The schema as a Markdown table (docs/data.md embeds this text verbatim).

    >>> markdown_table().splitlines()[0]
    '| column | dtype | unit | origin | source column | meaning |'
    """
    lines = ["| column | dtype | unit | origin | source column | meaning |", "|---|---|---|---|---|---|"]
    for c in columns:
        lines.append(f"| `{c.name}` | {c.dtype} | {c.unit} | {c.origin} | {c.source} | {c.meaning} |")
    return "\n".join(lines)


def column(name: str) -> ColumnSpec:
    """The spec of one canonical lap column."""
    return _BY_NAME[name]


def empty_laps():
    """An empty lap table with the canonical columns and dtypes.

    >>> empty_laps().shape
    (0, 28)
    """
    import pandas as pd

    return pd.DataFrame({c.name: pd.Series([], dtype=c.dtype) for c in LAP_COLUMNS})


def validate_laps(df) -> None:
    """Raise ``ValueError`` when ``df`` does not have the canonical columns and dtypes.

    >>> validate_laps(empty_laps())
    """
    names = [c.name for c in LAP_COLUMNS]
    if list(df.columns) != names:
        missing = [n for n in names if n not in df.columns]
        extra = [n for n in df.columns if n not in names]
        raise ValueError(f"lap table columns differ from the schema: missing {missing}, extra {extra}")
    for c in LAP_COLUMNS:
        if str(df[c.name].dtype) != c.dtype:
            raise ValueError(f"column {c.name!r} has dtype {df[c.name].dtype}, schema says {c.dtype}")
