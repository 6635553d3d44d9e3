"""The analysis results the faces show. No analysis and no cache here: each function hands back the
table the :class:`stintlab.race.Race` owns (computed once per race, shared by every face and by
concurrent web requests), so report, web and CLI show the same numbers.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

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
    "category_headline",
    "category_standing",
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


def gap_history(race) -> pd.DataFrame:
    """Laps behind the class leader at the same instants (:func:`stintlab.analysis.distance.gap_history`)."""
    return race.gap_history


def stints(race) -> pd.DataFrame:
    return race.stints


def annotated(race) -> pd.DataFrame:
    """The lap table with :func:`stintlab.analysis.annotate.annotate` columns."""
    return race.annotated


def stops(race) -> pd.DataFrame:
    return race.stops


def neutralisations(race) -> pd.DataFrame:
    """Neutralisation phases and slow zones of 5 minutes or more (kind SZ, with their sector): :attr:`Race.phases`."""
    return race.phases


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


def category_headline(race) -> pd.DataFrame:
    """Best performer of each class and FIA category by the FIA 10-lap mean and by the index."""
    return race.category_headline()


def category_standing(race) -> pd.DataFrame:
    """Each driver's rank within class and category by both figures (for the story: "2nd of 5 Golds")."""
    return race.category_standing()


def demo_path() -> Path:
    """Path of the embedded demo race (generated on first use)."""
    from stintlab.sim.demo import demo_path as _demo_path

    return _demo_path()


def cars_in_order(race) -> pd.DataFrame:
    """``race.cars`` in final classification order (cars missing from it last, as in the file). The
    order is the classification's row order: an official file leaves the position of a car it does not
    classify (retired, disqualified: WIGE) empty and lists it in its own order."""
    pos = {car: i for i, car in enumerate(race.classification["car"].astype(str))}
    key = race.cars["car"].astype(str).map(lambda c: pos.get(c, 10**6)).astype(float)
    return race.cars.assign(_k=key.to_numpy()).sort_values("_k", kind="stable").drop(columns="_k")


def car_or_error(race, car) -> str:
    """``car`` as it is spelt in the race, or a :class:`StintlabUsageError` naming the cars."""
    cars = race.cars
    with_laps = cars.loc[cars["laps"] > 0, "car"] if "laps" in cars else cars["car"]  # entered, no lap: said so
    return find_car(with_laps, car, getattr(race, "classification", None))


def class_or_error(race, cls) -> str:
    """``cls`` as it is spelt in the race (case-insensitive), or a :class:`StintlabUsageError`."""
    return find_class(race.cars["class"], cls)
