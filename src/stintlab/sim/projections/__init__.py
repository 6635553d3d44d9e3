"""Strategy projections: from a race known up to race time ``at``, each car's laps to the flag, stops
remaining, stint length and next pit window, expected class position at the flag (Monte Carlo of the
rest of the race) and what it needs to catch the car ahead in class. One row per car (table
``projections``, docs/tables.md); the method of each figure is in :data:`METHODS` (docs/sim.md).

Input: a :class:`~stintlab.race.Race` or a canonical lap table; only the crossings at or before ``at``
are used (a Race of the whole race is cut). The scheduled race length comes from ``length`` (seconds),
else the file name (``Hour 24``, ``_6h``, ``spa6h``), else, for a finished file, its chequered flag
floored to whole hours (:func:`~stintlab.sim.projections.inputs.race_length`).

>>> from stintlab.sim.model import demo_entries
>>> from stintlab.sim.simulate import simulate
>>> laps = simulate(demo_entries(seed=3)[:12], hours=2.0, seed=3)
>>> p = project(laps, 3600.0, length=7200.0, runs=20, seed=1)
>>> p.meta["length_source"], len(p.table) == laps["car"].nunique()
('argument', True)
>>> bool((p.table["final_laps_p10"] <= p.table["final_laps_p90"]).all())
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from stintlab.analysis.standings import standings_at
from stintlab.errors import StintlabUsageError
from stintlab.schema import check_columns
from stintlab.sim.model import load_params
from stintlab.sim.projections.inputs import race_length, race_length_from_name, seeds
from stintlab.sim.projections.montecarlo import simulate_remainder

__all__ = ["project", "Projection", "METHODS", "race_length", "race_length_from_name", "RUNS"]

RUNS = 200

METHODS = {
    "lap_pace": "Mean of the car's clean laps in the last 2 h of race time (under 5: of the race so far; "
    "under 3: the class's recent median clean lap); lap_pace_sd their standard deviation.",
    "expected_lap": "Race time one lap costs on average from now: lap_pace x (1 + class green overhead: green "
    "racing laps, slow zones included, over clean ones so far) x (1 + e) + stop_loss / stint_laps, with e = s x "
    "(r - 1) what neutralisations cost per racing lap: s the share of racing laps under SC/FCY/red so far, r "
    "their mean lap over the car's clean median (capped at 4); e blended with the calibrated e, weights the "
    "hours run and PRIOR_HOURS.",
    "laps_to_flag": "ceil((expected flag - last crossing) / expected_lap); expected flag = scheduled length + half "
    "the leader's green lap. Assumes the car runs to the flag; p10/p90 from the Monte Carlo (runs where it "
    "retires left out).",
    "stop_loss": "Median time_lost of the car's normal green stops so far (stops table), shrunk to the class's "
    "median: (n x car + 4 x class) / (n + 4); no stop yet: the class median, else the calibrated pit time.",
    "stint": "Completed stints of the car (ended by a stop, 3 laps or more): median, 25th percentile and longest, "
    "in laps and in time; fewer than 2: the class's; none: the calibrated class stint.",
    "stops_remaining": "Refuelling stops before the flag: the first when the current stint reaches the median "
    "stint, then one every median stint, none for the in-lap that is the flag lap. p10/p90 from the Monte "
    "Carlo, which adds repairs and garage visits at the calibrated rates.",
    "pit_window": "Next in-lap: laps + (stint - laps in the current stint), at least 1; the window opens at the "
    "25th-percentile stint and closes at the longest stint seen; times at expected_lap without stop loss.",
    "class_position": "Monte Carlo of the remainder with the simulator's models (sim/projections/montecarlo.py): "
    "mean, median, p10 and p90 of the class position at the flag (laps desc, then time of the last crossing); "
    "p_retire: share of runs where the car does not take the flag.",
    "catch": "Car ahead = the car directly ahead in class at `at` (laps, then crossing time). gap_ahead_s = the "
    "car's last crossing minus the time the car ahead completed the same lap; catch_delta = (gap_ahead_s + "
    "laps_to_flag x (expected_lap - the car ahead's expected_lap)) / laps_to_flag: seconds per lap the car must "
    "find over its projected pace to be level at the flag (negative: it catches at its current pace). "
    "p_ahead_at_flag: share of Monte Carlo runs where it finishes ahead of that car.",
}


@dataclass
class Projection:
    """``table``: one row per car (schema ``projections``); ``meta``: at, length, its source, the
    expected flag, the field's neutralisation figures, runs, seed."""

    table: pd.DataFrame
    meta: dict = field(default_factory=dict)


