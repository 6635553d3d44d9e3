"""A car's timeline (every event with race time, hour, driver, class position before and after)
and its time-loss account over the race.

Event kinds: ``start`` (lap 1), ``stop`` (one per in-lap, with the stop kind, pit
time, time lost, driver change), ``driver_change`` is folded into ``stop`` (``stint`` events
mark every new stint: the out-lap), ``incident`` (see :mod:`stintlab.analysis.incidents`),
``neutralisation`` (a SC/FCY/RED phase or a slow zone the car ran through), ``lead_gained`` / ``lead_lost``
(class lead changes on the lap chart), ``finish`` or ``retired`` (the car's last crossing), or
``file_end`` when the file was taken while the race was still running.

Class positions before/after come from race-time snapshots (:func:`standings.hourly_positions`
at arbitrary times): *before* at the car's crossing that precedes the event, *after* at the
crossing that ends it (for a stop: the out-lap; for a neutralisation: the car's first crossing
after the phase). ``passed_by`` / ``passed`` list the class rivals that swapped places with the
car between those two moments ("cost a place to #79"), ``laps_lost_to`` the rivals it lost a
lap to (it was on their lap before and a lap or more down after).

Every fact a face tells is a typed column (:data:`DETAIL_COLUMNS`; missing values are None/NaN/<NA>):
``stop_kind`` (normal, long, garage, final), ``pit_time`` (s), ``driver_out`` and
``driver_change`` (stops and stints: the driver after the stop, whether it changed), ``stint``
(stint number of a ``stint`` event), ``lap_time`` (s, the incident lap), ``reference`` (s, the lap
time the loss is measured against: the stop's reference pace, the incident lap's expected time),
``laps_lost`` (``time_lost`` / ``reference``), ``rivals`` (car numbers: the other car of a class
lead change), ``phase_kind`` (SC, FCY, RED, C60, or SZ for a slow zone / Code 60 zone, whose sector is ``phase_sector``), ``phase_start`` / ``phase_end`` (race s) and
``phase_inferred`` (neutralisations), ``laps`` and ``in_pits`` (laps completed and whether the
last crossing was an in-lap: ``finish``, ``retired``, ``file_end``), ``category`` (the
driver's FIA category when ``categories`` is given), ``on_track_loss`` / ``on_track_sector``
(a stop whose in-lap lost time on track against the class: a crash, an off or a puncture before
the repair, :func:`stintlab.analysis.stops.stops`). No words: a face words an event from these
columns in its reader's language (the catalogs' ``event_text``, through
:func:`stintlab.report.story.languages.event_texts`: the ``description`` of ``stintlab events``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from stintlab.analysis.context import car_runs, codes, in_lap_order
from stintlab.analysis.flags import neutralisations
from stintlab.analysis.lookup import find_car, no_lap_message  # no_lap_message: re-exported
from stintlab.analysis.order import last_rows, order_index
from stintlab.analysis.race_timeline import RaceTimeline
from stintlab.analysis.stops import ANNOTATED_NEEDED, stops
from stintlab.schema import check_columns, empty_table

__all__ = ["EVENT_COLUMNS", "DETAIL_COLUMNS", "car_events", "time_loss_account", "check_car", "no_lap_message"]

EVENT_COLUMNS = [
    "car", "lap", "race_time", "hour", "driver", "kind", "class_position_before",
    "class_position_after", "position_before", "position_after", "time_lost", "passed_by", "passed", "laps_lost_to",
]  # fmt: skip
DETAIL_COLUMNS = [
    "stop_kind", "pit_time", "driver_out", "driver_change", "stint", "lap_time", "reference", "laps_lost", "rivals",
    "phase_kind", "phase_start", "phase_end", "phase_inferred", "laps", "in_pits", "category",
    "on_track_loss", "on_track_sector", "phase_sector",
]  # fmt: skip
_END_KINDS = ("finish", "retired", "file_end")
#: the :func:`~stintlab.analysis.annotate.annotate` columns the timeline reads (it wants the annotated table)
TIMELINE_NEEDS = (*ANNOTATED_NEEDED, "incident", "expected", "hour")


def check_car(laps: pd.DataFrame, car, classification: pd.DataFrame | None = None) -> str:
    """The car number as stored in ``laps`` (:func:`stintlab.analysis.lookup.find_car`)."""
    return find_car(codes(laps, "car")[1], car, classification)


def _swaps(before: dict, after: dict, car: str) -> tuple[list[str], list[str], list[str]]:
    if car not in before["order"] or car not in after["order"]:
        return [], [], []
    ob, oa = before["order"], after["order"]
    ib, ia = ob.index(car), oa.index(car)
    ahead_b, ahead_a = set(ob[:ib]), set(oa[:ia])
    passed_by = [c for c in oa[:ia] if c not in ahead_b and c in ob]
    passed = [c for c in ob[:ib] if c not in ahead_a and c in oa]
    lb, la = before["laps"], after["laps"]
    lost_lap = [
        c
        for c in oa
        if c != car and c in lb and (la.get(c, 0) - la[car]) >= 1 and (lb.get(c, 0) - lb[car]) < 1 and c in ahead_a
    ]
    return passed_by, passed, lost_lap


def car_events(
    laps: pd.DataFrame,
    car,
    stops_table: pd.DataFrame | None = None,
    phases: pd.DataFrame | None = None,
    categories: pd.DataFrame | None = None,
    stints_table: pd.DataFrame | None = None,
    history: pd.DataFrame | None = None,
    *,
    shared: RaceTimeline | None = None,
) -> pd.DataFrame:
    """Every event of one car in race order (module docstring for kinds and columns).
    ``stops_table`` / ``phases`` / ``stints_table`` / ``history``: :func:`stops` /
    :func:`neutralisations` / :func:`stints` / :func:`position_history` of the same race when
    already computed (a Race keeps them); ``categories`` (car, driver, category) fills the
    ``category`` column. ``shared``: the race's :class:`~stintlab.analysis.race_timeline.RaceTimeline`
    of ``laps`` (built from those tables) when the caller keeps one for many cars (a Race does):
    the four tables are then read from it."""
    check_columns(laps, "annotated_laps", "car_events()", TIMELINE_NEEDS)
    rt = shared if shared is not None else RaceTimeline(laps, stops_table, phases, stints_table, history)
    car = rt.check_car(car)
    rows = rt.rows(car)
    cls = rt.class_of(rows[0])
    el = rt.el[rows]
    lapn = rt.lap[rows]
    drv = rt.drivers(rows)
    by_lap = dict(zip(lapn.tolist(), range(len(lapn))))
    el_list = el.tolist()

    def t_of(lap):
        i = by_lap.get(int(lap))
        return el_list[i] if i is not None else 0.0

    ev: list[dict] = []  # with t_before / t_after for positions

    def add(lap, t, kind, t_before, t_after, driver=None, lost=np.nan, **detail):
        i = by_lap.get(int(lap))
        ev.append(
            {
                **detail,
                "car": car,
                "lap": int(lap),
                "race_time": float(t),
                "hour": int(t // 3600) + 1,
                "driver": driver if driver is not None else (drv[i] if i is not None else None),
                "kind": kind,
                "time_lost": float(lost) if lost is not None else np.nan,
                "_tb": t_before,
                "_ta": t_after,
            }
        )

    add(1, t_of(1), "start", None, t_of(1), drv[0])
    for stint, lap_start, start, driver, change in rt.car_stints(car):
        if stint > 1:
            add(lap_start, start, "stint", None, None, driver, stint=int(stint), driver_change=bool(change))
    for (kind, pit_time, time_lost, change, driver_in, driver_out, lap_out, race_time, lap_in, reference,
         on_track_loss, in_lap_incident, on_track_sector) in rt.stops.get(car):  # fmt: skip
        t_after = t_of(lap_out) if not pd.isna(lap_out) else race_time
        add(lap_in, race_time, "stop", t_of(lap_in - 1) if lap_in > 1 else None, t_after,
            driver_in, time_lost, stop_kind=str(kind), pit_time=float(pit_time), driver_out=driver_out,
            driver_change=bool(change), reference=float(reference),
            on_track_loss=float(on_track_loss) if in_lap_incident else None,
            on_track_sector=int(on_track_sector) if in_lap_incident else None)  # fmt: skip
    inc = rows[rt.incident[rows]]
    if len(inc):
        for lap, t, driver, lost, lap_time, expected in zip(
            rt.lap[inc].tolist(), rt.el[inc].tolist(), rt.drivers(inc).tolist(), rt.time_lost[inc].tolist(),
            rt.lap_time[inc].tolist(), rt.expected[inc].tolist(), strict=True,
        ):  # fmt: skip
            add(lap, t, "incident", t_of(lap - 1), t, driver, lost, lap_time=float(lap_time), reference=float(expected))
    if rt.phases and len(el):
        _add_neutralisations(rt.phases, el, lapn, add)
    # class lead changes on the lap chart
    for lap, t, new, prev in rt.lead_changes(cls):
        if new == car:
            add(lap, t, "lead_gained", t_of(lap - 1), t, rivals=[str(prev)])
        elif prev == car:
            i = by_lap.get(int(lap))
            t = el_list[i] if i is not None else t
            add(lap, t, "lead_lost", t_of(lap - 1), t, rivals=[str(new)])
    last_t = el_list[-1]
    if rt.snapshot:  # the race was still running when the file was taken: no finish, no retirement
        add(lapn[-1], last_t, "file_end", None, last_t)
    elif bool(rt.took_flag.get(car, False)):  # incl. a car stopped by a red flag that ended the race
        add(lapn[-1], last_t, "finish", t_of(lapn[-1] - 1), last_t)
    else:
        add(lapn[-1], last_t, "retired", None, last_t)

    in_pits = bool(rt.in_lap.iat[int(rows[-1])])
    for e in ev:
        if e["kind"] in _END_KINDS:
            e["laps"], e["in_pits"] = int(lapn[-1]), in_pits
    times = sorted({t for e in ev for t in (e["_tb"], e["_ta"]) if t is not None})
    snaps = dict(zip(times, rt.snapshots(times, car, cls)))
    for e in ev:
        b, af = snaps.get(e["_tb"]), snaps.get(e["_ta"])
        e["class_position_before"] = b["cpos"] if b else None
        e["position_before"] = b["pos"] if b else None
        e["class_position_after"] = af["cpos"] if af else None
        e["position_after"] = af["pos"] if af else None
        if b and af:
            e["passed_by"], e["passed"], e["laps_lost_to"] = _swaps(b, af, car)
        else:
            e["passed_by"], e["passed"], e["laps_lost_to"] = [], [], []
    # at one race time: the stop (or incident), then the lead change it caused, then the new stint
    order = {"start": 0, "neutralisation": 1, "stop": 2, "incident": 2, "lead_gained": 2.5, "lead_lost": 2.5, "stint": 3}
    ev.sort(key=lambda e: (round(e["race_time"], 3), order.get(e["kind"], 5)))
    grade = rt.grades(car) if shared is not None and categories is shared.categories else _grades(categories, car)
    return _table(ev, grade)


def _add_neutralisations(phases: list[tuple], el: np.ndarray, lapn: np.ndarray, add) -> None:
    """A ``neutralisation`` event for every phase the car ran into (its first crossing at or after the
    start, its last crossing before and first after the phase for its positions)."""
    for start, end, green, kind, inferred, sector in phases:
        at = el >= start
        if not at.any() or el[0] > end:
            continue
        before = el[el < start]
        after = el[el > green]
        lap_at = int(lapn[at][0])
        add(lap_at, start, "neutralisation", float(before[-1]) if len(before) else None,
            float(after[0]) if len(after) else None, phase_kind=kind, phase_start=float(start),
            phase_end=float(end), phase_inferred=inferred, phase_sector=sector or None)  # fmt: skip


def _grades(categories: pd.DataFrame | None, car: str) -> dict:
    """driver -> FIA category of the car's drivers in ``categories``."""
    if categories is None:
        return {}
    mine = categories[categories["car"].astype(str) == str(car)]
    return {str(x): c for x, c in zip(mine["driver"], mine["category"], strict=False) if isinstance(c, str) and c}


