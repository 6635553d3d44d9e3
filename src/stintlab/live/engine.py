"""The incremental live engine: race state kept up to date crossing by crossing.

:class:`LiveRace` is fed canonical lap rows (the lap table's columns, :mod:`stintlab.schema.laps`) in
the order the cars crossed the line, and keeps per car: laps, every crossing time (for gaps), last
and best lap, the open stint, the stops, drive time per driver; per race: the overall and class
leaders, the flag at the line, the events since the last snapshot. Each crossing costs O(1) work
(a few dict updates); a snapshot (:meth:`LiveRace.state`, :meth:`LiveRace.stints`,
:meth:`LiveRace.stops`) costs O(cars) or O(stops), never O(laps).

What is exact (equal to ``stintlab.load`` of the file cut at the same race time; tests/test_live.py):

- standings (:meth:`LiveRace.standings`): the order, class positions, laps, gaps and intervals in
  seconds and laps of :func:`stintlab.analysis.distance.distance_standings` of the cut file. In a
  file cut at ``t`` every car's last known timing point is its last crossing, so its distance is its
  laps completed; order = laps desc, then crossing time asc (:mod:`stintlab.analysis.order`); the gap
  of B behind A = B's last crossing − A's crossing of the same lap (time at the same point of the
  track), or ``t`` − A's crossing when A got there after B (A passed B while B stood still);
- stints (every column of :func:`stintlab.analysis.stints.stints`, ``ended_by`` included: the race
  end state comes from :func:`stintlab.analysis.order.snapshot_file` / ``took_the_flag`` applied to
  the cars' last crossings);
- stops: car, stop, lap_in, lap_out, race_time, hour, pit_time, driver_in, driver_out, driver_change,
  in_lap_time, out_lap_time, stint_before.

Once the race is over (:attr:`LiveRace.finished`) the board is the classification, not the line
order (:mod:`stintlab.live.final`: the official one when given, else the derived one).

What is provisional (recomputed at the snapshot from the stops so far, not equal to the whole-file
kernels, which need the annotated table: neutralisation inference, slow zones, incidents, the
car's clean pace around each stop): a stop's ``kind`` (the class baselines of
:func:`stintlab.analysis.stops.stop_kinds` over the stops seen so far, neutralised = the in- or
out-lap crossed under SC/FCY/RED), and no ``time_lost`` / ``reference``. Drive time per driver:
exact when PIT_TIME is printed on every out-lap; without it, the pit time excluded is the out-lap
minus the car's median of its last 20 ordinary laps.

Recomputed on the tail window (``tail_every`` > 0; off by default): slow zones need a centred
window of the whole field (:mod:`stintlab.analysis.slowzones`: each car's median sector time, the
field's ratio within ± a few minutes), so every ``tail_every`` race seconds the snapshot re-runs
:func:`stintlab.analysis.annotate.annotate_with_zones` on the crossings of the last ``tail_window``
seconds only; zones still running become :attr:`RaceControl.slow_zones`. Not exact: the references
come from the window, not the whole race (docs/live.md gives the agreement).

Memory: per car, its crossing times in milliseconds (4 bytes a lap: the gaps need them), the figures
of its last 8 laps, its open stint and stop; closed stints and stops column by column
(:mod:`stintlab.live.records`, ~80 bytes each); nothing per snapshot, no lap row (benchmarks/bench_live.py:
about 24 bytes per new lap over a 24 h race, 0.54 MB held at the end of Le Mans 2023).
"""

from __future__ import annotations

import math
import statistics
from collections import deque
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from stintlab.analysis import order
from stintlab.analysis.flags import FLAG_KINDS, MERGE_GAP
from stintlab.analysis.stops import drive_through_mask, stop_kinds
from stintlab.display import car_key
from stintlab.live.car import CarState
from stintlab.live.car import gap as car_gap
from stintlab.live.final import classification_of_moment, final_rows, last_crossings_table
from stintlab.live.incidents import IncidentWatch
from stintlab.live.records import STINT_SPEC, STOP_SPEC, Records, stint_record
from stintlab.live.rows import crossing_order, num, text
from stintlab.live.state import LiveEvent, LiveState, RaceControl, StandingRow
from stintlab.live.tail import TAIL_WINDOW, TailWindow

