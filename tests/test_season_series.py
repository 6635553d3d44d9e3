"""A season across championships: Alessio Picariello's 2025 (IMSA Daytona, classification only; IMSA
Sebring; NLS race 2) and his 2026 GTWC Endurance round at Paul Ricard, in one small archive.

Every expectation is read from the raw files with the csv module (no stintlab), by the helpers below
or by tests/test_sro.py's pit-stop oracle:

- Daytona 2025 (202501251340-race-results.csv): #77 GTDPRO, 8th of its class (24th overall), crew
  Alessio Picariello, Klaus Bachler, Laurin Heinrich.
- Sebring 2025 (202503151010-race-results.csv): #77 1st in GTDPRO; the lap file has 93 rows of #77 with
  DRIVER_NAME "Alessio Picariello", LAP_TIME summing to 12300.977 s.
- NLS 2 2025 (RENNEN_RESULT.CSV, STNR 3): KLASSE SP9 PRO, KLASSENRANG 1, FAHRER2 Picariello:
  FAHRER2_RUNDEN 13, FAHRER2_ZEIT 1:57:49.816; the file spells him "Picariello;Alessio" (NAME;VORNAME).
- GTWC Paul Ricard 2026: #2 Pro Cup (ENTRY_LIST_V_3.XML), 50 laps in his two stints (pit-stop file),
  7th of the 17 Pro Cup cars by laps then summed lap times (sector list).
"""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import CORPUS, build_archive
from oracle import parse_time
from stintlab.archive.calendar import archived_events, check_programme, parse_calendar_rows
from stintlab.archive.season import driver_career, driver_season
from stintlab.archive.store import Archive

pytestmark = pytest.mark.corpus

ROOT = Path(__file__).resolve().parents[1]
RACES = [
    "imsa-2025-daytona-international-speedway",
    "imsa-2025-sebring-international-raceway",
    "nls-2025-nls2",
    "gtwc-endurance-sro",
]
SPELLINGS = ["PICARIELLO Alessio", "Alessio PICARIELLO", "Picariello;Alessio", "alessio picariello"]


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    return build_archive(tmp_path_factory, RACES, "series")[0]


# ----------------------------------------------------------------------------- raw-row oracle
def imsa_result(folder: str, car: str) -> dict:
    path = next((CORPUS / folder).glob("*-race-results.csv"))
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    me = next(r for r in rows if r["NUMBER"].strip() == car)
    cls = sorted((r for r in rows if r["CLASS"] == me["CLASS"]), key=lambda r: int(r["POSITION"]))
    crew = [
        f"{me[f'DRIVER{i}_FIRSTNAME']} {me[f'DRIVER{i}_SECONDNAME']}".strip()
        for i in range(1, 7)
        if (me.get(f"DRIVER{i}_SECONDNAME") or "").strip()
    ]
    return {
        "class": me["CLASS"],
        "position": int(me["POSITION"]),
        "class_position": [r["NUMBER"].strip() for r in cls].index(car) + 1,
        "laps": int(me["LAPS"]),
        "crew": crew,
    }


def imsa_driver_laps(folder: str, car: str, driver: str) -> tuple[int, float]:
    path = next((CORPUS / folder).glob("*-race-laps.csv"))
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = [
            r
            for r in csv.DictReader(fh, skipinitialspace=True)
            if r["NUMBER"].strip().lstrip("0") == car and r["DRIVER_NAME"].strip() == driver
        ]
    return len(rows), sum(parse_time(r["LAP_TIME"]) for r in rows)


def wige_result(folder: str, car: str, surname: str) -> dict:
    with open(CORPUS / folder / "RENNEN_RESULT.CSV", encoding="cp1252", newline="") as fh:
        me = next(r for r in csv.DictReader(fh, delimiter=";") if r["STNR"].strip() == car)
    k = next(i for i in range(1, 9) if me[f"FAHRER{i}_NAME"].strip() == surname)
    return {
        "class": me["KLASSE"].strip(),
        "class_position": int(me["KLASSENRANG"]),
        "laps": int(me[f"FAHRER{k}_RUNDEN"]),
        "drive_time": parse_time(me[f"FAHRER{k}_ZEIT"]),
        "spelling": f"{me[f'FAHRER{k}_NAME'].strip()};{me[f'FAHRER{k}_VORNAME'].strip()}",
    }


