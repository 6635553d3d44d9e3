"""The race's roster from its lap table: one row per car and one per (car, driver), with the
official crew's FIA categories and countries when a results file gives them (``race.cars``,
``race.drivers``; :func:`stintlab.load` calls these).

Both tables come from the (car, driver) pairs of the lap table's named rows, found once per lap
table on the integer codes of :mod:`stintlab.analysis.context` (:func:`crew_pairs`); strings are
taken from the Arrow columns only for the output rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from stintlab.analysis.context import codes, kept, strings
from stintlab.analysis.grouping import stable_order
from stintlab.analysis.order import last_rows
from stintlab.names import name_key, name_keys

__all__ = ["CrewPairs", "cars_table", "crew_pairs", "drivers_table", "attach_official_crew"]


@dataclass(frozen=True)
class CrewPairs:
    """The (car, driver) pairs of a lap table's rows with a driver and a car, in order of first
    appearance (``groupby(["car", "driver"], sort=False)`` order).

    ``rows``: those rows, by pair (blocks in pair-code order), then table order; ``starts``: where
    each block starts in ``rows``; ``order``: the blocks in order of first appearance (pair ``p`` is
    block ``order[p]``); ``first``: each pair's first row; ``car`` / ``driver``: its codes
    (:func:`stintlab.analysis.context.codes`)."""

    rows: np.ndarray
    starts: np.ndarray
    order: np.ndarray
    first: np.ndarray
    car: np.ndarray
    driver: np.ndarray

    def reduce(self, ufunc: np.ufunc, per_row: np.ndarray) -> np.ndarray:
        """``ufunc.reduceat`` of ``per_row`` (one value per table row) over each pair's rows, by pair."""
        if len(self.first) == 0:
            return per_row[:0]
        return ufunc.reduceat(per_row[self.rows], self.starts)[self.order]

    def first_valid(self, missing: np.ndarray) -> np.ndarray:
        """Each pair's first row whose value is not ``missing`` (one flag per table row), -1 when none."""
        m = len(self.rows)
        if len(self.first) == 0:
            return np.zeros(0, dtype=np.int64)
        if not missing.any():
            return self.first
        pos = np.where(missing[self.rows], m, np.arange(m))
        at = np.minimum.reduceat(pos, self.starts)[self.order]
        return np.where(at < m, self.rows[np.minimum(at, m - 1)], -1)


def crew_pairs(laps: pd.DataFrame) -> CrewPairs:
    """:class:`CrewPairs` of ``laps``, kept with its car and driver columns (computed once per lap table)."""
    return kept(laps, "driver", ("crew pairs",), lambda: _pairs(laps), also=("car",))


def _pairs(laps: pd.DataFrame) -> CrewPairs:
    car, _ = codes(laps, "car")
    driver, names = codes(laps, "driver")
    rows = np.flatnonzero((driver >= 0) & (car >= 0))
    key = car[rows] * (len(names) + 1) + driver[rows]
    srt = stable_order(key)  # by pair, then table order
    rows = rows[srt]
    key = key[srt]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]]) if len(key) else np.zeros(0, dtype=np.int64)
    first_by_block = rows[starts]
    order = stable_order(first_by_block)
    first = first_by_block[order]
    for a in (rows, starts, order, first):
        a.flags.writeable = False
    return CrewPairs(rows, starts, order, first, car[first], driver[first])


def cars_table(laps: pd.DataFrame) -> pd.DataFrame:
    """One row per car (``race.cars``): car, class, group, team, manufacturer, laps (last row of the
    car), crew (drivers in crew-slot order), drivers (how many), vehicle (<NA>: filled by readers
    that know it)."""
    last = last_rows(laps)  # each car's last row, in table order
    p = crew_pairs(laps)
    # crew: each car's drivers by the slot of their first row (missing last), then first appearance
    slot = laps["driver_slot"]
    slot_at = slot.to_numpy(dtype=float, na_value=np.inf)[p.first]
    by = np.lexsort((slot_at, p.car))
    _, driver_names = codes(laps, "driver")
    crew_names = driver_names[p.driver[by]].tolist()
    car_of = p.car[by]
    cut = np.flatnonzero(np.r_[True, car_of[1:] != car_of[:-1], True]) if len(by) else np.zeros(1, dtype=np.int64)
    crews = {int(car_of[a]): crew_names[a:b] for a, b in zip(cut[:-1].tolist(), cut[1:].tolist(), strict=True)}
    car_codes, _ = codes(laps, "car")
    crew = [crews.get(c, []) for c in car_codes[last].tolist()]  # a car without a named lap: []
    cols = {"car": strings(laps, "car", last).astype("string")}
    for name in ("class", "group", "team", "manufacturer"):
        cols[name] = laps[name].array.take(last).to_numpy()  # numpy objects: the table infers its dtype
    cols["laps"] = laps["lap"].to_numpy()[last]
    cols["crew"] = np.empty(len(crew), dtype=object)
    for i, names in enumerate(crew):  # one per car (an assignment of the whole list would make a 2-D array)
        cols["crew"][i] = names
    cols["drivers"] = np.fromiter(map(len, crew), dtype=np.int64, count=len(crew))
    if not crew:  # no car: float64 columns, as assigning an empty list and ``Series.map(len)`` gave them
        cols["crew"] = cols["drivers"] = np.zeros(0)
    cols["vehicle"] = _NO_STRINGS.take(np.full(len(crew), -1), allow_fill=True)
    return pd.DataFrame(cols)


def drivers_table(laps: pd.DataFrame, crew: pd.DataFrame | None, slot_matches: list | None = None) -> pd.DataFrame:
    """One row per (car, driver); ``slot_matches`` receives (car, driver, official name, slot) of the
    drivers matched to the official crew by slot (``race.issues``)."""
    p = crew_pairs(laps)
    n = len(p.first)
    lap = laps["lap"].to_numpy()
    low, high = (np.minimum, np.maximum) if lap.dtype.kind in "iu" else (np.fmin, np.fmax)  # NaN: skipped
    counts = np.diff(np.r_[p.starts, len(p.rows)])[p.order] if n else np.zeros(0, dtype=np.int64)
    # the first non-missing value of the pair's rows (groupby "first")
    slot, cls, team = (_first_valid(laps[c].array, p) for c in ("driver_slot", "class", "team"))
    category = country = _NO_STRINGS.take(np.full(n, -1), allow_fill=True)
    if crew is not None and len(crew):
        hit = _crew_rows(laps, p, slot, crew, slot_matches)
        category, country = (_at(crew[c].array, hit) for c in ("category", "country"))
    return pd.DataFrame(
        {
            "driver": strings(laps, "driver", p.first).astype("string"),
            "car": strings(laps, "car", p.first).astype("string"),
            "driver_slot": slot,
            "class": cls,
            "team": team,
            "category": category,
            "country": country,
            "laps": counts.astype(np.int64),
            "first_lap": p.reduce(low, lap),
            "last_lap": p.reduce(high, lap),
        }
    )


_NO_STRINGS = pd.array([], dtype="string")


def _first_valid(values, p: CrewPairs):
    """Each pair's first non-missing value of ``values`` (an array, one value per table row), in its dtype."""
    return values.take(p.first_valid(np.asarray(values.isna())), allow_fill=True)


def _at(values, rows: np.ndarray):
    """``pd.array([values[i] if i >= 0 else None for i in rows], dtype="string")``, taken from the Arrow
    array itself when ``values`` has that dtype."""
    if values.dtype == _NO_STRINGS.dtype:
        return values.take(rows, allow_fill=True)
    got = np.full(len(rows), None, dtype=object)
    found = rows >= 0
    got[found] = values.to_numpy(dtype=object)[rows[found]]
    return pd.array(got, dtype="string")


def _crew_rows(laps, p: CrewPairs, slots, crew: pd.DataFrame, slot_matches: list | None) -> np.ndarray:
    """Each pair's row in ``crew`` (-1: none): same car and name key, else (surnames agreeing) same car and
    slot (``slots``: each pair's)."""
    _, driver_names = codes(laps, "driver")
    names = driver_names[p.driver].tolist()
    cars = codes(laps, "car")[1][p.car].tolist()
    crew_cars = crew["car"].tolist()
    crew_names = crew["driver"].tolist()
    distinct = list(dict.fromkeys(names + crew_names))  # the crew's names are mostly the laps' own
    key_of = dict(zip(distinct, name_keys(distinct), strict=True))
    by_name = {(c, key_of[d]): i for i, (c, d) in enumerate(zip(crew_cars, crew_names, strict=True))}  # last wins
    hit = np.fromiter((by_name.get((c, key_of[d]), -1) for c, d in zip(cars, names, strict=True)), np.int64, len(names))
    miss = np.flatnonzero((hit < 0) & ~np.asarray(slots.isna()))
    if len(miss):  # a few drivers at most: by slot, when the surnames agree (initials, accents, spelling)
        crew_slots = crew["slot"].tolist()
        by_slot = {(c, int(s)): i for i, (c, s) in enumerate(zip(crew_cars, crew_slots, strict=True)) if not pd.isna(s)}
        last_names = crew["last_name"].tolist()
        for i in miss.tolist():
            s = int(slots[i])
            cand = by_slot.get((cars[i], s))
            if cand is not None and name_key(last_names[cand]).split()[-1:] == key_of[names[i]].split()[-1:]:
                hit[i] = cand
                if slot_matches is not None:
                    slot_matches.append((cars[i], names[i], crew_names[cand], s))
    return hit


def attach_official_crew(cars: pd.DataFrame, crew: pd.DataFrame | None) -> None:
    """Add ``official_crew`` (the results file's driver names per car) to ``cars``, in place."""
    if crew is None or crew.empty:
        return
    car, uniq = pd.factorize(crew["car"])  # a missing car: -1, left out
    by = stable_order(car)
    by = by[car[by] >= 0]
    sorted_car = car[by]
    cut = np.flatnonzero(np.r_[True, sorted_car[1:] != sorted_car[:-1], True])
    drivers = crew["driver"].to_numpy(dtype=object)[by].tolist()
    uniq = np.asarray(uniq, dtype=object)
    names = {uniq[sorted_car[a]]: drivers[a:b] for a, b in zip(cut[:-1].tolist(), cut[1:].tolist(), strict=True)}
    cars["official_crew"] = [list(names.get(c, [])) for c in cars["car"].tolist()]
