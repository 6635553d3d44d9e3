"""Season and career views across series, checked by hand on Kévin Estre's 2024 season:
IMSA (Daytona classification-only, Road Atlanta) and WEC (Bahrain, Fuji, Le Mans).

Expected values were read from the raw files with an independent csv-module script
(car order by laps then ELAPSED; clean laps = FLAG_AT_FL GF, no B, not after a B, no PIT_TIME,
lap > 1; pace = mean of the 10 fastest clean laps):

- Fuji 6h 2024 (23_Analysis_Race_Hour 6.CSV): #6 leads on 213 laps; Kévin ESTRE 63 laps, best 1:31.078,
  pace 91.3022 s, fastest of the 52 HYPERCAR drivers; LOTTERER 64 laps, VANTHOOR 86.
- Road Atlanta 2024 (202410121210-race-results.csv line 3): #6 2nd (GTP), 443 laps, crew Estre,
  Jaminet, Tandy all Platinum; Estre 96 laps in the lap file, pace 73.6476 s, 30th of 32 GTP drivers,
  22nd of the 24 Platinum ones (grades joined by name from the results file).
- Le Mans 2024: #6 4th in HYPERCAR on 311 laps; Estre 95 laps, pace rank 13 of 69.
- Bahrain 8h 2024: #6 10th in HYPERCAR on 235 laps (official-hourly/202411021400-race-hour-8-results.csv;
  11th by the lap file alone, before #51's post-race time penalty), #38 7th (8th by the laps); Estre 62 laps, pace rank 14 of 53.
- Daytona 2024 (results line 5): #6 4th, 791 laps, Tandy/Jaminet/Estre/Vanthoor, all Platinum.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ESTRE_2024_RACES, build_archive
from stintlab.analysis.pace import driver_metrics
from stintlab.archive.season import driver_career, driver_season, find_driver
from stintlab.archive.store import Archive
from stintlab.errors import StintlabUsageError

ROOT = Path(__file__).resolve().parents[1]
RACES = ESTRE_2024_RACES


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    return build_archive(tmp_path_factory, RACES, "season")[0]


def test_estre_2024_season_by_hand(db):
    with Archive(db) as arc:
        s = driver_season(arc, "Kévin Estre", 2024)
    assert s["driver"] == "Kevin Estre" and s["key"] == "kevin estre"
    r = s["races"].set_index("race_id")
    assert list(r.index) == [
        "2024-imsa-daytona-international-speedway-race",
        "2024-wec-le-mans-race",  # 2024-06-15: official-hourly/202406151600-*
        "2024-wec-fuji6h-race",  # 2024-09-15: official-hourly/202409151100-*
        "2024-imsa-road-atlanta-race",  # 2024-10-12
        "2024-wec-bahrain8h-race",  # 2024-11-02: official-hourly/202411021400-*
    ]
    assert set(r["car"]) == {"6"}
    assert list(r["series"]) == ["IMSA", "WEC", "WEC", "IMSA", "WEC"]
    assert list(r["class"]) == ["GTP", "HYPERCAR", "HYPERCAR", "GTP", "HYPERCAR"]
    assert list(r["class_position"]) == [4, 4, 1, 2, 10]
    assert list(r["car_laps"]) == [791, 311, 213, 443, 235]

    fuji = r.loc["2024-wec-fuji6h-race"]
    assert fuji["laps"] == 63 and fuji["best_lap"] == pytest.approx(91.078)
    assert fuji["pace"] == pytest.approx(91.3022, abs=1e-4)
    assert (fuji["pace_rank"], fuji["pace_field"]) == (1, 52)
    assert fuji["pace_rank_category"] == 1  # fastest of the class, so of any part of it
    # crew in DRIVER_NUMBER order: 1 Kévin ESTRE, 2 André LOTTERER, 3 Laurens VANTHOOR
    assert [(c["driver"], c["laps"]) for c in fuji["crew"]] == [
        ("Kévin ESTRE", 63),
        ("André LOTTERER", 64),
        ("Laurens VANTHOOR", 86),
    ]

    ra = r.loc["2024-imsa-road-atlanta-race"]
    assert ra["laps"] == 96 and ra["pace"] == pytest.approx(73.6476, abs=1e-4)
    assert (ra["pace_rank"], ra["pace_field"]) == (30, 32)
    # among the 24 Platinum GTP drivers (FIA grades from the results file), 22nd
    assert (ra["pace_rank_category"], ra["pace_field_category"]) == (22, 24)
    assert {c["driver"]: c["category"] for c in ra["crew"]} == {
        "Kevin Estre": "Platinum",
        "Mathieu Jaminet": "Platinum",
        "Nick Tandy": "Platinum",
    }
    assert ra["category"] == "Platinum" and ra["category_source"] == "race"

    lm = r.loc["2024-wec-le-mans-race"]
    assert (lm["laps"], lm["pace_rank"], lm["pace_field"]) == (95, 13, 69)
    bah = r.loc["2024-wec-bahrain8h-race"]
    assert (bah["laps"], bah["pace_rank"], bah["pace_field"]) == (62, 14, 53)

    # WEC lap files carry no FIA category: taken from his 2024 IMSA classifications
    for rid in ("2024-wec-bahrain8h-race", "2024-wec-fuji6h-race", "2024-wec-le-mans-race"):
        assert (r.loc[rid, "category"], r.loc[rid, "category_source"]) == ("Platinum", "season")
    # Vanthoor (Daytona 2024: Platinum) gets his season category in the WEC crews too
    assert {c["driver"]: c["category"] for c in fuji["crew"]}["Laurens VANTHOOR"] == "Platinum"

    day = r.loc["2024-imsa-daytona-international-speedway-race"]
    assert not day["has_laps"] and day["pace"] != day["pace"]  # NaN: no lap file
    assert [c["driver"] for c in day["crew"]] == ["Nick Tandy", "Mathieu Jaminet", "Kevin Estre", "Laurens Vanthoor"]

    t = s["totals"]
    assert t["races"] == 5 and t["series"] == ["IMSA", "WEC"]
    assert (t["class_wins"], t["class_podiums"], t["best_class_position"]) == (1, 2, 1)
    assert t["laps"] == 96 + 62 + 63 + 95
    assert t["races_without_laps"] == 1


def test_other_year_is_empty(db):
    with Archive(db) as arc:
        s = driver_season(arc, "Kevin Estre", 2023)
    assert s["races"].empty and s["totals"]["races"] == 0


def test_career(db):
    with Archive(db) as arc:
        c = driver_career(arc, "estre")
    assert [x["season"] for x in c["seasons"]] == [2024]
    assert c["seasons"][0]["category"] == "Platinum"
    assert c["seasons"][0]["classes"] == ["GTP", "HYPERCAR"]


def test_driver_lookup(db):
    with Archive(db) as arc:
        assert find_driver(arc, "ESTRE")[0] == "kevin estre"
        with pytest.raises(StintlabUsageError, match="no driver"):
            find_driver(arc, "Nobody Atall")
        with pytest.raises(StintlabUsageError, match="ambiguous"):
            find_driver(arc, "Taylor")  # Jordan and Ricky Taylor raced in 2024


def test_alias_joins_spellings(db, tmp_path):
    import shutil

    copy = tmp_path / "a.duckdb"
    shutil.copy(db, copy)
    with Archive(copy, write=True) as arc:
        arc.add_alias("Kevin Estre", "Kévin Estre-Porsche")
        with pytest.raises(StintlabUsageError, match="cycle"):
            arc.add_alias("Kevin Estre Porsche", "Kevin Estre")
    with Archive(copy) as arc:
        s = driver_season(arc, "Kévin Estre-Porsche", 2024)
        assert s["key"] == "kevin estre porsche" and s["totals"]["races"] == 5
        assert driver_season(arc, "kevin estre", 2024)["totals"]["races"] == 5


def test_cli_season_json(db):
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    out = subprocess.run(
        [sys.executable, "-c", "import sys; from stintlab.cli import main; sys.exit(main())"]
        + ["season", "Kevin Estre", "--year", "2024", "--db", str(db), "--json"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    data = json.loads(out.stdout)
    assert set(data) == {"driver", "key", "year", "races", "totals", "pace_metric"}
    fuji = next(x for x in data["races"] if x["race_id"] == "2024-wec-fuji6h-race")
    assert fuji["pace_rank"] == 1 and fuji["class_position"] == 1 and fuji["date"] == "2024-09-15"
    day = data["races"][0]
    assert day["date"] == "2024-01-27" and day["pace"] is None


def test_real_spelling_variants_phil_hanson(db, tmp_path):
    """IMSA writes 'Phil Hanson' (Daytona 2024 results line 7: #85 JDC-Miller, 6th GTP, 789 laps, Gold;
    Road Atlanta 2024: #85, 50th overall = 11th of the GTP cars, 52 laps driven by him),
    WEC 'Philip HANSON' in #38 Hertz Team JOTA (HYPERCAR): Bahrain 8th, 63 laps; Fuji 6th, 92 laps;
    Le Mans 9th on 311 laps, 120 of them his. The suggestion finds the pair; once accepted his
    2024 season has all five races."""
    import shutil

    from stintlab.archive.identity import suggest_aliases
    from stintlab.cli import main

    copy = tmp_path / "a.duckdb"
    shutil.copy(db, copy)
    with Archive(copy) as arc:
        keys = [k for (k,) in arc.con.execute("SELECT DISTINCT driver_key FROM entries").fetchall()]
        assert ("phil hanson", "philip hanson") in suggest_aliases(keys)
        assert driver_season(arc, "Phil Hanson", 2024)["totals"]["races"] == 2  # the IMSA races only
    assert main(["archive", "aliases", "--suggest", "--accept", "--db", str(copy), "--json"]) == 0
    with Archive(copy) as arc:
        assert arc.aliases()["phil hanson"] == "philip hanson"
        s = driver_season(arc, "Phil Hanson", 2024)
    r = s["races"].set_index("race_id")
    assert list(r.index) == [
        "2024-imsa-daytona-international-speedway-race",
        "2024-wec-le-mans-race",  # 2024-06-15: official-hourly/202406151600-*
        "2024-wec-fuji6h-race",  # 2024-09-15: official-hourly/202409151100-*
        "2024-imsa-road-atlanta-race",  # 2024-10-12
        "2024-wec-bahrain8h-race",  # 2024-11-02: official-hourly/202411021400-*
    ]
    assert list(r["car"]) == ["85", "38", "38", "85", "38"]
    assert list(r["class_position"]) == [6, 9, 6, 11, 7]  # Bahrain: official hour-8 file
    assert list(r["laps"].iloc[1:]) == [120, 92, 52, 63]
    assert r.loc["2024-wec-le-mans-race", "team"] == "Hertz Team JOTA"
    assert list(r["category"]) == ["Gold"] * 5
    assert list(r["category_source"]) == ["race", "season", "season", "race", "season"]


@pytest.mark.parametrize(
    "race,race_id", [("wec-2024-fuji6h", "2024-wec-fuji6h-race"), ("lemans-2024", "2024-wec-le-mans-race")]
)
def test_archive_pace_agrees_with_pace_engine(db, load_corpus_race, race, race_id):
    """The archive's pace is best_10 of stintlab.analysis.pace with the simple clean-lap filter (no incident
    detection, to keep the ingest fast): the class ranks agree with the engine's on these races."""
    loaded = load_corpus_race(race)
    eng = driver_metrics(loaded.laps, loaded.clean_laps)
    eng["rank"] = eng.groupby("class")["best_10"].rank(method="min")
    with Archive(db) as arc:
        mine = arc.df("SELECT car, driver, pace, pace_rank FROM entries WHERE race_id = ? AND laps > 0", [race_id])
    j = mine.merge(eng[["car", "driver", "best_10", "rank"]], on=["car", "driver"], validate="one_to_one")
    assert len(j) == len(mine) == len(eng)
    assert int(((j["pace"] - j["best_10"]).abs() > 1e-6).sum()) <= 1
    both = j.dropna(subset=["pace_rank", "rank"])
    assert (both["pace_rank"].astype(int) == both["rank"].astype(int)).all()


