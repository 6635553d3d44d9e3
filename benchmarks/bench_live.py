"""The live engine's cost per new lap and its memory over a 24 h race (target: <= 2 ms per lap
amortised for a 62-car field; memory flat: bounded per-car state, 4 bytes per lap of crossing times for
the gaps, a few dozen bytes per closed stint and stop; no snapshot, no lap row is kept).

Feeds every crossing of each race one at a time to a LiveRace (in race-time order), taking a full
snapshot (standings, race control, events) every 60 s of race time as `replay --every 60` does, and
prints: laps, feed time per lap (wall and CPU), snapshot time, total, and the traced memory held by
the engine after each race hour (tracemalloc) and its growth per lap over hours 1..24. Reading the file (stintlab.load) is not timed.

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
    # memory: what the engine holds after each race hour (crossings fed hour by hour, a snapshot each hour)
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    engine = LiveRace()
    k, hour, held_at = 0, 1, {}
    while k < n:
        j = k
        while j < n and rows[j]["_t"] <= hour * 3600.0:
            j += 1
        engine.feed(rows[k:j])
        k = j
        engine.state()
        held_at[hour] = (k, tracemalloc.get_traced_memory()[0] - base)
        hour += 1
    tracemalloc.stop()
    print("  memory held (hour: crossings, bytes, bytes/lap): " + "; ".join(
        f"{h}: {m}, {b / 1e6:.2f} MB, {b / max(m, 1):.0f}" for h, (m, b) in held_at.items()))  # fmt: skip
    (m1, b1), (m2, b2) = held_at[1], held_at[max(h for h in held_at if h <= 24)]
    print(f"  growth hours 1..{min(24, max(held_at))}: {(b2 - b1) / max(m2 - m1, 1):.1f} bytes per new lap "
          f"(4 of them the crossing time the gaps need; the rest closed stints and stops)")

if __name__ == "__main__":
    for name in sys.argv[1:] or ["lemans-2023", "lemans-2025"]:
        bench(name)
