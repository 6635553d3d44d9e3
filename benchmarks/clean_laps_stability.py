"""How stable is a driver ranking built on k clean laps? (issue 13: the clean-lap minimum on long laps)

For every race given, the drivers of each class with at least 2k clean laps; 200 times (fixed seed), each
such driver's clean laps are shuffled and split into two disjoint sets of k laps, A and B; the statistic (the
pace index of the rankings: the median of the laps' ``pace_index``) is computed on A and on B, and every
pair of drivers of the class counts as concordant when A and B order them the same way. Printed per race
group and k: the share of concordant pairs (1.0 = the k-lap ranking never changes with the laps drawn),
the pairs behind it, and the clean minutes k laps make (k x the group's median clean lap); then the
same for k = 2, 3, 4 on one population (drivers with 8 clean laps or more), so k alone changes.

    PYTHONPATH=src .venv/bin/python benchmarks/clean_laps_stability.py [--reps 200]

A check of a threshold, not a timing. Nothing is written.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from check_same_tables import CORPUS  # noqa: E402

GROUPS = {
    "NLS 2025 (8 races)": ("MANIFEST-other.csv", lambda r: r["race"].startswith("nls-2025")),
    "Le Mans 2019-2026 (6 races)": ("MANIFEST.csv", lambda r: r["race"].startswith("lemans-") and r["laps_file"]),
    "IMSA Sebring 2022-2025 (4 races)": ("MANIFEST.csv", lambda r: "sebring" in r["race"] and r["laps_file"]),
}


def race_paths(manifest: str, keep) -> list[Path]:
    with open(CORPUS / manifest, encoding="utf-8") as fh:
        return [CORPUS / r["race"] / r["laps_file"] for r in csv.DictReader(fh) if keep(r)]


def driver_laps(path: Path) -> tuple[list[list[np.ndarray]], float]:
    """Per class, each driver's clean-lap pace indices; and the median clean lap (s)."""
    import stintlab

    clean = stintlab.load(path).clean_laps
    clean = clean[clean["pace_index"].notna() & clean["driver"].notna()]
    classes = []
    for _cls, g in clean.groupby("class", observed=True):
        classes.append([d["pace_index"].to_numpy(dtype=float) for _, d in g.groupby(["car", "driver"], observed=True)])
    return classes, float(clean["lap_time"].median())


def concordance(classes: list[list[np.ndarray]], k: int, reps: int, rng, need: int | None = None) -> tuple[float, int]:
    """Share of concordant pairs of the k-lap halves, over drivers with at least ``need`` (2k) clean laps."""
    agree = total = 0
    pairs = 0
    for drivers in classes:
        ok = [x for x in drivers if len(x) >= (need or 2 * k)]
        if len(ok) < 2:
            continue
        n = len(ok)
        pairs += n * (n - 1) // 2
        iu = np.triu_indices(n, 1)
        for _ in range(reps):
            a = np.empty(n)
            b = np.empty(n)
            for i, x in enumerate(ok):
                pick = rng.permutation(len(x))[: 2 * k]
                a[i], b[i] = np.median(x[pick[:k]]), np.median(x[pick[k:]])
            da = np.sign(a[:, None] - a[None, :])[iu]
            db = np.sign(b[:, None] - b[None, :])[iu]
            agree += int((da == db).sum())
            total += da.size
    return (agree / total if total else float("nan")), pairs


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=200)
    ap.add_argument("--k", default="2,3,4,5,6,8,10,12")
    args = ap.parse_args()
    ks = [int(x) for x in args.k.split(",")]
    for name, (manifest, keep) in GROUPS.items():
        per_race = [driver_laps(p) for p in race_paths(manifest, keep)]
        classes = [c for cl, _ in per_race for c in cl]
        lap = float(np.median([m for _, m in per_race]))
        print(f"{name}: median clean lap {lap / 60:.2f} min")
        for k in ks:
            rng = np.random.default_rng(0)
            c, pairs = concordance(classes, k, args.reps, rng)
            print(f"  k={k:2d} laps = {k * lap / 60:5.1f} clean min: concordant pairs {c:.3f} ({pairs} pairs)")
        counts = np.array([len(x) for cl in classes for x in cl])
        print(f"  clean laps per driver: median {np.median(counts):.0f}; at least 10: {np.mean(counts >= 10):.0%}, "
              f"at least 4: {np.mean(counts >= 4):.0%}")
        for k in (2, 3, 4):  # the same drivers for every k: those with 8 clean laps or more
            rng = np.random.default_rng(0)
            c, pairs = concordance(classes, k, args.reps, rng, need=8)
            print(f"  same drivers (>= 8 clean laps), k={k}: concordant pairs {c:.3f} ({pairs} pairs)")


if __name__ == "__main__":
    main()
