"""Final classification derived from the lap table alone.

Rule (the one the timekeeper uses for its snapshots, domain.md §4): each car at its last
crossing of the line; order by laps completed (descending), then by the race time of that
crossing (ascending). Status:

- ``Running``: the car crossed the line at or after the winner's finishing crossing (it took
  the chequered flag), or, in a race ended under a red flag (no ``FF``, the winner's last crossing
  ``RF``), its last crossing is under ``RF`` (:func:`took_the_flag`);
- ``Retired in pits``: it did not, and its last lap is an in-lap (the ``B`` lap) — it drove
  into the pits and never came out;
- ``Retired``: it did not, and its last lap ended on track.

The order, the finish and the race state (finished, red-flag finish or snapshot) come from
:mod:`stintlab.analysis.order`; :func:`race_finished`, :func:`red_flag_finish` and
:func:`took_the_flag` are importable from here too.

A lap file taken while the race is still running (an hourly snapshot, see :func:`race_finished`)
gets ``Running`` (crossed the line within 1.5 of its median laps of the end of the file),
``In pits`` (its last crossing was an in-lap) or ``Stopped``; nobody is called retired.

The lap file does not say when officials declared a car retired nor whether a car covered
enough distance to be classified; an official results file, when given, is authoritative.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from stintlab.analysis.order import final_order, race_finished, red_flag_finish, took_the_flag
from stintlab.config import THRESHOLDS
from stintlab.display import gap
from stintlab.schema import check_columns, empty_table

__all__ = [
    "DERIVED_STATUSES", "IN_PROGRESS_STATUSES", "derive_classification", "gap_text", "race_finished",
    "red_flag_finish", "took_the_flag",
]  # fmt: skip

DERIVED_STATUSES = ("Running", "Retired", "Retired in pits")
#: lap-table columns :func:`derive_classification` reads (``flag`` is optional).
CLASSIFICATION_NEEDS = ("car", "lap", "class", "group", "team", "manufacturer", "lap_time", "elapsed", "in_lap")
IN_PROGRESS_STATUSES = ("Running", "In pits", "Stopped")


def gap_text(laps_behind: int, seconds: float) -> str:
    """Gap as printed in classifications (:func:`stintlab.display.gap`).

    >>> gap_text(0, 3.297), gap_text(1, float('nan')), gap_text(12, 5.0), gap_text(0, 0.0)
    ('+3.297', '1 Lap', '12 Laps', '-')
    """
    return gap(laps_behind, seconds)


def derive_classification(laps: pd.DataFrame, finished: bool | None = None) -> pd.DataFrame:
    """Classification from a canonical lap table (see module docstring for the rule).

    ``finished``: whether the file holds a finished race; by default :func:`race_finished` decides."""
    cols = [
        "position", "class_position", "car", "class", "group", "team", "manufacturer", "laps", "total_time",
        "gap_first", "gap_first_laps", "gap_first_seconds", "gap_class_leader", "status", "retired_in_pits",
        "last_lap_in_pit", "official",
    ]  # fmt: skip
    check_columns(laps, "laps", "derive_classification()", CLASSIFICATION_NEEDS)
    if laps.empty:
        return empty_table("classification")
    last = final_order(laps)
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
    in_pit = last["in_lap"].to_numpy(dtype=bool)
    if race_finished(laps) if finished is None else finished:
        running = took_the_flag(laps).reindex(last["car"]).to_numpy(dtype=bool)  # red-flag finish: RF = running
        status = np.where(running, "Running", np.where(in_pit, "Retired in pits", "Retired"))
        out["retired_in_pits"] = ~running & in_pit
    else:  # a snapshot during the race: nobody has retired for sure yet
        end = float(laps["elapsed"].max())
        typical = laps.groupby("car", sort=False, observed=True)["lap_time"].median()
        slack = THRESHOLDS.snapshot_slack_laps * typical.reindex(last["car"]).to_numpy(dtype=float)
        running = last["elapsed"].to_numpy() >= end - slack
        status = np.where(running, "Running", np.where(in_pit, "In pits", "Stopped"))
        out["retired_in_pits"] = np.zeros(n, dtype=bool)
    out["status"] = pd.array(status, dtype="string")
    out["last_lap_in_pit"] = in_pit
    out["official"] = False
    return out[cols]


def compare_with_official(derived: pd.DataFrame, official: pd.DataFrame) -> pd.DataFrame:
    """Explain every car whose derived position differs from the official one.

    The lap file cannot know what stewards decide after the race. Each difference is put
    down to one of:

    - ``time penalty +Ns``: the official TOTAL_TIME exceeds the car's last crossing by N s;
    - ``position penalty``: the official file itself places the car out of (laps desc,
      total time asc) order, i.e. it was moved by a decision, not by the timing;
    - ``not in lap file`` / ``not in official file``;
    - ``laps differ``: the official lap count differs from the laps in the file;
    - ``knock-on``: the car only moved because a car above was penalised (once the cars
      above are explained, its order relative to the unexplained cars is the same);
    - ``unexplained`` otherwise (a test asserts there is none on the corpus).

    Returns one row per differing car: car, position_official, position_derived, laps_official,
    laps_derived, time_official, time_derived, explanation.
    """
    m = official[["car", "position", "laps", "total_time"]].merge(
        derived[["car", "position", "laps", "total_time"]], on="car", how="outer", suffixes=("_official", "_derived")
    )
    # cars the official file orders against its own laps/time: moved by a decision
    ranked = official.assign(_l=official["laps"].fillna(-1), _t=official["total_time"].fillna(np.inf))
    ranked = ranked.sort_values(["_l", "_t"], ascending=[False, True], kind="stable")
    ideal = dict(zip(ranked["car"], range(1, len(ranked) + 1)))
    off_order = official.sort_values("position")["car"].tolist()
    moved = _displaced(off_order, ideal)
    expl = []
    for r in m.itertuples():
        if pd.isna(r.position_derived):
            expl.append("not in lap file")
        elif pd.isna(r.position_official):
            expl.append("not in official file")
        elif r.laps_official != r.laps_derived:
            expl.append(f"laps differ ({r.laps_official} official, {r.laps_derived} in the lap file)")
        elif r.car in moved:
            expl.append("position penalty")
        elif abs(r.total_time_official - r.total_time_derived) > 0.0005:
            expl.append(f"time penalty {r.total_time_official - r.total_time_derived:+.3f}s")
        else:
            expl.append("")
    m["explanation"] = expl
    explained = set(m.loc[m["explanation"] != "", "car"])
    # knock-on: among cars without their own explanation, relative order must agree
    off_rest = [c for c in off_order if c not in explained]
    der_rest = [c for c in derived.sort_values("position")["car"].tolist() if c not in explained]
    same = off_rest == der_rest
    m.loc[m["explanation"] == "", "explanation"] = "knock-on" if same else "unexplained"
    diff = m[(m["position_official"] != m["position_derived"]) | m["position_official"].isna() | m["position_derived"].isna()]
    diff = diff[~((diff["explanation"] == "knock-on") & (diff["position_official"] == diff["position_derived"]))]
    return diff.rename(
        columns={
            "total_time_official": "time_official",
            "total_time_derived": "time_derived",
        }
    ).reset_index(drop=True)


def _displaced(order: list, ideal: dict) -> set:
    """Cars whose removal makes ``order`` agree with the ranking ``ideal`` (a minimal set,
    found as the complement of a longest increasing subsequence of ideal ranks)."""
    import bisect

    ranks = [ideal[c] for c in order]
    tails, tails_idx, prev = [], [], [-1] * len(ranks)
    for i, v in enumerate(ranks):
        j = bisect.bisect_left(tails, v)
        if j == len(tails):
            tails.append(v)
            tails_idx.append(i)
        else:
            tails[j] = v
            tails_idx[j] = i
        prev[i] = tails_idx[j - 1] if j else -1
    keep, i = set(), tails_idx[-1] if tails_idx else -1
    while i >= 0:
        keep.add(i)
        i = prev[i]
    return {order[i] for i in range(len(order)) if i not in keep}
