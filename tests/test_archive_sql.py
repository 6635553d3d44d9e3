"""Issue #16 item 4, what was left: the alias-resolved driver key stored on entries (``driver_id``,
with its migration of older archives), season/career answered by one SQL query, and races opened
from the stored lap table instead of re-parsing their files. Real corpus races, archives in tmp paths.

Expectations: the previous pandas implementation of season/career (tests/season_reference.py, the
code this replaces) for the identity of the answers; ``stintlab.load`` of the original files for the
reopened races; raw rows read with the csv module (tests/oracle.py, tests/test_season_series.py) for
the facts.
"""

from __future__ import annotations

import math
import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import season_reference as ref
import stintlab
from conftest import CORPUS, build_archive, lap_file
from oracle import read_race
from stintlab.archive.dataset import export_parquet
from stintlab.archive.season import driver_career, driver_season
from stintlab.archive.sources import find_race_files
from stintlab.archive.store import Archive, open_race
from stintlab.names import name_key
from test_season_series import imsa_driver_laps, imsa_result

pytestmark = pytest.mark.corpus

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from check_same_tables import same  # noqa: E402  (the refactor check's table comparison)

# Picariello across IMSA (classification only + laps), NLS (WIGE) and GTWC (SRO); Estre in IMSA and WEC
RACES = [
    "imsa-2025-daytona-international-speedway",
    "imsa-2025-sebring-international-raceway",
    "nls-2025-nls2",
    "gtwc-endurance-sro",
    "imsa-2024-road-atlanta",
    "wec-2024-fuji6h",
    "wec-2025-spa6h",
]
ALIAS = ("Phil Hanson", "Philip Hanson")  # IMSA's and WEC's spellings of one driver (both in RACES)


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path, res = build_archive(tmp_path_factory, RACES, "sql")
    assert [r["status"] for r in res] == ["added"] * len(RACES)
    with Archive(path, write=True) as arc:
        arc.add_alias(*ALIAS)
    return path


@pytest.fixture(scope="module")
def dataset(db, tmp_path_factory):
    out = tmp_path_factory.mktemp("pq") / "dataset"
    with Archive(db) as arc:
        export_parquet(arc, out)
    return out


# -- 1. driver_id ---------------------------------------------------------------------------------
def _ids(path) -> dict:
    with Archive(path) as arc:
        rows = arc.con.execute("SELECT race_id, car, driver, driver_id FROM entries").fetchall()
        reg = arc.con.execute("SELECT race_id, car, driver, driver_id FROM driver_categories").fetchall()
    return {("e", *r[:3]): r[3] for r in rows} | {("r", *r[:3]): r[3] for r in reg}


def test_driver_id_is_the_name_key_with_the_alias_followed(db):
    """Every stored driver_id is names.name_key of the name as written, except Phil Hanson's rows,
    which carry Philip Hanson's key (the alias added after ingest re-resolved them)."""
    ids = _ids(db)
    assert ids
    hanson = name_key(ALIAS[1])
    for (_, _, _, driver), did in ids.items():
        want = hanson if name_key(driver) in (name_key(ALIAS[0]), hanson) else name_key(driver)
        assert did == want, driver
    assert sum(1 for (_, _, _, d) in ids if name_key(d) == name_key(ALIAS[0])) > 0  # the alias is used


def test_alias_removed_and_added_again_re_resolves(db, tmp_path):
    copy = tmp_path / "copy.duckdb"
    shutil.copy(db, copy)
    with Archive(copy, write=True) as arc:
        assert arc.remove_alias(ALIAS[0])
        back = arc.con.execute("SELECT DISTINCT driver_id FROM entries WHERE driver_key = ?", [name_key(ALIAS[0])])
        assert back.fetchall() == [(name_key(ALIAS[0]),)]
        arc.add_alias(*ALIAS)
    assert _ids(copy) == _ids(db)


def test_migration_of_an_archive_without_driver_id_is_idempotent(db, tmp_path):
    """A copy made to look like an archive from before the column: read-only it answers the same
    season; the first write-open stores the column (equal to the fresh archive's), a second
    migration changes nothing."""
    old = tmp_path / "old.duckdb"
    shutil.copy(db, old)
    with Archive(old, write=True) as arc:
        for table in ("entries", "driver_categories"):
            arc.con.execute(f"ALTER TABLE {table} DROP COLUMN driver_id")
    import duckdb

    con = duckdb.connect(str(old), read_only=True)
    assert "driver_id" not in [r[0] for r in con.execute("DESCRIBE entries").fetchall()]
    con.close()
    with Archive(old) as a, Archive(db) as b:  # read-only: computed on the fly, the file unchanged
        _assert_same_season(driver_season(a, ALIAS[0], 2024), driver_season(b, ALIAS[0], 2024))
    con = duckdb.connect(str(old), read_only=True)
    assert "driver_id" not in [r[0] for r in con.execute("DESCRIBE entries").fetchall()]
    con.close()
    with Archive(old, write=True):  # the migration runs on opening for writing
        pass
    assert _ids(old) == _ids(db)
    with Archive(old, write=True) as arc:
        assert arc.migrate_driver_ids() == 0
    assert _ids(old) == _ids(db)


