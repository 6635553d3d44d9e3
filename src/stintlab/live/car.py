"""The per-car state the live engine keeps (:mod:`stintlab.live.engine`)."""

from __future__ import annotations

import math
from array import array
from collections import deque

__all__ = ["CarState", "time_at_lap", "gap", "seconds_behind", "RECENT", "SIGS"]

RECENT = 20  # ordinary laps kept per car for the pit-time fallback of drive time
HOLE = -(2**31)  # no crossing fed for that lap number
SIGS = 8  # laps per car whose every figure is kept to tell a re-sent row from a corrected one


class CarState:
    """One car's live state (engine-internal; read through :class:`~stintlab.live.engine.LiveRace`)."""

    __slots__ = ("car", "cls", "team", "driver", "slot", "order", "lap", "el", "lap0", "last_el", "last_lt", "best_lt",
                 "in_lap", "flag", "stint", "stint_row", "stops", "open_stop", "recent", "sig", "drive", "group",
                 "manufacturer", "start_tod")  # fmt: skip

    def __init__(self, car: str, order_key: float):
        self.car = car
        self.order = order_key
        self.cls = self.team = self.driver = self.slot = self.group = self.manufacturer = None
        self.start_tod = math.nan  # time of day of the car's start signal (time_of_day - elapsed; group starts)
        self.lap = 0
        self.el = array("i")  # crossing time of lap lap0 + i, ms (4 bytes a lap; HOLE: a hole in the lap numbers)
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
        """Race time of the crossing ending lap ``lap`` (to the millisecond), None when not fed."""
        i = lap - self.lap0
        if 0 <= i < len(self.el) and self.el[i] != HOLE:
            return self.el[i] / 1000.0
        return None

    def put(self, lap: int, el: float, sig: tuple) -> None:
        if not self.el:
            self.lap0 = lap
        self.el.extend([HOLE] * (lap - self.lap0 - len(self.el)))
        self.el.append(round(el * 1000.0))
        self.sig[lap] = sig
        if len(self.sig) > SIGS:
            del self.sig[next(iter(self.sig))]


def time_at_lap(a: CarState, lap: int) -> float:
    """A's time at the line of lap ``lap`` when A has no crossing numbered so (a hole in its lap
    numbers): linear between its crossings around it; its first crossing when before them."""
    known = [(a.lap0 + i, e / 1000.0) for i, e in enumerate(a.el) if e != HOLE]
    below = [(k, e) for k, e in known if k < lap]
    above = [(k, e) for k, e in known if k > lap]
    if not below:
        return above[0][1] if above else a.last_el
    lo, e_lo = below[-1]
    if not above:
        return e_lo
    hi, e_hi = above[0]
    return e_lo + (e_hi - e_lo) * (lap - lo) / (hi - lo)


def gap(b: CarState, a: CarState, t: float) -> tuple[float, int]:
    """(seconds, laps) of B behind A at race time ``t``, each as of its last crossing: B's last crossing
    minus A's crossing of the same lap (time at the same point of the track), or ``t`` minus A's
    crossing when A got there after B (A passed B while B stood still); laps = A's laps - B's laps."""
    if a is b:
        return 0.0, 0
    return seconds_behind(a, b.lap, b.last_el, t), int(a.lap - b.lap)


def seconds_behind(a: CarState, lap: int, arrived: float, t: float) -> float:
    """Seconds between A's crossing of lap ``lap`` and a car that got there at ``arrived`` (``t`` minus
    A's crossing when A got there later: A passed it while it stood still)."""
    tau = a.at(lap)
    if tau is None:
        tau = time_at_lap(a, lap)
    secs = (arrived if arrived >= tau else t) - tau
    return round(max(secs, 0.0), 3)
