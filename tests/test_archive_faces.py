"""The web app and the report read races from the DuckDB archive (issue: archive item 5)."""

import json

import pytest
from fastapi.testclient import TestClient

from stintlab.archive.store import ingest
from stintlab.cli import main
from stintlab.web import create_app

pytestmark = pytest.mark.corpus


@pytest.fixture(scope="module")
def archive_db(tmp_path_factory):
    from conftest import CORPUS, _need_corpus

    _need_corpus()
    db = tmp_path_factory.mktemp("arc") / "archive.duckdb"
    ingest([CORPUS / "lemans-2024", CORPUS / "imsa-2024-daytona-international-speedway"], db=db)
    return db


def test_web_app_lists_and_opens_archived_races(archive_db):
    client = TestClient(create_app(archive_db=archive_db, with_demo=False), raise_server_exceptions=False)
    listing = client.get("/api/races").json()
    by_id = {r["id"]: r for r in listing}
    # Le Mans 2024 has laps; the Daytona 2024 folder holds only a results file: nothing to chart
    assert [r["source"] for r in listing] == ["db"]
    (rid,) = by_id
    overview = client.get(f"/api/races/{rid}").json()
    assert overview["cars"] == 62 and overview["laps"] == 15593  # MANIFEST.csv
    story = client.get(f"/api/races/{rid}/cars/50/story").json()["sentences"]
    assert story[0]["laps"] == [1] and "#50" in story[0]["text"]
    assert client.get("/races/" + rid + "/cars/50").status_code == 200
    assert client.get("/api/races/../../etc/passwd").status_code == 404


def test_report_and_story_from_the_archive(archive_db, tmp_path, capsys):
    out = tmp_path / "r.html"
    rc = main(["report", "--race", "le-mans", "--db", str(archive_db), "--car", "50", "-o", str(out), "--json"])
    assert rc == 0
    meta = json.loads(capsys.readouterr().out)
    assert meta["race"] == "2024-wec-le-mans-race" and meta["car"] == "50"
    assert "Ferrari AF Corse" in out.read_text(encoding="utf-8")
    rc = main(["story", "--race", "2024-wec-le-mans", "--db", str(archive_db), "--car", "50", "--json"])
    assert rc == 0
    story = json.loads(capsys.readouterr().out)
    assert story["car"] == "50" and story["sentences"][-1]["text"]


def test_story_needs_a_file_or_an_archived_race(capsys):
    assert main(["story", "--car", "50"]) == 2
    assert "give a lap FILE or --race ID" in capsys.readouterr().err
