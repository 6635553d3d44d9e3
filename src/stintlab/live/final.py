"""The engine's board once the race is over: the classification, not a second ordering of its own.

While the race runs the board is the line order (each car as of its last crossing). Once the race is
finished (:func:`stintlab.analysis.order.race_finished` on the cars' last crossings: the chequered flag,
a red-flag finish or, without flags, the finish the crossings show) the final board is the race's
classification, in its order, with its laps:

- the official classification when the engine was given one (``LiveRace(classification=...)``; the
  replay gives ``race.classification``, official when a results file was found): post-race penalties
  included (Le Mans 2023 #5: 329 laps on the line, 4 laps deducted, 16th officially instead of 9th);
- else the classification derived from the laps by :func:`stintlab.analysis.classification.derive_classification`
  — the kernel ``race.derived_classification`` runs — applied to the cars' last crossings
  (:func:`last_crossings_table`: for a finished race the kernel reads nothing else but the lap-time
  median that decides, without flags, whether the race is over).

An official classification is used only when it is the one of this moment: every car has crossed the
line at least as many times as the laps it credits (penalties only take laps away). Between the
chequered flag and the last finisher's crossing, or when a race without flags looks finished in the
middle (order.race_finished), the board is the derived classification of the crossings so far.

Rows: position = rank in the classification's order (cars it does not rank, WIGE disqualified / did not
start, last in its order); class_position, laps from the classification; ``gap_laps`` from its laps;
``gap_s`` the difference of total times for cars on the same lap (penalties included), else the time
at the same point of the track: the car's total time minus the car ahead's crossing of the lap the
classification credits the car with (:func:`stintlab.live.car.seconds_behind`; #5 above: its finish
against the winner's crossing of lap 325; behind #5, #5's crossings count 4 laps less); the same for the interval, the class gap and the class interval. A classified car the engine never saw (SRO: no lap
completed; WIGE: did not start) gets a row with its laps and nothing else.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from stintlab.analysis.classification import derive_classification
from stintlab.live.car import CarState, seconds_behind
from stintlab.live.state import StandingRow

__all__ = ["last_crossings_table", "final_rows", "classification_of_moment"]


def last_crossings_table(cars: list[CarState]) -> pd.DataFrame:
    """Each car's last crossing as a lap table (the columns the order and classification kernels read)."""
    return pd.DataFrame({
        "car": [c.car for c in cars], "lap": [c.lap for c in cars], "class": [c.cls for c in cars],
        "group": [c.group for c in cars], "team": [c.team for c in cars],
        "manufacturer": [c.manufacturer for c in cars], "lap_time": [c.last_lt for c in cars],
        "elapsed": [c.last_el for c in cars], "in_lap": [bool(c.in_lap) for c in cars],
        "time_of_day": [c.start_tod + c.last_el for c in cars],
        "flag": pd.array([c.flag for c in cars], dtype="string"),
    })  # fmt: skip


def classification_of_moment(cars: list[CarState], official: pd.DataFrame | None) -> pd.DataFrame:
    """The classification the final board follows (module docstring)."""
    if official is not None and len(official) and cars:
        on_line = {c.car: c.lap for c in cars}
        laps = pd.to_numeric(official["laps"], errors="coerce").fillna(0).to_numpy()
        if all(on_line.get(str(car), 0) >= n for car, n in zip(official["car"], laps)):
            return official
    return derive_classification(last_crossings_table(cars))


def _num(v) -> float:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return math.nan
    return f


def final_rows(cars: dict[str, CarState], table: pd.DataFrame, t: float) -> list[StandingRow]:
    """Standings rows in the order of the classification ``table`` (module docstring)."""
    pos = pd.to_numeric(table["position"], errors="coerce").to_numpy(dtype=float)
    order_ = np.lexsort((np.arange(len(table)), np.where(np.isnan(pos), np.inf, pos)))
    tab = table.iloc[order_]
    has_cpos = "class_position" in tab.columns
    entries = []
    for r in tab.to_dict("records"):
        car = str(r["car"])
        c = cars.get(car)
        laps = r.get("laps")
        laps = int(laps) if laps is not None and laps is not pd.NA and not _isnan(laps) else (c.lap if c else 0)
        cls = r.get("class")
        cls = str(cls) if isinstance(cls, str) else (c.cls if c else "") or ""
        cpos = r.get("class_position") if has_cpos else None
        cpos = None if cpos is None or cpos is pd.NA or _isnan(cpos) else int(cpos)
        entries.append((car, c, laps, cls, cpos, _num(r.get("total_time"))))

    def between(e, ahead) -> tuple[float, int]:
        (_, cb, lb, _, _, tb), (_, ca, la, _, _, ta) = e, ahead
        if e is ahead:
            return 0.0, 0
        if lb == la and math.isfinite(tb) and math.isfinite(ta):
            return round(max(tb - ta, 0.0), 3), 0
        if cb is None or ca is None:
            return 0.0, int(la - lb)
        arrived = tb if math.isfinite(tb) else cb.last_el  # the car's total time: penalties included
        shift = max(ca.lap - la, 0)  # laps deducted from the car ahead: its crossings run that many laps later
        return seconds_behind(ca, lb + shift, arrived, t), int(la - lb)

    rows = []
    class_first, class_prev, class_n = {}, {}, {}
    lead = entries[0] if entries else None
    prev = lead
    for i, e in enumerate(entries):
        car, c, laps, cls, cpos, _tt = e
        cf = class_first.setdefault(cls, e)
        cp = class_prev.get(cls, e)
        class_n[cls] = class_n.get(cls, 0) + 1
        g, gl = between(e, lead)
        iv, il = between(e, prev)
        cg, cgl = between(e, cf)
        ci, cil = between(e, cp)
        rows.append(StandingRow(
            position=i + 1, class_position=cpos if cpos is not None else class_n[cls], car=car, cls=cls,
            laps=laps, gap_s=g, gap_laps=gl, interval_s=iv, interval_laps=il,
            race_time=c.last_el if c is not None else math.nan,
            class_gap_s=cg, class_gap_laps=cgl, class_interval_s=ci, class_interval_laps=cil,
            last_lap=c.last_lt if c is not None and math.isfinite(c.last_lt) else None,
            best_lap=c.best_lt if c is not None and math.isfinite(c.best_lt) else None,
            laps_in_stint=c.stint_row["laps"] if c is not None and c.stint_row else 0,
            stops=c.stops if c is not None else 0, in_pit=bool(c.in_lap) if c is not None else False,
            driver=c.driver if c is not None else None, team=c.team if c is not None else None))  # fmt: skip
        class_prev[cls] = e
        prev = e
    return rows


def _isnan(v) -> bool:
    return isinstance(v, float) and math.isnan(v)
