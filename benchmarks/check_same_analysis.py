"""Same analysis from two source trees: every ``MANIFEST.csv`` race loaded and analysed by the code of
``--base`` (e.g. the main checkout) and by this tree, every Race table compared column by column
(values, dtypes, NaN positions, order) with :func:`check_same_tables.same`.

    .venv/bin/python benchmarks/check_same_analysis.py --base ../main/src [--allow-added-columns] [RACE ...]

Compared per race: annotated, slow_zones, flags, phases, stops, stints, spells, drive_time, incidents,
time_loss, final_standings, standings after every race hour, hourly_positions, position_history,
events of three cars (winner, a mid-field car, the last car), clean_laps, driver_metrics,
driver_rankings by every metric, crew_rankings and best_performers. Each tree runs in its own process and pickles its
tables to a temporary folder; nothing is written to the repository. Exit status 1 when a table
differs. A check for refactors of the analysis, not a timing.
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import pickle
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from check_same_tables import CORPUS, ROOT, same  # noqa: E402

TABLES = (
    "annotated", "slow_zones", "flags", "phases", "stops", "stints", "spells", "drive_time", "incidents",
    "time_loss", "final_standings", "hourly_positions", "position_history", "clean_laps", "driver_metrics",
)  # fmt: skip


def races() -> list[tuple[str, str]]:
    with open(CORPUS / "MANIFEST.csv", encoding="utf-8") as fh:
        return [(r["race"], str(CORPUS / r["race"] / r["laps_file"])) for r in csv.DictReader(fh) if r["laps_file"]]


def dump(out_dir: Path, only: list[str]) -> None:
    """Runs under the tree being checked: analyse every race, pickle the tables (or the error text)."""
    import stintlab

    def attempt(fn):
        try:
            return fn()
        except Exception as exc:  # the same error on both sides is the same result
            return f"ERROR {type(exc).__name__}: {exc}"

    for race, path in races():
        if only and race not in only:
            continue
        r = stintlab.load(path)
        got: dict = {name: attempt(lambda n=name, r=r: getattr(r, n)) for name in TABLES}
        for h in range(1, math.ceil(r.duration / 3600) + 1):
            got[f"standings(hour={h})"] = attempt(lambda h=h, r=r: r.standings(hour=h))
        final = got["final_standings"]
        if not isinstance(final, str) and len(final):
            cars = list(final["car"])
            for car in dict.fromkeys([cars[0], cars[len(cars) // 2], cars[-1]]):
                got[f"events({car})"] = attempt(lambda c=car, r=r: r.events(c))
        got["driver_rankings"] = attempt(lambda r=r: r.driver_rankings())
        for metric in ("best_lap", "ideal_lap", "best_10", "best_20pct", "median_clean", "stint_avg", "spread"):
            got[f"driver_rankings({metric})"] = attempt(lambda m=metric, r=r: r.driver_rankings(by=m))
        got["crew_rankings"] = attempt(lambda r=r: r.crew_rankings())
        got["best_performers"] = attempt(lambda r=r: r.best_performers())
        with open(out_dir / f"{race}.pkl", "wb") as fh:
            pickle.dump(got, fh)


def _drop_added_columns(base: dict, this: dict) -> dict:
    """Tables of ``this`` whose columns are the base's plus new ones: reduced to the base's columns (in
    place); returns {table: added columns}."""
    import pandas as pd

    added = {}
    for key, b in base.items():
        t = this.get(key)
        if isinstance(b, pd.DataFrame) and isinstance(t, pd.DataFrame) and list(b.columns) != list(t.columns):
            extra = [c for c in t.columns if c not in set(b.columns)]
            if extra and set(b.columns) <= set(t.columns) and [c for c in t.columns if c in set(b.columns)] == list(b.columns):
                this[key] = t[list(b.columns)]
                added[key] = extra
    return added


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--base", required=True, help="src folder of the tree to compare against (e.g. ../main/src)")
    ap.add_argument("races", nargs="*", help="corpus race names (default: every MANIFEST.csv race)")
    ap.add_argument("--dump", metavar="DIR", help=argparse.SUPPRESS)
    ap.add_argument("--allow-added-columns", action="store_true",
                    help="a table of this tree with new columns is compared on the base's columns; the added ones are listed")  # fmt: skip
    args = ap.parse_args(argv)
    if args.dump:
        dump(Path(args.dump), args.races)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        for label, src in (("base", Path(args.base).resolve()), ("this", ROOT / "src")):
            (Path(tmp) / label).mkdir()
            env = dict(os.environ, PYTHONPATH=str(src), PYTHONDONTWRITEBYTECODE="1")
            cmd = [sys.executable, __file__, "--base", "-", "--dump", str(Path(tmp) / label), *args.races]
            subprocess.run(cmd, env=env, check=True)
        n_tables = bad = 0
        for race, _ in races():
            if args.races and race not in args.races:
                continue
            with open(Path(tmp) / "base" / f"{race}.pkl", "rb") as fh:
                base = pickle.load(fh)
            with open(Path(tmp) / "this" / f"{race}.pkl", "rb") as fh:
                this = pickle.load(fh)
            added = _drop_added_columns(base, this) if args.allow_added_columns else {}
            for key, cols in added.items():
                print(f"    {race}: {key} has added columns {cols} (compared on the base's columns)")
            diffs = same(base, this)
            n_tables += len(base)
            bad += bool(diffs)
            print(f"{race:44} {len(base):3d} tables  {'SAME' if not diffs else 'DIFFERENT'}")
            for d in diffs[:10]:
                print(f"    {d}")
    print(f"\n{bad} race(s) differ; {n_tables} tables compared")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