def test_cli_tables_and_export(db, tmp_path, capsys):
    from stintlab.cli import main

    assert main(["season", "estre", "--year", "2024", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "Kevin Estre — 2024" in out and "class_podiums" in out  # the races table, then the totals
    assert main(["career", "Kevin Estre", "--db", str(db), "--json"]) == 0
    career = json.loads(capsys.readouterr().out)
    assert [s["season"] for s in career["seasons"]] == [2024] and career["totals"]["races"] == 5
    assert main(["archive", "export", str(tmp_path / "pq"), "--table", "entries", "--db", str(db), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == [
        {"table": "entries", "path": str(tmp_path / "pq" / "entries.parquet")}
    ]
    assert main(["archive", "export", str(tmp_path / "pq"), "--table", "nope", "--db", str(db)]) == 2
    assert main(["season", "Kevin Estre", "--year", "2024", "--db", str(tmp_path / "none.duckdb")]) == 2


def test_cli_season_totals_word_the_drive_time(db, capsys):
    """The season table's totals print the drive time as h:mm:ss like the race rows, not raw seconds
    (it printed 'drive_time 35626.793'). Expected from the raw lap files with the csv module: the sum of
    LAP_TIME over Kévin Estre's laps (DRIVER_NAME) in the four 2024 lap files of the archive."""
    import csv
    import unicodedata

    from conftest import lap_file, race_row
    from oracle import parse_time

    def key(name: str) -> str:
        return "".join(c for c in unicodedata.normalize("NFD", name.strip().upper()) if not unicodedata.combining(c))

    total, laps = 0.0, 0
    for race in RACES:
        if not race_row(race)["laps_file"]:
            continue  # Daytona: classification only
        with open(lap_file(race), encoding="utf-8-sig", newline="") as fh:
            head = fh.readline()
            sep = ";" if head.count(";") >= head.count(",") else ","
            names = [n.strip() for n in next(csv.reader([head], delimiter=sep))]
            for row in csv.reader(fh, delimiter=sep):
                r = dict(zip(names, row))
                if key(r.get("DRIVER_NAME", "")) == "KEVIN ESTRE":
                    laps += 1
                    total += parse_time(r["LAP_TIME"]) or 0.0
    assert laps == 63 + 96 + 95 + 62  # the module docstring's hand counts
    s = round(total)
    expected = f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"

    from stintlab.cli import main

    assert main(["season", "Kevin Estre", "--year", "2024", "--db", str(db)]) == 0
    totals = capsys.readouterr().out.split("\ntotals\n", 1)[1]
    values = dict(line.split(None, 1) for line in totals.splitlines() if line.strip())
    assert values["laps"] == str(laps)
    assert values["drive_time"] == expected, values["drive_time"]
