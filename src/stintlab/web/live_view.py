"""What the live page receives at each step: a :class:`~stintlab.live.state.LiveState` turned into the
page's JSON, with what the page needs beside the engine's figures (docs/live.md, "Web live view").

- **times as text** by the one formatter (:mod:`stintlab.display`): ``*_text`` keys beside the raw
  seconds (kept for sorting and scripts); the page formats no time itself;
- **track position**: each car's ``fraction`` of the lap at the step's race time, from
  :func:`stintlab.analysis.distance.distance_at` with ``causal=True`` on the race's timing points
  (``race.progress``: line, sector ends, loops): what a live timing screen shows — from the car's last
  timing point at or before the step, at the pace known there, capped at the next timing point of the
  lap (not ``race.standings(at=t)``'s distance, which interpolates towards the next crossing of the
  finished file);
- **status** (:func:`car_status`): ``running``, ``pit``, ``stopped`` (no crossing for more than
  ``THRESHOLDS.distance_hold_factor`` times its pace), ``retired`` / ``finished`` once the race is over;
- **driver category** (``race.categories``, when known);
- a **bounded** event list (the last :data:`MAX_EVENTS`), and for a car page the car's last events;
- **projections** (:meth:`LiveView.projections`: :func:`stintlab.sim.projections.project` with a Monte
  Carlo of :data:`PROJECT_RUNS` runs), sent by the stream at a bounded rate (:mod:`stintlab.web.live`).

A replay uses no timing point after the step (a car between two sector ends is extrapolated from the
last one, never placed towards the next); the status comes from the crossings up to the step,
"finished" / "retired" from the chequered flag seen. The class reference lap (pace of a car before its
first timing point) and the sector ends' shares of the lap are the whole file's medians.
"""

from __future__ import annotations

import logging
import math
from collections import deque

import numpy as np

from stintlab import display
from stintlab.analysis import distance, order
from stintlab.config import THRESHOLDS

log = logging.getLogger(__name__)

__all__ = ["LiveView", "car_status", "STATUS_CODES", "MAX_EVENTS", "CAR_EVENTS", "PROJECT_RUNS", "PROJECT_KEYS",
           "METHOD_KEYS"]  # fmt: skip

MAX_EVENTS = 50  # events per step at most (the most recent): a first step after a seek stays small
CAR_EVENTS = 12  # last events of the car of a car page
PROJECT_RUNS = 200  # Monte Carlo runs of a live projection (~0.3 s for a 62-car 24 h field at 12 h)
STOP_FACTOR = THRESHOLDS.distance_hold_factor  # silence longer than this × the car's pace: stopped
#: status codes (the page words them)
STATUS_CODES = ("running", "pit", "stopped", "retired", "finished")
#: projection figures sent per car (table ``projections``, docs/tables.md)
PROJECT_KEYS = ("car", "laps", "running", "expected_lap", "laps_to_flag", "final_laps", "final_laps_p10",
                "final_laps_p90", "stops_remaining", "stops_p10", "stops_p90", "next_stop_lap", "window_open_lap",
                "window_close_lap", "class_position_median", "class_position_p10", "class_position_p90",
                "p_retire", "stint_laps")  # fmt: skip
#: the methods (sim.projections.METHODS) of the figures the page shows
METHOD_KEYS = ("laps_to_flag", "stops_remaining", "pit_window", "class_position")
_LAP_VALUE = {"pit_out", "long_stop", "best_lap"}  # events whose value is a time in seconds
#: why a projection could not be made (sim.projections' messages) as a code the page words in its language


def car_status(*, silence: float, pace: float | None, in_pit: bool, over: bool, flagged: bool | None) -> str:
    """The status code of a car at a step: ``silence`` = seconds since its last crossing, ``pace`` its
    lap (best, else last; None: none timed yet), ``over`` the race is over for it (chequered flag seen
    and the car has not crossed for longer than a lap, or the last step), ``flagged`` it took the flag.

    >>> car_status(silence=30, pace=100, in_pit=False, over=False, flagged=None)
    'running'
    >>> car_status(silence=400, pace=100, in_pit=False, over=False, flagged=None)
    'stopped'
    >>> car_status(silence=900, pace=100, in_pit=True, over=False, flagged=None), car_status(
    ...     silence=9, pace=100, in_pit=True, over=True, flagged=False)
    ('pit', 'retired')
    """
    if flagged:
        return "finished"
    if over:
        return "retired"
    if in_pit:
        return "pit"
    if pace is not None and math.isfinite(pace) and pace > 0 and silence > STOP_FACTOR * pace:
        return "stopped"
    return "running"


def _num(v) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


