"""Every Race table of a 24 h race, warm: the full analysis an application asks for, including the
driver rankings (target of issue #16: <= 0.1 s). Prints wall and this process's CPU time (CPU barely
moves when other jobs share the cores) and the machine load; run it under two trees for a paired
before/after (PYTHONPATH=../main/src, then this tree's src).

"Every table": annotated, slow_zones, flags, phases, stops, stints, spells, drive_time, incidents,
time_loss, final_standings, standings after every race hour, hourly_positions, position_history,
events of the winner, clean_laps, driver_metrics, driver_rankings (200-resample intervals),
crew_rankings, best_performers. Each run starts from a freshly loaded Race (loading is not timed).

    .venv/bin/python benchmarks/bench_race_tables.py [race-name ...]     # default lemans-2019 lemans-2024
    .venv/bin/python benchmarks/bench_race_tables.py --by-table [race-name ...]   # also CPU ms per table

``--by-table``: each table's own CPU time, in the order above (a table asked for first pays for what it
needs and no later one does: ``annotated`` includes the lap context, ``time_loss`` finds stops and phases
already made), median of 5 fresh Races.
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


def steps(race) -> list[tuple[str, object]]:
    """(name, callable) for every table, in the order they are asked for."""
    out = [(name, lambda name=name: getattr(race, name)) for name in TABLES]

    def hourly() -> None:
        for h in range(1, math.ceil(race.duration / 3600) + 1):
            race.standings(hour=h)

    out += [
        ("standings(hour=h) x all", hourly),
        ("events(winner)", lambda: race.events(race.final_standings["car"].iat[0])),
        ("driver_rankings", race.driver_rankings),
        ("crew_rankings", race.crew_rankings),
        ("best_performers", race.best_performers),
    ]
    return out


def everything(race) -> None:
    for _, step in steps(race):
        step()


def by_table(path) -> None:
    import statistics

    import stintlab

    times: dict[str, list[float]] = {}
    for _ in range(5):
        race = stintlab.load(path)
        race.laps  # noqa: B018
        for name, step in steps(race):
            c = time.process_time()
            step()
            times.setdefault(name, []).append(time.process_time() - c)
    for name, t in times.items():
        print(f"    {name:26s} {1000 * statistics.median(t):7.1f} ms")
    print(f"    {'sum of medians':26s} {1000 * sum(statistics.median(t) for t in times.values()):7.1f} ms")


def main(names: list[str]) -> None:
    import stintlab

    detail = "--by-table" in names
    names = [n for n in names if n != "--by-table"]

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
        if detail:
            by_table(path)
    print(f"load average now: {os.getloadavg()[0]:.1f} (2 cores)")


if __name__ == "__main__":
    main(sys.argv[1:])
