"""A driver's season and career across every archived series.

Pace rank: each driver's *pace* is the mean of his 10 fastest clean laps in the race (green,
no in/out-lap, no pit time, not lap 1; fewer laps when he drove fewer), and ``pace_rank`` is his
rank by that pace among the drivers of his class in that race (``pace_field`` drivers ranked).
Classification-only races (no lap file) have no pace.

FIA category: the race's own (official IMSA classifications carry it); when the race has none
(WEC lap files), the archive's category registry (:mod:`stintlab.archive.registry`, the lookup of
every command): the driver's category of that season seen in other archived races
(``category_source = "season"``), else of the nearest other season (``"other season"``,
``season_observed`` saying which).

Computed by one SQL query (:data:`SEASON_SQL`) over the stored alias-resolved ``driver_id``
(:mod:`stintlab.archive.driverid`): the driver's entries, the field of his classes, each field
driver's registry category (per-season most frequent category by ``arg_min`` over a struct, the
nearest season's), the ranks within class and category (a join counting the faster drivers: DuckDB's
window functions cost more here) and the crews (``list(... ORDER BY slot)``). The rows come back as
tuples; the totals and seasons are computed on them, and the ``races`` frame the faces read is built
once at the end. The same query runs over a Parquet export (:mod:`stintlab.archive.dataset`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from stintlab.archive.identity import CATEGORY_ORDER, driver_key, resolve_key, season_category
from stintlab.archive.store import Archive
from stintlab.errors import StintlabUsageError

__all__ = ["find_driver", "driver_season", "driver_career", "PACE_METRIC"]

PACE_METRIC = "mean of the driver's 10 fastest clean laps; rank within class in that race"

SEASON_COLUMNS = [
    "date",
    "series",
    "season",
    "event",
    "session",
    "race_id",
    "car",
    "class",
    "team",
    "manufacturer",
    "driver",
    "category",
    "category_source",
    "season_observed",
    "crew",
    "position",
    "class_position",
    "status",
    "car_laps",
    "laps",
    "drive_time",
    "best_lap",
    "pace",
    "pace_rank",
    "pace_field",
    "pace_rank_category",
    "pace_field_category",
    "has_laps",
]


def find_driver(arc: Archive, name: str, aliases: dict | None = None) -> tuple[str, list[str]]:
    """The canonical key of ``name`` and every driver key that means that driver (aliases).

    An exact key (after aliases) wins; else a unique driver whose key contains every word of
    ``name`` (``"estre"`` → ``kevin estre``). Unknown or ambiguous names raise StintlabUsageError.
    Drivers are told apart by the stored ``driver_id`` (:mod:`stintlab.archive.driverid`).
    """
    aliases = arc.aliases() if aliases is None else aliases
    key = resolve_key(driver_key(name), aliases)
    if not key:
        raise StintlabUsageError("give a driver name")
    members = sorted({key} | {a for a in aliases if resolve_key(a, aliases) == key})
    if arc.con.execute("SELECT count(*) FROM entries WHERE driver_id = ?", [key]).fetchall()[0][0]:
        return key, members
    words = key.split()
    # only the drivers whose id holds every word (both rules below match within it): SQL, not Python
    cond = " AND ".join("contains(driver_id, ?)" for _ in words) or "true"
    known = arc.con.execute(
        f"SELECT DISTINCT driver_key, driver_id FROM entries WHERE driver_id IS NOT NULL AND {cond}", words
    ).fetchall()
    canon_set = {c for _, c in known}
    hits = sorted({c for c in canon_set if all(w in c.split() for w in words)})
    if not hits:
        hits = sorted({c for c in canon_set if all(w in c for w in words)})
    if len(hits) != 1:
        if not hits:
            raise StintlabUsageError(f"no driver {name!r} in the archive {arc.path}")
        shown = ", ".join(hits[:10]) + (" ..." if len(hits) > 10 else "")
        raise StintlabUsageError(f"driver {name!r} is ambiguous: {shown}")
    key = hits[0]
    return key, sorted(k for k, c in known if c == key)


def _display_name(names: list) -> str:
    """The most frequent spelling, preferring mixed case (``Kevin Estre`` over ``Kévin ESTRE``);
    ties keep the first seen."""
    if not names:
        return ""
    counts: dict = {}
    for n in names:
        counts[n] = counts.get(n, 0) + 1
    ranked = sorted(counts, key=lambda n: -counts[n])  # stable: ties in first-seen order
    mixed = [n for n in ranked if not any(w.isupper() and len(w) > 1 for w in str(n).split())]
    return str(mixed[0] if mixed else ranked[0])


_ORDER = " ".join(f"WHEN '{c}' THEN {i}" for c, i in CATEGORY_ORDER.items())

#: one driver's races (his class in each race as the field), with the FIA category of every driver
#: of those classes (the race's own, else the registry's: the nearest season's most frequent, ties
#: to the higher grade and then the later season) and the pace ranks within class and category.
#: Parameters: the driver id, then the season (or NULL for every season).
SEASON_SQL = f"""
WITH own AS (  -- his entries (every column shown comes from here)
    SELECT e.*, r.season FROM entries e JOIN races r USING (race_id)
    WHERE e.driver_id = $key AND ($season IS NULL OR r.season = $season)
),
mine AS (SELECT DISTINCT race_id, car, class FROM own),
classes AS (SELECT DISTINCT race_id, class FROM mine),
fld AS (  -- narrow: the rows of his crews and the paced drivers of his classes
    SELECT e.race_id, e.car, e.class, e.driver, e.driver_id, e.slot, e.laps, e.pace,
           nullif(e.category, '') AS race_cat, r.season, m.car IS NOT NULL AS in_crew
    FROM entries e
    JOIN classes USING (race_id, class)
    JOIN races r USING (race_id)
    LEFT JOIN mine m ON m.race_id = e.race_id AND m.car = e.car
    WHERE m.car IS NOT NULL OR (e.pace IS NOT NULL AND NOT isnan(e.pace))
),
need AS (
    SELECT DISTINCT driver_id, season FROM fld
    WHERE race_cat IS NULL AND (in_crew OR pace IS NOT NULL) AND driver_id IS NOT NULL
),
reg AS (
    SELECT driver_id, season, nullif(category, '') AS category FROM driver_categories
    WHERE kind IN ('observed', 'entry list') AND driver_id IN (SELECT driver_id FROM need)
),
per_season AS (  -- identity.season_category of each (driver, season) seen in the registry
    SELECT s.driver_id, s.season, b.category FROM (SELECT DISTINCT driver_id, season FROM reg) s
    LEFT JOIN (
        SELECT driver_id, season,
               arg_min(category, (-n, CASE category {_ORDER} ELSE 9 END, category)) AS category
        FROM (SELECT driver_id, season, category, count(*) AS n FROM reg WHERE category IS NOT NULL GROUP BY ALL)
        GROUP BY ALL
    ) b USING (driver_id, season)
),
pick AS (  -- the nearest season's category (ties: the later season)
    SELECT n.driver_id, n.season,
        arg_min({{'category': p.category, 'seen': p.season}}, (abs(p.season - n.season), -p.season)) AS hit
    FROM need n JOIN per_season p ON p.driver_id = n.driver_id
    GROUP BY n.driver_id, n.season
),
cat AS NOT MATERIALIZED (  -- inlined in its consumers: cheaper than storing its rows
    SELECT f.*,
        coalesce(f.race_cat, p.hit.category) AS category,
        CASE WHEN f.race_cat IS NOT NULL THEN 'race' WHEN p.hit IS NULL THEN NULL
             WHEN p.hit.seen = f.season THEN 'season' ELSE 'other season' END AS category_source,
        CASE WHEN f.race_cat IS NOT NULL THEN f.season ELSE p.hit.seen END AS season_observed
    FROM fld f LEFT JOIN pick p ON p.driver_id = f.driver_id AND p.season = f.season
),
me AS (  -- the driver's row of each of his cars (his first crew slot) with his category
    SELECT DISTINCT ON (o.race_id, o.car) o.*,
        coalesce(nullif(o.category, ''), p.hit.category) AS cat,
        CASE WHEN nullif(o.category, '') IS NOT NULL THEN 'race' WHEN p.hit IS NULL THEN NULL
             WHEN p.hit.seen = o.season THEN 'season' ELSE 'other season' END AS category_source,
        CASE WHEN nullif(o.category, '') IS NOT NULL THEN o.season ELSE p.hit.seen END AS season_observed
    FROM own o LEFT JOIN pick p ON p.driver_id = o.driver_id AND p.season = o.season
    WHERE o.class IS NOT NULL  -- as the field: a row without a class has none
    ORDER BY o.race_id, o.car, o.slot NULLS LAST, o.driver
),
ranks AS (  -- rank = 1 + the drivers of his class and category strictly faster (no window: a join)
    SELECT m.race_id, m.car, 1 + count(*) FILTER (WHERE f.pace < m.pace) AS pace_rank_category,
           count(*) AS pace_field_category
    FROM me m JOIN cat f ON f.race_id = m.race_id AND f.class = m.class AND f.category = m.cat
    WHERE m.pace IS NOT NULL AND NOT isnan(m.pace) AND f.pace IS NOT NULL AND NOT isnan(f.pace)
    GROUP BY m.race_id, m.car
),
crews AS (
    SELECT race_id, car,
        list({{'driver': driver, 'category': category, 'category_source': category_source, 'laps': laps}}
             ORDER BY slot NULLS LAST, driver) AS crew
    FROM cat WHERE in_crew GROUP BY race_id, car
)
SELECT r.date, r.series, r.season, r.event, r.session, k.race_id, k.car, k.class, k.team, k.manufacturer,
       k.driver, k.cat, k.category_source, k.season_observed, c.crew,
       cl.position, cl.class_position, cl.status, cl.laps AS car_laps, k.laps, k.drive_time, k.best_lap,
       k.pace, k.pace_rank, k.pace_field, q.pace_rank_category, q.pace_field_category, r.has_laps