# -- 2. season / career in SQL --------------------------------------------------------------------
def _v(x):
    if x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x)):
        return None
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, list):
        return [_v(i) for i in x]
    if isinstance(x, dict):
        return {k: _v(i) for k, i in x.items()}
    return x


def _assert_same_season(new: dict, old: dict) -> None:
    assert (new["driver"], new["key"], new["totals"]) == (old["driver"], old["key"], old["totals"])
    a, b = new["races"], old["races"]
    assert list(a.columns) == list(b.columns)
    assert len(a) == len(b)
    for c in a.columns:  # exact values (floats compared exactly), missing as None
        assert [_v(x) for x in a[c].tolist()] == [_v(x) for x in b[c].tolist()], c


def _drivers(path) -> list[str]:
    with Archive(path) as arc:
        names = [d for (d,) in arc.con.execute("SELECT DISTINCT driver FROM entries ORDER BY driver").fetchall()]
    return ["Alessio Picariello", "PICARIELLO Alessio", "estre", *ALIAS, *names[::25]]


def test_season_and_career_equal_the_previous_implementation(db):
    drivers = _drivers(db)
    assert len(drivers) > 20
    with Archive(db) as arc:
        for name in drivers:
            for year in (None, 2025):
                try:
                    old = ref.driver_season(arc, name, year)
                except Exception as exc:  # noqa: BLE001 (the same refusal both ways)
                    with pytest.raises(type(exc)):
                        driver_season(arc, name, year)
                    continue
                _assert_same_season(driver_season(arc, name, year), old)
            new_c, old_c = driver_career(arc, name), ref.driver_career(arc, name)
            assert new_c["seasons"] == old_c["seasons"]
            assert new_c["totals"] == old_c["totals"]


def test_picariello_across_three_timekeepers_from_the_raw_rows(db, dataset):
    """IMSA Sebring 2025 from its raw results and lap rows (csv module); the same answers through
    the Parquet export."""
    with Archive(db) as arc:
        c = driver_career(arc, "Alessio Picariello")
    # Road Atlanta 2024: #5 Proton Porsche 963, GTP (202410121210-race-results.csv names him in its crew)
    assert {s["season"]: s["series"] for s in c["seasons"]} == {2024: ["IMSA"], 2025: ["IMSA", "NLS"], 2026: ["GTWC"]}
    ra = imsa_result("imsa-2024-road-atlanta", "5")
    assert "Alessio Picariello" in ra["crew"]
    got = c["races"][c["races"]["race_id"] == "2024-imsa-road-atlanta-race"].iloc[0]
    assert (got["car"], got["class"], int(got["class_position"])) == ("5", ra["class"], ra["class_position"])
    races = c["races"]
    seb = races[races["race_id"] == "2025-imsa-sebring-international-raceway-race"].iloc[0]
    raw = imsa_result("imsa-2025-sebring-international-raceway", "77")
    assert (seb["class"], int(seb["class_position"]), int(seb["car_laps"])) == (
        raw["class"],
        raw["class_position"],
        raw["laps"],
    )
    assert [m["driver"] for m in seb["crew"]] == raw["crew"]
    n, t = imsa_driver_laps("imsa-2025-sebring-international-raceway", "77", "Alessio Picariello")
    assert (int(seb["laps"]), round(float(seb["drive_time"]), 3)) == (n, round(t, 3))
    with Archive(dataset) as pq, Archive(db) as arc:
        for name, year in (("Alessio Picariello", None), ("estre", 2024), (ALIAS[0], 2024)):
            _assert_same_season(driver_season(pq, name, year), driver_season(arc, name, year))
        assert driver_career(pq, "Alessio Picariello")["seasons"] == c["seasons"]


# -- 3. races opened from the stored tables -------------------------------------------------------
TABLES = ("laps", "cars", "drivers", "classification", "derived_classification", "issues", "sections", "weather")
ARCHIVE_META = ("path", "name", "race_id", "series", "season", "event", "track", "session", "date", "archive")


