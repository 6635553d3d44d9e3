"""The rules checker: driver spells judged against a rule set (:mod:`stintlab.analysis.rules.model`).

:func:`check_rules` takes driver spells (a race's, from :func:`spells_from_laps`, or a plan's)
and returns

- ``drivers``: car, driver, class, category, total, longest_spell, worst_window, min_total,
  max_total, verdict (``ok`` / ``violation`` / ``unknown`` when a needed category is unknown);
- ``crews``: car, class, drivers, composition, rule, verdict (``ok`` / ``violation`` /
  ``unknown`` / ``no rule``);
- ``violations``: car, driver, rule, laps (lap ranges that prove it, e.g. ``"12-40"``), detail.

:func:`check_laps` is the one adapter from a lap table (spells, exact driving intervals and the
cars that took the finish). Windows come from :func:`stintlab.analysis.window.worst_window`.

>>> import pandas as pd
>>> plan = pd.DataFrame({"car": ["1", "1"], "driver": ["A", "B"], "class": ["LMP2", "LMP2"],
...                      "start": [0.0, 5 * 3600.0], "end": [5 * 3600.0, 24 * 3600.0],
...                      "drive_time": [5 * 3600.0, 19 * 3600.0]})
>>> out = check_rules(plan, "lemans-2019", {("1", "A"): "Silver", ("1", "B"): "Gold"})
>>> out["drivers"][["driver", "verdict"]].values.tolist()
[['A', 'violation'], ['B', 'violation']]
>>> sorted(set(out["violations"]["rule"]))
['max_total', 'max_window', 'min_total']
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from stintlab.analysis.classification import derive_classification, race_finished
from stintlab.analysis.rules.model import RuleSet, composition_text, load_rules
from stintlab.analysis.stints import driver_spells, driving_intervals
from stintlab.analysis.window import worst_window
from stintlab.errors import StintlabUsageError
from stintlab.io.values import format_time
from stintlab.names import name_key

__all__ = ["SPELL_COLUMNS", "check_laps", "check_rules", "finishers", "is_lap_table", "max_window", "spells_from_laps"]

#: Columns of a spells table as the checker reads it (``driver_spells`` names lap_start/lap_end are renamed).
SPELL_COLUMNS = ["car", "driver", "start", "end", "drive_time", "first_lap", "last_lap"]
_ALIASES = {"start_time": "start", "end_time": "end", "lap_first": "first_lap", "lap_last": "last_lap"}


def is_lap_table(df: pd.DataFrame) -> bool:
    """Whether ``df`` is a lap table (lap and lap_time columns) rather than a spells table."""
    return "lap_time" in df.columns and "lap" in df.columns


def spells_from_laps(laps: pd.DataFrame, exclude_pit: bool = True) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(spells, driving intervals) of a lap table: :func:`stintlab.analysis.stints.driver_spells`
    with first_lap/last_lap, and per lap the driving interval with car, driver and lap.

    ``exclude_pit`` is the rule set's ``[counting]`` convention: True, the pit-lane time of the stops
    does not count (``drive_time`` as in :func:`~stintlab.analysis.stints.driver_spells`); False, a
    spell's drive time is the sum of its lap times, stops included (its ``duration``: what WIGE's
    FAHRERn_ZEIT counts)."""
    spells = driver_spells(laps).rename(columns={"lap_start": "first_lap", "lap_end": "last_lap"})
    if not exclude_pit:
        spells = spells.assign(drive_time=spells["duration"].to_numpy(dtype=float))
    intervals = driving_intervals(laps, exclude_pit).assign(lap=laps["lap"].to_numpy())
    return spells, intervals


def finishers(laps: pd.DataFrame) -> set:
    """Cars that took the finish (status Running in the derived classification); none in a file of
    a race still running."""
    if not race_finished(laps):  # a file of a race still running: nobody has finished yet
        return set()
    cls = derive_classification(laps)
    return set(cls.loc[cls["status"] == "Running", "car"].astype(str))


def check_laps(laps: pd.DataFrame, rules, categories=None, *, finished=None) -> dict:
    """Check a race (its lap table) against a rule set: the adapter from laps to :func:`check_rules`.

    ``finished`` defaults to :func:`finishers` of the laps; windows use the exact per-lap driving
    intervals; pit-lane time counts or not as the rule set's ``[counting] exclude_pit`` says."""
    rules = load_rules(rules)
    spells, intervals = spells_from_laps(laps, rules.exclude_pit)
    if finished is None:
        finished = finishers(laps)
    return check_rules(spells, rules, categories, finished=finished, intervals=intervals)


def _normalise_spells(df: pd.DataFrame) -> pd.DataFrame:
    df = df.rename(columns={k: v for k, v in _ALIASES.items() if k in df.columns})
    if "lap_start" in df.columns and "first_lap" not in df.columns:  # driver_spells names: lap numbers
        df = df.rename(columns={"lap_start": "first_lap", "lap_end": "last_lap"})
    missing = [c for c in ("car", "driver", "drive_time") if c not in df.columns]
    if missing:
        raise StintlabUsageError(
            f"check_rules needs a lap table or spells with car, driver, drive_time (missing {missing})"
        )
    for col in ("start", "end"):
        if col not in df.columns:
            df = df.assign(**{col: np.nan})
    return df


