"""Standings at any instant by distance covered: what a timing screen shows between two crossings.

**Distance.** Every car's progress is known at its timing points: the line at the end of each lap
(``elapsed``, distance = laps completed), the end of sector 1 and of sector 2 (``lap_start + s1``,
``lap_start + s1 + s2``) and, in WithSections files, every intermediate loop present on most laps
(``lap_start`` + the loop's ``elapsed``). A timing point inside lap k sits at distance
``k - 1 + f``, where ``f`` is the point's share of the lap: the median, over the reference laps of
the race, of (time to the point / lap time) — sector lengths are not in the file, so a point is placed
where the field's racing laps reach it in time. Reference laps: no in-lap, no out-lap, not lap 1,
lap time within ``THRESHOLDS.distance_ref_ratio`` of the class's 5th-percentile lap.

Between two timing points a car advances linearly in time. A stretch is a **stop** when it is the
first stretch of an out-lap (it holds the pit stop: the out-lap's S1 holds the pit exit) or when it
takes more than ``THRESHOLDS.distance_hold_factor`` times the class reference time for it (the
class reference lap × the stretch's share of the lap; a car stopped on track, in the garage, under a
red flag): the car then **holds its distance at the last timing point** and runs the stretch at
reference pace over its last seconds only. A car in the pits therefore counts as at the line it
crossed in the pit lane (its in-lap completed) until it leaves; a car in the garage does not advance;
after its last crossing (retired, or finished) a car keeps its last distance.

**Order** at race time ``t``: distance descending, then the time the car reached that distance
(ascending: the car held at a line longer was there first). Cars are listed from the start of their
first lap.

**Gaps** are time differences at the same point of the track: for car B at distance ``d_B`` and a
car A ahead (``d_A >= d_B``), ``gap_s = t - tau_A(d_B)``, where ``tau_A(d)`` is the first time A
was at distance d (the same interpolation, inverted): how long ago A was where B is now. When both
cars stand still (both finished, both in the pits, stopped) the gap is frozen at the moment B got
there, ``tau_B(d_B) - tau_A(d_B)`` (two finishers: the difference of their finishing crossings),
unless A got there after B (A passed B while B was standing). ``laps_down = floor(d_A - d_B)``: a car is
shown "N Lap(s)" down only when the other one has covered at least N more laps; 0.23 laps behind is
a gap in seconds. ``gap_s`` is given in both cases.

>>> import pandas as pd
>>> laps = pd.DataFrame({"car": ["1", "1", "2", "2"], "lap": [1, 2, 1, 2], "class": "A",
...     "elapsed": [100.0, 200.0, 130.0, 260.0], "lap_time": [100.0, 100.0, 130.0, 130.0],
...     "s1": [30.0, 30.0, 40.0, 40.0], "s2": [30.0, 30.0, 40.0, 40.0], "s3": [40.0, 40.0, 50.0, 50.0],
...     "in_lap": False, "out_lap": False})
>>> p = progress(laps)
>>> s = distance_standings(p, 150.0)
>>> s[["car", "laps", "distance", "gap_to_leader", "gap_to_leader_s", "gap_to_leader_laps"]].values.tolist()
[['1', 1, 1.5, '-', 0.0, 0], ['2', 1, 1.15, '+35.000', 35.0, 0]]
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from stintlab.analysis.classification import gap_text
from stintlab.analysis.lookup import find_class
from stintlab.config import THRESHOLDS
from stintlab.errors import StintlabUsageError
from stintlab.schema import check_columns, empty_table, table_columns

__all__ = [
    "Progress", "progress", "distance_at", "next_point", "first_time_at", "distance_standings", "gap_history", "HOLD_FACTOR", "REF_RATIO",
]  # fmt: skip

HOLD_FACTOR = THRESHOLDS.distance_hold_factor
REF_RATIO = THRESHOLDS.distance_ref_ratio
_COLUMNS = [c.name for c in table_columns("distance_standings")]
_MIN_SHARE = 0.5  # a section loop counts when present on at least this share of the laps


@dataclass(frozen=True)
class Progress:
    """Every car's timing points, sorted by car then time (one row = one point).

    ``code``: car index into ``cars``; ``t``: race time at the point; ``d``: distance (laps); ``t0``:
    the time the car starts moving on the stretch that ends at this point (the previous point's time,
    or later when the stretch is a stop); ``line``: the point is a crossing of the line (row ``row`` of
    the lap table), else a sector / loop point of lap row ``row``; ``pit``: the stretch ending at the
    point is a pit stop; ``shares``: the shares of the lap of the sector ends and loops used (empty
    without sector times); ``laps``: the lap table; ``cols``: its columns read once as numpy arrays;
    ``speed``: the pace (laps per second) known at the point (the stretch ending there, at its moving
    time; a car's first point: its class's reference lap); ``stays``: the car stops at the point (a
    line crossing into the pit lane or under the chequered flag) — both for ``distance_at(causal=True)``."""

    cars: np.ndarray
    code: np.ndarray
    t: np.ndarray
    d: np.ndarray
    t0: np.ndarray
    row: np.ndarray
    line: np.ndarray
    pit: np.ndarray
    shares: tuple
    laps: pd.DataFrame
    t_stride: float
    d_stride: float
    cols: dict
    speed: np.ndarray | None = None
    stays: np.ndarray | None = None

    def first(self) -> np.ndarray:
        """Index of each car's first point."""
        return np.searchsorted(self.code, np.arange(len(self.cars)), side="left")

    def last(self) -> np.ndarray:
        """Index of each car's last point."""
        return np.searchsorted(self.code, np.arange(len(self.cars)), side="right") - 1


