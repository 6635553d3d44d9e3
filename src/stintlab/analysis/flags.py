"""Neutralisations: safety-car (SC), full-course-yellow (FCY) and red-flag (RED) phases.

Observed phases (files with ``FLAG_AT_FL``)
    The flag at each crossing of the line is race-wide, so all crossings sorted by race time
    form one flag sequence. A phase is a run of consecutive crossings (in race-time order) under
    the same neutral flag (``SF`` → SC, ``FCY`` → FCY, ``RF`` → RED), not interrupted by a green
    crossing. ``start`` is the race time of its first such crossing, ``end`` of its last one;
    ``green_at`` is the first crossing after it that is not under that flag (the restart seen at
    the line). Runs of the same kind separated by fewer than :data:`MERGE_GAP` seconds are merged.

Inferred phases (files without the flag column: Le Mans 2019/2021, Spa 2019/2020)
    "All cars slow at once". Each ordinary lap (not lap 1, not an in- or out-lap) gets
    ``r = lap_time / the car's median ordinary lap``. For every crossing the median ``r`` of
    all crossings within ±:data:`WINDOW_FRACTION` of the field's typical lap time is taken
    (a centred time window, so one slow car does not count). Crossings whose window median is
    at least :data:`INFER_RATIO` (1.6: 60 % slower than normal for the whole field; rain
    showers at Le Mans 2023 reach 1.5, safety-car laps 1.7 to 2.8) start a phase, which then
    grows over the neighbouring crossings whose median is still at least :data:`EXTEND_RATIO`
    (1.15: the laps on which the neutralisation began or ended) are
    neutral; runs less than one typical lap apart are joined, and runs of at least
    :data:`MIN_CROSSINGS` crossings make a phase. Kind: RED when
    the window median exceeds :data:`RED_RATIO` (cars stopped), else SC when the phase lasts at
    least :data:`SC_MIN_DURATION` seconds, else FCY (an SC and an FCY look alike in lap times;
    the split by length is what the flagged files show: FCYs last minutes, SCs tens of minutes).
    ``tests/test_analysis_flags.py`` checks the inference against every flagged corpus race.
    Short neutralisations (two or three minutes: laps only ~1.35x) are found from sector times
    instead, by :func:`stintlab.analysis.slowzones.with_full_course`, which ``annotate`` applies:
    ``race.flags`` (read from the annotated ``neutral_kind``) holds both; ``neutralisations`` of a
    raw lap table holds the lap-time inference alone.

Per-lap mask (:func:`neutralised_mask`): a lap is neutralised when its crossing is under a
neutral flag (observed, or inside an inferred phase), or when it started under one (the
car's previous crossing was neutral: the restart lap is partly run behind the safety car),
or when a whole phase happened while the car was on that lap. For inferred phases, laps ending
within one typical lap before the inferred start are neutralised too (the inference starts
late: 2 to 7 minutes after the first flagged crossing on the flagged Le Mans files).

>>> import pandas as pd
>>> laps = pd.DataFrame({"car": ["1"] * 4, "lap": [1, 2, 3, 4],
...     "elapsed": [100.0, 200.0, 350.0, 450.0], "lap_time": [100.0, 100.0, 150.0, 100.0],
...     "in_lap": [False] * 4, "out_lap": [False] * 4,
...     "flag": pd.array(["GF", "GF", "SF", "GF"], dtype="string")})
>>> neutralised_mask(laps).tolist()
[False, False, True, True]
>>> neutralisations(laps)[["kind", "start", "end", "inferred"]].to_dict("records")
[{'kind': 'SC', 'start': 350.0, 'end': 350.0, 'inferred': False}]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from stintlab.analysis.context import car_runs, codes, group_key, has_values, in_lap_order, values
from stintlab.analysis.grouping import stable_order
from stintlab.analysis.medians import median_may_reach, rolling_median, rolling_median_where, time_window_bounds
from stintlab.config import THRESHOLDS
from stintlab.schema import empty_table

__all__ = [
    "FLAG_KINDS",
    "INFER_RATIO",
    "has_flags",
    "neutral_crossings",
    "neutral_state",
    "neutralisations",
    "neutralised_mask",
    "race_phases",
]

FLAG_KINDS = {"SF": "SC", "FCY": "FCY", "RF": "RED"}
"""Neutral flags of FLAG_AT_FL and the phase kind each one means."""

MERGE_GAP = THRESHOLDS.flag_merge_gap
INFER_RATIO = THRESHOLDS.infer_ratio
EXTEND_RATIO = THRESHOLDS.infer_extend_ratio
RED_RATIO = THRESHOLDS.infer_red_ratio
WINDOW_FRACTION = THRESHOLDS.infer_window_fraction
MIN_CROSSINGS = THRESHOLDS.infer_min_crossings
SC_MIN_DURATION = THRESHOLDS.sc_min_duration

PHASE_COLUMNS = [
    "phase", "kind", "start", "end", "duration", "green_at", "inferred", "start_hour", "end_hour",
    "laps_affected", "cars_affected", "crossings",
]  # fmt: skip


def has_flags(laps: pd.DataFrame) -> bool:
    """True when the lap table carries observed flags (the file had FLAG_AT_FL)."""
    return "flag" in laps.columns and has_values(laps, "flag")


def _kinds_per_row(
    laps: pd.DataFrame, infer: bool = False, ratio: np.ndarray | None = None, order: np.ndarray | None = None
) -> np.ndarray:
    """Per row: 'SC'/'FCY'/'RED' when the crossing is neutral (observed or inferred), else ''.
    ``order``: :func:`_time_order` of ``laps`` when already computed."""
    if not infer and "neutral_kind" in laps.columns:  # already computed by annotate()
        c, names = codes(laps, "neutral_kind", filled=True)
        return names[c]  # a new array (a kernel may change it), from the kept codes
    if has_flags(laps) and not infer:
        c, names = codes(laps, "flag")
        if len(c) and c.min() >= 0:  # every crossing flagged: the kind of each distinct flag, once
            return np.array([FLAG_KINDS.get(f, "") for f in names], dtype=object)[c]
        flag = values(laps, "flag")
        out = np.full(len(laps), "", dtype=object)
        for f, k in FLAG_KINDS.items():
            out[flag == f] = k
        return out
    return _infer_kinds(laps, ratio, order)


def _time_order(laps: pd.DataFrame) -> np.ndarray:
    """The rows in race-time order of their crossings (stable: a tie keeps table order)."""
    return stable_order(laps["elapsed"].to_numpy(dtype=float))


def _ordinary_ratio(laps: pd.DataFrame) -> np.ndarray:
    """lap_time / the car's median ordinary lap, NaN for lap 1, in- and out-laps."""
    lt = laps["lap_time"].to_numpy(dtype=float)
    ordinary = ~(laps["in_lap"].to_numpy(dtype=bool) | laps["out_lap"].to_numpy(dtype=bool))
    ordinary &= laps["lap"].to_numpy() > 1
    ordinary &= np.isfinite(lt) & (lt > 0)
    ref = pd.Series(np.where(ordinary, lt, np.nan)).groupby(group_key(laps, "car"), sort=False).transform("median")
    return np.where(ordinary, lt / ref.to_numpy(), np.nan)


