"""The archive side of the driver rating (:mod:`stintlab.analysis.rating`): every archived driver's
10-lap mean per race (``entries.pace``) with the race's order and season, his 10-minute-window gap per race
(from the archived laps), names joined through the alias table, and each rated driver's FIA category from the
registry (latest season seen)."""

from __future__ import annotations

import pandas as pd

from stintlab.analysis.rating import ratings
from stintlab.archive.db import Archive
from stintlab.archive.identity import resolve_key
from stintlab.archive.registry import load_registry, season_lookup

__all__ = ["rated_drivers", "rating_table", "window_table"]

#: per race, class and 10-minute window of race time (by lap mid-point): each driver's median green lap
#: (flag GF when the race has flags; no pit time, not an in- or out-lap, not lap 1) against the class's
#: median of those, in % clipped to +-6; per driver the median over his windows (windows of 3+ drivers)
_WINDOW_SQL = """
WITH l AS (
  SELECT race_id, class, driver, lap_time, flag, floor((elapsed - lap_time / 2) / {window}) AS w,
         bool_or(flag IS NOT NULL) OVER (PARTITION BY race_id) AS has_flags
  FROM laps
  WHERE lap_time > 0 AND lap > 1 AND pit_time IS NULL AND NOT coalesce(in_lap, false)
        AND NOT coalesce(out_lap, false) AND driver IS NOT NULL),
d AS (SELECT race_id, class, w, driver, median(lap_time) AS t FROM l
      WHERE NOT has_flags OR trim(flag) = 'GF' GROUP BY ALL),
c AS (SELECT *, count(*) OVER (PARTITION BY race_id, class, w) AS n,
             median(t) OVER (PARTITION BY race_id, class, w) AS m FROM d)
SELECT race_id, class, driver, median(greatest(least(100 * (t / m - 1), {clip}), -{clip})) AS gap,
       count(*) AS windows
FROM c WHERE n >= 3 GROUP BY ALL"""


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


def window_table(arc: Archive, races: pd.DataFrame | None = None) -> pd.DataFrame:
    """race_id, order, season, class, driver_key (canonical), gap, windows: each driver's window gap per race
    (:data:`_WINDOW_SQL`), the second observation of the rating (:func:`stintlab.analysis.rating.window_gaps`).
    ``races``: :func:`rating_table` when already read (its race order and season are used)."""
    from stintlab.analysis.rating import CLIP, WINDOW
    from stintlab.archive.identity import driver_key

    t = arc.df(_WINDOW_SQL.format(window=float(WINDOW), clip=float(CLIP)))
    races = rating_table(arc) if races is None else races
    meta = races.drop_duplicates("race_id").set_index("race_id")[["order", "season"]]
    t = t[t["race_id"].isin(meta.index)].join(meta, on="race_id")
    aliases = arc.aliases()
    keys = {n: resolve_key(driver_key(n), aliases) for n in t["driver"].unique()}
    t["driver_key"] = t["driver"].map(keys)
    return t[["race_id", "order", "season", "class", "driver_key", "gap", "windows"]].reset_index(drop=True)


def rated_drivers(arc: Archive) -> pd.DataFrame:
    """:func:`stintlab.analysis.rating.ratings` over the whole archive, with ``category``,
    ``category_season`` and ``category_series`` from the registry (null when it never graded the driver), and
    ``rank`` in the family. Columns: the schema table ``ratings`` (:mod:`stintlab.schema.category_tables`)."""
    table = rating_table(arc)
    r = ratings(table, windows=window_table(arc, table))
    reg = load_registry(arc)
    look = season_lookup(reg, list(r["driver_key"].unique()), None)
    r["category"] = r["driver_key"].map(look["category"]).astype("string")
    r["category_season"] = r["driver_key"].map(look["season_observed"]).astype("Int64")
    r["category_series"] = r["driver_key"].map(look["series"]).astype("string")
    r["rank"] = (r.groupby("family").cumcount() + 1).astype("int64")  # ratings() sorts by family then rating
    return r
