"""The race's roster: ``race.cars``, ``race.drivers`` and ``race.categories`` of a race, CPU ms (issue #16).

    PYTHONPATH=src .venv/bin/python benchmarks/bench_roster.py [race-name ...]   # default lemans-2019 lemans-2024

Two moments, each from freshly loaded Races (median of 7, warm process):

- ``after load``: right after ``stintlab.load`` and the lap table, in the order ``info`` and ``drivers``
  ask (cars, drivers, categories): the first one pays for the lap context's car and driver codes;
- ``in analysis``: after the tables ``bench_race_tables.py`` asks for before ``events(winner)`` (the
  first table that needs the categories there), drivers then categories.

Run it under two trees for a paired before/after (PYTHONPATH=../main/src, then src).
"""

from __future__ import annotations

import csv
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_race_tables import CORPUS, steps  # noqa: E402


def median_ms(times: list[float]) -> str:
    return f"{1000 * statistics.median(times):6.2f}"


def main(names: list[str]) -> None:
    import stintlab

    with open(CORPUS / "MANIFEST.csv", encoding="utf-8") as fh:
        rows = {r["race"]: r for r in csv.DictReader(fh) if r["laps_file"]}
    print(f"CPU ms, median of 7 (stintlab from {stintlab.__file__})")
    for name in names or ["lemans-2019", "lemans-2024"]:
        path = CORPUS / name / rows[name]["laps_file"]
        stintlab.load(path).categories  # noqa: B018 (warm-up: imports, caches outside the Race)
        after_load: dict[str, list[float]] = {}
        in_analysis: dict[str, list[float]] = {}
        for _ in range(7):
            race = stintlab.load(path)
            race.laps  # noqa: B018
            for table in ("cars", "drivers", "categories"):
                c = time.process_time()
                getattr(race, table)
                after_load.setdefault(table, []).append(time.process_time() - c)
            race = stintlab.load(path)
            race.laps  # noqa: B018
            for step_name, step in steps(race):
                if step_name == "events(winner)":
                    break
                step()
            for table in ("drivers", "categories"):
                c = time.process_time()
                getattr(race, table)
                in_analysis.setdefault(table, []).append(time.process_time() - c)
        print(f"{name:14s} after load:  " + "  ".join(f"{t} {median_ms(v)}" for t, v in after_load.items()))
        print(f"{'':14s} in analysis: " + "  ".join(f"{t} {median_ms(v)}" for t, v in in_analysis.items()))
    print(f"load average now: {os.getloadavg()[0]:.1f} (2 cores)")


if __name__ == "__main__":
    main(sys.argv[1:])
