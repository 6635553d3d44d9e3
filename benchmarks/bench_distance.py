"""Standings by distance (analysis/distance.py, ``race.standings(at=...)``): cost per call, per corpus race
(target: well under 50 ms per call on a 24 h race). Prints, per race: the timing points, the time to build
them once (``progress``, kept by the Race as ``race.progress``), and the best / median wall time of one
``distance_standings`` call over 60 instants spread over the race (3 rounds), plus the same for the
last-crossing ``standings_at`` for comparison; ``call cpu ms``: this process's CPU time per call (barely moves
when other jobs share the cores, unlike wall time).

    .venv/bin/python benchmarks/bench_distance.py [race-name ...]
"""

from __future__ import annotations

import csv
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("STINTLAB_CORPUS", ROOT.parent / "shared" / "data" / "races"))


def main(names: list[str]) -> None:
    import stintlab
    from stintlab.analysis.distance import distance_standings, progress
    from stintlab.analysis.standings import standings_at

    with open(CORPUS / "MANIFEST.csv", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["laps_file"]]
    rows = [r for r in rows if r["race"] in names] if names else [r for r in rows if float(r["hours"]) > 20]
    print(f"{'race':30s} {'hours':>5s} {'laps':>6s} {'points':>7s} {'build ms':>9s} {'call ms best':>12s} "
          f"{'call ms median':>14s} {'call cpu ms':>11s} {'crossing ms':>11s}")  # fmt: skip
    worst = 0.0
    for r in rows:
        race = stintlab.load(CORPUS / r["race"] / r["laps_file"])
        laps = race.laps
        end = float(laps["elapsed"].max())
        progress(laps)  # warm-up
        builds = []
        for _ in range(3):
            t0 = time.perf_counter()
            p = progress(laps, race.sections)
            builds.append(time.perf_counter() - t0)
        instants = [end * (i + 0.5) / 60 for i in range(60)]
        calls, old = [], []
        c0 = time.process_time()
        for t in instants * 3:
            distance_standings(p, t)
        cpu = (time.process_time() - c0) / (3 * len(instants))
        for _ in range(3):
            for t in instants:
                t0 = time.perf_counter()
                distance_standings(p, t)
                calls.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                standings_at(laps, t)
                old.append(time.perf_counter() - t0)
        med = statistics.median(calls)
        if float(r["hours"]) > 20:
            worst = max(worst, med)
        print(f"{r['race']:30s} {float(r['hours']):5.1f} {len(laps):6d} {len(p.t):7d} {min(builds) * 1e3:9.1f} "
              f"{min(calls) * 1e3:12.2f} {med * 1e3:14.2f} {cpu * 1e3:11.2f} {statistics.median(old) * 1e3:11.2f}")  # fmt: skip
    if worst:
        print(f"slowest 24 h race, median per call: {worst * 1e3:.2f} ms (target well under 50 ms; "
              f"load now {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main(sys.argv[1:])
