"""Category estimates stored in the registry (issue #12): made from the archive, calibrated on it, kept
with their race.

After every change of the archive (races added or replaced, a race removed, an alias or an entry list
added) :func:`refresh_estimates` remakes every ``estimated`` row of ``driver_categories``:

1. **Calibration** (:func:`calibration`): the stated probability of an estimate is the *measured precision*
   of its estimator on the archive, not the model's score. Pace (:mod:`stintlab.analysis.estimate`): leave
   one race out over every race whose results grade its drivers (IMSA): fit on the other races, estimate
   this race's graded drivers, keep what the lookup would keep (model probability >=
   :data:`~stintlab.analysis.estimate.MIN_PROBABILITY`), and per estimated category the share that is
   right. Crew rule: on the crews of the Bronze-required classes whose every driver the registry grades
   in that season, hide one driver at a time; the share of inferred Bronzes that are Bronze. A figure
   measured on fewer than :data:`MIN_MEASURED` estimates is replaced by the corpus figure
   (:data:`CORPUS_PRECISION`, measured the same way on the 48-race corpus, ``benchmarks/bench_categories.py``).
   Kept in ``archive_info`` (key ``estimate_calibration``, JSON) for the lookups of loaded races.
2. **Estimates** of every archived race, by the one resolution path
   (:func:`stintlab.analysis.categories.resolve_categories`) with a lookup of the registry's observations
   and this race's pace estimates (never the stored estimates of other races: the result does not depend
   on the order races were added), then the crew rule. A driver the registry observed in any season is
   never estimated (an estimate never overrides an observation). Each ``estimated`` row names its race
   (``race_id``), so removing the race removes it.
"""

from __future__ import annotations

import json

import pandas as pd

from stintlab.analysis.categories import resolve_categories
from stintlab.analysis.estimate import BRONZE_REQUIRED, MIN_PROBABILITY, estimate, fit
from stintlab.archive.db import Archive
from stintlab.archive.identity import resolve_key
from stintlab.archive.registry import (
    ESTIMATED_CATEGORIES,
    LOOKUP_COLUMNS,
    OBSERVED_KINDS,
    REGISTRY_COLUMNS,
    load_registry,
    pace_estimates,
    season_lookup,
    training_table,
)

__all__ = [
    "CORPUS_PRECISION",
    "MAX_FOLDS",
    "MIN_MEASURED",
    "REFIT_GROWTH",
    "calibration",
    "pace_trials",
    "read_calibration",
    "refresh_estimates",
]

#: measured on the 48-race corpus archive (benchmarks/bench_categories.py, docs/archive.md): pace, leave one
#: race out over the IMSA races; crew rule, hidden drivers of fully graded WEC/Le Mans crews
CORPUS_PRECISION = {"pace": {"Platinum": 0.77, "Bronze": 0.76}, "crew rule": 0.92}
#: fewer measured estimates than this: the corpus figure is stated instead
MIN_MEASURED = 30
#: the pace calibration leaves one graded race out up to this many graded races; past it, the graded races
#: are dealt into this many folds (one fold left out at a time), so its cost stays bounded
MAX_FOLDS = 40
#: adding races re-estimates only the new races, with the stored calibration and a model refitted on the
#: archive, until the number of races whose results grade drivers has grown by this share since the last
#: full refresh (then every race is estimated again: model and calibration drift that little in between)
REFIT_GROWTH = 0.1
_KEY = "estimate_calibration"
_STATE = "estimate_state"


def pace_trials(arc: Archive) -> pd.DataFrame:
    """Leave one race out (past :data:`MAX_FOLDS` graded races: one fold of them): true, pred, p for every
    graded driver of every race whose results grade drivers."""
    e = training_table(arc)
    known = e[e["category"].notna()]
    ids = sorted(known["race_id"].unique())
    folds = min(len(ids), MAX_FOLDS)
    fold_of = {rid: i % folds for i, rid in enumerate(ids)} if folds else {}
    parts = []
    for k in range(folds):
        out = known["race_id"].map(fold_of) == k
        test = known[out & known["pct"].notna()]
        if test.empty:
            continue
        est = estimate(fit(known[~out]), test)
        parts.append(pd.DataFrame({"true": test["category"], "pred": est["category"], "p": est["probability"]}))
    return pd.concat(parts) if parts else pd.DataFrame(columns=["true", "pred", "p"])