__all__ = ["LiveRace", "FeedResult", "STOP_COLUMNS", "STINT_COLUMNS", "EVENTS_KEPT"]

#: events kept between two :meth:`LiveRace.state` calls (the oldest go first): memory stays bounded
#: when nobody reads them
EVENTS_KEPT = 20_000

STINT_COLUMNS = ["car", "stint", "driver", "driver_slot", "class", "lap_start", "lap_end", "laps", "start", "end",
                 "duration", "driver_change", "ended_by", "pit_time_before", "start_hour", "end_hour"]  # fmt: skip
STOP_COLUMNS = ["car", "stop", "class", "lap_in", "lap_out", "race_time", "hour", "pit_time", "driver_in",
                "driver_out", "driver_change", "in_lap_time", "out_lap_time", "kind", "neutralised",
                "stint_before"]  # fmt: skip
_CONTROL = {"GF": "GREEN", "SF": "SC", "FCY": "FCY", "RF": "RED", "FF": "FINISH"}
_NEUTRAL = {"SF", "FCY", "RF"}


@dataclass
class FeedResult:
    """What one :meth:`LiveRace.feed` did: rows added, rows skipped because already fed unchanged
    (``duplicates``), and rows that contradict what was fed (``conflicts``: same car and lap with other
    figures, or a lap older than the car's last one that was never fed): the source must rebuild."""

    added: int = 0
    duplicates: int = 0
    conflicts: list = field(default_factory=list)  # (car, lap, why)


