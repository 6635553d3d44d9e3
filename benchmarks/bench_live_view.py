"""The web live view's cost per step and the size of what it sends (web/live_view.py, web/live.py).

For each race: the LiveView set-up (timing points, flags, categories), the page payload built per step
(`every` race seconds, default 60; fractions, status, display.py texts, events capped) — time per step
and bytes of the SSE ``state`` line (mean, max) —, and one projection (Monte Carlo, PROJECT_RUNS runs)
at 1/4, 1/2 and 3/4 of the race, with the bytes it adds to the step that carries it. The engine's own
cost (feeding, snapshot) is benchmarks/bench_live.py's and not counted here.

    .venv/bin/python benchmarks/bench_live_view.py [race-name ...]   (default: lemans-2023 wec-2024-fuji6h)
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("STINTLAB_CORPUS", ROOT.parent / "shared" / "data" / "races"))


def lap_path(name: str) -> Path:
    import csv

    with open(CORPUS / "MANIFEST.csv", encoding="utf-8") as fh:
        row = next(r for r in csv.DictReader(fh) if r["race"] == name)
    return CORPUS / name / row["laps_file"]


def main(names: list[str], every: float = 60.0) -> None:
    import stintlab
    from stintlab.live.replay import replay_states
    from stintlab.serial import to_jsonable
    from stintlab.web.live_view import PROJECT_RUNS, LiveView

    for name in names:
        race = stintlab.load(lap_path(name), find_results=False)
        t0 = time.perf_counter()
        view = LiveView(race, car=str(race.cars["car"].iloc[0]))
        setup = time.perf_counter() - t0
        cost, size = [], []
        for state in replay_states(race, every=every):
            t0 = time.perf_counter()
            data = view.payload(state)
            body = json.dumps(to_jsonable(data), ensure_ascii=False, separators=(",", ":"))
            cost.append(time.perf_counter() - t0)
            size.append(len(body.encode()))
        n_cars = len(data["standings"])
        print(f"{name}: {n_cars} cars, {len(cost)} steps of {every:g} s; set-up {setup * 1000:.0f} ms")
        print(f"  payload per step: {1000 * sum(cost) / len(cost):.2f} ms mean, {1000 * max(cost):.1f} ms max; "
              f"{sum(size) / len(size) / 1024:.1f} KiB mean, {max(size) / 1024:.1f} KiB max")  # fmt: skip
        end = view.end
        for share in (0.25, 0.5, 0.75):
            t0 = time.perf_counter()
            p = view.projections(end * share)
            dt = time.perf_counter() - t0
            extra = len(json.dumps(to_jsonable(p), ensure_ascii=False, separators=(",", ":")).encode())
            what = p.get("error") or f"{len(p['cars'])} cars"
            print(f"  projection at {share:.0%} ({PROJECT_RUNS} runs): {dt:.2f} s, +{extra / 1024:.1f} KiB ({what})")


if __name__ == "__main__":
    main(sys.argv[1:] or ["lemans-2023", "wec-2024-fuji6h"])