def sro_facts(car: str, driver: str) -> dict:
    from test_sro import oracle_laps, oracle_stints

    laps = oracle_laps()
    xml = (CORPUS / "gtwc-endurance-sro" / "ENTRY_LIST_V_3.XML").read_text(encoding="utf-8")
    cup = dict(re.findall(r"<Bib>([^<]*)</Bib>.*?<Class>([^<]*)</Class>", xml, flags=re.S))
    times = dict(laps[car])
    mine = [lap for c, d, a, b in oracle_stints() if c == car and d == driver for lap in range(a, b + 1)]
    field = [c for c in laps if cup.get(c) == cup[car] and laps[c]]
    order = sorted(field, key=lambda c: (-len(laps[c]), sum(t for _, t in laps[c])))
    return {
        "class": cup[car],
        "class_position": order.index(car) + 1,
        "laps": len(mine),
        "drive_time": sum(times[lap] for lap in mine),
    }


# ----------------------------------------------------------------------------- season and career
def test_the_oracle_finds_the_spelling_of_the_issue():
    assert wige_result("nls-2025-nls2", "3", "Picariello")["spelling"] == "Picariello;Alessio"


@pytest.mark.parametrize("name", SPELLINGS)
def test_2025_season_joins_imsa_and_nls_under_one_driver(db, name):
    with Archive(db) as arc:
        s = driver_season(arc, name, 2025)
    assert s["driver"] == "Alessio Picariello"
    r = s["races"].set_index("race_id")
    assert list(r.index) == [
        "2025-imsa-daytona-international-speedway-race",
        "2025-imsa-sebring-international-raceway-race",
        "2025-nls-nls2-race",
    ]
    assert list(r["series"]) == ["IMSA", "IMSA", "NLS"]
    # the NLS race day comes from archive/race_dates.toml (the WIGE files carry no date)
    assert [str(d) for d in r["date"]] == ["2025-01-25", "2025-03-15", "2025-04-26"]

    day = imsa_result("imsa-2025-daytona-international-speedway", "77")
    row = r.loc["2025-imsa-daytona-international-speedway-race"]
    assert (row["car"], row["class"], row["class_position"], row["position"]) == (
        "77",
        day["class"],
        day["class_position"],
        day["position"],
    )
    assert sorted(c["driver"] for c in row["crew"]) == sorted(day["crew"])
    assert not row["has_laps"]

    seb = imsa_result("imsa-2025-sebring-international-raceway", "77")
    n, t = imsa_driver_laps("imsa-2025-sebring-international-raceway", "77", "Alessio Picariello")
    row = r.loc["2025-imsa-sebring-international-raceway-race"]
    assert (row["class"], row["class_position"], row["laps"]) == (seb["class"], seb["class_position"], n)
    assert row["drive_time"] == pytest.approx(t, abs=2e-3)
    assert 1 <= row["pace_rank"] <= row["pace_field"]

    nls = wige_result("nls-2025-nls2", "3", "Picariello")
    row = r.loc["2025-nls-nls2-race"]
    assert (row["car"], row["class"], row["class_position"], row["laps"]) == (
        "3",
        nls["class"],
        nls["class_position"],
        nls["laps"],
    )
    assert row["drive_time"] == pytest.approx(nls["drive_time"], abs=2e-3)
    assert sorted(c["driver"] for c in row["crew"]) == ["Alessio Picariello", "Dorian Boccolacci"]
    assert 1 <= row["pace_rank"] <= row["pace_field"]


def test_career_adds_the_2026_gtwc_race(db):
    with Archive(db) as arc:
        c = driver_career(arc, "PICARIELLO Alessio")
        s26 = driver_season(arc, "Picariello;Alessio", 2026)
    seasons = {r["season"]: r for r in c["seasons"]}
    assert set(seasons) == {2025, 2026}
    assert sorted(seasons[2025]["series"]) == ["IMSA", "NLS"] and list(seasons[2026]["series"]) == ["GTWC"]
    assert seasons[2025]["races"] == 3 and seasons[2026]["races"] == 1
    sro = sro_facts("2", "Alessio Picariello")
    row = s26["races"].iloc[0]
    assert (row["series"], row["car"], row["class"], str(row["date"])) == ("GTWC", "2", sro["class"], "2026-04-12")
    assert (row["class_position"], row["laps"]) == (sro["class_position"], sro["laps"])
    assert row["drive_time"] == pytest.approx(sro["drive_time"], abs=2e-3)
    assert sorted(c["driver"] for c in row["crew"]) == ["Alessio Picariello", "Dorian Boccolacci", "Morris Schuring"]


