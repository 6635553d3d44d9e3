"""Numbers, order, exports and titles (issue #14 items 3-5), on real files.

Expectations come from the raw lap files read with the csv module (tests/oracle.py) or from facts
checked by hand in the files and their names:

- Le Mans 2024 (``lemans-2024/23_Analysis_Race_Hour 24.csv``): the folder says WEC / 2024 / Le Mans;
  the official hourly classifications beside it are named ``202406151600-race-hour-N-results.csv``
  (race day 15 June 2024, 16:00);
- IMSA Watkins Glen 2023 (``imsa-2023-watkins-glen-international/202306251040-race-laps.csv``): the
  file name says 25 June 2023, 10:40, session "race"; its cars include ``1``, ``01``, ``4``, ``04``,
  ``23`` and ``023`` (NUMBER column), six distinct cars.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from oracle import read_race
from stintlab.cli import main

ROOT = Path(__file__).resolve().parents[1]
LM24_TITLE = "24 Hours of Le Mans 2024 · Circuit de la Sarthe · 15 June 2024 · Race"
WG23_TITLE = "Six Hours of The Glen 2023 · Watkins Glen International · 25 June 2023 · Race"


def natural(cars) -> list[str]:
    """The order a reader counts car numbers in, written here independently of stintlab: by the
    number, then the shorter spelling first ("4" before "04")."""
    return sorted(cars, key=lambda c: (int(c), len(c), c))


def clock(seconds: float) -> str:
    """h:mm:ss of a race time, written here with divmod (not stintlab's formatter)."""
    s = int(round(seconds))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


def run_cli(capsys, *args) -> tuple[int, str, str]:
    capsys.readouterr()
    rc = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return rc, out, err


# ------------------------------------------------------------------ formats
def test_one_formatter_for_lap_times_durations_and_gaps():
    from stintlab.display import duration, gap, lap_time

    # Le Mans 2024, raw line of car 92's lap 7: LAP_TIME 3:59.339 (any m:ss.fff lap), a 25-minute loss,
    # a 13 h 20 min drive time, hours passing 24 (ELAPSED 24:06:24.548 in domain.md)
    assert lap_time(239.339) == "3:59.339"
    assert lap_time(1513.245) == "25:13.245"
    assert duration(48003.827) == "13:20:04"
    assert duration(24 * 3600 + 6 * 60 + 24.548) == "24:06:25"
    assert (gap(0, 14.221), gap(1, None), gap(3, 2.0), gap(0, 0.0)) == ("+14.221", "1 Lap", "3 Laps", "-")
    assert lap_time(None) == duration(float("nan")) == ""


def test_cars_in_natural_order_and_007_stays_apart_from_7(load_corpus_race):
    from conftest import lap_file

    raw = read_race(str(lap_file("imsa-2023-watkins-glen-international")))
    assert {"1", "01", "4", "04", "23", "023"} <= set(raw.cars)
    race = load_corpus_race("imsa-2023-watkins-glen-international")
    want = natural(raw.cars)
    assert list(race.cars["car"]) == want
    assert want.index("1") + 1 == want.index("01") and want.index("23") + 1 == want.index("023")
    # every derived table lists the cars in that order too
    stopped = [c for c in want if raw.stops_per_car()[c]]
    assert list(dict.fromkeys(race.stops["car"])) == stopped
    assert list(dict.fromkeys(race.stints["car"])) == want
    assert list(dict.fromkeys(race.drivers["car"])) == want


def test_error_names_the_cars_in_natural_order(capsys, corpus):
    from conftest import lap_file

    f = lap_file("lemans-2019")
    raw = read_race(str(f))
    rc, _out, err = run_cli(capsys, "stints", f, "--car", "999")
    assert rc == 2
    listed = err.split("(cars: ")[1].rstrip(" .)\n").split(", ")
    assert listed[:15] == natural(raw.cars)[:15]  # 1, 3, 4, 7, 8, 10, ... (the file has 1, 10, 11, ... 3)


def test_web_car_dropdown_in_natural_order(corpus, tmp_path):
    from fastapi.testclient import TestClient

    from conftest import CORPUS, lap_file
    from stintlab.web import create_app

    raw = read_race(str(lap_file("imsa-2023-watkins-glen-international")))
    client = TestClient(create_app(data_dir=tmp_path, archive=CORPUS, with_demo=False))
    page = client.get("/races/imsa-2023-watkins-glen-international/cars/04")
    assert page.status_code == 200
    opts = page.text.split('id="car-select"')[1].split("</select>")[0].split('<option value="')[1:]
    assert [o.split('"')[0] for o in opts] == natural(raw.cars)
    assert f"<title>{WG23_TITLE} — #04</title>" in page.text and f'id="race-title">{WG23_TITLE}</p>' in page.text
    # the race list names the races by their titles without loading them
    listed = {r["id"]: r["title"] for r in client.get("/api/races").json()}
    assert listed["lemans-2024"] == LM24_TITLE and listed["imsa-2023-watkins-glen-international"] == WG23_TITLE
    assert f">{LM24_TITLE}</a>" in client.get("/").text


# ------------------------------------------------------------------ --format and plain output
def test_stops_as_csv_match_the_raw_in_laps(capsys, corpus):
    from conftest import lap_file

    f = lap_file("lemans-2024")
    raw = read_race(str(f))
    rc, out, err = run_cli(capsys, "stops", f, "--format", "csv")
    assert rc == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    per_car = Counter(r["car"] for r in rows)
    assert {c: n for c, n in raw.stops_per_car().items() if n} == dict(per_car)
    # raw seconds, as JSON: each stop's race time is its B lap's ELAPSED
    b_lap = {(c.car, c.lap): c.elapsed for cs in raw.laps.values() for c in cs if c.in_lap}
    for r in rows:
        assert float(r["race_time"]) == pytest.approx(b_lap[(r["car"], int(r["lap_in"]))], abs=0.001)
    # --json is --format json; the two disagreeing is an error
    rc, js, _ = run_cli(capsys, "stops", f, "--car", "92", "--json")
    rc2, js2, _ = run_cli(capsys, "stops", f, "--car", "92", "--format", "json")
    assert rc == rc2 == 0 and json.loads(js) == json.loads(js2)
    assert len(json.loads(js)) == raw.stops_per_car()["92"]
    rc, _, err = run_cli(capsys, "stops", f, "--json", "--format", "csv")
    assert rc == 2 and "--json and --format csv" in err
    rc, _, err = run_cli(capsys, "stops", f, "--format", "xml")
    assert rc == 2 and "unknown --format 'xml'" in err


def test_piped_stops_are_plain_text_with_formatted_times(corpus):
    from conftest import lap_file

    f = lap_file("lemans-2019")
    raw = read_race(str(f))
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), COLUMNS="200")
    out = subprocess.run([sys.executable, "-m", "stintlab", "stops", str(f), "--car", "8"], env=env,
                         capture_output=True, text=True, timeout=120, check=True).stdout  # fmt: skip
    lines = out.splitlines()
    assert not any(ch in out for ch in "│┃━─┏┡")  # no rich box drawing
    assert lines[0] == "24 Hours of Le Mans 2019 · Circuit de la Sarthe · Race — pit stops"
    assert lines[1].split()[:4] == ["car", "lap_in", "lap_out", "race_time"]
    stops = [c for c in raw.laps["8"] if c.in_lap]
    assert len(lines) == 2 + len(stops)
    first = lines[2].split()
    assert (first[0], first[1], first[3]) == ("8", str(stops[0].lap), clock(stops[0].elapsed))
    # pit time and time lost are m:ss.fff, never raw seconds
    assert all(":" in ln.split()[4] for ln in lines[2:] if len(ln.split()) > 4)


