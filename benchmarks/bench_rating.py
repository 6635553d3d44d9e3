"""Driver rating across races (issue #12 item 5): validation figures and timings on the corpus archive.

    .venv/bin/python benchmarks/bench_rating.py [--corpus ../shared/data/races] [--db ARCHIVE]

Without ``--db`` the whole corpus is archived in a temporary folder first. Prints: variance components,
the out-of-sample pair accuracy of the rating and of the baseline (last race's 10-lap mean), for every
half-life tried, and the time to rate the whole archive.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "data" / "races")
    ap.add_argument("--db", type=Path)
    args = ap.parse_args()
    from stintlab.analysis import rating
    from stintlab.archive.db import Archive
    from stintlab.archive.rating import rated_drivers, rating_table

    with tempfile.TemporaryDirectory() as tmp:
        db = args.db
        if db is None:
            from stintlab.archive.store import ingest

            db = Path(tmp) / "archive.duckdb"
            t0 = time.perf_counter()
            ingest(sorted(p for p in args.corpus.iterdir() if p.is_dir()), db)
            print(f"archived the corpus in {time.perf_counter() - t0:.1f} s")
        with Archive(db) as arc:
            t0 = time.perf_counter()
            table = rating_table(arc)
            rated = rated_drivers(arc)
            print(f"rated {len(rated)} driver-families from {len(table)} race entries in {time.perf_counter() - t0:.2f} s")
        tau, sigma = rating.variance_components(rating.gaps(table))
        print(f"tau {tau:.3f} %, sigma {sigma:.3f} %")
        default = rating.HALF_LIFE
        for hl in (default, 0.75, 3.0, 1e9):
            rating.HALF_LIFE = hl
            t0 = time.perf_counter()
            out = rating.validate(table)
            acc = out["pair_accuracy"]
            print(f"half-life {hl:g}: rating {acc['rating']:.3f} vs last race {acc['last_race']:.3f} "
                  f"({out['pairs']} pairs, {out['classes']} classes, {out['races']} races; {time.perf_counter() - t0:.1f} s)")  # fmt: skip
        rating.HALF_LIFE = default


if __name__ == "__main__":
    main()
