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
from functools import cached_property

import numpy as np
import pandas as pd
import pyarrow as pa

from stintlab.analysis.classification import gap_text
from stintlab.analysis.context import codes, strings, values
from stintlab.analysis.grouping import stable_order
from stintlab.analysis.lookup import find_class
from stintlab.analysis.order import Crossings, last_rows, order_index
from stintlab.errors import StintlabUsageError
from stintlab.io.alkamel_laps import MAX_RACE_TIME
from stintlab.schema import check_columns, empty_table

__all__ = [
    "STANDINGS_COLUMNS",
    "Snapshots",
    "standings_at",
    "standings_after_hour",
    "hour_snapshot_time",
    "final_standings",
    "position_history",
    "hourly_positions",
    "race_hours",
]

_STRING = pd.StringDtype()
_TEXT_COLUMNS = ("car", "class", "team", "driver")
STANDINGS_COLUMNS = [
    "position", "class_position", "car", "class", "team", "driver", "laps", "race_time", "in_pit",
    "gap_to_leader", "gap_to_class_leader", "gap_to_class_leader_laps", "gap_to_class_leader_s",
    "interval", "interval_s", "class_interval", "class_interval_s",
]  # fmt: skip


_LAP_TEXTS = np.empty(0, dtype=object)  # gap_text(b, NaN) for b = 0, 1, 2, ... laps behind


def _lap_texts(top: int) -> np.ndarray:
    """:data:`_LAP_TEXTS` up to ``top`` laps behind, worded once (a longer array replaces it whole)."""
    global _LAP_TEXTS
    texts = _LAP_TEXTS
    if len(texts) <= top:
        texts = np.array([gap_text(b, float("nan")) for b in range(top + 1)], dtype=object)
        _LAP_TEXTS = texts
    return texts


def _gap_texts(behind: np.ndarray, secs: np.ndarray) -> list:
    """The texts (:func:`gap_text`) of gap columns given as rows of (laps behind, seconds at equal
    laps or NaN), as string arrays (Arrow), all converted at once: a whole-lap gap (or none) is
    worded once per lap count, a gap in seconds once per distinct value."""
    k, n = behind.shape
    b = behind.ravel()
    text = _lap_texts(int(b.max()) if len(b) else 0)[np.maximum(b, 0)]
    same = np.flatnonzero(b == 0)  # a gap in seconds (or none)
    if len(same):
        uniq, back = np.unique(secs.ravel()[same], return_inverse=True)
        text[same] = np.array([gap_text(0, x) for x in uniq.tolist()], dtype=object)[back]
    whole = pa.array(text, type=pa.large_string())
    return [pd.arrays.ArrowStringArray(pa.chunked_array([whole.slice(i * n, n)])) for i in range(k)]


_COLUMN_INDEX: dict[tuple, pd.Index] = {}  # the column labels of each table shape, built once


def _frame(columns: dict, n: int) -> pd.DataFrame:
    """``pd.DataFrame(columns)`` for 1-D arrays of length ``n`` (a RangeIndex), without the dict
    constructor's checks and copies and with the column labels built once (half of a standings
    table's cost; pandas >= 2.2)."""
    names = tuple(columns)
    labels = _COLUMN_INDEX.get(names)
    if labels is None:
        labels = _COLUMN_INDEX.setdefault(names, pd.DataFrame({c: [] for c in names}).columns)
    try:
        return pd.DataFrame._from_arrays(list(columns.values()), columns=labels, index=pd.RangeIndex(n),
                                         verify_integrity=False)  # fmt: skip
    except (AttributeError, TypeError):  # a pandas without it
        return pd.DataFrame(columns)


def _empty_table(string: dict, lap: np.ndarray, el: np.ndarray, in_pit: np.ndarray) -> pd.DataFrame:
    """The standings of a moment before any crossing: no row, the numeric and text columns as objects."""
    out = pd.DataFrame({"position": np.zeros(0, dtype=np.int64), **string, "laps": lap, "race_time": el, "in_pit": in_pit})
    for c in STANDINGS_COLUMNS:
        if c not in out:
            out[c] = pd.Series([], dtype=object)
    return out[STANDINGS_COLUMNS]


