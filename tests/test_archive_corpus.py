"""Every corpus race goes into one archive (the issue's 'all 39 races ingest'), checked against
MANIFEST.csv, through ``stintlab archive add`` of the corpus root; timing lives in
benchmarks/bench_archive.py."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from stintlab.archive.store import Archive
from stintlab.cli import main


def _manifest(corpus: Path, name: str) -> list[dict]:
    with open(corpus / name, encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.slow
@pytest.mark.corpus
def test_whole_corpus_ingests_and_matches_manifest(corpus, tmp_path, capsys):
    """Every MANIFEST.csv race stored once with all its laps (Le Mans 2023: 15,030, its hourly
    files with it), and every MANIFEST-other.csv race (the WIGE NLS races, the SRO GT World
    Challenge race with its pit-stop file and entry list): one race per event folder; exit 0."""
    db = tmp_path / "all.duckdb"
    assert main(["archive", "add", str(corpus), "--db", str(db), "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    other = _manifest(corpus, "MANIFEST-other.csv")
    rows = _manifest(corpus, "MANIFEST.csv") + other
    stored = [r for r in res if r["status"] != "unsupported"]
    assert len(stored) == len(rows) == 39 + len(other) and {r["status"] for r in stored} == {"added"}
    assert sorted(Path(r["source"]).parent.name for r in stored) == sorted(m["race"] for m in rows)
    assert len(res) == len(rows)  # nothing unsupported left in the corpus
    for m in other:  # laps the timekeeper timed: the SRO sector list has rows of laps never completed
        if m["format"].startswith("SRO"):
            m["laps"] = str(_sro_timed_rows(corpus / m["race"] / m["laps_file"]))
    with Archive(db) as arc:
        races = arc.df("SELECT race_id, source, cars, laps, has_laps, season, series FROM races")
        per_race = dict(arc.con.execute("SELECT race_id, count(*) FROM laps GROUP BY race_id").fetchall())
    by_folder = {r["race"]: r for r in rows}
    for r in races.itertuples():
        folder = r.source.split("/")[-2]
        m = by_folder[folder]
        assert r.season == int(m["year"]), folder
        assert r.series == {"LEMANS": "WEC", "GTWC Europe Endurance Cup": "GTWC"}.get(m["series"], m["series"]), folder
        assert bool(r.has_laps) == bool(m["laps_file"]), folder
        if m["laps_file"]:
            assert (r.laps, per_race[r.race_id], r.cars) == (int(m["laps"]), int(m["laps"]), int(m["cars"])), folder
    assert int(races["has_laps"].eq(False).sum()) == 5  # the IMSA Daytona folders: results only
    assert sum(per_race.values()) == sum(int(m["laps"]) for m in rows if m["laps_file"])
    le_mans_2023 = races.set_index("source").filter(like="lemans-2023", axis=0)
    assert list(le_mans_2023["laps"]) == [15030]


def _sro_timed_rows(path: Path) -> int:
    """Lap rows of an SRO sector list with a Time (the header repeats every few rows; 6 rows of the
    Paul Ricard race, each car's last lap started and never completed, have none)."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh, delimiter=";"))
    head = rows[0]
    cols = [head.index(c) for c in ("Time", "Sector1Time", "Sector2Time", "Sector3Time")]
    timed = 0
    for r in rows[1:]:
        if r == head or len(r) < len(head):
            continue
        time, *sectors = (r[i].strip() for i in cols)
        timed += bool(time) or all(sectors)  # an empty Time with all three sectors is their sum
    return timed
