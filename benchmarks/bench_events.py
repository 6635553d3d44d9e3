"""A car's events and the time-loss account on 24 h races, warm (issue #16): CPU ms of ``race.time_loss``,
of ``race.events(winner)`` asked first (it pays the race-wide part every car's timeline shares) and of
``race.events`` for every car (what a report or web page listing many cars asks for), median of 5 fresh
Races. The tables they read and that are not theirs (annotated, stops, phases, stints, lap chart,
final standings, driver categories) are made before the clock starts. Run it under two trees for a
paired before/after (PYTHONPATH=../main/src, then this tree's src).

    .venv/bin/python benchmarks/bench_events.py [race-name ...]     # default lemans-2019 lemans-2024
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


def prepared(path):
    import stintlab

    race = stintlab.load(path)
    for name in ("annotated", "stops", "phases", "flags", "stints", "position_history", "final_standings", "categories"):
        getattr(race, name)
    return race


def main(names: list[str]) -> None:
    import stintlab

    with open(CORPUS / "MANIFEST.csv", encoding="utf-8") as fh:
        rows = {r["race"]: r for r in csv.DictReader(fh) if r["laps_file"]}
    print(f"CPU ms, median of 5 fresh Races (stintlab from {stintlab.__file__})")
    print(f"{'race':14s} {'cars':>4s} {'time_loss':>9s} {'events(winner)':>14s} {'events(all cars)':>16s} {'per car':>8s}")
    for name in names or ["lemans-2019", "lemans-2024"]:
        path = CORPUS / name / rows[name]["laps_file"]
        race = prepared(path)  # warm-up: imports and caches outside the Race
        race.time_loss  # noqa: B018
        for car in race.final_standings["car"]:
            race.events(car)
        got: dict[str, list[float]] = {}
        for _ in range(5):
            race = prepared(path)
            cars = list(race.final_standings["car"])
            c = time.process_time()
            race.time_loss  # noqa: B018
            got.setdefault("time_loss", []).append(time.process_time() - c)
            c = time.process_time()
            race.events(cars[0])
            first = time.process_time() - c
            for car in cars[1:]:
                race.events(car)
            got.setdefault("winner", []).append(first)
            got.setdefault("all", []).append(time.process_time() - c)
        ms = {k: 1000 * statistics.median(v) for k, v in got.items()}
        print(f"{name:14s} {len(cars):4d} {ms['time_loss']:9.1f} {ms['winner']:14.1f} {ms['all']:16.1f} {ms['all'] / len(cars):8.2f}")
    print(f"load average now: {os.getloadavg()[0]:.1f} (2 cores)")


if __name__ == "__main__":
    main(sys.argv[1:])