FROM me k
JOIN races r ON r.race_id = k.race_id
LEFT JOIN crews c ON c.race_id = k.race_id AND c.car = k.car
LEFT JOIN ranks q ON q.race_id = k.race_id AND q.car = k.car
LEFT JOIN classification cl ON cl.race_id = k.race_id AND cl.car = k.car
"""

#: the dtypes of the ``races`` frame (what a DuckDB result read into pandas gives those columns)
_DTYPES = {"season_observed": "Int64", "season": "int32"}


def _season_rows(arc: Archive, key: str, season: int | None) -> list[tuple]:
    return arc.con.execute(SEASON_SQL, {"key": key, "season": None if season is None else int(season)}).fetchall()


def _season(arc: Archive, name: str, year: int | None) -> tuple[str, str, list[list]]:
    """(key, display name, rows in SEASON_COLUMNS order) of a driver's races in ``year`` (None: all)."""
    aliases = arc.aliases()
    key = resolve_key(driver_key(name), aliases)
    rows = _season_rows(arc, key, year) if key else []
    if not rows:  # unknown key, a part of a name, or no race that year: let find_driver tell
        key, _members = find_driver(arc, name, aliases)
        rows = _season_rows(arc, key, year)
    # ordered here (season, date with undated last, race, car): a few rows, and DuckDB's sort of
    # them costs more than the rest of the query on a small result
    rows = sorted((_plain(r) for r in rows), key=_order)
    display = _display_name([r[_I["driver"]] for r in rows]) if rows else name
    return key, display, rows


