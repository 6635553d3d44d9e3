"""Race order and race state: the one place that decides who is ahead and whether the race is over.

Order (domain.md §4, the rule the timekeeper uses for the classification and its hourly snapshots):
each car as of its last crossing of the line; cars by laps completed (descending), then by the race
time of that crossing (ascending); ties keep the table order. :func:`final_order` applies it to
the whole lap table, :func:`order_index` to any (laps, time) arrays (standings at a moment, what-if
projections), optionally within groups (one ordering per hour).

Race state (:func:`race_state`), from the lap table alone:

- ``finished``: some crossing is under the chequered flag (``FF``); without a flag column, the
  cars' last crossings look like a finish (:func:`race_finished`);
- ``red_flag_finish``: no ``FF`` and the winner's last crossing is under ``RF`` (the race ended
  under a red flag);
- ``snapshot``: the file was taken while the race was still running (an hourly ``_Hour N`` file).

:func:`took_the_flag` says, per car, whether the car was running at the end: its last crossing is
at or after the winner's finishing crossing (:func:`finish_time`), or, in a red-flag finish, its
last crossing is under ``RF``.

**Start groups.** ``elapsed`` is each car's own race clock, from the start signal it took. Al Kamel
races have one signal; the Nürburgring (WIGE) starts cars in groups minutes apart, and every car's
official total counts from its own group's signal. Who is over (the chequered flag falls at one
moment for everybody) is decided on the common clock: ``elapsed`` plus the car's start offset
(:func:`start_offsets`: its start time of day, ``time_of_day − elapsed``, after the first group's).

Classified or not (:func:`final_status`), by the series' rule (:mod:`stintlab.analysis.finish_rules`,
data in ``rules/classification/series.toml``): at the end of a finished race each car is
``classified`` (it covered the rule's minimum share of the winner's laps and, where the rule asks,
took the flag), ``not_classified`` (it took the flag but fell short of the distance) or ``retired``
(it did not take the flag and the rule needs it). During the race (a snapshot) nobody is decided:
``running``, ``in_pits`` or ``stopped``.

All functions are pure: they take the canonical lap table (rows of a car together, by lap), or
any table with at least ``car``, ``lap`` and ``elapsed`` (``flag``, ``lap_time`` when present).

>>> import pandas as pd
>>> laps = pd.DataFrame({"car": ["1", "1", "2", "2", "3"], "lap": [1, 2, 1, 2, 1],
...                      "elapsed": [100.0, 200.0, 101.0, 203.5, 110.0],
...                      "flag": ["GF", "FF", "GF", "FF", "GF"]})
>>> final_order(laps)["car"].tolist(), finish_time(laps), race_state(laps)
(['1', '2', '3'], 200.0, 'finished')
>>> took_the_flag(laps).to_dict()
{'1': True, '2': True, '3': False}
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from stintlab.analysis.context import codes, group_key, values
from stintlab.analysis.finish_rules import ClassificationRule, classification_rule, rule_for_classes
from stintlab.analysis.grouping import stable_order
from stintlab.config import THRESHOLDS

__all__ = [
    "Crossings",
    "FINAL_STATUSES",
    "RACE_STATES",
    "SNAPSHOT_STATUSES",
    "classification_rule_of",
    "final_status",
    "finish_time",
    "final_order",
    "last_crossings",
    "last_crossings_at",
    "last_rows",
    "last_rows_at",
    "last_rows_at_times",
    "order_index",
    "race_finished",
    "race_state",
    "red_flag_finish",
    "snapshot_file",
    "start_offsets",
    "took_the_flag",
]

RACE_STATES = ("finished", "red_flag_finish", "snapshot")
#: status codes at the end of a finished race, and in a file taken during the race (:func:`final_status`).
FINAL_STATUSES = ("classified", "not_classified", "retired")
SNAPSHOT_STATUSES = ("running", "in_pits", "stopped")
_EPS = 1e-6


def last_rows(laps: pd.DataFrame) -> np.ndarray:
    """Positions (``iloc``) of each car's last crossing (its last row when its rows are in lap order,
    else its row of the highest lap, ties: the last in table order), in table order.

    >>> last_rows(pd.DataFrame({"car": ["1", "1", "2", "1"], "lap": [1, 2, 1, 3]})).tolist()
    [2, 3]
    >>> last_rows(pd.DataFrame({"car": ["1", "1", "2", "1"], "lap": [1, 3, 1, 2]})).tolist()
    [1, 2]
    """
    if len(laps) == 0:
        return np.zeros(0, dtype=np.int64)
    car = codes(laps, "car")[0]
    if "lap" not in laps:
        return _last_positions(car)
    lap = laps["lap"].to_numpy(dtype=float, na_value=np.nan)
    if _in_time_order(car, lap):
        return _last_positions(car)
    o = np.lexsort((np.nan_to_num(lap, nan=-np.inf), car))  # a missing lap number never counts as the last
    return np.sort(o[np.r_[car[o][1:] != car[o][:-1], True]])


def _last_positions(codes: np.ndarray) -> np.ndarray:
    """Positions of the last occurrence of each code, ascending (any coding consistent per car)."""
    n = len(codes)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    if n == 1 or bool((codes[1:] >= codes[:-1]).all()):  # rows of a car together (canonical table)
        return np.flatnonzero(np.r_[codes[1:] != codes[:-1], True])
    last = np.full(codes.max() + 1, -1, dtype=np.int64)
    last[codes] = np.arange(n)  # later rows overwrite earlier ones
    return np.sort(last[last >= 0])  # codes absent from a subset keep -1


def last_crossings(laps: pd.DataFrame) -> pd.DataFrame:
    """Each car's last row (its last crossing of the line), in table order, original index kept."""
    return laps.iloc[last_rows(laps)]


