"""The tail window: the crossings of the last minutes, re-analysed by the whole-race kernels.

Slow zones cannot be followed exactly crossing by crossing: :mod:`stintlab.analysis.slowzones`
compares each passage with the car's median sector time and with the field within a few minutes
either side. :class:`TailWindow` keeps the crossings of the last :data:`TAIL_WINDOW` race seconds
(a bounded deque) and, when asked, runs :func:`stintlab.analysis.annotate.annotate_with_zones` on
them alone; the zones still running (last slowed passage under :data:`ZONE_ACTIVE` s ago) are kept
as ``zones`` ((sector, start), ...). The references come from the window, not the whole race: the
result is an approximation of the whole-file detector (docs/live.md gives the agreement measured).
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np
import pandas as pd

from stintlab.analysis.annotate import annotate_with_zones
from stintlab.errors import StintlabError

__all__ = ["TailWindow", "TAIL_WINDOW", "ZONE_ACTIVE"]

#: race seconds re-analysed: long enough for each car's median sector time to stand for its
#: normal pace (a zone shorter than half of it is seen)
TAIL_WINDOW = 2700.0
ZONE_ACTIVE = 300.0  # a zone whose last slowed passage is this recent is shown as running


class TailWindow:
    """The last ``seconds`` of crossings (row dicts of the canonical lap table) and the slow zones found in them."""

    def __init__(self, seconds: float = TAIL_WINDOW, keep: tuple[str, ...] | None = None):
        """``keep``: the only columns kept of each row (a long window holds fewer bytes)."""
        self.seconds = float(seconds)
        self.keep = keep
        self.rows: deque = deque()
        self.analysed_at = -math.inf  # race time of the last analysis
        self.zones: tuple = ()

    def add(self, row: dict, t: float) -> None:
        self.rows.append(row if self.keep is None else {k: row[k] for k in self.keep if k in row})
        while self.rows and self.rows[0]["elapsed"] < t - self.seconds:
            self.rows.popleft()

    def table(self) -> pd.DataFrame:
        """The window as a lap table sorted by car and lap, out-laps recomputed within the window
        (rows parsed in chunks do not know the chunk before)."""
        if not self.rows:
            return pd.DataFrame()
        df = pd.DataFrame(list(self.rows)).sort_values(["car", "lap"], kind="stable").reset_index(drop=True)
        car = df["car"].astype(str).to_numpy()
        prev_in = np.r_[False, df["in_lap"].to_numpy(dtype=bool)[:-1]]
        df["out_lap"] = prev_in & np.r_[False, car[1:] == car[:-1]]
        return df

    def analyse(self, t: float) -> str | None:
        """Re-detect the slow zones running at race time ``t``; a message when the window cannot be analysed."""
        self.analysed_at = t
        tail = self.table()
        self.zones = ()
        if tail.empty:
            return None
        try:
            _annotated, zones = annotate_with_zones(tail)
        except (StintlabError, ValueError, KeyError) as e:  # a window the kernels cannot read: said, not raised
            return f"tail window not analysed: {e}"
        active = zones[zones["end"] >= t - ZONE_ACTIVE] if len(zones) else zones
        self.zones = tuple((int(z.sector), float(z.start)) for z in active.itertuples())
        return None