def test_season_cli_table_shows_both_series_with_drive_time(db):
    out = subprocess.run(
        [sys.executable, "-m", "stintlab", "season", "Picariello;Alessio", "--year", "2025", "--db", str(db)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    ).stdout
    lines = out.splitlines()
    assert "drive_time" in lines[1] and "pace_rank" in lines[1]
    nls = next(line for line in lines if " NLS " in line)
    # FAHRER2_ZEIT 1:57:49.816 → 1:57:50; class rank "1" of the result; ranks are whole numbers
    assert "1:57:50" in nls and "P1 in class" in nls and ".0/" not in out
    # (the series column: the NLS row's category source also names IMSA, where his category was observed)
    assert sum(line.startswith("2025-") and line.split()[1] == "IMSA" for line in lines) == 2


# ----------------------------------------------------------------------------- calendar
def test_calendar_places_archived_races_of_both_series_and_finds_a_clash(db):
    with Archive(db) as arc:
        s = driver_season(arc, "Alessio Picariello", 2025)
    rows = archived_events(s["races"], "Alessio Picariello")
    assert [r["series"] for r in rows] == ["IMSA", "IMSA", "NLS"]
    cal = parse_calendar_rows(rows)
    assert list(cal["continent"]) == ["North America", "North America", "Europe"]
    assert check_programme(cal) == []
    # a (hypothetical) GTWC test at Spa on the NLS race day: a clash between series;
    # the same test the Monday after Sebring: too tight to fly from North America to Europe
    clash = parse_calendar_rows([*rows, {"event": "Spa test", "series": "GTWC", "track": "Spa", "date": "2025-04-26"}])
    issues = check_programme(clash)
    assert [(i["type"], {i["first"], i["second"]}) for i in issues] == [("clash", {"NLS nls2", "Spa test"})]
    tight = parse_calendar_rows([*rows, {"event": "Spa test", "series": "GTWC", "track": "Spa", "date": "2025-03-19"}])
    assert [(i["type"], i["first"], i["second"]) for i in check_programme(tight)] == [
        ("tight", "IMSA sebring-international-raceway", "Spa test")
    ]


def test_calendar_check_cli_matches_names_in_any_order(db, tmp_path):
    cal = tmp_path / "cal.csv"
    cal.write_text("event,series,track,date,drivers\nSpa test,GTWC,Spa,2025-04-26,Alessio Picariello\n", "utf-8")
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "stintlab",
            "calendar",
            "check",
            str(cal),
            "--driver",
            "PICARIELLO Alessio",
            "--year",
            "2025",
            "--from-archive",
            "--db",
            str(db),
            "--json",
        ],  # fmt: skip
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    ).stdout
    data = json.loads(out)
    # the calendar's Spa test (matched to "PICARIELLO Alessio" in another word order) and the three dated
    # archived races; the Spa test and NLS 2 share 2025-04-26
    assert sorted(e["series"] for e in data["events"]) == ["GTWC", "IMSA", "IMSA", "NLS"]
    assert data["clashes"] == 1


# ----------------------------------------------------------------------------- web driver page
def test_web_driver_page_shows_the_season_across_series(db, tmp_path):
    from fastapi.testclient import TestClient

    from stintlab.web.app import create_app

    client = TestClient(create_app(tmp_path, archive_db=db, with_demo=False))
    data = client.get("/api/races/2025-nls-nls2-race/drivers/Alessio Picariello").json()
    season = data["season"]
    assert season["year"] == 2025
    assert [r["series"] for r in season["races"]] == ["IMSA", "IMSA", "NLS"]
    nls = season["races"][-1]
    assert nls["laps"] == 13 and nls["drive_time"] == pytest.approx(parse_time("1:57:49.816"), abs=2e-3)
    html = client.get("/races/2025-nls-nls2-race/drivers/Alessio Picariello").text
    section = html[html.index('id="season"') :]
    assert "daytona-international-speedway" in section and "sebring-international-raceway" in section
    assert '<a href="/races/2025-nls-nls2-race">nls2</a>' in section and "1:57:50" in section