class Snapshots:
    """What the standings of one lap table at every moment share, read once (``race.snapshots``):
    each car's crossings as sorted arrays (:class:`stintlab.analysis.order.Crossings`), the columns
    a standings table shows at the crossing rows, the class codes, and what the official hourly
    moments are found from. A standings table is then a binary search per car, the order of the
    listed cars and the output columns taken at their rows (:meth:`at`, :meth:`final`); the tables
    of many moments are made in one pass (:meth:`tables`: every race hour, :attr:`hour_tables`), and
    :meth:`hourly` is their long table. The public functions of this module build one for a single
    call. Computed parts are kept (two threads asking first may both compute one: same values)."""

    def __init__(self, laps: pd.DataFrame):
        self.laps = laps

    @cached_property
    def crossings(self) -> Crossings:
        return Crossings(self.laps)

    @cached_property
    def _columns(self) -> dict:
        laps, n = self.laps, len(self.laps)
        cols: dict = {}
        arrow = {}  # Arrow string columns: taken together (one take per table), no Python objects
        for k in _TEXT_COLUMNS:
            if k not in laps:
                cols[k] = None
            elif laps[k].dtype == _STRING and isinstance(laps[k].array, pd.arrays.ArrowStringArray):
                arrow[k] = laps[k].array.__arrow_array__()
            else:
                cols[k] = values(laps, k)
        cols["arrow"] = pa.table(arrow) if arrow else None
        cols["in_pit"] = laps["in_lap"].to_numpy(dtype=bool) if "in_lap" in laps else np.zeros(n, dtype=bool)
        cols["class_codes"] = codes(laps, "class", filled=True)[0] if n else np.zeros(0, dtype=np.int64)
        return cols

    def _strings(self, at: np.ndarray) -> dict:
        """The car, class, team and driver at rows ``at`` as string arrays
        (:func:`stintlab.analysis.context.strings`)."""
        cols = self._columns
        taken = cols["arrow"].take(at) if cols["arrow"] is not None else None
        out = {}
        for k in _TEXT_COLUMNS:
            if k in cols:
                src = cols[k]
                out[k] = pd.array([None] * len(at) if src is None else src[at], dtype="string")
            else:
                out[k] = pd.arrays.ArrowStringArray(taken.column(k))
        return out

    def table(self, rows: np.ndarray) -> pd.DataFrame:
        """Standings table from one row per car (its last crossing): ``rows`` are positions in the
        lap table (:meth:`tables` for one moment)."""
        rows = np.asarray(rows, dtype=np.int64)
        return self.tables(rows, np.zeros(len(rows), dtype=np.int64), 1)[0]

    def _ranked(self, rows: np.ndarray, moment: np.ndarray, count: int) -> dict:
        """Race order at each of ``count`` moments, for rows (each car's last crossing) and the
        index of their moment: ``at`` the rows by moment then race order, ``g`` their moment,
        ``lap``/``el`` there, ``bounds`` each moment's slice, ``first`` each row's moment leader,
        ``class_position``, ``leader`` (the class leader) and ``ahead`` (the car ahead in the class,
        itself for the class leader) as positions in ``at``."""
        lap_all, el_all = self.crossings.lap, self.crossings.elapsed
        o = order_index(lap_all[rows], el_all[rows], groups=moment)
        at, g = rows[o], moment[o]
        m = len(at)
        idx = np.arange(m)
        bounds = np.searchsorted(g, np.arange(count + 1))  # each moment's rows: bounds[k]:bounds[k + 1]
        out = {"at": at, "g": g, "lap": lap_all[at], "el": el_all[at], "idx": idx, "bounds": bounds, "first": bounds[g]}
        cc = self._columns["class_codes"][at]  # the race's class codes: only equality matters here
        key = g * (int(cc.max()) + 1 if m else 1) + cc
        by_class = np.argsort(key, kind="stable")  # rows of a class at a moment together, race order kept
        sk = key[by_class]
        starts = np.ones(m, dtype=bool)
        np.not_equal(sk[1:], sk[:-1], out=starts[1:])
        start_at = np.maximum.accumulate(np.where(starts, idx, 0)) if m else idx
        for name in ("class_position", "leader", "ahead"):
            out[name] = np.empty(m, dtype=np.int64)
        out["class_position"][by_class] = idx - start_at + 1
        out["leader"][by_class] = by_class[start_at]
        out["ahead"][by_class] = np.where(starts, by_class, by_class[np.maximum(idx - 1, 0)])
        return out

    def tables(self, rows: np.ndarray, moment: np.ndarray, count: int) -> list[pd.DataFrame]:
        """Standings tables at ``count`` moments at once: ``rows`` are positions in the lap table
        (each car's last crossing), ``moment`` the index of the moment each belongs to (rows of a
        moment in table order). Positions, leaders and cars ahead are found per moment in one pass
        over all the rows, the texts worded and the strings taken once; each table is then slices."""
        r = self._ranked(rows, moment, count)
        at, m, idx, first = r["at"], len(r["at"]), r["idx"], r["first"]
        lap, el = r["lap"], r["el"]
        string = self._strings(at)
        in_pit = self._columns["in_pit"][at]
        bounds = r["bounds"]
        if m == 0:
            return [_empty_table(string, lap, el, in_pit) for _ in range(count)]
        class_position, leader, ahead = r["class_position"], r["leader"], r["ahead"]
        # the car each gap is to, per column: the leader, the class leader, the car ahead overall and in the class
        ref = np.empty((4, m), dtype=np.int64)
        ref[0] = first
        ref[1] = leader
        ref[2] = np.maximum(idx - 1, first)
        ref[3] = ahead
        behind = lap[ref] - lap  # laps behind
        t_ref = el[ref]
        t_ref[3] = np.where(np.isnan(t_ref[3]), el, t_ref[3])  # as a NaN shifted time is filled with the car's own
        secs = np.where(behind == 0, el - t_ref, np.nan)  # seconds at equal laps
        texts = _gap_texts(behind, secs)
        columns = {
            "position": idx - first + 1,
            "class_position": class_position,
            **string,
            "laps": lap,
            "race_time": el,
            "in_pit": in_pit,
            "gap_to_leader": texts[0],
            "gap_to_class_leader": texts[1],
            "gap_to_class_leader_laps": behind[1],
            "gap_to_class_leader_s": secs[1],
            "interval": texts[2],
            "interval_s": secs[2],
            "class_interval": texts[3],
            "class_interval_s": secs[3],
        }
        columns = {c: columns[c] for c in STANDINGS_COLUMNS}
        out = []
        for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist()):
            if a == b:
                out.append(_empty_table({k: string[k][a:b] for k in _TEXT_COLUMNS}, lap[a:b], el[a:b], in_pit[a:b]))
            else:
                out.append(_frame({c: v[a:b] for c, v in columns.items()}, b - a))
        return out

    def at(self, t: float, cls: str | None = None) -> pd.DataFrame:
        """:func:`standings_at`."""
        check_columns(self.laps, "laps", "standings_at()", ("car", "lap", "class", "elapsed"))
        if t is None or (isinstance(t, float) and math.isnan(t)):
            raise StintlabUsageError("a race time is needed for standings")
        if t < 0:
            raise StintlabUsageError(f"race time must not be negative (got {t})")
        table = self.table(self.crossings.rows_at(float(t)))
        return _filter_class(table, self.laps, cls) if cls is not None else table

    def final(self, cls: str | None = None) -> pd.DataFrame:
        """:func:`final_standings`."""
        table = self.table(last_rows(self.laps))
        return _filter_class(table, self.laps, cls) if cls is not None else table

    @cached_property
    def hours(self) -> int:
        """:func:`race_hours`."""
        return race_hours(self.laps)

    @cached_property
    def _by_lap(self) -> tuple:
        """Per lap number (from the smallest, ``base``): the earliest race time any car completed
        that lap or a later one (NaN times never count; non-decreasing), the lap's first race time
        (NaN when one of its times is NaN), whether some row has that lap; and the last race time."""
        lap, el = self.crossings.lap, self.crossings.elapsed
        base = int(lap.min())
        k = lap - base
        size = int(k.max()) + 1
        earliest = np.full(size, np.inf)
        np.fmin.at(earliest, k, el)
        first = np.full(size, np.inf)
        np.minimum.at(first, k, el)
        later = np.minimum.accumulate(earliest[::-1])[::-1]
        return base, later, first, np.bincount(k, minlength=size) > 0, float(el.max())

    def hour_time(self, n: int) -> float:
        """:func:`hour_snapshot_time`."""
        t = n * 3600.0
        if self.laps.empty:
            return t
        base, later, first, present, last = self._by_lap
        done = int(np.searchsorted(later, t, side="right"))  # laps base .. base + done - 1 reached by t
        target = (base + done - 1 if done else 0) + 2 - base
        if not (0 <= target < len(present) and present[target]):
            return last
        return float(first[target]) - 0.001

    def after_hour(self, n: int, cls: str | None = None) -> pd.DataFrame:
        """:func:`standings_after_hour`, from :attr:`hour_tables` (every hour's table made at the
        first one asked: a race's hours are asked for together, and made together they cost a few
        times less)."""
        hours = self.hours
        if n < 1 or n > hours:
            raise StintlabUsageError(f"hour must be between 1 and {hours} for this race (got {n})")
        table = self.hour_tables[n - 1]
        return _filter_class(table, self.laps, cls) if cls is not None else table

    @cached_property
    def hour_tables(self) -> list[pd.DataFrame]:
        """The standings after every race hour 1..:attr:`hours` (:func:`standings_after_hour`), made
        at once (:meth:`tables`). Shared tables: do not modify them."""
        hours = self.hours
        check_columns(self.laps, "laps", "standings_at()", ("car", "lap", "class", "elapsed"))
        rows, moment = self.crossings.rows_at_times([self.hour_time(h) for h in range(1, hours + 1)])
        return self.tables(rows, moment, hours)

    def hourly(self, times: list[float] | None = None) -> pd.DataFrame:
        """:func:`hourly_positions`."""
        laps = self.laps
        if laps.empty:
            return empty_table("hourly_positions")
        if times is None:
            times = [self.hour_time(h) for h in range(1, self.hours + 1)]
        T = np.asarray(times, dtype=float)
        rows, moment = self.crossings.rows_at_times(T)
        r = self._ranked(rows, moment, len(T))
        at = r["at"]
        return pd.DataFrame(
            {
                "hour": r["g"] + 1,
                "at": T[r["g"]],
                "position": r["idx"] - r["first"] + 1,
                "class_position": r["class_position"],
                "car": strings(laps, "car", at),
                "class": strings(laps, "class", at),
                "laps": r["lap"],
                "race_time": r["el"],
                "in_pit": laps["in_lap"].to_numpy(dtype=bool)[at],
            }
        )


