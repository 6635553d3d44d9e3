"""Build a canonical lap table from a few columns (hand-made races for tests and examples).

Given car, lap, lap_time (and optionally class, driver, in_lap, pit_time, flag...), the
rest is filled: elapsed = cumulative lap time per car (unless given), lap_start, out_lap
from the previous in-lap, defaults for the text columns. Rows are sorted like a real file.

>>> t = lap_table([{"car": "1", "lap": 1, "lap_time": 100.0}, {"car": "1", "lap": 2, "lap_time": 101.5, "in_lap": True},
...                {"car": "1", "lap": 3, "lap_time": 180.0, "pit_time": 70.0}])
>>> t[["lap", "elapsed", "in_lap", "out_lap"]].values.tolist()
[[1, 100.0, False, False], [2, 201.5, True, False], [3, 381.5, False, True]]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["lap_table"]

_DEFAULTS = {
    "driver": "Driver A",
    "driver_slot": 1,
    "class": "X",
    "group": "",
    "team": "Team",
    "manufacturer": "Make",
    "in_lap": False,
    "pit_time": np.nan,
    "flag": "GF",
    "s1": np.nan,
    "s2": np.nan,
    "s3": np.nan,
    "kph": np.nan,
    "top_speed": np.nan,
}


def lap_table(records) -> pd.DataFrame:
    """A canonical lap table (:mod:`stintlab.schema`) from a list of dicts or a DataFrame."""
    from stintlab.schema import LAP_COLUMNS

    df = pd.DataFrame(records).copy()
    for k, v in _DEFAULTS.items():
        if k not in df:
            df[k] = v
        else:
            df[k] = (
                df[k].where(df[k].notna(), v) if k not in ("pit_time", "s1", "s2", "s3", "kph", "top_speed") else df[k]
            )
    df["car"] = df["car"].astype(str)
    order = np.lexsort((df["lap"].to_numpy(), pd.factorize(df["car"])[0]))
    df = df.take(order).reset_index(drop=True)
    if "elapsed" not in df:
        df["elapsed"] = df.groupby("car", sort=False)["lap_time"].cumsum()
    df["elapsed"] = df["elapsed"].astype(float).round(3)
    df["lap_start"] = (df["elapsed"] - df["lap_time"]).round(3)
    if "time_of_day" not in df:
        df["time_of_day"] = np.nan
    car = df["car"].to_numpy()
    same = np.r_[False, car[1:] == car[:-1]]
    df["in_lap"] = df["in_lap"].astype(bool)
    df["out_lap"] = same & np.r_[False, df["in_lap"].to_numpy()[:-1]]
    n = len(df)
    for c in ("lap_improvement", "s1_improvement", "s2_improvement", "s3_improvement"):
        df[c] = pd.array(np.zeros(n, dtype="int8"), dtype="Int8")
    df["is_car_best"] = False
    df["is_session_best"] = False
    df["line"] = np.arange(2, n + 2, dtype="int32")
    out = df[[c.name for c in LAP_COLUMNS]]
    return out.astype({c.name: c.dtype for c in LAP_COLUMNS})
