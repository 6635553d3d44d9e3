"""Write a lap table as an Al Kamel 29-column "Analysis" CSV (the 2023+ WEC/Le Mans layout).

UTF-8 with BOM, CRLF, ``;`` separators, a leading space on the first 15 header names
after the first, every line ending in ``;``. Times: LAP_TIME and ELAPSED ``m:ss.fff``
(``h:mm:ss.fff`` from one hour), sectors ``ss.fff`` / ``m:ss.fff``, S1..S3_LARGE always
``m:ss.fff``, HOUR ``hh:mm:ss.fff`` wrapped at midnight, PIT_TIME ``h:mm:ss.fff`` on the
out-lap, ``B`` on in-laps, FLAG_AT_FL and Sn_SECONDS. The ``fmt_*`` names are the file's
columns; the formatting itself is :mod:`stintlab.io.values`'.

>>> fmt_lap(219.529), fmt_lap(3953.307), fmt_sector(45.985), fmt_large(45.985), fmt_pit(87.261)
('3:39.529', '1:05:53.307', '45.985', '0:45.985', '0:01:27.261')
>>> fmt_hour(57600.0 + 86400 + 3.5)
'16:00:03.500'
"""

from __future__ import annotations

import math
import os
import uuid
from pathlib import Path

import numpy as np
import pandas as pd

from stintlab.io.values import format_clock, format_lap, format_minutes, format_seconds, format_time

__all__ = ["HEADER", "write_analysis_csv", "fmt_lap", "fmt_sector", "fmt_large", "fmt_pit", "fmt_hour"]

HEADER = [
    "NUMBER", "DRIVER_NUMBER", "LAP_NUMBER", "LAP_TIME", "LAP_IMPROVEMENT", "CROSSING_FINISH_LINE_IN_PIT",
    "S1", "S1_IMPROVEMENT", "S2", "S2_IMPROVEMENT", "S3", "S3_IMPROVEMENT", "KPH", "ELAPSED", "HOUR",
    "S1_LARGE", "S2_LARGE", "S3_LARGE", "TOP_SPEED", "DRIVER_NAME", "PIT_TIME", "CLASS", "GROUP", "TEAM",
    "MANUFACTURER", "FLAG_AT_FL", "S1_SECONDS", "S2_SECONDS", "S3_SECONDS",
]  # fmt: skip


# the file's time columns, formatted by stintlab.io.values (the one owner of duration formats)
fmt_lap = format_lap  # LAP_TIME, ELAPSED: m:ss.fff below one hour, else h:mm:ss.fff
fmt_sector = format_seconds  # S1..S3: ss.fff below a minute, else like a lap time
fmt_large = format_minutes  # S1..S3_LARGE: always m:ss.fff (minutes may pass 59)
fmt_pit = format_time  # PIT_TIME: always h:mm:ss.fff
fmt_hour = format_clock  # HOUR: time of day hh:mm:ss.fff, wrapped at midnight


def _num(x: float, nd: int = 1) -> str:
    return "" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{nd}f}"


def _secs(x: float) -> str:
    return "" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.3f}"


def _txt(v) -> str:
    return "" if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)) else str(v).replace(";", ",")


def _int(v) -> str:
    return "" if v is None or v is pd.NA else str(int(v))


def write_analysis_csv(laps: pd.DataFrame, path) -> Path:
    """Write the canonical lap table ``laps`` to ``path`` in the Al Kamel Analysis layout."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    header = HEADER[0] + "".join(("; " if i < 15 else ";") + n for i, n in enumerate(HEADER[1:], start=1)) + ";"
    cols = {c: laps[c].tolist() for c in laps.columns}
    n = len(laps)
    tod = cols["time_of_day"]
    flag = cols["flag"]
    lines = [header]
    for i in range(n):
        s1, s2, s3 = cols["s1"][i], cols["s2"][i], cols["s3"][i]
        row = [
            _txt(cols["car"][i]),
            _int(cols["driver_slot"][i]),
            str(int(cols["lap"][i])),
            fmt_lap(cols["lap_time"][i]),
            _int(cols["lap_improvement"][i]) or "0",
            "B" if cols["in_lap"][i] else "",
            fmt_sector(s1),
            _int(cols["s1_improvement"][i]) or "0",
            fmt_sector(s2),
            _int(cols["s2_improvement"][i]) or "0",
            fmt_sector(s3),
            _int(cols["s3_improvement"][i]) or "0",
            _num(cols["kph"][i]),
            fmt_lap(cols["elapsed"][i]),
            "" if tod[i] is None or (isinstance(tod[i], float) and np.isnan(tod[i])) else fmt_hour(tod[i]),
            fmt_large(s1),
            fmt_large(s2),
            fmt_large(s3),
            _num(cols["top_speed"][i]),
            _txt(cols["driver"][i]),
            fmt_pit(cols["pit_time"][i]),
            _txt(cols["class"][i]),
            _txt(cols["group"][i]),
            _txt(cols["team"][i]),
            _txt(cols["manufacturer"][i]),
            _txt(flag[i]),
            _secs(s1),
            _secs(s2),
            _secs(s3),
        ]
        lines.append(";".join(row) + ";")
    data = "\r\n".join(lines) + "\r\n"
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")  # unique per writer
    with open(tmp, "w", encoding="utf-8-sig", newline="") as fh:
        fh.write(data)
    tmp.replace(path)
    return path
