"""The category registry: every FIA driver category the archive has seen, with where it was seen.

Table ``driver_categories`` (one row per driver per race that graded him): driver_key, driver (as
written), season, series, category, race_id, car, source_file, kind (``observed``: an official
classification carrying categories, e.g. IMSA ``DRIVERn_LICENSE``; ``entry list``: an entry list
beside the race's file; ``estimated``: :mod:`stintlab.archive.estimates`), confidence (1.0 for
observations; for an estimate its estimator's measured precision), evidence (an estimate's: ``pace`` or
``crew rule``; null for observations). Observations are filled in the race's ingest transaction
(:func:`registry_rows`); an archive made before the registry is filled from its entries when opened for
writing; estimates are remade after every change of the archive (:func:`stintlab.archive.estimates.refresh_estimates`).

A driver's category for a season (:func:`season_lookup`): the observations of that season (the most
frequent category, ties to the higher grade, :func:`stintlab.archive.identity.season_category`),
the other categories of that season given as ``conflict``; with none that season, the nearest
season's (a later one on a tie), ``season_observed`` saying which. An estimate never overrides an
observation: a driver observed in any season gets that observation; only a driver never observed gets a
stored estimate (:func:`estimate_lookup`: the nearest season's, from the race it was estimated in). Names
are joined by their identity key and the archive's alias table.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pandas as pd

from stintlab.analysis.categories import VALID_CATEGORIES, read_entry_list
from stintlab.analysis.estimate import MIN_PROBABILITY, estimate, features, fit
from stintlab.archive.db import Archive, default_db_path
from stintlab.archive.identity import CATEGORY_ORDER, driver_key, resolve_key, season_category, suggest_aliases
from stintlab.errors import StintlabUsageError

__all__ = [
    "ESTIMATED_CATEGORIES",
    "ESTIMATE_SEASONS",
    "LOOKUP_COLUMNS",
    "OBSERVED_KINDS",
    "REGISTRY_COLUMNS",
    "RegistryIndex",
    "alias_hints",
    "category_lookup",
    "driver_history",
    "estimate_lookup",
    "estimate_race",
    "import_entry_list",
    "load_registry",
    "pace_estimates",
    "registry_rows",
    "race_season",
    "season_lookup",
    "training_table",
]

REGISTRY_COLUMNS = [
    "driver_key", "driver", "season", "series", "category", "race_id", "car", "source_file", "kind", "confidence",
    "evidence",
]  # fmt: skip
OBSERVED_KINDS = ("observed", "entry list")
LOOKUP_COLUMNS = ["category", "season_observed", "series", "race_id", "conflict", "observations", "source", "probability",
                  "evidence"]  # fmt: skip
#: estimates are given only for these categories (the others' measured precision is too low: docs/archive.md)
ESTIMATED_CATEGORIES = ("Platinum", "Bronze")
#: a stored estimate is used for races at most this many seasons away from the one it was made in
ESTIMATE_SEASONS = 1


def registry_rows(meta: dict, entries: pd.DataFrame | None, results_file, entry_list=None) -> pd.DataFrame:
    """The registry rows of one race (without ``race_id``, added when written): its entries' official
    categories (``observed``) and those of an entry list beside its file (``entry list``: that file).
    Only FIA driver categories (Platinum/Gold/Silver/Bronze) are registered: a national licence grade or an
    SRO cup ("Gold Cup", a car class) that a file puts in a driver's category field is not one (docs/archive.md)."""
    rows = []
    if entries is not None and len(entries):
        for r in entries[entries["category"].isin(VALID_CATEGORIES).fillna(False)].itertuples():
            rows.append((r.driver_key, r.driver, r.category, r.car, Path(str(results_file)).name, "observed"))
    if entry_list is not None:
        el = read_entry_list(entry_list)
        for r in el[el["category"].notna()].itertuples():
            rows.append((driver_key(r.driver), r.driver, r.category, r.car, Path(entry_list).name, "entry list"))
    out = pd.DataFrame(rows, columns=["driver_key", "driver", "category", "car", "source_file", "kind"])
    out["season"] = int(meta["season"])
    out["series"] = meta.get("series")
    out["confidence"] = 1.0
    out["evidence"] = None
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
            "evidence": None,
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


