"""The analysis results the faces show. No analysis and no cache here: each function hands back the
table the :class:`stintlab.race.Race` owns (computed once per race, shared by every face and by
concurrent web requests), so report, web and CLI show the same numbers.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

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


def hourly_positions(race) -> pd.DataFrame:
    return race.hourly_positions


def position_history(race) -> pd.DataFrame:
    """The lap chart (:func:`stintlab.analysis.standings.position_history`, with ``class_gap``)."""
    return race.position_history


def stints(race) -> pd.DataFrame:
    return race.stints


def annotated(race) -> pd.DataFrame:
    """The lap table with :func:`stintlab.analysis.annotate.annotate` columns."""
    return race.annotated


def stops(race) -> pd.DataFrame:
    return race.stops


def neutralisations(race) -> pd.DataFrame:
    return race.flags


def incidents(race) -> pd.DataFrame:
    return race.incidents


def car_timeline(race, car: str) -> pd.DataFrame:
    """Every event of one car with class positions before/after (:func:`stintlab.analysis.timeline.car_events`)."""
    return race.events(car)


def categories(race) -> pd.DataFrame:
    """car, driver, category of every driver (:attr:`stintlab.race.Race.categories`)."""
    return race.categories


def driver_rankings(race) -> pd.DataFrame:
    """Every driver ranked in class and in FIA category within class (:mod:`stintlab.analysis.rankings`)."""
    return race.driver_rankings()


def best_performers(race) -> pd.DataFrame:
    return race.best_performers()


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
    from stintlab.errors import StintlabUsageError

    car = str(car).strip()
    known = [str(c) for c in race.cars["car"]]
    if car in known:
        return car
    # "7" for "007" only when unambiguous
    loose = [c for c in known if c.lstrip("0") == car.lstrip("0")]
    if len(loose) == 1:
        return loose[0]
    from stintlab.analysis.timeline import no_lap_message

    if (msg := no_lap_message(getattr(race, "classification", None), car)) is not None:
        raise StintlabUsageError(msg)
    raise StintlabUsageError(f"no car {car!r} in this race (cars: {', '.join(known)})")


def class_or_error(race, cls) -> str:
    from stintlab.errors import StintlabUsageError

    known = [str(c) for c in race.cars["class"].dropna().unique()]
    for k in known:
        if k.lower() == str(cls).strip().lower():
            return k
    raise StintlabUsageError(f"no class {cls!r} in this race (classes: {', '.join(known)})")