def _reference_mask(laps: pd.DataFrame, lt: np.ndarray, cls: np.ndarray) -> tuple[np.ndarray, dict]:
    """Reference laps (module docstring) and each class's reference lap time (their median)."""
    racing = np.isfinite(lt) & (lt > 0) & (laps["lap"].to_numpy() > 1)
    for c in ("in_lap", "out_lap"):
        if c in laps:
            racing &= ~laps[c].to_numpy(dtype=bool)
    mask = np.zeros(len(laps), dtype=bool)
    ref: dict = {}
    for c in pd.unique(cls):
        m = racing & (cls == c)
        if not m.any():
            continue
        fast = np.quantile(lt[m], 0.05)
        m &= lt <= fast * REF_RATIO
        mask |= m
        ref[c] = float(np.median(lt[m]))
    return mask, ref


def _loop_points(sections: pd.DataFrame | None, laps: pd.DataFrame, lt: np.ndarray, ref_mask: np.ndarray):
    """(row, time from lap start, share) of the intermediate loops of a WithSections file."""
    empty = (np.zeros(0, np.int64), np.zeros(0), np.zeros(0))
    if sections is None or len(sections) == 0:
        return empty
    key = pd.MultiIndex.from_arrays([laps["car"].astype(str).to_numpy(), laps["lap"].to_numpy()])
    rows_all, el_all, share_all = [], [], []
    for _loop, sec in sections.groupby("loop", sort=False):
        el = sec["elapsed"].to_numpy(dtype=float)
        rows = key.get_indexer(pd.MultiIndex.from_arrays([sec["car"].astype(str).to_numpy(), sec["lap"].to_numpy()]))
        ok = (rows >= 0) & np.isfinite(el) & (el > 0)
        if ok.sum() < _MIN_SHARE * len(laps):
            continue  # pit loops and loops the file rarely carries
        rows, el = rows[ok], el[ok]
        r = ref_mask[rows] & (el < lt[rows])
        if not r.any():
            continue
        share = float(np.median(el[r] / lt[rows][r]))
        if not 0.0 < share < 0.999:
            continue  # the finish line itself (FL)
        keep = el < lt[rows]
        rows_all.append(rows[keep])
        el_all.append(el[keep])
        share_all.append(np.full(int(keep.sum()), share))
    if not rows_all:
        return empty
    return np.concatenate(rows_all), np.concatenate(el_all), np.concatenate(share_all)


