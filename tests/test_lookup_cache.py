"""The category lookup's inputs kept between commands (stintlab.archive.lookup_cache, issue #16 item 3), on
real races: a second command on an unchanged archive is served from the cache folder (the archive is not
read), and a write to the archive (an alias) is seen by the next command.

Oracle: the licences of ``imsa-2024-sebring-international-raceway/202403160940-race-results.csv`` read with
the csv module: Ben Keating drove the #85 there as a Bronze (DRIVER1_LICENSE), Oliver Jarvis the #46 as a
Platinum; Ben Keating also drove the #23 at Le Mans 2024 (lap file ``DRIVER_NAME`` "Ben KEATING").
"""

from __future__ import annotations

import csv
import json
import shutil

import pytest
from typer.testing import CliRunner

from conftest import CORPUS, build_archive, lap_file
from stintlab.cli import app

SEBRING = "imsa-2024-sebring-international-raceway"
runner = CliRunner()


def licence(first: str, last: str) -> str:
    """The DRIVERn_LICENSE of a driver in the Sebring 2024 results, read with the csv module."""
    path = next((CORPUS / SEBRING).glob("*results.csv"))
    found = set()
    with open(path, encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            for n in range(1, 9):
                if (row.get(f"DRIVER{n}_FIRSTNAME"), row.get(f"DRIVER{n}_SECONDNAME")) == (first, last):
                    found.add(row[f"DRIVER{n}_LICENSE"].strip())
    assert len(found) == 1, found
    return found.pop()


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path, results = build_archive(tmp_path_factory, (SEBRING,), "lookup_cache")
    assert [r["status"] for r in results] == ["added"], results
    return path


def keating(db) -> dict:
    res = runner.invoke(app, ["drivers", str(lap_file("lemans-2024")), "--db", str(db), "--json"])
    assert res.exit_code == 0, res.output
    rows = [r for r in json.loads(res.stdout) if r["driver"] == "Ben KEATING"]
    assert len(rows) == 1, rows
    return rows[0]


def test_unchanged_archive_is_not_read_again_and_a_write_is_seen(db, tmp_path, monkeypatch):
    from stintlab.archive import lookup_cache

    monkeypatch.setenv("STINTLAB_CACHE", str(tmp_path / "cache"))
    copy = tmp_path / "arc.duckdb"
    shutil.copy(db, copy)
    bronze, platinum = licence("Ben", "Keating"), licence("Oliver", "Jarvis")
    assert (bronze, platinum) == ("Bronze", "Platinum")

    first = keating(copy)
    assert (first["car"], first["category"], first["category_source"]) == ("23", bronze, "archive")
    assert len(list((tmp_path / "cache" / "lookup").glob("*.pickle"))) == 1

    reads = []
    real = lookup_cache.read_inputs
    monkeypatch.setattr(lookup_cache, "read_inputs", lambda *a, **k: reads.append(a) or real(*a, **k))
    assert keating(copy) == first  # the same answer, without reading the archive
    assert reads == []

    # an alias written to the archive: Keating now resolves to Jarvis, a Platinum at Sebring
    res = runner.invoke(app, ["archive", "alias", "Ben Keating", "Oliver Jarvis", "--db", str(copy)])
    assert res.exit_code == 0, res.output
    after = keating(copy)
    assert len(reads) == 1
    assert (after["category"], after["category_source"]) == (platinum, "archive")


def test_unusable_cache_falls_back_to_the_archive(db, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("STINTLAB_CACHE", str(cache))
    copy = tmp_path / "arc.duckdb"
    shutil.copy(db, copy)
    first = keating(copy)
    for f in (cache / "lookup").glob("*.pickle"):
        f.write_bytes(b"not a pickle")
    assert keating(copy) == first
    assert first["category"] == licence("Ben", "Keating")


def test_snapshots_of_removed_archives_are_forgotten(db, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("STINTLAB_CACHE", str(cache))
    gone, kept = tmp_path / "gone.duckdb", tmp_path / "kept.duckdb"
    shutil.copy(db, gone)
    shutil.copy(db, kept)
    assert keating(gone)["category"] == licence("Ben", "Keating")
    assert len(list((cache / "lookup").glob("*.pickle"))) == 1
    gone.unlink()
    assert keating(kept)["category"] == licence("Ben", "Keating")  # its snapshot written: the other one forgotten
    left = list((cache / "lookup").glob("*.pickle"))
    index = json.loads((cache / "lookup" / "index.json").read_text(encoding="utf-8"))
    assert [p.name for p in left] == list(index) and list(index.values()) == [str(kept.resolve())]