def load_registry(arc: Archive, keys=None, kinds=None) -> pd.DataFrame:
    """Every registry row (or those of the canonical driver ``keys`` and the ``kinds`` given), ``key`` =
    the canonical driver key (aliases followed: the stored ``driver_id`` when the archive has it)."""
    have = set(arc.df("SELECT * FROM driver_categories LIMIT 0").columns)  # older registries: no evidence
    cols = [c if c in have else f"NULL AS {c}" for c in REGISTRY_COLUMNS]
    stored_id = "driver_id" in have
    where, params = [], []
    if kinds is not None:
        where.append("kind IN (" + ", ".join("?" for _ in kinds) + ")")
        params += list(kinds)
    if keys is not None and stored_id:
        keys = sorted(set(keys))
        where.append("driver_id IN (" + (", ".join("?" for _ in keys) or "NULL") + ")")
        params += keys
    sql = f"SELECT {', '.join(cols)}{', driver_id' if stored_id else ''} FROM driver_categories"
    reg = arc.df(sql + (" WHERE " + " AND ".join(where) if where else ""), params)
    if stored_id and reg["driver_id"].notna().all():
        reg["key"] = reg.pop("driver_id")
    else:
        reg = reg.drop(columns=["driver_id"], errors="ignore")
        aliases = arc.aliases()
        reg["key"] = [resolve_key(k, aliases) for k in reg["driver_key"]]
        if keys is not None:
            reg = reg[reg["key"].isin(set(keys))].reset_index(drop=True)
    return reg


def _pick(rows: pd.DataFrame) -> dict:
    """The category of one season's rows of one driver, its conflicts and latest race."""
    return _pick_rows(list(zip(rows["category"], rows["series"], rows["race_id"], strict=True)))


def _pick_rows(rows: list[tuple]) -> dict:
    """:func:`_pick` over (category, series, race_id) tuples."""
    cat = season_category(c for c, _, _ in rows)
    other = {c for c, _, _ in rows if c != cat and isinstance(c, str)}
    conflict = "/".join(sorted(other, key=lambda c: (CATEGORY_ORDER.get(c, 9), c))) if other else None
    mine = sorted((r for r in rows if r[0] == cat), key=lambda r: r[2])
    return {"category": cat, "series": mine[-1][1], "race_id": mine[-1][2], "conflict": conflict,
            "observations": len(rows)}  # fmt: skip


