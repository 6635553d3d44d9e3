"""Every corpus race goes into one archive (the issue's 'all 39 races ingest'), checked against
MANIFEST.csv; timing lives in benchmarks/bench_archive.py."""

from __future__ import annotations

import pytest

from stintlab.archive.store import Archive, ingest


@pytest.mark.slow
@pytest.mark.corpus
def test_whole_corpus_ingests_and_matches_manifest(corpus, tmp_path):
    from conftest import manifest

    db = tmp_path / "all.duckdb"
    res = ingest([corpus], db)
    rows = manifest()
    assert len(res) == len(rows) == 39 and {r["status"] for r in res} == {"added"}
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
