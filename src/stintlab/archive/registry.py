"""The category registry: every FIA driver category the archive has seen, with where it was seen.

Table ``driver_categories`` (one row per driver per race that graded him): driver_key, driver (as
written), season, series, category, race_id, car, source_file, kind (``observed``: an official
classification carrying categories, e.g. IMSA ``DRIVERn_LICENSE``; ``entry list``: an entry list
beside the race's file; ``estimated``), confidence (1.0 for observations). Filled in the race's
ingest transaction (:func:`registry_rows`); an archive made before the registry is filled from its
entries when opened for writing.

A driver's category for a season (:func:`season_lookup`): the observations of that season (the most
frequent category, ties to the higher grade, :func:`stintlab.archive.identity.season_category`),
the other categories of that season given as ``conflict``; with none that season, the nearest
season's (a later one on a tie), ``season_observed`` saying which. Names are joined by their
identity key and the archive's alias table.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from stintlab.analysis.categories import read_entry_list
from stintlab.analysis.estimate import MIN_PROBABILITY, estimate, features, fit
from stintlab.archive.db import Archive, default_db_path
from stintlab.archive.identity import CATEGORY_ORDER, driver_key, resolve_key, season_category, suggest_aliases
from stintlab.errors import StintlabUsageError

__all__ = [
    "ESTIMATED_CATEGORIES",
    "LOOKUP_COLUMNS",
    "REGISTRY_COLUMNS",
    "alias_hints",
    "category_lookup",
    "driver_history",
    "estimate_race",
    "import_entry_list",
    "load_registry",
    "registry_rows",
    "race_season",
    "season_lookup",
    "training_table",
]

REGISTRY_COLUMNS = [
    "driver_key", "driver", "season", "series", "category", "race_id", "car", "source_file", "kind", "confidence",
]  # fmt: skip
LOOKUP_COLUMNS = ["category", "season_observed", "series", "race_id", "conflict", "observations", "source", "probability"]
#: estimates are given only for these categories (the others' measured precision is too low: docs/archive.md)
ESTIMATED_CATEGORIES = ("Platinum", "Bronze")


def registry_rows(meta: dict, entries: pd.DataFrame | None, results_file, entry_list=None) -> pd.DataFrame:
    """The registry rows of one race (without ``race_id``, added when written): its entries' official
    categories (``observed``) and those of an entry list beside its file (``entry list``: that file)."""
    rows = []
    if entries is not None and len(entries):
        for r in entries[entries["category"].notna()].itertuples():
            rows.append((r.driver_key, r.driver, r.category, r.car, Path(str(results_file)).name, "observed"))
    if entry_list is not None:
        el = read_entry_list(entry_list)
        for r in el[el["category"].notna()].itertuples():
            rows.append((driver_key(r.driver), r.driver, r.category, r.car, Path(entry_list).name, "entry list"))
    out = pd.DataFrame(rows, columns=["driver_key", "driver", "category", "car", "source_file", "kind"])
    out["season"] = int(meta["season"])
    out["series"] = meta.get("series")
    out["confidence"] = 1.0
    return out[[c for c in REGISTRY_COLUMNS if c != "race_id"]]  # the writer adds race_id


def import_entry_list(arc: Archive, path, season: int, series: str | None = None) -> dict:
    """Add a user's entry list (CSV/YAML: car, driver, category) to the registry as ``entry list``
    observations of ``season`` (race id ``entry-list:<file name>``; importing the same file again
    replaces its rows). Records without a category are counted, not stored."""
    arc.need_write()
    el = read_entry_list(path)
    rid = f"entry-list:{Path(path).name}"
    graded = el[el["category"].notna()]
    rows = pd.DataFrame(
        {
            "driver_key": [driver_key(d) for d in graded["driver"]],
            "driver": graded["driver"].astype(str).tolist(),
            "season": int(season),
            "series": (series or "ENTRY LIST").upper(),
            "category": graded["category"].astype(str).tolist(),
            "race_id": rid,
            "car": graded["car"].astype(object).where(graded["car"].notna(), None).tolist(),
            "source_file": str(Path(path).resolve()),
            "kind": "entry list",
            "confidence": 1.0,
        },
        columns=REGISTRY_COLUMNS,
    )
    arc.con.execute("BEGIN TRANSACTION")
    try:
        arc.con.execute("DELETE FROM driver_categories WHERE race_id = ?", [rid])
        if len(rows):
            arc.con.register("_reg_in", rows)
            arc.con.execute("INSERT INTO driver_categories BY NAME SELECT * FROM _reg_in")
            arc.con.unregister("_reg_in")
        arc.con.execute("COMMIT")
    except BaseException:
        arc.con.execute("ROLLBACK")
        raise
    dup = rows.groupby("driver_key")["category"].nunique()
    return {
        "source": rid,
        "season": int(season),
        "stored": int(len(rows)),
        "without_category": int(len(el) - len(graded)),
        "two_categories": sorted(rows.loc[rows["driver_key"].isin(dup[dup > 1].index), "driver"].unique()),
    }


def load_registry(arc: Archive) -> pd.DataFrame:
    """Every registry row, ``key`` = the canonical driver key (aliases followed)."""
    reg = arc.df(f"SELECT {', '.join(REGISTRY_COLUMNS)} FROM driver_categories")
    aliases = arc.aliases()
    reg["key"] = [resolve_key(k, aliases) for k in reg["driver_key"]]
    return reg


def _pick(rows: pd.DataFrame) -> dict:
    """The category of one season's rows of one driver, its conflicts and latest race."""
    cat = season_category(rows["category"])
    other = rows.loc[rows["category"] != cat, "category"]
    counts = other.value_counts()
    conflict = (
        "/".join(sorted(counts.index, key=lambda c: CATEGORY_ORDER.get(c, 9)))
        if len(counts)
        else None
    )
    mine = rows[rows["category"] == cat].sort_values("race_id")
    return {
        "category": cat,
        "series": mine["series"].iat[-1],
        "race_id": mine["race_id"].iat[-1],
        "conflict": conflict,
        "observations": int(len(rows)),
    }