class RegistryIndex:
    """A registry table (:func:`load_registry` rows, ``key`` canonical) indexed once by driver key, so that
    :func:`season_lookup` and :func:`estimate_lookup` answer many seasons and races without a pandas
    operation per call (``season_lookup(reg, ...)`` builds one for its call)."""

    def __init__(self, reg: pd.DataFrame):
        self.observed: dict = {}  # key -> season -> [(category, series, race_id)]
        self.estimated: dict = {}  # key -> [(season, confidence, race_id, category, series, evidence)]
        self._by_season: dict = {}  # key -> season -> estimates sorted (see _estimated_by_season)
        cols = [reg[c].tolist() if c in reg.columns else [None] * len(reg)
                for c in ("key", "kind", "season", "category", "series", "race_id", "confidence", "evidence")]  # fmt: skip
        for key, kind, season, cat, series, rid, conf, ev in zip(*cols, strict=True):
            if kind in OBSERVED_KINDS:
                self.observed.setdefault(key, {}).setdefault(int(season), []).append((cat, series, rid))
            elif kind == "estimated":
                self.estimated.setdefault(key, []).append((int(season), conf, rid, cat, series, ev))

    def season(self, keys, season: int | None) -> dict:
        """:func:`season_lookup` as {key: row dict}."""
        out = {}
        for key in dict.fromkeys(keys):
            seasons = self.observed.get(key)
            if not seasons:
                continue
            pick = max(seasons) if season is None else min(seasons, key=lambda s: (abs(s - season), -s))
            hit = _pick_rows(seasons[pick])
            hit.update(season_observed=pick, source="archive", probability=float("nan"), evidence=None)
            out[key] = hit
        return out

    def _estimated_by_season(self, key) -> dict:
        """season -> (that season's estimates of ``key`` by (confidence, race_id), Counter of their categories,
        race_id -> Counter of that race's categories), made once per key."""
        by = self._by_season.get(key)
        if by is None:
            groups: dict = {}
            for r in self.estimated.get(key, ()):
                groups.setdefault(r[0], []).append(r)
            by = {}
            for y, rows in groups.items():
                per_race: dict = {}
                for r in rows:
                    per_race.setdefault(r[2], Counter())[r[3]] += 1
                by[y] = (sorted(rows, key=lambda r: (r[1], r[2])), Counter(r[3] for r in rows), per_race)
            self._by_season[key] = by
        return by

    def estimates(self, keys, season: int | None, *, skip_race: str | None = None) -> dict:
        """:func:`estimate_lookup` as {key: row dict}; ``skip_race``: that race's estimates left out (without a
        scan of all of a driver's estimates per race: a long career has one in nearly every race)."""
        out = {}
        for key in dict.fromkeys(keys):
            if key in self.observed:
                continue
            by = self._estimated_by_season(key)
            usable = {}  # season -> (rows, categories) without skip_race's
            for y, (rows, cats, per_race) in by.items():
                # categories change from year to year: an estimate speaks for its season and the next
                if season is not None and abs(y - int(season)) > ESTIMATE_SEASONS:
                    continue
                skip = per_race.get(skip_race) if skip_race is not None else None
                if skip:
                    cats = cats - skip  # Counter difference: only the categories left
                if sum(cats.values()):
                    usable[y] = (rows, cats)
            if not usable:
                continue
            pick = max(usable) if season is None else min(usable, key=lambda x: (abs(x - season), -x))
            rows, cats = usable[pick]
            top = next(r for r in reversed(rows) if r[2] != skip_race or skip_race is None)
            others = sorted(set(cats) - {top[3]}, key=lambda c: CATEGORY_ORDER.get(c, 9))
            out[key] = {
                "category": top[3], "season_observed": pick, "series": top[4], "race_id": top[2],
                "conflict": "/".join(others) or None, "observations": sum(cats.values()), "source": "estimated",
                "probability": float(top[1]), "evidence": top[5],
            }  # fmt: skip
        return out


def season_lookup(reg: pd.DataFrame, keys: list[str], season: int | None) -> pd.DataFrame:
    """Per canonical key of ``keys`` known to the registry: :data:`LOOKUP_COLUMNS` (index: key).
    ``season`` None: the latest season observed."""
    known = reg[reg["key"].isin(set(keys)) & reg["kind"].isin(OBSERVED_KINDS)]
    found = RegistryIndex(known).season(dict.fromkeys(known["key"]), season)
    return pd.DataFrame.from_dict(found, orient="index", columns=LOOKUP_COLUMNS)


def estimate_lookup(reg: pd.DataFrame, keys: list[str], season: int | None) -> pd.DataFrame:
    """Per canonical key of ``keys`` that the registry never observed but estimated in an archived race within
    :data:`ESTIMATE_SEASONS` of ``season``: the estimate of the nearest season (a later one on a tie; within it the most probable, then the latest race),
    as :data:`LOOKUP_COLUMNS` with ``source`` "estimated", ``probability`` the estimator's measured
    precision, ``evidence`` and the race it was estimated in (index: key)."""
    want = set(keys)
    observed = set(reg.loc[reg["kind"].isin(OBSERVED_KINDS), "key"])
    est = reg[reg["key"].isin(want - observed) & (reg["kind"] == "estimated")]
    if season is not None:  # the order of the keys: the first row of each within the seasons it may speak for
        est = est[(est["season"].astype(int) - int(season)).abs() <= ESTIMATE_SEASONS]
    found = RegistryIndex(est).estimates(dict.fromkeys(est["key"]), season)
    return pd.DataFrame.from_dict(found, orient="index", columns=LOOKUP_COLUMNS)


def race_season(race) -> int | None:
    """The season of a loaded race (:attr:`stintlab.race.Race.season`: its file's path, else its start date)."""
    return race.season


