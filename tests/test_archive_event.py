"""One event's files are one race: the timekeeper's hourly classifications stored beside a lap file
(``official-hourly/``) go with that race and never replace or shrink it (issue: Le Mans 2023 was
replaced by a classification-only race built from an hourly file)."""

from __future__ import annotations

import csv
import os
import shutil

import pytest

from conftest import CORPUS, race_row
from stintlab.archive.sources import find_race_files
from stintlab.archive.store import Archive, ingest

pytestmark = pytest.mark.corpus


def _hourly_names(race: str) -> list[str]:
    """The race's hourly files as listed in HOURLY.csv (the data set's own index, not our reader)."""
    with open(CORPUS / "HOURLY.csv", encoding="utf-8") as fh:
        return sorted({r["file"] for r in csv.DictReader(fh) if r["race"] == race})


def test_race_folder_with_hourly_files_is_one_race():
    race = "lemans-2023"
    row = race_row(race)
    found = find_race_files([CORPUS / race])
    assert len(found) == 1
    rf = found[0]
    assert rf.laps.name == row["laps_file"] and rf.problem is None
    on_disk = sorted(os.listdir(CORPUS / race / "official-hourly"))
    assert sorted(f.name for f in rf.hourly) == on_disk == _hourly_names(race)
    # hour order: hour-1, hour-2, ... (the file named without an hour last)
    assert rf.hourly[0].name.endswith("race-hour-1-results.csv")
    assert rf.hourly[1].name.endswith("race-hour-2-results.csv")


def test_ingest_keeps_every_lap_and_stores_the_hourly_files(tmp_path):
    race = "lemans-2023"
    db = tmp_path / "a.duckdb"
    res = ingest([CORPUS / race], db)
    assert [r["status"] for r in res] == ["added"]
    with Archive(db) as arc:
        (laps,) = arc.con.execute("SELECT count(*) FROM laps").fetchone()
        roles = dict(arc.con.execute("SELECT role, count(*) FROM files GROUP BY role").fetchall())
        (stored_laps,) = arc.con.execute("SELECT laps FROM races").fetchone()
    assert laps == stored_laps == int(race_row(race)["laps"]) == 15030
    assert roles == {"laps": 1, "hourly": len(_hourly_names(race))}
    # the same folder again changes nothing
    assert [r["status"] for r in ingest([CORPUS / race], db)] == ["unchanged"]


def test_a_smaller_race_with_the_same_identity_never_replaces_a_stored_one(tmp_path):
    race = "lemans-2023"
    db = tmp_path / "a.duckdb"
    ingest([CORPUS / race], db)
    # the final classification alone, in a folder that gives the same race id (2023, WEC, le-mans, Race)
    alone = tmp_path / "lemans-2023"
    alone.mkdir()
    shutil.copy(CORPUS / race / "official-hourly" / "202306101600-race-hour-24-results.csv", alone / "results.csv")
    res = ingest([alone], db)
    assert res[0]["status"] == "kept" and "15030 laps" in res[0]["reason"] and "archive remove" in res[0]["reason"]
    with Archive(db) as arc:
        assert arc.con.execute("SELECT count(*), min(has_laps::INT) FROM races").fetchone() == (1, 1)
        assert arc.con.execute("SELECT count(*) FROM laps").fetchone()[0] == 15030


def test_hourly_files_without_their_lap_file_are_skipped_not_stored(tmp_path):
    folder = tmp_path / "wec-2024-somewhere" / "official-hourly"
    folder.mkdir(parents=True)
    for name in _hourly_names("wec-2024-fuji6h")[:2]:
        shutil.copy(CORPUS / "wec-2024-fuji6h" / "official-hourly" / name, folder / name)
    db = tmp_path / "a.duckdb"
    res = ingest([tmp_path / "wec-2024-somewhere"], db)
    assert [r["status"] for r in res] == ["skipped"]
    assert str(folder) in res[0]["reason"] and "lap file" in res[0]["reason"]
    with Archive(db) as arc:
        assert arc.con.execute("SELECT count(*) FROM races").fetchone()[0] == 0
