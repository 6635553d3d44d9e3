"""Load benchmark: every corpus race, each in a FRESH Python process (imports done first, then one
timed load, no cache), printing parse time and peak memory; plus endurancepy on Le Mans 2019,
measured the same way in the same run, and the speed ratio.

    .venv/bin/python benchmarks/bench_load.py                # all races, 3 runs for Le Mans 2019
    .venv/bin/python benchmarks/bench_load.py --race lemans-2019 --repeat 5
    .venv/bin/python benchmarks/bench_load.py --json         # machine-readable
    .venv/bin/python benchmarks/bench_load.py --other-only --race gtwc-endurance-sro   # SRO next to Al Kamel

Columns: ``laps s`` = lap file → canonical lap table (``stintlab.io.read_file``, what the 0.1 s
target is about); ``race s`` = ``stintlab.load`` (lap table + official classification found beside
it + cars/drivers/derived classification), timed in a second fresh process; ``py MB`` = tracemalloc
peak of Python allocations during the load; ``arrow MB`` = peak of pyarrow's memory pool;
``rss MB`` = peak resident set size of the whole process (interpreter + imports + load), the
number the 300 MB target is checked against; ``+rss MB`` = that peak minus the RSS before loading.

Other timekeepers (``MANIFEST-other.csv``: the WIGE (NLS) and SRO exports, issue #13) get a second table: each race
next to the Al Kamel race whose lap count is closest, both measured the same way (an SRO "laps"
time includes reading the pit-stop file and entry list found beside the sector list).

Targets (issue #2): Le Mans 2019 canonical table ≤ 0.1 s; ≥ 15× faster than endurancepy;
peak memory for a 24 h race ≤ 300 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("STINTLAB_CORPUS", ROOT.parent / "shared" / "data" / "races"))
TARGET_SECONDS = 0.1
TARGET_RATIO = 15.0
TARGET_MB = 300.0


def _rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def worker(tool: str, path: str, mode: str) -> dict:
    """Runs inside the fresh process: import, then time exactly one load."""
    import gc
    import resource
    import time
    import tracemalloc

    if tool == "stintlab":
        import stintlab
        from stintlab.io import read_file

        if mode == "laps":

            def run():
                return len(read_file(path, expect="laps").table)
        else:

            def run():
                return len(stintlab.load(path).laps)
    elif tool == "pyarrow":  # floor: the raw file read as strings, no parsing of values
        import pyarrow.csv as pacsv

        with open(path, "rb") as fh:
            first = fh.readline()
        sep = ";" if first.count(b";") >= first.count(b",") else ","

        def run():
            return pacsv.read_csv(path, parse_options=pacsv.ParseOptions(delimiter=sep)).num_rows
    elif tool == "endurancepy":
        import endurancepy

        def run():
            return len(endurancepy.read_analysis(path))
    else:
        raise SystemExit(f"unknown tool {tool}")
    import pyarrow as pa

    gc.collect()
    rss_before = _rss_mb()
    pool = pa.default_memory_pool()
    # time without tracemalloc (it slows allocation-heavy code), then measure memory in the same process
    t0 = time.perf_counter()
    rows = run()
    seconds = time.perf_counter() - t0
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    arrow_peak = pool.max_memory() / 2**20 if pool.max_memory() is not None else float("nan")
    tracemalloc.start()
    run()
    py_peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return {
        "tool": tool,
        "mode": mode,
        "rows": rows,
        "seconds": seconds,
        "py_peak_mb": py_peak,
        "arrow_peak_mb": arrow_peak,
        "peak_rss_mb": peak_rss,
        "rss_delta_mb": peak_rss - rss_before,
    }


def cpu_worker(path: str, repeat: int) -> dict:
    """Runs inside a fresh process: process CPU time (all threads) of pyarrow's ``read_csv`` of the
    file (the floor: strings and inferred types, no checks), of the lap table and of ``stintlab.load``,
    ``repeat`` rounds after one warm-up round, in turn within each round; medians."""
    import time

    import pyarrow.csv as pacsv

    import stintlab
    from stintlab.io import read_file

    with open(path, "rb") as fh:
        first = fh.readline()
    sep = ";" if first.count(b";") >= first.count(b",") else ","
    steps = {
        "pyarrow": lambda: pacsv.read_csv(path, parse_options=pacsv.ParseOptions(delimiter=sep)),
        "laps": lambda: read_file(path, expect="laps"),
        "load": lambda: stintlab.load(path),
    }
    runs: dict[str, list[float]] = {k: [] for k in steps}
    for i in range(repeat + 1):
        for name, fn in steps.items():
            t0 = time.process_time()
            fn()
            if i:  # round 0 warms up
                runs[name].append(time.process_time() - t0)
    out = {k: statistics.median(v) for k, v in runs.items()}
    out["load_ratio"] = statistics.median(ld / pa for ld, pa in zip(runs["load"], runs["pyarrow"]))
    out["laps_ratio"] = statistics.median(lp / pa for lp, pa in zip(runs["laps"], runs["pyarrow"]))
    return out


def paired_cpu(base_src: str, path: Path, processes: int, repeat: int) -> dict:
    """``cpu_worker`` in fresh processes, alternating the tree at ``base_src`` and this one."""
    trees = {"base": str(Path(base_src).resolve()), "this": str(ROOT / "src")}
    got: dict[str, list[dict]] = {k: [] for k in trees}
    for _ in range(processes):
        for label, src in trees.items():
            env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", PYTHONPATH=src)
            cmd = [sys.executable, str(Path(__file__).resolve()), "--cpu-worker", str(path), str(repeat)]
            proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600, check=True)
            got[label].append(json.loads(proc.stdout.strip().splitlines()[-1]))
    return {
        label: {k: statistics.median(r[k] for r in rows) for k in rows[0]} | {"processes": rows}
        for label, rows in got.items()
    }


def measure(tool: str, path: Path, mode: str = "laps") -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", tool, str(path), mode]
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    if proc.returncode != 0:
        return {"tool": tool, "mode": mode, "error": (proc.stderr.strip().splitlines() or ["?"])[-1]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def races(only: list[str] | None) -> list[tuple[str, Path, float]]:
    import csv

    with open(CORPUS / "MANIFEST.csv", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["laps_file"]]
    out = [(r["race"], CORPUS / r["race"] / r["laps_file"], float(r["hours"])) for r in rows]
    return [r for r in out if not only or r[0] in only]


def other_races(only: list[str] | None) -> list[tuple[str, Path, int]]:
    """(name, lap file, laps) of the MANIFEST-other.csv races (other timekeepers)."""
    import csv

    path = CORPUS / "MANIFEST-other.csv"
    if not path.is_file():
        return []
    with open(path, encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["laps_file"]]
    out = [(r["race"], CORPUS / r["race"] / r["laps_file"], int(r["laps"])) for r in rows]
    return [r for r in out if not only or r[0] in only]


def alkamel_peer(laps: int) -> tuple[str, Path, int]:
    """The Al Kamel race (MANIFEST.csv, with a lap file) whose lap count is closest to ``laps``."""
    import csv

    with open(CORPUS / "MANIFEST.csv", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["laps_file"]]
    best = min(rows, key=lambda r: abs(int(r["laps"]) - laps))
    return best["race"], CORPUS / best["race"] / best["laps_file"], int(best["laps"])


def median_of(tool: str, path: Path, mode: str, repeat: int) -> dict:
    """``measure`` in ``repeat`` fresh processes; the run with the median time (the machine is shared)."""
    runs = [measure(tool, path, mode) for _ in range(max(1, repeat))]
    good = sorted((r for r in runs if "seconds" in r), key=lambda r: r["seconds"])
    if not good:
        return runs[0]
    best = dict(good[len(good) // 2])
    best["runs"] = [r["seconds"] for r in good]
    return best


def compare_other_timekeepers(only: list[str] | None, as_json: bool, repeat: int = 3) -> list[dict]:
    rows = []
    header = f"{'race':44} {'format':>6} {'rows':>6} {'MB':>5} {'laps s':>7} {'race s':>7} {'rss MB':>7}"
    for name, path, laps_n in other_races(only):
        peer_name, peer_path, _ = alkamel_peer(laps_n)
        pair = []
        for label, fmt, p in ((name, "other", path), (peer_name, "alkamel", peer_path)):
            laps = median_of("stintlab", p, "laps", repeat)
            race = median_of("stintlab", p, "race", repeat)
            pair.append({"race": label, "format": fmt, "file_mb": p.stat().st_size / 2**20, "laps": laps, "race_load": race})
        rows.append({"race": name, "pair": pair})
        if as_json:
            continue
        if len(rows) == 1:
            print(f"\nOther timekeepers, each next to the Al Kamel race of the closest lap count (median of {repeat} "
                  "fresh processes):\n")
            print(header)
            print("-" * len(header))
        for r in pair:
            if "error" in r["laps"] or "error" in r["race_load"]:
                print(f"{r['race']:44} {r['format']:>6} not read: {r['laps'].get('error') or r['race_load'].get('error')}")
                continue
            print(f"{r['race']:44} {r['format']:>6} {r['laps']['rows']:6d} {r['file_mb']:5.1f} {r['laps']['seconds']:7.3f} "
                  f"{r['race_load']['seconds']:7.3f} {r['race_load']['peak_rss_mb']:7.1f}")
        ok = [r for r in pair if "seconds" in r["laps"]]
        if len(ok) == 2:
            print(f"{'':44} ratio {ok[0]['laps']['seconds'] / ok[1]['laps']['seconds']:.2f}x the Al Kamel lap-table time")
    return rows


def print_paired(args) -> int:
    results = []
    for name, path, _ in races(args.race or [args.reference]):
        pair = paired_cpu(args.paired, path, args.processes, args.repeat)
        results.append({"race": name, **pair})
        if args.json:
            continue
        print(f"\n{name}: process CPU ms, median of {args.processes} fresh processes x {args.repeat} rounds "
              f"(load average {os.getloadavg()[0]:.1f})")
        print(f"{'tree':6} {'pyarrow':>8} {'laps':>8} {'load':>8} {'laps/pa':>8} {'load/pa':>8}   load/pa per process")
        for label in ("base", "this"):
            r = pair[label]
            per = " ".join(f"{p['load_ratio']:.1f}" for p in r["processes"])
            print(f"{label:6} {r['pyarrow'] * 1e3:8.1f} {r['laps'] * 1e3:8.1f} {r['load'] * 1e3:8.1f} "
                  f"{r['laps_ratio']:7.1f}x {r['load_ratio']:7.1f}x   {per}")
        ok = pair["this"]["load_ratio"] <= 3.0
        print(f"target: stintlab.load <= 3x pyarrow read_csv, same process: {pair['this']['load_ratio']:.1f}x "
              f"{'PASS' if ok else 'FAIL'}")
    if args.json:
        print(json.dumps(results, indent=2))
    return 0


def endurancepy_installed() -> bool:
    proc = subprocess.run([sys.executable, "-c", "import endurancepy"], capture_output=True)
    return proc.returncode == 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--race", action="append", help="only this race (repeatable)")
    ap.add_argument("--repeat", type=int, default=3, help="fresh processes per tool for Le Mans 2019 (median)")
    ap.add_argument("--reference", default="lemans-2019", help="race compared against endurancepy")
    ap.add_argument("--json", action="store_true", help="print JSON instead of a table")
    ap.add_argument("--other-only", action="store_true", help="only the other timekeepers' table (MANIFEST-other.csv)")
    ap.add_argument("--paired", metavar="BASE_SRC", help="process CPU time in-process, this tree against the "
                    "src folder BASE_SRC (e.g. ../main/src), alternating fresh processes; --race (default lemans-2019)")
    ap.add_argument("--processes", type=int, default=4, help="fresh processes per tree with --paired")
    ap.add_argument("--worker", nargs=3, metavar=("TOOL", "PATH", "MODE"), help=argparse.SUPPRESS)
    ap.add_argument("--cpu-worker", nargs=2, metavar=("PATH", "REPEAT"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(*args.worker)))
        return 0
    if args.cpu_worker:
        print(json.dumps(cpu_worker(args.cpu_worker[0], int(args.cpu_worker[1]))))
        return 0
    if not (CORPUS / "MANIFEST.csv").is_file():
        print(f"corpus not found at {CORPUS}", file=sys.stderr)
        return 2
    if args.paired:
        return print_paired(args)

    if args.other_only:
        other = compare_other_timekeepers(args.race, args.json, args.repeat)
        if args.json:
            print(json.dumps({"other_timekeepers": other}, indent=2))
        return 0

    results = []
    header = f"{'race':44} {'hours':>5} {'rows':>6} {'MB':>5} {'laps s':>7} {'race s':>7} {'py MB':>6} {'arrow MB':>8} {'rss MB':>7} {'+rss MB':>7}"
    if not args.json:
        print(f"python {sys.version.split()[0]}, one fresh process per measurement, corpus {CORPUS}\n")
        print(header)
        print("-" * len(header))
    for name, path, hours in races(args.race):
        laps = measure("stintlab", path, "laps")
        race = measure("stintlab", path, "race")
        row = {"race": name, "hours": hours, "file_mb": path.stat().st_size / 2**20, "laps": laps, "race_load": race}
        results.append(row)
        if args.json:
            continue
        if "error" in laps or "error" in race:
            print(f"{name:44} ERROR {laps.get('error') or race.get('error')}")
            continue
        print(
            f"{name:44} {hours:5.1f} {laps['rows']:6d} {row['file_mb']:5.1f} {laps['seconds']:7.3f} {race['seconds']:7.3f} "
            f"{laps['py_peak_mb']:6.1f} {laps['arrow_peak_mb']:8.1f} {race['peak_rss_mb']:7.1f} {race['rss_delta_mb']:7.1f}"
        )

    ok = [r for r in results if "error" not in r["laps"] and "error" not in r["race_load"]]
    summary: dict = {"races": len(results), "errors": len(results) - len(ok)}
    if ok:
        summary["total_laps_seconds"] = sum(r["laps"]["seconds"] for r in ok)
        long = [r for r in ok if r["hours"] >= 20] or ok
        summary["max_peak_rss_mb_24h"] = max(r["race_load"]["peak_rss_mb"] for r in long)

    ref = next((r for r in races([args.reference])), None)
    comparison = None
    if ref is not None:
        ours = [measure("stintlab", ref[1], "laps") for _ in range(max(1, args.repeat))]
        comparison = {"race": args.reference, "stintlab_runs": [m.get("seconds") for m in ours]}
        comparison["stintlab_seconds"] = statistics.median(m["seconds"] for m in ours if "seconds" in m)
        floor = [measure("pyarrow", ref[1]) for _ in range(max(1, args.repeat))]
        comparison["pyarrow_raw_seconds"] = statistics.median(m["seconds"] for m in floor if "seconds" in m)
        if endurancepy_installed():
            theirs = [measure("endurancepy", ref[1]) for _ in range(max(1, args.repeat))]
            good = [m["seconds"] for m in theirs if "seconds" in m]
            comparison["endurancepy_runs"] = [m.get("seconds", m.get("error")) for m in theirs]
            if good:
                comparison["endurancepy_seconds"] = statistics.median(good)
                comparison["endurancepy_rows"] = theirs[0].get("rows")
                comparison["endurancepy_peak_rss_mb"] = max(m["peak_rss_mb"] for m in theirs if "peak_rss_mb" in m)
                comparison["ratio"] = comparison["endurancepy_seconds"] / comparison["stintlab_seconds"]
        else:
            comparison["endurancepy"] = "not installed"
    summary["comparison"] = comparison
    other = compare_other_timekeepers(args.race, args.json, args.repeat)

    if args.json:
        print(json.dumps({"results": results, "summary": summary, "other_timekeepers": other}, indent=2))
        return 0
    print()
    print(
        f"{summary['races']} races, {summary['errors']} errors; sum of lap-table parse times {summary.get('total_laps_seconds', 0):.2f} s"
    )
    if "max_peak_rss_mb_24h" in summary:
        mb = summary["max_peak_rss_mb_24h"]
        print(
            f"peak RSS of a 24 h race load (whole process): {mb:.0f} MB  target ≤ {TARGET_MB:.0f} MB  {'PASS' if mb <= TARGET_MB else 'FAIL'}"
        )
    if comparison:
        s = comparison["stintlab_seconds"]
        runs = ", ".join(f"{x:.3f}" for x in comparison["stintlab_runs"] if x is not None)
        print(
            f"{args.reference}: stintlab lap table {s:.3f} s (median of {runs})  target ≤ {TARGET_SECONDS} s  {'PASS' if s <= TARGET_SECONDS else 'FAIL'}"
        )
        print(
            f"{args.reference}: pyarrow alone reading the raw file (floor) {comparison['pyarrow_raw_seconds']:.3f} s (median)"
        )
        if "endurancepy_seconds" in comparison:
            e = comparison["endurancepy_seconds"]
            runs = ", ".join(f"{x:.3f}" if isinstance(x, float) else str(x) for x in comparison["endurancepy_runs"])
            print(
                f"{args.reference}: endurancepy.read_analysis {e:.3f} s (median of {runs}), {comparison['endurancepy_rows']} rows, peak RSS {comparison['endurancepy_peak_rss_mb']:.0f} MB"
            )
            r = comparison["ratio"]
            print(
                f"speed ratio endurancepy / stintlab = {r:.1f}×  target ≥ {TARGET_RATIO:.0f}×  {'PASS' if r >= TARGET_RATIO else 'FAIL'}"
            )
        elif comparison.get("endurancepy") == "not installed":
            print("endurancepy not installed: no comparison (pip install endurancepy)")
        else:
            print(f"endurancepy failed: {comparison.get('endurancepy_runs')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
