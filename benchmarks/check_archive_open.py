"""Archived races reopened from the stored tables equal ``stintlab.load`` of their files, on every corpus race.

Archives the corpus (``MANIFEST.csv`` and ``MANIFEST-other.csv`` races) into a temporary archive, then for
each race compares ``open_race`` (rebuilt from the ``laps`` table and ``race_parts``, no file parsed) with
``stintlab.load`` of the original files, table by table (laps, cars, drivers, classification, derived
classification, issues, sections, weather, official crew) and the facts in ``meta`` (without the keys the
archive sets), with :func:`check_same_tables.same` (values, dtypes, NaN positions, order). A
classification-only race is compared with ``open_race(..., reparse=True)`` (its file parsed again).

    PYTHONPATH=src .venv/bin/python benchmarks/check_archive_open.py [--corpus ../shared/data/races]

Prints one line per race (with the open time) and a summary; exit status 1 when a race differs.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from check_same_tables import same  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TABLES = (
    "laps",
    "cars",
    "drivers",
    "classification",
    "derived_classification",
    "issues",
    "sections",
    "weather",
    "official_crew",
)
#: set by open_race from the archive's races row (or the path the file had)
ARCHIVE_META = ("path", "name", "race_id", "series", "season", "event", "track", "session", "date", "archive")


def differences(a, b) -> list[str]:
    diffs = []
    for name in TABLES:
        x, y = getattr(a, name), getattr(b, name)
        if x is None or y is None:
            if (x is None) != (y is None):
                diffs.append(f"{name}: None on one side")
            continue
        diffs += [f"{name}: {d}" for d in same(x, y)]
    ma = {k: v for k, v in a.meta.items() if k not in ARCHIVE_META}
    mb = {k: v for k, v in b.meta.items() if k not in ARCHIVE_META}
    if a.meta.get("classification_only"):
        ma.pop("results_path", None)  # the re-parse names its temporary copy
        mb.pop("results_path", None)
    return diffs + [f"meta: {d}" for d in same(ma, mb)]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", default=str(ROOT.parent / "shared" / "data" / "races"))
    args = ap.parse_args()

    import stintlab
    from stintlab.archive.sources import find_race_files
    from stintlab.archive.store import ingest, open_race

    with tempfile.TemporaryDirectory(prefix="stintlab-open-") as tmp:
        db = Path(tmp) / "archive.duckdb"
        found = find_race_files([Path(args.corpus)])
        results = ingest([Path(args.corpus)], db, race_files=found)
        by_source = {str(rf.main): rf for rf in found}
        bad, times = 0, []
        for res in results:
            if res["status"] != "added":
                continue
            rf = by_source[res["source"]]
            t0 = time.perf_counter()
            got = open_race(res["race_id"], db)
            times.append(time.perf_counter() - t0)
            if rf.laps is None:
                want = open_race(res["race_id"], db, reparse=True)
            else:
                want = stintlab.load(rf.laps, results=rf.results, find_results=False, weather=rf.weather)
            diffs = differences(got, want)
            bad += bool(diffs)
            print(f"{res['race_id']:52} {len(got.laps):6d} laps {times[-1] * 1000:6.0f} ms  {'SAME' if not diffs else 'DIFFERENT'}")
            for d in diffs[:10]:
                print(f"    {d}")
    print(f"\n{bad} of {len(times)} race(s) differ; open_race median {statistics.median(times) * 1000:.0f} ms")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