def driver_season(arc: Archive, name: str, year: int | None) -> dict:
    """Every archived race of a driver in ``year`` (all seasons when None), with totals.

    One SQL query (:data:`SEASON_SQL`) over the stored ``driver_id``; its rows become the
    ``races`` frame only at the end, for the faces. Returns ``{"driver", "key", "year", "races":
    DataFrame (SEASON_COLUMNS), "totals": dict, "pace_metric"}``.
    """
    key, display, rows = _season(arc, name, year)
    return {
        "driver": display,
        "key": key,
        "year": year,
        "races": _frame(rows),
        "totals": _totals(rows),
        "pace_metric": PACE_METRIC,
    }


_I = {c: i for i, c in enumerate(SEASON_COLUMNS)}


def _order(r: list) -> tuple:
    date = r[_I["date"]]
    return (r[_I["season"]], date is None, date or "", r[_I["race_id"]], r[_I["car"]])


def _plain(row: tuple) -> list:
    r = list(row)
    d = r[0]
    r[0] = None if d is None else str(d)[:10]
    return r


def _frame(rows: list[list]) -> pd.DataFrame:
    """The ``races`` frame of the faces, with the dtypes a DuckDB result read into pandas has
    (nullable ``Int32`` for integer columns, ``int32`` season, float seconds)."""
    cols = list(zip(*rows, strict=True)) if rows else [() for _ in SEASON_COLUMNS]
    data = {}
    for c, v in zip(SEASON_COLUMNS, cols, strict=True):
        if c in _INTS:
            data[c] = pd.array(list(v), dtype="Int32")
        elif c in _FLOATS:
            data[c] = np.array([np.nan if x is None else x for x in v], dtype=float)
        elif c == "season":
            data[c] = np.array(v, dtype="int32")
        elif c == "season_observed":
            data[c] = pd.array(list(v), dtype="Int64")
        elif c == "has_laps":
            data[c] = np.array(v, dtype=bool)
        elif c in _LISTED:  # built from a Python list, as before: int64 when every driver has one
            data[c] = pd.Series(list(v), dtype=object).infer_objects() if v else pd.Series([], dtype=object)
        else:
            arr = np.empty(len(v), dtype=object)
            for i, x in enumerate(v):  # element by element: a column of equal-length lists stays 1-D
                arr[i] = x
            data[c] = arr
    return pd.DataFrame(data, columns=SEASON_COLUMNS)


