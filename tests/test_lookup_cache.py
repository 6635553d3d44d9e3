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
import os
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


def settle(path) -> None:
    """The archive last written a minute ago: old enough to be snapshotted (lookup_cache.RACY_SECONDS)."""
    st = os.stat(path)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns - 60 * 10**9))


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
    settle(copy)
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
    settle(copy)
    first = keating(copy)
    assert list((cache / "lookup").glob("*.pickle"))
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
    settle(gone)
    settle(kept)
    assert keating(gone)["category"] == licence("Ben", "Keating")
    assert len(list((cache / "lookup").glob("*.pickle"))) == 1
    gone.unlink()
    assert keating(kept)["category"] == licence("Ben", "Keating")  # its snapshot written: the other one forgotten
    left = list((cache / "lookup").glob("*.pickle"))
    index = json.loads((cache / "lookup" / "index.json").read_text(encoding="utf-8"))
    assert [p.name for p in left] == list(index) and list(index.values()) == [str(kept.resolve())]


def alias_keating_to_jarvis(path) -> None:
    res = runner.invoke(app, ["archive", "alias", "Ben Keating", "Oliver Jarvis", "--db", str(path)])
    assert res.exit_code == 0, res.output


def test_an_archive_written_just_now_is_not_snapshotted(db, tmp_path, monkeypatch):
    """A write in the same file-time tick as a snapshot would leave the stamp unchanged: an archive modified
    less than RACY_SECONDS ago is read but not kept, so the alias written right after is seen."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("STINTLAB_CACHE", str(cache))
    copy = tmp_path / "arc.duckdb"
    shutil.copy(db, copy)  # modified now
    assert keating(copy)["category"] == licence("Ben", "Keating")
    assert not list((cache / "lookup").glob("*.pickle"))
    alias_keating_to_jarvis(copy)
    assert keating(copy)["category"] == licence("Oliver", "Jarvis")


def test_an_archive_replaced_by_another_of_the_same_size_and_time_is_read_again(db, tmp_path, monkeypatch):
    """The stamp holds the inode: another archive moved in with the same size and modification time (a restore
    with ``cp -p``, ``rsync -t``) is not answered from the first one's snapshot."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("STINTLAB_CACHE", str(cache))
    copy, other = tmp_path / "arc.duckdb", tmp_path / "other.duckdb"
    shutil.copy(db, copy)
    shutil.copy(db, other)
    res = runner.invoke(app, ["archive", "alias", "Louis Deletraz", "Jordan Taylor", "--db", str(copy)])  # not Keating
    assert res.exit_code == 0, res.output
    alias_keating_to_jarvis(other)
    assert other.stat().st_size == copy.stat().st_size  # one alias each: the same blocks
    settle(copy)
    assert keating(copy)["category"] == licence("Ben", "Keating")
    assert len(list((cache / "lookup").glob("*.pickle"))) == 1
    st = copy.stat()
    os.utime(other, ns=(st.st_atime_ns, st.st_mtime_ns))
    os.replace(other, copy)
    assert keating(copy)["category"] == licence("Oliver", "Jarvis")


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="file ownership and modes are POSIX")
def test_a_snapshot_others_can_write_is_not_unpickled(db, tmp_path, monkeypatch):
    """Unpickling runs code: a snapshot file writable by the group or others is ignored (the archive is read),
    and snapshots are written private (0600) whatever the umask."""
    from stintlab.archive import lookup_cache

    cache = tmp_path / "cache"
    monkeypatch.setenv("STINTLAB_CACHE", str(cache))
    copy = tmp_path / "arc.duckdb"
    shutil.copy(db, copy)
    settle(copy)
    old = os.umask(0o002)
    try:
        first = keating(copy)
    finally:
        os.umask(old)
    (snap,) = (cache / "lookup").glob("*.pickle")
    assert snap.stat().st_mode & 0o777 == 0o600
    reads = []
    real = lookup_cache.read_inputs
    monkeypatch.setattr(lookup_cache, "read_inputs", lambda *a, **k: reads.append(a) or real(*a, **k))
    assert keating(copy) == first and reads == []
    snap.chmod(0o666)
    assert keating(copy) == first and len(reads) == 1