def standings_at(laps: pd.DataFrame, t: float, cls: str | None = None) -> pd.DataFrame:
    """Standings at race time ``t`` seconds (module docstring); ``cls`` keeps one class
    (case-insensitive; positions stay overall, gaps are unchanged).

    Columns: position, class_position, car, class, team, driver (at that crossing), laps,
    race_time (of the car's last crossing ≤ t), in_pit (that crossing was an in-lap),
    gap_to_leader, gap_to_class_leader (text), gap_to_class_leader_laps, gap_to_class_leader_s,
    interval, interval_s (to the car ahead overall), class_interval, class_interval_s.
    """
    check_columns(laps, "laps", "standings_at()", ("car", "lap", "class", "elapsed"))
    return Snapshots(laps).at(t, cls)


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
    return Snapshots(laps).hour_time(n)


def standings_after_hour(laps: pd.DataFrame, n: int, cls: str | None = None) -> pd.DataFrame:
    """Standings after race hour ``n`` as the timekeeper's hour-``n`` classification shows them
    (at :func:`hour_snapshot_time`; module docstring). ``n`` from 1 to the number of race hours
    (the last one is the final order)."""
    hours = race_hours(laps)
    if n < 1 or n > hours:
        raise StintlabUsageError(f"hour must be between 1 and {hours} for this race (got {n})")
    check_columns(laps, "laps", "standings_at()", ("car", "lap", "class", "elapsed"))
    snap = Snapshots(laps)
    return snap.at(snap.hour_time(n), cls)


