"""The archive's tables of one race: classification, entries (one row per car and driver, with
pace and pace rank in class) and weather, built from a parsed race.

The pace is ``best_10`` of :func:`stintlab.analysis.pace.driver_metrics` (mean of the driver's 10
fastest clean laps, the clean-lap filter of :func:`stintlab.analysis.annotate.annotate`): the
archive has no pace engine of its own, so an archived pace equals ``stintlab drivers``' best_10.
"""

from __future__ import annotations

import pandas as pd

from stintlab.analysis.pace import driver_metrics
from stintlab.archive.identity import driver_key

__all__ = [
    "CLASSIFICATION_COLUMNS",
    "ENTRY_COLUMNS",
    "WEATHER_COLUMNS",
    "driver_pace",
    "entries_from_crew",
    "entries_from_race",
    "pick_columns",
    "race_tables",
    "results_tables",
]

CLASSIFICATION_COLUMNS = [
    "position",
    "class_position",
    "car",
    "class",
    "team",
    "vehicle",
    "status",
    "laps",
    "total_time",
    "gap_first",
    "fastest_lap_time",
    "official",
]
ENTRY_COLUMNS = [
    "car",
    "driver",
    "driver_key",
    "slot",
    "class",
    "team",
    "manufacturer",
    "category",
    "country",
    "laps",
    "drive_time",
    "best_lap",
    "pace",
    "pace_laps",
    "pace_rank",
    "pace_field",
]
WEATHER_COLUMNS = [
    "time_utc",
    "time_utc_text",
    "air_temp_c",
    "track_temp_c",
    "humidity_pct",
    "pressure_hpa",
    "wind_speed",
    "wind_direction_deg",
    "rain",
    "air_temp",
    "track_temp",
    "temp_unit",
    "pressure",
    "pressure_unit",
]


