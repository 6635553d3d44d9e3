"""What an event folder costs over its lap file: per corpus folder (MANIFEST.csv and MANIFEST-other.csv),
the time to tell which files make the race (``stintlab.io.racefiles.race_in_folder``: every CSV's header
line, the sub-folders' too) next to ``stintlab.load`` of the folder and of its lap file (the laps read,
no derived table). Best of 3, wall seconds.

    .venv/bin/python benchmarks/bench_load_folder.py [race-name ...]
"""

from __future__ import annotations

import csv
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("STINTLAB_CORPUS", ROOT.parent / "shared" / "data" / "races"))


def best(fn, n: int = 3) -> float:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main(names: list[str]) -> None:
    import stintlab
    from stintlab.io.racefiles import race_in_folder

    rows = []
    for manifest in ("MANIFEST.csv", "MANIFEST-other.csv"):
        with open(CORPUS / manifest, encoding="utf-8", newline="") as fh:
            rows += [r for r in csv.DictReader(fh) if r["laps_file"] and (not names or r["race"] in names)]
    print(f"{'race':45} {'files':>5} {'find s':>7} {'load folder s':>13} {'load file s':>11}")
    total_find = 0.0
    for r in rows:
        folder = CORPUS / r["race"]
        files = sum(1 for f in folder.rglob("*") if f.is_file())
        find = best(lambda folder=folder: race_in_folder(folder))
        by_folder = best(lambda folder=folder: stintlab.load(folder).laps)
        by_file = best(lambda r=r, folder=folder: stintlab.load(folder / r["laps_file"]).laps)
        total_find += find
        print(f"{r['race']:45} {files:5} {find:7.4f} {by_folder:13.3f} {by_file:11.3f}")
    print(f"{len(rows)} folders: finding their files took {total_find:.3f} s in all")


if __name__ == "__main__":
    main(sys.argv[1:])
