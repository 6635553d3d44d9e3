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
    files with it), and the WIGE (NLS) races of MANIFEST-other.csv; each other MANIFEST-other.csv
    folder (no reader yet) one ``unsupported`` result naming its folder; exit 0 (unsupported is not a
    failure)."""
    db = tmp_path / "all.duckdb"
    assert main(["archive", "add", str(corpus), "--db", str(db), "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    other = _manifest(corpus, "MANIFEST-other.csv")
    wige = [m for m in other if m["format"] == "WIGE export"]
    others = [m for m in other if m["format"] != "WIGE export"]
    rows = _manifest(corpus, "MANIFEST.csv") + wige
    stored = [r for r in res if r["status"] != "unsupported"]
    assert len(stored) == len(rows) == 39 + len(wige) and {r["status"] for r in stored} == {"added"}
    assert sorted(Path(r["source"]).parent.name for r in stored) == sorted(m["race"] for m in rows)
    unsupported = [r for r in res if r["status"] == "unsupported"]
    assert sorted(r["source"] for r in unsupported) == sorted(str(corpus / m["race"]) for m in others)
    assert all(r["reason"].startswith(r["source"] + ": no reader") for r in unsupported)
    assert len(res) == len(rows) + len(others)
    with Archive(db) as arc:
        races = arc.df("SELECT race_id, source, cars, laps, has_laps, season, series FROM races")
        per_race = dict(arc.con.execute("SELECT race_id, count(*) FROM laps GROUP BY race_id").fetchall())
    by_folder = {r["race"]: r for r in rows}
    for r in races.itertuples():
        folder = r.source.split("/")[-2]
        m = by_folder[folder]
        assert r.season == int(m["year"]), folder
        assert r.series == ("WEC" if m["series"] == "LEMANS" else m["series"]), folder
        assert bool(r.has_laps) == bool(m["laps_file"]), folder
        if m["laps_file"]:
            assert (r.laps, per_race[r.race_id], r.cars) == (int(m["laps"]), int(m["laps"]), int(m["cars"])), folder
    assert int(races["has_laps"].eq(False).sum()) == 5  # the IMSA Daytona folders: results only
    assert sum(per_race.values()) == sum(int(m["laps"]) for m in rows)
    le_mans_2023 = races.set_index("source").filter(like="lemans-2023", axis=0)
    assert list(le_mans_2023["laps"]) == [15030]
