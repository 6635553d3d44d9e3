"""Final classification derived from the lap table alone.

Rule (the one the timekeeper uses for its snapshots, domain.md §4): each car at its last
crossing of the line; order by laps completed (descending), then by the race time of that
crossing (ascending).

Status (:func:`stintlab.analysis.order.final_status`, by the series' classification rule,
``rules/classification/series.toml``): ``status_code`` is the fact, ``status`` the timekeeper's words
kept for the documented key:

- ``classified``: the car covered the rule's share of the winner's distance (ACO/WEC: 70 % of the
  overall winner's laps) and, where the rule asks (ACO/WEC), took the chequered flag. ``status``
  ``Running`` when it took the flag (crossed the line at or after the winner's finishing crossing,
  or, in a race ended under a red flag, its last crossing is ``RF``), else ``Retired`` /
  ``Retired in pits`` (IMSA classifies every car);
- ``not_classified``: it took the flag but fell short of the distance (``Not classified``);
- ``retired``: it did not take the flag and the rule needs it: ``Retired in pits`` when its last
  lap is an in-lap (the ``B`` lap: it drove into the pits and never came out), else ``Retired``.

The order, the finish and the race state (finished, red-flag finish or snapshot) come from
:mod:`stintlab.analysis.order`; :func:`race_finished`, :func:`red_flag_finish` and
:func:`took_the_flag` are importable from here too.

A lap file taken while the race is still running (an hourly snapshot, see :func:`race_finished`)
gets ``running`` / ``Running`` (crossed the line within 1.5 of its median laps of the end of the
file), ``in_pits`` / ``In pits`` (its last crossing was an in-lap) or ``stopped`` / ``Stopped``;
nobody is called classified or retired (``classified`` is NA).

The lap file does not say when officials declared a car retired (the officials list some cars that
stopped before the flag ``Not classified`` rather than ``Retired``), nor the post-race penalties; an
official results file, when given, is authoritative.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd

from stintlab.analysis.order import final_order, final_status, race_finished, red_flag_finish, took_the_flag
from stintlab.io.values import format_seconds
from stintlab.schema import check_columns, empty_table

__all__ = [
    "DERIVED_STATUSES", "IN_PROGRESS_STATUSES", "OFFICIAL_STATUS_CODES", "derive_classification", "gap_text",
    "official_status", "race_finished", "red_flag_finish", "took_the_flag", "with_lapless_cars",
]  # fmt: skip

DERIVED_STATUSES = ("Running", "Not classified", "Retired", "Retired in pits")
#: lap-table columns :func:`derive_classification` reads (``flag`` is optional).
CLASSIFICATION_NEEDS = ("car", "lap", "class", "group", "team", "manufacturer", "lap_time", "elapsed", "in_lap")
IN_PROGRESS_STATUSES = ("Running", "In pits", "Stopped")


def gap_text(laps_behind: int, seconds: float) -> str:
    """Gap as printed in classifications.

    >>> gap_text(0, 3.297), gap_text(1, float('nan')), gap_text(12, 5.0), gap_text(0, 0.0)
    ('+3.297', '1 Lap', '12 Laps', '-')
    """
    if laps_behind > 0:
        return f"{laps_behind} Lap" + ("s" if laps_behind > 1 else "")
    if seconds == 0 or np.isnan(seconds):
        return "-"
    return "+" + format_seconds(seconds)


def derive_classification(laps: pd.DataFrame, finished: bool | None = None, rule=None) -> pd.DataFrame:
    """Classification from a canonical lap table (see module docstring for the rule).

    ``finished``: whether the file holds a finished race; by default :func:`race_finished` decides.
    ``rule``: the classification rule (name or object); by default the series' rule recognised from
    the car classes (:func:`stintlab.analysis.order.final_status`)."""
    cols = [
        "position", "class_position", "car", "class", "group", "team", "manufacturer", "laps", "total_time",
        "gap_first", "gap_first_laps", "gap_first_seconds", "gap_class_leader", "status", "status_code", "classified",
        "took_flag", "distance_share", "retired_in_pits", "last_lap_in_pit", "official",
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
    fs = final_status(laps, rule, finished, last=last)
    in_pit = fs["last_lap_in_pit"].to_numpy(dtype=bool)
    code = fs["status_code"].to_numpy(dtype=object)
    flag = fs["took_flag"].to_numpy(dtype=bool)
    retired = np.where(in_pit, "Retired in pits", "Retired")
    words = np.select(
        [code == "classified", code == "not_classified", code == "retired", code == "running", code == "in_pits"],
        [np.where(flag, "Running", retired), "Not classified", retired, "Running", "In pits"], "Stopped",
    )  # the timekeeper's vocabulary, kept for the documented ``status`` key; faces word ``status_code``
    out["status"] = pd.array(words, dtype="string")
    out["status_code"] = fs["status_code"].array
    out["classified"] = fs["classified"].array
    out["took_flag"] = flag
    out["distance_share"] = fs["distance_share"].to_numpy(dtype=float)
    out["retired_in_pits"] = ~flag & in_pit if fs["classified"].notna().all() else np.zeros(n, dtype=bool)
    out["last_lap_in_pit"] = in_pit
    out["official"] = False
    return out[cols]


def with_lapless_cars(table: pd.DataFrame, lapless: list[dict] | None) -> pd.DataFrame:
    """``table`` (cars or derived classification) plus the cars a reader lists as entered but with
    no completed lap (SRO: a first lap never finished), last, with 0 laps (status ``Retired``)."""
    if not lapless:
        return table
    n0 = len(table)
    rows = pd.DataFrame(
        {
            "car": pd.array([e["car"] for e in lapless], dtype="string"),
            "class": pd.array([e.get("class") for e in lapless], dtype="string"),
            "group": pd.array([""] * len(lapless), dtype="string"),
            "team": pd.array([e.get("team") for e in lapless], dtype="string"),
            "manufacturer": pd.array([e.get("manufacturer") for e in lapless], dtype="string"),
            "laps": 0,
        }
    )
    if "crew" in table.columns:  # the cars table
        rows["crew"] = [list(e.get("crew") or []) for e in lapless]  # the entered crew: nobody completed a lap
        rows["drivers"] = rows["crew"].map(len)
    else:  # the derived classification
        lead = int(table["laps"].iat[0]) if n0 else 0
        in_class = Counter(table["class"].tolist())
        rows["position"] = range(n0 + 1, n0 + len(lapless) + 1)
        rows["class_position"] = [in_class.update([e.get("class")]) or in_class[e.get("class")] for e in lapless]
        rows["gap_first_laps"] = lead
        rows["gap_first"] = rows["gap_class_leader"] = gap_text(lead, float("nan")) if lead else "-"
        rows["status"] = "Retired"
        rows["retired_in_pits"] = rows["last_lap_in_pit"] = rows["official"] = False
        rows["status_code"] = "retired"  # no lap completed: did not take the flag, not classified
        rows["classified"] = rows["took_flag"] = False
        rows["distance_share"] = 0.0
    out = pd.concat([table, rows[[c for c in table.columns if c in rows.columns]]], ignore_index=True)
    return out.astype(table.dtypes.to_dict())


#: an official STATUS (lower case) -> status code (:func:`official_status`); only ``classified`` is classified.
OFFICIAL_STATUS_CODES = {
    "classified": "classified", "running": "classified", "finished": "classified",
    "not classified": "not_classified", "nc": "not_classified",
    "retired": "retired", "dnf": "retired", "not running": "retired",
    "dsq": "disqualified", "disqualified": "disqualified", "excluded": "disqualified",
    "dns": "did_not_start", "did not start": "did_not_start",
}  # fmt: skip


def official_status(official: pd.DataFrame) -> pd.DataFrame:
    """``status_code``, ``classified`` and ``distance_share`` of an official classification, from its
    STATUS words (:data:`OFFICIAL_STATUS_CODES`; an unknown word gives NA) and its laps (share of the
    most laps in the file).

    >>> off = pd.DataFrame({"car": ["1", "2", "3"], "laps": [10, 3, 9], "status": ["Classified", "Not classified", "DSQ"]})
    >>> official_status(off).values.tolist()
    [['classified', True, 1.0], ['not_classified', False, 0.3], ['disqualified', False, 0.9]]
    """
    words = official["status"].astype("string").str.strip().str.lower()
    code = pd.array([OFFICIAL_STATUS_CODES.get(w) if isinstance(w, str) else None for w in words], dtype="string")
    classified = pd.array([pd.NA if pd.isna(c) else c == "classified" for c in code], dtype="boolean")
    laps = official["laps"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    top = np.nanmax(laps) if len(laps) and not np.isnan(laps).all() else np.nan
    share = laps / top if top and top > 0 else np.full(len(laps), np.nan)
    return pd.DataFrame({"status_code": code, "classified": classified, "distance_share": share})


def compare_with_official(derived: pd.DataFrame, official: pd.DataFrame) -> pd.DataFrame:
    """Explain every car whose derived position differs from the official one.

    The lap file cannot know what stewards decide after the race. Each difference is put
    down to one of:

    - ``time penalty +Ns``: the official TOTAL_TIME exceeds the car's last crossing by N s;
    - ``position penalty``: the official file itself places the car out of (laps desc,
      total time asc) order, i.e. it was moved by a decision, not by the timing;
    - ``not in lap file`` / ``not in official file``; ``not classified officially (status)``: the
      official file lists the car without a position (WIGE: retired, disqualified, did not start);
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
    # cars the official file lists without a position (WIGE: DNF, DSQ, DNS ...), with their status
    unranked = official.loc[official["position"].isna()]
    unranked = dict(zip(unranked["car"], unranked["status"] if "status" in unranked else [None] * len(unranked)))
    expl = []
    for r in m.itertuples():
        if pd.isna(r.position_derived):
            expl.append("not in lap file")
        elif r.car in unranked:
            status = unranked[r.car]
            expl.append("not classified officially" + ("" if pd.isna(status) else f" ({status})"))
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