def _crew_trials(arc: Archive, reg: pd.DataFrame) -> tuple[int, int]:
    """(inferred Bronzes, right) over the crews of Bronze-required classes fully graded by the registry in
    their season (races whose own results do not grade them), one driver hidden at a time."""
    e = arc.df(
        "SELECT e.race_id, e.car, e.driver_key, r.season FROM entries e JOIN races r USING (race_id)"
        " WHERE e.category IS NULL AND upper(e.class) IN (" + ", ".join(f"'{c}'" for c in BRONZE_REQUIRED) + ")"
        " AND e.laps > 0"
    )
    if e.empty:
        return 0, 0
    aliases = arc.aliases()
    e["key"] = [resolve_key(k, aliases) for k in e["driver_key"]]
    parts = []
    for season, g in e.groupby("season"):
        f = season_lookup(reg, list(set(g["key"])), int(season))
        f = f[f["season_observed"] == season]
        parts.append(g.assign(cat=g["key"].map(f["category"])))
    e = pd.concat(parts)
    n = right = 0
    for _, g in e.groupby(["race_id", "car"]):
        if g["cat"].isna().any():
            continue
        for i in g.index:
            if "Bronze" not in set(g.drop(i)["cat"]):
                n += 1
                right += int(g.at[i, "cat"] == "Bronze")
    return n, right


