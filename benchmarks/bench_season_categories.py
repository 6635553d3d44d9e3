"""Season/career categories (issue #12 item 2): agreement with ``drivers`` and cost, on the corpus archive.

    .venv/bin/python benchmarks/bench_season_categories.py [--corpus ../shared/data/races] [--db ARCHIVE]
    .venv/bin/python benchmarks/bench_season_categories.py --db DIR/archive.duckdb --cost-only --drivers "Test Career"

(the second on a synthetic archive of ``bench_scale.py --races 200 --keep DIR``, whose "Test Career" driver has a
race in every copy). With ``PYTHONPATH`` at another checkout's ``src`` the same figures are measured for that code
(paired before/after runs on one archive).

Without ``--db`` the whole corpus is archived in a temporary folder first. Prints figures only:

1. per race with laps and without categories of its own (WEC, Le Mans, NLS, GTWC): every driver's category,
   source, season observed and probability as ``stintlab drivers --db`` resolves the loaded race
   (``race.categories`` with :func:`stintlab.archive.registry.category_lookup`) against
   :func:`stintlab.archive.season_categories.resolve_season_rows` on the archived rows; how many differ;
2. the cost of the categories in ``season``/``career``: the query alone and with the categories, per driver
   (medians of ``--repeat`` runs, with the load average).
"""

from __future__ import annotations

import argparse
import os
import statistics
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


def _median_ms(fn, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return 1000 * statistics.median(times), out


def cost(db: Path, drivers: list[str], repeat: int) -> None:
    """Per driver: the career query, its categories (``career_with_categories``), the latest season query and
    its categories (``with_categories``), each the median of ``repeat`` runs in this process (one warm-up)."""
    from stintlab.archive.db import Archive
    from stintlab.archive.season import driver_career, driver_season
    from stintlab.archive.season_categories import career_with_categories, with_categories

    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; median of {repeat} runs")
    with Archive(db) as arc:
        for name in drivers:
            try:
                c = driver_career(arc, name)
                career_with_categories(arc, c)  # warm-up
                t_c, c = _median_ms(lambda: driver_career(arc, name), repeat)  # noqa: B023
                t_cc, cc = _median_ms(lambda: career_with_categories(arc, c), repeat)  # noqa: B023
                year = int(c["races"]["season"].max())
                t_s, s = _median_ms(lambda: driver_season(arc, name, year), repeat)  # noqa: B023
                t_sc, _ = _median_ms(lambda: with_categories(arc, s), repeat)  # noqa: B023
            except Exception as exc:  # noqa: BLE001 (a driver missing from a partial archive)
                print(f"  {name}: {exc}")
                continue
            basis = dict(Counter(cc["races"]["category_basis"]))
            print(f"  {name}: career {len(c['races'])} races {t_c:.0f} ms + categories {t_cc:.0f} ms {basis}; "
                  f"season {year} ({len(s['races'])} races) {t_s:.0f} ms + categories {t_sc:.0f} ms")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default=str(ROOT.parent / "shared" / "data" / "races"))
    ap.add_argument("--db", default=None)
    ap.add_argument("--drivers", nargs="*", default=DRIVERS, help="career/season cost of these drivers")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--cost-only", action="store_true", help="skip the agreement with `drivers` (needs --db)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(args.db) if args.db else Path(tmp) / "archive.duckdb"
        if not args.db:
            from stintlab.archive.store import ingest

            t0 = time.perf_counter()
            ingest([Path(args.corpus)], db, workers=1)
            print(f"archived the corpus in {time.perf_counter() - t0:.1f} s")
        if not args.cost_only:
            print("races without categories of their own: drivers (live) vs season rows (stored):")
            agreement(db)
        print("cost of the categories in season/career:")
        cost(db, args.drivers, args.repeat)


if __name__ == "__main__":
    main()