def _ints(v: list) -> pd.arrays.IntegerArray:
    """``pd.array(v, dtype="Int64")`` for a list of ints and None, without the inference."""
    mask = np.fromiter((x is None for x in v), dtype=bool, count=len(v))
    return pd.arrays.IntegerArray(np.array([0 if x is None else x for x in v], dtype=np.int64), mask)


def _bools(v: list) -> pd.arrays.BooleanArray:
    """``pd.array(v, dtype="boolean")`` for a list of bools and None."""
    mask = np.fromiter((x is None for x in v), dtype=bool, count=len(v))
    return pd.arrays.BooleanArray(np.array([bool(x) for x in v], dtype=bool), mask)


def _table(ev: list[dict], grade: dict) -> pd.DataFrame:
    """The events as a table: :data:`EVENT_COLUMNS` then the typed detail columns
    (:data:`DETAIL_COLUMNS`): nullable ints and booleans, float seconds, lists of car numbers,
    None for a missing name or code."""

    def col(c):
        return [e.get(c) for e in ev]

    def secs(c):
        return np.array([np.nan if v is None else float(v) for v in col(c)], dtype=float)

    d: dict = {c: col(c) for c in ("car", "driver", "kind", "passed_by", "passed", "laps_lost_to", "stop_kind", "driver_out")}
    d["lap"], d["hour"] = np.array(col("lap"), dtype=np.int64), np.array(col("hour"), dtype=np.int64)
    d["race_time"] = np.array(col("race_time"), dtype=float)
    for c in ("class_position_before", "class_position_after", "position_before", "position_after", "stint", "laps",
              "on_track_sector", "phase_sector"):  # fmt: skip
        d[c] = _ints(col(c))
    for c in ("driver_change", "phase_inferred", "in_pits"):
        d[c] = _bools(col(c))
    for c in ("pit_time", "lap_time", "reference", "phase_start", "phase_end", "on_track_loss"):
        d[c] = secs(c)
    d["time_lost"] = lost = np.array(col("time_lost"), dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        d["laps_lost"] = np.where(d["reference"] > 0, lost / d["reference"], np.nan)
    d["rivals"] = [e.get("rivals") or [] for e in ev]
    d["phase_kind"] = col("phase_kind")
    d["category"] = [grade.get(e["driver"]) if isinstance(e["driver"], str) else None for e in ev]
    # the arrays are this table's own: taken as they are (a copy of each column was half the time)
    return pd.DataFrame({c: d[c] for c in (*EVENT_COLUMNS, *DETAIL_COLUMNS)}, copy=False)


def time_loss_account(
    laps: pd.DataFrame, stops_table: pd.DataFrame | None = None, phases: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Per car, seconds lost over the race: normal_stops, long_stops, garage_stops (sum of
    time_lost by stop kind), incidents (sum of incident time lost), neutralisations (seconds the
    car lost to its class reference car across all phases; negative = gained), plus counts.

    Neutralisation effect: for each phase, from the car's last crossing before it to its first
    crossing after the restart, the laps covered by the reference car (the class winner, or the
    runner-up for the winner itself) minus the laps covered by the car, laps interpolated in each
    car's crossing times (``neutralisation_laps``); seconds = those laps × the car's median clean
    lap. Phases the car did not run through (in the garage, the window longer than the phase plus
    three of its laps) are skipped. Stops made during the phase are part of it, so ``total`` (stops + incidents) leaves it out."""
    cols = ["car", "class", "stops", "normal_stops", "long_stops", "garage_stops", "incidents", "incident_count",
            "neutralisations", "neutralisation_laps", "total"]  # fmt: skip
    if laps.empty:
        return empty_table("time_losses")
    check_columns(laps, "annotated_laps", "time_loss_account()", TIMELINE_NEEDS)
    a = in_lap_order(laps)
    sp = stops(a) if stops_table is None else stops_table
    car_codes, cars = codes(a, "car")
    n = len(cars)
    # the first known class of each car
    cls_codes = codes(a, "class")[0]
    known = np.flatnonzero(cls_codes >= 0)[::-1]
    first = np.full(n + 1, -1, dtype=np.int64)  # slot n: a row without a car number
    first[car_codes[known]] = known  # the earliest row wins (written last)
    cls_names, na = codes(a, "class")[1], getattr(a["class"].dtype, "na_value", np.nan)
    cls_list = [cls_names[cls_codes[i]] if i >= 0 else na for i in first[:n].tolist()]
    code = {c: i for i, c in enumerate(cars)}
    sp_code = np.array([code.get(c, -1) for c in sp["car"].to_numpy(dtype=object)], dtype=np.int64)
    sp_kind = sp["kind"].to_numpy(dtype=object)
    sp_lost = np.nan_to_num(sp["time_lost"].to_numpy(dtype=float), nan=0.0)
    okc = sp_code >= 0
    out: dict = {"car": cars, "class": cls_list}
    for k, col in (("normal", "normal_stops"), ("long", "long_stops"), ("garage", "garage_stops")):
        sel = okc & (sp_kind == k)
        # seconds, float even when no stop is of that kind (bincount of nothing gives integers)
        out[col] = np.bincount(sp_code[sel], weights=sp_lost[sel], minlength=n).astype(float)
    out["stops"] = np.bincount(sp_code[okc], minlength=n)
    is_inc = a["incident"].to_numpy(dtype=bool) & (car_codes >= 0)
    inc_code = car_codes[is_inc]
    # the sum as a groupby sums (compensated), not bincount's running sum
    inc_sum = pd.Series(a["time_lost"].to_numpy(dtype=float)[is_inc]).groupby(inc_code, sort=False).sum()
    out["incidents"] = inc_sum.reindex(np.arange(n)).fillna(0.0).to_numpy(dtype=float)
    out["incident_count"] = np.bincount(inc_code, minlength=n)
    out["neutralisation_laps"], out["neutralisations"] = _neutralisation_effect(
        a, neutralisations(a) if phases is None else phases, car_codes, cars
    )
    out["total"] = out["normal_stops"] + out["long_stops"] + out["garage_stops"] + out["incidents"]
    return pd.DataFrame({c: out[c] for c in cols})


def _neutralisation_effect(a: pd.DataFrame, phases: pd.DataFrame, car_codes: np.ndarray, cars: np.ndarray):
    """(laps, seconds) each car lost to its class reference car over the phases
    (:func:`time_loss_account`), in the order of ``cars``."""
    n = len(cars)
    el_arr = a["elapsed"].to_numpy(dtype=float)
    lap_arr = a["lap"].to_numpy(dtype=float)
    # the class reference car: the class winner, or the runner-up for the winner itself
    last = last_rows(a)
    final = last[order_index(lap_arr[last], el_arr[last])]
    by_class: dict = {}
    cls_codes, cls_names = codes(a, "class")
    for c, k in zip(car_codes[final].tolist(), cls_codes[final].tolist(), strict=True):
        cl = cls_names[k] if k >= 0 else None
        if isinstance(cl, str):
            by_class.setdefault(cl, []).append(c)
    ref_of = {}
    for order in by_class.values():
        for c in order:
            ref_of[c] = order[1] if c == order[0] and len(order) > 1 else order[0]
    # progress in fractional laps: lap number interpolated in the car's crossing times (0 at t=0)
    starts = car_runs(a).starts
    t_all = np.insert(el_arr, starts, 0.0)
    k_all = np.insert(lap_arr, starts, 0.0)
    bounds = np.r_[starts + np.arange(len(starts)), len(t_all)]
    prog = {}
    for c, i0, i1 in zip(car_codes[starts].tolist(), bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        prog[c] = (t_all[i0:i1], k_all[i0:i1])  # views
    is_clean = a["clean"].to_numpy(dtype=bool) & (car_codes >= 0)
    pace_s = pd.Series(a["lap_time"].to_numpy(dtype=float)[is_clean]).groupby(car_codes[is_clean], sort=False).median()
    pace = dict(zip(pace_s.index.tolist(), pace_s.tolist(), strict=True))
    p_start = phases["start"].to_numpy(dtype=float)
    green = phases["green_at"].to_numpy(dtype=float)
    p_green = np.where(np.isfinite(green), green, phases["end"].to_numpy(dtype=float))
    seg = {c: i for i, c in enumerate(car_codes[starts].tolist())}  # a car's progress (its last run)
    pairs = [(c, seg[c], seg[r]) for c in range(n) if (r := ref_of.get(c)) is not None and r != c]
    inner = np.ones(max(len(t_all) - 1, 0), dtype=bool)
    inner[bounds[1:-1] - 1] = False  # consecutive times of one car
    if not len(p_start) or not pairs:
        laps_eff = [0.0] * n
    elif (np.diff(t_all)[inner] > 0).all():  # each car's crossings in race order: count instead of search
        laps_eff = _window_laps(t_all, k_all, bounds, pairs, p_start, p_green, pace, n)
    else:
        laps_eff = _window_laps_by_car(prog, ref_of, p_start, p_green, pace, n)
    # no lap won or lost is 0 s even for a car without a clean lap (retired on lap 1: no pace)
    effect = [x * float(pace.get(c, np.nan)) if x else 0.0 for c, x in enumerate(laps_eff)]
    return np.array(laps_eff, dtype=float), np.array(effect, dtype=float)


def _window_laps(t_all, k_all, bounds, pairs, p_start, p_green, pace, n) -> list[float]:
    """:func:`_window_laps_by_car` for every car and phase at once, when every car's times
    (``t_all[bounds[i]:bounds[i + 1]]``) strictly increase: the searches are counts and a car's own
    laps at its own crossings are the crossings' laps (what ``np.interp`` gives there)."""
    cs, ss, rs = (np.array(v, dtype=np.int64) for v in zip(*pairs, strict=True))
    off, ln = bounds[:-1], np.diff(bounds)
    ib = np.add.reduceat(t_all < p_start[:, None], off, axis=1, dtype=np.int64)[:, ss].T  # t[:ib] < start
    ia = np.add.reduceat(t_all <= p_green[:, None], off, axis=1, dtype=np.int64)[:, ss].T  # t[ia:] > green
    o, m = off[ss][:, None], ln[ss][:, None]
    i0, i1 = o + np.maximum(ib - 1, 0), o + np.minimum(ia, m - 1)
    t0, t1 = t_all[i0], t_all[i1]
    pace_of = np.array([float(pace.get(c, np.inf)) for c in cs.tolist()])[:, None]
    ok = (ib >= 2) & (ia < m) & ~(t_all[bounds[1:] - 1][rs][:, None] < t1)
    ok &= ~((t1 - t0) > (p_green - p_start) + 3 * pace_of)
    theirs1, theirs0 = np.empty_like(t1), np.empty_like(t0)
    for r in np.unique(rs).tolist():  # the reference car's laps, interpolated
        rows = rs == r
        rt, rk = t_all[off[r] : off[r] + ln[r]], k_all[off[r] : off[r] + ln[r]]
        theirs1[rows], theirs0[rows] = np.interp(t1[rows], rt, rk), np.interp(t0[rows], rt, rk)
    gain = (theirs1 - theirs0) - (k_all[i1] - k_all[i0])
    at = np.flatnonzero(ok.ravel())  # by car, then phase in race order
    laps_eff = [0.0] * n
    row_of, car_of = (at // ok.shape[1]).tolist(), cs.tolist()
    last_row, seen = -1, None
    for row, g, a0, a1 in zip(row_of, gain.ravel()[at].tolist(), t0.ravel()[at].tolist(), t1.ravel()[at].tolist(), strict=True):
        if row != last_row:
            last_row, seen = row, None
        if seen == (a0, a1):  # the window already counted for the phase before
            continue
        seen = (a0, a1)
        laps_eff[car_of[row]] += g
    return laps_eff


def _window_laps_by_car(prog, ref_of, p_start, p_green, pace, n) -> list[float]:
    """Laps each car (code) lost to its reference car over the phases: per phase, from its last
    crossing before the start to its first after the restart (:func:`time_loss_account`)."""
    laps_eff = [0.0] * n
    for car in range(n):  # every phase of one car at once; the phases in race order for the sums
        ref = ref_of.get(car)
        if ref is None or ref == car:
            continue
        t, k = prog[car]
        rt, rk = prog[ref]
        ib = np.searchsorted(t, p_start, side="left")  # t[:ib] < start
        ia = np.searchsorted(t, p_green, side="right")  # t[ia:] > green
        t0, t1 = t[np.maximum(ib - 1, 0)], t[np.minimum(ia, len(t) - 1)]
        # skip a phase the car did not run through (garage, retired) or whose window was already
        # counted for the phase before
        ok = (ib >= 2) & (ia < len(t)) & ~(rt[-1] < t1)
        ok &= ~((t1 - t0) > (p_green - p_start) + 3 * float(pace.get(car, np.inf)))
        if not ok.any():
            continue
        t0, t1 = t0[ok], t1[ok]
        m = len(t0)
        both = np.concatenate((t1, t0))  # the laps at both ends of every window, in one interpolation
        mine, theirs = np.interp(both, t, k), np.interp(both, rt, rk)
        gain = ((theirs[:m] - theirs[m:]) - (mine[:m] - mine[m:])).tolist()
        seen = None
        for g, a0, a1 in zip(gain, t0.tolist(), t1.tolist(), strict=True):
            if seen == (a0, a1):
                continue
            seen = (a0, a1)
            laps_eff[car] += g
    return laps_eff