def calibration(arc: Archive, reg: pd.DataFrame | None = None) -> dict:
    """The measured precision of each estimator on this archive (module doc), with its sample size and
    whether the figure stated is the archive's (``archive``) or the corpus's (``corpus``, too few here)."""
    reg = load_registry(arc) if reg is None else reg
    t = pace_trials(arc)
    kept = t[(t["p"] >= MIN_PROBABILITY) & t["pred"].isin(ESTIMATED_CATEGORIES)]
    pace = {}
    for cat in ESTIMATED_CATEGORIES:
        g = kept[kept["pred"] == cat]
        n = int(len(g))
        measured = float((g["true"] == cat).mean()) if n else None
        use = measured if n >= MIN_MEASURED else CORPUS_PRECISION["pace"][cat]
        pace[cat] = {"precision": round(use, 3), "measured": measured, "n": n,
                     "from": "archive" if n >= MIN_MEASURED else "corpus"}  # fmt: skip
    n, right = _crew_trials(arc, reg)
    crew_measured = right / n if n else None
    crew = {"precision": round(crew_measured, 3) if n >= MIN_MEASURED // 2 else CORPUS_PRECISION["crew rule"],
            "measured": crew_measured, "n": n, "from": "archive" if n >= MIN_MEASURED // 2 else "corpus"}  # fmt: skip
    return {"pace": pace, "crew rule": crew, "threshold": MIN_PROBABILITY}


def read_calibration(arc: Archive) -> dict:
    """{"pace": {category: precision}, "crew rule": precision}: the archive's stored calibration, else the
    corpus figures (an archive never refreshed, or a Parquet export without it)."""
    try:
        row = arc.con.execute("SELECT value FROM archive_info WHERE key = ?", [_KEY]).fetchall()
    except Exception:  # noqa: BLE001 (an export without archive_info)
        row = []
    if not row:
        return {"pace": dict(CORPUS_PRECISION["pace"]), "crew rule": CORPUS_PRECISION["crew rule"]}
    c = json.loads(row[0][0])
    return {"pace": {k: v["precision"] for k, v in c["pace"].items()}, "crew rule": c["crew rule"]["precision"]}


def _race_estimates(race: pd.DataFrame, reg: pd.DataFrame, model: dict, precision: dict, crew_p: float) -> list:
    """The ``estimated`` registry rows of one archived race (its ``entries`` rows, ``key`` canonical)."""
    season = int(race["season"].iat[0])
    drivers = race[["car", "driver", "class", "category"]].astype({"category": "string"}).reset_index(drop=True)
    keys = dict(zip(race["driver"].astype(str), race["key"], strict=False))

    def lookup(names):
        found = season_lookup(reg, [keys[n] for n in names], season)
        rows = {n: found.loc[keys[n]] for n in names if keys[n] in found.index}
        out = pd.DataFrame.from_dict(rows, orient="index", columns=LOOKUP_COLUMNS)
        rest = [n for n in names if n not in rows]
        est = pace_estimates(model, race, rest, precision) if rest else pd.DataFrame(columns=LOOKUP_COLUMNS)
        out = pd.concat([p for p in (out, est) if len(p)]) if len(out) or len(est) else out
        out.attrs["crew_rule_probability"] = crew_p
        return out

    table, _ = resolve_categories(drivers, lookup=lookup)
    est = table[table["category_source"] == "estimated"]
    r0 = race.iloc[0]
    return [
        (race["driver_key"].iat[i], d, season, r0["series"], cat, r0["race_id"], car, "estimate", "estimated",
         float(p), ev)
        for i, (car, d, cat, p, ev) in zip(
            est.index, zip(est["car"], est["driver"], est["category"], est["category_probability"],
                           est["category_evidence"], strict=True), strict=True)
    ]  # fmt: skip


def _graded_races(arc: Archive) -> int:
    return int(arc.con.execute("SELECT count(DISTINCT race_id) FROM entries WHERE category IS NOT NULL").fetchone()[0])


def _state(arc: Archive) -> dict:
    row = arc.con.execute("SELECT value FROM archive_info WHERE key = ?", [_STATE]).fetchall()
    return json.loads(row[0][0]) if row else {}


def refresh_estimates(arc: Archive, races: list[str] | None = None) -> dict:
    """Remake the ``estimated`` registry rows (module doc), in one transaction. Returns {"races",
    "estimates", "by_evidence", "calibration", "full"}.

    ``races`` (the races just added or replaced): only those are estimated, with the stored calibration,
    and the estimates of drivers they observe are dropped everywhere (an estimate never overrides an
    observation) — unless the graded races grew by :data:`REFIT_GROWTH` since the last full refresh or
    none was made, then everything is remade. Without ``races`` (a race removed, an alias, an entry list):
    everything is remade."""
    arc.need_write()
    graded = _graded_races(arc)
    last = _state(arc).get("graded_races")
    full = races is None or last is None or graded > last * (1 + REFIT_GROWTH)
    if full:
        reg = load_registry(arc)
        reg = reg[reg["kind"].isin(OBSERVED_KINDS)]
    else:  # only the observations of the new races' drivers are looked up
        ids = arc.df("SELECT DISTINCT driver_key FROM entries WHERE race_id IN (" + ", ".join("?" for _ in races) + ")",
                     [str(r) for r in races])["driver_key"]  # fmt: skip
        aliases = arc.aliases()
        reg = load_registry(arc, keys={resolve_key(k, aliases) for k in ids}, kinds=OBSERVED_KINDS)
    calib = calibration(arc, reg) if full else None
    if calib is not None:
        precision = {k: v["precision"] for k, v in calib["pace"].items()}
        crew_p = calib["crew rule"]["precision"]
    else:
        stored = read_calibration(arc)
        precision, crew_p = stored["pace"], stored["crew rule"]
    train = training_table(arc, graded_races=True)  # the same model from the graded races' rows only
    model = fit(train.dropna(subset=["category"])) if len(train) else {}
    where, params = ("", []) if full else (
        " WHERE e.race_id IN (" + ", ".join("?" for _ in races) + ")", [str(r) for r in races])  # fmt: skip
    ent = arc.df(
        "SELECT e.race_id, e.car, e.driver, e.driver_key, e.class, e.category, e.pace, r.season, r.series"
        " FROM entries e JOIN races r USING (race_id)" + where, params
    )
    aliases = arc.aliases()
    ent["key"] = [resolve_key(k, aliases) for k in ent["driver_key"]]
    rows = []
    for _, race in ent.groupby("race_id", sort=True):
        if race["category"].notna().all():
            continue
        rows += _race_estimates(race.reset_index(drop=True), reg, model, precision, crew_p)
    out = pd.DataFrame(rows, columns=REGISTRY_COLUMNS)
    drop: list = []
    if not full:  # estimates elsewhere of the drivers these races observe go
        seen = set(ent.loc[ent["category"].notna(), "key"])
        est = arc.df("SELECT DISTINCT driver_key FROM driver_categories WHERE kind = 'estimated'")
        drop = [k for k in est["driver_key"] if resolve_key(k, aliases) in seen]
    arc.con.execute("BEGIN TRANSACTION")
    try:
        if full:
            arc.con.execute("DELETE FROM driver_categories WHERE kind = 'estimated'")
        else:
            arc.con.execute("DELETE FROM driver_categories WHERE kind = 'estimated' AND race_id IN ("
                            + ", ".join("?" for _ in races) + ")", [str(r) for r in races])  # fmt: skip
            for k in drop:
                arc.con.execute("DELETE FROM driver_categories WHERE kind = 'estimated' AND driver_key = ?", [k])
        if len(out):
            from stintlab.archive.driverid import with_driver_ids

            arc.con.register("_est_in", with_driver_ids(out, arc.aliases()))  # driver_id: aliases followed
            arc.con.execute("INSERT INTO driver_categories BY NAME SELECT * FROM _est_in")
            arc.con.unregister("_est_in")
        if full:
            arc.con.execute("INSERT OR REPLACE INTO archive_info VALUES (?, ?)", [_KEY, json.dumps(calib)])
            arc.con.execute("INSERT OR REPLACE INTO archive_info VALUES (?, ?)",
                            [_STATE, json.dumps({"graded_races": graded})])  # fmt: skip
        arc.con.execute("COMMIT")
    except BaseException:
        arc.con.execute("ROLLBACK")
        raise
    return {
        "races": int(out["race_id"].nunique()) if len(out) else 0,
        "estimates": int(len(out)),
        "by_evidence": out["evidence"].value_counts().to_dict() if len(out) else {},
        "calibration": calib if calib is not None else read_calibration(arc),
        "full": full,
    }