def test_a_long_table_is_plain_even_on_a_terminal(capsys, corpus, monkeypatch):
    from rich.console import Console

    from conftest import lap_file
    from stintlab.commands import _common

    monkeypatch.setattr(_common, "console", Console(force_terminal=True, width=200))
    assert _common.console.is_terminal
    f = lap_file("lemans-2019")
    raw = read_race(str(f))
    total = sum(raw.stops_per_car().values())
    assert total > _common.PLAIN_ROWS
    rc, out, _ = run_cli(capsys, "stops", f)
    assert rc == 0 and "│" not in out and len(out.splitlines()) == 2 + total


# ------------------------------------------------------------------ report exports
def test_report_csv_tables_match_the_raw_file(capsys, corpus, tmp_path):
    from conftest import lap_file

    f = lap_file("lemans-2024")
    raw = read_race(str(f))
    rc, out, err = run_cli(capsys, "report", f, "-o", tmp_path / "r.html", "--csv", tmp_path / "csv", "--json")
    assert rc == 0, err
    summary = json.loads(out)
    assert summary["title"] == LM24_TITLE
    names = {Path(p).name for p in summary["csv"].values()}
    assert {"classification.csv", "stops.csv", "stints.csv", "neutralisations.csv", "rankings.csv"} <= names

    def table(name):
        with open(tmp_path / "csv" / f"{name}.csv", encoding="utf-8", newline="") as fh:
            return list(csv.DictReader(fh))

    stops = Counter(r["car"] for r in table("stops"))
    assert dict(stops) == {c: n for c, n in raw.stops_per_car().items() if n}
    stints = Counter(r["car"] for r in table("stints"))
    assert dict(stints) == raw.stints_per_car()
    cls = table("classification")
    final = {r["car"]: r["laps"] for r in raw.final_order()}
    assert {r["car"]: int(r["laps"]) for r in cls} == final
    assert [r["car"] for r in cls][:3] == [r["car"] for r in raw.final_order()][:3]  # 50, 7, 51 (raw laps 311)
    # seconds stay numbers: total_time of the winner is its last ELAPSED
    assert float(cls[0]["total_time"]) == pytest.approx(raw.laps[cls[0]["car"]][-1].elapsed, abs=0.001)


