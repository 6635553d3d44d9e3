"""The :class:`Race`: a lap file (and optionally its official classification) loaded once.

>>> import pathlib, tempfile
>>> path = pathlib.Path(tempfile.mkdtemp()) / "laps.csv"
>>> _ = path.write_text("NUMBER;DRIVER_NUMBER;LAP_NUMBER;LAP_TIME;ELAPSED;CLASS;DRIVER_NAME;\\n"
...                     "007;1;1;3:30.000;3:30.000;LMGT3;Ana TESTER;\\n7;1;1;3:31.000;3:31.000;LMGT3;Bo EXAMPLE;\\n")
>>> race = load(path)
>>> race.classification[["position", "car", "laps", "status"]].values.tolist()
[[1, '007', 1, 'Running'], [2, '7', 1, 'Running']]
>>> race.drivers["driver"].tolist()  # cars in natural order: "7" before "007"
['Bo EXAMPLE', 'Ana TESTER']
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from stintlab.analysis import distance, laptimes, order, pace, rankings, standings
from stintlab.analysis.annotate import annotate_with_zones
from stintlab.analysis.categories import read_entry_list, resolve_categories
from stintlab.analysis.classification import derive_classification
from stintlab.analysis.context import LapContext
from stintlab.analysis.flags import neutralisations, race_phases
from stintlab.analysis.incidents import annotated_incidents
from stintlab.analysis.race_timeline import RaceTimeline
from stintlab.analysis.slowzones import phase_source
from stintlab.analysis.stints import drive_time, driver_spells
from stintlab.analysis.stints import stints as stint_table
from stintlab.analysis.stops import stops as stop_table
from stintlab.analysis.timeline import car_events, time_loss_account
from stintlab.config import THRESHOLDS
from stintlab.errors import StintlabUsageError
from stintlab.event import event_title, is_file_name, local_neutralisation, meta_from_path, session_word
from stintlab.log import issues_table
from stintlab.names import name_key

__all__ = ["Race", "load", "name_key", "entry_list_beside", "find_results_beside", "results_mismatch"]  # name_key: from stintlab.names


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
    ``drive_time``, ``rule_set``, ``drive_time_counts_pit``, ``incidents``, ``time_loss``, ``final_standings``, ``position_history``,
    ``hourly_positions``, ``categories``, ``clean_laps``, ``driver_metrics``, ``car_metrics``,
    ``lap_trace``, ``stint_pace``, ``sectors`` (pace views: :mod:`stintlab.analysis.laptimes`),
    ``context`` (integer codes and car rows shared by the kernels: :mod:`stintlab.analysis.context`),
    ``issues`` (the silent repairs of the readers and :func:`load`: :mod:`stintlab.log`);
    ``progress`` (timing points for standings by distance), ``snapshots`` (the same by last crossing);
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
    #: the user's entry list (``--entry-list``), first source of :attr:`categories`
    entry_list: Path | None = None
    #: ``lookup(race, names)`` → categories of drivers the race itself does not grade (the archive's
    #: registry, set by the faces: :func:`stintlab.archive.registry.category_lookup`)
    category_lookup: Callable | None = None
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
    def title(self) -> str:
        """What every face shows as the race's title: ``meta["title"]`` when given (``--title``),
        else event, season, circuit, date and session (:func:`stintlab.event.event_title`), else
        :attr:`name`."""
        return self.title_in("en")

    def title_in(self, lang: str = "en") -> str:
        """:attr:`title` for a page in ``lang`` (``fr``: date, session and the plain title's words in French)."""
        return self.meta.get("title") or event_title(self.meta, lang) or self._plain_title(lang)

    def _plain_title(self, lang: str = "en") -> str:
        """The name, unless it is a timekeeper's bare file name (``23_Analysis_Race_Hour 24``): then
        what the race itself tells (``Race · 24 h · 62 cars``; ``Course · 24 h · 62 voitures``)."""
        name = self.name
        if not is_file_name(name):
            return name
        session = session_word(self.meta.get("session"), lang)
        return f"{session} · {round(self.duration / 3600.0)} h · {len(self.cars)} {'voitures' if lang == 'fr' else 'cars'}"

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

    @_derived
    def context(self) -> LapContext:
        """Integer codes of the cars, drivers and classes and each car's rows, computed once and shared
        by every analysis of this race (:mod:`stintlab.analysis.context`)."""
        return LapContext(self.laps)

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
        return annotate_with_zones(self.laps, self.sections)

    @property
    def annotated(self) -> pd.DataFrame:
        """The lap table plus neutralised, incident, clean, stint, hour, ... (:func:`stintlab.analysis.annotate.annotate`)."""
        return self._annotation[0]

    @property
    def slow_zones(self) -> pd.DataFrame:
        """Slow zones / Code 60 zones found from sector times (:func:`stintlab.analysis.slowzones.slow_zones`),
        computed with :attr:`annotated`."""
        return self._annotation[1]

    @property
    def local_neutralisation(self) -> str:
        """What a local neutralisation (phase kind ``SZ``) is called in this race: ``"code60"`` on the
        Nordschleife, ``"slow_zone"`` elsewhere (:func:`stintlab.event.local_neutralisation` of :attr:`meta`)."""
        return local_neutralisation(self.meta)

    @property
    def phase_source(self) -> str:
        """Where :attr:`flags` come from: ``flag_column``, ``lap_times`` or ``lap_and_sector_times``
        (:func:`stintlab.analysis.slowzones.phase_source`)."""
        return phase_source(self.laps, self.sections)

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
        return stop_table(self.annotated, took=self.took_the_flag)

    @_derived
    def stints(self) -> pd.DataFrame:
        """One row per stint (:func:`stintlab.analysis.stints.stints`)."""
        return stint_table(self.laps, took=self.took_the_flag)

    @_derived
    def spells(self) -> pd.DataFrame:
        """One row per driver spell (:func:`stintlab.analysis.stints.driver_spells`)."""
        return driver_spells(self.laps)

    @_derived
    def drive_time(self) -> pd.DataFrame:
        """Drive time per (car, driver) (:func:`stintlab.analysis.stints.drive_time`)."""
        return drive_time(self.laps, spells=self.spells)

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
        """Every event of one car (:func:`stintlab.analysis.timeline.car_events`); ``car`` as stored. The
        whole-race part (:class:`stintlab.analysis.race_timeline.RaceTimeline`) is built once for every car."""
        car, shared = str(car), self.once(("timeline",), lambda: RaceTimeline(
            self.annotated, self.stops, self.phases, self.stints, self.position_history, self.categories, self.took_the_flag))  # fmt: skip
        return self.once(("events", car), lambda: car_events(self.annotated, car, categories=self.categories, shared=shared))

    # ------------------------------------------------------------------ standings
    @_derived
    def snapshots(self) -> standings.Snapshots:
        """Crossings read once for every standings by last crossing (:class:`~stintlab.analysis.standings.Snapshots`)."""
        return standings.Snapshots(self.laps)

    @_derived
    def final_standings(self) -> pd.DataFrame:
        """Standings after every car's last crossing (:func:`stintlab.analysis.standings.final_standings`)."""
        return self.snapshots.final()

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
                             lambda: self.snapshots.after_hour(int(hour), cls))  # fmt: skip
        if at is not None:  # not kept: ~2 ms from the cached timing points, and instants are unbounded
            return distance.distance_standings(self.progress, float(at), cls)
        if cls is None:
            return self.final_standings
        return self.once(("standings", "final", cls), lambda: self.snapshots.final(cls))

    @_derived
    def position_history(self) -> pd.DataFrame:
        """The lap chart (:func:`stintlab.analysis.standings.position_history`)."""
        return standings.position_history(self.laps)

    @_derived
    def gap_history(self) -> pd.DataFrame:
        """Every car's laps behind its class leader at the same instants (:func:`stintlab.analysis.distance.gap_history`)."""
        return distance.gap_history(self.progress)

    @_derived
    def hourly_positions(self) -> pd.DataFrame:
        """Standings after every race hour (:func:`stintlab.analysis.standings.hourly_positions`)."""
        return self.snapshots.hourly()

    # ------------------------------------------------------------------ drivers
    @_derived
    def category_resolution(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """(:attr:`categories`, unmatched names of the entry list and lap file): see
        :func:`stintlab.analysis.categories.resolve_categories`."""
        explicit = read_entry_list(self.entry_list) if self.entry_list is not None else None
        beside = None
        if explicit is None:
            found = entry_list_beside(self.meta.get("path"))
            beside = read_entry_list(found) if found is not None else None
        lookup = None
        if self.category_lookup is not None:
            fn = self.category_lookup
            lookup = lambda names: fn(self, names)  # noqa: E731
        return resolve_categories(self.drivers, entry_list=explicit, beside=beside, lookup=lookup)

    @property
    def categories(self) -> pd.DataFrame:
        """car, driver, class, category, category_source, ... of every driver, from (in order) the
        user's entry list, an ``entry_list.csv`` beside the lap file, the official classification,
        the archive's category registry (:attr:`category_lookup`)."""
        return self.category_resolution[0]

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

    @_derived
    def rule_set(self):
        """The one shipped rule set meant for this race (:meth:`rule_fit` without a name), or None
        when none or several are."""
        rs, why = self.rule_fit()
        return rs if rs is not None and not why else None

    @property
    def drive_time_counts_pit(self) -> bool:
        """Whether the series' rules (:attr:`rule_set`) count the pit stops in a driver's time
        (``[counting] exclude_pit = false``: NLS, as WIGE's FAHRERn_ZEIT); False without a rule set."""
        return self.rule_set is not None and not self.rule_set.exclude_pit

    @property
    def season(self) -> int | None:
        """The race's season: told by its file's path (:func:`stintlab.event.meta_from_path`), else its start date."""
        meta = meta_from_path(Path(self.meta.get("path") or "."))
        if meta.get("season"):
            return int(meta["season"])
        date = self.meta.get("date")
        return int(str(date)[:4]) if date else None

    def rule_fit(self, name=None):
        """(rule set, why it does not apply) for this race: the one decision of which rule set judges it
        (:func:`stintlab.analysis.rules.rule_fit` with the race's series, season, event and length); used by
        ``stintlab rules`` and the report's drive-time section alike."""
        from stintlab.analysis.rules import rule_fit

        elapsed = self.laps["elapsed"].max() if len(self.laps) else None
        hours = None if elapsed is None or pd.isna(elapsed) else float(elapsed) / 3600.0
        season = self.meta.get("season") or self.season
        return rule_fit(self.meta.get("series"), season, hours, self.meta.get("event"), name)

    def drive_shares(self, rules=None) -> pd.DataFrame:
        """Drive time, share and longest spell per driver, next to ``rules``' minimums (a rule set name
        or file: :func:`stintlab.analysis.rules.check_laps`) (:func:`stintlab.analysis.laptimes.drive_shares`).
        ``total`` counts the pit stops or not as ``rules`` (else :attr:`rule_set`) counts them."""
        from stintlab.analysis.rules import check_laps, load_rules

        rs = load_rules(rules) if rules is not None else None
        counts_pit = (not rs.exclude_pit) if rs is not None else self.drive_time_counts_pit
        return self.once(("drive_shares", rs.name if rs else None), lambda: laptimes.drive_shares(
            self.drive_time, check_laps(self.laps, rs, self.categories)["drivers"] if rs else None, counts_pit))  # fmt: skip

    def battle(self, car_a, car_b) -> pd.DataFrame:
        """The gap between two cars lap by lap, stops marked (:func:`stintlab.analysis.laptimes.battle`)."""
        a, b = str(car_a), str(car_b)
        return self.once(("battle", a, b), lambda: laptimes.battle(self.lap_trace, a, b))

    def driver_rankings(self, by: str = "index", *, min_laps: int | None = None, n_boot: int = rankings.N_BOOT,
                        seed: int = 0, categories: pd.DataFrame | None = None) -> pd.DataFrame:  # fmt: skip
        """Every driver ranked in class and FIA category (:func:`stintlab.analysis.rankings.driver_rankings`),
        with :attr:`categories` unless a ``categories`` table is given; memoised per argument
        (a given ``categories`` table is not memoised, the clean laps still are)."""

        def compute(cats):
            return rankings.driver_rankings(self.laps, self.clean_laps, cats, by=by, min_laps=min_laps,
                                            n_boot=n_boot, seed=seed, metrics=self.driver_metrics)  # fmt: skip

        if categories is not None:
            return compute(categories)
        return self.once(("driver_rankings", by, min_laps, n_boot, seed), lambda: compute(self.categories))

    def crew_rankings(self, by: str = "index", *, min_laps: int | None = None, n_boot: int = rankings.N_BOOT,
                      seed: int = 0) -> pd.DataFrame:  # fmt: skip
        """Cars ranked in class (:func:`stintlab.analysis.rankings.crew_rankings`), memoised per argument."""
        return self.once(("crew_rankings", by, min_laps, n_boot, seed),
                         lambda: rankings.crew_rankings(self.laps, self.clean_laps, by=by, min_laps=min_laps,
                                                        n_boot=n_boot, seed=seed, metrics=self.car_metrics))  # fmt: skip

    def best_performers(self, top: int = 1) -> pd.DataFrame:
        """The best drivers of each category in each class (:func:`stintlab.analysis.rankings.best_performers`)."""
        return self.once(("best_performers", top), lambda: rankings.best_performers(self.driver_rankings(), top))

    def category_standing(self) -> pd.DataFrame:
        """Each driver's rank within class and FIA category by the FIA 10-lap mean and by the index, and the
        rank if an estimated category were wrong (:func:`stintlab.analysis.headline.category_standing`)."""
        from stintlab.analysis.headline import category_standing

        return self.once("category_standing", lambda: category_standing(self.driver_rankings()))

    def category_headline(self) -> pd.DataFrame:
        """The best performer of each category in each class by both figures
        (:func:`stintlab.analysis.headline.category_headline`)."""
        from stintlab.analysis.headline import category_headline

        return self.once("category_headline", lambda: category_headline(self.driver_rankings()))

    def __repr__(self) -> str:
        return f"<Race {self.name!r}: {len(self.cars)} cars, {len(self.laps)} laps, {self.meta.get('variant')}>"


for _name, _doc in (
    ("classification", "Official classification (column ``official`` True) or the one derived from the laps."),
    ("cars", "One row per car: car, class, group, team, manufacturer, crew, drivers, laps, vehicle."),
    ("drivers", "One row per (car, driver): driver, car, driver_slot, class, team, category, country, laps."),
):
    setattr(Race, _name, _lazy_table(_name, _doc))

# the loader builds a Race (stintlab.race.loading imports Race from here): imported last
from stintlab.race.loading import entry_list_beside, find_results_beside, load, results_mismatch  # noqa: E402
