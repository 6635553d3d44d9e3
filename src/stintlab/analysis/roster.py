"""The race's roster from its lap table: one row per car and one per (car, driver), with the
official crew's FIA categories and countries when a results file gives them (``race.cars``,
``race.drivers``; :func:`stintlab.load` calls these).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from stintlab.analysis.order import last_rows
from stintlab.names import name_key

__all__ = ["cars_table", "drivers_table", "attach_official_crew"]


def cars_table(laps: pd.DataFrame) -> pd.DataFrame:
    """One row per car (``race.cars``): car, class, group, team, manufacturer, laps (last row of the
    car), crew (drivers in crew-slot order), drivers (how many), vehicle (<NA>: filled by readers
    that know it)."""
    last = laps.iloc[last_rows(laps)].set_index("car")  # each car's last row, in table order
    named = laps[["car", "driver", "driver_slot"]].dropna(subset=["driver"])
    # first row of each (car, driver) pair, by integer codes (the strings are hashed once each)
    car_codes = pd.factorize(named["car"])[0].astype(np.int64)
    driver_codes = pd.factorize(named["driver"])[0]
    first = np.sort(np.unique(car_codes * (int(driver_codes.max(initial=0)) + 1) + driver_codes, return_index=True)[1])
    crew = (
        named.iloc[first].sort_values(["car", "driver_slot"], kind="stable").groupby("car", sort=False)["driver"].agg(list)
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


def drivers_table(laps: pd.DataFrame, crew: pd.DataFrame | None, slot_matches: list | None = None) -> pd.DataFrame:
    """One row per (car, driver); ``slot_matches`` receives (car, driver, official name, slot) of the
    drivers matched to the official crew by slot (``race.issues``)."""
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
                    if slot_matches is not None:
                        slot_matches.append((r.car, r.driver, cand.driver, int(r.driver_slot)))
            cats.append(None if hit is None else hit.category)
            countries.append(None if hit is None else hit.country)
        out["category"] = pd.array(cats, dtype="string")
        out["country"] = pd.array(countries, dtype="string")
    out["driver"] = out["driver"].astype("string")
    out["car"] = out["car"].astype("string")
    return out[
        ["driver", "car", "driver_slot", "class", "team", "category", "country", "laps", "first_lap", "last_lap"]
    ]


def attach_official_crew(cars: pd.DataFrame, crew: pd.DataFrame | None) -> None:
    """Add ``official_crew`` (the results file's driver names per car) to ``cars``, in place."""
    if crew is None or crew.empty:
        return
    names = crew.groupby("car")["driver"].agg(list)
    cars["official_crew"] = [names.get(c, []) for c in cars["car"]]