def progress(laps: pd.DataFrame, sections: pd.DataFrame | None = None) -> Progress:
    """The timing points of every car (module docstring), for :func:`distance_standings`."""
    check_columns(laps, "laps", "progress()", ("car", "lap", "class", "elapsed", "lap_time"))
    n = len(laps)
    car = laps["car"].astype(str).to_numpy()
    codes, cars = pd.factorize(car)
    lap = laps["lap"].to_numpy(dtype=np.int64)
    el = laps["elapsed"].to_numpy(dtype=float)
    lt = laps["lap_time"].to_numpy(dtype=float)
    cls = laps["class"].astype(object).fillna("").to_numpy()
    start = el - np.where(np.isfinite(lt), lt, np.nan)
    ref_mask, ref_lap = _reference_mask(laps, lt, cls)
    cols = [laps[c].to_numpy(dtype=float) if c in laps else np.full(n, np.nan) for c in ("s1", "s2")]
    s1, s12 = cols[0], cols[0] + cols[1]
    ok1 = np.isfinite(s1) & (s1 > 0) & (s1 < lt)
    ok2 = np.isfinite(s12) & (s12 > s1) & (s12 < lt)
    ref_both = ref_mask & ok1 & ok2  # the shares come from reference laps with both sector ends
    shares = []
    pts_row, pts_off, pts_share = [], [], []
    for ok, off in ((ok1, s1), (ok2, s12)):
        r = ref_both
        if r.any():
            share = float(np.median(off[r] / lt[r]))
            shares.append(share)
            pts_row.append(np.flatnonzero(ok))
            pts_off.append(off[ok])
            pts_share.append(np.full(int(ok.sum()), share))
    lr, lo, ls = _loop_points(sections, laps, lt, ref_mask)
    shares.extend(sorted(set(ls.tolist())))
    pts_row.append(lr)
    pts_off.append(lo)
    pts_share.append(ls)
    srow = np.concatenate(pts_row).astype(np.int64)
    s_t = start[srow] + np.concatenate(pts_off)
    s_d = lap[srow] - 1 + np.concatenate(pts_share)
    first = np.r_[True, codes[1:] != codes[:-1]] if n else np.zeros(0, dtype=bool)
    frow = np.flatnonzero(first & np.isfinite(start))
    # points: the start of each car's first lap, the sector / loop points, every line crossing
    row = np.concatenate([frow, srow, np.arange(n)])
    t = np.concatenate([start[frow], s_t, el])
    d = np.concatenate([lap[frow] - 1.0, s_d, lap.astype(float)])
    line = np.concatenate([np.zeros(len(frow), bool), np.zeros(len(srow), bool), np.ones(n, bool)])
    code = codes[row]
    good = np.isfinite(t)
    row, t, d, line, code = row[good], t[good], d[good], line[good], code[good]
    o = np.lexsort((d, t, code))
    row, t, d, line, code = row[o], t[o], d[o], line[o], code[o]
    # distance must grow with time within a car: drop points that do not (sector splits in error)
    if len(code):
        newcar = np.r_[True, code[1:] != code[:-1]]
        seg = np.cumsum(newcar) - 1
        running = pd.Series(d).groupby(seg).cummax().to_numpy()
        prev_max = np.r_[-np.inf, running[:-1]]
        prev_max[newcar] = -np.inf
        keep = d > prev_max
        row, t, d, line, code = row[keep], t[keep], d[keep], line[keep], code[keep]
    newcar = np.r_[True, code[1:] != code[:-1]] if len(code) else np.zeros(0, dtype=bool)
    prev_t = np.r_[np.nan, t[:-1]]
    prev_d = np.r_[np.nan, d[:-1]]
    ref = np.array([ref_lap.get(c, np.nan) for c in cls[row]]) if len(row) else np.zeros(0)
    need = (d - prev_d) * ref  # reference time of the stretch
    dur = t - prev_t
    out_lap = laps["out_lap"].to_numpy(dtype=bool) if "out_lap" in laps else np.zeros(n, bool)
    pit_t = laps["pit_time"].to_numpy(dtype=float) if "pit_time" in laps else np.full(n, np.nan)
    # the first stretch of an out-lap (after the lap-start point, whatever timing point ends it)
    starts_lap = np.isfinite(prev_d) & (prev_d == np.round(prev_d))
    pit = ~newcar & starts_lap & (out_lap[row] | (np.isfinite(pit_t[row]) & (pit_t[row] > 0)))
    long = ~newcar & np.isfinite(need) & (dur > HOLD_FACTOR * need)
    hold = pit | long
    move = np.where(np.isfinite(need), np.minimum(need, dur), dur)
    t0 = np.where(hold, t - move, prev_t)
    t0[newcar] = t[newcar]
    t_stride = float(np.nanmax(np.abs(t))) * 2 + 10.0 if len(t) else 1.0
    d_stride = float(np.nanmax(d)) + 10.0 if len(d) else 1.0
    cols = {
        "car": car,
        "class": cls,
        "team": laps["team"].to_numpy(dtype=object) if "team" in laps else np.full(n, None, dtype=object),
        "driver": laps["driver"].to_numpy(dtype=object) if "driver" in laps else np.full(n, None, dtype=object),
        "lap": lap,
        "elapsed": el,
        "in_lap": laps["in_lap"].to_numpy(dtype=bool) if "in_lap" in laps else np.zeros(n, dtype=bool),
        "classes": pd.unique(laps["class"].dropna().astype(str).to_numpy()),
    }
    # causal pace (laps per second): the stretch that ends at the point, at its moving time (a stop's
    # stretch is run at reference pace); a car's first point: its class's reference lap
    with np.errstate(invalid="ignore", divide="ignore"):
        speed = np.where(t - t0 > 0, (d - prev_d) / (t - t0), np.nan)
        speed = np.where(newcar, 1.0 / ref, speed)
    ff = (laps["flag"].astype("string") == "FF").fillna(False).to_numpy(dtype=bool) if "flag" in laps else np.zeros(n, bool)
    # the car stops at this point: it crossed the line into the pit lane or under the chequered flag
    stays = line & (cols["in_lap"][row] | ff[row])
    return Progress(np.asarray(cars, dtype=object), code.astype(np.int64), t, d, t0, row, line, pit & ~newcar,
                    tuple(shares), laps, t_stride, d_stride, cols, speed, stays)  # fmt: skip


