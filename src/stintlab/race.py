"""The :class:`Race`: a lap file (and optionally its official classification) loaded once.

>>> import pathlib, tempfile
>>> path = pathlib.Path(tempfile.mkdtemp()) / "laps.csv"
>>> _ = path.write_text("NUMBER;DRIVER_NUMBER;LAP_NUMBER;LAP_TIME;ELAPSED;CLASS;DRIVER_NAME;\\n"
...                     "007;1;1;3:30.000;3:30.000;LMGT3;Ana TESTER;\\n7;1;1;3:31.000;3:31.000;LMGT3;Bo EXAMPLE;\\n")
>>> race = load(path)
>>> race.classification[["position", "car", "laps", "status"]].values.tolist()
[[1, '007', 1, 'Running'], [2, '7', 1, 'Running']]
>>> race.drivers["driver"].tolist()
['Ana TESTER', 'Bo EXAMPLE']
"""

from __future__ import annotations

import functools
import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from stintlab.analysis import distance, laptimes, order, pace, rankings, standings
from stintlab.analysis.annotate import annotate_with_zones
from stintlab.analysis.categories import attach_categories, read_entry_list
from stintlab.analysis.classification import derive_classification, official_status, with_lapless_cars
from stintlab.analysis.flags import neutralisations, race_phases
from stintlab.analysis.incidents import annotated_incidents
from stintlab.analysis.roster import attach_official_crew, cars_table, drivers_table
from stintlab.analysis.stints import drive_time, driver_spells
from stintlab.analysis.stints import stints as stint_table
from stintlab.analysis.stops import stops as stop_table
from stintlab.analysis.timeline import car_events, time_loss_account
from stintlab.config import THRESHOLDS
from stintlab.errors import StintlabUsageError
from stintlab.io import files_of_format, final_hourly_results, read_file, wige
from stintlab.log import issues_summary, issues_table, logger
from stintlab.names import name_key

__all__ = ["Race", "load", "name_key", "find_results_beside", "results_mismatch"]  # name_key: from stintlab.names


def _derived(fn):
    """A read-only property computed once per race (thread-safe: see :meth:`Race.once`)."""
    key = (fn.__name__,)

    def get(self):
        return self.once(key, self._builders.get(key) or (lambda: fn(self)))

    get.__doc__ = fn.__doc__
    get.__name__ = fn.__name__
    return property(get)


def _lazy_table(name: str, doc: str) -> property:
    """A table given to the constructor, or (given as None) built on first use by the builder that
    :func:`load` registered (``race.cars``, ``race.drivers``, ``race.classification``)."""
    key = ("table", name)

    def get(self):
        given = self.__dict__.get("_" + name)
        if given is not None:
            return given
        build = self._builders.get(key)
        return None if build is None else self.once(key, build)

    def put(self, value):
        self.__dict__["_" + name] = value

    return property(get, put, doc=doc)