def _infer_kinds(laps: pd.DataFrame, ratio: np.ndarray | None = None, order: np.ndarray | None = None) -> np.ndarray:
    n = len(laps)
    out = np.full(n, "", dtype=object)
    if n == 0:
        return out
    el = laps["elapsed"].to_numpy(dtype=float)
    order = _time_order(laps) if order is None else order
    t = el[order]
    ratio = _ordinary_ratio(laps) if ratio is None else ratio
    r = ratio[order]
    if np.isfinite(r).sum() < MIN_CROSSINGS:
        return out
    lt = laps["lap_time"].to_numpy(dtype=float)
    typical = float(np.nanmedian(lt[np.isfinite(ratio)]))
    half = WINDOW_FRACTION * typical
    # the field median is only compared with EXTEND_RATIO, INFER_RATIO and RED_RATIO (peak of a run
    # of crossings at least INFER_RATIO): computed where it may reach the least of them, NaN
    # elsewhere (every comparison False there, as with the value, below them all)
    start, end = time_window_bounds(t, half)
    least = min(EXTEND_RATIO, INFER_RATIO, RED_RATIO)
    med = rolling_median_where(r, start, end, median_may_reach(r, start, end, least))
    neutral = med >= INFER_RATIO
    # hysteresis: a run grows backwards and forwards over crossings still clearly slow
    # (>= EXTEND_RATIO): the laps on which the neutralisation began or ended
    slow = med >= EXTEND_RATIO
    for a, b in _runs(neutral):
        while a > 0 and slow[a - 1]:
            a -= 1
            neutral[a] = True
        while b < len(neutral) and slow[b]:
            neutral[b] = True
            b += 1
    # bridge short dips (cars in the pits, a train of cars crossing at racing speed): two runs
    # of neutral crossings less than one typical lap apart are one phase
    runs = _runs(neutral)
    merged: list[list[int]] = []
    for a, b in runs:
        if merged and t[a] - t[merged[-1][1] - 1] < typical:
            merged[-1][1] = b
        else:
            merged.append([a, b])
    runs = merged
    kinds = np.full(n, "", dtype=object)
    for a, b in runs:
        if b - a < MIN_CROSSINGS:
            continue
        dur = t[b - 1] - t[a]
        peak = np.nanmax(med[a:b])
        kind = "RED" if peak >= RED_RATIO else ("SC" if dur >= SC_MIN_DURATION else "FCY")
        kinds[a:b] = kind
    out[order] = kinds
    return out


