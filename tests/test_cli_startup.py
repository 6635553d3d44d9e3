"""A command imports only what it needs (issue #16 item 3): ``stintlab --help`` builds the whole
CLI without pandas, numpy, pyarrow or DuckDB; a race command that never asks a driver's category
does not open the archive (DuckDB, stintlab.archive) even when one exists. What each process
imported is read from ``python -X importtime`` (no timing is asserted: speed figures are in
benchmarks/bench_cli.py); the command's answer is checked against the raw file."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys

from conftest import lap_file
from oracle import read_race

HEAVY = ("pandas", "numpy", "pyarrow", "duckdb", "plotly", "fastapi", "uvicorn", "scipy")


def _run(args: list[str], env: dict | None = None) -> tuple[subprocess.CompletedProcess, set[str]]:
    """One fresh ``python -X importtime -m stintlab ARGS``: (the process, the modules it imported)."""
    p = subprocess.run([sys.executable, "-X", "importtime", "-m", "stintlab", *args], capture_output=True, text=True,
                       timeout=300, env={**os.environ, **(env or {})})  # fmt: skip
    imported = {line.split("|")[-1].strip() for line in p.stderr.splitlines() if line.startswith("import time:")}
    return p, imported


def test_help_lists_every_command_without_the_data_stack():
    p, imported = _run(["--help"])
    assert p.returncode == 0, p.stderr[-2000:]
    for cmd in ("info", "stops", "drivers", "report", "story", "season", "career", "archive", "replay", "serve"):
        assert f" {cmd} " in p.stdout
    heavy = sorted(m for m in imported if m.split(".")[0] in HEAVY)
    assert heavy == [], heavy[:10]
    assert "stintlab.race" not in imported and "stintlab.analysis" not in imported


def test_stops_of_a_car_does_not_open_the_archive(tmp_path):
    # an archive file that exists where the default archive is looked for: the race commands that grade
    # drivers read it; `stops` never asks a category, so neither DuckDB nor stintlab.archive is imported
    db = tmp_path / "archive.duckdb"
    db.write_bytes(b"")
    path = lap_file("lemans-2019")
    p, imported = _run(["stops", str(path), "--car", "8", "--format", "csv"], {"STINTLAB_ARCHIVE": str(db)})
    assert p.returncode == 0, p.stderr[-2000:]
    assert not any(m.split(".")[0] == "duckdb" or m.startswith("stintlab.archive") for m in imported)
    rows = list(csv.DictReader(io.StringIO(p.stdout)))
    # the raw file: car 8's in-laps are its rows with B in CROSSING_FINISH_LINE_IN_PIT (34 in 385 laps)
    raw = read_race(path)
    in_laps = [c.lap for c in raw.laps["8"] if c.in_lap]
    assert len(in_laps) == 34 and raw.laps["8"][-1].lap == 385
    assert [int(r["lap_in"]) for r in rows] == in_laps
    assert [int(r["lap_out"]) for r in rows] == [lap + 1 for lap in in_laps]
    assert {r["car"] for r in rows} == {"8"}


def test_stintlab_load_is_the_real_loader_even_when_first_asked_for_under_a_stand_in():
    """The fuzzer swaps ``stintlab.race.load`` for a memoising one while it runs commands in process; the
    package's lazy ``stintlab.load`` asked for during that time must still be the real loader afterwards
    (it kept the stand-in, and a later load of an emptied file returned the memoised 38-lap race)."""
    code = (
        "import stintlab.race as r\n"
        "real = r.load\n"
        "r.load = lambda *a, **k: 'stand-in'\n"
        "import stintlab\n"
        "got = stintlab.load\n"
        "r.load = real\n"
        "import stintlab.race.loading as L\n"
        "assert got is L.load and stintlab.load is L.load, got\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=dict(os.environ), timeout=300)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr
