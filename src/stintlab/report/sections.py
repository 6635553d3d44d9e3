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
    with _memo_lock:
        per_race = _memo.get(id(race))
        if per_race is None:
            per_race = _memo[id(race)] = {}
            weakref.finalize(race, _memo.pop, id(race), None)
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
    return _call(race, "stintlab.analysis.standings", "position_history", race.laps)


def stints(race) -> pd.DataFrame | None:
    return _call(race, "stintlab.analysis.stints", "stints", race.laps)


def stops(race) -> pd.DataFrame | None:
    return _call(race, "stintlab.analysis.stops", "stops", race.laps)


def neutralisations(race) -> pd.DataFrame | None:
    return _call(race, "stintlab.analysis.flags", "neutralisations", race.laps)


def incidents(race) -> pd.DataFrame | None:
    return _call(race, "stintlab.analysis.incidents", "incidents", race.laps)


def car_timeline(race, car: str):
    return _call(race, "stintlab.analysis.timeline", "car_timeline", race.laps, str(car))


def driver_rankings(race) -> pd.DataFrame | None:
    fn = _fn("stintlab.analysis.rankings", "rankings")
    if fn is None:
        return None
    return _cached(race, ("rankings",), lambda: fn(race))


def demo_path():
    """Path of the embedded demo race, or None when the simulator is not installed."""
    fn = _fn("stintlab.sim.demo", "demo_path")
    return None if fn is None else fn()


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
