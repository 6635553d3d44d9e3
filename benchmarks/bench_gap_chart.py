"""The gap chart (analysis.distance.gap_history + report.charts.gap_figure): time to build the gap history of
a race (600 instants, every car), its rows, and the size of the gap figures of all classes as the report embeds
them (JSON bytes). Per corpus race over 20 h by default; CPU time barely moves when other jobs share the cores.

    .venv/bin/python benchmarks/bench_gap_chart.py [race-name ...]
"""

from __future__ import annotations

import csv
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("STINTLAB_CORPUS", ROOT.parent / "shared" / "data" / "races"))


def main(names: list[str]) -> None:
    import stintlab
    from stintlab.analysis.distance import gap_history
    from stintlab.report.charts import gap_figure

    with open(CORPUS / "MANIFEST.csv", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["laps_file"]]
    rows = [r for r in rows if r["race"] in names] if names else [r for r in rows if float(r["hours"]) > 20]
    print(f"{'race':30s} {'cars':>5s} {'rows':>7s} {'build ms':>9s} {'cpu ms':>7s} {'figures KB':>10s}")
    for r in rows:
        race = stintlab.load(CORPUS / r["race"] / r["laps_file"])
        p = race.progress
        gap_history(p)  # warm-up
        walls, c0 = [], time.process_time()
        for _ in range(3):
            t0 = time.perf_counter()
            g = gap_history(p)
            walls.append(time.perf_counter() - t0)
        cpu = (time.process_time() - c0) / 3
        size = sum(
            len(json.dumps(gap_figure(g, race.cars, str(c)), separators=(",", ":")))
            for c in race.cars["class"].dropna().unique()
        )
        print(f"{r['race']:30s} {len(race.cars):5d} {len(g):7d} {min(walls) * 1e3:9.1f} {cpu * 1e3:7.1f} {size / 1024:10.0f}")


if __name__ == "__main__":
    main(sys.argv[1:])
