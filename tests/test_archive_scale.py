"""Archive at scale (issue #16): raw files in a content-addressed store beside the database, an
older archive's BLOBs still read (and migrated), and the hive-partitioned Parquet export on which
every archive query runs unchanged. Real corpus races; archives live in tmp paths only."""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest

from conftest import CORPUS, build_archive, lap_file, manifest
from oracle import read_race
from stintlab.archive.dataset import export_parquet
from stintlab.archive.rawstore import store_dir
from stintlab.archive.registry import driver_history, load_registry
from stintlab.archive.season import driver_career, driver_season, find_driver
from stintlab.archive.store import Archive, open_race
from stintlab.cli import main

# two series, three seasons, one classification-only race (IMSA Daytona 2024), Estre in four of them
RACES = ["imsa-2024-daytona-international-speedway", "imsa-2024-road-atlanta", "wec-2024-fuji6h", "wec-2025-spa6h"]


@pytest.fixture(scope="module")
def arc(tmp_path_factory):
    db, res = build_archive(tmp_path_factory, RACES, name="scale")
    assert [r["status"] for r in res] == ["added"] * len(RACES)
    return db


@pytest.fixture(scope="module")
def dataset(arc, tmp_path_factory):
    out = tmp_path_factory.mktemp("pq") / "dataset"
    with Archive(arc) as a:
        export_parquet(a, out)
    return out


def _raw_lap_rows(name: str) -> int:
    return sum(len(v) for v in read_race(lap_file(name)).laps.values())


def _corpus_files(name: str) -> dict[str, bytes]:
    return {str(p.relative_to(CORPUS / name)): p.read_bytes() for p in (CORPUS / name).rglob("*") if p.is_file()}


# -- raw file store ------------------------------------------------------------------------------
def test_raw_files_live_in_the_store_not_in_the_database(arc):
    """Every stored file is the corpus file's bytes, gzip-compressed under its own SHA-256; the
    database keeps no bytes."""
    store = store_dir(arc)
    with Archive(arc) as a:
        rows = a.con.execute("SELECT race_id, name, sha256, size, data IS NULL FROM files").fetchall()
    assert rows
    by_sha = {}
    for race in RACES:
        by_sha.update({hashlib.sha256(b).hexdigest(): (n, b) for n, b in _corpus_files(race).items()})
    for _rid, name, sha, size, no_blob in rows:
        assert no_blob, name
        raw_name, raw = by_sha[sha]
        assert Path(raw_name).name == name
        assert size == len(raw)
        f = store / sha[:2] / f"{sha}.gz"
        assert gzip.decompress(f.read_bytes()) == raw
        assert f.stat().st_size < len(raw)


def test_open_race_reads_the_store(arc):
    race = open_race("2024-wec-fuji6h", arc)
    assert len(race.laps) == _raw_lap_rows("wec-2024-fuji6h")


def test_old_archive_blobs_are_read_then_migrated(arc, tmp_path):
    """An archive made before the store (bytes in files.data, no <db>.files): open_race reads the
    BLOBs; ``archive migrate`` moves them to the store and clears them."""
    import shutil

    old = tmp_path / "old.duckdb"
    shutil.copy(arc, old)
    raw = _corpus_files("imsa-2024-road-atlanta")
    with Archive(old, write=True) as a:
        for name, data in raw.items():
            a.con.execute(
                "UPDATE files SET data = ? WHERE race_id = '2024-imsa-road-atlanta-race' AND name = ?",
                [data, Path(name).name],
            )
        a.con.execute("DELETE FROM files WHERE race_id <> '2024-imsa-road-atlanta-race'")
    assert not store_dir(old).exists()
    race = open_race("2024-imsa-road-atlanta", old)
    assert len(race.laps) == _raw_lap_rows("imsa-2024-road-atlanta")

    assert main(["archive", "migrate", "--db", str(old), "--json"]) == 0
    with Archive(old) as a:
        left = a.con.execute("SELECT count(*) FROM files WHERE data IS NOT NULL").fetchall()[0][0]
        shas = [s for (s,) in a.con.execute("SELECT sha256 FROM files").fetchall()]
    assert left == 0
    assert {gzip.decompress((store_dir(old) / s[:2] / f"{s}.gz").read_bytes()) for s in shas} == set(raw.values())
    race = open_race("2024-imsa-road-atlanta", old)
    assert len(race.laps) == _raw_lap_rows("imsa-2024-road-atlanta")


