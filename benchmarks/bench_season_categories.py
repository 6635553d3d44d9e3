"""Season/career categories (issue #12 item 2): agreement with ``drivers`` and cost, on the corpus archive.

    .venv/bin/python benchmarks/bench_season_categories.py [--corpus ../shared/data/races] [--db ARCHIVE]

Without ``--db`` the whole corpus is archived in a temporary folder first. Prints figures only:

1. per race with laps and without categories of its own (WEC, Le Mans, NLS, GTWC): every driver's category,
   source, season observed and probability as ``stintlab drivers --db`` resolves the loaded race
   (``race.categories`` with :func:`stintlab.archive.registry.category_lookup`) against
   :func:`stintlab.archive.season_categories.resolve_season_rows` on the archived rows; how many differ;
2. the cost of the categories in ``season``/``career``: the query alone and with the categories, per driver.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import Counter
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
DRIVERS = ["Kevin Estre", "Alessio Picariello", "Klaus Bachler", "Sarah Bovy", "Nick Tandy", "Paul Lafargue"]


def _na(v):
    return None if v is None or (not isinstance(v, str) and pd.isna(v)) else v


def agreement(db: Path) -> None:
    import stintlab
    from stintlab.archive.db import Archive
    from stintlab.archive.registry import category_lookup
    from stintlab.archive.season_categories import resolve_season_rows

    with Archive(db) as arc:
        races = arc.df(
            "SELECT race_id, source FROM races WHERE has_laps AND race_id NOT IN"
            " (SELECT race_id FROM entries WHERE category IS NOT NULL) ORDER BY race_id"
        )
    total = Counter()
    for rid, src in zip(races["race_id"], races["source"], strict=True):
        race = stintlab.load(src)
        race.category_lookup = category_lookup(db, required=True)
        live = race.categories
        with Archive(db) as arc:
            rows = arc.df("SELECT race_id, car, driver FROM entries WHERE race_id = ? AND laps > 0", [rid])
            t0 = time.perf_counter()
            got, _ = resolve_season_rows(arc, rows)
            dt = time.perf_counter() - t0
        mine = {(r.car, r.driver): (_na(r.category), r.category_source, _na(r.season_observed),
                                    _na(r.category_probability)) for r in got.itertuples()}  # fmt: skip
        differ = 0
        for r in live.itertuples():
            want = (_na(r.category), r.category_source, _na(r.season_observed), _na(r.category_probability))
            differ += int(mine.get((str(r.car), str(r.driver))) != want)
        counts = Counter(got["category_basis"])
        total.update(counts)
        total["drivers"] += len(live)
        total["differ"] += differ
        print(f"  {rid}: {len(live)} drivers, {differ} differ from drivers; {dict(counts)} ({dt * 1000:.0f} ms)")
    print(f"all: {total['drivers']} drivers, {total['differ']} differ; "
          f"{ {k: v for k, v in total.items() if k not in ('drivers', 'differ')} }")  # fmt: skip


def cost(db: Path) -> None:
    from stintlab.archive.db import Archive
    from stintlab.archive.season import driver_career, driver_season
    from stintlab.archive.season_categories import career_with_categories, with_categories

    with Archive(db) as arc:
        for name in DRIVERS:
            try:
                t0 = time.perf_counter()
                c = driver_career(arc, name)
                t1 = time.perf_counter()
                cc = career_with_categories(arc, c)
                t2 = time.perf_counter()
                year = int(c["races"]["season"].max())
                s = driver_season(arc, name, year)
                t3 = time.perf_counter()
                with_categories(arc, s)
                t4 = time.perf_counter()
            except Exception as exc:  # noqa: BLE001 (a driver missing from a partial archive)
                print(f"  {name}: {exc}")
                continue
            basis = dict(Counter(cc["races"]["category_basis"]))
            print(f"  {name}: career {len(c['races'])} races {1000 * (t1 - t0):.0f} ms + categories "
                  f"{1000 * (t2 - t1):.0f} ms {basis}; season {year} {1000 * (t3 - t2):.0f} ms + categories "
                  f"{1000 * (t4 - t3):.0f} ms")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default=str(ROOT.parent / "shared" / "data" / "races"))
    ap.add_argument("--db", default=None)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(args.db) if args.db else Path(tmp) / "archive.duckdb"
        if not args.db:
            from stintlab.archive.store import ingest

            t0 = time.perf_counter()
            ingest([Path(args.corpus)], db, workers=1)
            print(f"archived the corpus in {time.perf_counter() - t0:.1f} s")
        print("races without categories of their own: drivers (live) vs season rows (stored):")
        agreement(db)
        print("cost of the categories in season/career:")
        cost(db)


if __name__ == "__main__":
    main()
