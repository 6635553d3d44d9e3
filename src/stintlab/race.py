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

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from stintlab.analysis.classification import derive_classification
from stintlab.io import files_of_format, read_file

__all__ = ["Race", "load", "name_key", "find_results_beside", "results_mismatch"]


def name_key(name) -> str:
    """A driver name reduced for matching: accents, case, punctuation and spacing removed.

    >>> name_key("Alessio PICARIELLO") == name_key("Alessio Picariello")
    True
    >>> name_key("Kévin  Estre") == name_key("Kevin ESTRE")
    True
    """
    if name is None or (isinstance(name, float) and np.isnan(name)) or name is pd.NA:
        return ""
    text = unicodedata.normalize("NFKD", str(name))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


@dataclass
class Race:
    """A loaded race. Every table is a plain pandas DataFrame.

    - ``laps``: the canonical lap table (:mod:`stintlab.schema`).
    - ``cars``: one row per car: car, class, group, team, manufacturer, crew (list of names), drivers, laps.
    - ``drivers``: one row per (car, driver): driver, car, driver_slot, class, team, category, laps, first_lap, last_lap.
    - ``classification``: official when a results file was given or found beside the lap file
      (column ``official`` True), else derived from the laps (:mod:`stintlab.analysis.classification`).
    - ``meta``: facts about the source (path, variant, separator, has_flags, start_time_of_day, ...).
    """

    laps: pd.DataFrame
    classification: pd.DataFrame
    cars: pd.DataFrame
    drivers: pd.DataFrame
    meta: dict = field(default_factory=dict)
    sections: pd.DataFrame | None = None
    official_crew: pd.DataFrame | None = None
    weather: pd.DataFrame | None = None

    @property
    def name(self) -> str:
        return self.meta.get("name", "race")

    @property
    def has_official_classification(self) -> bool:
        return bool(self.meta.get("results_path"))

    @property
    def derived_classification(self) -> pd.DataFrame:
        return derive_classification(self.laps)

    @property
    def duration(self) -> float:
        """Race time of the winner's last crossing, seconds."""
        return float(self.laps["elapsed"].max()) if len(self.laps) else 0.0

    def car_laps(self, car: str) -> pd.DataFrame:
        return self.laps[self.laps["car"] == str(car)]

    def __repr__(self) -> str:
        return f"<Race {self.name!r}: {len(self.cars)} cars, {len(self.laps)} laps, {self.meta.get('variant')}>"


def find_results_beside(path) -> Path | None:
    """An official classification in the same folder as ``path``, recognised by its header."""
    p = Path(path)
    found = files_of_format(p.parent, "classification", exclude=p)
    if len(found) == 1:
        return found[0]
    official = [f for f in found if "official" in f.name.lower() or "results" in f.name.lower()]
    return official[0] if len(official) == 1 else None


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
    wx = read_file(weather, expect="weather").table if weather is not None else None

    cars = _cars(laps)
    drivers = _drivers(laps, crew)
    if official is not None:
        classification = official.copy()
        classification["official"] = True
        derived = derive_classification(laps)[["car", "retired_in_pits", "last_lap_in_pit"]]
        classification = classification.merge(derived, on="car", how="left")
        _attach_official_crew(cars, crew)
    else:
        classification = derive_classification(laps)
    meta = dict(parsed.facts)
    meta.update(
        {
            "path": str(path),
            "name": _race_name(path),
            "format": "alkamel-analysis",
            "results_path": str(results_path) if official is not None else None,
            "classification_source": "official" if official is not None else "derived",
        }
    )
    if refused is not None:
        meta["results_refused"] = f"{results_path}: {refused}; the classification is derived from the laps"
    return Race(
        laps=laps,
        classification=classification,
        cars=cars,
        drivers=drivers,
        meta=meta,
        sections=parsed.sections,
        official_crew=crew,
        weather=wx,
    )


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
    in_laps = official["car"].astype(str).isin(set(laps["car"].astype(str)))
    if not in_laps.iloc[0]:
        return f"the classified winner, car {official['car'].iloc[0]}, has no lap in the lap file (another race's results?)"
    if in_laps.mean() < 0.5:
        return f"only {int(in_laps.sum())} of its {len(in_laps)} cars have laps in the lap file (another race's results?)"
    return None


def _race_name(path) -> str:
    p = Path(path)
    stem = p.stem
    generic = re.match(r"^(\d|23_analysis|race|le_mans|.*\d+h$|.*\d+km$)", stem.lower())
    return p.parent.name if generic and p.parent.name else stem


def _cars(laps: pd.DataFrame) -> pd.DataFrame:
    g = laps.groupby("car", sort=False, observed=True)
    last = g.tail(1).set_index("car")
    crew = (
        laps.dropna(subset=["driver"])
        .drop_duplicates(["car", "driver"])
        .sort_values(["car", "driver_slot"], kind="stable")
        .groupby("car", sort=False)["driver"]
        .agg(list)
    )
    out = pd.DataFrame(
        {
            "car": last.index.to_numpy(),
            "class": last["class"].to_numpy(),
            "group": last["group"].to_numpy(),
            "team": last["team"].to_numpy(),
            "manufacturer": last["manufacturer"].to_numpy(),
            "laps": last["lap"].to_numpy(),
        }
    )
    out["crew"] = [crew.get(c, []) for c in out["car"]]
    out["drivers"] = out["crew"].map(len)
    out["vehicle"] = pd.array([None] * len(out), dtype="string")
    out["car"] = out["car"].astype("string")
    return out


def _drivers(laps: pd.DataFrame, crew: pd.DataFrame | None) -> pd.DataFrame:
    d = laps.dropna(subset=["driver"])
    g = d.groupby(["car", "driver"], sort=False, observed=True)
    out = g.agg(
        driver_slot=("driver_slot", "first"),
        cls=("class", "first"),
        team=("team", "first"),
        laps=("lap", "size"),
        first_lap=("lap", "min"),
        last_lap=("lap", "max"),
    ).reset_index()
    out = out.rename(columns={"cls": "class"})
    out["category"] = pd.array([None] * len(out), dtype="string")
    out["country"] = pd.array([None] * len(out), dtype="string")
    if crew is not None and len(crew):
        by_name = {(r.car, name_key(r.driver)): r for r in crew.itertuples()}
        by_slot = {(r.car, int(r.slot)): r for r in crew.itertuples() if not pd.isna(r.slot)}
        cats, countries = [], []
        for r in out.itertuples():
            hit = by_name.get((r.car, name_key(r.driver)))
            if hit is None and not pd.isna(r.driver_slot):
                cand = by_slot.get((r.car, int(r.driver_slot)))
                # accept a slot match only when the surnames agree (initials, accents, spelling)
                if cand is not None and name_key(cand.last_name).split()[-1:] == name_key(r.driver).split()[-1:]:
                    hit = cand
            cats.append(None if hit is None else hit.category)
            countries.append(None if hit is None else hit.country)
        out["category"] = pd.array(cats, dtype="string")
        out["country"] = pd.array(countries, dtype="string")
    out["driver"] = out["driver"].astype("string")
    out["car"] = out["car"].astype("string")
    return out[["driver", "car", "driver_slot", "class", "team", "category", "country", "laps", "first_lap", "last_lap"]]


def _attach_official_crew(cars: pd.DataFrame, crew: pd.DataFrame | None) -> None:
    if crew is None or crew.empty:
        return
    names = crew.groupby("car")["driver"].agg(list)
    cars["official_crew"] = [names.get(c, []) for c in cars["car"]]
