"""Live incidents against the whole-race detector: how many of a finished race's incidents
(race.incidents, analysis/incidents.py) the live engine reports, how many it reports that the
whole race does not confirm, how late, and at what cost.

Feeds every crossing in order to a LiveRace(incidents_every=600) with a snapshot every 60 race seconds
(as `replay --every 60`), collects the `incident` events and compares them with race.incidents by
(car, lap).

    .venv/bin/python benchmarks/live_incidents.py [race-name ...]     (default: lemans-2023 lemans-2025)
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_live import lap_path  # noqa: E402


def run(name: str, every: float = 600.0) -> None:
    import stintlab
    from stintlab.live import LiveRace
    from stintlab.live.replay import crossings

    race = stintlab.load(lap_path(name), find_results=False)
    final = {(str(c), int(lap)): t for c, lap, t in zip(race.incidents["car"], race.incidents["lap"],
                                                         race.incidents["race_time"])}  # fmt: skip
    rows = crossings(race.laps)
    engine = LiveRace(incidents_every=every)
    live, delays = {}, []
    next_t = 60.0
    w = time.perf_counter()
    for r in rows:
        engine.feed([r])
        if r["_t"] >= next_t:
            for e in engine.state(r["_t"]).events:
                if e.kind == "incident":
                    live[(e.car, e.lap)] = e.race_time
                    delays.append(r["_t"] - e.race_time)
            next_t += 60.0
    for e in engine.state().events:
        if e.kind == "incident":
            live[(e.car, e.lap)] = e.race_time
    took = time.perf_counter() - w
    both = set(live) & set(final)
    print(f"{name}: {len(rows)} laps; whole race {len(final)} incidents; live {len(live)}: "
          f"{len(both)} of them confirmed by the whole race ({100 * len(both) / max(len(final), 1):.0f} % found), "
          f"{len(set(live) - set(final))} not, {len(set(final) - set(live))} missed")  # fmt: skip
    if delays:
        print(f"  reported {statistics.median(delays) / 60:.1f} min after the lap (median), "
              f"max {max(delays) / 60:.1f} min")  # fmt: skip
    print(f"  feed + snapshots + incident analyses: {1000 * took / len(rows):.3f} ms/lap amortised, total {took:.1f} s")


if __name__ == "__main__":
    for name in sys.argv[1:] or ["lemans-2023", "lemans-2025"]:
        run(name)