def max_window(starts, ends, amounts, window: float) -> tuple[float, float]:
    """Most driving inside any window of length ``window`` (rounded to the microsecond), and where
    that window starts: :func:`stintlab.analysis.window.worst_window` with explicit amounts.

    >>> max_window([0, 7200], [3600, 10800], [3600, 3600], 6 * 3600)
    (7200.0, 0.0)
    >>> max_window([0, 30000], [3600, 33600], [3600, 3600], 6 * 3600)
    (3600.0, 0.0)
    """
    value, start = worst_window(starts, ends, window, amounts=amounts)
    return float(round(value, 6)), start


def _lap_ranges(laps: list[int]) -> str:
    """'3-5, 9' from [3, 4, 5, 9].

    >>> _lap_ranges([3, 4, 5, 9])
    '3-5, 9'
    """
    if not laps:
        return ""
    laps = sorted(set(int(x) for x in laps))
    out, a, b = [], laps[0], laps[0]
    for x in laps[1:]:
        if x == b + 1:
            b = x
            continue
        out.append(f"{a}-{b}" if b > a else f"{a}")
        a = b = x
    out.append(f"{a}-{b}" if b > a else f"{a}")
    return ", ".join(out)


def _spell_laps(sp: pd.DataFrame) -> str:
    if "first_lap" not in sp.columns:
        return ""
    laps = []
    for first, last in zip(sp["first_lap"], sp["last_lap"], strict=True):
        if pd.isna(first) or pd.isna(last):
            continue
        laps.extend(range(int(first), int(last) + 1))
    return _lap_ranges(laps)


def _category_lookup(categories) -> dict:
    if categories is None:
        return {}
    if isinstance(categories, pd.DataFrame):
        items = zip(categories["car"], categories["driver"], categories["category"], strict=True)
    else:
        items = ((k[0], k[1], v) for k, v in dict(categories).items())
    out = {}
    for car, drv, cat in items:
        if cat is None or cat is pd.NA or (isinstance(cat, float) and np.isnan(cat)):
            continue
        out[(str(car), name_key(drv))] = str(cat)
    return out