def pick_columns(df: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """``df`` with exactly ``columns`` in that order (missing ones empty), index reset.

    >>> pick_columns(pd.DataFrame({"b": [1], "x": [2]}), ["a", "b"]).to_dict("list")
    {'a': [None], 'b': [1]}
    """
    out = pd.DataFrame(index=df.index)
    for c in columns:
        out[c] = df[c] if c in df.columns else pd.Series([None] * len(df), index=df.index, dtype="object")
    return out.reset_index(drop=True)


def driver_pace(laps: pd.DataFrame, clean: pd.DataFrame) -> pd.DataFrame:
    """Per (car, driver) of a lap table: laps driven, drive time (sum of lap times), best lap (of
    every lap), and ``pace`` / ``pace_laps``: ``best_10`` / ``best_10_n`` of
    :func:`stintlab.analysis.pace.driver_metrics` over the race's ``clean`` laps
    (:attr:`stintlab.race.Race.clean_laps`; NaN / 0 without a clean lap)."""
    d = laps[laps["driver"].notna().to_numpy()]
    g = d.groupby(["car", "driver"], sort=False, observed=True)["lap_time"]
    out = pd.DataFrame({"laps": g.size(), "drive_time": g.sum(), "best_lap": g.min()}).reset_index()
    m = driver_metrics(laps, clean)[["car", "driver", "best_10", "best_10_n"]]
    m = m.rename(columns={"best_10": "pace", "best_10_n": "pace_laps"})
    for df in (out, m):
        df["car"] = df["car"].astype("string")
        df["driver"] = df["driver"].astype("string")
    out = out.merge(m, on=["car", "driver"], how="left")
    out["pace_laps"] = out["pace_laps"].fillna(0).astype(int)
    return out


def entries_from_race(race) -> pd.DataFrame:
    """The entries of a race with laps: every driver of the lap file with his pace, plus the crew
    members of the official classification who never drove (0 laps)."""
    drivers = race.drivers.copy()
    drivers["car"] = drivers["car"].astype("string")
    drivers["driver"] = drivers["driver"].astype("string")
    pace = driver_pace(race.laps, race.clean_laps)
    e = drivers.merge(pace.drop(columns=["laps"]), on=["car", "driver"], how="left")
    manu = race.cars.set_index("car")["manufacturer"]
    e["manufacturer"] = e["car"].map(manu)
    e = e.rename(columns={"driver_slot": "slot"})
    crew = race.official_crew
    if crew is not None and len(crew):
        have = {(c, driver_key(d)) for c, d in zip(e["car"], e["driver"], strict=True)}
        have_slot = {(c, int(s)) for c, s in zip(e["car"], e["slot"], strict=True) if not pd.isna(s)}
        extra = [
            r
            for r in crew.itertuples()
            if (r.car, driver_key(r.driver)) not in have and (pd.isna(r.slot) or (r.car, int(r.slot)) not in have_slot)
        ]
        if extra:
            cars = race.cars.set_index("car")
            add = pd.DataFrame(
                {
                    "car": [r.car for r in extra],
                    "driver": [r.driver for r in extra],
                    "slot": [r.slot for r in extra],
                    "class": [cars["class"].get(r.car) for r in extra],
                    "team": [cars["team"].get(r.car) for r in extra],
                    "manufacturer": [cars["manufacturer"].get(r.car) for r in extra],
                    "category": [r.category for r in extra],
                    "country": [r.country for r in extra],
                    "laps": 0,
                    "pace_laps": 0,
                }
            )
            e = pd.concat([e, add], ignore_index=True)
    e["driver_key"] = [driver_key(d) for d in e["driver"]]
    e["pace_rank"] = e.groupby("class", dropna=False)["pace"].rank(method="min").astype("Int64")
    e["pace_field"] = e.groupby("class", dropna=False)["pace"].transform("count").astype("Int64")
    e.loc[e["pace"].isna(), "pace_field"] = pd.NA
    return pick_columns(e, ENTRY_COLUMNS).astype({"car": "string", "driver": "string", "driver_key": "string"})


def entries_from_crew(crew: pd.DataFrame | None, table: pd.DataFrame) -> pd.DataFrame:
    """The entries of a classification-only race: the official crews (no laps, no pace)."""
    if crew is None or crew.empty:
        return pick_columns(pd.DataFrame(columns=ENTRY_COLUMNS), ENTRY_COLUMNS)
    by_car = table.drop_duplicates("car").set_index("car")
    e = crew.copy()
    e["class"] = e["car"].map(by_car["class"]) if "class" in by_car else None
    e["team"] = e["car"].map(by_car["team"]) if "team" in by_car else None
    e["manufacturer"] = None
    e["driver_key"] = [driver_key(d) for d in e["driver"]]
    e["laps"] = pd.NA
    e["pace_laps"] = 0
    return pick_columns(e, ENTRY_COLUMNS).astype({"car": "string", "driver": "string", "driver_key": "string"})


def race_tables(race) -> dict[str, pd.DataFrame | None]:
    """The archive tables of a race read from its lap file (``laps`` is the race's lap table)."""
    cls = race.classification.copy()
    if "official" not in cls.columns:
        cls["official"] = False
    cls["official"] = cls["official"].fillna(False).astype(bool)
    return {
        "laps": race.laps,
        "classification": pick_columns(cls, CLASSIFICATION_COLUMNS).astype({"car": "string"}),
        "entries": entries_from_race(race),
        "weather": None if race.weather is None else pick_columns(race.weather, WEATHER_COLUMNS),
    }


def results_tables(results, weather: pd.DataFrame | None) -> dict[str, pd.DataFrame | None]:
    """The archive tables of a classification-only race (``results``: the parsed classification file)."""
    cls = results.table.copy()
    cls["official"] = True
    return {
        "laps": None,
        "classification": pick_columns(cls, CLASSIFICATION_COLUMNS).astype({"car": "string"}),
        "entries": entries_from_crew(results.crew, results.table),
        "weather": None if weather is None else pick_columns(weather, WEATHER_COLUMNS),
    }
