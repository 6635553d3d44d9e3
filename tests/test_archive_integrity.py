"""Hostile input and integrity of the archive (issue 17) on real corpus files: a batch with an
unreadable file keeps every good race and names the bad one by its full path; remove needs the
exact id; damaged or foreign archive files and write errors are one typed line, never a
traceback, and nothing stored is lost or half-written. Archives live in tmp paths only."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from conftest import CORPUS, race_row
from stintlab.archive.store import Archive, ArchiveError, ingest
from stintlab.cli import main
from stintlab.errors import StintlabUsageError

pytestmark = pytest.mark.corpus

ROOT = Path(__file__).resolve().parents[1]
LAP_FILE = "23_Analysis_Race_Hour 6.CSV"  # the name of both wec-2019-spa6h's and wec-2024-fuji6h's lap file
CLI = [sys.executable, "-c", "import sys; from stintlab.cli import main; sys.exit(main())"]


def _env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _with_bad_cell(src: Path, dst: Path, line_no: int, column: str, value: bytes = b"abc") -> None:
    """Copy ``src`` with the ``column`` cell of file line ``line_no`` (1-based) replaced by ``value``."""
    lines = src.read_bytes().split(b"\n")
    header = [h.strip() for h in lines[0].decode("utf-8-sig").split(";")]
    cells = lines[line_no - 1].split(b";")
    cells[header.index(column)] = value
    lines[line_no - 1] = b";".join(cells)
    dst.write_bytes(b"\n".join(lines))


def _lap_time_on_line(path: Path, line_no: int) -> str:
    """The raw LAP_TIME cell of a file line, read with the csv module (no stintlab code)."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh, delimiter=";"))
    header = [h.strip() for h in rows[0]]
    return rows[line_no - 1][header.index("LAP_TIME")]


@pytest.fixture
def batch(tmp_path):
    """Two good races and, sorted between them, a copy of one whose line 101 has LAP_TIME 'abc';
    all three lap files have the same name."""
    src = tmp_path / "src"
    for race in ("wec-2019-spa6h", "wec-2024-fuji6h"):
        (src / race).mkdir(parents=True)
        (src / race / LAP_FILE).symlink_to(CORPUS / race / LAP_FILE)
    bad = src / "wec-2019-spa6h-damaged" / LAP_FILE
    bad.parent.mkdir()
    _with_bad_cell(CORPUS / "wec-2019-spa6h" / LAP_FILE, bad, 101, "LAP_TIME")
    assert _lap_time_on_line(CORPUS / "wec-2019-spa6h" / LAP_FILE, 101) == "2:19.327"
    assert _lap_time_on_line(bad, 101) == "abc"
    return src, bad


def _stored_laps(db) -> dict[str, tuple[int, int]]:
    """source -> (races.laps, rows in laps) of every stored race."""
    with Archive(db) as arc:
        per_race = dict(arc.con.execute("SELECT race_id, count(*) FROM laps GROUP BY race_id").fetchall())
        rows = arc.con.execute("SELECT race_id, source, laps FROM races").fetchall()
    return {src: (laps, per_race.get(rid, 0)) for rid, src, laps in rows}