def test_report_has_a_print_stylesheet_and_titles(tmp_path, load_corpus_race):
    from stintlab.report.html import build_report

    race = load_corpus_race("lemans-2024")
    html = build_report(race, car="92").html
    assert "@media print" in html
    assert f"<title>{LM24_TITLE} — " in html and f"<h1>{LM24_TITLE} — " in html
    assert "23_Analysis" not in html.split("<main>")[1].split('<p class="muted">')[0]


# ------------------------------------------------------------------ titles
def test_titles_from_folder_and_file_names(load_corpus_race):
    assert load_corpus_race("lemans-2024").title == LM24_TITLE
    imsa = load_corpus_race("imsa-2023-watkins-glen-international")
    assert imsa.title == WG23_TITLE
    assert (imsa.meta["series"], imsa.meta["date"], imsa.meta["start_time"]) == ("IMSA", "2023-06-25", "10:40")


def test_title_option_and_info(capsys, corpus, tmp_path):
    from conftest import lap_file

    f = lap_file("imsa-2023-watkins-glen-international")
    rc, out, _ = run_cli(capsys, "info", f, "--json")
    assert rc == 0 and json.loads(out)["title"] == WG23_TITLE
    rc, out, err = run_cli(capsys, "story", f, "--car", "01", "--title", "Glen 2023", "--json")
    assert rc == 0, err
    assert json.loads(out)["title"] == "Glen 2023"
    rc, _, err = run_cli(capsys, "story", f, "--car", "01", "--title", "  ")
    assert rc == 2 and "--title is empty" in err


def test_an_uploaded_timekeeper_file_is_not_titled_by_its_file_name(corpus, tmp_path):
    from fastapi.testclient import TestClient

    from conftest import lap_file
    from stintlab.web import create_app

    # Le Mans 2019 uploaded as "23_Analysis_Race_Hour 24.csv": the name tells only the session, so
    # the title is what the race says (24 h of racing, 61 cars in the raw file)
    src = lap_file("lemans-2019")
    raw = read_race(str(src))
    client = TestClient(create_app(data_dir=tmp_path, with_demo=False, max_upload_bytes=50 * 1024 * 1024))
    up = client.post("/api/races", files={"file": (src.name, src.read_bytes(), "text/csv")})
    assert up.status_code in (200, 201), up.text
    rid = up.json()["id"]
    body = client.get(f"/api/races/{rid}").json()
    assert body["title"] == f"Race · 24 h · {len(raw.cars)} cars"
    page = client.get(f"/races/{rid}").text
    assert "<title>23_Analysis" not in page and f"<h1>Race · 24 h · {len(raw.cars)} cars</h1>" in page


# ------------------------------------------------------------------ PDF
def test_report_pdf_printed_by_chromium_or_a_clear_message(capsys, corpus, tmp_path, monkeypatch):
    from conftest import lap_file

    f = lap_file("imsa-2023-watkins-glen-international")
    monkeypatch.setenv("STINTLAB_CHROMIUM", str(tmp_path / "no-chromium"))
    rc, _, err = run_cli(capsys, "report", f, "-o", tmp_path / "r.html", "--pdf", tmp_path / "r.pdf")
    assert rc == 2 and "--pdf needs a Chromium" in err and "r.html was written" in err
    assert (tmp_path / "r.html").is_file() and not (tmp_path / "r.pdf").exists()
    if not Path("/usr/bin/chromium").exists():
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("/usr/bin/chromium is missing (tasks.py test installs it)")
        pytest.skip("/usr/bin/chromium is missing")
    monkeypatch.delenv("STINTLAB_CHROMIUM")
    rc, out, err = run_cli(capsys, "report", f, "-o", tmp_path / "r.html", "--pdf", tmp_path / "r.pdf", "--json")
    assert rc == 0, err
    pdf = (tmp_path / "r.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-") and json.loads(out)["pdf_bytes"] == len(pdf)
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) >= 3  # summary, charts, tables: several A4 pages
