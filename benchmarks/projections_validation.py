"""Strategy projections checked against what happened (docs/sim.md, "Projections: validation").

Run: ``.venv/bin/python benchmarks/projections_validation.py [--runs N] [--race NAME ...] [--markdown]``.
For each race, projections are made from the race cut at 1/4, 1/2 and 3/4 of its scheduled length
(hours 6, 12 and 18 of a 24 h race; 1/3 and 2/3 of a 6 h race) and compared with the end of the race,
the "actual" figures read from the raw lap file with the csv module (``tests/oracle.py``), not with
stintlab. Prints the error table and the time each projection took. Asserts nothing.

Columns: ``cars`` running at the cut (projected) / of them taking the flag; ``laps MAE`` mean absolute
error of final laps over the finishers (``bias``: projected minus actual), ``in p10-p90`` share of
finishers whose final laps fall in the Monte Carlo band; ``stops MAE`` stops after the cut over the
finishers; ``cpos MAE`` mean absolute error of the class position at the flag (median of the Monte
Carlo) over all cars running at the cut, ``rank`` the same error of the class order of the Monte Carlo
mean positions, ``now`` the same error of the class position at the cut (the naive forecast), ``in band``
share inside the p10-p90 class-position band.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
CORPUS = Path(os.environ.get("STINTLAB_CORPUS", ROOT.parent / "shared" / "data" / "races"))

# race -> cut times as fractions of the scheduled length
RACES = {
    "lemans-2023": (0.25, 0.5, 0.75),
    "lemans-2024": (0.25, 0.5, 0.75),
    "lemans-2026": (0.25, 0.5, 0.75),
    "wec-2024-fuji6h": (1 / 3, 2 / 3),
    "wec-2025-imola6h": (1 / 3, 2 / 3),
    "wec-2025-saopaulo6h": (1 / 3, 2 / 3),
    "imsa-2023-sebring-international-raceway": (1 / 3, 2 / 3),
    "imsa-2024-watkins-glen-international": (1 / 3, 2 / 3),
}


def lap_path(race: str) -> Path:
    import csv

    with open(CORPUS / "MANIFEST.csv", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if r["race"] == race:
                return CORPUS / race / r["laps_file"]
    raise KeyError(race)


def actuals(path: Path, at: float) -> dict:
    """car -> (final laps, stops after `at`, final class position, took the flag), from raw rows."""
    from oracle import read_race

    raw = read_race(str(path))
    fin = raw.finishers()
    final = {r["car"]: r for r in raw.final_order()}
    out = {}
    for car in raw.cars:
        rows = raw.laps[car]
        stops = sum(1 for c in rows if c.in_lap and c.elapsed > at and c is not rows[-1])
        out[car] = (final[car]["laps"], stops, final[car]["class_position"], car in fin)
    return out


def compare(table, act: dict) -> dict:
    import numpy as np

    run = table[table["running"]]
    cars = [str(c) for c in run["car"]]
    fin = [i for i, c in enumerate(cars) if act[c][3]]
    fl = run["final_laps"].to_numpy()[fin]
    al = np.array([act[cars[i]][0] for i in fin])
    lo, hi = run["final_laps_p10"].to_numpy()[fin], run["final_laps_p90"].to_numpy()[fin]
    ps = run["stops_remaining"].to_numpy()[fin]
    as_ = np.array([act[cars[i]][1] for i in fin])
    cp = run["class_position_median"].to_numpy()
    rk = table.assign(_k=table["class_position_mean"] + table["class_position"] * 1e-6).groupby("class")["_k"].rank(
        method="first").astype(int)[table["running"]].to_numpy()
    ac = np.array([act[c][2] for c in cars])
    now = run["class_position"].to_numpy()
    clo, chi = run["class_position_p10"].to_numpy(), run["class_position_p90"].to_numpy()
    return {
        "cars": len(cars), "finishers": len(fin),
        "laps_mae": float(np.mean(np.abs(fl - al))), "laps_bias": float(np.mean(fl - al)),
        "laps_in_band": float(np.mean((al >= lo) & (al <= hi))),
        "actual_laps_left": float(np.mean(al - run["laps"].to_numpy()[fin])),
        "stops_mae": float(np.mean(np.abs(ps - as_))), "stops_bias": float(np.mean(ps - as_)),
        "cpos_mae": float(np.mean(np.abs(cp - ac))), "cpos_now_mae": float(np.mean(np.abs(now - ac))),
        "cpos_in_band": float(np.mean((ac >= clo) & (ac <= chi))),
        "cpos_rank_mae": float(np.mean(np.abs(rk - ac))),
    }  # fmt: skip


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--race", nargs="*", default=list(RACES))
    args = ap.parse_args()
    import stintlab
    from stintlab.sim.projections import project

    print("| race | cut h | cars / fin. | laps left | laps MAE | bias | in p10-p90 | stops MAE | bias | "
          "cpos MAE | rank | now | in band | s |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name in args.race:
        path = lap_path(name)
        race = stintlab.load(path, find_results=False)
        for frac in RACES.get(name, (1 / 3, 2 / 3)):
            t0 = time.perf_counter()
            length = project_length(race)
            at = round(length * frac)
            p = project(race, at, runs=args.runs, seed=1)
            dt = time.perf_counter() - t0
            m = compare(p.table, actuals(path, at))
            print(f"| {name} | {at / 3600:g} | {m['cars']} / {m['finishers']} | {m['actual_laps_left']:.0f} | "
                  f"{m['laps_mae']:.1f} | {m['laps_bias']:+.1f} | {m['laps_in_band']:.0%} | {m['stops_mae']:.2f} | "
                  f"{m['stops_bias']:+.2f} | {m['cpos_mae']:.2f} | {m['cpos_rank_mae']:.2f} | {m['cpos_now_mae']:.2f} | "
                  f"{m['cpos_in_band']:.0%} | {dt:.1f} |", flush=True)  # fmt: skip
    return 0


def project_length(race) -> float:
    from stintlab.sim.projections import race_length

    return race_length(race.laps, race.meta.get("path"))[0]


if __name__ == "__main__":
    sys.exit(main())