class LiveView:
    """The page's JSON of each step of one stream (module docstring); ``car``: the car of a car page."""

    def __init__(self, race, car: str | None = None, lang: str = "en"):
        self.race = race
        self.car = car
        self.lang = lang  # the gaps' words (``2 tours``); every other word is the page's
        self.progress = race.progress
        self.code = {str(c): i for i, c in enumerate(self.progress.cars)}
        laps = race.laps
        # the replay's clock is the common one (group starts: each car's elapsed plus its group's offset)
        offsets = order.start_offsets(laps)
        self.end = float(np.nanmax(laps["elapsed"].to_numpy(dtype=float) + offsets)) if len(laps) else 0.0
        cars = laps["car"].astype(str).tolist()
        self.offset = dict(zip(cars, offsets.tolist()))  # car -> its start group's offset (0: one start)
        flags = laps["flag"].tolist() if "flag" in laps else [None] * len(laps)
        self.flag_at = {(c, int(n)): (f if isinstance(f, str) else None) for c, n, f in zip(cars, laps["lap"], flags)}
        self.took_flag = {str(k): bool(v) for k, v in order.took_the_flag(laps).items()} if len(laps) else {}
        cat = race.categories
        self.category = {(str(c), str(d)): str(k) for c, d, k in zip(cat["car"], cat["driver"], cat["category"])
                         if isinstance(k, str) and k}  # fmt: skip
        self.car_events: deque = deque(maxlen=CAR_EVENTS)

    # ------------------------------------------------------------------ one step
    def fractions(self, t: float, rows) -> dict[str, float]:
        """Each car's fraction of the lap at race time ``t`` (the causal distance,
        ``distance_at(..., causal=True)``, minus its laps, below 1; 3 decimals, the JSON's precision:
        1/1000 of a lap), for the cars of ``rows`` (dicts with car and laps)."""
        dist = distance.distance_at(self.progress, float(t), causal=True)[0]
        out = {}
        for r in rows:
            i = self.code.get(str(r["car"]))
            if i is None or not np.isfinite(dist[i]):
                out[r["car"]] = 0.0
                continue
            out[r["car"]] = float(min(max(round(float(dist[i]) - r["laps"], 3), 0.0), 0.999))
        return out

    def payload(self, state) -> dict:
        """The ``state`` event's data for a :class:`~stintlab.live.state.LiveState`."""
        d = state.to_dict()
        t = float(d["race_time"])
        last_step = t >= self.end
        d["race_time_text"] = display.race_time(t)
        ctl = d["control"]
        ctl["since_text"] = display.race_time(ctl["since"]) if ctl.get("since") is not None else ""
        for z in ctl.get("slow_zones", []):
            z["start_text"] = display.race_time(z["start"])
        frac = self.fractions(t, d["standings"])
        for r in d["standings"]:
            car = r["car"]
            flag = self.flag_at.get((car, int(r["laps"])))
            pace = r["best_lap"] if r["best_lap"] is not None else r["last_lap"]
            silence = t - float(r["race_time"]) - self.offset.get(car, 0.0)  # the car's crossing, common clock
            flagged = flag == "FF" or (last_step and self.took_flag.get(car, False))
            over = last_step or (bool(d["finished"]) and (r["in_pit"] or (pace is not None and silence > pace)))
            r["status"] = car_status(silence=silence, pace=pace, in_pit=bool(r["in_pit"]), over=over,
                                     flagged=flagged)  # fmt: skip
            r["fraction"] = frac.get(car, 0.0)
            r["category"] = self.category.get((car, str(r["driver"])))
            r["last_lap_text"] = display.lap_time(r["last_lap"])
            r["best_lap_text"] = display.lap_time(r["best_lap"])
            r["gap_text"] = display.gap(r["gap_laps"], r["gap_s"], self.lang)
            r["interval_text"] = display.gap(r["interval_laps"], r["interval_s"], self.lang)
            r["class_gap_text"] = display.gap(r["class_gap_laps"], r["class_gap_s"], self.lang)
            r["class_interval_text"] = display.gap(r["class_interval_laps"], r["class_interval_s"], self.lang)
        events = d["events"]
        if self.car is not None:
            self.car_events.extend(e for e in events if e.get("car") == self.car)
        d["events_dropped"] = max(0, len(events) - MAX_EVENTS)
        d["events"] = [self._event(e) for e in events[-MAX_EVENTS:]]
        if self.car is not None:
            d["car"] = {"car": self.car, "events": [self._event(e) for e in self.car_events]}
        return d

    @staticmethod
    def _event(e: dict) -> dict:
        e = dict(e)
        e["time_text"] = display.race_time(e["race_time"])
        v = _num(e.get("value")) if e.get("kind") in _LAP_VALUE else None
        e["value_text"] = display.lap_time(v) if v is not None else ""
        return e

    # ------------------------------------------------------------------ projections
    def projections(self, t: float) -> dict:
        """The projections at race time ``t`` (:func:`stintlab.sim.projections.project`, ``PROJECT_RUNS``
        Monte Carlo runs, seed 0): ``{"at", "cars": {car: {PROJECT_KEYS..., "expected_lap_text"}}, "meta"}``,
        or ``{"at", "error", "error_code"}`` when they cannot be made then (``error_code``: no_lap, no_length,
        past_end or None; the page words it) (no scheduled length, past the end)."""
        from stintlab.errors import StintlabError
        from stintlab.serial import records, to_jsonable
        from stintlab.sim.projections import project

        try:
            p = project(self.race, float(t), runs=PROJECT_RUNS, seed=0)
        except StintlabError as exc:  # the reason's code (no_lap, no_length, past_end) is worded by the page
            code = getattr(exc, "code", None)
            return {"at": float(t), "at_text": display.race_time(t), "error": str(exc), "error_code": code}
        except Exception as exc:  # noqa: BLE001 (a failed projection must not end the stream: said, not raised)
            log.warning("live projection at %.0f s failed: %r", t, exc)
            return {"at": float(t), "at_text": display.race_time(t), "error": "projection failed", "error_code": None}
        cars = {}
        for r in records(p.table):
            row = {k: r.get(k) for k in PROJECT_KEYS}
            row["expected_lap_text"] = display.lap_time(r.get("expected_lap"))
            cars[str(r["car"])] = row
        meta = {k: p.meta[k] for k in ("length", "length_source", "expected_flag", "runs", "seed")}
        meta["expected_flag_text"] = display.race_time(p.meta["expected_flag"])
        return {"at": float(t), "at_text": display.race_time(t), "cars": cars, "meta": to_jsonable(meta)}


def methods() -> dict:
    """The stated methods of the projected figures the page shows (sim.projections.METHODS)."""
    from stintlab.sim.projections import METHODS

    return {k: METHODS[k] for k in METHOD_KEYS}
