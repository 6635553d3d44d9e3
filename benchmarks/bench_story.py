"""Time of the journalist's story (``stintlab story``, default) and of the chronological account
(``--full``) for a few cars of the corpus, on an already loaded race (load time printed apart).
``cold s``: the first journalist story (builds the analysis tables the race caches); ``short s`` /
``full s``: best of ``--repeat`` later calls (tables cached; the journalist's story still runs its
what-if replay, 200 runs, when a decisive event has one).

    .venv/bin/python benchmarks/bench_story.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
CORPUS = Path(os.environ.get("STINTLAB_CORPUS", ROOT.parent / "shared" / "data" / "races"))
CASES = [("lemans-2024", "92"), ("lemans-2023", "33"), ("lemans-2019", "8"), ("wec-2024-fuji6h", "92")]


def main() -> None:
    import csv

    import stintlab
    from stintlab.report.story import journalist_story, story

    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with open(CORPUS / "MANIFEST.csv", encoding="utf-8") as fh:
        files = {r["race"]: CORPUS / r["race"] / r["laps_file"] for r in csv.DictReader(fh) if r["laps_file"]}
    print(f"{'race':<18} {'car':>4} {'load s':>7} {'cold s':>7} {'short s':>8} {'full s':>7} {'short n':>8} {'full n':>7}")
    for name, car in CASES:
        t = time.perf_counter()
        race = stintlab.load(files[name])
        load = time.perf_counter() - t
        t = time.perf_counter()
        journalist_story(race, car, "en")
        cold = time.perf_counter() - t
        short = full = float("inf")
        for _ in range(args.repeat):
            t = time.perf_counter()
            s = journalist_story(race, car, "en")
            short = min(short, time.perf_counter() - t)
            t = time.perf_counter()
            f = story(race, car, "en")
            full = min(full, time.perf_counter() - t)
        print(f"{name:<18} {car:>4} {load:7.2f} {cold:7.2f} {short:8.2f} {full:7.2f} {len(s):8d} {len(f):7d}")


if __name__ == "__main__":
    main()
