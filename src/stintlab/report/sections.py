"""The analysis results the faces show, fetched from :mod:`stintlab.analysis` (and
:mod:`stintlab.sim` for the demo race). No analysis happens here: each function calls the
module that owns the logic and returns its plain DataFrame; when that module is not
installed the function returns ``None`` and the face leaves the section out.

Results are memoised per race object (races are read-only), so a report or a web page that
needs the same table twice computes it once.
"""

from __future__ import annotations

import importlib
import threading
import weakref

import pandas as pd

__all__ = [
    "available",
    "hourly_positions",
    "position_history",
    "stints",
    "stops",
    "neutralisations",
    "incidents",
    "car_timeline",
    "driver_rankings",
    "best_performers",
    "categories",
    "demo_path",
    "car_or_error",
    "class_or_error",
]

_memo: dict[int, dict] = {}  # id(race) -> results; dropped when the race is garbage-collected
_memo_lock = threading.Lock()


def _fn(module: str, name: str):
    try:
        mod = importlib.import_module(module)
    except ImportError:
        return None
    return getattr(mod, name, None)


def available(module: str, name: str) -> bool:
    """Whether ``module.name`` exists (the analysis modules land independently).

    >>> available("stintlab.race", "load")
    True
    >>> available("stintlab.analysis.no_such_module", "x")
    False
    """
    return _fn(module, name) is not None


def _cached(race, key, compute):
    """``compute()`` once per (race, key): concurrent callers (web requests) wait for the first one."""
    with _memo_lock:
        per_race = _memo.get(id(race))
        if per_race is None:
            per_race = _memo[id(race)] = {}
            weakref.finalize(race, _memo.pop, id(race), None)
        if key in per_race:
            return per_race[key]
        gate = per_race.setdefault(("__lock__", key), threading.Lock())
    with gate:
        with _memo_lock:
            if key in per_race:
                return per_race[key]
        value = compute()
        with _memo_lock:
            per_race[key] = value
    return value


def _call(race, module: str, name: str, *args, **kwargs):
    fn = _fn(module, name)
    if fn is None:
        return None
    key = (module, name, tuple(a for a in args if not isinstance(a, pd.DataFrame)), tuple(sorted(kwargs.items())))
    return _cached(race, key, lambda: fn(*args, **kwargs))


def hourly_positions(race) -> pd.DataFrame | None:
    return _call(race, "stintlab.analysis.standings", "hourly_positions", race.laps)


def position_history(race) -> pd.DataFrame | None:
    """:func:`stintlab.analysis.standings.position_history` plus ``class_gap``: seconds behind the
    first car of the class to complete the same lap (its ``gap_to_leader`` taken within the class;
    WORKAROUND until standings gives it)."""
    fn = _fn("stintlab.analysis.standings", "position_history")
    if fn is None:
        return None

    def compute():
        h = fn(race.laps)
        if "class_gap" not in h.columns:
            first = h.groupby(["lap", "class"], sort=False, dropna=False)["race_time"].transform("min")
            h = h.assign(class_gap=h["race_time"] - first)
        return h

    return _cached(race, ("position_history",), compute)


def stints(race) -> pd.DataFrame | None:
    return _call(race, "stintlab.analysis.stints", "stints", race.laps)


def annotated(race) -> pd.DataFrame:
    """The lap table with :func:`stintlab.analysis.annotate.annotate` columns (computed once per race
    and handed to the analysis functions that would otherwise annotate again), or the plain laps."""
    fn = _fn("stintlab.analysis.annotate", "annotate")
    return race.laps if fn is None else _cached(race, ("annotated",), lambda: fn(race.laps))


def stops(race) -> pd.DataFrame | None:
    return _call(race, "stintlab.analysis.stops", "stops", annotated(race))


def neutralisations(race) -> pd.DataFrame | None:
    return _call(race, "stintlab.analysis.flags", "neutralisations", race.laps)


def incidents(race) -> pd.DataFrame | None:
    return _call(race, "stintlab.analysis.incidents", "incident_table", race.laps)


def car_timeline(race, car: str) -> pd.DataFrame | None:
    """Every event of one car with class positions before/after (:func:`stintlab.analysis.timeline.car_events`)."""
    return _call(race, "stintlab.analysis.timeline", "car_events", annotated(race), str(car))


def categories(race) -> pd.DataFrame:
    """car, driver, category of every driver: the official classification's FIA grades, and an
    ``entry_list.csv`` beside the lap file when there is one (the demo race ships one)."""

    def compute():
        base = race.drivers[["car", "driver", "category"]]
        path = race.meta.get("path")
        attach = _fn("stintlab.analysis.categories", "attach_categories")
        read = _fn("stintlab.analysis.categories", "read_entry_list")
        if not path or attach is None or read is None:
            return base
        from pathlib import Path

        entry_list = Path(path).parent / "entry_list.csv"
        if not entry_list.is_file():
            return base
        table, _unmatched = attach(race.drivers, read(entry_list))
        return table[["car", "driver", "category"]]

    return _cached(race, ("categories",), compute)


def driver_rankings(race) -> pd.DataFrame | None:
    """Every driver ranked in class and in FIA category within class (:mod:`stintlab.analysis.rankings`)."""
    fn = _fn("stintlab.analysis.rankings", "driver_rankings")
    if fn is None:
        return None
    return _cached(race, ("rankings",), lambda: fn(race.laps, categories(race)))


def best_performers(race) -> pd.DataFrame | None:
    fn = _fn("stintlab.analysis.rankings", "best_performers")
    ranks = driver_rankings(race)
    if fn is None or ranks is None:
        return None
    return _cached(race, ("best_performers",), lambda: fn(ranks))


def demo_path():
    """Path of the embedded demo race, or None when the simulator is not installed."""
    fn = _fn("stintlab.sim.demo", "demo_path")
    return None if fn is None else fn()


def cars_in_order(race) -> pd.DataFrame:
    """``race.cars`` in final classification order (cars missing from it last, as in the file)."""
    pos = dict(zip(race.classification["car"].astype(str), race.classification["position"], strict=False))
    key = race.cars["car"].astype(str).map(lambda c: pos.get(c, 10**6)).astype(float)
    return race.cars.assign(_k=key.to_numpy()).sort_values("_k", kind="stable").drop(columns="_k")


def car_or_error(race, car) -> str:
    """``car`` as it is spelt in the race, or a :class:`StintlabUsageError` naming the cars."""
    from stintlab.errors import StintlabUsageError

    car = str(car).strip()
    known = [str(c) for c in race.cars["car"]]
    if car in known:
        return car
    # "7" for "007" only when unambiguous
    loose = [c for c in known if c.lstrip("0") == car.lstrip("0")]
    if len(loose) == 1:
        return loose[0]
    raise StintlabUsageError(f"no car {car!r} in this race (cars: {', '.join(known)})")


def class_or_error(race, cls) -> str:
    from stintlab.errors import StintlabUsageError

    known = [str(c) for c in race.cars["class"].dropna().unique()]
    for k in known:
        if k.lower() == str(cls).strip().lower():
            return k
    raise StintlabUsageError(f"no class {cls!r} in this race (classes: {', '.join(known)})")