@pytest.mark.parametrize("name", ["wec-2024-fuji6h", "imsa-2024-road-atlanta", "nls-2025-nls2", "gtwc-endurance-sro"])
def test_open_race_rebuilds_the_loaded_race_without_parsing(db, name, monkeypatch):
    rf = next(r for r in find_race_files([CORPUS / name]) if r.laps is not None)
    want = stintlab.load(rf.laps, results=rf.official, find_results=False, weather=rf.weather)  # results, else final hourly

    def no_parse(*_a, **_k):
        raise AssertionError("a file was parsed")

    import stintlab.archive.open as opened
    import stintlab.race.loading as loading

    with Archive(db) as arc:
        rid = arc.con.execute("SELECT race_id FROM races WHERE source = ?", [str(rf.main)]).fetchall()[0][0]
    with monkeypatch.context() as m:
        m.setattr(stintlab, "load", no_parse)
        m.setattr(loading, "read_file", no_parse)
        m.setattr(opened, "read_file", no_parse)
        got = open_race(rid, db)
    for table in TABLES:
        a, b = getattr(got, table), getattr(want, table)
        assert (a is None) == (b is None), table
        if a is not None:
            assert same(a, b) == [], table
    assert same(got.official_crew, want.official_crew) == [] if want.official_crew is not None else True
    strip = lambda meta: {k: v for k, v in meta.items() if k not in ARCHIVE_META}  # noqa: E731
    assert same(strip(got.meta), strip(want.meta)) == []
    assert got.meta["path"] == str(rf.main)
    if name.startswith(("wec", "imsa")):  # Al Kamel lap files: the raw row count (csv oracle)
        assert len(got.laps) == sum(len(v) for v in read_race(lap_file(name)).laps.values())
    assert same(open_race(rid, db, reparse=True).laps, got.laps) == []


def test_classification_only_race_opens_from_its_stored_tables(db, monkeypatch):
    import stintlab.archive.open as opened

    with monkeypatch.context() as m:
        m.setattr(opened, "read_file", lambda *a, **k: (_ for _ in ()).throw(AssertionError("parsed")))
        got = open_race("2025-imsa-daytona", db)
    want = open_race("2025-imsa-daytona", db, reparse=True)
    for table in ("laps", "cars", "drivers", "classification", "official_crew"):
        assert same(getattr(got, table), getattr(want, table)) == [], table
    assert got.meta["classification_only"]
    raw = imsa_result("imsa-2025-daytona-international-speedway", "77")
    row = got.classification[got.classification["car"] == "77"].iloc[0]
    assert (row["class"], int(row["position"])) == (raw["class"], raw["position"])


def test_race_numbers_select_a_race_laps_and_older_races_are_read_by_id(db, tmp_path):
    """Each race has its own race_no, carried by every one of its lap rows; a race without one (an
    archive written before the column) opens the same by its race_id."""
    with Archive(db) as arc:
        nos = arc.con.execute("SELECT race_id, race_no FROM races").fetchall()
        mismatched = arc.con.execute(
            "SELECT count(*) FROM laps l LEFT JOIN races r USING (race_id) WHERE l.race_no IS DISTINCT FROM r.race_no"
        ).fetchall()[0][0]
    assert len({n for _, n in nos}) == len(RACES) and None not in {n for _, n in nos}
    assert mismatched == 0
    old = tmp_path / "old.duckdb"
    shutil.copy(db, old)
    with Archive(old, write=True) as arc:
        arc.con.execute("UPDATE races SET race_no = NULL")
        arc.con.execute("UPDATE laps SET race_no = NULL")
    a, b = open_race("2024-wec-fuji6h", old), open_race("2024-wec-fuji6h", db)
    assert len(a.laps) == sum(len(v) for v in read_race(lap_file("wec-2024-fuji6h")).laps.values())
    assert same(a.laps, b.laps) == []


def test_an_archive_from_before_the_parts_reopens_by_parsing(db, tmp_path):
    """An archive without the race_parts table (made before it), opened read-only: open_race parses
    the stored raw files as it used to."""
    old = tmp_path / "old.duckdb"
    shutil.copy(db, old)
    shutil.copytree(db.with_name(db.name + ".files"), old.with_name(old.name + ".files"))
    with Archive(old, write=True) as arc:
        arc.con.execute("DROP TABLE race_parts")
    race = open_race("2024-wec-fuji6h", old)
    assert len(race.laps) == sum(len(v) for v in read_race(lap_file("wec-2024-fuji6h")).laps.values())
    assert same(race.laps, open_race("2024-wec-fuji6h", db).laps) == []
