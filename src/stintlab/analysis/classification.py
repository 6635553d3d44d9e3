"""Final classification derived from the lap table alone.

Rule (the one the timekeeper uses for its snapshots, domain.md §4): each car at its last
crossing of the line; order by laps completed (descending), then by the race time of that
crossing (ascending). Status:

- ``Running``: the car crossed the line at or after the winner's finishing crossing (it took
  the chequered flag);
- ``Retired in pits``: it did not, and its last lap is an in-lap (the ``B`` lap) — it drove
  into the pits and never came out;
- ``Retired``: it did not, and its last lap ended on track.

The lap file does not say when officials declared a car retired nor whether a car covered
enough distance to be classified; an official results file, when given, is authoritative.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from stintlab.io.values import format_time

__all__ = ["DERIVED_STATUSES", "derive_classification", "gap_text"]

DERIVED_STATUSES = ("Running", "Retired", "Retired in pits")


def gap_text(laps_behind: int, seconds: float) -> str:
    """Gap as printed in classifications.

    >>> gap_text(0, 3.297), gap_text(1, float('nan')), gap_text(12, 5.0), gap_text(0, 0.0)
    ('+3.297', '1 Lap', '12 Laps', '-')
    """
    if laps_behind > 0:
        return f"{laps_behind} Lap" + ("s" if laps_behind > 1 else "")
    if seconds == 0 or np.isnan(seconds):
        return "-"
    if seconds >= 60:
        return "+" + format_time(seconds, hours=False)
    return f"+{seconds:.3f}"


def derive_classification(laps: pd.DataFrame) -> pd.DataFrame:
    """Classification from a canonical lap table (see module docstring for the rule)."""
    cols = [
        "position", "class_position", "car", "class", "group", "team", "manufacturer", "laps", "total_time",
        "gap_first", "gap_first_laps", "gap_first_seconds", "gap_class_leader", "status", "retired_in_pits",
        "last_lap_in_pit", "official",
    ]  # fmt: skip
    if laps.empty:
        return pd.DataFrame({c: [] for c in cols})
    last = laps.groupby("car", sort=False, observed=True).tail(1)
    last = last.sort_values(["lap", "elapsed"], ascending=[False, True], kind="stable").reset_index(drop=True)
    finish = float(last["elapsed"].iat[0])
    n = len(last)
    out = pd.DataFrame(
        {
            "position": pd.array(np.arange(1, n + 1), dtype="Int32"),
            "car": last["car"].to_numpy(),
            "class": last["class"].to_numpy(),
            "group": last["group"].to_numpy(),
            "team": last["team"].to_numpy(),
            "manufacturer": last["manufacturer"].to_numpy(),
            "laps": pd.array(last["lap"].to_numpy(), dtype="Int32"),
            "total_time": last["elapsed"].to_numpy(),
        }
    )
    out["class_position"] = (out.groupby("class", dropna=False, sort=False).cumcount() + 1).astype("Int32")
    lead_laps = int(last["lap"].iat[0])
    behind = lead_laps - last["lap"].to_numpy()
    out["gap_first_laps"] = pd.array(behind, dtype="Int32")
    out["gap_first_seconds"] = np.where(behind == 0, last["elapsed"].to_numpy() - finish, np.nan)
    out["gap_first"] = pd.array([gap_text(b, s) for b, s in zip(behind, out["gap_first_seconds"])], dtype="string")
    cls_lead = out.groupby("class", dropna=False, sort=False)[["laps", "total_time"]].transform("first")
    cb = cls_lead["laps"].to_numpy(dtype=int) - out["laps"].to_numpy(dtype=int)
    cs = np.where(cb == 0, out["total_time"].to_numpy() - cls_lead["total_time"].to_numpy(), np.nan)
    out["gap_class_leader"] = pd.array([gap_text(b, s) for b, s in zip(cb, cs)], dtype="string")
    running = last["elapsed"].to_numpy() >= finish - 1e-6
    in_pit = last["in_lap"].to_numpy(dtype=bool)
    status = np.where(running, "Running", np.where(in_pit, "Retired in pits", "Retired"))
    out["status"] = pd.array(status, dtype="string")
    out["retired_in_pits"] = ~running & in_pit
    out["last_lap_in_pit"] = in_pit
    out["official"] = False
    return out[cols]