def test_add_batch_with_an_unreadable_file_keeps_the_good_races(batch, tmp_path, capsys):
    src, bad = batch
    good = {race: src / race / LAP_FILE for race in ("wec-2019-spa6h", "wec-2024-fuji6h")}
    db = tmp_path / "a.duckdb"
    assert main(["archive", "add", str(src), "--db", str(db), "--json"]) == 2
    out = capsys.readouterr()
    res = json.loads(out.out)
    assert len(out.err.strip().splitlines()) == 1
    assert [(r["status"], r["source"]) for r in res] == [
        ("added", str(good["wec-2019-spa6h"])),
        ("error", str(bad)),
        ("added", str(good["wec-2024-fuji6h"])),
    ]
    assert res[1]["reason"] == f"{bad}, line 101, column LAP_TIME: not a time: 'abc'"
    assert (res[1]["file"], res[1]["line"], res[1]["column"], res[1]["race_id"]) == (str(bad), 101, "LAP_TIME", None)
    n = {race: int(race_row(race)["laps"]) for race in good}  # MANIFEST.csv: 4232 and 7042
    assert _stored_laps(db) == {str(good[r]): (n[r], n[r]) for r in good}

    # the table view: one line per race not stored, with the full path
    db2 = tmp_path / "b.duckdb"
    assert main(["archive", "add", str(src), "--db", str(db2)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0] == f"error: {bad}, line 101, column LAP_TIME: not a time: 'abc'"
    assert len(err) == 2 and err[1].startswith("stintlab: error: 1 of 3 race(s) could not be read")
    assert _stored_laps(db2) == _stored_laps(db)
    # once fixed, the same command stores it and exits 0; the good races are unchanged
    _with_bad_cell(bad, bad, 101, "LAP_TIME", b"2:19.328")  # not the original bytes: a new race
    assert main(["archive", "add", str(src), "--db", str(db), "--json"]) == 0
    assert [r["status"] for r in json.loads(capsys.readouterr().out)] == ["unchanged", "added", "unchanged"]


@pytest.fixture(scope="module")
def two_races(tmp_path_factory):
    db = tmp_path_factory.mktemp("two") / "a.duckdb"
    ingest([CORPUS / "wec-2025-cota6h", CORPUS / "wec-2020-spa6h"], db)
    return db


def _ids(db) -> list[str]:
    with Archive(db) as arc:
        return arc.race_ids()


def test_remove_needs_the_exact_id_or_yes(two_races, tmp_path, capsys):
    db = tmp_path / "a.duckdb"
    shutil.copy(two_races, db)
    both = ["2020-wec-spa6h-race", "2025-wec-cota6h-race"]
    assert _ids(db) == both
    for pattern, matches in (("spa", both[:1]), ("wec", both), ("2025-*", both[1:])):
        assert main(["archive", "remove", pattern, "--db", str(db)]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "--yes" in err[0] and all(m in err[0] for m in matches), err
        assert not any(m in err[0] for m in set(both) - set(matches))
        assert _ids(db) == both  # nothing removed
    assert main(["archive", "remove", "bahrain", "--db", str(db)]) == 2
    assert "no race 'bahrain'" in capsys.readouterr().err
    # a pattern and an unknown name in one command: refused before anything is removed
    assert main(["archive", "remove", "spa", "nope", "--yes", "--db", str(db)]) == 2
    assert _ids(db) == both
    with Archive(db, write=True) as arc, pytest.raises(StintlabUsageError, match="exact race id"):
        arc.remove("cota")  # the API too: no substring
    assert main(["archive", "remove", "spa", "--yes", "--db", str(db), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == [{"race_id": "2020-wec-spa6h-race", "status": "removed"}]
    assert _ids(db) == both[1:]
    with Archive(db) as arc:  # every row of the removed race went; the other race is whole
        assert arc.con.execute("SELECT DISTINCT race_id FROM laps").fetchall() == [("2025-wec-cota6h-race",)]
        assert arc.con.execute("SELECT count(*) FROM laps").fetchone()[0] == int(race_row("wec-2025-cota6h")["laps"])
    assert main(["archive", "remove", "2025-wec-cota6h-race", "--db", str(db), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == [{"race_id": "2025-wec-cota6h-race", "status": "removed"}]
    assert _ids(db) == []


def _damage(kind: str, good: Path, target: Path) -> None:
    data = good.read_bytes()
    if kind == "random":
        target.write_bytes(os.urandom(len(data)))
    elif kind == "truncated-early":
        target.write_bytes(data[:200_000])
    elif kind == "truncated-half":
        target.write_bytes(data[: len(data) // 2])
    elif kind == "empty":
        target.write_bytes(b"")
    elif kind == "sqlite":
        con = sqlite3.connect(target)
        con.execute("CREATE TABLE races (race_id TEXT)")
        con.commit()
        con.close()
    elif kind == "foreign-duckdb":
        con = duckdb.connect(str(target))
        con.execute("CREATE TABLE customers AS SELECT range AS id FROM range(10)")
        con.close()


DAMAGED = ["random", "truncated-early", "truncated-half", "empty", "sqlite", "foreign-duckdb"]


@pytest.mark.parametrize("kind", DAMAGED)
def test_damaged_or_foreign_archive_is_one_typed_line_on_every_command(kind, two_races, tmp_path, capsys):
    bad = tmp_path / f"{kind}.duckdb"
    _damage(kind, two_races, bad)
    digest = hashlib.sha256(bad.read_bytes()).hexdigest()
    commands = [
        ["archive", "list"],
        ["archive", "add", str(CORPUS / "wec-2025-cota6h")],
        ["archive", "remove", "2025-wec-cota6h-race"],
        ["archive", "export", str(tmp_path / "out")],
        ["archive", "aliases"],
        ["archive", "aliases", "--suggest", "--accept"],
        ["archive", "alias", "Nick Catsburg", "Nicky Catsburg"],
        ["season", "Senna", "--year", "2020"],
        ["career", "Senna"],
        ["report", "--race", "2025-wec-cota6h-race", "-o", str(tmp_path / "r.html")],
    ]
    for cmd in commands:
        assert main([*cmd, "--db", str(bad)]) == 2, cmd
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith(f"stintlab: error: archive {bad}"), (cmd, err)
    assert hashlib.sha256(bad.read_bytes()).hexdigest() == digest  # nothing written to it
    assert not (tmp_path / "r.html").exists()
    with pytest.raises(ArchiveError) as e:
        ingest([CORPUS / "wec-2025-cota6h"], bad)
    assert e.value.path == str(bad)


@pytest.mark.parametrize("kind", ["truncated-early", "sqlite", "empty"])
def test_serve_with_a_damaged_archive_fails_at_start(kind, two_races, tmp_path):
    bad = tmp_path / f"{kind}.duckdb"
    _damage(kind, two_races, bad)
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    out = subprocess.run(
        [*CLI, "serve", "--archive", str(bad), "--port", str(port)],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=120,
    )
    assert out.returncode == 2, out.stderr
    err = out.stderr.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"stintlab: error: archive {bad}") and "Traceback" not in out.stderr


FULL_DISK = textwrap.dedent(
    """
    import resource, signal, sys
    # a real write error without root: no file of this process may grow beyond 256 KiB (EFBIG, like ENOSPC)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (256 * 1024, 256 * 1024))
    from stintlab.cli import main
    sys.exit(main(sys.argv[1:]))
    """
)


def _snapshot(db) -> dict:
    with Archive(db) as arc:
        return {
            t: arc.con.execute(f"SELECT race_id, count(*) FROM {t} GROUP BY race_id ORDER BY race_id").fetchall()
            for t in ("races", "laps", "classification", "entries", "files")
        }


def test_write_error_during_ingest_loses_nothing(two_races, tmp_path):
    db = tmp_path / "a.duckdb"
    shutil.copy(two_races, db)
    before = _snapshot(db)
    out = subprocess.run(
        [sys.executable, "-c", FULL_DISK, "archive", "add", str(CORPUS / "wec-2025-spa6h"), "--db", str(db)],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=300,
    )
    assert out.returncode == 2, out.stderr
    err = out.stderr.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"stintlab: error: archive {db}: write error"), err
    assert "2025-wec-spa6h-race" in err[0] and "nothing of this race was stored" in err[0]
    assert _snapshot(db) == before  # the stored races whole, nothing of the new one
    assert [r["status"] for r in ingest([CORPUS / "wec-2025-spa6h"], db)] == ["added"]  # and the archive works


def test_simulated_io_error_mid_race_is_rolled_back(two_races, tmp_path):
    """An IOException raised inside the race's transaction, after its laps were inserted."""
    db = tmp_path / "a.duckdb"
    shutil.copy(two_races, db)
    before = _snapshot(db)

    def step(name, race_id):
        if name == "laps":
            raise duckdb.IOException('Could not write file "a.duckdb.wal": No space left on device')

    with pytest.raises(ArchiveError, match="write error while writing race 2025-wec-spa6h-race") as e:
        ingest([CORPUS / "wec-2025-spa6h"], db, on_step=step)
    assert "No space left on device" in str(e.value) and "\n" not in str(e.value)
    assert _snapshot(db) == before


def test_files_no_reader_knows_are_unsupported_not_a_failure(tmp_path, capsys):
    """A folder of CSV files no reader knows and one of them given by name: one ``unsupported``
    line each with the folder's or file's full path, exit 0, nothing stored. The NLS folders (WIGE
    exports) and the GT World Challenge folder (SRO export: sector list, pit-stop file, entry list)
    have readers: one race each."""
    folder = tmp_path / "timing-2026-unknown"
    folder.mkdir()
    (folder / "b.csv").write_text("Pos;Startnummer;Rundenzeit\n1;7;1:45.000\n", encoding="utf-8")
    (folder / "a.csv").write_text("x,y\n1,2\n", encoding="utf-8")
    one = folder / "b.csv"
    db = tmp_path / "a.duckdb"
    assert main(["archive", "add", str(folder), str(one), "--db", str(db)]) == 0
    err = capsys.readouterr().err.splitlines()
    assert sorted(line.split(": no reader")[0] for line in err) == sorted([f"unsupported: {one}", f"unsupported: {folder}"])
    assert any("(a.csv, b.csv)" in line for line in err)
    assert main(["archive", "add", str(folder), "--db", str(db), "--json"]) == 0
    (res,) = json.loads(capsys.readouterr().out)
    assert (res["status"], res["source"], res["race_id"]) == ("unsupported", str(folder), None)
    assert _ids(db) == []
    assert main(["archive", "add", str(CORPUS / "nls-2025-nls4"), "--db", str(db)]) == 0
    assert _ids(db) == ["2025-nls-nls4-race"]
    assert main(["archive", "add", str(CORPUS / "gtwc-endurance-sro"), "--db", str(db)]) == 0
    assert _ids(db) == ["2025-nls-nls4-race", "2026-gtwc-paul-ricard-short-race"]
    # the archived SRO race re-reads exactly as the folder does (its pit-stop file and entry list stored with it)
    import pandas as pd

    import stintlab
    from stintlab.archive import open_race

    again = open_race("2026-gtwc", db=db)
    direct = stintlab.load(CORPUS / "gtwc-endurance-sro" / "GTWCEU_GT3_R_SectorListCSV_1.0.CSV")
    pd.testing.assert_frame_equal(again.laps, direct.laps)
    assert set(again.cars["class"]) == {"Pro Cup", "Gold Cup", "Silver Cup", "Bronze Cup"}