def season_lookup(reg: pd.DataFrame, keys: list[str], season: int | None) -> pd.DataFrame:
    """Per canonical key of ``keys`` known to the registry: :data:`LOOKUP_COLUMNS` (index: key).
    ``season`` None: the latest season observed."""
    known = reg[reg["key"].isin(set(keys)) & reg["kind"].isin(["observed", "entry list"])]
    out = {}
    for key, rows in known.groupby("key", sort=False):
        seasons = sorted(set(int(s) for s in rows["season"]))
        if season is None:
            pick = seasons[-1]
        else:
            pick = min(seasons, key=lambda s: (abs(s - season), -s))
        hit = _pick(rows[rows["season"] == pick])
        hit["season_observed"] = pick
        hit["source"] = "archive"
        hit["probability"] = float("nan")
        out[key] = hit
    return pd.DataFrame.from_dict(out, orient="index", columns=LOOKUP_COLUMNS)


def race_season(race) -> int | None:
    """The season of a loaded race (:attr:`stintlab.race.Race.season`: its file's path, else its start date)."""
    return race.season


def training_table(arc: Archive) -> pd.DataFrame:
    """The archived drivers with a pace and the category their race's results gave them (the
    estimator's examples): race_id, class, driver_key, category, pace, with its features."""
    t = arc.df("SELECT race_id, class, driver_key, category, pace FROM entries WHERE pace IS NOT NULL")
    return features(t)


def estimate_race(train: pd.DataFrame, race, names: list[str]) -> pd.DataFrame:
    """Estimates (:mod:`stintlab.analysis.estimate`) for ``names`` of ``race`` from their pace against
    their class in that race, by a model fitted on ``train``; only a probability of at least
    :data:`~stintlab.analysis.estimate.MIN_PROBABILITY` for one of :data:`ESTIMATED_CATEGORIES` is kept."""
    m = race.driver_metrics[["car", "driver", "best_10"]].rename(columns={"best_10": "pace"})
    cls = race.drivers.drop_duplicates(["car", "driver"]).set_index(["car", "driver"])["class"]
    m = m.assign(race_id="this", **{"class": [cls.get((c, d)) for c, d in zip(m["car"], m["driver"], strict=True)]})
    f = features(m)
    est = estimate(fit(train.dropna(subset=["category"])), f[f["driver"].astype(str).isin(set(names))])
    keep = est["category"].isin(ESTIMATED_CATEGORIES).fillna(False) & (est["probability"] >= MIN_PROBABILITY)
    rows = {}
    for i in est.index[keep.to_numpy(dtype=bool)]:
        rows[str(f.at[i, "driver"])] = {
            "category": est.at[i, "category"],
            "source": "estimated",
            "probability": round(float(est.at[i, "probability"]), 3),
        }
    return pd.DataFrame.from_dict(rows, orient="index", columns=LOOKUP_COLUMNS)


def category_lookup(db=None, *, required: bool = False, estimates: bool = True):
    """A ``race.category_lookup`` reading the archive at ``db`` (default archive when None): the
    registry (:func:`season_lookup`), then for the drivers it does not know an estimate from pace
    (:func:`estimate_race`) unless ``estimates`` is False.

    A missing default archive gives no category (the lookup returns nothing); a missing ``db``
    named by the user (``required``) is a usage error when the lookup is first used."""
    path = Path(db) if db is not None else default_db_path()

    def lookup(race, names: list[str]) -> pd.DataFrame:
        if not path.exists():
            if required:
                raise StintlabUsageError(f"no archive at {path} (add races with `stintlab archive add PATH --db {path}`)")
            return pd.DataFrame(columns=LOOKUP_COLUMNS)
        with Archive(path) as arc:
            reg = load_registry(arc)
            aliases = arc.aliases()
            train = training_table(arc) if estimates else None
        keys = {n: resolve_key(driver_key(n), aliases) for n in names}
        found = season_lookup(reg, list(keys.values()), race_season(race))
        rows = {n: found.loc[k] for n, k in keys.items() if k in found.index}
        out = pd.DataFrame.from_dict(rows, orient="index", columns=LOOKUP_COLUMNS)
        rest = [n for n in names if n not in rows]
        if train is not None and rest and len(train):
            est = estimate_race(train, race, rest)
            out = pd.concat([out, est]) if len(out) else est
        return out

    return lookup


def alias_hints(arc: Archive, names: list[str]) -> list[dict]:
    """For names the registry does not know: registry drivers that are probably the same person written
    another way (:func:`stintlab.archive.identity.suggest_aliases`): name, registry spelling, categories."""
    reg = load_registry(arc)
    aliases = arc.aliases()
    known = set(reg["key"])
    mine = {resolve_key(driver_key(n), aliases): n for n in names}
    mine = {k: n for k, n in mine.items() if k and k not in known}
    out = []
    for a, b in suggest_aliases(set(mine) | known, aliases):
        k, other = (a, b) if a in mine else (b, a) if b in mine else (None, None)
        if k is None or other not in known:
            continue
        rows = reg[reg["key"] == other]
        out.append(
            {
                "driver": mine[k],
                "registry_name": rows["driver"].mode().iat[0],
                "categories": ", ".join(f"{c} {s}" for s, c in sorted(set(zip(rows["season"], rows["category"])))),
            }
        )
    return out


def driver_history(arc: Archive, name: str) -> tuple[pd.DataFrame, list[str]]:
    """A driver's categories per season and series: season, series, category, races, kind,
    conflict, spellings, sources (race ids). With no such driver: an empty table and the
    registry's names sharing a surname (suggestions)."""
    reg = load_registry(arc)
    key = resolve_key(driver_key(name), arc.aliases())
    mine = reg[reg["key"] == key]
    cols = ["season", "series", "category", "races", "kind", "conflict", "spellings", "sources"]
    if mine.empty:
        last = key.split()[-1:] if key else []
        like = reg[[k.split()[-1:] == last for k in reg["key"]]]["driver"] if last else pd.Series([], dtype=object)
        return pd.DataFrame(columns=cols), sorted(set(like))[:10]
    rows = []
    for (season, series), g in mine.groupby(["season", "series"], sort=True):
        season_rows = mine[mine["season"] == season]
        pick = _pick(season_rows)
        for (cat, kind), h in g.groupby(["category", "kind"], sort=False):
            rows.append(
                {
                    "season": int(season),
                    "series": series,
                    "category": cat,
                    "races": int(h["race_id"].nunique()),
                    "kind": kind,
                    "conflict": pick["conflict"],
                    "spellings": ", ".join(sorted(set(h["driver"]))),
                    "sources": ", ".join(sorted(set(h["race_id"]))),
                }
            )
    return pd.DataFrame(rows, columns=cols).sort_values(["season", "series"], ascending=[False, True]), []