class LiveRace:
    """The incremental race state (module docstring). ``feed`` rows, then read ``state(t)``,
    ``standings(t)``, ``stints()``, ``stops()``, ``drive_time()``."""

    def __init__(self, *, tail_every: float = 0.0, tail_window: float = TAIL_WINDOW, classification=None,
                 incidents_every: float = 0.0):  # fmt: skip
        """``tail_every`` > 0: every that many race seconds, the snapshot re-runs the annotation
        kernels (slow zones) on the last ``tail_window`` seconds of crossings (module docstring).
        ``classification``: the race's official classification (a table, or a function giving it on
        first use, e.g. ``lambda: race.classification``): the final board follows it once the race is
        finished (:mod:`stintlab.live.final`); None: the classification derived from the laps."""
        self.tail_every = float(tail_every)
        self.tail_window = float(tail_window)
        self.incidents_every = float(incidents_every)  # > 0: incidents confirmed that often (live/incidents.py)
        self._official = classification
        self.reset()

    def reset(self) -> None:
        """Forget everything (a rebuild starts from here)."""
        self._cars: dict[str, CarState] = {}
        self._stints = Records(STINT_SPEC)  # closed stints (the open one: each car's stint_row)
        self._stops = Records(STOP_SPEC)  # stops with their out-lap (an open one: each car's open_stop)
        self._done_stops: deque = deque(maxlen=EVENTS_KEPT)  # closed since the last snapshot
        self._events: deque = deque(maxlen=EVENTS_KEPT)  # since the last state() call
        self._leader: str | None = None
        self._class_lead: dict[str, str] = {}  # class -> its leader
        self._class_best: dict[str, float] = {}
        self._control = "UNKNOWN"
        self._control_since: float | None = None
        self._flags_known = False
        self._phases: list[list] = []  # [kind, start, end, green_at, crossings]
        self._run = ""  # kind of the run of crossings under way ('' green)
        self.race_time = 0.0  # latest crossing fed
        self.laps_fed = 0
        self._seq = 0
        self._tail = TailWindow(self.tail_window)  # the last tail_window seconds, re-analysed for slow zones
        self._watch = IncidentWatch()  # the incident window (used when incidents_every > 0)
        self._final: tuple[tuple, object] | None = None  # ((laps_fed, ended), final rows or None) of the last check
        self._ended = False  # the source said no more crossings will come (end_of_feed)

    # ------------------------------------------------------------------ feeding
    def feed(self, rows) -> FeedResult:
        """Take new crossings: a canonical lap DataFrame (any order: sorted here in crossing order,
        :func:`stintlab.live.rows.crossing_order`) or an iterable of row dicts already in crossing order. Rows already fed with the
        same figures are skipped; contradicting rows are reported in ``conflicts`` and not applied."""
        res = FeedResult()
        if isinstance(rows, pd.DataFrame):
            if rows.empty:
                return res
            rows = rows.iloc[crossing_order(rows)]
            cols = {c: rows[c].tolist() for c in rows.columns}
            names = list(cols)
            it = (dict(zip(names, vals)) for vals in zip(*cols.values()))
        else:
            it = iter(rows)
        for r in it:
            self._add(r, res)
        return res

    def _add(self, r: dict, res: FeedResult) -> None:
        car = str(r["car"])
        lap = int(r["lap"])
        el = num(r.get("elapsed"))
        lt = num(r.get("lap_time"))
        in_lap = bool(r.get("in_lap")) if r.get("in_lap") is not pd.NA else False
        pit = num(r.get("pit_time"))
        sig = (round(el, 3), round(lt, 3) if math.isfinite(lt) else None, in_lap,
               round(pit, 3) if math.isfinite(pit) else None)  # fmt: skip
        c = self._cars.get(car)
        if c is not None and (lap in c.sig or c.at(lap) is not None):
            # already fed: the same figures (recent laps: all of them; older: the crossing time) or a correction
            same = c.sig[lap] == sig if lap in c.sig else round(c.at(lap), 3) == sig[0]
            if same:
                res.duplicates += 1
            else:
                res.conflicts.append((car, lap, "changed"))
            return
        if c is not None and lap < c.lap:
            res.conflicts.append((car, lap, "older than the car's last lap"))
            return
        if not math.isfinite(el):
            res.conflicts.append((car, lap, "no race time"))
            return
        if c is None:
            line = num(r.get("line"))
            self._seq += 1
            c = self._cars[car] = CarState(car, line if math.isfinite(line) else 1e12 + self._seq)
        res.added += 1
        self.laps_fed += 1
        self._ended = False
        if self.tail_every > 0:
            self._tail.add(r, el)
        if self.incidents_every > 0:
            self._watch.add(r, el)
        self.race_time = max(self.race_time, el)
        c.put(lap, el, sig)
        cls = text(r.get("class")) or c.cls or ""
        c.cls = cls
        c.team = text(r.get("team")) or c.team
        c.group = text(r.get("group")) or c.group
        c.manufacturer = text(r.get("manufacturer")) or c.manufacturer
        if math.isnan(c.start_tod):  # the car's own start signal (WIGE group starts: order.start_offsets)
            c.start_tod = num(r.get("time_of_day")) - el
        driver = text(r.get("driver"))
        slot = r.get("driver_slot")
        slot = None if slot is None or slot is pd.NA else int(slot)
        out_lap = c.in_lap and c.lap > 0  # the lap after an in-lap of the same car
        flag = text(r.get("flag"))
        # ---- stints (analysis.stints: a stint starts at lap 1 or an out-lap; the in-lap ends it)
        if c.stint == 0 or out_lap:
            prev = c.stint_row
            c.stint += 1
            c.stint_row = {"car": car, "stint": c.stint, "driver": driver, "driver_slot": slot, "class": cls,
                           "lap_start": lap, "lap_end": lap, "laps": 0,
                           "start": c.last_el if c.stint > 1 else el - lt, "end": el,
                           "driver_change": False, "ended_by": None,
                           "pit_time_before": pit if c.stint > 1 else math.nan}  # fmt: skip
            if prev is not None:
                prev["ended_by"] = "stop" if c.in_lap else "retired"
                c.stint_row["_prev_driver"] = prev["driver"] or ""  # for driver_change (analysis.stints)
                self._stints.append(stint_record(prev))
        s = c.stint_row
        s["lap_end"], s["end"] = lap, el
        s["laps"] += 1
        if s["driver"] is None and driver is not None:
            s["driver"] = driver
        if s["driver_slot"] is None and slot is not None:
            s["driver_slot"] = slot
        # ---- stops (analysis.stops: one per in-lap; PIT_TIME on the out-lap)
        if out_lap and c.open_stop is not None:
            st = c.open_stop
            st["lap_out"], st["pit_time"], st["driver_out"], st["out_lap_time"] = lap, pit, driver, lt
            st["driver_change"] = (st["driver_in"] or "") != (driver or "")
            st["neutralised"] = st["neutralised"] or flag in _NEUTRAL
            c.open_stop = None
            self._event("pit_out", el, c, lap, value=pit)
            if st["driver_change"]:
                self._event("driver_change", el, c, lap, value=st["driver_in"])
            self._stops.append(st)
            self._done_stops.append(st)  # judged long or not at the next snapshot (_long_stop_events)
        if in_lap:
            c.stops += 1
            c.open_stop = {"car": car, "stop": c.stops, "class": cls, "lap_in": lap, "lap_out": None,
                           "race_time": el, "hour": int(el // 3600) + 1, "pit_time": math.nan,
                           "driver_in": driver, "driver_out": None, "driver_change": False,
                           "in_lap_time": lt, "out_lap_time": math.nan, "neutralised": flag in _NEUTRAL,
                           "stint_before": c.stint}  # fmt: skip
            self._event("pit_in", el, c, lap)
        # ---- drive time (analysis.stints.driver_spells: lap time minus the pit time of out-laps)
        excl = 0.0
        if (out_lap or lap == 1) and math.isfinite(pit):
            excl = min(pit, lt) if math.isfinite(lt) else 0.0
        elif out_lap and c.recent and math.isfinite(lt):
            excl = max(lt - statistics.median(c.recent), 0.0)
        if math.isfinite(lt):
            c.drive[driver] = c.drive.get(driver, 0.0) + lt - excl
            if not (in_lap or out_lap) and lap > 1:
                c.recent.append(lt)
        # ---- lap figures, leaders, flags
        c.lap, c.last_el, c.last_lt, c.in_lap, c.flag = lap, el, lt, in_lap, flag
        c.driver, c.slot = driver or c.driver, slot if slot is not None else c.slot
        if math.isfinite(lt) and lt > 0 and lap > 1 and not (in_lap or out_lap) and lt < c.best_lt:
            c.best_lt = lt
            if lt < self._class_best.get(cls, math.inf):
                self._class_best[cls] = lt
                self._event("best_lap", el, c, lap, value=lt)
        # leaders as the standings order them (order.py: laps, then race time): the first car to complete
        # a lap leads; with group starts (WIGE) a later group's car can cross the same lap in less race time
        if self._ahead(c, self._leader):
            if self._leader is not None:
                self._event("lead_change", el, c, lap, value=self._leader)
            self._leader = car
        cl = self._class_lead.get(cls)
        if self._ahead(c, cl):
            if cl is not None:
                self._event("class_lead_change", el, c, lap, value=cl)
            self._class_lead[cls] = car
        self._phase_step(flag, el)
        if flag is not None:
            self._flags_known = True
            state = _CONTROL.get(flag, self._control)
            if state != self._control:
                self._control, self._control_since = state, el
                self._events.append(LiveEvent("flag", el, code=state))

    def _ahead(self, c: CarState, leader: str | None) -> bool:
        """Car ``c``, having just crossed the line, is now ahead of ``leader`` (laps, then race time)."""
        if leader is None:
            return True
        a = self._cars[leader]
        return a is not c and (c.lap > a.lap or (c.lap == a.lap and c.last_el < a.last_el))

    def _phase_step(self, flag: str | None, t: float) -> None:
        """Neutralisation phases from the flag at each crossing, as :func:`stintlab.analysis.flags.neutralisations`
        builds them from observed flags: runs of crossings of one kind, a run of the same kind starting
        less than ``MERGE_GAP`` s after the previous one's last crossing extends it; ``green_at`` is the
        first crossing after the run."""
        kind = FLAG_KINDS.get(flag, "") if flag is not None else ""
        ph = self._phases
        if kind == self._run:
            if kind:
                ph[-1][2] = t
                ph[-1][4] += 1
            return
        if self._run:  # the open run ends at this crossing
            ph[-1][3] = t
        self._run = kind
        if not kind:
            return
        if ph and ph[-1][0] == kind and t - ph[-1][2] < MERGE_GAP:
            ph[-1][2], ph[-1][3] = t, math.nan
            ph[-1][4] += 1
        else:
            ph.append([kind, t, t, math.nan, 1])

    def phases(self) -> pd.DataFrame:
        """Neutralisation phases so far from FLAG_AT_FL: phase, kind (SC/FCY/RED), start, end, duration,
        green_at (NaN while running), crossings; the columns of :func:`stintlab.analysis.flags.neutralisations`
        but laps_affected / cars_affected (not kept live). Empty for a file without a flag column."""
        rows = [{"phase": i, "kind": k, "start": a, "end": b, "duration": b - a, "green_at": g, "crossings": n}
                for i, (k, a, b, g, n) in enumerate(self._phases, 1)]  # fmt: skip
        return pd.DataFrame(rows, columns=["phase", "kind", "start", "end", "duration", "green_at", "crossings"])

    def tell(self, kind: str, code: str, value=None, car: str | None = None, lap: int | None = None) -> None:
        """Record a race-level event (``rebuild``, ``notice``) at the latest race time, e.g. a source's rebuild:
        a code (:data:`~stintlab.live.state.REBUILD_CODES` for a rebuild), a value, the car and lap it concerns."""
        self._events.append(LiveEvent(kind, self.race_time, car=car, lap=lap, code=code, value=value))

    def _event(self, kind, t, c: CarState, lap, code=None, value=None) -> None:
        self._events.append(LiveEvent(kind, t, c.car, c.cls, lap, code, value))

    def _long_stop_events(self) -> list[LiveEvent]:
        """long_stop events for the stops completed since the last snapshot: their pit time is long
        or garage against the class baselines of every stop completed so far (one vectorised pass)."""
        if not self._done_stops:
            return []
        col = self._stops.column
        kinds = stop_kinds(np.frombuffer(col("pit_time"), dtype=float), np.array(col("class"), dtype=object),
                           np.frombuffer(col("neutralised"), dtype=np.uint8).astype(bool))  # fmt: skip
        out = []
        for st, k in zip(self._done_stops, kinds[len(kinds) - len(self._done_stops) :]):  # the latest closed
            if k != "normal" and math.isfinite(st["pit_time"]):
                out.append(LiveEvent("long_stop", st["race_time"], st["car"], st["class"], st["lap_out"], k,
                                     st["pit_time"]))  # fmt: skip
        self._done_stops.clear()
        return out

    # ------------------------------------------------------------------ reading
    def cars(self) -> list[str]:
        return list(self._cars)

    def _end_state(self) -> tuple[bool, dict]:
        """(snapshot, took_the_flag per car) by :mod:`stintlab.analysis.order` on the cars' last crossings."""
        if not self._cars:
            return True, {}
        last = last_crossings_table(list(self._cars.values()))
        return order.snapshot_file(last), order.took_the_flag(last).to_dict()

    def end_of_feed(self) -> None:
        """The source says no more crossings will come (a replay at its last crossing): a race without
        flags may then be called finished (a new crossing fed takes this back)."""
        self._ended = True

    @property
    def finished(self) -> bool:
        """The race is over, by :func:`stintlab.analysis.order.race_finished` on the cars' last crossings:
        a chequered flag (or a red-flag finish); without flags, the finish the last crossings show, asked
        only after :meth:`end_of_feed` (mid-race, about one moment in four looks like a finish)."""
        if not self._cars or not (self._flags_known or self._ended):
            return False
        if self._flags_known and not any(c.flag in ("FF", "RF") for c in self._cars.values()):
            return False  # no last crossing under the chequered or red flag: not over (shortcut)
        return bool(order.race_finished(last_crossings_table(list(self._cars.values()))))

    def classification(self) -> pd.DataFrame | None:
        """The classification the final board follows (:mod:`stintlab.live.final`); None while the race runs."""
        if not self.finished:
            return None
        official = self._official() if callable(self._official) else self._official
        return classification_of_moment(list(self._cars.values()), official)

    def _final_rows(self, t: float) -> list[StandingRow] | None:
        """The final board (the classification's order) once the race is finished, else None; kept
        until a new crossing is fed."""
        key = (self.laps_fed, self._ended)  # end_of_feed may finish a race without a new crossing
        if self._final is None or self._final[0] != key:
            table = self.classification()
            self._final = (key, None if table is None else final_rows(self._cars, table, t))
        return self._final[1]

    def standings(self, t: float | None = None) -> list[StandingRow]:
        """Standings at race time ``t`` (default: the latest crossing fed), every car as of its last
        crossing fed (module docstring); once the race is finished, the classification's order
        (:mod:`stintlab.live.final`)."""
        t = self.race_time if t is None else float(t)
        if t >= self.race_time:
            final = self._final_rows(t)
            if final is not None:
                return final
        cs = sorted(self._cars.values(), key=lambda c: (-c.lap, c.last_el, c.order))

        def gap(b: CarState, a: CarState) -> tuple[float, int]:
            return car_gap(b, a, t)

        rows = []
        class_first: dict[str, CarState] = {}
        class_prev: dict[str, CarState] = {}
        class_n: dict[str, int] = {}
        lead = cs[0] if cs else None
        prev = lead
        for i, c in enumerate(cs):
            cf = class_first.setdefault(c.cls, c)
            cp = class_prev.get(c.cls, c)
            class_n[c.cls] = class_n.get(c.cls, 0) + 1
            g, gl = gap(c, lead)
            iv, il = gap(c, prev)
            cg, cgl = gap(c, cf)
            ci, cil = gap(c, cp)
            rows.append(StandingRow(
                position=i + 1, class_position=class_n[c.cls], car=c.car, cls=c.cls, laps=c.lap,
                gap_s=g, gap_laps=gl, interval_s=iv, interval_laps=il, race_time=c.last_el,
                class_gap_s=cg, class_gap_laps=cgl, class_interval_s=ci, class_interval_laps=cil,
                last_lap=c.last_lt if math.isfinite(c.last_lt) else None,
                best_lap=c.best_lt if math.isfinite(c.best_lt) else None,
                laps_in_stint=c.stint_row["laps"] if c.stint_row else 0, stops=c.stops,
                in_pit=c.in_lap, driver=c.driver, team=c.team))  # fmt: skip
            class_prev[c.cls] = c
            prev = c
        return rows

    def control(self) -> RaceControl:
        return RaceControl(self._control if self._flags_known else "UNKNOWN", self._control_since, self._flags_known,
                           self._tail.zones)  # fmt: skip

    def state(self, t: float | None = None, *, clear_events: bool = True) -> LiveState:
        """A :class:`~stintlab.live.state.LiveState` at race time ``t`` (default: the latest crossing);
        the events since the previous ``state`` call are handed over (and forgotten unless ``clear_events`` is false)."""
        t = self.race_time if t is None else float(t)
        self._events.extend(self._long_stop_events())
        if self.tail_every > 0 and t - self._tail.analysed_at >= self.tail_every:
            problem = self._tail.analyse(t)
            if problem:  # code: what was not analysed (the faces word it); value: the error's own message
                self._events.append(LiveEvent("notice", t, code="zones_not_analysed", value=problem))
        if self.incidents_every > 0 and t - self._watch.analysed_at >= self.incidents_every:
            found, problem = self._watch.confirm(t)
            self._events.extend(found if not problem else [LiveEvent("notice", t, code="incidents_not_analysed",
                                                                     value=problem)])  # fmt: skip
        events = tuple(sorted(self._events, key=lambda e: e.race_time))  # in time order (stable: same-time order kept)
        if clear_events:
            self._events.clear()
        return LiveState(race_time=t, standings=tuple(self.standings(t)), control=self.control(), events=events,
                         laps_fed=self.laps_fed, finished=self.finished)  # fmt: skip

    def stints(self) -> pd.DataFrame:
        """One row per stint so far, the columns of :func:`stintlab.analysis.stints.stints`."""
        snapshot, flagged = self._end_state()
        rows = self._stints.rows()
        for c in self._cars.values():  # the open stints: each car's last one
            if c.stint_row is not None:
                r = stint_record(c.stint_row)
                r["ended_by"] = "file_end" if snapshot else ("finish" if flagged.get(r["car"]) else "retired")
                rows.append(r)
        out = pd.DataFrame(rows, columns=[c for c in STINT_COLUMNS if c not in ("duration", "start_hour", "end_hour")])
        out["duration"] = out["end"] - out["start"]
        out["start_hour"] = (np.floor(np.maximum(out["start"].to_numpy(dtype=float), 0) / 3600) + 1).astype(np.int64)
        out["end_hour"] = (np.floor(out["end"].to_numpy(dtype=float) / 3600) + 1).astype(np.int64)
        out["driver_slot"] = pd.array(out["driver_slot"], dtype="Int8")
        for col in ("car", "driver", "class", "ended_by"):
            out[col] = pd.array(out[col], dtype="string")
        order_ = sorted(range(len(out)), key=lambda i: (car_key(rows[i]["car"]), rows[i]["stint"]))
        return out.iloc[order_].reset_index(drop=True)[STINT_COLUMNS]

    def stops(self) -> pd.DataFrame:
        """One row per stop so far: the exact columns of :func:`stintlab.analysis.stops.stops` and a
        provisional ``kind`` (module docstring)."""
        stops = self._stops.rows() + [c.open_stop for c in self._cars.values() if c.open_stop is not None]
        out = pd.DataFrame(stops, columns=[c for c in STOP_COLUMNS if c != "kind"])
        if out.empty:
            out["kind"] = pd.Series([], dtype="string")
            return out[STOP_COLUMNS]
        _snapshot, flagged = self._end_state()
        has_out = out["lap_out"].notna().to_numpy()
        pit = out["pit_time"].to_numpy(dtype=float)
        neut = out["neutralised"].to_numpy(dtype=bool)
        cls = out["class"].to_numpy(dtype=object)
        kind = np.where(np.isfinite(pit), stop_kinds(pit, cls, neut), "normal").astype(object)
        final = ~has_out & ~np.array([bool(flagged.get(c)) for c in out["car"]], dtype=bool)
        kind = np.where(final, "final", np.where(~has_out, "normal", kind))
        through = drive_through_mask(pit, out["driver_change"].to_numpy(dtype=bool), has_out)
        out["kind"] = pd.array(np.where(through, "drive_through", kind), dtype="string")
        out["lap_out"] = pd.array(out["lap_out"], dtype="Int64")
        for col in ("car", "class", "driver_in", "driver_out"):
            out[col] = pd.array(out[col], dtype="string")
        order_ = sorted(range(len(out)), key=lambda i: (car_key(stops[i]["car"]), stops[i]["stop"]))
        return out.iloc[order_].reset_index(drop=True)[STOP_COLUMNS]

    def drive_time(self) -> pd.DataFrame:
        """Drive time so far per (car, driver), seconds (module docstring)."""
        rows = [{"car": c.car, "driver": d, "class": c.cls, "total": v} for c in self._cars.values()
                for d, v in c.drive.items()]  # fmt: skip
        return pd.DataFrame(rows, columns=["car", "driver", "class", "total"])