def last_rows_at(laps: pd.DataFrame, t: float) -> np.ndarray:
    """Positions (``iloc``) of each car's last crossing at or before race time ``t``, in table order
    (cars with none are left out).

    >>> last_rows_at(pd.DataFrame({"car": ["1", "1", "2"], "lap": [1, 2, 1], "elapsed": [100.0, 200.0, 250.0]}), 210.0).tolist()
    [1]
    """
    el = laps["elapsed"].to_numpy(dtype=float)
    keep = np.flatnonzero(el <= t)
    if keep.size == 0:
        return keep
    car, e = codes(laps, "car")[0][keep], el[keep]
    if _in_time_order(car, e):  # each car's rows in race-time order (canonical, or sorted by time)
        return keep[_last_positions(car)]
    # rows out of order: each car's latest crossing (ties: the last in table order), as last_rows_at_times
    o = np.lexsort((e, car))
    return np.sort(keep[o[np.r_[car[o][1:] != car[o][:-1], True]]])


def _in_time_order(car: np.ndarray, el: np.ndarray) -> bool:
    """Each car's rows (in table order) have non-decreasing race times (or lap numbers; NaN: no)."""
    if len(car) < 2:
        return True
    change = car[1:] != car[:-1]
    if bool((car[1:] >= car[:-1]).all()):  # rows of a car together: no reordering needed
        return bool((change | (el[1:] >= el[:-1])).all())
    o = stable_order(car)
    c, x = car[o], el[o]
    return bool(((c[1:] != c[:-1]) | (x[1:] >= x[:-1])).all())


def last_crossings_at(laps: pd.DataFrame, t: float) -> pd.DataFrame:
    """Each car's last crossing at or before race time ``t`` (cars with none are left out).

    >>> laps = pd.DataFrame({"car": ["1", "1", "2"], "lap": [1, 2, 1], "elapsed": [100.0, 200.0, 250.0]})
    >>> last_crossings_at(laps, 210.0)[["car", "lap"]].values.tolist()
    [['1', 2]]
    """
    return laps.iloc[last_rows_at(laps, t)]  # one take of the kept rows, not a filtered copy


def last_rows_at_times(laps: pd.DataFrame, times) -> tuple[np.ndarray, np.ndarray]:
    """Each car's last crossing at or before each of ``times``, at once: (row positions, index of
    the moment in ``times``), by car (table order) then moment; a car with no crossing yet at a
    moment has no entry for it. Rows of a car must be in race-time order (canonical table).

    >>> laps = pd.DataFrame({"car": ["1", "1", "2"], "lap": [1, 2, 1], "elapsed": [100.0, 200.0, 250.0]})
    >>> [a.tolist() for a in last_rows_at_times(laps, [150.0, 300.0])]
    [[0, 1, 2], [0, 1, 1]]
    """
    t = np.asarray(times, dtype=float)
    car_codes, uniq = codes(laps, "car")
    el = laps["elapsed"].to_numpy(dtype=float)
    # rows by car, then lap (elapsed increasing within a car): the composite key is sorted
    key = car_codes.astype(float) * 1e7 + el
    srt = np.argsort(key, kind="stable")
    skey = key[srt]
    n_cars = len(uniq)
    qc = np.repeat(np.arange(n_cars), len(t))
    qt = np.tile(t, n_cars)
    pos = np.searchsorted(skey, qc * 1e7 + qt, side="right") - 1
    valid = pos >= 0
    rows = np.where(valid, srt[np.clip(pos, 0, None)], 0)
    valid &= car_codes[rows] == qc
    return rows[valid], np.tile(np.arange(len(t)), n_cars)[valid]


