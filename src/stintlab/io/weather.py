"""Weather files (``26_Weather_*.CSV``, domain.md §1.4).

IMSA publishes °F and inHg, WEC °C and mbar. The source unit is detected from the pressure
(inHg ≈ 30, mbar ≈ 1000) and kept explicit: the table carries the values as published
(``air_temp``, ``track_temp``, ``pressure`` with their units in ``temp_unit`` and
``pressure_unit``) plus the same values converted to SI-like units (``air_temp_c``,
``track_temp_c``, ``pressure_hpa``).

>>> detect_units([30.15, 30.14])
('°F', 'inHg')
>>> detect_units([1012.0])
('°C', 'mbar')
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from stintlab.errors import StintlabFormatError
from stintlab.io.text import RawTable
from stintlab.io.values import parse_floats

__all__ = ["looks_like_weather", "weather_from_table", "detect_units"]

_NUMERIC = ("AIR_TEMP", "TRACK_TEMP", "HUMIDITY", "PRESSURE", "WIND_SPEED", "WIND_DIRECTION", "RAIN")


def looks_like_weather(names: list[str]) -> bool:
    s = set(names)
    return "AIR_TEMP" in s and ("TIME_UTC_SECONDS" in s or "TIME_UTC_STR" in s)


def detect_units(pressure, air_temp=()) -> tuple[str, str]:
    """Units from the pressure (inHg ≈ 30, mbar ≈ 1000); without pressure, from the air
    temperature (a median above 45 cannot be °C at a race track).

    >>> detect_units([], [68.0, 70.1])
    ('°F', 'inHg')
    """
    p = np.asarray(pressure, dtype=float)
    p = p[~np.isnan(p)]
    if len(p):
        return ("°F", "inHg") if np.median(p) < 100 else ("°C", "mbar")
    t = np.asarray(air_temp, dtype=float)
    t = t[~np.isnan(t)]
    if len(t) and np.median(t) > 45:
        return "°F", "inHg"
    return "°C", "mbar"


def weather_from_table(raw: RawTable) -> pd.DataFrame:
    path = raw.path
    for req in ("AIR_TEMP",):
        if req not in raw.columns:
            raise StintlabFormatError(path, f"required column {req} is missing from the header", line=1, column=req)
    if raw.nrows == 0:
        raise StintlabFormatError(path, "the file has a header but no readings", line=2, column="AIR_TEMP")
    vals = {k: parse_floats(raw.columns[k], path, k, raw.lines) if k in raw.columns else np.full(raw.nrows, np.nan) for k in _NUMERIC}
    t_unit, p_unit = detect_units(vals["PRESSURE"], vals["AIR_TEMP"])
    df = pd.DataFrame(
        {
            "time_utc": parse_floats(raw.columns["TIME_UTC_SECONDS"], path, "TIME_UTC_SECONDS", raw.lines)
            if "TIME_UTC_SECONDS" in raw.columns
            else np.full(raw.nrows, np.nan),
            "time_utc_text": pd.array(
                raw.columns["TIME_UTC_STR"].to_pylist() if "TIME_UTC_STR" in raw.columns else [None] * raw.nrows,
                dtype="string",
            ),
            "air_temp": vals["AIR_TEMP"],
            "track_temp": vals["TRACK_TEMP"],
            "temp_unit": t_unit,
            "humidity_pct": vals["HUMIDITY"],
            "pressure": vals["PRESSURE"],
            "pressure_unit": p_unit,
            "wind_speed": vals["WIND_SPEED"],
            "wind_direction_deg": vals["WIND_DIRECTION"],
            "rain": vals["RAIN"],
        }
    )
    if t_unit == "°F":
        df["air_temp_c"] = np.round((df["air_temp"] - 32) * 5 / 9, 2)
        df["track_temp_c"] = np.round((df["track_temp"] - 32) * 5 / 9, 2)
        df["pressure_hpa"] = np.round(df["pressure"] * 33.8639, 1)
    else:
        df["air_temp_c"] = df["air_temp"]
        df["track_temp_c"] = df["track_temp"]
        df["pressure_hpa"] = df["pressure"]
    return df