def training_table(arc: Archive, *, graded_races: bool = False) -> pd.DataFrame:
    """The archived drivers with a pace and the category their race's results gave them (the
    estimator's examples): race_id, class, driver_key, category, pace, with its features.
    ``graded_races``: only the races where some driver has a category; the same model
    (``fit(t.dropna(subset=["category"]))``) for a fraction of the rows: the features rank drivers within
    (race, class), so dropping whole races changes no other race's, and the fit keeps graded rows only, in the
    same order."""
    where = " AND race_id IN (SELECT race_id FROM entries WHERE category IS NOT NULL)" if graded_races else ""
    t = arc.df("SELECT race_id, class, driver_key, category, pace FROM entries WHERE pace IS NOT NULL" + where)
    return features(t)


def pace_estimates(model: dict, table: pd.DataFrame, names: list[str], precision: dict) -> pd.DataFrame:
    """Pace estimates (:mod:`stintlab.analysis.estimate`) for the drivers ``names`` of one race's ``table``
    (race_id, car, driver, class, pace = best_10) from ``model``: a category is given when the model's
    probability reaches :data:`~stintlab.analysis.estimate.MIN_PROBABILITY` and it is one of
    :data:`ESTIMATED_CATEGORIES` whose measured precision (``precision``: category -> share right, leave
    one race out, :func:`stintlab.archive.estimates.calibration`) also reaches it. The stated probability is
    that measured precision, not the model's score. Rows as :data:`LOOKUP_COLUMNS`, indexed by name;
    ``attrs["argmax"]``: every name's most probable category (None without features), kept or not."""
    f = features(table)
    mine = f[f["driver"].astype(str).isin(set(names))]
    if mine.empty or not model:
        return pd.DataFrame(columns=LOOKUP_COLUMNS)
    est = estimate(model, mine)
    argmax = {str(f.at[i, "driver"]): (None if pd.isna(c) else str(c)) for i, c in est["category"].items()}
    ok = {c for c in ESTIMATED_CATEGORIES if precision.get(c, 0.0) >= MIN_PROBABILITY}
    keep = est["category"].isin(ok).fillna(False) & (est["probability"] >= MIN_PROBABILITY)
    rows = {}
    for i in est.index[keep.to_numpy(dtype=bool)]:
        cat = str(est.at[i, "category"])
        rows[str(f.at[i, "driver"])] = {"category": cat, "source": "estimated", "probability": float(precision[cat]),
                                        "evidence": "pace"}  # fmt: skip
    out = pd.DataFrame.from_dict(rows, orient="index", columns=LOOKUP_COLUMNS)
    out.attrs["argmax"] = argmax  # every name's most probable category, kept or not
    return out


def estimate_race(train: pd.DataFrame | None, race, names: list[str], precision: dict | None = None, *,
                  model: dict | None = None) -> pd.DataFrame:
    """:func:`pace_estimates` for ``names`` of a loaded ``race`` (its drivers' ``best_10`` against their class),
    by a model fitted on ``train`` (:func:`training_table`), or ``model`` when given (that fit, made before);
    ``precision`` default: the corpus figures."""
    from stintlab.archive.estimates import CORPUS_PRECISION

    m = race.driver_metrics[["car", "driver", "best_10"]].rename(columns={"best_10": "pace"})
    cls = race.drivers.drop_duplicates(["car", "driver"]).set_index(["car", "driver"])["class"]
    m = m.assign(race_id="this", **{"class": [cls.get((c, d)) for c, d in zip(m["car"], m["driver"], strict=True)]})
    prec = precision if precision is not None else CORPUS_PRECISION["pace"]
    if model is None:
        model = fit(train.dropna(subset=["category"]))
    return pace_estimates(model, m, names, prec)


