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
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from stintlab.archive.identity import driver_key, resolve_key, season_category
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
    """
    aliases = arc.aliases() if aliases is None else aliases
    key = resolve_key(driver_key(name), aliases)
    if not key:
        raise StintlabUsageError("give a driver name")
    members = sorted({key} | {a for a in aliases if resolve_key(a, aliases) == key})
    marks = ", ".join("?" for _ in members)
    if arc.con.execute(f"SELECT count(*) FROM entries WHERE driver_key IN ({marks})", members).fetchall()[0][0]:
        return key, members
    known = arc.con.execute("SELECT DISTINCT driver_key FROM entries").fetchall()
    canon = {k: resolve_key(k, aliases) for (k,) in known if k}
    canon_set = set(canon.values())
    words = key.split()
    hits = sorted({c for c in canon_set if all(w in c.split() for w in words)})
    if not hits:
        hits = sorted({c for c in canon_set if all(w in c for w in words)})
    if len(hits) != 1:
        if not hits:
            raise StintlabUsageError(f"no driver {name!r} in the archive {arc.path}")
        shown = ", ".join(hits[:10]) + (" ..." if len(hits) > 10 else "")
        raise StintlabUsageError(f"driver {name!r} is ambiguous: {shown}")
    key = hits[0]
    return key, sorted(k for k, c in canon.items() if c == key)


def _display_name(names: pd.Series) -> str:
    """The most frequent spelling, preferring mixed case (``Kevin Estre`` over ``Kévin ESTRE``)."""
    if names.empty:
        return ""
    counts = names.value_counts()
    mixed = [n for n in counts.index if not any(w.isupper() and len(w) > 1 for w in str(n).split())]
    return str(mixed[0] if mixed else counts.index[0])


_RACES_SQL = """
    WITH mine AS (
        SELECT DISTINCT e.race_id, e.car, e.class FROM entries e JOIN races r USING (race_id) WHERE {where}
    ),
    classes AS (SELECT DISTINCT race_id, class FROM mine)
    SELECT r.date, r.series, r.season, r.event, r.session, r.race_id, r.has_laps,
           e.car, e.class, e.team, e.manufacturer, e.driver, e.driver_key, e.category, e.slot,
           e.laps, e.drive_time, e.best_lap, e.pace, e.pace_rank, e.pace_field,
           c.position, c.class_position, c.status, c.laps AS car_laps, m.car IS NOT NULL AS in_crew
    FROM entries e
    JOIN classes USING (race_id, class)
    JOIN races r USING (race_id)
    LEFT JOIN mine m ON m.race_id = e.race_id AND m.car = e.car
    LEFT JOIN classification c ON c.race_id = e.race_id AND c.car = e.car AND m.car IS NOT NULL
    ORDER BY r.season, r.date NULLS LAST, r.race_id, e.car, e.slot NULLS LAST, e.driver
"""


def _race_entries(arc: Archive, keys: list[str], season: int | None) -> pd.DataFrame:
    """Every entry of the classes the driver ``keys`` raced in (his class in each of his races);
    ``in_crew`` marks his cars' crews (which also carry the race result)."""
    where = f"e.driver_key IN ({', '.join('?' for _ in keys)})" + (" AND r.season = ?" if season is not None else "")
    params = list(keys) + ([int(season)] if season is not None else [])
    return arc.con.execute(_RACES_SQL.format(where=where), params).df()


def _season_categories(
    arc: Archive, seasons: list[int], aliases: dict, keys=None
) -> _SeasonCategories:
    """(canonical driver key, season) → (category, season observed), from the archive's category
    registry with the rule of :func:`stintlab.archive.registry.season_lookup` (the lookup every
    command uses): the season's own observations, else the nearest season's (ties: the later),
    the season's category by :func:`~stintlab.archive.identity.season_category`. Only the rows of
    ``keys`` (and their aliases) are read, as plain tuples (no frame per driver)."""
    if not seasons:
        return _SeasonCategories({})
    sql = "SELECT driver_key, season, category FROM driver_categories WHERE kind IN ('observed', 'entry list')"
    params: list = []
    canon = None
    if keys is not None:
        canon = {resolve_key(k, aliases) for k in keys if isinstance(k, str)}
        raw = sorted(canon | {a for a in aliases if resolve_key(a, aliases) in canon})
        sql += " AND driver_key IN (SELECT unnest(?::VARCHAR[]))"
        params = [raw]
    by_key: dict[str, dict[int, list]] = {}
    for k, season, cat in arc.con.execute(sql, params).fetchall():
        by_key.setdefault(resolve_key(k, aliases), {}).setdefault(int(season), []).append(cat)
    if canon is not None:
        by_key = {k: v for k, v in by_key.items() if k in canon}
    return _SeasonCategories(by_key)


