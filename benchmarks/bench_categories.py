"""Category registry figures (issue #12): where the drivers of Le Mans get their FIA category, and the
measured accuracy of the pace estimator (hidden known categories).

    .venv/bin/python benchmarks/bench_categories.py [--corpus ../shared/data/races] [--db ARCHIVE]

Without ``--db`` the whole corpus is archived in a temporary folder first. Prints figures only:

1. per Le Mans race: drivers graded by a same-season observation, another season's, an estimate, none;
2. estimator, leave-one-race-out on the IMSA races (their official categories hidden one race at a time),
   and on the WEC/Le Mans drivers graded by IMSA that season (hidden): precision per estimated category
   at each probability threshold, and how many drivers each threshold keeps;
3. the crew rule (a crew that must have a Bronze): its inferred Bronzes against the hidden categories;
4. the calibration the archive stores for its estimates (the stated probabilities: measured precision).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
LE_MANS = ["lemans-2023", "lemans-2024", "lemans-2025"]


def coverage(db: Path, corpus: Path) -> None:
    import stintlab
    from stintlab.archive.registry import category_lookup, race_season

    print("Le Mans drivers by category source (archive of the whole corpus):")
    for name in LE_MANS:
        lap = next(p for p in sorted((corpus / name).glob("*.csv")))
        race = stintlab.load(lap)
        race.category_lookup = category_lookup(db, required=True)
        t0 = time.perf_counter()
        cats = race.categories
        dt = time.perf_counter() - t0
        season = race_season(race)
        src = cats["category_source"]
        same = int(((src == "archive") & (cats["season_observed"] == season)).sum())
        other = int(((src == "archive") & (cats["season_observed"] != season)).sum())
        est = int((src == "estimated").sum())
        crew = int((cats["category_evidence"] == "crew rule").sum())
        stored = int(((src == "estimated") & cats["category_race"].notna()).sum())
        none = int((src == "unknown").sum())
        print(
            f"  {name}: {len(cats)} drivers: same season {same}, other season {other}, estimated {est}"
            f" ({crew} by the crew rule, {stored} stored from another archived race),"
            f" none {none} (lookup {dt:.2f} s)"
        )


def accuracy(db: Path) -> None:
    from stintlab.analysis.estimate import estimate, fit
    from stintlab.archive.db import Archive
    from stintlab.archive.estimates import pace_trials
    from stintlab.archive.registry import ESTIMATED_CATEGORIES, load_registry, season_lookup, training_table

    with Archive(db) as arc:
        e = training_table(arc)
        reg = load_registry(arc)
        seasons = arc.df("SELECT race_id, season FROM races")
    e = e.merge(seasons, on="race_id")
    known = e[e["category"].notna()]
    with Archive(db) as arc:
        loro = pace_trials(arc)  # leave one graded race out: the archive's own calibration trials
    other = e[e["category"].isna() & e["pct"].notna()]
    labelled = []
    for season, g in other.groupby("season"):
        f = season_lookup(reg, list(set(g["driver_key"])), int(season))
        f = f[f["season_observed"] == season]
        labelled.append(g.assign(true=g["driver_key"].map(f["category"])))
    hidden = pd.concat(labelled)
    hidden = hidden[hidden["true"].notna()]
    est = estimate(fit(known), hidden)
    hidden = pd.DataFrame({"true": hidden["true"], "pred": est["category"], "p": est["probability"]})
    for name, r in (("IMSA, leave one race out", loro), ("WEC/Le Mans drivers graded by IMSA that season", hidden)):
        print(f"{name}: {len(r)} drivers, accuracy of the most probable category {(r.true == r.pred).mean():.3f}")
        for th in (0.0, 0.5, 0.6, 0.7, 0.8, 0.9):
            k = r[r["p"] >= th]
            prec = {c: f"{(g.true == g.pred).mean():.2f} (n={len(g)})" for c, g in k.groupby("pred")}
            kept = k[k["pred"].isin(ESTIMATED_CATEGORIES)]
            print(
                f"  p >= {th:.1f}: precision by estimated category {prec};"
                f" kept ({'/'.join(ESTIMATED_CATEGORIES)}): {len(kept)}, right {(kept.true == kept.pred).mean():.3f}"
            )


def stored_calibration(db: Path) -> None:
    """The calibration the archive states (stintlab.archive.estimates.calibration, leave one race out)."""
    from stintlab.archive.db import Archive
    from stintlab.archive.estimates import calibration

    with Archive(db) as arc:
        c = calibration(arc)
    for cat, v in c["pace"].items():
        print(f"stated probability of a pace {cat}: {v['precision']} (measured {v['measured']}, n={v['n']}, {v['from']})")
    v = c["crew rule"]
    print(f"stated probability of a crew-rule Bronze: {v['precision']} (measured {v['measured']}, n={v['n']}, {v['from']})")


def crew_rule_precision(db: Path) -> None:
    """WEC/Le Mans crews of the Bronze-required classes fully graded by the registry (same season): hide
    one driver at a time; where the others have no Bronze the rule says he is the Bronze."""
    from stintlab.analysis.estimate import BRONZE_REQUIRED
    from stintlab.archive.db import Archive
    from stintlab.archive.registry import load_registry, season_lookup

    with Archive(db) as arc:
        e = arc.df(
            "SELECT e.race_id, e.car, e.driver_key, r.season FROM entries e JOIN races r USING (race_id)"
            " WHERE e.category IS NULL AND upper(e.class) IN (" + ", ".join(f"'{c}'" for c in BRONZE_REQUIRED) + ")"
            " AND e.laps > 0"
        )
        reg = load_registry(arc)
    parts = []
    for season, g in e.groupby("season"):
        f = season_lookup(reg, list(set(g["driver_key"])), int(season))
        f = f[f["season_observed"] == season]
        parts.append(g.assign(cat=g["driver_key"].map(f["category"])))
    e = pd.concat(parts)
    n = right = crews = 0
    for _, g in e.groupby(["race_id", "car"]):
        if g["cat"].isna().any():
            continue
        crews += 1
        for i in g.index:
            if "Bronze" not in set(g.drop(i)["cat"]):
                n += 1
                right += int(g.at[i, "cat"] == "Bronze")
    print(f"crew rule: {crews} fully graded crews, {n} inferred Bronzes, {right} right")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default=str(ROOT.parent / "shared" / "data" / "races"))
    ap.add_argument("--db", default=None)
    args = ap.parse_args()
    corpus = Path(args.corpus)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(args.db) if args.db else Path(tmp) / "archive.duckdb"
        if not args.db:
            from stintlab.archive.store import ingest

            t0 = time.perf_counter()
            ingest([corpus], db, workers=1)
            print(f"archived the corpus in {time.perf_counter() - t0:.1f} s")
        coverage(db, corpus)
        accuracy(db)
        crew_rule_precision(db)
        stored_calibration(db)


if __name__ == "__main__":
    main()