def window_median(t: np.ndarray, values: np.ndarray, half: float) -> np.ndarray:
    """For each sorted time ``t[i]``, the median of the finite ``values`` with time in ``[t[i]-half, t[i]+half]``:
    pandas' centred time-window rolling median, its window edges included
    (:func:`stintlab.analysis.medians.time_window_bounds`, :func:`~stintlab.analysis.medians.rolling_median`)."""
    if len(t) == 0:
        return np.zeros(0)
    start, end = time_window_bounds(t, half)
    return rolling_median(values, start, end, 1)


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, stop) index ranges of True runs."""
    if not len(mask):
        return []
    m = np.concatenate([[False], mask, [False]]).astype(np.int8)
    d = np.diff(m)
    return list(zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1)))


def neutral_crossings(laps: pd.DataFrame, infer: bool = False) -> pd.Series:
    """Per lap row, the neutralisation kind at its crossing ('SC', 'FCY', 'RED' or '');
    ``infer=True`` ignores FLAG_AT_FL and infers (to check the inference on flagged files)."""
    return pd.Series(_kinds_per_row(laps, infer), index=laps.index, dtype=object)


def _phases(laps: pd.DataFrame, kinds: np.ndarray, order: np.ndarray | None = None) -> list[tuple[str, float, float, float]]:
    """(kind, start, end, green_at) of each phase from per-row kinds (``order``: :func:`_time_order`)."""
    el = laps["elapsed"].to_numpy(dtype=float)
    order = _time_order(laps) if order is None else order
    t = el[order]
    k = kinds[order]
    phases: list[list] = []
    n = len(t)
    # runs of one neutral kind in race-time order: [i, j] inclusive (a Python loop over runs only)
    change = np.flatnonzero(np.r_[True, k[1:] != k[:-1]]) if n else np.zeros(0, dtype=np.int64)
    run_end = np.r_[change[1:], n] - 1
    for i, j in zip(change.tolist(), run_end.tolist()):
        if k[i] == "":
            continue
        green_at = t[j + 1] if j + 1 < n else np.nan
        if phases and phases[-1][0] == k[i] and t[i] - phases[-1][2] < MERGE_GAP:
            phases[-1][2] = t[j]
            phases[-1][3] = green_at
        else:
            phases.append([k[i], t[i], t[j], green_at])
    return [tuple(p) for p in phases]


def _mask_from(laps: pd.DataFrame, kinds: np.ndarray, phases, inferred: bool = False,
               ratio: np.ndarray | None = None) -> np.ndarray:  # fmt: skip
    """The per-lap neutralised mask (module docstring); ``ratio``: :func:`_ordinary_ratio` of
    ``laps`` when already computed."""
    neutral = kinds != ""
    same_car_prev = ~car_runs(laps).first
    prev_neutral = np.r_[False, neutral[:-1]] & same_car_prev
    mask = neutral | prev_neutral
    if phases:
        starts = np.array([p[1] for p in phases])
        ends = np.array([p[2] for p in phases])
        ls = laps["elapsed"].to_numpy(dtype=float) - laps["lap_time"].to_numpy(dtype=float)
        el = laps["elapsed"].to_numpy(dtype=float)
        # a whole phase inside the lap: some phase starts after lap start and ends before lap end
        idx = np.searchsorted(starts, ls, side="right")  # first phase starting after lap start
        inside = np.zeros(len(laps), dtype=bool)
        valid = idx < len(starts)
        inside[valid] = ends[idx[valid]] < el[valid]
        mask |= inside
        if inferred:
            # inferred phases start late (the first laps under a neutralisation are only partly
            # slow): laps ending within one typical lap before an inferred start count as neutralised
            r = _ordinary_ratio(laps) if ratio is None else ratio
            lt = laps["lap_time"].to_numpy(dtype=float)
            lead = float(np.nanmedian(lt[np.isfinite(r)])) if np.isfinite(r).any() else 0.0
            nxt = np.searchsorted(starts, el, side="left")  # first phase starting at or after the crossing
            ok = nxt < len(starts)
            near = np.zeros(len(laps), dtype=bool)
            near[ok] = starts[nxt[ok]] - el[ok] <= lead
            mask |= near
    return mask


def neutral_state(laps: pd.DataFrame, infer: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(kinds, neutralised) per lap row, computed together: the neutralisation kind at the crossing
    ('SC', 'FCY', 'RED' or '', as :func:`neutral_crossings`) and the mask of
    :func:`neutralised_mask`. Rows in canonical order (by car, then lap).

    >>> import pandas as pd
    >>> laps = pd.DataFrame({"car": ["1"] * 3, "lap": [1, 2, 3], "lap_time": [100.0, 150.0, 100.0],
    ...     "elapsed": [100.0, 250.0, 350.0], "in_lap": [False] * 3, "out_lap": [False] * 3,
    ...     "flag": pd.array(["GF", "SF", "GF"], dtype="string")})
    >>> kinds, mask = neutral_state(laps)
    >>> kinds.tolist(), mask.tolist()
    (['', 'SC', ''], [False, True, True])
    """
    if laps.empty:
        return np.zeros(0, dtype=object), np.zeros(0, dtype=bool)
    inferred = infer or not has_flags(laps)
    ratio = _ordinary_ratio(laps) if inferred else None  # once, for the inferred kinds and mask
    order = _time_order(laps)  # once, for the inferred kinds and the phases
    kinds = _kinds_per_row(laps, infer, ratio, order)
    return kinds, _mask_from(laps, kinds, _phases(laps, kinds, order), inferred, ratio)


