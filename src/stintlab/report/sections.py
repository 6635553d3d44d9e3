"""The analysis results the faces show, fetched from :mod:`stintlab.analysis` (and
:mod:`stintlab.sim` for the demo race). No analysis happens here: each function calls the
module that owns the logic and returns its plain DataFrame.

Results are memoised per race object (races are read-only), so a report or a web page that
needs the same table twice computes it once, and concurrent web requests share one computation.
"""

from __future__ import annotations

import threading
import weakref
from pathlib import Path

import pandas as pd

from stintlab.analysis import categories as _categories
from stintlab.analysis import flags as _flags
from stintlab.analysis import incidents as _incidents
from stintlab.analysis import rankings as _rankings
from stintlab.analysis import standings as _standings
from stintlab.analysis import stints as _stints
from stintlab.analysis import stops as _stops
from stintlab.analysis import timeline as _timeline
from stintlab.analysis.annotate import annotate
from stintlab.analysis.lookup import find_car, find_class

__all__ = [
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


def _call(race, fn, *args, **kwargs):
    key = (
        fn.__module__,
        fn.__name__,
        tuple(a for a in args if not isinstance(a, pd.DataFrame)),
        tuple(sorted(kwargs.items())),
    )
    return _cached(race, key, lambda: fn(*args, **kwargs))


def hourly_positions(race) -> pd.DataFrame:
    return _call(race, _standings.hourly_positions, race.laps)


def position_history(race) -> pd.DataFrame:
    """The lap chart (:func:`stintlab.analysis.standings.position_history`, with ``class_gap``)."""
    return _call(race, _standings.position_history, race.laps)


def stints(race) -> pd.DataFrame:
    return _call(race, _stints.stints, race.laps)


def annotated(race) -> pd.DataFrame:
    """The lap table with :func:`stintlab.analysis.annotate.annotate` columns, computed once per race
    and handed to the analysis functions that would otherwise annotate again."""
    return _cached(race, ("annotated",), lambda: annotate(race.laps))


def stops(race) -> pd.DataFrame:
    return _call(race, _stops.stops, annotated(race))


def neutralisations(race) -> pd.DataFrame:
    return _call(race, _flags.neutralisations, race.laps)


def incidents(race) -> pd.DataFrame:
    return _call(race, _incidents.incident_table, race.laps)


def car_timeline(race, car: str) -> pd.DataFrame:
    """Every event of one car with class positions before/after (:func:`stintlab.analysis.timeline.car_events`)."""
    return _call(race, _timeline.car_events, annotated(race), str(car))


def categories(race) -> pd.DataFrame:
    """car, driver, category of every driver: the official classification's FIA grades, and an
    ``entry_list.csv`` beside the lap file when there is one (the demo race ships one)."""

    def compute():
        base = race.drivers[["car", "driver", "category"]]
        path = race.meta.get("path")
        entry_list = Path(path).parent / "entry_list.csv" if path else None
        if entry_list is None or not entry_list.is_file():
            return base
        table, _unmatched = _categories.attach_categories(race.drivers, _categories.read_entry_list(entry_list))
        return table[["car", "driver", "category"]]

    return _cached(race, ("categories",), compute)


def driver_rankings(race) -> pd.DataFrame:
    """Every driver ranked in class and in FIA category within class (:mod:`stintlab.analysis.rankings`)."""
    return _cached(race, ("rankings",), lambda: _rankings.driver_rankings(race.laps, categories(race)))


def best_performers(race) -> pd.DataFrame:
    ranks = driver_rankings(race)
    return _cached(race, ("best_performers",), lambda: _rankings.best_performers(ranks))


def demo_path() -> Path:
    """Path of the embedded demo race (generated on first use)."""
    from stintlab.sim.demo import demo_path as _demo_path

    return _demo_path()


def cars_in_order(race) -> pd.DataFrame:
    """``race.cars`` in final classification order (cars missing from it last, as in the file)."""
    pos = dict(zip(race.classification["car"].astype(str), race.classification["position"], strict=False))
    key = race.cars["car"].astype(str).map(lambda c: pos.get(c, 10**6)).astype(float)
    return race.cars.assign(_k=key.to_numpy()).sort_values("_k", kind="stable").drop(columns="_k")


def car_or_error(race, car) -> str:
    """``car`` as it is spelt in the race, or a :class:`StintlabUsageError` naming the cars."""
    return find_car(race.cars["car"], car, getattr(race, "classification", None))


def class_or_error(race, cls) -> str:
    """``cls`` as it is spelt in the race (case-insensitive), or a :class:`StintlabUsageError`."""
    return find_class(race.cars["class"], cls)