class _SeasonCategories:
    """(key, season) → (category, season observed), computed on first ``get`` (a field of thousands
    of drivers asks for a few seasons each, not every season of every driver)."""

    def __init__(self, by_key: dict[str, dict[int, list]]):
        self.by_key = by_key
        self.memo: dict[tuple[str, int], tuple | None] = {}

    def get(self, item, default=None):
        if item not in self.memo:
            per = self.by_key.get(item[0])
            if not per:
                self.memo[item] = None
            else:
                season = int(item[1])
                pick = min(per, key=lambda s: (abs(s - season), -s))
                self.memo[item] = (season_category(per[pick]), pick)
        hit = self.memo[item]
        return default if hit is None else hit


def _source(hit, season) -> str | None:
    """``season`` for a category of the same season, ``other season`` for the nearest other one."""
    if hit is None:
        return None
    return "season" if hit[1] == int(season) else "other season"


def _crews(crew: pd.DataFrame, season_cats: dict, aliases: dict) -> dict[tuple[str, str], list[dict]]:
    crews: dict[tuple[str, str], list[dict]] = {}
    cols = [crew[c].tolist() for c in ("race_id", "car", "driver", "driver_key", "category", "laps", "season")]
    for race_id, car, driver, key, category, laps, season in zip(*cols, strict=True):
        cat, src = (category, "race") if isinstance(category, str) and category else (None, None)
        if cat is None:
            hit = season_cats.get((resolve_key(key, aliases), int(season)))
            cat, src = (hit[0] if hit else None), _source(hit, season)
        crews.setdefault((race_id, car), []).append(
            {"driver": driver, "category": cat, "category_source": src, "laps": None if pd.isna(laps) else int(laps)}
        )
    return crews


def _category_ranks(field: pd.DataFrame, season_cats: dict, aliases: dict, rows: pd.DataFrame) -> list[tuple]:
    """Per row of ``rows``: the driver's pace rank among the drivers of his class *and FIA category*
    in that race, and how many such drivers have a pace (each driver's category from the race, else
    from the season)."""
    race = field["race_id"].to_numpy(dtype=object)
    cls = field["class"].to_numpy(dtype=object)
    pace = field["pace"].to_numpy(dtype=float)
    cat = np.array(
        [
            c if isinstance(c, str) and c else (season_cats.get((resolve_key(k, aliases), int(s))) or (None,))[0]
            for k, c, s in zip(
                field["driver_key"].tolist(), field["category"].tolist(), field["season"].tolist(), strict=True
            )
        ],
        dtype=object,
    )
    # per (race, class, category): the sorted paces; a rank is 1 + the paces strictly faster
    groups: dict[tuple, list] = {}
    for key, p in zip(zip(race.tolist(), cls.tolist(), cat.tolist(), strict=True), pace.tolist(), strict=True):
        if not np.isnan(p):
            groups.setdefault(key, []).append(p)
    sorted_paces = {k: np.sort(np.asarray(v, dtype=float)) for k, v in groups.items()}
    out = []
    for rid, c, category, p in zip(rows["race_id"], rows["class"], rows["category"], rows["pace"], strict=True):
        if p is None or pd.isna(p) or not isinstance(category, str):
            out.append((None, None))
            continue
        same = sorted_paces.get((rid, c, category))
        if same is None:
            out.append((None, None))
            continue
        out.append((1 + int(np.searchsorted(same, float(p), side="left")), int(len(same))))
    return out


