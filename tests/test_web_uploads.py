"""Web uploads (issue #14, item 6): the lap file and the results file sent together in one form (told apart by
their headers), identical uploads recognised by their content, natural car order in the car dropdown.
Expectations come from the raw files read with the csv module."""

from __future__ import annotations

import csv
import io
import re

import pytest
from fastapi.testclient import TestClient

from conftest import lap_file, results_file
from stintlab.web import create_app

RACE = "imsa-2024-sebring-international-raceway"


@pytest.fixture
def client(tmp_path):
    app = create_app(data_dir=tmp_path, with_demo=False)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def _official_order(path) -> list[tuple[str, str]]:
    """(car, status) by POSITION, straight from the results CSV."""
    text = path.read_bytes().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    rows.sort(key=lambda r: int(r["POSITION"]))
    return [(r["NUMBER"].strip(), r["STATUS"].strip()) for r in rows]


@pytest.mark.corpus
def test_lap_and_results_files_in_one_form_give_the_official_classification(client):
    laps, res = lap_file(RACE), results_file(RACE)
    # the results in the "file" field and the laps in "results": the headers decide, not the fields
    files = [("file", (res.name, res.read_bytes(), "text/csv")), ("results", (laps.name, laps.read_bytes(), "text/csv"))]
    r = client.post("/api/races", files=files)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["classification_source"] == "official"
    got = client.get(f"/api/races/{body['id']}").json()["classification"]
    want = _official_order(res)
    assert [(g["car"], g["status"]) for g in got[:10]] == want[:10]  # raw: 1,40,Classified / 2,01,Classified ...
    assert got[0]["car"] == "40" and got[1]["car"] == "01"

    # the lap file alone is another race entry, classified from the laps
    alone = client.post("/api/races", files={"file": (laps.name, laps.read_bytes(), "text/csv")}).json()
    assert alone["id"] != body["id"] and alone["classification_source"] == "derived"


@pytest.mark.corpus
def test_the_same_upload_twice_is_one_race(client, tmp_path):
    laps, res = lap_file(RACE), results_file(RACE)
    files = {"file": (laps.name, laps.read_bytes(), "text/csv"), "results": (res.name, res.read_bytes(), "text/csv")}
    first = client.post("/api/races", files=files).json()["id"]
    again = client.post("/upload", files=files, follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == f"/races/{first}"
    renamed = {"file": ("other-name.csv", laps.read_bytes(), "text/csv"), "results": files["results"]}
    assert client.post("/api/races", files=renamed).json()["id"] == first
    listed = [r for r in client.get("/api/races").json() if r["source"] == "upload"]
    assert [r["id"] for r in listed] == [first]
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{first}.csv", f"{first}.results.csv"]
    # home page: one entry, and the form carries both file fields
    home = client.get("/").text
    assert home.count(f'href="/races/{first}"') == 1
    assert 'name="file"' in home and 'name="results"' in home


@pytest.mark.corpus
def test_identical_files_again_answer_200_with_the_existing_race_id(client, tmp_path):
    """201 for a race not stored yet; the identical files sent again answer 200 with the same id and the same
    summary, and store nothing more; other content (the lap file without its results) is a new race: 201."""
    laps, res = lap_file(RACE), results_file(RACE)
    files = {"file": (laps.name, laps.read_bytes(), "text/csv"), "results": (res.name, res.read_bytes(), "text/csv")}
    first = client.post("/api/races", files=files)
    assert first.status_code == 201, first.text
    again = client.post("/api/races", files=files)
    assert again.status_code == 200, again.text
    assert again.json()["id"] == first.json()["id"] and again.json() == first.json()
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{first.json()['id']}.csv", f"{first.json()['id']}.results.csv"]
    alone = {"file": (laps.name, laps.read_bytes(), "text/csv")}
    new = client.post("/api/races", files=alone)
    assert new.status_code == 201 and new.json()["id"] != first.json()["id"]
    repeat = client.post("/api/races", files=alone)
    assert repeat.status_code == 200 and repeat.json()["id"] == new.json()["id"]
    # the raw lap file has 16,836 rows + header (MANIFEST.csv): the summary counts the same laps both times
    with open(laps, encoding="utf-8-sig", newline="") as fh:
        rows = sum(1 for _ in csv.reader(fh)) - 1
    assert new.json()["laps"] == repeat.json()["laps"] == rows
    assert len([r for r in client.get("/api/races").json() if r["source"] == "upload"]) == 2


@pytest.mark.corpus
def test_a_results_file_alone_is_refused_and_nothing_is_stored(client, tmp_path):
    res = results_file(RACE)
    r = client.post("/api/races", files={"file": (res.name, res.read_bytes(), "text/csv")})
    assert r.status_code == 415 and "lap file" in r.json()["error"] and "results" in r.json()["error"]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.corpus
def test_car_dropdown_is_in_natural_order(client):
    laps = lap_file(RACE)
    rid = client.post("/api/races", files={"file": (laps.name, laps.read_bytes(), "text/csv")}).json()["id"]
    page = client.get(f"/races/{rid}/cars/40").text
    select = page.split('id="car-select"', 1)[1].split("</select>", 1)[0]
    shown = re.findall(r'<option value="([^"]+)"', select)
    with open(laps, encoding="utf-8-sig", newline="") as fh:
        raw = {row["NUMBER"].strip() for row in csv.DictReader(fh, delimiter=",")}
    assert set(shown) == raw
    # natural order: by number value, a leading zero after the plain number ("1" < "01" < "2" < "10")
    assert shown == sorted(raw, key=lambda c: (int(re.sub(r"\D", "", c) or 0), len(c), c))
