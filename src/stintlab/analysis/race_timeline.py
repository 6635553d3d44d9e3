"""The whole-race facts every car's timeline (:func:`stintlab.analysis.timeline.car_events`) slices,
computed once per race (issue #16): each car's rows, stops, stints and categories grouped by car, the
neutralisation phases as plain values, each class's lead changes on the lap chart, who took the flag,
and class positions at any race times from the race's sorted crossings.

A report or web page asks for the timeline of many cars: a :class:`~stintlab.race.Race` keeps one
:class:`RaceTimeline` (``race.once(("timeline",), ...)``) and every ``race.events(car)`` reads its
car's part (a car's timeline was ~11 ms when each car recomputed the race-wide part, ~2 ms on Le Mans
2019). No words, no tables: plain values the timeline turns into events.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from stintlab.analysis.context import codes, values
from stintlab.analysis.flags import neutralisations
from stintlab.analysis.lookup import find_car
from stintlab.analysis.order import last_rows_at_times, order_index, snapshot_file, took_the_flag
from stintlab.analysis.standings import position_history
from stintlab.analysis.stints import stints
from stintlab.analysis.stops import stops

__all__ = ["RaceTimeline", "STOP_FIELDS", "STINT_FIELDS"]

#: the stop columns a timeline reads (one tuple per stop, in this order)
STOP_FIELDS = ("kind", "pit_time", "time_lost", "driver_change", "driver_in", "driver_out", "lap_out", "race_time",
               "lap_in", "reference", "on_track_loss", "in_lap_incident", "on_track_sector")  # fmt: skip
#: the stint columns a timeline reads
STINT_FIELDS = ("stint", "lap_start", "start", "driver", "driver_change")


class _ByCar:
    """The rows of a per-car table (stops, stints) as tuples of ``fields`` (values as ``itertuples``
    gives them), by car in table order; rows without a car number are left out."""

    def __init__(self, table: pd.DataFrame, fields: tuple):
        self.rows = list(zip(*(_pylist(table[f]) for f in fields), strict=True))
        car = table["car"].to_numpy(dtype=object)
        code, names = pd.factorize(car)  # missing car numbers: -1
        srt = np.argsort(code, kind="stable")
        bounds = np.searchsorted(code[srt], np.arange(len(names) + 1))
        self._at = {n: srt[bounds[i] : bounds[i + 1]] for i, n in enumerate(names.tolist()) if isinstance(n, str)}

    def get(self, car: str) -> list[tuple]:
        at = self._at.get(car)
        return [] if at is None else [self.rows[i] for i in at.tolist()]


def _decoder(laps: pd.DataFrame, column: str):
    """``rows -> values(laps, column)[rows]`` from the column's kept codes when it is Arrow-backed
    (its missing value is the dtype's), without converting the whole column to Python objects."""
    col = laps[column]
    if not isinstance(col.array, pd.arrays.ArrowExtensionArray):
        v = values(laps, column)
        return lambda rows: v[rows]
    c, names = codes(laps, column)
    table = np.empty(len(names) + 1, dtype=object)
    table[: len(names)] = names
    table[-1] = col.dtype.na_value  # code -1
    return lambda rows: table[c[rows]]


def _pylist(col: pd.Series) -> list:
    """The column's values as iterating over it gives them (Python scalars, the dtype's missing
    value), without iterating: Arrow columns through numpy objects, numpy columns through ``tolist``."""
    arr = col.array
    if isinstance(arr, pd.arrays.ArrowExtensionArray):
        return arr.to_numpy(dtype=object).tolist()
    if isinstance(col.dtype, np.dtype) and col.dtype.kind in "biuf":
        return col.to_numpy().tolist()
    return list(col)


class RaceTimeline:
    """Whole-race facts for the timelines of one annotated lap table; the optional tables are those
    of :func:`car_events` and :func:`~stintlab.analysis.order.took_the_flag` of the same race
    (computed here when not given). Lead changes and categories by car are
    found on first use and kept (the same values from any thread)."""

    def __init__(
        self,
        laps: pd.DataFrame,
        stops_table: pd.DataFrame | None = None,
        phases: pd.DataFrame | None = None,
        stints_table: pd.DataFrame | None = None,
        history: pd.DataFrame | None = None,
        categories: pd.DataFrame | None = None,
        took_flag: pd.Series | None = None,
    ):
        a = self.laps = laps
        self.car_codes, self.car_names = codes(a, "car")
        self._known = {c for c in self.car_names.tolist() if isinstance(c, str)}
        self.el = a["elapsed"].to_numpy(dtype=float)
        self.lap = a["lap"].to_numpy()
        self._driver = _decoder(a, "driver")
        self.cls_codes, self.cls_names = codes(a, "class")
        self.cls_fill = codes(a, "class", filled=True)[0]  # hourly standings count cars without a class as one
        self.incident = a["incident"].to_numpy(dtype=bool)
        self.time_lost, self.lap_time, self.expected = (a[c].to_numpy(dtype=float) for c in ("time_lost", "lap_time", "expected"))
        self.in_lap = a["in_lap"]
        self.stops = _ByCar(stops(a) if stops_table is None else stops_table, STOP_FIELDS)
        self.stints = None if stints_table is None else _ByCar(stints_table, STINT_FIELDS)
        self.phases = self._phase_values(neutralisations(a) if phases is None else phases)
        self._history = history
        self._leads: dict[str, list[tuple]] = {}
        self.snapshot = snapshot_file(a)
        self.took_flag = (took_the_flag(a) if took_flag is None else took_flag).to_dict()
        self.categories = categories
        self._grades: dict[str, dict] | None = None

    # ------------------------------------------------------------------ lookups
    def drivers(self, rows: np.ndarray) -> np.ndarray:
        """The driver at each of ``rows`` as :func:`~stintlab.analysis.context.values` gives it."""
        return self._driver(rows)

    def class_of(self, row: int):
        """The class at ``row`` (None when missing)."""
        c = self.cls_codes[row]
        return self.cls_names[c] if c >= 0 else None

    def check_car(self, car) -> str:
        """:func:`stintlab.analysis.lookup.find_car` among the race's cars."""
        s = str(car).strip()
        return s if s in self._known else find_car(self.car_names, car)

    def rows(self, car: str) -> np.ndarray:
        """Positions of the car's rows, table order."""
        hit = np.flatnonzero(self.car_names == car)
        return np.flatnonzero(self.car_codes == hit[0]) if len(hit) else np.zeros(0, dtype=np.int64)

    def car_stints(self, car: str) -> list[tuple]:
        """The car's stints as :data:`STINT_FIELDS` tuples."""
        if self.stints is not None:
            return self.stints.get(car)
        st = stints(self.laps, car=car)
        return list(st[list(STINT_FIELDS)].itertuples(index=False, name=None))

    def grades(self, car: str) -> dict:
        """driver -> FIA category of the car's drivers in ``categories`` (later rows win)."""
        if self._grades is None:
            grades: dict[str, dict] = {}  # filled before it is kept: another thread sees all of it or none
            cat = self.categories
            if cat is not None:
                for c, x, g in zip(*(_pylist(v) for v in (cat["car"].astype(str), cat["driver"], cat["category"])), strict=False):
                    if isinstance(g, str) and g:
                        grades.setdefault(c, {})[str(x)] = g
            self._grades = grades
        return self._grades.get(str(car), {})

    @staticmethod
    def _phase_values(ph: pd.DataFrame) -> list[tuple]:
        """(start, end, green_or_end, kind, inferred, sector) per phase, race order."""
        start, end, green = (ph[c].to_numpy(dtype=float) for c in ("start", "end", "green_at"))
        green = np.where(np.isfinite(green), green, end)
        kind, inferred = (_pylist(ph[c]) for c in ("kind", "inferred"))
        sector = _pylist(ph["sector"]) if "sector" in ph.columns else [0] * len(ph)
        return [(s0, e, g, str(k), bool(i), int(z or 0))
                for s0, e, g, k, i, z in zip(start.tolist(), end.tolist(), green.tolist(), kind, inferred, sector, strict=True)]  # fmt: skip

    def lead_changes(self, cls) -> list[tuple]:
        """(lap, race_time, new leader, previous leader) of every class lead change on the lap chart."""
        if not isinstance(cls, str):  # a car without a class has no class rivals
            return []
        if cls in self._leads:
            return self._leads[cls]
        if self._history is None:
            self._history = position_history(self.laps)
        ph = self._history
        cls_codes, cls_names = codes(ph, "class")  # the lap table's own codes when ph is its lap chart
        hit = np.flatnonzero(cls_names == cls)
        mine = (cls_codes == (hit[0] if len(hit) else -2)) & (ph["class_position"].to_numpy() == 1)
        rows = np.flatnonzero(mine)
        rows = rows[np.argsort(ph["lap"].to_numpy()[rows], kind="stable")]  # one leader per lap
        car_codes, car_names = codes(ph, "car")
        car = car_names[car_codes[rows]].tolist()
        lap = ph["lap"].to_numpy()[rows].tolist()
        t = ph["race_time"].to_numpy(dtype=float)[rows].tolist()
        out = [(lap[i], t[i], car[i], car[i - 1]) for i in range(1, len(car)) if car[i] != car[i - 1]]
        self._leads[cls] = out
        return out

    # ------------------------------------------------------------------ positions
    def snapshots(self, times: list[float], car: str, cls) -> list[dict]:
        """For each race time (sorted): the car's standing after every car's last crossing at or
        before it, as :func:`stintlab.analysis.standings.hourly_positions` orders them:
        {'pos', 'cpos', 'order' (class cars in order), 'laps' (car -> laps)}; the position fields
        are None when the car has not crossed the line yet (and the order is empty for a car
        without a class)."""
        k = len(times)
        if not k:
            return []
        T = np.asarray(times, dtype=float)
        rows, moment = last_rows_at_times(self.laps, T)  # by car (table order), then moment
        lap, el, car_code, fill = self.lap[rows].astype(np.int64), self.el[rows], self.car_codes[rows], self.cls_fill[rows]
        hit = np.flatnonzero(self.cls_names == cls) if isinstance(cls, str) else []
        in_cls = self.cls_codes[rows] == hit[0] if len(hit) else np.zeros(len(rows), dtype=bool)
        # the car's place at each moment: the cars ahead of it in race order (laps desc, time asc, ties
        # in table order of the cars: :func:`order_index` of the hourly standings), overall and in
        # its class (cars without a class count as one)
        me_code = np.flatnonzero(self.car_names == car)
        me = np.flatnonzero(car_code == me_code[0]) if len(me_code) else np.zeros(0, dtype=np.int64)
        present = np.zeros(k, dtype=bool)
        present[moment[me]] = in_cls[me]
        pos = cpos = np.zeros(k, dtype=np.int64)
        if present.any():
            my_lap, my_el, my_fill = (np.zeros(k, dtype=x.dtype) for x in (lap, el, fill))
            my_lap[moment[me]], my_el[moment[me]], my_fill[moment[me]] = lap[me], el[me], fill[me]
            ml, mt = my_lap[moment], my_el[moment]
            ahead = (lap > ml) | ((lap == ml) & ((el < mt) | ((el == mt) & (car_code < me_code[0]))))
            pos = np.bincount(moment[ahead], minlength=k) + 1
            cpos = np.bincount(moment[ahead & (fill == my_fill[moment])], minlength=k) + 1
        # the class's cars in race order at each moment
        sel = np.flatnonzero(in_cls)
        sel = sel[order_index(lap[sel], el[sel], groups=moment[sel])]
        bounds = np.searchsorted(moment[sel], np.arange(k + 1))
        names = self.car_names[car_code[sel]].tolist()
        laps_done = lap[sel].tolist()
        pos_l, cpos_l, present_l = pos.tolist(), cpos.tolist(), present.tolist()
        out: list[dict] = []
        for m in range(k):
            a, b = bounds[m], bounds[m + 1]
            order = names[a:b]
            out.append({"pos": pos_l[m] if present_l[m] else None, "cpos": cpos_l[m] if present_l[m] else None,
                        "order": order, "laps": dict(zip(order, laps_done[a:b], strict=True))})  # fmt: skip
        return out
