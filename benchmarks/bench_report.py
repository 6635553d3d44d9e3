"""Report benchmark: ``stintlab report`` on 24 h races as a WHOLE PROCESS (interpreter start,
imports, load, analysis, figures, writing the file), timed from outside, plus the file size and
the peak resident memory of the process.

    .venv/bin/python benchmarks/bench_report.py                   # every Le Mans race + the demo race
    .venv/bin/python benchmarks/bench_report.py --race lemans-2024 --car 92 --repeat 5
    .venv/bin/python benchmarks/bench_report.py --json

Targets (issue #5): ≤ 3 s per report of a 24 h race, file < 10 MB. The figures printed are the
median of ``--repeat`` runs (the demo race is generated once before timing: its cache is reused).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("STINTLAB_CORPUS", ROOT.parent / "shared" / "data" / "races"))
STINTLAB = ROOT / ".venv" / "bin" / "stintlab"
TARGET_SECONDS = 3.0
TARGET_BYTES = 10 * 1024 * 1024


def lemans_files() -> list[tuple[str, Path]]:
    import csv

    out = []
    manifest = CORPUS / "MANIFEST.csv"
    if manifest.is_file():
        with open(manifest, encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                if row["race"].startswith("lemans") and row["laps_file"]:
                    out.append((row["race"], CORPUS / row["race"] / row["laps_file"]))
    return out


def run_once(args: list[str]) -> tuple[float, int, float]:
    """(wall seconds, bytes written, peak RSS MB of the child) of one ``stintlab report`` process."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report.html"
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            [str(STINTLAB), "report", *args, "-o", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        _, status, usage = os.wait4(proc.pid, 0)  # this child's own rusage (peak RSS in KB on Linux)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode:
            raise SystemExit(f"stintlab report {' '.join(args)} failed with exit code {proc.returncode}")
        return wall, out.stat().st_size, usage.ru_maxrss / 1024.0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--race", help="only this corpus race (e.g. lemans-2024)")
    ap.add_argument("--car", help="car to follow (default: the winner)")
    ap.add_argument("--lang", default="en")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-demo", action="store_true", help="skip the demo race")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()

    jobs: list[tuple[str, list[str]]] = []
    for name, path in lemans_files():
        if a.race and name != a.race:
            continue
        extra = ["--car", a.car] if a.car else []
        jobs.append((name, [str(path), *extra, "--lang", a.lang]))
    if not a.no_demo and not a.race:
        subprocess.run([str(STINTLAB), "report", "-o", os.devnull], check=False, capture_output=True)  # build the demo
        jobs.append(("demo (no FILE)", ["--lang", a.lang]))

    rows = []
    for name, args in jobs:
        runs = [run_once(args) for _ in range(a.repeat)]
        wall = statistics.median(r[0] for r in runs)
        rows.append(
            {
                "race": name,
                "seconds": round(wall, 3),
                "min_seconds": round(min(r[0] for r in runs), 3),
                "megabytes": round(runs[0][1] / 1e6, 2),
                "peak_rss_mb": round(max(r[2] for r in runs), 1),
                "ok": wall <= TARGET_SECONDS and runs[0][1] < TARGET_BYTES,
            }
        )
    if a.json:
        print(json.dumps({"target_seconds": TARGET_SECONDS, "target_bytes": TARGET_BYTES, "runs": rows}, indent=2))
    else:
        print(f"stintlab report, whole process, median of {a.repeat} (target ≤ {TARGET_SECONDS} s, < 10 MB)")
        print(f"{'race':<18} {'s':>7} {'min s':>7} {'MB':>6} {'rss MB':>7}  ok")
        for r in rows:
            print(f"{r['race']:<18} {r['seconds']:>7.2f} {r['min_seconds']:>7.2f} {r['megabytes']:>6.2f} "
                  f"{r['peak_rss_mb']:>7.1f}  {'yes' if r['ok'] else 'NO'}")  # fmt: skip
    return 0 if all(r["ok"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
