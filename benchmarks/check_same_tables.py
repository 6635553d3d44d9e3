"""Same tables from two source trees: every corpus race read by the code of ``--base`` (e.g. the main
checkout) and by this tree, compared column by column (values, dtypes, NaN positions, order).

    .venv/bin/python benchmarks/check_same_tables.py --base ../main/src

Read for each race of ``MANIFEST.csv`` (and ``MANIFEST-other.csv`` where this tree reads the format):
the lap file (``read_file``: lap table, section table, facts), ``stintlab.load`` of it (cars, drivers,
classification, derived classification, issues), the results file and every official-hourly
classification (table and crew). Each tree runs in its own process and dumps its tables to a
temporary folder; nothing is written to the repository. Prints one line per race and a summary;
exit status 1 when a table differs. A check for refactors of the readers, not a timing.
"""

from __future__ import annotations

import argparse
import csv
import os
import pickle
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("STINTLAB_CORPUS", ROOT.parent / "shared" / "data" / "races"))


def inputs() -> list[tuple[str, str, list[Path]]]:
    """(race, lap file or "", classification files) of every manifest row."""
    out = []
    for manifest in ("MANIFEST.csv", "MANIFEST-other.csv"):
        path = CORPUS / manifest
        if not path.is_file():
            continue
        with open(path, encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                folder = CORPUS / row["race"]
                laps = str(folder / row["laps_file"]) if row.get("laps_file") else ""
                results = [folder / row["results_file"]] if row.get("results_file") else []
                hourly = folder / "official-hourly"
                if hourly.is_dir():
                    results += sorted(hourly.glob("*.csv"))
                out.append((row["race"], laps, results))
    return out


def dump(out_dir: Path) -> None:
    """Runs under the tree being checked: read everything, pickle the tables (or the error text)."""
    import stintlab
    from stintlab.io import read_file

    def attempt(fn):
        try:
            return fn()
        except Exception as exc:  # the same error on both sides is the same result
            return f"ERROR {type(exc).__name__}: {exc}"

    for race, laps, results in inputs():
        got: dict = {}
        if laps:
            parsed = attempt(lambda p=laps: read_file(p, expect="laps"))
            if isinstance(parsed, str):
                got["read"] = parsed
            else:
                got["laps"], got["sections"], got["facts"] = parsed.table, parsed.sections, parsed.facts
            loaded = attempt(lambda p=laps: stintlab.load(p))
            if isinstance(loaded, str):
                got["load"] = loaded
            else:
                for name in ("cars", "drivers", "classification", "derived_classification", "issues"):
                    got[f"race.{name}"] = attempt(lambda r=loaded, n=name: getattr(r, n))
                got["race.meta"] = {k: v for k, v in loaded.meta.items() if k != "path"}
        for f in results:
            res = attempt(lambda p=f: read_file(p, expect="classification"))
            got[f"results:{f.name}"] = res if isinstance(res, str) else (res.table, res.crew)
        with open(out_dir / f"{race}.pkl", "wb") as fh:
            pickle.dump(got, fh)


def same(a, b) -> list[str]:
    """Differences between two dumped values (empty when equal)."""
    import pandas as pd

    if isinstance(a, tuple) and isinstance(b, tuple):
        return [d for x, y in zip(a, b) for d in same(x, y)]
    if isinstance(a, pd.DataFrame) and isinstance(b, pd.DataFrame):
        diffs = []
        if list(a.columns) != list(b.columns):
            return [f"columns {list(a.columns)} != {list(b.columns)}"]
        if len(a) != len(b) or not a.index.equals(b.index):
            return [f"rows {len(a)} != {len(b)} (or index)"]
        for c in a.columns:
            x, y = a[c], b[c]
            if x.dtype != y.dtype:
                diffs.append(f"{c}: dtype {x.dtype} != {y.dtype}")
            elif not x.equals(y):
                diffs.append(f"{c}: values differ")
        return diffs
    if type(a) is not type(b):
        return [f"{type(a).__name__} != {type(b).__name__}"]
    if isinstance(a, dict):
        if a.keys() != b.keys():
            return [f"keys {sorted(set(a) ^ set(b))}"]
        return [f"{k}: {d}" for k in a for d in same(a[k], b[k])]
    try:
        equal = a == b or (a != a and b != b)  # NaN facts
    except (TypeError, ValueError):
        equal = repr(a) == repr(b)
    return [] if equal else [f"{str(a)[:80]!r} != {str(b)[:80]!r}"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--base", required=True, help="src folder of the tree to compare against (e.g. ../main/src)")
    ap.add_argument("--dump", metavar="DIR", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.dump:
        dump(Path(args.dump))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        for label, src in (("base", Path(args.base).resolve()), ("this", ROOT / "src")):
            (Path(tmp) / label).mkdir()
            env = dict(os.environ, PYTHONPATH=str(src), PYTHONDONTWRITEBYTECODE="1")
            subprocess.run([sys.executable, __file__, "--base", "-", "--dump", str(Path(tmp) / label)], env=env, check=True)
        n_tables = bad = 0
        for race, _, _ in inputs():
            with open(Path(tmp) / "base" / f"{race}.pkl", "rb") as fh:
                base = pickle.load(fh)
            with open(Path(tmp) / "this" / f"{race}.pkl", "rb") as fh:
                this = pickle.load(fh)
            diffs = same(base, this)
            n_tables += len(base)
            bad += bool(diffs)
            laps = base.get("laps")
            shape = f"{len(laps)} laps x {laps.shape[1]} columns" if laps is not None else "no lap table"
            print(f"{race:44} {len(base):3d} items  {shape:28} {'SAME' if not diffs else 'DIFFERENT'}")
            for d in diffs[:10]:
                print(f"    {d}")
    print(f"\n{bad} race(s) differ; {n_tables} tables/facts compared")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
