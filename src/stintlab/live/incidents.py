"""Live incidents: a lap is reported as an incident once the whole-race detector confirms it.

:mod:`stintlab.analysis.incidents` judges a lap against the car's own pace (the median of a centred
window of :data:`~stintlab.analysis.incidents.WINDOW` racing laps with the same driver), the field at
that moment and, with sector times, the car's class sector by sector within ± ``HALF_WINDOW`` s. Live,
the laps after a lap are not known yet, so :class:`IncidentWatch` keeps the crossings of the last
:data:`INCIDENT_WINDOW` race seconds (only the columns the kernels read), runs the same kernel
(:func:`stintlab.analysis.annotate.annotate_with_zones`) on them every ``every`` race seconds, and judges
each lap **once**, at the first analysis where its figures stand as the whole-race detector computes them:
the car has :data:`CONFIRM_LAPS` racing laps before and after it in the window (its centred pace window is
full) and the class comparison has ± ``HALF_WINDOW`` s of crossings around it. An incident is then an
``incident`` event (value: seconds lost, code: the sector where most was lost). A lap is never judged
twice, so nothing is reported and taken back; the price is a delay of about six laps.

Agreement with the whole-race detector (benchmarks/live_incidents.py): docs/live.md.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from stintlab.analysis.annotate import annotate_with_zones
from stintlab.analysis.incidents import WINDOW, racing_mask
from stintlab.analysis.slowzones import HALF_WINDOW
from stintlab.errors import StintlabError
from stintlab.live.state import LiveEvent
from stintlab.live.tail import TailWindow

__all__ = ["IncidentWatch", "INCIDENT_WINDOW", "CONFIRM_LAPS", "KEEP"]

INCIDENT_WINDOW = 10800.0  # race s of crossings re-analysed (a shorter one judges fewer laps, worse)
CONFIRM_LAPS = WINDOW // 2  # racing laps of the car needed on each side of a lap before it is judged
#: the lap-table columns the annotation kernels read (the window keeps only these)
KEEP = ("car", "lap", "driver", "class", "lap_time", "elapsed", "in_lap", "pit_time", "flag", "s1", "s2", "s3",
        "line")  # fmt: skip


class IncidentWatch:
    """The incident window and the laps already judged (module docstring)."""

    def __init__(self, seconds: float = INCIDENT_WINDOW):
        self.window = TailWindow(seconds, keep=KEEP)
        self.judged: dict[tuple[str, int], float] = {}  # (car, lap) -> its race time; pruned with the window
        self.analysed_at = -math.inf

    def add(self, row: dict, t: float) -> None:
        self.window.add(row, t)

    def confirm(self, t: float) -> tuple[list[LiveEvent], str | None]:
        """The incidents judged at race time ``t`` (events), and a message when the window cannot be analysed."""
        self.analysed_at = t
        tab = self.window.table()
        if tab.empty:
            return [], None
        try:
            ann, _zones = annotate_with_zones(tab)
        except (StintlabError, ValueError, KeyError) as e:  # said, not raised
            return [], f"incidents not analysed: {e}"
        racing = racing_mask(ann, ann["neutralised"].to_numpy(dtype=bool))
        car = ann["car"].astype(str).to_numpy()
        lap = ann["lap"].to_numpy()
        el = ann["elapsed"].to_numpy(dtype=float)
        per_car = pd.Series(racing.astype(np.int64)).groupby(car)
        before = per_car.cumsum().to_numpy() - racing
        after = per_car.transform("sum").to_numpy() - before - racing
        start = el.min() if len(el) else t
        ready = (before >= CONFIRM_LAPS) & (after >= CONFIRM_LAPS) & (el <= t - HALF_WINDOW)
        ready &= el >= start + HALF_WINDOW
        inc = ann["incident"].to_numpy(dtype=bool)
        lost = ann["time_lost"].to_numpy(dtype=float)
        sector = ann["loss_sector"].to_numpy() if "loss_sector" in ann else np.zeros(len(ann), dtype=int)
        cls = ann["class"].astype(object).to_numpy() if "class" in ann else np.full(len(ann), None)
        out = []
        for i in np.flatnonzero(ready):
            key = (car[i], int(lap[i]))
            if key in self.judged:
                continue
            self.judged[key] = float(el[i])
            if inc[i]:
                code = f"S{int(sector[i])}" if sector[i] else None
                out.append(LiveEvent("incident", float(el[i]), car[i], cls[i], int(lap[i]), code,
                                     round(float(lost[i]), 3)))  # fmt: skip
        horizon = t - self.window.seconds
        self.judged = {k: v for k, v in self.judged.items() if v >= horizon}
        out.sort(key=lambda e: e.race_time)
        return out, None