def category_lookup(db=None, *, required: bool = False, estimates: bool = True):
    """A ``race.category_lookup`` reading the archive at ``db`` (default archive when None), in order: the
    registry's observations (:func:`season_lookup`); for the drivers it never observed, an estimate from
    their pace in this race (:func:`estimate_race`), then one stored from another archived race
    (:func:`estimate_lookup`), unless ``estimates`` is False. Stated probabilities are the estimators'
    measured precision kept in the archive (:func:`stintlab.archive.estimates.read_calibration`).

    A missing default archive gives no category (the lookup returns nothing); a missing ``db``
    named by the user (``required``) is a usage error when the lookup is first used."""
    path = Path(db) if db is not None else default_db_path()

    def lookup(race, names: list[str]) -> pd.DataFrame:
        if not path.exists():
            if required:
                raise StintlabUsageError(f"no archive at {path} (add races with `stintlab archive add PATH --db {path}`)")
            return pd.DataFrame(columns=LOOKUP_COLUMNS)
        from stintlab.archive.lookup_cache import lookup_inputs

        kept = lookup_inputs(path, estimates)  # unchanged archive: from the cache folder, without DuckDB
        reg, aliases, calib = kept["registry"], kept["aliases"], kept["calibration"]
        this = _archived_id(kept["races"], race)
        # this race's own stored estimates are remade below from the same evidence: not read back
        reg = reg[~((reg["kind"] == "estimated") & (reg["race_id"] == this))] if this else reg
        keys = {n: resolve_key(driver_key(n), aliases) for n in names}
        season = race_season(race)
        found = season_lookup(reg, list(keys.values()), season)
        rows = {n: found.loc[k] for n, k in keys.items() if k in found.index}
        out = pd.DataFrame.from_dict(rows, orient="index", columns=LOOKUP_COLUMNS)
        rest = [n for n in names if n not in rows]
        if estimates and rest:
            parts = [out]
            if kept["train_rows"]:
                est = estimate_race(None, race, rest, calib["pace"], model=kept["model"])
                parts.append(est)
                rest = [n for n in rest if n not in est.index]
                argmax = est.attrs.get("argmax", {})
            else:
                argmax = {}
            stored = estimate_lookup(reg, [keys[n] for n in rest], season)
            # another race's estimate, unless this race's own pace points elsewhere
            hits = {n: stored.loc[keys[n]] for n in rest
                    if keys[n] in stored.index and argmax.get(n) in (None, stored.at[keys[n], "category"])}  # fmt: skip
            parts.append(pd.DataFrame.from_dict(hits, orient="index", columns=LOOKUP_COLUMNS))
            out = pd.concat([p for p in parts if len(p)]) if any(len(p) for p in parts) else out
        out.attrs["crew_rule_probability"] = calib["crew rule"]
        return out

    return lookup


def _archived_id(races: list[tuple], race) -> str | None:
    """The archive's id of a loaded race: its own (loaded from the archive), else the race whose source is its file
    (``races``: every archived race's (race_id, source))."""
    if race.meta.get("race_id"):
        return str(race.meta["race_id"])
    where = race.meta.get("path")
    if not where:
        return None
    mine = Path(str(where)).resolve()
    for rid, src in races:
        if src and Path(str(src)).resolve() == mine:
            return rid
    return None


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
    conflict (other categories observed that season; estimates never count), probability and
    evidence (of an estimate: its estimator's measured precision, ``pace`` or ``crew rule``),
    spellings, sources (race ids). With no such driver: an empty table and the registry's names
    sharing a surname (suggestions)."""
    reg = load_registry(arc)
    key = resolve_key(driver_key(name), arc.aliases())
    mine = reg[reg["key"] == key]
    cols = ["season", "series", "category", "races", "kind", "conflict", "probability", "evidence", "spellings", "sources"]
    if mine.empty:
        last = key.split()[-1:] if key else []
        like = reg[[k.split()[-1:] == last for k in reg["key"]]]["driver"] if last else pd.Series([], dtype=object)
        return pd.DataFrame(columns=cols), sorted(set(like))[:10]
    rows = []
    for (season, series), g in mine.groupby(["season", "series"], sort=True):
        season_rows = mine[mine["season"] == season]
        seen = season_rows[season_rows["kind"].isin(OBSERVED_KINDS)]
        conflict = _pick(seen)["conflict"] if len(seen) else None
        for (cat, kind), h in g.groupby(["category", "kind"], sort=False):
            est = kind == "estimated"
            rows.append(
                {
                    "season": int(season),
                    "series": series,
                    "category": cat,
                    "races": int(h["race_id"].nunique()),
                    "kind": kind,
                    "conflict": conflict,
                    "probability": round(float(h["confidence"].max()), 3) if est else None,
                    "evidence": "/".join(sorted(set(h["evidence"].dropna()))) or None if est else None,
                    "spellings": ", ".join(sorted(set(h["driver"]))),
                    "sources": ", ".join(sorted(set(h["race_id"]))),
                }
            )
    return pd.DataFrame(rows, columns=cols).sort_values(["season", "series"], ascending=[False, True]), []