def check_rules(spells: pd.DataFrame, rules, categories=None, *, finished=None, intervals=None) -> dict:
    """Check driver spells (a race's or a plan's) against a rule set.

    ``spells``: car, driver, drive_time (s); start, end (race s) for window and rest rules; class
    for class rules; first_lap, last_lap (or lap_start, lap_end) to list the laps that prove a
    violation. A lap table is accepted too: it goes through :func:`check_laps`.
    ``categories``: ``{(car, driver): category}`` or a DataFrame with car, driver, category
    (names matched with :func:`stintlab.names.name_key`), or None. ``finished``: the cars that
    took the finish (minimum-time rules apply only to them); every car by default.
    ``intervals``: per-lap driving intervals (car, driver, drive_start, drive_end, lap, as
    :func:`spells_from_laps` returns) for exact windows; without them a spell's drive time is
    spread evenly over its [start, end].
    """
    if is_lap_table(spells):
        return check_laps(spells, rules, categories, finished=finished)
    rs = load_rules(rules)
    spells = _normalise_spells(spells)
    iv_groups = (
        {} if intervals is None else {k: g for k, g in intervals.groupby(["car", "driver"], sort=False, observed=True)}
    )
    cats = _category_lookup(categories)
    if finished is None:
        finished = set(spells["car"].astype(str))
    finished = {str(c) for c in finished}

    spells = spells.assign(car=spells["car"].astype(str), driver=spells["driver"].astype("string").fillna("(unknown)"))
    if "class" not in spells.columns:
        spells = spells.assign(**{"class": pd.NA})
    windows = rs.windows
    driver_rows, violations = [], []
    for (car, drv), sp in spells.groupby(["car", "driver"], sort=False):
        sp = sp.sort_values("start", kind="stable") if sp["start"].notna().all() else sp
        cls = sp["class"].iloc[0]
        cls = None if pd.isna(cls) else str(cls)
        cat = cats.get((car, name_key(drv)))
        total = float(sp["drive_time"].sum())
        longest_i = int(np.argmax(sp["drive_time"].to_numpy())) if len(sp) else 0
        longest = float(sp["drive_time"].iloc[longest_i]) if len(sp) else 0.0
        w = windows[0] if windows else 6 * 3600.0
        seg = iv_groups.get((car, drv))
        if seg is not None:
            seg_s, seg_e = seg["drive_start"].to_numpy(), seg["drive_end"].to_numpy()
            seg_a = seg_e - seg_s
        else:
            seg_s, seg_e, seg_a = sp["start"].to_numpy(), sp["end"].to_numpy(), sp["drive_time"].to_numpy()
        worst, _ = max_window(seg_s, seg_e, seg_a, w)
        verdict = "ok"
        mins, maxs = [], []
        for r in rs.driving:
            if not r.class_applies(cls):
                continue
            applies = r.category_applies(cat)
            if applies is False:
                continue
            fail, detail, proof = False, "", ""
            if r.rule == "min_total":
                if car not in finished:
                    continue
                if applies:
                    mins.append(r.min_total)
                if total < r.min_total:
                    fail = True
                    detail = f"drove {format_time(total)}, minimum {format_time(r.min_total)}"
                    proof = _spell_laps(sp)
            elif r.rule == "max_total":
                if applies:
                    maxs.append(r.max_total)
                if total > r.max_total:
                    fail = True
                    detail = f"drove {format_time(total)}, maximum {format_time(r.max_total)}"
                    proof = _spell_laps(sp)
            elif r.rule == "max_continuous":
                over = sp[sp["drive_time"] > r.max_continuous]
                if len(over):
                    fail = True
                    detail = f"continuous spell of {format_time(float(over['drive_time'].max()))}, maximum {format_time(r.max_continuous)}"
                    proof = _spell_laps(over)
                if r.rest_after is not None and sp["start"].notna().all() and len(sp) > 1:
                    gaps = sp["start"].to_numpy()[1:] - sp["end"].to_numpy()[:-1]
                    long_before = sp["drive_time"].to_numpy()[:-1] >= r.max_continuous - 1e-6
                    bad = np.flatnonzero(long_before & (gaps < r.rest_after))
                    if len(bad):
                        fail = True
                        detail = (
                            (detail + "; " if detail else "")
                            + f"rest of {format_time(float(gaps[bad[0]]))} after a maximal spell, minimum {format_time(r.rest_after)}"
                        )
                        proof = ", ".join(x for x in (proof, _spell_laps(sp.iloc[[bad[0], bad[0] + 1]])) if x)
            elif r.rule == "max_window":
                value, t0 = max_window(seg_s, seg_e, seg_a, r.window)
                if r.window == w:
                    worst = value
                if value > r.max_in_window:
                    fail = True
                    detail = (f"drove {format_time(value)} in the {format_time(r.window)} from race time "
                              f"{format_time(t0)}, maximum {format_time(r.max_in_window)}")  # fmt: skip
                    inside = sp[(sp["end"] > t0) & (sp["start"] < t0 + r.window)]
                    if seg is not None:
                        ov = seg[(seg["drive_end"] > t0) & (seg["drive_start"] < t0 + r.window)]
                        proof = _lap_ranges(ov["lap"].tolist())
                    else:
                        proof = _spell_laps(inside)
            if fail:
                if applies is None:
                    if verdict == "ok":
                        verdict = "unknown"
                    continue
                verdict = "violation"
                violations.append({"car": car, "driver": drv, "rule": r.rule, "laps": proof, "detail": detail,
                                   "class": cls, "category": cat, "source": r.source})  # fmt: skip
        driver_rows.append(
            {
                "car": car,
                "driver": drv,
                "class": cls,
                "category": cat,
                "total": total,
                "longest_spell": longest,
                "worst_window": worst,
                "window": w,
                "spells": len(sp),
                "min_total": max(mins) if mins else np.nan,
                "max_total": min(maxs) if maxs else np.nan,
                "finished": car in finished,
                "verdict": verdict,
            }
        )
    drivers = pd.DataFrame(driver_rows, columns=["car", "driver", "class", "category", "total", "longest_spell",
                                                 "worst_window", "window", "spells", "min_total", "max_total",
                                                 "finished", "verdict"])  # fmt: skip
    crews = _check_crews(drivers, rs, violations)
    viol = pd.DataFrame(violations, columns=["car", "driver", "rule", "laps", "detail", "class", "category", "source"])
    return {"drivers": drivers, "crews": crews, "violations": viol, "rules": rs}


def _check_crews(drivers: pd.DataFrame, rs: RuleSet, violations: list) -> pd.DataFrame:
    rows = []
    for car, d in drivers.groupby("car", sort=False):
        cls = d["class"].iloc[0]
        cats = [None if pd.isna(c) else c for c in d["category"]]
        comp = composition_text(cats)
        applicable = [r for r in rs.crew if r.class_applies(cls)]
        if not applicable:
            rows.append(
                {
                    "car": car,
                    "class": cls,
                    "drivers": len(d),
                    "composition": comp,
                    "rule": "",
                    "verdict": "no rule",
                    "detail": "",
                }
            )
            continue
        verdicts, details, names = [], [], []
        for r in applicable:
            v, detail = r.judge(cats)
            verdicts.append(v)
            names.append(r.rule)
            if detail:
                details.append(detail)
            if v == "violation":
                violations.append({"car": car, "driver": "", "rule": "crew: " + r.rule, "laps": "", "detail": f"{comp}: {detail}",
                                   "class": cls, "category": comp, "source": r.source})  # fmt: skip
        verdict = "violation" if "violation" in verdicts else "unknown" if "unknown" in verdicts else "ok"
        rows.append({"car": car, "class": cls, "drivers": len(d), "composition": comp, "rule": "; ".join(names),
                     "verdict": verdict, "detail": "; ".join(details)})  # fmt: skip
    return pd.DataFrame(rows, columns=["car", "class", "drivers", "composition", "rule", "verdict", "detail"])
