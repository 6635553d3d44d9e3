"""Loading a lap file into a :class:`~stintlab.race.Race`: the reader, the official
classification and entry list found beside it, the roster and the race's metadata.
"""

from __future__ import annotations

import functools
import logging
import re
from pathlib import Path

import pandas as pd

from stintlab.analysis.classification import derive_classification, official_status, with_lapless_cars
from stintlab.analysis.roster import attach_official_crew, cars_table, drivers_table
from stintlab.display import car_key, in_car_order
from stintlab.event import complete_from_session, event_meta
from stintlab.io import ParsedFile, files_of_format, final_hourly_results, read_file, wige
from stintlab.io.racefiles import race_in_folder
from stintlab.log import issues_summary, logger
from stintlab.race import Race  # stintlab.race imports this module at its end: Race exists by then

__all__ = ["LOAD_INPUTS", "assemble", "load", "entry_list_beside", "find_results_beside", "results_mismatch"]


def entry_list_beside(path) -> Path | None:
    """``entry_list.csv`` (or ``.yaml``/``.yml``) in the folder of ``path``, if there is one."""
    if not path:
        return None
    for name in ("entry_list.csv", "entry_list.yaml", "entry_list.yml"):
        p = Path(path).parent / name
        if p.is_file():
            return p
    return None


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
    """Load a lap file (any supported variant), or the event folder holding one, into a :class:`Race`.

    ``results``: an official classification file; when None and ``find_results`` is true,
    a classification beside the lap file is used if there is exactly one.

    ``path`` may be an event folder: the race it holds is loaded, its files chosen by
    :func:`stintlab.io.racefiles.race_in_folder` (the owner the archive uses too): the lap file, the
    official classification beside it or else the final one of its ``official-hourly/`` files, the
    weather file; the WIGE result and sector times, the SRO pit-stop file and entry list beside the lap
    file. A folder without exactly one lap file raises :class:`~stintlab.errors.StintlabFolderError`.
    """
    if Path(path).is_dir():
        rf = race_in_folder(path)
        path = rf.laps
        if results is None and find_results:
            results, find_results = rf.official, False
        weather = rf.weather if weather is None else weather
    # WIGE: the lap file checked alone first (its errors before the result's), its table built once
    # with its companions below
    checked = wige.check_lap_file(path) if wige.is_lap_file(path) else None
    if checked is None:
        parsed = read_file(path, expect="laps", car_key=car_key)  # Al Kamel: cars in natural order at once
        laps = parsed.table
    else:
        laps = pd.DataFrame({"car": checked.cars})  # the cars only, for results_mismatch
    results_path = Path(results) if results is not None else (find_results_beside(path) if find_results else None)
    official = crew = None
    refused = None
    if results_path is not None:
        res = read_file(results_path, expect="classification")
        official, crew = res.table, res.crew
        refused = results_mismatch(official, laps)
        if refused is not None:  # another race's results: the derived classification instead
            official = crew = None
    if checked is not None:  # WIGE: sectors and pit stops in companion files
        wige_result = results_path if official is not None and res.facts.get("layout") == "wige" else None
        table, sections, facts = wige.read_laps(path, result=wige_result, sectors=wige.companions(path)[1],
                                                checked=checked, car_key=car_key)  # fmt: skip
        parsed = ParsedFile(str(path), "laps", table, facts, sections=sections, in_car_order=True)
        laps = parsed.table
    wx = read_file(weather, expect="weather").table if weather is not None else None

    if not parsed.in_car_order:
        laps = in_car_order(laps)  # cars in natural order ("2" before "19"), whatever the reader gave
    meta = dict(parsed.facts)
    meta.update({k: v for k, v in event_meta(path, results_path).items() if v is not None})
    complete_from_session(meta, parsed.facts.get("entry_session") or {})  # SRO: the entry list's session block
    meta.update(
        {
            "path": str(path),
            "name": _race_name(path),
            "format": parsed.facts.get("format", "alkamel-analysis"),
            "results_path": str(results_path) if official is not None else None,
            "classification_source": "official" if official is not None else "derived",
        }
    )
    if official is not None and res.facts.get("category_spellings"):
        meta["category_spellings"] = res.facts["category_spellings"]  # (line, column, as written, read as)
    if refused is not None:
        meta["results_refused"] = f"{results_path}: {refused}; the classification is derived from the laps"
        logger.warning("%s: results refused: %s", meta["name"], meta["results_refused"])
    sections = parsed.sections
    if sections is not None and not parsed.in_car_order:
        sections = in_car_order(sections)
    race = assemble(laps, meta, official=official, crew=crew, entry_crew=parsed.crew, sections=sections, weather=wx)
    if logger.isEnabledFor(logging.INFO):
        logger.info("%s: %s", race.name, issues_summary(race.issues))
    return race


#: the key under which :func:`assemble` keeps a Race's inputs (``race.once(LOAD_INPUTS, dict)``): the
#: tables a Race is rebuilt from without its files (the archive stores them with the lap table)
LOAD_INPUTS = ("load", "inputs")


def assemble(
    laps: pd.DataFrame,
    meta: dict,
    *,
    official: pd.DataFrame | None = None,
    crew: pd.DataFrame | None = None,
    entry_crew: pd.DataFrame | None = None,
    sections: pd.DataFrame | None = None,
    weather: pd.DataFrame | None = None,
) -> Race:
    """A Race from its parsed parts: the lap table in car order, the metadata (reader facts and event),
    the official classification and crew (None without a results file), the crew of an entry list read
    with the laps (SRO), the section table and the weather table. :func:`load` reads them from the
    files; the archive rebuilds a race from its stored tables with the same function, so both give the
    same cars, drivers and classifications."""
    lapless = meta.get("lapless_cars")
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
        table = drivers_table(laps, crew if crew is not None else entry_crew, slot_matches)
        if slot_matches:
            meta["crew_slot_matches"] = slot_matches  # (car, driver, official name, slot)
        return table

    def classification() -> pd.DataFrame:
        if official is None:
            return derived()
        table = official.assign(official=True)
        table = pd.concat([table, official_status(table).set_index(table.index)], axis=1)
        return table.merge(derived()[["car", "took_flag", "retired_in_pits", "last_lap_in_pit"]], on="car", how="left")

    race = Race(
        laps=laps,
        classification=None,
        cars=None,
        drivers=None,
        meta=meta,
        sections=sections,
        official_crew=crew,
        weather=weather,
    )
    race._builders.update({("derived_classification",): derived, ("table", "cars"): cars,
                           ("table", "drivers"): drivers, ("table", "classification"): classification})  # fmt: skip
    inputs = {"official": official, "crew": crew, "entry_crew": entry_crew}
    race.once(LOAD_INPUTS, lambda: inputs)
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
    cars = {str(c) for c in laps["car"].unique()}
    in_laps = [c in cars for c in official["car"].astype(str).tolist()]  # a few dozen cars: no pandas isin
    if not in_laps[0]:
        return f"the classified winner, car {official['car'].iloc[0]}, has no lap in the lap file (another race's results?)"
    if sum(in_laps) / len(in_laps) < 0.5:
        return f"only {sum(in_laps)} of its {len(in_laps)} cars have laps in the lap file (another race's results?)"
    return None


def _race_name(path) -> str:
    p = Path(path)
    stem = p.stem
    generic = re.match(r"^(\d|23_analysis|race|le_mans|renne|.*\d+h$|.*\d+km$|.*_sectorlistcsv)", stem.lower())
    return p.parent.name if generic and p.parent.name else stem