@dataclass(eq=False)
class Race:
    """A loaded race. Every table is a plain pandas DataFrame.

    - ``laps``: the canonical lap table (:mod:`stintlab.schema`).
    - ``cars``: one row per car: car, class, group, team, manufacturer, crew (list of names), drivers, laps.
    - ``drivers``: one row per (car, driver): driver, car, driver_slot, class, team, category, laps, first_lap, last_lap.
    - ``classification``: official when a results file was given or found beside the lap file
      (column ``official`` True), else derived from the laps (:mod:`stintlab.analysis.classification`).
    - ``meta``: facts about the source (path, variant, separator, has_flags, start_time_of_day, ...).
    ``cars``, ``drivers`` and ``classification`` given as None are built on first use (:func:`load` does so).

    The race owns its derived state: every table below is computed from ``laps`` by the analysis
    kernels on first use and then kept (the tables are shared, never copy-on-read: do not modify
    them). ``race.stops is race.stops``; concurrent threads asking for the same table compute it
    once. Properties: ``annotated``, ``state``, ``finished``, ``final_order``, ``took_the_flag``,
    ``classification_rule``, ``derived_classification``, ``flags`` (neutralisation phases), ``slow_zones``,
    ``phases`` (both), ``stops``, ``stints``, ``spells``,
    ``drive_time``, ``incidents``, ``time_loss``, ``final_standings``, ``position_history``,
    ``hourly_positions``, ``categories``, ``clean_laps``, ``driver_metrics``, ``car_metrics``,
    ``lap_trace``, ``stint_pace``, ``sectors`` (pace views: :mod:`stintlab.analysis.laptimes`),
    ``issues`` (the silent repairs of the readers and :func:`load`: :mod:`stintlab.log`);
    ``progress`` (timing points for standings by distance);
    memoised methods: :meth:`events`, :meth:`standings`, :meth:`driver_rankings`,
    :meth:`crew_rankings`, :meth:`best_performers`, :meth:`drive_shares`, :meth:`battle`.
    """

    laps: pd.DataFrame
    classification: pd.DataFrame | None
    cars: pd.DataFrame | None
    drivers: pd.DataFrame | None
    meta: dict = field(default_factory=dict)
    sections: pd.DataFrame | None = None
    official_crew: pd.DataFrame | None = None
    weather: pd.DataFrame | None = None
    _builders: dict = field(default_factory=dict, init=False, repr=False)  # key -> compute, registered by load
    _memo: dict = field(default_factory=dict, init=False, repr=False)
    _gates: dict = field(default_factory=dict, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def once(self, key: tuple, compute: Callable[[], Any]) -> Any:
        """``compute()`` the first time ``key`` is asked for, the kept value afterwards. Concurrent
        callers of one key wait for the first one (one lock per key, so tables that depend on each
        other compute in parallel threads without deadlock). Faces may keep their own per-race
        results here (the web keeps serialised JSON) under a key of their own."""
        try:
            return self._memo[key]
        except KeyError:
            pass
        with self._lock:
            gate = self._gates.setdefault(key, threading.Lock())
        with gate:
            if key not in self._memo:
                self._memo[key] = compute()
            return self._memo[key]

    @property
    def name(self) -> str:
        return self.meta.get("name", "race")

    @property
    def has_official_classification(self) -> bool:
        return bool(self.meta.get("results_path"))

    @property
    def duration(self) -> float:
        """Race time of the winner's last crossing, seconds."""
        return float(self.laps["elapsed"].max()) if len(self.laps) else 0.0

    def car_laps(self, car: str) -> pd.DataFrame:
        return self.laps[self.laps["car"] == str(car)]

    @_derived
    def issues(self) -> pd.DataFrame:
        """One row per silent repair (rule, line, column, action) the readers and :func:`load` made
        (:func:`stintlab.log.issues_table`, from the facts in ``meta``)."""
        self.drivers  # noqa: B018 - building the drivers table records the crew slot matches in meta
        return issues_table(self.meta, self.laps, self.meta.get("crew_slot_matches") or ())

    # ------------------------------------------------------------------ race order and state
    @_derived
    def state(self) -> str:
        """``finished``, ``red_flag_finish`` or ``snapshot`` (:func:`stintlab.analysis.order.race_state`)."""
        return order.race_state(self.laps)

    @property
    def finished(self) -> bool:
        """The file holds a finished race (chequered or red flag), not a snapshot taken during it."""
        return self.state != "snapshot"

    @_derived
    def final_order(self) -> pd.DataFrame:
        """Each car's last crossing in final order (:func:`stintlab.analysis.order.final_order`)."""
        return order.final_order(self.laps)

    @_derived
    def took_the_flag(self) -> pd.Series:
        """Per car: running at the end (:func:`stintlab.analysis.order.took_the_flag`)."""
        return order.took_the_flag(self.laps)

    @_derived
    def classification_rule(self):
        """The series' classification rule (:func:`stintlab.analysis.order.classification_rule_of`):
        minimum share of the winner's distance, chequered flag needed or not, sources."""
        return order.classification_rule_of(self.laps)

    @_derived
    def derived_classification(self) -> pd.DataFrame:
        """The classification derived from the laps (:func:`stintlab.analysis.classification.derive_classification`)."""
        return derive_classification(self.laps)

    # ------------------------------------------------------------------ per-lap state
    @_derived
    def _annotation(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        return annotate_with_zones(self.laps)

    @property
    def annotated(self) -> pd.DataFrame:
        """The lap table plus neutralised, incident, clean, stint, hour, ... (:func:`stintlab.analysis.annotate.annotate`)."""
        return self._annotation[0]

    @property
    def slow_zones(self) -> pd.DataFrame:
        """Slow zones / Code 60 zones found from sector times (:func:`stintlab.analysis.slowzones.slow_zones`),
        computed with :attr:`annotated`."""
        return self._annotation[1]

    @_derived
    def flags(self) -> pd.DataFrame:
        """Neutralisation phases, SC / FCY / RED (:func:`stintlab.analysis.flags.neutralisations`)."""
        return neutralisations(self.annotated)

    @_derived
    def phases(self) -> pd.DataFrame:
        """:attr:`flags` and the slow zones of at least ``THRESHOLDS.slow_zone_phase_min`` seconds in
        one table, kind SC / FCY / RED / SZ with the zone's ``sector``
        (:func:`stintlab.analysis.flags.race_phases`)."""
        return race_phases(self.flags, self.slow_zones, min_zone=THRESHOLDS.slow_zone_phase_min)

    @_derived
    def stops(self) -> pd.DataFrame:
        """One row per pit stop (:func:`stintlab.analysis.stops.stops`)."""
        return stop_table(self.annotated)

    @_derived
    def stints(self) -> pd.DataFrame:
        """One row per stint (:func:`stintlab.analysis.stints.stints`)."""
        return stint_table(self.laps)

    @_derived
    def spells(self) -> pd.DataFrame:
        """One row per driver spell (:func:`stintlab.analysis.stints.driver_spells`)."""
        return driver_spells(self.laps)

    @_derived
    def drive_time(self) -> pd.DataFrame:
        """Drive time per (car, driver) (:func:`stintlab.analysis.stints.drive_time`)."""
        return drive_time(self.laps)

    @_derived
    def incidents(self) -> pd.DataFrame:
        """One row per incident lap (:func:`stintlab.analysis.incidents.incident_table`), read from
        :attr:`annotated` (:func:`stintlab.analysis.incidents.annotated_incidents`)."""
        return annotated_incidents(self.annotated)

    @_derived
    def time_loss(self) -> pd.DataFrame:
        """Seconds lost per car (:func:`stintlab.analysis.timeline.time_loss_account`)."""
        return time_loss_account(self.annotated, self.stops, self.flags)

    def events(self, car) -> pd.DataFrame:
        """Every event of one car (:func:`stintlab.analysis.timeline.car_events`); ``car`` as stored."""
        car = str(car)
        return self.once(
            ("events", car), lambda: car_events(self.annotated, car, self.stops, self.phases, self.categories)
        )

    # ------------------------------------------------------------------ standings
    @_derived
    def final_standings(self) -> pd.DataFrame:
        """Standings after every car's last crossing (:func:`stintlab.analysis.standings.final_standings`)."""
        return standings.final_standings(self.laps)

    @_derived
    def progress(self) -> distance.Progress:
        """Every car's timing points (line, sector ends, section loops) for standings by distance
        (:func:`stintlab.analysis.distance.progress`)."""
        return distance.progress(self.laps, self.sections)

    def standings(self, at: float | None = None, *, hour: int | None = None, cls: str | None = None) -> pd.DataFrame:
        """Standings at race time ``at`` seconds **by distance covered** (what a timing screen shows:
        :func:`stintlab.analysis.distance.distance_standings`), or after race hour ``hour`` (the official
        hour-N convention, each car at its last crossing), or final (neither); ``cls`` keeps one class
        (:mod:`stintlab.analysis.standings`)."""
        if at is not None and hour is not None:
            raise StintlabUsageError("give a race time or an hour, not both")
        if hour is not None:
            return self.once(("standings", "hour", int(hour), cls),
                             lambda: standings.standings_after_hour(self.laps, int(hour), cls))  # fmt: skip
        if at is not None:
            return self.once(("standings", "at", float(at), cls),
                             lambda: distance.distance_standings(self.progress, at, cls))  # fmt: skip
        if cls is None:
            return self.final_standings
        return self.once(("standings", "final", cls), lambda: standings.final_standings(self.laps, cls))

    @_derived
    def position_history(self) -> pd.DataFrame:
        """The lap chart (:func:`stintlab.analysis.standings.position_history`)."""
        return standings.position_history(self.laps)

    @_derived
    def hourly_positions(self) -> pd.DataFrame:
        """Standings after every race hour (:func:`stintlab.analysis.standings.hourly_positions`)."""
        return standings.hourly_positions(self.laps)

    # ------------------------------------------------------------------ drivers
    @_derived
    def categories(self) -> pd.DataFrame:
        """car, driver, category of every driver: the official classification's FIA grades, and an
        ``entry_list.csv`` beside the lap file when there is one (the demo race ships one)."""
        base = self.drivers[["car", "driver", "category"]]
        path = self.meta.get("path")
        entry_list = Path(path).parent / "entry_list.csv" if path else None
        if entry_list is None or not entry_list.is_file():
            return base
        table, _unmatched = attach_categories(self.drivers, read_entry_list(entry_list))
        return table[["car", "driver", "category"]]

    @_derived
    def clean_laps(self) -> pd.DataFrame:
        """The clean laps with pace index (:func:`stintlab.analysis.pace.clean_laps`)."""
        return pace.clean_laps(self.annotated)

    @_derived
    def driver_metrics(self) -> pd.DataFrame:
        """Every pace metric per (car, driver) (:func:`stintlab.analysis.pace.driver_metrics`)."""
        return pace.driver_metrics(self.laps, self.clean_laps)

    @_derived
    def car_metrics(self) -> pd.DataFrame:
        """Every pace metric per car (:func:`stintlab.analysis.pace.car_metrics`)."""
        return pace.car_metrics(self.laps, self.clean_laps)

    # ------------------------------------------------------------------ pace views (analysis/laptimes.py)
    @_derived
    def lap_trace(self) -> pd.DataFrame:
        """Every lap with stint, pit, neutralised, slow-zone, clean and traffic flags (:func:`stintlab.analysis.laptimes.lap_trace`)."""
        return laptimes.lap_trace(self.annotated)

    @_derived
    def stint_pace(self) -> pd.DataFrame:
        """Clean-lap average, best, degradation slope per stint (:func:`stintlab.analysis.laptimes.stint_pace`)."""
        return laptimes.stint_pace(self.lap_trace, self.stints)

    @_derived
    def sectors(self) -> pd.DataFrame:
        """Best sectors, ideal lap, gaps to the class best, top speed per driver (:func:`stintlab.analysis.laptimes.sector_table`)."""
        return laptimes.sector_table(self.clean_laps, self.laps, self.driver_metrics)

    def drive_shares(self, rules=None) -> pd.DataFrame:
        """Drive time, share and longest spell per driver, next to ``rules``' minimums (a rule set name
        or file: :func:`stintlab.analysis.rules.check_laps`) (:func:`stintlab.analysis.laptimes.drive_shares`)."""
        from stintlab.analysis.rules import check_laps, load_rules

        rs = load_rules(rules) if rules is not None else None
        return self.once(("drive_shares", rs.name if rs else None), lambda: laptimes.drive_shares(
            self.drive_time, check_laps(self.laps, rs, self.categories)["drivers"] if rs else None))  # fmt: skip

    def battle(self, car_a, car_b) -> pd.DataFrame:
        """The gap between two cars lap by lap, stops marked (:func:`stintlab.analysis.laptimes.battle`)."""
        a, b = str(car_a), str(car_b)
        return self.once(("battle", a, b), lambda: laptimes.battle(self.lap_trace, a, b))

    def driver_rankings(self, by: str = "index", *, min_laps: int = pace.MIN_CLEAN_LAPS, n_boot: int = rankings.N_BOOT,
                        seed: int = 0, categories: pd.DataFrame | None = None) -> pd.DataFrame:  # fmt: skip
        """Every driver ranked in class and FIA category (:func:`stintlab.analysis.rankings.driver_rankings`),
        with :attr:`categories` unless a ``categories`` table is given; memoised per argument
        (a given ``categories`` table is not memoised, the clean laps still are)."""

        def compute(cats):
            return rankings.driver_rankings(self.laps, self.clean_laps, cats, by=by, min_laps=min_laps,
                                                    n_boot=n_boot, seed=seed)  # fmt: skip

        if categories is not None:
            return compute(categories)
        return self.once(("driver_rankings", by, min_laps, n_boot, seed), lambda: compute(self.categories))

    def crew_rankings(self, by: str = "index", *, min_laps: int = pace.MIN_CLEAN_LAPS, n_boot: int = rankings.N_BOOT,
                      seed: int = 0) -> pd.DataFrame:  # fmt: skip
        """Cars ranked in class (:func:`stintlab.analysis.rankings.crew_rankings`), memoised per argument."""
        return self.once(("crew_rankings", by, min_laps, n_boot, seed),
                         lambda: rankings.crew_rankings(self.laps, self.clean_laps, by=by, min_laps=min_laps,
                                                                n_boot=n_boot, seed=seed))  # fmt: skip

    def best_performers(self, top: int = 1) -> pd.DataFrame:
        """The best drivers of each category in each class (:func:`stintlab.analysis.rankings.best_performers`)."""
        return self.once(("best_performers", top), lambda: rankings.best_performers(self.driver_rankings(), top))

    def __repr__(self) -> str:
        return f"<Race {self.name!r}: {len(self.cars)} cars, {len(self.laps)} laps, {self.meta.get('variant')}>"


def find_results_beside(path) -> Path | None:
    """An official classification in the same folder as ``path``, recognised by its header; when
    there is none, the final classification among the timekeeper's hourly ones in an
    ``official-hourly/`` folder beside it (:func:`stintlab.io.final_hourly_results`)."""
    p = Path(path)
    found = files_of_format(p.parent, "classification", exclude=p)
    if len(found) == 1:
        return found[0]
    official = [f for f in found if "official" in f.name.lower() or "results" in f.name.lower()]
    if len(official) == 1:
        return official[0]
    return final_hourly_results(p.parent / "official-hourly") if not found else None


def load(path, results=None, *, find_results: bool = True, weather=None) -> Race:
    """Load a lap file (any supported variant) into a :class:`Race`.

    ``results``: an official classification file; when None and ``find_results`` is true,
    a classification beside the lap file is used if there is exactly one.
    """
    parsed = read_file(path, expect="laps")
    laps = parsed.table
    results_path = Path(results) if results is not None else (find_results_beside(path) if find_results else None)
    official = crew = None
    refused = None
    if results_path is not None:
        res = read_file(results_path, expect="classification")
        official, crew = res.table, res.crew
        refused = results_mismatch(official, laps)
        if refused is not None:  # another race's results: the derived classification instead
            official = crew = None
    if parsed.facts.get("format") == wige.FORMAT:  # WIGE: sectors and pit stops in companion files
        wige_result = results_path if official is not None and res.facts.get("layout") == "wige" else None
        parsed.table, parsed.sections, parsed.facts = wige.read_laps(
            path, result=wige_result, sectors=wige.companions(path)[1]
        )
        laps = parsed.table
    wx = read_file(weather, expect="weather").table if weather is not None else None

    lapless = parsed.facts.get("lapless_cars")
    meta = dict(parsed.facts)
    # cars, drivers and the classifications are built on first use, once (a load that only wants the
    # laps pays for none of them); the derived classification serves the official one too
    derived = functools.cache(lambda: with_lapless_cars(derive_classification(laps), lapless))

    def cars() -> pd.DataFrame:
        table = with_lapless_cars(cars_table(laps), lapless)
        if official is not None:
            attach_official_crew(table, crew)
        return table

    def drivers() -> pd.DataFrame:
        slot_matches: list[tuple] = []
        # no results file: the crew of an entry list read with the laps (SRO) gives countries/categories
        table = drivers_table(laps, crew if crew is not None else parsed.crew, slot_matches)
        if slot_matches:
            meta["crew_slot_matches"] = slot_matches  # (car, driver, official name, slot)
        return table

    def classification() -> pd.DataFrame:
        if official is None:
            return derived()
        table = official.assign(official=True)
        table = pd.concat([table, official_status(table).set_index(table.index)], axis=1)
        return table.merge(derived()[["car", "took_flag", "retired_in_pits", "last_lap_in_pit"]], on="car", how="left")

    meta.update(
        {
            "path": str(path),
            "name": _race_name(path),
            "format": parsed.facts.get("format", "alkamel-analysis"),
            "results_path": str(results_path) if official is not None else None,
            "classification_source": "official" if official is not None else "derived",
        }
    )
    if refused is not None:
        meta["results_refused"] = f"{results_path}: {refused}; the classification is derived from the laps"
        logger.warning("%s: results refused: %s", meta["name"], meta["results_refused"])
    race = Race(laps, None, None, None, meta, sections=parsed.sections, official_crew=crew, weather=wx)
    race._builders.update({("derived_classification",): derived, ("table", "cars"): cars,
                           ("table", "drivers"): drivers, ("table", "classification"): classification})  # fmt: skip
    if logger.isEnabledFor(logging.INFO):
        logger.info("%s: %s", race.name, issues_summary(race.issues))
    return race


def results_mismatch(official: pd.DataFrame, laps: pd.DataFrame) -> str | None:
    """Why a classification cannot be this lap file's (None when it can): its winner has no lap in
    the file, or fewer than half of its cars do (cars that never crossed the line may be missing).

    >>> laps = pd.DataFrame({"car": ["7", "8"]})
    >>> results_mismatch(pd.DataFrame({"car": ["7", "8", "9"]}), laps) is None
    True
    >>> print(results_mismatch(pd.DataFrame({"car": ["51", "7"]}), laps))
    the classified winner, car 51, has no lap in the lap file (another race's results?)
    """
    if official.empty:
        return None
    in_laps = official["car"].astype(str).isin({str(c) for c in laps["car"].unique()})
    if not in_laps.iloc[0]:
        return f"the classified winner, car {official['car'].iloc[0]}, has no lap in the lap file (another race's results?)"
    if in_laps.mean() < 0.5:
        return f"only {int(in_laps.sum())} of its {len(in_laps)} cars have laps in the lap file (another race's results?)"
    return None


def _race_name(path) -> str:
    p = Path(path)
    stem = p.stem
    generic = re.match(r"^(\d|23_analysis|race|le_mans|renne|.*\d+h$|.*\d+km$|.*_sectorlistcsv)", stem.lower())
    return p.parent.name if generic and p.parent.name else stem


for _name, _doc in (
    ("classification", "Official classification (column ``official`` True) or the one derived from the laps."),
    ("cars", "One row per car: car, class, group, team, manufacturer, crew, drivers, laps, vehicle."),
    ("drivers", "One row per (car, driver): driver, car, driver_slot, class, team, category, country, laps."),
):
    setattr(Race, _name, _lazy_table(_name, _doc))
