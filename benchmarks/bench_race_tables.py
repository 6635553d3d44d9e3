"""Every Race table of a 24 h race, warm: the full analysis an application asks for, including the
driver rankings (target of issue #16: <= 0.1 s). Prints wall and this process's CPU time (CPU barely
moves when other jobs share the cores) and the machine load; run it under two trees for a paired
before/after (PYTHONPATH=../main/src, then this tree's src).

"Every table": annotated, slow_zones, flags, phases, stops, stints, spells, drive_time, incidents,
time_loss, final_standings, standings after every race hour, hourly_positions, position_history,
events of the winner, clean_laps, driver_metrics, driver_rankings (200-resample intervals),
crew_rankings, best_performers. Each run starts from a freshly loaded Race (loading is not timed).

    .venv/bin/python benchmarks/bench_race_tables.py [race-name ...]     # default lemans-2019 lemans-2024
"""

from __future__ import annotations

import csv
import math
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("STINTLAB_CORPUS", ROOT.parent / "shared" / "data" / "races"))
TABLES = (
    "annotated", "slow_zones", "flags", "phases", "stops", "stints", "spells", "drive_time", "incidents",
    "time_loss", "final_standings", "hourly_positions", "position_history", "clean_laps", "driver_metrics",
)  # fmt: skip


def everything(race) -> None:
    for name in TABLES:
        getattr(race, name)
    for h in range(1, math.ceil(race.duration / 3600) + 1):
        race.standings(hour=h)
    race.events(race.final_standings["car"].iat[0])
    race.driver_rankings()
    race.crew_rankings()
    race.best_performers()


def main(names: list[str]) -> None:
    import stintlab

    with open(CORPUS / "MANIFEST.csv", encoding="utf-8") as fh:
        rows = {r["race"]: r for r in csv.DictReader(fh) if r["laps_file"]}
    print(f"{'race':20s} {'laps':>6s} {'wall s':>7s} {'cpu s':>6s}   (best of 3, warm; stintlab from {stintlab.__file__})")
    for name in names or ["lemans-2019", "lemans-2024"]:
        path = CORPUS / name / rows[name]["laps_file"]
        everything(stintlab.load(path))  # warm-up: imports, rule files, caches outside the Race
        wall, cpu = [], []
        for _ in range(3):
            race = stintlab.load(path)
            race.laps  # noqa: B018 (the lap table is read, not timed)
            t, c = time.perf_counter(), time.process_time()
            everything(race)
            wall.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
        print(f"{name:20s} {len(race.laps):6d} {min(wall):7.3f} {min(cpu):6.3f}")
    print(f"load average now: {os.getloadavg()[0]:.1f} (2 cores)")


if __name__ == "__main__":
    main(sys.argv[1:])