def final_standings(laps: pd.DataFrame, cls: str | None = None) -> pd.DataFrame:
    """Standings after every car's last crossing (the derived final order)."""
    return Snapshots(laps).final(cls)


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
    lap0 = lap.astype(np.int64) - int(lap.min())
    cls = codes(laps, "class", filled=True)[0]  # cars without a class form one field
    # rows by race time (NaN last, ties in table order), then by lap, then by class: stable sorts, so
    # within a lap (and a class) the crossings stay in race-time order
    by_lap = stable_order(el)
    by_lap = by_lap[stable_order(lap0[by_lap])]
    by_class = by_lap[stable_order(cls[by_lap])]
    pos, lead = _rank_in_groups(by_lap, lap0, None, el)
    cpos, class_lead = _rank_in_groups(by_class, lap0, cls, el)
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


def _rank_in_groups(o: np.ndarray, a: np.ndarray, b: np.ndarray | None, el: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row: its 1-based rank in the order ``o`` within its group (the rows of equal ``a`` and
    ``b``, together in ``o``), and the race time of the group's first row in ``o``."""
    n = len(o)
    idx = np.arange(n)
    ao = a[o]
    new = np.empty(n, dtype=bool)
    new[0] = True
    np.not_equal(ao[1:], ao[:-1], out=new[1:])
    if b is not None:
        bo = b[o]
        new[1:] |= bo[1:] != bo[:-1]
    first = np.maximum.accumulate(np.where(new, idx, 0))
    rank = np.empty(n, dtype=np.int64)
    rank[o] = idx - first + 1
    lead = np.empty(n, dtype=float)
    lead[o] = el[o][first]
    return rank, lead


def hourly_positions(laps: pd.DataFrame, times: list[float] | None = None) -> pd.DataFrame:
    """Standings after each race hour 1..race_hours, at the official snapshot moments
    (:func:`hour_snapshot_time`), or at the given race ``times``, in one long table: hour (1-based index of the moment), at (race s), position, class_position, car, class,
    laps, race_time (the car's last crossing ≤ at), in_pit. A car that has stopped keeps its
    last crossing in later hours (as in the official hourly classifications)."""
    return Snapshots(laps).hourly(times)
