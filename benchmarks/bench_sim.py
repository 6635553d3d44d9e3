"""Simulator and what-if timings (targets: 24 h 60-car race <= 5 s; 200-run what-if <= 10 s).

Run: ``.venv/bin/python benchmarks/bench_sim.py [--repeat N]``. Prints figures, asserts nothing.
The what-if is run on Le Mans 2019 from the corpus when it is present, else on the demo race.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path


def _time(fn, repeat):
    out = []
    result = None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        out.append(time.perf_counter() - t)
    return out, result


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    import stintlab
    from stintlab.sim.model import demo_entries, load_params
    from stintlab.sim.simulate import simulate
    from stintlab.sim.whatif import parse_change, whatif
    from stintlab.sim.writer import write_analysis_csv

    params = load_params()
    entries = demo_entries(seed=2024)
    times, laps = _time(lambda: simulate(entries, hours=24, seed=2024, params=params), args.repeat)
    print(f"simulate 24 h, {len(entries)} cars: {len(laps)} laps; median {statistics.median(times):.3f} s "
          f"(min {min(times):.3f}, max {max(times):.3f}; target <= 5 s)")  # fmt: skip

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "race.csv"
        times, _ = _time(lambda: write_analysis_csv(laps, path), args.repeat)
        print(f"write Analysis CSV: {path.stat().st_size / 1e6:.1f} MB; median {statistics.median(times):.3f} s")

        corpus = Path(
            os.environ.get("STINTLAB_CORPUS", Path(__file__).resolve().parents[2] / "shared" / "data" / "races")
        )
        lm19 = corpus / "lemans-2019" / "23_Analysis_Race_Hour 24.csv"
        if lm19.is_file():
            race = stintlab.load(lm19)
            car, changes, label = "7", [parse_change("stop", "367=median")], "Le Mans 2019 #7 --stop 367=median"
        else:
            race = stintlab.load(path)
            st = race.laps[race.laps["in_lap"] & (race.laps["car"] == race.laps["car"].iat[0])]
            car, changes, label = (
                race.laps["car"].iat[0],
                [parse_change("stop", f"{int(st['lap'].iat[0])}=median")],
                "demo race",
            )
        times, res = _time(lambda: whatif(race.annotated, car, changes, runs=200, seed=0), args.repeat)
        print(f"what-if 200 runs ({label}): median {statistics.median(times):.3f} s "
              f"(min {min(times):.3f}, max {max(times):.3f}; target <= 10 s); projected class position "
              f"{res['projected']['class_position']}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