def driver_season(arc: Archive, name: str, year: int | None) -> dict:
    """Every archived race of a driver in ``year`` (all seasons when None), with totals.

    Returns ``{"driver", "key", "year", "races": DataFrame (SEASON_COLUMNS), "totals": dict,
    "pace_metric"}``.
    """
    aliases = arc.aliases()
    key = resolve_key(driver_key(name), aliases)
    members = sorted({key} | {a for a in aliases if resolve_key(a, aliases) == key}) if key else []
    allrows = _race_entries(arc, members, year) if members else pd.DataFrame()
    if allrows.empty:  # unknown key, a part of a name, or no race that year: let find_driver tell
        key, members = find_driver(arc, name, aliases)
        allrows = _race_entries(arc, members, year)
    if allrows.empty:
        allrows = pd.DataFrame(columns=[*SEASON_COLUMNS, "driver_key", "slot", "in_crew"])
    crew = allrows[allrows["in_crew"].to_numpy(dtype=bool)]
    field = allrows[allrows["pace"].notna().to_numpy(dtype=bool)]
    mine = crew["driver_key"].isin(members).to_numpy(dtype=bool)
    rows = crew[mine].drop_duplicates(["race_id", "car"]).reset_index(drop=True)
    seasons = sorted({int(s) for s in rows["season"]})
    season_cats = _season_categories(arc, seasons, aliases, set(crew["driver_key"]) | set(field["driver_key"]))
    crews = _crews(crew, season_cats, aliases)
    cats, srcs, seen = [], [], []
    for c, season in zip(rows["category"].tolist(), rows["season"].tolist(), strict=True):
        if isinstance(c, str) and c:
            cats.append(c)
            srcs.append("race")
            seen.append(int(season))
        else:
            hit = season_cats.get((key, int(season)))
            cats.append(hit[0] if hit else None)
            srcs.append(_source(hit, season))
            seen.append(hit[1] if hit else None)
    rows["category"] = cats
    rows["category_source"] = srcs
    rows["season_observed"] = pd.array(seen, dtype="Int64")
    rows["crew"] = [crews.get(p, []) for p in zip(rows["race_id"], rows["car"], strict=True)]
    ranks = _category_ranks(field, season_cats, aliases, rows)
    rows["pace_rank_category"] = [r[0] for r in ranks]
    rows["pace_field_category"] = [r[1] for r in ranks]
    rows["date"] = [None if d is None or pd.isna(d) else str(d)[:10] for d in rows["date"]]
    display = _display_name(rows["driver"]) if len(rows) else name
    out = rows.reindex(columns=SEASON_COLUMNS)
    return {
        "driver": display,
        "key": key,
        "year": year,
        "races": out,
        "totals": _totals(out),
        "pace_metric": PACE_METRIC,
    }


def _totals(rows: pd.DataFrame) -> dict:
    cp = pd.to_numeric(rows["class_position"], errors="coerce")
    laps = pd.to_numeric(rows["laps"], errors="coerce")
    return {
        "races": int(rows["race_id"].nunique()),
        "series": sorted({str(s) for s in rows["series"].dropna()}),
        "cars": int(len(rows)),
        "class_wins": int((cp == 1).sum()),
        "class_podiums": int((cp <= 3).sum()),
        "best_class_position": None if cp.isna().all() else int(cp.min()),
        "laps": int(laps.sum(skipna=True)),
        "drive_time": round(float(pd.to_numeric(rows["drive_time"], errors="coerce").sum(skipna=True)), 3),
        "races_without_laps": int((~rows["has_laps"].astype(bool)).sum()),
    }


def driver_career(arc: Archive, name: str) -> dict:
    """Season by season totals of a driver, plus every race (see :func:`driver_season`)."""
    allr = driver_season(arc, name, None)
    races = allr["races"]
    seasons = []
    for season, grp in races.groupby("season", sort=True):
        t = _totals(grp)
        cats = grp["category"].dropna()
        seasons.append(
            {
                "season": int(season),
                "category": season_category(cats) if len(cats) else None,
                "classes": sorted({str(c) for c in grp["class"].dropna()}),
                "teams": sorted({str(c) for c in grp["team"].dropna()}),
                **t,
            }
        )
    return {
        "driver": allr["driver"],
        "key": allr["key"],
        "seasons": seasons,
        "races": races,
        "totals": _totals(races),
        "pace_metric": PACE_METRIC,
    }
