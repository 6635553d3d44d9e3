"""CLI output benchmark: what printing a long table costs, ``stintlab stops`` on Le Mans 2019
(1,500+ stops) by default.

    .venv/bin/python benchmarks/bench_cli_output.py
    .venv/bin/python benchmarks/bench_cli_output.py --race lemans-2024 --repeat 5 --json

Two measures:

- drawing only (in process, the race loaded once): the rows of ``stops`` drawn as a rich table on a
  terminal (what the CLI did for every table before: ``before``), and as the plain aligned text the
  CLI now prints when stdout is not a terminal or the table has more than 200 rows (``after``), plus
  CSV and JSON;
- whole process (interpreter start, imports, load, analysis, output): ``stintlab stops FILE`` with
  stdout a pipe (plain text) and with ``FORCE_COLOR=1`` (rich believes it is on a terminal: more than
  200 rows still go plain), ``--format csv`` and ``--json``.

Figures are medians of ``--repeat`` runs; a shared 2-core machine varies by ±50 %.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("STINTLAB_CORPUS", ROOT.parent / "shared" / "data" / "races"))
sys.path.insert(0, str(ROOT / "src"))


def lap_file(race: str) -> Path:
    import csv

    with open(CORPUS / "MANIFEST.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["race"] == race:
                return CORPUS / race / row["laps_file"]
    raise SystemExit(f"no race {race!r} in {CORPUS / 'MANIFEST.csv'}")


def median_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def drawing(path: Path, repeat: int) -> dict:
    from rich.console import Console
    from rich.table import Table

    import stintlab
    from stintlab.commands._common import _cell, plain_table
    from stintlab.commands.race_state import STOPS_KEYS
    from stintlab.serial import records, to_jsonable, write_csv

    race = stintlab.load(path)
    rows = records(race.stops, STOPS_KEYS)
    keys = STOPS_KEYS[:10]

    def rich_table():
        console = Console(file=io.StringIO(), force_terminal=True, width=200)
        table = Table(title="stops")
        for k in keys:
            table.add_column(k, overflow="fold")
        for r in rows:
            table.add_row(*[_cell(k, r.get(k)) for k in keys])
        console.print(table)

    def plain():
        plain_table([[_cell(k, r.get(k)) for k in keys] for r in rows], keys, title="stops")

    return {
        "rows": len(rows),
        "rich table s (before)": median_time(rich_table, repeat),
        "plain text s (after)": median_time(plain, repeat),
        "csv s": median_time(lambda: write_csv(io.StringIO(), rows, STOPS_KEYS), repeat),
        "json s": median_time(lambda: json.dumps(to_jsonable(rows)), repeat),
    }


def whole_process(path: Path, repeat: int, src: Path) -> dict:
    env = dict(os.environ, PYTHONPATH=str(src))
    runs = {
        "piped (plain)": ([], {}),
        "FORCE_COLOR=1 (terminal, >200 rows: plain)": ([], {"FORCE_COLOR": "1"}),
        "--format csv": (["--format", "csv"], {}) if (src / "stintlab" / "display.py").is_file() else None,
        "--json": (["--json"], {}),
    }
    out = {}
    for label, run in runs.items():
        if run is None:  # an older tree without --format
            continue
        extra, more = run
        cmd = [sys.executable, "-m", "stintlab", "stops", str(path), *extra]
        out[label] = median_time(
            lambda cmd=cmd, more=more: subprocess.run(
                cmd, env={**env, **more}, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=True
            ),
            repeat,
        )
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--race", default="lemans-2019")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--src", type=Path, default=ROOT / "src",
                    help="source tree the whole-process runs import (e.g. an older checkout's src, to compare)")
    a = ap.parse_args()
    path = lap_file(a.race)
    result = {"race": a.race, "src": str(a.src), "drawing": drawing(path, a.repeat),
              "whole process s": whole_process(path, a.repeat, a.src.resolve())}  # fmt: skip
    if a.json:
        print(json.dumps(result, indent=2))
        return
    print(f"stintlab stops {a.race}: {result['drawing']['rows']} rows (median of {a.repeat})")
    print("drawing only (race loaded once):")
    for k, v in result["drawing"].items():
        if k != "rows":
            print(f"  {k:<44} {v:7.3f}")
    print(f"whole process ({result['src']}):")
    for k, v in result["whole process s"].items():
        print(f"  {k:<44} {v:7.3f}")


if __name__ == "__main__":
    main()