_FLOATS = {"drive_time", "best_lap", "pace"}
_INTS = {"position", "class_position", "car_laps", "laps", "pace_rank", "pace_field"}
_LISTED = {"pace_rank_category", "pace_field_category"}


def _totals(rows: list[list]) -> dict:
    cp = [r[_I["class_position"]] for r in rows if r[_I["class_position"]] is not None]
    return {
        "races": len({r[_I["race_id"]] for r in rows}),
        "series": sorted({str(r[_I["series"]]) for r in rows if r[_I["series"]] is not None}),
        "cars": len(rows),
        "class_wins": sum(1 for c in cp if c == 1),
        "class_podiums": sum(1 for c in cp if c <= 3),
        "best_class_position": min(cp) if cp else None,
        "laps": int(sum(r[_I["laps"]] for r in rows if r[_I["laps"]] is not None)),
        "drive_time": round(_fsum(r[_I["drive_time"]] for r in rows), 3),
        "races_without_laps": sum(1 for r in rows if not r[_I["has_laps"]]),
    }


def _fsum(values) -> float:
    """The sum pandas gives a float column (NaN/None skipped; numpy's pairwise summation)."""
    v = np.array([x for x in values if x is not None], dtype=float)
    return float(np.nansum(v)) if len(v) else 0.0


def driver_career(arc: Archive, name: str) -> dict:
    """Season by season totals of a driver, plus every race (see :func:`driver_season`)."""
    key, display, rows = _season(arc, name, None)
    by_season: dict[int, list[list]] = {}
    for r in rows:
        by_season.setdefault(int(r[_I["season"]]), []).append(r)
    seasons = []
    for season in sorted(by_season):
        grp = by_season[season]
        cats = [r[_I["category"]] for r in grp if r[_I["category"]] is not None]
        seasons.append(
            {
                "season": season,
                "category": season_category(cats) if cats else None,
                "classes": sorted({str(r[_I["class"]]) for r in grp if r[_I["class"]] is not None}),
                "teams": sorted({str(r[_I["team"]]) for r in grp if r[_I["team"]] is not None}),
                **_totals(grp),
            }
        )
    return {
        "driver": display,
        "key": key,
        "seasons": seasons,
        "races": _frame(rows),
        "totals": _totals(rows),
        "pace_metric": PACE_METRIC,
    }