def distance_at(p: Progress, t: float, causal: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """At race time ``t``, per car (index = car code): (distance, index of the last point reached,
    held: the car is not moving, listed: its first point is at or before ``t``).

    ``causal=False`` (the standings of a finished file): between two timing points the car is
    interpolated towards its next crossing (module docstring). ``causal=True`` (a live screen, a
    replay that must not know the future): only the points at or before ``t`` are used — from its
    last point the car advances at the pace known there (``Progress.speed``), capped at the next
    timing point of the lap (the next sector end / loop share, else the line), so it never passes a
    point it has not crossed; it stays at a line crossed into the pit lane or under the chequered
    flag (``Progress.stays``). At a crossing both definitions give the point's distance."""
    n_cars = len(p.cars)
    key = p.code * p.t_stride + p.t
    q = np.arange(n_cars) * p.t_stride + t
    j = np.searchsorted(key, q, side="right") - 1
    first, last = p.first(), p.last()
    listed = (j >= first) & (first <= last)
    j = np.clip(j, first, None)
    if causal:
        return _causal_at(p, t, np.minimum(j, last), listed)
    jn = np.minimum(j + 1, last)
    more = listed & (j < last)
    span = p.t[jn] - p.t0[jn]
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.where(span > 0, (t - p.t0[jn]) / span, 1.0)
    frac = np.clip(frac, 0.0, 1.0)
    dist = np.where(more, p.d[j] + (p.d[jn] - p.d[j]) * frac, p.d[np.minimum(j, last)])
    held = ~more | (frac <= 0.0)
    return dist, j, held, listed


def next_point(p: Progress, d: np.ndarray) -> np.ndarray:
    """The distance of the next timing point of the lap after distances ``d``: the next sector end /
    loop share (``p.shares``), else the line."""
    base = np.floor(d + 1e-9)
    shares = np.r_[np.sort(np.asarray(p.shares, dtype=float)), 1.0]
    k = np.searchsorted(shares, d - base + 1e-9, side="right")
    return base + shares[np.minimum(k, len(shares) - 1)]


def _causal_at(p: Progress, t: float, j: np.ndarray, listed: np.ndarray):
    """distance_at(causal=True) (its docstring), ``j``: each car's last point at or before ``t``."""
    if p.speed is None or len(p.t) == 0:
        raise StintlabUsageError("causal distances need a Progress from progress()")
    cap = next_point(p, p.d[j])
    v = np.nan_to_num(p.speed[j], nan=0.0)
    stays = p.stays[j]
    with np.errstate(invalid="ignore"):
        run = np.where(stays, 0.0, np.maximum(t - p.t[j], 0.0) * v)
    dist = np.minimum(p.d[j] + run, cap)
    held = ~listed | stays | (run <= 0.0) | (dist >= cap)
    return dist, j, held, listed


def first_time_at(p: Progress, codes: np.ndarray, dist: np.ndarray) -> np.ndarray:
    """The first race time each car ``codes[i]`` was at distance ``dist[i]`` (NaN beyond its last point)."""
    key = p.code * p.d_stride + p.d
    k = np.searchsorted(key, codes * p.d_stride + dist, side="left")
    last = p.last()[codes]
    first = p.first()[codes]
    beyond = k > last
    k = np.clip(k, first, last)
    exact = p.d[k] <= dist  # at (or before the first point: clamped) a timing point
    kp = np.maximum(k - 1, first)
    span_d = p.d[k] - p.d[kp]
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.where(span_d > 0, (dist - p.d[kp]) / span_d, 1.0)
    tau = np.where(exact, p.t[k], p.t0[k] + frac * (p.t[k] - p.t0[k]))
    return np.where(beyond, np.nan, tau)


def _gaps(p: Progress, t: float, i: np.ndarray, a: np.ndarray, code, dist, held, arrived):
    """(laps down, seconds, text) of the cars at rows ``i`` behind the cars at rows ``a`` (module docstring)."""
    down = np.floor(dist[a] - dist[i] + 1e-9).astype(np.int64)
    tau = first_time_at(p, code[a], dist[i])
    # both standing still (finished, in the pits, stopped): the gap froze when the car behind got there
    frozen = held[i] & held[a] & (arrived[i] >= tau)
    secs = np.where(frozen, arrived[i], t) - tau
    secs = np.where(a == i, 0.0, np.round(np.maximum(secs, 0.0), 3))
    text = [gap_text(int(b), float(s)) for b, s in zip(down, secs)]
    return down, secs, text


def distance_standings(p: Progress, t: float, cls: str | None = None) -> pd.DataFrame:
    """Standings at race time ``t`` by distance covered (module docstring); ``cls`` keeps one class
    (case-insensitive; positions stay overall, gaps unchanged). Columns: docs/tables.md
    ("Standings by distance")."""
    if t is None or (isinstance(t, float) and math.isnan(t)):
        raise StintlabUsageError("a race time is needed for standings")
    if t < 0:
        raise StintlabUsageError(f"race time must not be negative (got {t})")
    cols = p.cols
    if cls is not None:
        find_class(cols["classes"], cls)
    t = float(t)
    dist_all, j_all, held_all, listed = distance_at(p, t)
    code = np.flatnonzero(listed)
    if len(code) == 0:
        return empty_table("distance_standings")
    dist, j, held = dist_all[code], j_all[code], held_all[code]
    arrived = first_time_at(p, code, dist)
    o = np.lexsort((arrived, -dist))
    code, dist, j, held, arrived = code[o], dist[o], j[o], held[o], arrived[o]
    n = len(code)
    row = p.row[j]  # lap row of the last point reached
    lap, el = cols["lap"], cols["elapsed"]
    # the last line crossing reached: the point itself, else the lap row before the point's lap
    on_line = p.line[j]
    prev_row = np.maximum(row - 1, 0)
    has_prev = (row > 0) & (cols["car"][prev_row] == cols["car"][row])
    crossed = on_line | has_prev
    lrow = np.where(on_line, row, prev_row)
    laps_done = np.where(on_line, lap[row], lap[row] - 1).astype(np.int64)
    cls_v = cols["class"][row]
    nxt = np.minimum(j + 1, p.last()[code])
    in_pit = held & ((on_line & cols["in_lap"][row]) | (p.pit[nxt] & (nxt > j)))
    # class leader and car ahead in the class, by position
    ccode = pd.factorize(cls_v)[0]
    first_of = np.zeros(n, dtype=np.int64)
    cahead = np.arange(n)
    cpos = np.zeros(n, dtype=np.int64)
    for c in range(ccode.max() + 1):
        members = np.flatnonzero(ccode == c)
        first_of[members] = members[0]
        cahead[members[1:]] = members[:-1]
        cpos[members] = np.arange(1, len(members) + 1)
    idx = np.arange(n)
    args = (code, dist, held, arrived)
    data = {
        "position": idx + 1,
        "class_position": cpos,
        "car": pd.array(cols["car"][row], dtype="string"),
        "class": pd.array(cols["class"][row], dtype="string"),
        "team": pd.array(cols["team"][row], dtype="string"),
        "driver": pd.array(cols["driver"][row], dtype="string"),
        "laps": laps_done,
        # shown to 4 decimals without rounding up to the next line (169.99999 is not 170 laps)
        "distance": laps_done + np.minimum(np.round(dist - laps_done, 4), 0.9999),
        "race_time": np.where(crossed, el[lrow], np.nan),
        "in_pit": in_pit.astype(bool),
        "held": held.astype(bool),
    }
    for name, ahead in (("gap_to_leader", np.zeros(n, dtype=np.int64)), ("gap_to_class_leader", first_of),
                        ("interval", np.r_[0, idx[:-1]]), ("class_interval", cahead)):  # fmt: skip
        b, sec, txt = _gaps(p, t, idx, ahead, *args)
        data[name], data[f"{name}_laps"], data[f"{name}_s"] = pd.array(txt, dtype="string"), b, sec
    out = pd.DataFrame(data)
    out = out[_COLUMNS]
    if cls is not None:
        mask = out["class"].str.lower() == str(cls).lower()
        out = out[mask.fillna(False).to_numpy(dtype=bool)].reset_index(drop=True)
    return out


def gap_history(p: Progress, samples: int | None = None) -> pd.DataFrame:
    """Every car's distance behind its class leader at the same instants, over the whole race.

    ``samples`` instants (default ``THRESHOLDS.gap_samples``) evenly spaced from the first timing
    point to the last, plus every car's own last point. At each instant a car is in the table from its
    first point to its last (a retired car leaves it); ``laps_behind`` is the distance of the class's
    furthest car minus the car's own, the furthest among the cars still running and those that took
    the chequered flag (last point at or after the winner's: they keep their finishing distance). Cars are compared at the same **time**, never
    at the same lap number, so a neutralisation cannot make a car appear to gain: under a safety car
    the distance between two cars shrinks only as the field closes up.

    >>> import pandas as pd
    >>> laps = pd.DataFrame({"car": ["1", "1", "2", "2"], "lap": [1, 2, 1, 2], "class": "A",
    ...     "elapsed": [100.0, 200.0, 125.0, 250.0], "lap_time": [100.0, 100.0, 125.0, 125.0],
    ...     "s1": [30.0, 30.0, 40.0, 40.0], "s2": [30.0, 30.0, 40.0, 40.0], "s3": [40.0, 40.0, 45.0, 45.0],
    ...     "in_lap": False, "out_lap": False})
    >>> g = gap_history(progress(laps), samples=3)
    >>> g[g["race_time"] == 200.0][["car", "distance", "laps_behind"]].values.tolist()
    [['1', 2.0, 0.0], ['2', 1.5625, 0.4375]]
    """
    samples = int(samples or THRESHOLDS.gap_samples)
    n_cars = len(p.cars)
    if n_cars == 0 or len(p.t) == 0:
        return empty_table("gap_history")
    first, last = p.first(), p.last()
    t_first, t_last = p.t[first], p.t[last]
    grid = np.linspace(float(t_first.min()), float(t_last.max()), max(samples, 2))
    times = np.unique(np.round(np.r_[grid, t_last], 3))
    cls_of = p.cols["class"][p.row[first]]
    ccode = pd.factorize(pd.Series(cls_of, dtype=object).fillna(""))[0]
    n_cls = int(ccode.max()) + 1
    dist = np.empty((len(times), n_cars))
    for k, t in enumerate(times):
        dist[k] = distance_at(p, float(t))[0]
    started = times[:, None] >= t_first[None, :] - 1e-6
    running = started & (times[:, None] <= t_last[None, :] + 1e-6)
    # a finisher (last point at or after the winner's finish) still counts as ahead once it has stopped
    t_flag = float(t_last[p.d[last] == p.d[last].max()].min())  # the winner: most laps, first to finish
    counts = started & (running | (t_last >= t_flag - 1e-6)[None, :])
    ahead = np.where(counts, dist, -np.inf)
    dist = np.where(running, dist, np.nan)
    lead = np.full((len(times), n_cls), np.nan)
    for c in range(n_cls):
        lead[:, c] = ahead[:, ccode == c].max(axis=1)
    behind = lead[:, ccode] - dist
    ti, ci = np.nonzero(running)
    return pd.DataFrame(
        {
            "car": pd.array(np.asarray(p.cars)[ci].astype(str), dtype="string"),
            "class": pd.array(cls_of[ci], dtype="string"),
            "race_time": times[ti],
            "distance": np.round(dist[ti, ci], 4),
            "laps_behind": np.round(np.maximum(behind[ti, ci], 0.0), 4),
        }
    )[_GAP_COLUMNS].sort_values(["car", "race_time"], kind="stable").reset_index(drop=True)


_GAP_COLUMNS = [c.name for c in table_columns("gap_history")]
