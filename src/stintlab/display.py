"""How every face (CLI tables, report, web app, story) shows numbers and orders cars: the one
formatter of lap times, durations and gaps, and the one natural order of car numbers.

JSON and CSV keep raw seconds; only human-facing text goes through here.

- lap times and other short times (pit time, time lost, sector): ``m:ss.fff`` (``h:mm:ss.fff`` from an hour);
- durations and race times (stint length, drive time, race time of a stop): ``h:mm:ss``;
- gaps: ``+s.fff`` on the same lap (``+m:ss.fff`` from a minute), ``n Lap(s)`` behind, ``-`` for the leader.

>>> lap_time(78.714), lap_time(1513.245), lap_time(None)
('1:18.714', '25:13.245', '')
>>> duration(48003.827), duration(59.6), race_time(86795.5)
('13:20:04', '0:01:00', '24:06:36')
>>> gap(0, 3.297), gap(1, float("nan")), gap(12, 5.0), gap(0, 0.0), gap(0, 75.25)
('+3.297', '1 Lap', '12 Laps', '-', '+1:15.250')
>>> sorted(["19", "2", "007", "7", "A1", "10"], key=car_key)
['2', '7', '007', '10', '19', 'A1']
>>> cell("time_lost", 1513.245), cell("drive_time", 48003.827), cell("laps", 12), cell("index", 101.23456)
('25:13.245', '13:20:04', '12', '101.235')
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from stintlab.io.values import format_seconds, time_parts

__all__ = [
    "LAP_TIME_KEYS", "DURATION_KEYS", "car_key", "sort_cars", "in_car_order", "lap_time", "duration", "race_time", "gap",
    "number", "cell", "human_rows",
]  # fmt: skip

#: Columns (public table keys) holding a lap-time-like number of seconds: shown ``m:ss.fff``.
LAP_TIME_KEYS = frozenset(
    {
        "lap_time", "best_lap", "ideal_lap", "best_10", "best_20pct", "median_clean", "stint_avg", "pit_time",
        "time_lost", "in_lap_time", "out_lap_time", "reference", "on_track_loss", "pit_time_before", "s1", "s2",
        "s3", "expected", "pace", "best", "median", "average", "clean_avg", "fl_time",
    }
)  # fmt: skip
#: Columns holding a duration or a race time in seconds: shown ``h:mm:ss``.
DURATION_KEYS = frozenset(
    {
        "race_time", "start", "end", "duration", "elapsed", "green_at", "phase_start", "phase_end", "drive_time",
        "total_time", "total", "longest_spell", "worst_window", "min_total", "max_total", "drive",
    }
)  # fmt: skip


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN, pd.NA raise or compare unequal
    except (TypeError, ValueError):
        return True


_RUNS = re.compile(r"(\d+)")


def car_key(car: Any) -> tuple:
    """The natural order of car numbers: ``"2"`` before ``"19"``; the same number spelt longer
    after (``"7"``, ``"007"``, ``"8"``: distinct, and the order is total); a letter suffix after the
    bare number (``"1"``, ``"01"``, ``"1A"``); case-insensitive; missing cars last.

    >>> sorted(["1A", "01", "2", "1", "10", "b", "A"], key=car_key)
    ['1', '01', '1A', '2', '10', 'A', 'b']
    """
    if _missing(car):
        return ((2,), (), "")
    text = str(car).strip()
    parts, widths = [], []
    for i, run in enumerate(_RUNS.split(text)):
        if not run:
            continue
        if i % 2:
            parts.append((0, int(run)))
            widths.append(len(run))
        else:
            parts.append((1, run.lower()))
    return (tuple(parts), tuple(widths), text)


def sort_cars(cars: Iterable) -> list[str]:
    """Distinct car numbers (as text) in natural order."""
    return sorted({str(c) for c in cars if not _missing(c)}, key=car_key)


def in_car_order(table):
    """A table (DataFrame with a ``car`` column) with the cars in natural order, each car's rows in
    their order: what :func:`stintlab.race.load` does to the lap table, so that every table derived
    from it (cars, stops, stints, drivers) lists the cars as a reader counts them. The same object
    when already in that order."""
    if len(table) == 0 or "car" not in table:
        return table
    codes, uniques = pd.factorize(table["car"], use_na_sentinel=False)  # codes in order of first appearance
    first = [str(c) for c in uniques]
    rank = np.empty(len(first), dtype=np.int64)
    rank[sorted(range(len(first)), key=lambda i: car_key(first[i]))] = np.arange(len(first))
    r = rank[codes]
    if (np.diff(r) >= 0).all():  # cars already contiguous and in natural order
        return table
    return table.iloc[np.argsort(r, kind="stable")].reset_index(drop=True)


def lap_time(seconds: Any) -> str:
    """``m:ss.fff`` (``h:mm:ss.fff`` from one hour); ``''`` when missing."""
    if _missing(seconds):
        return ""
    neg, h, m, s, frac = time_parts(float(seconds))
    text = f"{h}:{m:02d}:{s:02d}.{frac:03d}" if h else f"{m}:{s:02d}.{frac:03d}"
    return "-" + text if neg else text


def duration(seconds: Any) -> str:
    """``h:mm:ss`` (whole seconds, hours passing 24); ``''`` when missing."""
    if _missing(seconds):
        return ""
    neg, h, m, s, _ = time_parts(float(seconds), 0)
    return ("-" if neg else "") + f"{h}:{m:02d}:{s:02d}"


race_time = duration  # a race time is the duration since the start


def gap(laps_behind: Any, seconds: Any, lang: str = "en") -> str:
    """A gap as classifications print it: ``+3.297`` on the same lap, ``2 Laps`` behind (``2 tours``
    with ``lang="fr"``), ``-`` for none.

    >>> gap(2, None, "fr"), gap(1, None, "fr")
    ('2 tours', '1 tour')
    """
    laps = 0 if _missing(laps_behind) else int(laps_behind)
    if laps > 0:
        if lang == "fr":
            return f"{laps} tour" + ("s" if laps > 1 else "")
        return f"{laps} Lap" + ("s" if laps > 1 else "")
    if _missing(seconds) or float(seconds) == 0:
        return "-"
    return ("+" if float(seconds) > 0 else "-") + format_seconds(abs(float(seconds)))


def number(value: Any, digits: int = 3) -> str:
    """A plain number with at most ``digits`` decimals and no trailing zeros (``75.1``, ``12``)."""
    if _missing(value):
        return ""
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, int) or (hasattr(value, "is_integer") and float(value).is_integer() and digits == 0):
        return str(int(value))
    f = float(value)
    if math.isinf(f):
        return "∞" if f > 0 else "-∞"
    return f"{f:.{digits}f}".rstrip("0").rstrip(".") or "0"


def cell(key: str, value: Any) -> str:
    """``value`` of column ``key`` as text for a reader: lap-time and duration columns by their
    format, other numbers plain, lists space-separated, text as is."""
    if _missing(value) if not isinstance(value, (list, tuple, dict)) else False:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool) or hasattr(value, "dtype"):
        try:
            f = float(value)
        except (TypeError, ValueError):
            return str(value)
        if key in LAP_TIME_KEYS:
            return lap_time(f)
        if key in DURATION_KEYS:
            return duration(f)
        if isinstance(value, int) or (hasattr(value, "dtype") and getattr(value.dtype, "kind", "") in "iu"):
            return str(int(f))
        return number(f)
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, (list, tuple)):
        return " ".join(str(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    return str(value)


def human_rows(rows: list[dict]) -> list[dict]:
    """Rows of raw values (JSON-ready dicts) with every cell as :func:`cell` text."""
    return [{k: cell(k, v) for k, v in r.items()} for r in rows]