def neutralised_mask(laps: pd.DataFrame, infer: bool = False) -> np.ndarray:
    """Boolean per lap row: the lap was (at least partly) run under SC, FCY or red flag.

    Observed from FLAG_AT_FL when the file has it, inferred otherwise (module docstring).
    Rows must be in canonical order (by car, then lap). ``infer=True`` ignores FLAG_AT_FL.
    """
    return neutral_state(laps, infer)[1]


def neutralisations(laps: pd.DataFrame, infer: bool = False) -> pd.DataFrame:
    """One row per neutralisation phase.

    Columns: phase (1-based), kind (SC/FCY/RED), start, end (race s: first and last crossing
    under it), duration (end - start), green_at (first crossing after it), inferred (bool),
    start_hour/end_hour (1-based race hour of start/end), laps_affected (lap rows neutralised
    by the per-lap rule that overlap the phase), cars_affected, crossings (crossings under it).
    ``infer=True`` ignores FLAG_AT_FL and infers the phases from lap times.
    """
    if laps.empty:
        return empty_table("phases")
    laps = in_lap_order(laps)
    order = _time_order(laps)
    kinds = _kinds_per_row(laps, infer, order=order)
    phases = _phases(laps, kinds, order)
    inferred = infer or not has_flags(laps)
    if not infer and "neutral_kind" in laps.columns and "neutralised" in laps.columns:
        mask = laps["neutralised"].to_numpy(dtype=bool)  # annotate() computed it from the same kinds
    else:
        mask = _mask_from(laps, kinds, phases, inferred)
    if not phases:
        return pd.DataFrame([], columns=PHASE_COLUMNS)
    el = laps["elapsed"].to_numpy(dtype=float)
    ls = el - laps["lap_time"].to_numpy(dtype=float)
    car, _ = codes(laps, "car")
    t = el[order]  # crossings in race-time order: a phase's crossings are one slice of them
    k_t = kinds[order]
    # a lap touched by a phase ends at or after its start: among the crossings from there on, the
    # neutralised ones that began by its green flag (or its end)
    touched_rows = order[mask[order]]
    t_touched, ls_touched = el[touched_rows], ls[touched_rows]
    rows = []
    for i, (kind, start, end, green_at) in enumerate(phases, 1):
        a, b = np.searchsorted(t, start, side="left"), np.searchsorted(t, end, side="right")
        under = int(np.count_nonzero(k_t[a:b] == kind))
        c = np.searchsorted(t_touched, start, side="left")
        hit = touched_rows[c:][ls_touched[c:] <= (green_at if np.isfinite(green_at) else end)]
        rows.append(
            {
                "phase": i,
                "kind": kind,
                "start": float(start),
                "end": float(end),
                "duration": float(end - start),
                "green_at": float(green_at),
                "inferred": inferred,
                "start_hour": int(start // 3600) + 1,
                "end_hour": int(end // 3600) + 1,
                "laps_affected": int(len(hit)),
                "cars_affected": int(len(np.unique(car[hit]))),
                "crossings": under,
            }
        )
    return pd.DataFrame(rows, columns=PHASE_COLUMNS)


def race_phases(phases: pd.DataFrame, zones: pd.DataFrame, *, min_zone: float = 0.0) -> pd.DataFrame:
    """Neutralisation phases and slow zones in one table, in race order: the ``phases`` columns
    (:func:`neutralisations`) plus ``sector`` (0 for a whole-course phase; the zone's sector).
    A slow zone (:func:`stintlab.analysis.slowzones.slow_zones`) is a phase of kind ``SZ``: green
    flag elsewhere, a local speed limit in one sector (a Code 60 zone on the Nordschleife; the
    sector in the source's numbering, S1..S5 there), detected from sector times (``inferred``
    true); ``green_at`` is its end, ``laps_affected`` / ``crossings`` are its slowed passages. A
    full-course Code 60 (Nordschleife: every sector slowed at once,
    :func:`stintlab.analysis.slowzones.full_course_spans`) comes with ``phases`` as kind ``C60``.
    Zones shorter than ``min_zone`` seconds are left out.

    >>> ph = pd.DataFrame({"phase": [1], "kind": ["SC"], "start": [100.0], "end": [900.0], "duration": [800.0],
    ...     "green_at": [950.0], "inferred": [False], "start_hour": [1], "end_hour": [1], "laps_affected": [40],
    ...     "cars_affected": [20], "crossings": [60]})
    >>> z = pd.DataFrame({"zone": [1], "sector": [2], "start": [50.0], "end": [400.0], "duration": [350.0],
    ...     "start_hour": [1], "end_hour": [1], "peak_ratio": [2.0], "median_ratio": [1.8],
    ...     "cars_affected": [15], "passages": [30]})
    >>> race_phases(ph, z)[["phase", "kind", "sector", "start"]].values.tolist()
    [[1, 'SZ', 2, 50.0], [2, 'SC', 0, 100.0]]
    """
    numeric = PHASE_COLUMNS[2:6] + PHASE_COLUMNS[7:]
    if len(phases) and all(phases[c].dtype.kind in "iuf" for c in numeric) and phases["inferred"].dtype == bool:
        return _race_phases_fast(phases, zones, min_zone)
    ph = phases.copy()
    ph["sector"] = 0
    z = zones[zones["duration"] >= min_zone] if len(zones) else zones
    if len(z):
        sz = pd.DataFrame(
            {
                "kind": "SZ",
                "start": z["start"].to_numpy(dtype=float),
                "end": z["end"].to_numpy(dtype=float),
                "duration": z["duration"].to_numpy(dtype=float),
                "green_at": z["end"].to_numpy(dtype=float),
                "inferred": True,
                "start_hour": z["start_hour"].to_numpy(dtype=np.int64),
                "end_hour": z["end_hour"].to_numpy(dtype=np.int64),
                "laps_affected": z["passages"].to_numpy(dtype=np.int64),
                "cars_affected": z["cars_affected"].to_numpy(dtype=np.int64),
                "crossings": z["passages"].to_numpy(dtype=np.int64),
                "sector": z["sector"].to_numpy(dtype=np.int64),
            }
        )
        ph = pd.concat([ph.drop(columns="phase"), sz], ignore_index=True) if len(ph) else sz
        ph = ph.sort_values(["start", "sector"], kind="stable").reset_index(drop=True)
        ph.insert(0, "phase", np.arange(1, len(ph) + 1, dtype=np.int64))
    out = ph[[*PHASE_COLUMNS, "sector"]]
    return out.astype({"kind": "string", "inferred": bool, "sector": np.int64})


def _race_phases_fast(phases: pd.DataFrame, zones: pd.DataFrame, min_zone: float) -> pd.DataFrame:
    """:func:`race_phases` of a non-empty numeric ``phases`` table, built column by column in numpy
    (the same table: columns, dtypes, order)."""
    cols = {c: phases[c].to_numpy() for c in PHASE_COLUMNS}
    cols["kind"] = phases["kind"].to_numpy(dtype=object)
    cols["sector"] = np.zeros(len(phases), dtype=np.int64)
    keep = np.flatnonzero(zones["duration"].to_numpy(dtype=float) >= min_zone) if len(zones) else []
    if len(keep):
        zf = {c: zones[c].to_numpy()[keep] for c in ("start", "end", "duration", "start_hour", "end_hour", "passages",
                                                     "cars_affected", "sector")}  # fmt: skip
        sz = {
            "kind": np.full(len(keep), "SZ", dtype=object),
            "start": zf["start"].astype(float),
            "end": zf["end"].astype(float),
            "duration": zf["duration"].astype(float),
            "green_at": zf["end"].astype(float),
            "inferred": np.ones(len(keep), dtype=bool),
            "start_hour": zf["start_hour"].astype(np.int64),
            "end_hour": zf["end_hour"].astype(np.int64),
            "laps_affected": zf["passages"].astype(np.int64),
            "cars_affected": zf["cars_affected"].astype(np.int64),
            "crossings": zf["passages"].astype(np.int64),
            "sector": zf["sector"].astype(np.int64),
        }
        for c in sz:
            cols[c] = np.concatenate([cols[c], sz[c]])
        order = np.lexsort((cols["sector"], cols["start"]))  # by start, then sector; stable
        cols = {c: v[order] for c, v in cols.items() if c != "phase"}
        cols["phase"] = np.arange(1, len(order) + 1, dtype=np.int64)
    cols["kind"] = pd.array(cols["kind"], dtype="string")  # the dtypes race_phases' astype gives
    cols["inferred"] = cols["inferred"].astype(bool)
    return pd.DataFrame({c: cols[c] for c in [*PHASE_COLUMNS, "sector"]}, index=None if len(keep) else phases.index)