def test_collect_removes_unreferenced_and_half_written_files(arc, tmp_path):
    import shutil

    db = tmp_path / "c.duckdb"
    shutil.copy(arc, db)
    shutil.copytree(store_dir(arc), store_dir(db))
    orphan = store_dir(db) / "ab" / ("ab" + "0" * 62 + ".gz")
    orphan.parent.mkdir(exist_ok=True)
    orphan.write_bytes(b"x")
    (store_dir(db) / "ab" / ".partial.123.tmp").write_bytes(b"x")
    fuji = {hashlib.sha256(b).hexdigest() for b in _corpus_files("wec-2024-fuji6h").values()}
    assert all((store_dir(db) / s[:2] / f"{s}.gz").is_file() for s in fuji)
    with Archive(db, write=True) as a:
        a.remove("2024-wec-fuji6h-race")  # removes its raw files too
        assert not any((store_dir(db) / s[:2] / f"{s}.gz").exists() for s in fuji)
        assert a.collect_raw_files() == 2  # the orphan and the half-written file
    assert not orphan.exists()
    assert len(open_race("2025-wec-spa6h", db).laps) == _raw_lap_rows("wec-2025-spa6h")


# -- Parquet dataset ------------------------------------------------------------------------------
def test_dataset_is_hive_partitioned_by_series_and_season(dataset):
    """The partitions are the corpus races' series and seasons (MANIFEST.csv), and the laps of
    each race are the raw file's rows (csv oracle)."""
    want = {
        (r["series"] if r["series"] != "LEMANS" else "WEC", int(r["year"])) for r in manifest() if r["race"] in RACES
    }
    got = {
        (p.parent.name.split("=")[1], int(p.name.split("=")[1])) for p in (dataset / "races").glob("series=*/season=*")
    }
    assert got == want
    with Archive(dataset) as a:
        laps = dict(a.con.execute("SELECT race_id, count(*) FROM laps GROUP BY race_id").fetchall())
        n_races = a.con.execute("SELECT count(*) FROM races").fetchall()[0][0]
    assert n_races == len(RACES)
    assert laps == {
        "2024-imsa-road-atlanta-race": _raw_lap_rows("imsa-2024-road-atlanta"),
        "2024-wec-fuji6h-race": _raw_lap_rows("wec-2024-fuji6h"),
        "2025-wec-spa6h-race": _raw_lap_rows("wec-2025-spa6h"),
    }


def test_queries_over_the_dataset_equal_the_database(arc, dataset):
    """season, career, driver search and the category registry give the same answers over the
    Parquet dataset as over the DuckDB file."""
    with Archive(arc) as a, Archive(dataset) as b:
        for name, year in (("Kevin Estre", 2024), ("estre", None), ("Kévin ESTRE", 2025)):
            sa, sb = driver_season(a, name, year), driver_season(b, name, year)
            pd.testing.assert_frame_equal(sa["races"], sb["races"])
            assert sa["totals"] == sb["totals"]
        ca, cb = driver_career(a, "Kevin Estre"), driver_career(b, "Kevin Estre")
        assert ca["seasons"] == cb["seasons"]
        pd.testing.assert_frame_equal(ca["races"], cb["races"])
        assert find_driver(a, "estre") == find_driver(b, "estre")
        ra = load_registry(a).sort_values(["key", "season", "race_id"]).reset_index(drop=True)
        rb = load_registry(b).sort_values(["key", "season", "race_id"]).reset_index(drop=True)
        pd.testing.assert_frame_equal(ra, rb)
        ha, hb = driver_history(a, "Kevin Estre"), driver_history(b, "Kevin Estre")
        pd.testing.assert_frame_equal(ha[0], hb[0])
        pd.testing.assert_frame_equal(a.races(), b.races()[list(a.races().columns)])
    # hand-checked against the corpus: Estre drives car 6 in the three 2024 races archived here
    assert set(sa["races"]["race_id"]) == {"2025-wec-spa6h-race"}
    with Archive(dataset) as b:
        s24 = driver_season(b, "Kevin Estre", 2024)
    assert list(s24["races"]["car"]) == ["6", "6", "6"]


def test_dataset_is_read_only_and_cli_reads_it(arc, dataset, tmp_path, capsys):
    with pytest.raises(Exception, match="read-only"):
        Archive(dataset, write=True).open()
    out = tmp_path / "cli"
    assert main(["archive", "export", "--parquet", str(out), "--db", str(arc), "--json"]) == 0
    capsys.readouterr()
    marker = json.loads((out / "stintlab-dataset.json").read_text())
    assert marker["rows"]["races"] == len(RACES)
    assert main(["season", "Kevin Estre", "--year", "2024", "--db", str(arc), "--json"]) == 0
    from_db = json.loads(capsys.readouterr().out)
    assert main(["season", "Kevin Estre", "--year", "2024", "--db", str(out), "--json"]) == 0
    from_pq = json.loads(capsys.readouterr().out)
    assert from_db == from_pq
    # the raw classification file says Porsche #6 finished 2nd in GTP at Road Atlanta 2024
    with open(CORPUS / "imsa-2024-road-atlanta" / "202410121210-race-results.csv", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert rows, "results file read"
    ra = [r for r in from_pq["races"] if r["race_id"] == "2024-imsa-road-atlanta-race"]
    assert ra and ra[0]["class_position"] == 2
    # an export cannot go over a folder that is not an export
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "x.txt").write_text("x")
    assert main(["archive", "export", "--parquet", str(busy), "--db", str(arc)]) == 2
    assert (busy / "x.txt").exists()
    assert Path(busy).is_dir()