class Crossings:
    """Every car's crossings of the line, read once per lap table for the order at many moments
    (standings after each hour, hourly positions: :class:`stintlab.analysis.standings.Snapshots`).

    ``lap``, ``elapsed``: the columns as numpy arrays. When the rows of each car are together and in
    race-time order (the canonical table: ``sorted``), each car's crossings are one sorted run of a
    composite key, so every car's last crossing at a moment is one binary search (:meth:`rows_at`);
    otherwise the same answers come from :func:`last_rows_at` / :func:`last_rows_at_times`.

    >>> laps = pd.DataFrame({"car": ["1", "1", "2"], "lap": [1, 2, 1], "elapsed": [100.0, 200.0, 250.0]})
    >>> c = Crossings(laps)
    >>> c.sorted, c.rows_at(210.0).tolist(), [a.tolist() for a in c.rows_at_times([150.0, 300.0])]
    (True, [1], [[0, 1, 2], [0, 1, 1]])
    """

    def __init__(self, laps: pd.DataFrame):
        self.laps = laps
        self.lap = laps["lap"].to_numpy(dtype=np.int64)
        self.elapsed = laps["elapsed"].to_numpy(dtype=float)
        self.sorted = False
        n = len(laps)
        if n == 0:
            return
        car = codes(laps, "car")[0]
        el = self.elapsed
        if car[0] < 0 or np.isnan(el).any() or not bool((car[1:] >= car[:-1]).all()):
            return
        change = car[1:] != car[:-1]
        if not bool((change | (el[1:] >= el[:-1])).all()):  # a car's crossings out of race-time order
            return
        self.sorted = True
        self._starts = np.flatnonzero(np.r_[True, change])  # each car's first and last row, table order
        self._ends = np.flatnonzero(np.r_[change, True])
        base = float(el.min())
        # a car's key block [i * stride, i * stride + span] lies below the next car's (rounding is monotone)
        self._stride = float(el.max()) - base + 1.0
        seg = np.repeat(np.arange(len(self._starts)), self._ends - self._starts + 1)
        self._key = seg * self._stride + (el - base)
        self._offset = np.arange(len(self._starts)) * self._stride - base

    def _search(self, q: np.ndarray, t, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
        """Each run's last row at or before ``t`` (``starts - 1`` when none): binary search of the
        composite key, then checked on the exact times (a key rounded across ``t`` is searched again)."""
        pos = np.minimum(np.maximum(np.searchsorted(self._key, q, side="right") - 1, starts - 1), ends)
        el = self.elapsed
        bad = ((pos >= starts) & (el[np.maximum(pos, 0)] > t)) | ((pos < ends) & (el[np.minimum(pos + 1, ends)] <= t))
        for i in np.flatnonzero(bad):
            tt = t if np.ndim(t) == 0 else t.flat[i]
            s, e = int(starts.flat[i]), int(ends.flat[i])
            pos.flat[i] = s + int(np.searchsorted(el[s : e + 1], tt, side="right")) - 1
        return pos

    def rows_at(self, t: float) -> np.ndarray:
        """:func:`last_rows_at` (each car's last crossing at or before ``t``, table order)."""
        if not self.sorted:
            return last_rows_at(self.laps, t)
        pos = self._search(self._offset + t, t, self._starts, self._ends)
        return pos[pos >= self._starts]

    def rows_at_times(self, times) -> tuple[np.ndarray, np.ndarray]:
        """:func:`last_rows_at_times` (row positions, index of the moment; by car, then moment)."""
        t = np.asarray(times, dtype=float)
        if not self.sorted:
            return last_rows_at_times(self.laps, t)
        shape = (len(self._starts), len(t))
        starts = np.broadcast_to(self._starts[:, None], shape)
        ends = np.broadcast_to(self._ends[:, None], shape)
        tt = np.broadcast_to(t[None, :], shape)
        pos = self._search(self._offset[:, None] + t[None, :], tt, starts, ends).ravel()
        valid = pos >= starts.ravel()
        return pos[valid], np.tile(np.arange(len(t)), shape[0])[valid]


def order_index(laps_done, times, groups=None) -> np.ndarray:
    """Positions that put rows in race order: laps desc, then time asc (NaN times last), ties in
    input order; with ``groups``, rows are first ordered by group (ascending), then so within each.

    >>> order_index([2, 3, 3, 2], [50.0, 80.0, 70.0, 40.0]).tolist()
    [2, 1, 3, 0]
    >>> order_index([1, 2, 2], [5.0, 9.0, 8.0], groups=[2, 1, 2]).tolist()
    [1, 2, 0]
    """
    lap = np.asarray(laps_done)
    t = np.asarray(times, dtype=float)
    keys = (t, -lap.astype(np.float64)) if groups is None else (t, -lap.astype(np.float64), np.asarray(groups))
    return np.lexsort(keys)


def final_order(laps: pd.DataFrame) -> pd.DataFrame:
    """Each car's last crossing, in final order (laps desc, then race time of that crossing asc);
    the index is reset (row i is position i + 1)."""
    last = last_crossings(laps)
    idx = order_index(last["lap"].to_numpy(), last["elapsed"].to_numpy(dtype=float))
    return last.iloc[idx].reset_index(drop=True)


def finish_time(laps: pd.DataFrame) -> float:
    """Race time of the winner's last crossing (the chequered flag in a finished race): the car with
    the most laps, earliest crossing among equals. NaN for an empty table.

    >>> finish_time(pd.DataFrame({"car": ["1", "2"], "lap": [3, 3], "elapsed": [300.0, 290.0]}))
    290.0
    """
    if laps.empty:
        return float("nan")
    pos = last_rows(laps)
    lap = laps["lap"].to_numpy()[pos]
    el = laps["elapsed"].to_numpy(dtype=float)[pos]
    top = lap == lap.max()
    return float(el[top][order_index(lap[top], el[top])[0]])


def _has_flags(laps: pd.DataFrame) -> bool:
    return "flag" in laps.columns and bool(laps["flag"].notna().any())


def _winner_row(laps: pd.DataFrame, pos: np.ndarray | None = None) -> int:
    """Row of the winner's last crossing; ``pos``: :func:`last_rows` when the caller has it."""
    pos = last_rows(laps) if pos is None else pos
    return int(pos[order_index(laps["lap"].to_numpy()[pos], laps["elapsed"].to_numpy(dtype=float)[pos])[0]])


def red_flag_finish(laps: pd.DataFrame, pos: np.ndarray | None = None) -> bool:
    """The race ended under a red flag: no crossing is ``FF`` and the winner's last crossing is ``RF``.

    >>> laps = pd.DataFrame({"car": ["1", "1", "2"], "lap": [1, 2, 1], "elapsed": [100.0, 700.0, 101.0],
    ...                      "flag": ["GF", "RF", "GF"]})
    >>> red_flag_finish(laps), red_flag_finish(laps.assign(flag=["GF", "FF", "GF"]))
    (True, False)
    """
    if laps.empty or "flag" not in laps.columns or bool((laps["flag"] == "FF").any()):
        return False
    return str(laps["flag"].iat[_winner_row(laps, pos)]) == "RF"


GROUP_START_MIN = 1.0  # s: start times of day closer than this are one start signal (clock rounding)


def start_offsets(laps: pd.DataFrame, pos: np.ndarray | None = None) -> np.ndarray:
    """Seconds between the first start signal and the start of each car's race clock, for the rows
    ``pos`` (default: every row). Zero for every car of a race with one start signal (the cars' start
    times of day, ``time_of_day − elapsed``, within :data:`GROUP_START_MIN`) or without times of day.

    >>> laps = pd.DataFrame({"car": ["1", "1", "2"], "elapsed": [100.0, 200.0, 90.0],
    ...                      "time_of_day": [43300.0, 43400.0, 43440.0]})
    >>> start_offsets(laps).tolist()
    [0.0, 0.0, 150.0]
    """
    n = len(laps) if pos is None else len(pos)
    if "time_of_day" not in laps.columns or laps.empty:
        return np.zeros(n)
    start = laps["time_of_day"].to_numpy(dtype=float) - laps["elapsed"].to_numpy(dtype=float)
    if np.isnan(start).all():
        return np.zeros(n)
    per_car = pd.Series(start).groupby(group_key(laps, "car"), sort=False).transform("median").to_numpy()
    if np.nanmax(per_car) - np.nanmin(per_car) < GROUP_START_MIN:
        return np.zeros(n)
    offset = np.nan_to_num(per_car - np.nanmin(per_car))
    return offset if pos is None else offset[pos]


def race_finished(laps: pd.DataFrame) -> bool:
    """Whether the lap file holds a finished race (chequered flag, or a red-flag finish) rather than
    a snapshot taken during it (an hourly ``_Hour N`` file of a race still running).

    With a flag column: finished when some crossing is ``FF`` or the race ended under a red flag.
    Without one: at the finish every car still running crosses the line *after* the winner's last
    crossing; in a snapshot the cars' last crossings are spread over the lap before the end of the
    file, about half of them before the leader's. So the race counts as finished unless more than
    two cars (and more than a quarter of those seen in the last lap) last crossed within one lap
    *before* the leader. Without flags a snapshot cut just after the leader crossed the line looks
    like a finish (about one snapshot in four).

    >>> laps = pd.DataFrame({"car": ["1", "2"], "lap": [5, 5], "elapsed": [500.0, 505.0],
    ...                      "lap_time": [100.0, 100.0], "flag": ["GF", "GF"]})
    >>> race_finished(laps), race_finished(laps.assign(flag=["FF", "FF"]))
    (False, True)
    """
    if laps.empty:
        return False
    if _has_flags(laps):
        return bool((laps["flag"] == "FF").any()) or red_flag_finish(laps)
    pos = last_rows(laps)
    el = laps["elapsed"].to_numpy(dtype=float)[pos] + start_offsets(laps, pos)  # common clock
    lead_t = float(el[pos == _winner_row(laps)][0])
    typical = float(laps["lap_time"].median())
    before = int(((el < lead_t) & (el > lead_t - typical)).sum())
    near_end = int((el > lead_t - typical).sum())
    return not (before > 2 and before > 0.25 * near_end)


def race_state(laps: pd.DataFrame) -> str:
    """``finished``, ``red_flag_finish`` or ``snapshot`` (module docstring; an empty table is a snapshot)."""
    if not race_finished(laps):
        return "snapshot"
    return "red_flag_finish" if red_flag_finish(laps) else "finished"


def snapshot_file(laps: pd.DataFrame) -> bool:
    """The file was taken while the race was still running, *as its flags show*: a flag column with
    crossings but neither a chequered flag (``FF``) nor a red flag ending it. Files without a flag
    column count as finished here (stints and events end with ``finish``/``retired``); the
    lap-time heuristic of :func:`race_finished` only decides classification statuses."""
    return _has_flags(laps) and not race_finished(laps)


def took_the_flag(laps: pd.DataFrame) -> pd.Series:
    """Per car (index = car, table order): the car was running at the end of the race. Its last
    crossing is at or after the winner's finishing crossing, or, when the race ended under a red
    flag (:func:`red_flag_finish`), its last crossing is under ``RF`` (stopped by the red flag).

    >>> laps = pd.DataFrame({"car": ["1", "1", "2", "2", "3"], "lap": [1, 2, 1, 2, 1],
    ...                      "elapsed": [100.0, 700.0, 102.0, 660.0, 105.0], "flag": ["GF", "RF", "GF", "RF", "GF"]})
    >>> took_the_flag(laps).to_dict()
    {'1': True, '2': True, '3': False}
    """
    if laps.empty:
        return pd.Series([], dtype=bool)
    pos = last_rows(laps)  # each car's last crossing (numpy columns only: no frame is taken)
    offsets = start_offsets(laps, pos)  # the flag falls at one moment: compare on the common clock
    winner = int(np.flatnonzero(pos == _winner_row(laps, pos))[0])
    common = laps["elapsed"].to_numpy(dtype=float)[pos] + offsets
    ok = common >= common[winner] - _EPS
    if red_flag_finish(laps, pos):
        ok |= values(laps, "flag", filled=True)[pos] == "RF"
    return pd.Series(ok, index=values(laps, "car")[pos])


def classification_rule_of(laps: pd.DataFrame) -> ClassificationRule:
    """The classification rule of the race's series, recognised from its car classes
    (:func:`stintlab.analysis.finish_rules.rule_for_classes`; ``generic`` when unknown)."""
    classes = laps["class"].dropna().unique() if "class" in laps.columns else ()
    return rule_for_classes(classes)


def final_status(laps: pd.DataFrame, rule: ClassificationRule | str | None = None,
                 finished: bool | None = None, *, last: pd.DataFrame | None = None) -> pd.DataFrame:  # fmt: skip
    """Each car's status at the end of the file, in final order (:func:`final_order`).

    Columns: ``car``, ``laps``, ``took_flag`` (running at the end, :func:`took_the_flag`),
    ``distance_share`` (laps / the reference laps of ``rule.share_of``: the overall winner's or the
    class winner's), ``classified`` (boolean; NA in a snapshot), ``status_code`` (``classified``,
    ``not_classified``, ``retired``; in a snapshot ``running``, ``in_pits``, ``stopped``) and
    ``last_lap_in_pit``.

    ``rule``: a :class:`~stintlab.analysis.finish_rules.ClassificationRule` or its name; by default
    the series' rule (:func:`classification_rule_of`). ``finished``: whether the file holds a
    finished race (default :func:`race_finished`). ``last``: ``final_order(laps)`` when the caller
    has it already.

    >>> laps = pd.DataFrame({"car": ["1", "1", "1", "2", "3", "3"], "lap": [1, 2, 3, 1, 1, 2],
    ...                      "class": "HYPERCAR", "elapsed": [100.0, 200.0, 300.0, 350.0, 110.0, 220.0],
    ...                      "in_lap": [False, False, False, False, False, True], "flag": "FF"})
    >>> final_status(laps)[["car", "distance_share", "status_code"]].round(3).values.tolist()
    [['1', 1.0, 'classified'], ['3', 0.667, 'retired'], ['2', 0.333, 'not_classified']]
    >>> final_status(laps, "imsa")["status_code"].tolist()
    ['classified', 'classified', 'classified']
    """
    if laps.empty:
        cols = ["car", "laps", "took_flag", "distance_share", "classified", "status_code", "last_lap_in_pit"]
        return pd.DataFrame({c: [] for c in cols})
    last = final_order(laps) if last is None else last
    rule = classification_rule_of(laps) if rule is None else classification_rule(rule)
    car = last["car"].to_numpy()
    n_laps = last["lap"].to_numpy(dtype=float)
    if rule.share_of == "class" and "class" in last.columns:
        ref = last.groupby("class", dropna=False, sort=False)["lap"].transform("max").to_numpy(dtype=float)
    else:
        ref = np.full(len(last), n_laps.max())
    share = np.divide(n_laps, ref, out=np.zeros(len(last)), where=ref > 0)
    in_pit = last["in_lap"].to_numpy(dtype=bool) if "in_lap" in last.columns else np.zeros(len(last), dtype=bool)
    flag = took_the_flag(laps).reindex(car).to_numpy(dtype=bool)
    if race_finished(laps) if finished is None else finished:
        classified = (share >= rule.min_share - 1e-9) & (flag | (not rule.needs_flag))
        code = np.where(classified, "classified", np.where(flag, "not_classified", "retired"))
        classified = pd.array(classified, dtype="boolean")
    else:  # a snapshot during the race: nobody is classified or retired yet
        end = float(laps["elapsed"].max())
        typical = laps.groupby("car", sort=False, observed=True)["lap_time"].median() if "lap_time" in laps.columns \
            else pd.Series(dtype=float)  # fmt: skip
        slack = THRESHOLDS.snapshot_slack_laps * typical.reindex(car).to_numpy(dtype=float)
        running = last["elapsed"].to_numpy(dtype=float) >= end - slack
        code = np.where(running, "running", np.where(in_pit, "in_pits", "stopped"))
        classified = pd.array([pd.NA] * len(last), dtype="boolean")
    return pd.DataFrame({"car": car, "laps": last["lap"].to_numpy(), "took_flag": flag, "distance_share": share,
                         "classified": classified, "status_code": pd.array(code, dtype="string"),
                         "last_lap_in_pit": in_pit})  # fmt: skip
