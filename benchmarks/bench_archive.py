"""Archive benchmark: ingest of every corpus race, re-ingest, and the driver-season query.

Targets (issue #7): all 39 corpus races ingest in <= 10 s; driver-season query <= 50 ms.

    .venv/bin/python benchmarks/bench_archive.py [--corpus ../shared/data/races]

Prints figures only (no asserts). The archive is built in a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default=str(ROOT.parent / "shared" / "data" / "races"))
    ap.add_argument(
        "--drivers", nargs="*", default=["Kevin Estre", "Sebastien Bourdais", "Ben Keating", "Harry Tincknell"]
    )
    ap.add_argument("--year", type=int, default=2024)
    ap.add_argument("--repeat", type=int, default=30)
    ap.add_argument("--workers", type=int, default=None, help="parser processes (default: up to 2)")
    args = ap.parse_args()

    t_import = time.perf_counter()
    from stintlab.archive.season import driver_career, driver_season
    from stintlab.archive.store import Archive, ingest

    t_import = time.perf_counter() - t_import
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "archive.duckdb"
        t0 = time.perf_counter()
        c0, k0 = time.process_time(), resource.getrusage(resource.RUSAGE_CHILDREN)
        res = ingest([args.corpus], db, workers=args.workers)
        t_ingest = time.perf_counter() - t0
        cpu_main = time.process_time() - c0
        k1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu_children = (k1.ru_utime + k1.ru_stime) - (k0.ru_utime + k0.ru_stime)
        added = sum(r["status"] == "added" for r in res)
        t0 = time.perf_counter()
        again = ingest([args.corpus], db)
        t_again = time.perf_counter() - t0
        unchanged = sum(r["status"] == "unchanged" for r in again)
        size = db.stat().st_size
        with Archive(db) as arc:
            laps = arc.con.execute("SELECT count(*) FROM laps").fetchall()[0][0]
            entries = arc.con.execute("SELECT count(*) FROM entries").fetchall()[0][0]
            nolaps = arc.con.execute("SELECT count(*) FROM races WHERE NOT has_laps").fetchall()[0][0]
        print(f"import stintlab.archive        {t_import * 1000:8.0f} ms")
        print(
            f"ingest {sum(r['status'] != 'unsupported' for r in res)} races, workers={args.workers or 'auto'} ({added} added, {nolaps} classification-only)  {t_ingest:6.2f} s   (target <= 10 s)"
        )
        print(
            f"  CPU: this process {cpu_main:.2f} s, parser processes {cpu_children:.2f} s; "
            f"load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (wall time suffers when busy)"
        )
        print(f"re-ingest ({unchanged} unchanged)       {t_again:6.2f} s")
        print(f"archive: {laps} laps, {entries} driver entries, {size / 1e6:.1f} MB on disk")

        t0 = time.perf_counter()
        with Archive(db) as arc:
            t_open = time.perf_counter() - t0
            t0 = time.perf_counter()
            first = driver_season(arc, args.drivers[0], args.year)
            t_cold = time.perf_counter() - t0
            print(f"open archive (read-only)       {t_open * 1000:8.1f} ms")
            print(
                f"first season query (cold)      {t_cold * 1000:8.1f} ms   ({first['driver']}: {first['totals']['races']} races)"
            )
            for name in args.drivers:
                times = []
                for _ in range(args.repeat):
                    t0 = time.perf_counter()
                    s = driver_season(arc, name, args.year)
                    times.append(time.perf_counter() - t0)
                print(
                    f"season {name!r:24} {args.year}: median {statistics.median(times) * 1000:6.1f} ms, "
                    f"max {max(times) * 1000:6.1f} ms  ({s['totals']['races']} races, series {s['totals']['series']})"
                    "   (target <= 50 ms)"
                )
            times = []
            for _ in range(max(3, args.repeat // 3)):
                t0 = time.perf_counter()
                c = driver_career(arc, args.drivers[0])
                times.append(time.perf_counter() - t0)
            print(
                f"career {args.drivers[0]!r}: median {statistics.median(times) * 1000:6.1f} ms ({len(c['seasons'])} seasons)"
            )


if __name__ == "__main__":
    main()