def _cut(source, at: float) -> tuple[pd.DataFrame, str | None]:
    laps = getattr(source, "laps", source)
    path = getattr(source, "meta", {}).get("path") if hasattr(source, "meta") else None
    if not isinstance(laps, pd.DataFrame):
        raise StintlabUsageError("project() wants a Race or a lap table")
    check_columns(laps, "laps", "project()", ("car", "lap", "class", "elapsed", "lap_time", "in_lap"))
    return laps[laps["elapsed"].to_numpy(float) <= at].reset_index(drop=True), path


def _pct(a: np.ndarray, q: float) -> np.ndarray:
    return np.percentile(a, q, axis=0, method="nearest").astype(int) if len(a) else np.zeros(a.shape[1], int)


def project(source, at: float, *, length: float | None = None, path=None, cls: str | None = None,
            runs: int = RUNS, seed: int = 0, params: dict | None = None) -> Projection:  # fmt: skip
    """Projections for every car (``cls``: the rows of one class; the Monte Carlo always runs the field).
    ``runs=0``: no Monte Carlo (its columns missing), the closed-form figures only (fast, for every step of a
    replay)."""
    if at is None or not math.isfinite(at) or at <= 0:
        raise StintlabUsageError(f"the projection time must be a race time above 0 (got {at})")
    if runs < 0 or runs > 100_000:
        raise StintlabUsageError(f"runs must be between 0 and 100000 (got {runs})")
    laps, src_path = _cut(source, float(at))
    if laps.empty:
        raise StintlabUsageError(f"no lap crossed the line by race time {at:.0f} s", code="no_lap")
    params = params or load_params()
    full = getattr(source, "laps", source)
    L, how = race_length(full, path or src_path, length)
    if not math.isfinite(L):
        raise StintlabUsageError("the race length is not known (no hours in the file name and the file is not a "
                                 "finished race): give it (--length H:MM)", code="no_length")  # fmt: skip
    if at >= L:
        raise StintlabUsageError(f"race time {at:.0f} s is at or past the scheduled end ({L:.0f} s)", code="past_end")
    cars, fs, _annot = seeds(laps, float(at), params)
    order = standings_at(laps, float(at))
    pos = {str(c): (int(p), int(cp)) for c, p, cp in zip(order["car"], order["position"], order["class_position"])}
    cars.sort(key=lambda c: pos[c.car][0])
    index = {c.car: i for i, c in enumerate(cars)}
    prev_in_class: dict[str, str] = {}
    for c in cars:
        c.ahead = index.get(prev_in_class.get(c.cls)) if c.cls in prev_in_class else None
        prev_in_class[c.cls] = c.car
    # how a lap costs from now (METHODS["expected_lap"])
    factor = 1.0 + fs.excess
    for c in cars:
        c.green = c.pace * (1.0 + c.overhead)
        c.expected = c.green * factor + c.stop_loss / max(c.stint_laps, 1.0)
    leader = cars[0]
    flag = L + 0.5 * leader.green
    mc = None
    if runs > 0:
        mc = simulate_remainder(cars, float(at), L, params, fs.excess / fs.excess_prior if fs.excess_prior > 0 else 1.0,
                                runs=runs, seed=seed)  # fmt: skip
    key = _crossing_times(laps, {c.laps for c in cars if c.ahead is not None and c.laps > 0})
    rows = []
    for i, c in enumerate(cars):
        n_left = max(math.ceil((flag - c.race_time) / c.expected), 0) if c.running else 0
        k = max(round(c.stint_laps), 1)
        r0 = max(k - c.stint_laps_now, 1)
        stops = math.ceil((n_left - r0) / k) if n_left > r0 else 0
        a = cars[c.ahead] if c.ahead is not None else None
        gap = delta = p_ahead = math.nan
        if a is not None:
            t_a = key.get((a.car, c.laps), math.nan) if c.laps > 0 else math.nan
            gap = c.race_time - t_a
            if n_left > 0 and a.running and math.isfinite(gap):
                delta = (gap + n_left * (c.expected - a.expected)) / n_left
            p_ahead = float(mc["ahead"][:, i].mean()) if mc is not None else math.nan
        lap_t = c.green * factor
        rows.append({
            "car": c.car, "class": c.cls, "position": pos[c.car][0], "class_position": pos[c.car][1],
            "laps": c.laps, "race_time": c.race_time, "in_pit": c.in_pit, "running": c.running,
            "lap_pace": c.pace, "lap_pace_sd": c.pace_sd, "pace_source": c.pace_source, "green_lap": c.green,
            "expected_lap": c.expected, "stop_loss": c.stop_loss, "stop_source": c.stop_source,
            "stint_laps": c.stint_laps, "stint_laps_max": c.stint_laps_max, "stint_time": c.stint_time,
            "stint_time_max": c.stint_time_max, "stint_source": c.stint_source, "stint_laps_now": c.stint_laps_now,
            "laps_to_flag": n_left, "final_laps": c.laps + n_left,
            "stops_remaining": stops,
            "next_stop_lap": c.laps + r0 if c.running else pd.NA,
            "window_open_lap": c.laps + max(round(c.stint_laps_q25) - c.stint_laps_now, 1) if c.running else pd.NA,
            "window_close_lap": c.laps + max(c.stint_laps_max - c.stint_laps_now, 1) if c.running else pd.NA,
            "next_stop_time": c.race_time + r0 * lap_t if c.running else math.nan,
            **_summary(mc, i),
            "car_ahead": a.car if a is not None else None, "gap_ahead_s": gap, "catch_delta": delta,
            "p_ahead_at_flag": p_ahead,
        })  # fmt: skip
    table = _typed(pd.DataFrame(rows))
    if cls is not None:
        from stintlab.analysis.lookup import find_class

        table = table[table["class"] == find_class(laps["class"].dropna().unique(), cls)].reset_index(drop=True)
    meta = {
        "at": float(at), "length": L, "length_source": how, "expected_flag": flag,
        "flag_p10": float(np.percentile(mc["flag"], 10)) if mc is not None else math.nan,
        "flag_p90": float(np.percentile(mc["flag"], 90)) if mc is not None else math.nan,
        "neutral_share": fs.neutral_share, "neutral_ratio": fs.neutral_ratio,
        "neutral_excess_observed": fs.excess_obs, "neutral_excess": fs.excess, "runs": runs, "seed": seed,
    }  # fmt: skip
    return Projection(table, meta)


