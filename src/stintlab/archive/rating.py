"""The archive side of the driver rating (:mod:`stintlab.analysis.rating`): every archived driver's
10-lap mean per race (``entries.pace``) with the race's order and season, names joined through the alias
table, and each rated driver's FIA category from the registry (latest season seen)."""

from __future__ import annotations

import pandas as pd

from stintlab.analysis.rating import ratings
from stintlab.archive.db import Archive
from stintlab.archive.identity import resolve_key
from stintlab.archive.registry import load_registry, season_lookup

__all__ = ["rated_drivers", "rating_table"]


def rating_table(arc: Archive) -> pd.DataFrame:
    """race_id, series, season, order, class, driver_key (canonical), driver, pace, pace_laps of every archived
    driver with a pace. ``order``: the race date (mid-season when the race has none)."""
    t = arc.df(
        "SELECT e.race_id, r.series, r.season, r.date, e.class, e.driver_key, e.driver, e.pace, e.pace_laps "
        "FROM entries e JOIN races r USING (race_id) WHERE e.pace IS NOT NULL"
    )
    aliases = arc.aliases()
    t["driver_key"] = [resolve_key(k, aliases) for k in t["driver_key"]]
    date = pd.to_datetime(t["date"], errors="coerce")
    mid = pd.to_datetime(t["season"].astype(int).astype(str) + "-07-01")
    t["order"] = date.fillna(mid).astype("int64")
    return t.drop(columns=["date"])


def rated_drivers(arc: Archive) -> pd.DataFrame:
    """:func:`stintlab.analysis.rating.ratings` over the whole archive, with ``category``,
    ``category_season`` and ``category_series`` from the registry (null when it never graded the driver), and
    ``rank`` in the family. Columns: the schema table ``ratings`` (:mod:`stintlab.schema.category_tables`)."""
    r = ratings(rating_table(arc))
    reg = load_registry(arc)
    look = season_lookup(reg, list(r["driver_key"].unique()), None)
    r["category"] = r["driver_key"].map(look["category"]).astype("string")
    r["category_season"] = r["driver_key"].map(look["season_observed"]).astype("Int64")
    r["category_series"] = r["driver_key"].map(look["series"]).astype("string")
    r["rank"] = (r.groupby("family").cumcount() + 1).astype("int64")  # ratings() sorts by family then rating
    return r
