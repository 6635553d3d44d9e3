"""The per-car state the live engine keeps (:mod:`stintlab.live.engine`)."""

from __future__ import annotations

import math
from array import array
from collections import deque

__all__ = ["CarState", "time_at_lap", "RECENT", "SIGS"]

RECENT = 20  # ordinary laps kept per car for the pit-time fallback of drive time
SIGS = 8  # laps per car whose every figure is kept to tell a re-sent row from a corrected one


class CarState:
    """One car's live state (engine-internal; read through :class:`~stintlab.live.engine.LiveRace`)."""

    __slots__ = ("car", "cls", "team", "driver", "slot", "order", "lap", "el", "lap0", "last_el", "last_lt", "best_lt",
                 "in_lap", "flag", "stint", "stint_row", "stops", "open_stop", "recent", "sig", "drive")  # fmt: skip

    def __init__(self, car: str, order_key: float):
        self.car = car
        self.order = order_key
        self.cls = self.team = self.driver = self.slot = None
        self.lap = 0
        self.el = array("d")  # crossing time of lap lap0 + i (NaN: a hole in the lap numbers)
        self.lap0 = 0
        self.sig: dict[int, tuple] = {}  # the last SIGS laps' figures (duplicate / correction check)
        self.last_el = math.nan
        self.last_lt = math.nan
        self.best_lt = math.inf
        self.in_lap = False
        self.flag = None
        self.stint = 0
        self.stint_row: dict | None = None  # the open stint's record
        self.stops = 0
        self.open_stop: dict | None = None  # an in-lap waiting for its out-lap
        self.recent: deque = deque(maxlen=RECENT)
        self.drive: dict[str | None, float] = {}

    def at(self, lap: int) -> float | None:
        """Race time of the crossing ending lap ``lap``, None when not fed."""
        i = lap - self.lap0
        if 0 <= i < len(self.el) and not math.isnan(self.el[i]):
            return self.el[i]
        return None

    def put(self, lap: int, el: float, sig: tuple) -> None:
        if not self.el:
            self.lap0 = lap
        self.el.extend([math.nan] * (lap - self.lap0 - len(self.el)))
        self.el.append(el)
        self.sig[lap] = sig
        if len(self.sig) > SIGS:
            del self.sig[next(iter(self.sig))]


def time_at_lap(a: CarState, lap: int) -> float:
    """A's time at the line of lap ``lap`` when A has no crossing numbered so (a hole in its lap
    numbers): linear between its crossings around it; its first crossing when before them."""
    known = [(a.lap0 + i, e) for i, e in enumerate(a.el) if not math.isnan(e)]
    below = [(k, e) for k, e in known if k < lap]
    above = [(k, e) for k, e in known if k > lap]
    if not below:
        return above[0][1] if above else a.last_el
    lo, e_lo = below[-1]
    if not above:
        return e_lo
    hi, e_hi = above[0]
    return e_lo + (e_hi - e_lo) * (lap - lo) / (hi - lo)
