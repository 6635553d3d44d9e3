"""In-process load benchmark (issue #16 item 1): ``stintlab.load`` against pyarrow's ``read_csv`` of the
same lap file, in the SAME process, imports done, paired round by round.

    .venv/bin/python benchmarks/bench_load_inprocess.py                      # the five reference races
    .venv/bin/python benchmarks/bench_load_inprocess.py --repeat 15 --race lemans-2019
    .venv/bin/python benchmarks/bench_load_inprocess.py --base ../main/src    # this tree and BASE, alternating
    .venv/bin/python benchmarks/bench_load_inprocess.py --json

Each race is measured in fresh worker processes (``PYTHONPATH`` = the tree measured): imports and one
warm-up round first, then ``--repeat`` rounds (≥ 7), each timing ``pyarrow.csv.read_csv(path)`` (the floor:
the raw file with pyarrow's own type inference, its default threads, the file's separator; cp1252 files
decoded as such) and ``stintlab.load(path)`` (lap table, classification beside it, the race; cars, drivers
and classifications are built on first use, so a load pays for none of them) one after the other. The
figure of a worker is the median over rounds of the per-round ratio load / read_csv (wall clock,
``perf_counter``); the medians of each time and the ratio of process CPU times are printed beside it;
``--processes`` workers per race and tree, medians over them. With ``--base`` the workers run
alternately on this tree and on BASE (e.g. ``/work/main/src``) so both are measured at the same moment,
under the same machine load (printed: on the shared 2-core machine the ratio moves with the load, as
pyarrow's threads then have a core or not).

Target (issue #16): ``stintlab.load`` of a 24 h race ≤ 3× pyarrow's ``read_csv`` of the same file.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("STINTLAB_CORPUS", ROOT.parent / "shared" / "data" / "races"))
RACES = ("lemans-2019", "lemans-2023", "lemans-2024", "nls-2025-nls3", "gtwc-endurance-sro")
TARGET_RATIO = 3.0
LONG_RACE_HOURS = 20  # the target is about 24 h races


def lap_file(race: str) -> tuple[Path, float | None]:
    """The lap file of ``race`` (MANIFEST.csv or MANIFEST-other.csv) and its hours (None when unknown)."""
    for manifest in ("MANIFEST.csv", "MANIFEST-other.csv"):
        path = CORPUS / manifest
        if not path.is_file():
            continue
        with open(path, encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                if row["race"] == race and row["laps_file"]:
                    hours = float(row["hours"]) if row.get("hours") else None
                    return CORPUS / race / row["laps_file"], hours
    raise SystemExit(f"no lap file for race {race!r} in {CORPUS}")


def worker(path: str, repeat: int) -> dict:
    """Runs in a fresh process: imports, a warm-up round, then ``repeat`` paired rounds."""
    import gc
    import time

    import pyarrow.csv as pacsv

    import stintlab

    with open(path, "rb") as fh:
        data = fh.read()
    first = data.split(b"\n", 1)[0]
    sep = ";" if first.count(b";") >= first.count(b",") else ","
    try:
        data.decode("utf-8")
        encoding = "utf8"
    except UnicodeDecodeError:
        encoding = "cp1252"  # WIGE exports
    read_options = pacsv.ReadOptions(encoding=encoding)
    parse_options = pacsv.ParseOptions(delimiter=sep)
    steps = {
        "pyarrow": lambda: pacsv.read_csv(path, read_options=read_options, parse_options=parse_options),
        "load": lambda: stintlab.load(path),
    }
    wall: dict[str, list[float]] = {k: [] for k in steps}
    cpu: dict[str, list[float]] = {k: [] for k in steps}
    rows = None
    for i in range(repeat + 1):
        for name, fn in steps.items():
            gc.collect()
            c0, t0 = time.process_time(), time.perf_counter()
            got = fn()
            t1, c1 = time.perf_counter(), time.process_time()
            if name == "load":
                rows = len(got.laps)
            del got
            if i:  # round 0 warms up
                wall[name].append(t1 - t0)
                cpu[name].append(c1 - c0)
    ratios = [ld / pa for ld, pa in zip(wall["load"], wall["pyarrow"])]
    cpu_ratios = [ld / pa for ld, pa in zip(cpu["load"], cpu["pyarrow"])]
    return {
        "stintlab": stintlab.__file__,
        "rows": rows,
        "pyarrow_ms": statistics.median(wall["pyarrow"]) * 1e3,
        "load_ms": statistics.median(wall["load"]) * 1e3,
        "ratio": statistics.median(ratios),
        "ratios": ratios,
        "cpu_pyarrow_ms": statistics.median(cpu["pyarrow"]) * 1e3,
        "cpu_load_ms": statistics.median(cpu["load"]) * 1e3,
        "cpu_ratio": statistics.median(cpu_ratios),
    }


def run_worker(src: Path, path: Path, repeat: int) -> dict:
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", PYTHONPATH=str(src))
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", str(path), str(repeat)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    if proc.returncode != 0:
        return {"error": (proc.stderr.strip().splitlines() or ["?"])[-1]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--race", action="append", help=f"only this race (repeatable; default {', '.join(RACES)})")
    ap.add_argument("--repeat", type=int, default=9, help="paired rounds per worker (at least 7; median)")
    ap.add_argument("--base", metavar="SRC", help="also measure the src folder SRC (e.g. /work/main/src), alternating")
    ap.add_argument("--processes", type=int, default=3, help="workers per race and tree, trees alternating (median)")
    ap.add_argument("--json", action="store_true", help="print JSON instead of a table")
    ap.add_argument("--worker", nargs=2, metavar=("PATH", "REPEAT"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker[0], int(args.worker[1]))))
        return 0
    repeat = max(7, args.repeat)
    trees = {"this": ROOT / "src"}
    if args.base:
        trees = {"base": Path(args.base).resolve(), **trees}
    results = []
    if not args.json:
        print(f"python {sys.version.split()[0]}, {args.processes} warm worker process(es) per race and tree (trees "
              f"alternating), each the median of {repeat} paired rounds; medians over workers; load average at "
              f"start {os.getloadavg()[0]:.2f}\n")
        print(f"{'race':28} {'tree':5} {'rows':>6} {'arrow ms':>8} {'load ms':>8} {'ratio':>6} {'cpu ratio':>9}   ratio per worker")
    for race in args.race or RACES:
        path, hours = lap_file(race)
        runs: dict[str, list[dict]] = {label: [] for label in trees}
        for _ in range(max(1, args.processes)):  # trees alternate: both see the same machine load
            for label, src in trees.items():
                runs[label].append(run_worker(src, path, repeat))
        for label, src in trees.items():
            good = [r for r in runs[label] if "error" not in r]
            got = runs[label][0] if not good else {
                "rows": good[0]["rows"],
                **{k: statistics.median(r[k] for r in good) for k in ("pyarrow_ms", "load_ms", "ratio", "cpu_ratio")},
                "workers": good,
            }
            results.append({"race": race, "hours": hours, "tree": label, "src": str(src), **got})
            if args.json:
                continue
            if "error" in got:
                print(f"{race:28} {label:5} ERROR {got['error']}")
                continue
            per = " ".join(f"{r['ratio']:.2f}" for r in good)
            print(f"{race:28} {label:5} {got['rows']:6d} {got['pyarrow_ms']:8.1f} {got['load_ms']:8.1f} "
                  f"{got['ratio']:5.2f}x {got['cpu_ratio']:8.2f}x   {per}")
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    print(f"\nload average at end {os.getloadavg()[0]:.2f}")
    long = [r for r in results if r["tree"] == "this" and "ratio" in r and (r["hours"] or 0) >= LONG_RACE_HOURS]
    if long:
        worst = max(long, key=lambda r: r["ratio"])
        ok = worst["ratio"] <= TARGET_RATIO
        print(f"target: stintlab.load of a 24 h race <= {TARGET_RATIO:.0f}x pyarrow read_csv, same process: worst "
              f"{worst['ratio']:.2f}x ({worst['race']})  {'PASS' if ok else 'FAIL'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