def _crossing_times(laps: pd.DataFrame, wanted: set[int]) -> dict[tuple[str, int], float]:
    """(car, lap) -> elapsed of the rows whose lap number is in ``wanted`` (the laps a gap is read at), the last
    row winning on a repeated (car, lap): a dict of those rows only, not of the whole table."""
    lap = laps["lap"].to_numpy()
    rows = np.flatnonzero(np.isin(lap, np.fromiter(wanted, dtype=np.int64, count=len(wanted))))
    cars, el = laps["car"].to_numpy()[rows], laps["elapsed"].to_numpy(float)[rows]
    return {(str(c), int(n)): float(e) for c, n, e in zip(cars, lap[rows], el, strict=True)}


def _summary(mc: dict | None, i: int) -> dict:
    """The Monte Carlo columns of car ``i`` (missing without a Monte Carlo: ``runs=0``)."""
    if mc is None:
        na = dict.fromkeys(("final_laps_p10", "final_laps_p90", "stops_p10", "stops_p90", "class_position_median",
                            "class_position_p10", "class_position_p90"), pd.NA)  # fmt: skip
        return {**na, "class_position_mean": math.nan, "p_retire": math.nan}
    ok = ~mc["retired"][:, i]
    fl = mc["laps"][ok, i] if ok.any() else mc["laps"][:, i]
    st = mc["stops"][ok, i] if ok.any() else mc["stops"][:, i]
    cp = mc["class_position"][:, i]

    def q(a, p):
        return int(np.percentile(a, p, method="nearest"))

    return {
        "final_laps_p10": q(fl, 10), "final_laps_p90": q(fl, 90), "stops_p10": q(st, 10), "stops_p90": q(st, 90),
        "class_position_mean": float(cp.mean()), "class_position_median": q(cp, 50),
        "class_position_p10": q(cp, 10), "class_position_p90": q(cp, 90),
        "p_retire": float(mc["retired"][:, i].mean()),
    }  # fmt: skip


def _typed(df: pd.DataFrame) -> pd.DataFrame:
    from stintlab.schema import table_columns

    out = {}
    for c in table_columns("projections"):
        out[c.name] = df[c.name].astype(c.dtype) if len(df) else pd.Series([], dtype=c.dtype)
    return pd.DataFrame(out)
