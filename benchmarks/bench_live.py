"""The live engine's cost per new lap and its memory over a 24 h race (target: <= 2 ms per lap
amortised for a 62-car field; memory flat: it grows by a few dozen bytes per lap, no snapshot is kept).

Feeds every crossing of each race one at a time to a LiveRace (in race-time order), taking a full
snapshot (standings, race control, events) every 60 s of race time as `replay --every 60` does, and
prints: laps, feed time per lap (wall and CPU), snapshot time, total, and the traced memory held by
the engine after each quarter of the race. Reading the file (stintlab.load) is not timed.

    .venv/bin/python benchmarks/bench_live.py [race-name ...]     (default: lemans-2023 lemans-2025)
"""

from __future__ import annotations

import os
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("STINTLAB_CORPUS", ROOT.parent / "shared" / "data" / "races"))


def lap_path(name: str) -> Path:
    import csv

    with open(CORPUS / "MANIFEST.csv", encoding="utf-8") as fh:
        row = next(r for r in csv.DictReader(fh) if r["race"] == name)
    return CORPUS / name / row["laps_file"]


def bench(name: str) -> None:
    import stintlab
    from stintlab.live import LiveRace
    from stintlab.live.replay import crossings

    race = stintlab.load(lap_path(name), find_results=False)
    rows = crossings(race.laps)
    n = len(rows)
    engine = LiveRace()
    # time: one crossing at a time, a snapshot every 60 s of race time
    feed_wall = feed_cpu = snap_wall = 0.0
    snaps = 0
    next_t = 60.0
    for r in rows:
        w, c = time.perf_counter(), time.process_time()
        engine.feed([r])
        feed_wall += time.perf_counter() - w
        feed_cpu += time.process_time() - c
        if r["elapsed"] >= next_t:
            w = time.perf_counter()
            engine.state(r["elapsed"])
            snap_wall += time.perf_counter() - w
            snaps += 1
            next_t += 60.0
    total = feed_wall + snap_wall
    print(f"{name}: {len(race.cars)} cars, {n} laps")
    print(f"  feed        {1000 * feed_wall / n:.4f} ms/lap wall, {1000 * feed_cpu / n:.4f} ms/lap CPU")
    print(f"  snapshots   {snaps} x {1000 * snap_wall / max(snaps, 1):.3f} ms")
    print(f"  amortised   {1000 * total / n:.4f} ms/lap (feed + one snapshot per race minute), total {total:.2f} s")
    # the same with slow zones re-detected on the 45-minute tail window every 300 race seconds (follow's default)
    engine = LiveRace(tail_every=300.0)
    w = time.perf_counter()
    next_t = 60.0
    for r in rows:
        engine.feed([r])
        if r["elapsed"] >= next_t:
            engine.state(r["elapsed"])
            next_t += 60.0
    zones = time.perf_counter() - w
    print(f"  with zones  {1000 * zones / n:.4f} ms/lap amortised (tail window every 300 s), total {zones:.2f} s")
    # memory: what the engine holds after each quarter of the race
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    engine = LiveRace()
    marks = [n // 4, n // 2, 3 * n // 4, n]
    k = 0
    for m in marks:
        engine.feed(rows[k:m])
        engine.state()
        k = m
        held = tracemalloc.get_traced_memory()[0] - base
        print(f"  memory after {m:6d} laps: {held / 1e6:6.2f} MB ({held / m:.0f} bytes/lap)")
    tracemalloc.stop()


if __name__ == "__main__":
    for name in sys.argv[1:] or ["lemans-2023", "lemans-2025"]:
        bench(name)
