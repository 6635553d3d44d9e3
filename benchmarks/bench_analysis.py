"""Race-state analysis time on top of parsing, per corpus race (target: <= 0.3 s warm for a 24 h race).
Prints wall time and this process's CPU time (the latter barely moves when other jobs share the cores).

"Everything": annotate (neutralisations, incidents, clean, stint, hour), stints, driver spells,
drive time, stops, neutralisation phases, standings after every hour, the lap chart, the
time-loss account, and one car's timeline. Parsing (stintlab.load) is timed separately.

    .venv/bin/python benchmarks/bench_analysis.py [race-name ...]
"""

from __future__ import annotations

import csv
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("STINTLAB_CORPUS", ROOT.parent / "shared" / "data" / "races"))


def analyse(laps, sections=None):
    from stintlab.analysis.annotate import annotate_with_zones
    from stintlab.analysis.flags import neutralisations
    from stintlab.analysis.standings import final_standings, hourly_positions, position_history
    from stintlab.analysis.stints import drive_time, driver_spells, stints
    from stintlab.analysis.stops import stops
    from stintlab.analysis.timeline import car_events, time_loss_account

    a = annotate_with_zones(laps, sections)[0]  # sections: the Nordschleife's five sectors (WIGE)
    out = {
        "stints": stints(a),
        "spells": driver_spells(a),
        "drive_time": drive_time(a),
        "stops": stops(a),
        "phases": neutralisations(a),
        "hourly": hourly_positions(a),
        "lap_chart": position_history(a),
        "final": final_standings(a),
    }
    # stops and phases computed once and shared, as an application would
    out["loss"] = time_loss_account(a, out["stops"], out["phases"])
    out["events"] = car_events(a, out["final"]["car"].iat[0], out["stops"], out["phases"])
    return out


def main(names: list[str]) -> None:
    import stintlab

    with open(CORPUS / "MANIFEST.csv", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["laps_file"]]
    other = CORPUS / "MANIFEST-other.csv"  # WIGE (NLS) and SRO races
    if other.is_file():
        with open(other, encoding="utf-8") as fh:
            rows += [dict(r, hours="") for r in csv.DictReader(fh) if r["laps_file"]]
    if names:
        rows = [r for r in rows if r["race"] in names]
    print(
        f"{'race':45s} {'hours':>5s} {'laps':>6s} {'parse s':>8s} {'analysis s':>10s} {'cpu s':>6s} "
        f"{'stops':>5s} {'phases':>6s}"
    )
    worst24 = worst24_cpu = 0.0
    for r in rows:
        t0 = time.perf_counter()
        race = stintlab.load(CORPUS / r["race"] / r["laps_file"])
        t1 = time.perf_counter()
        analyse(race.laps, race.sections)  # warm-up (imports, caches)
        runs, cpu = [], []
        for _ in range(3):
            t2, c2 = time.perf_counter(), time.process_time()
            res = analyse(race.laps, race.sections)
            runs.append(time.perf_counter() - t2)
            cpu.append(time.process_time() - c2)
        best = min(runs)
        hours = float(r["hours"]) if r["hours"] else race.duration / 3600.0
        if hours > 20:
            worst24 = max(worst24, best)
            worst24_cpu = max(worst24_cpu, min(cpu))
        print(
            f"{r['race']:45s} {hours:5.1f} {len(race.laps):6d} {t1 - t0:8.3f} {best:10.3f} {min(cpu):6.3f} "
            f"{len(res['stops']):5d} {len(res['phases']):6d}"
        )
    if worst24:
        print(
            f"slowest 24 h race analysis (warm, best of 3): {worst24:.3f} s wall, {worst24_cpu:.3f} s CPU "
            f"(target 0.3 s; wall time grows with the machine's load: {os.getloadavg()[0]:.1f} now)"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
