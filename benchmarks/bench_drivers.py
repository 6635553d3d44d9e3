"""Driver benchmark: all rankings of a 24 h race, warm (race loaded, code imported, one run done first).

    .venv/bin/python benchmarks/bench_drivers.py                      # Le Mans 2019 and 2023, 5 repeats
    .venv/bin/python benchmarks/bench_drivers.py --race lemans-2019 --repeat 10
    .venv/bin/python benchmarks/bench_drivers.py --json

"All rankings" = clean laps (annotate) + every pace metric per driver + driver rankings by the
default metric (index) with its intervals (exact order-statistic intervals of the median since issue #16
round 3; 200-resample bootstrap intervals before) + crew rankings + the best-performer table. Also timed: each other ranking metric (without recomputing clean laps) and
the rules check (``check_rules`` with the lemans-2019 rule set). Medians of ``--repeat`` runs.

Target (issue #4): all rankings for a 24 h race <= 0.5 s warm.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("STINTLAB_CORPUS", ROOT.parent / "shared" / "data" / "races"))
TARGET_SECONDS = 0.5


def _lap_file(name: str) -> Path:
    import csv

    with open(CORPUS / "MANIFEST.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["race"] == name:
                return CORPUS / name / row["laps_file"]
    raise SystemExit(f"no race {name!r} in {CORPUS / 'MANIFEST.csv'}")


def _median_time(fn, repeat: int, cpu: list | None = None) -> float:
    """Median wall time of ``repeat`` runs; with ``cpu``, this process's median CPU time is appended to it."""
    fn()  # warm-up
    times, cpus = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        times.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    if cpu is not None:
        cpu.append(statistics.median(cpus))
    return statistics.median(times)


def bench(name: str, repeat: int) -> dict:
    import stintlab
    from stintlab.analysis.annotate import annotate
    from stintlab.analysis.pace import METRICS, clean_laps
    from stintlab.analysis.rankings import best_performers, crew_rankings, driver_rankings
    from stintlab.analysis.rules import check_rules

    race = stintlab.load(_lap_file(name))
    laps, cats = race.laps, race.drivers

    def all_rankings():
        clean = clean_laps(annotate(laps))
        r = driver_rankings(laps, clean, cats)
        crew_rankings(laps, clean)
        best_performers(r)
        return r

    out = {
        "race": name,
        "laps": len(laps),
        "drivers": len(race.drivers),
    }
    cpu: list = []
    out["all_rankings_s"] = _median_time(all_rankings, repeat, cpu)
    out["all_rankings_cpu_s"] = cpu[0]
    out["clean_laps_s"] = _median_time(lambda: clean_laps(annotate(laps)), repeat)
    clean = clean_laps(annotate(laps))
    out["per_metric_s"] = {
        m: _median_time(lambda m=m: driver_rankings(laps, clean, cats, by=m), repeat) for m in METRICS
    }
    out["check_rules_s"] = _median_time(lambda: check_rules(laps, "lemans-2019", cats), repeat)
    out["target_s"] = TARGET_SECONDS
    out["meets_target"] = out["all_rankings_s"] <= TARGET_SECONDS
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--race", action="append", help="corpus race name (repeatable); default lemans-2019 and lemans-2023"
    )
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args(argv)
    results = [bench(n, a.repeat) for n in (a.race or ["lemans-2019", "lemans-2023"])]
    if a.json:
        print(json.dumps(results, indent=2))
        return 0
    for r in results:
        flag = "OK" if r["meets_target"] else "OVER TARGET"
        print(f"{r['race']}: {r['laps']} laps, {r['drivers']} drivers (median of {a.repeat}, warm)")
        print(f"  all rankings        {r['all_rankings_s']:.3f} s   target <= {r['target_s']} s  {flag}"
              f"  (CPU {r['all_rankings_cpu_s']:.3f} s, load {os.getloadavg()[0]:.1f})")  # fmt: skip
        print(f"  clean laps          {r['clean_laps_s']:.3f} s")
        for m, s in r["per_metric_s"].items():
            print(f"  rank by {m:<12} {s:.3f} s")
        print(f"  check_rules         {r['check_rules_s']:.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
