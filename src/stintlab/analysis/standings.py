"""Standings at any race time, after each race hour, and position history.

Standings at race time ``t`` (domain.md §4, how the timekeeper makes its snapshots): each car as of
its last crossing of the line at or before ``t``; order by laps completed (descending), then by
the race time of that crossing (ascending). Class position: the same order within the class.
Cars with no crossing at or before ``t`` are not listed.

"After hour N" follows the timekeeper's convention for the official hour-N classifications
(:func:`hour_snapshot_time`, docs/analysis.md): not N:00:00 but the moment, a few minutes later,
when the first car completes the second lap after the one the leader was on at N:00:00; each
car counts its crossings strictly before that moment. Checked on all 80 published hourly
classifications before the finish of 8 WEC races (every car's laps and the order of the cars
still classified). Exact clock cuts by last crossing are :func:`standings_at`; the CLI ``--at`` and
``race.standings(at=...)`` give the standings by distance covered (:mod:`stintlab.analysis.distance`).

Gaps: ``gap_to_class_leader`` is the race-time difference of the two crossings when the car has
the class leader's number of laps (``+12.345``), else ``N Lap(s)``; ``interval`` is the same
to the car directly ahead overall, ``class_interval`` to the car ahead in the class.

>>> import pandas as pd
>>> laps = pd.DataFrame({"car": ["1", "1", "2", "2", "3"], "lap": [1, 2, 1, 2, 1],
...     "class": ["A", "A", "A", "A", "B"], "team": ["t1", "t1", "t2", "t2", "t3"],
...     "driver": ["x", "x", "y", "y", "z"], "in_lap": [False] * 5,
...     "elapsed": [100.0, 200.0, 101.0, 203.5, 110.0]})
>>> s = standings_at(laps, 205.0)
>>> s[["position", "class_position", "car", "laps", "gap_to_class_leader", "interval"]].to_dict("records")
... # doctest: +NORMALIZE_WHITESPACE
[{'position': 1, 'class_position': 1, 'car': '1', 'laps': 2, 'gap_to_class_leader': '-', 'interval': '-'},
 {'position': 2, 'class_position': 2, 'car': '2', 'laps': 2, 'gap_to_class_leader': '+3.500', 'interval': '+3.500'},
 {'position': 3, 'class_position': 1, 'car': '3', 'laps': 1, 'gap_to_class_leader': '-', 'interval': '1 Lap'}]
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from stintlab.analysis.classification import gap_text
from stintlab.analysis.context import codes, strings
from stintlab.analysis.lookup import find_class
from stintlab.analysis.order import last_rows, last_rows_at, last_rows_at_times, order_index
from stintlab.errors import StintlabUsageError
from stintlab.io.alkamel_laps import MAX_RACE_TIME
from stintlab.schema import check_columns, empty_table

__all__ = [
    "STANDINGS_COLUMNS",
    "standings_at",
    "standings_after_hour",
    "hour_snapshot_time",
    "final_standings",
    "position_history",
    "hourly_positions",
    "race_hours",
]

STANDINGS_COLUMNS = [
    "position", "class_position", "car", "class", "team", "driver", "laps", "race_time", "in_pit",
    "gap_to_leader", "gap_to_class_leader", "gap_to_class_leader_laps", "gap_to_class_leader_s",
    "interval", "interval_s", "class_interval", "class_interval_s",
]  # fmt: skip


def _gap(laps_a: np.ndarray, t_a: np.ndarray, laps_b: np.ndarray, t_b: np.ndarray):
    """(laps behind, seconds at equal laps or NaN, text) of cars a relative to cars b."""
    behind = (laps_b - laps_a).astype(np.int64)
    secs = np.where(behind == 0, t_a - t_b, np.nan)
    laps_text: dict[int, str] = {}  # a gap of whole laps (seconds NaN) worded once per lap count
    text = [
        gap_text(b, s) if b == 0 else laps_text.get(b) or laps_text.setdefault(b, gap_text(b, s))
        for b, s in zip(behind.tolist(), secs.tolist())
    ]
    return behind, secs, text


def _table(laps: pd.DataFrame, rows: np.ndarray) -> pd.DataFrame:
    """Standings table from one row per car (its last crossing): ``rows`` are positions in ``laps``.

    Reads only the few columns it needs at those rows as numpy arrays (class codes for the in-class
    leader, position and car ahead; the lap table's string columns taken, not copied through
    objects) and builds the frame once."""
    rows = np.asarray(rows, dtype=np.int64)
    o = order_index(laps["lap"].to_numpy()[rows], laps["elapsed"].to_numpy(dtype=float)[rows])
    n = len(o)
    at = rows[o]
    lap = laps["lap"].to_numpy(dtype=np.int64)[at]
    el = laps["elapsed"].to_numpy(dtype=float)[at]
    string = {
        k: strings(laps, k, at) if k in laps else pd.array([None] * n, dtype="string")
        for k in ("car", "class", "team", "driver")
    }
    in_pit = laps["in_lap"].to_numpy(dtype=bool)[at] if "in_lap" in laps else None
    if n == 0:
        out = pd.DataFrame({"position": np.arange(1, n + 1, dtype=np.int64), **string, "laps": lap, "race_time": el,
                            "in_pit": in_pit if in_pit is not None else np.zeros(n, dtype=bool)})  # fmt: skip
        for c in STANDINGS_COLUMNS:
            if c not in out:
                out[c] = pd.Series([], dtype=object)
        return out[STANDINGS_COLUMNS]
    cc = codes(laps, "class", filled=True)[0][at]  # the race's class codes: only equality matters here
    by_class = np.argsort(cc, kind="stable")  # rows of a class together, race order kept
    sc = cc[by_class]
    starts = np.r_[True, sc[1:] != sc[:-1]]
    start_at = np.maximum.accumulate(np.where(starts, np.arange(n), 0))
    class_position = np.empty(n, dtype=np.int64)
    class_position[by_class] = np.arange(n) - start_at + 1
    leader = np.empty(n, dtype=np.int64)
    leader[by_class] = by_class[start_at]
    ahead = np.empty(n, dtype=np.int64)  # the car ahead in class, itself for the class leader
    ahead[by_class] = np.where(starts, by_class, by_class[np.maximum(np.arange(n) - 1, 0)])
    _, _, gap_to_leader = _gap(lap, el, np.full(n, lap[0]), np.full(n, el[0]))
    cb, cs, ct = _gap(lap, el, lap[leader], el[leader])
    prev_lap, prev_el = np.r_[lap[:1], lap[:-1]], np.r_[el[:1], el[:-1]]
    _, ivs, ivt = _gap(lap, el, prev_lap, prev_el)
    pe = el[ahead]
    pe = np.where(np.isnan(pe), el, pe)  # as a NaN shifted time is filled with the car's own
    _, cis, cit = _gap(lap, el, lap[ahead], pe)
    out = {
        "position": np.arange(1, n + 1, dtype=np.int64),
        "class_position": class_position,
        **string,
        "laps": lap,
        "race_time": el,
        "in_pit": in_pit if in_pit is not None else np.zeros(n, dtype=bool),
        "gap_to_leader": pd.array(gap_to_leader, dtype="string"),
        "gap_to_class_leader": pd.array(ct, dtype="string"),
        "gap_to_class_leader_laps": cb,
        "gap_to_class_leader_s": cs,
        "interval": pd.array(ivt, dtype="string"),
        "interval_s": ivs,
        "class_interval": pd.array(cit, dtype="string"),
        "class_interval_s": cis,
    }
    return pd.DataFrame({c: out[c] for c in STANDINGS_COLUMNS})


def standings_at(laps: pd.DataFrame, t: float, cls: str | None = None) -> pd.DataFrame:
    """Standings at race time ``t`` seconds (module docstring); ``cls`` keeps one class
    (case-insensitive; positions stay overall, gaps are unchanged).

    Columns: position, class_position, car, class, team, driver (at that crossing), laps,
    race_time (of the car's last crossing ≤ t), in_pit (that crossing was an in-lap),
    gap_to_leader, gap_to_class_leader (text), gap_to_class_leader_laps, gap_to_class_leader_s,
    interval, interval_s (to the car ahead overall), class_interval, class_interval_s.
    """
    check_columns(laps, "laps", "standings_at()", ("car", "lap", "class", "elapsed"))
    if t is None or (isinstance(t, float) and math.isnan(t)):
        raise StintlabUsageError("a race time is needed for standings")
    if t < 0:
        raise StintlabUsageError(f"race time must not be negative (got {t})")
    table = _table(laps, last_rows_at(laps, float(t)))
    if cls is not None:
        table = _filter_class(table, laps, cls)
    return table


def _filter_class(table: pd.DataFrame, laps: pd.DataFrame, cls: str) -> pd.DataFrame:
    find_class(laps["class"].dropna().unique(), cls)
    mask = table["class"].str.lower() == str(cls).lower()
    return table[mask.fillna(False).to_numpy(dtype=bool)].reset_index(drop=True)


def race_hours(laps: pd.DataFrame) -> int:
    """Number of race hours covered: ceil(last crossing / 3600)."""
    if laps.empty:
        return 0
    last = float(laps["elapsed"].max())
    if not last <= MAX_RACE_TIME:  # bounds every per-hour loop (the reader refuses such files)
        raise StintlabUsageError(f"race time {last:g} s is beyond {MAX_RACE_TIME / 3600:.0f} h: not a race")
    return int(math.ceil(last / 3600.0))


def hour_snapshot_time(laps: pd.DataFrame, n: int) -> float:
    """The race time of the official hour-``n`` classification, recovered from the lap file.

    With L the most laps any car has completed at exactly ``n`` × 3600 s, the timekeeper takes its
    hourly classification as the first car completes lap L + 2 (the leader's second crossing
    after the hour), without that crossing: each car counts its crossings strictly before the
    returned moment (:func:`standings_at` takes crossings at or before it, so the moment returned
    is that crossing minus 1 ms; ELAPSED has millisecond resolution). When no car completes lap
    L + 2 the race ended first: the moment is the last crossing (the final order).

    >>> import pandas as pd
    >>> laps = pd.DataFrame({"car": ["1"] * 5 + ["2"] * 4, "lap": [1, 2, 3, 4, 5, 1, 2, 3, 4],
    ...     "elapsed": [1000.0, 2000.0, 3000.0, 4000.0, 5000.0, 1100.0, 2200.0, 3300.0, 4400.0]})
    >>> hour_snapshot_time(laps, 1)  # 3 laps done at 1 h; car 1 completes lap 5 at 5000 s
    4999.999
    >>> standings_after_hour(laps.assign(**{"class": "A"}), 1)[["car", "laps"]].values.tolist()
    [['1', 4], ['2', 4]]
    >>> hour_snapshot_time(laps[laps["lap"] <= 4], 1)  # nobody completes lap 5: the last crossing
    4400.0
    """
    t = n * 3600.0
    if laps.empty:
        return t
    el = laps["elapsed"].to_numpy(dtype=float)
    lap = laps["lap"].to_numpy(dtype=np.int64)
    done = lap[el <= t]
    target = (int(done.max()) if done.size else 0) + 2
    reached = el[lap == target]
    if reached.size == 0:
        return float(el.max())
    return float(reached.min()) - 0.001


def standings_after_hour(laps: pd.DataFrame, n: int, cls: str | None = None) -> pd.DataFrame:
    """Standings after race hour ``n`` as the timekeeper's hour-``n`` classification shows them
    (at :func:`hour_snapshot_time`; module docstring). ``n`` from 1 to the number of race hours
    (the last one is the final order)."""
    hours = race_hours(laps)
    if n < 1 or n > hours:
        raise StintlabUsageError(f"hour must be between 1 and {hours} for this race (got {n})")
    return standings_at(laps, hour_snapshot_time(laps, n), cls)


def final_standings(laps: pd.DataFrame, cls: str | None = None) -> pd.DataFrame:
    """Standings after every car's last crossing (the derived final order)."""
    table = _table(laps, last_rows(laps))
    return _filter_class(table, laps, cls) if cls is not None else table


def position_history(laps: pd.DataFrame) -> pd.DataFrame:
    """Per lap row: car, lap, class, race_time, position and class_position at that crossing.

    At the moment a car completes lap k, the cars ahead of it are exactly those that completed
    lap k earlier, so its position is the rank of its lap-k crossing among all lap-k crossings
    (the lap chart). gap_to_leader: seconds behind the first car to complete that lap;
    class_gap: the same within the car's class.
    """
    if laps.empty:
        return empty_table("position_history")
    el = laps["elapsed"].to_numpy(dtype=float)
    lap = laps["lap"].to_numpy()
    cls = codes(laps, "class", filled=True)[0]  # cars without a class form one field
    df = pd.DataFrame({"lap": lap, "el": el, "cls": cls})
    pos = df.groupby("lap", sort=False)["el"].rank(method="first").to_numpy(dtype=np.int64)
    cpos = df.groupby(["lap", "cls"], sort=False)["el"].rank(method="first").to_numpy(dtype=np.int64)
    lead = df.groupby("lap", sort=False)["el"].transform("min").to_numpy()
    class_lead = df.groupby(["lap", "cls"], sort=False)["el"].transform("min").to_numpy()
    return pd.DataFrame(
        {
            "car": strings(laps, "car"),
            "lap": lap,
            "class": strings(laps, "class"),
            "race_time": el,
            "position": pos,
            "class_position": cpos,
            "gap_to_leader": el - lead,
            "class_gap": el - class_lead,
        }
    )


def hourly_positions(laps: pd.DataFrame, times: list[float] | None = None) -> pd.DataFrame:
    """Standings after each race hour 1..race_hours, at the official snapshot moments
    (:func:`hour_snapshot_time`), or at the given race ``times``, in one long table: hour (1-based index of the moment), at (race s), position, class_position, car, class,
    laps, race_time (the car's last crossing ≤ at), in_pit. A car that has stopped keeps its
    last crossing in later hours (as in the official hourly classifications)."""
    cols = ["hour", "at", "position", "class_position", "car", "class", "laps", "race_time", "in_pit"]
    if laps.empty:
        return empty_table("hourly_positions")
    if times is None:
        times = [hour_snapshot_time(laps, h) for h in range(1, race_hours(laps) + 1)]
    T = np.asarray(times, dtype=float)
    el = laps["elapsed"].to_numpy(dtype=float)
    rows, moment = last_rows_at_times(laps, T)
    qt_v, hour = T[moment], moment + 1
    lapv = laps["lap"].to_numpy()[rows].astype(np.int64)
    elv = el[rows]
    cls = codes(laps, "class", filled=True)[0][rows]
    df = pd.DataFrame(
        {
            "hour": hour,
            "at": qt_v,
            "car": strings(laps, "car", rows),
            "class": strings(laps, "class", rows),
            "laps": lapv,
            "race_time": elv,
            "in_pit": laps["in_lap"].to_numpy(dtype=bool)[rows],
            "_cls": cls,
        }
    )
    df = df.iloc[order_index(lapv, elv, groups=hour)]
    df["position"] = df.groupby("hour", sort=False).cumcount().to_numpy() + 1
    df["class_position"] = df.groupby(["hour", "_cls"], sort=False).cumcount().to_numpy() + 1
    return df[cols].reset_index(drop=True)
