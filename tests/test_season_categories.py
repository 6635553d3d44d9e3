"""Categories in ``season`` / ``career`` and the web driver page's season table (issue #12 item 2): the one
resolution path of ``drivers``, on an archive of IMSA Road Atlanta 2024, Le Mans 2024 and NLS 2 2025.

Oracles, independent of the code under test:

- IMSA ``DRIVERn_FIRSTNAME`` / ``DRIVERn_SECONDNAME`` / ``DRIVERn_LICENSE`` of
  ``imsa-2024-road-atlanta/202410121210-race-results.csv`` read with the csv module (``licences``); line 7:
  car 5 (GTP), Alessio Picariello Gold, Bent Viscaal Gold, Gianmaria Bruni Platinum.
- NLS 2 2025 (``nls-2025-nls2/RENNEN_RESULT.CSV``): car 3 is Dorian Boccolacci / Alessio Picariello; the WIGE
  files carry no FIA category, Picariello's only graded race in this archive is IMSA 2024 (another season).
- Le Mans 2024 (``lemans-2024/23_Analysis_Race_Hour 24.csv``) carries no category; Paul LAFARGUE (car 28,
  LMP2) is not in the Road Atlanta results, so nothing in this archive observes him: any category he gets
  is an estimate.
- Cross-command agreement: ``stintlab drivers FILE --db`` (which resolves the loaded race live) against
  ``season`` (which resolves the archived rows from the stored tables), for every driver of each race.
"""

from __future__ import annotations

import csv
import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from conftest import CORPUS, build_archive, lap_file
from stintlab.archive.season_categories import resolve_season_rows
from stintlab.archive.store import Archive
from stintlab.cli import app
from test_category_registry import key
from test_category_registry import licences as registry_licences

RACES = ("imsa-2024-road-atlanta", "lemans-2024", "nls-2025-nls2")
RACE_IDS = {"imsa-2024-road-atlanta": "2024-imsa-road-atlanta-race", "lemans-2024": "2024-wec-le-mans-race",
            "nls-2025-nls2": "2025-nls-nls2-race"}  # fmt: skip
runner = CliRunner()


def licences(race: str) -> dict[tuple[str, str], str]:
    """(car, driver key) -> DRIVERn_LICENSE of every licensed driver of an IMSA results file (csv module)."""
    return {(car, k): cat for car, k, cat in registry_licences(race)}


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path, results = build_archive(tmp_path_factory, RACES, "seasoncats")
    assert [r["status"] for r in results] == ["added"] * len(RACES), results
    return path


def cli(*args):
    res = runner.invoke(app, [*map(str, args)])
    assert res.exit_code == 0, res.output
    return res.stdout


def cli_json(*args):
    return json.loads(cli(*args, "--json"))


def _na(v):
    return None if v is None or (not isinstance(v, str) and pd.isna(v)) else v


def _file(race: str):
    return CORPUS / race / "RENNEN_LAPS.CSV" if race.startswith("nls-") else lap_file(race)  # NLS: not in MANIFEST


def drivers_view(db, race: str) -> dict:
    """(car, driver) -> (category, category_source, season_observed, probability) by ``stintlab drivers``."""
    return {
        (r["car"], r["driver"]): (r["category"], r["category_source"], r["season_observed"], r["category_probability"])
        for r in cli_json("drivers", _file(race), "--db", db)
    }


def test_season_view_of_every_driver_agrees_with_drivers(db):
    """Every (race, car, driver) of the three races, resolved as season/career resolve their rows, gives the
    category, source, season observed and probability ``drivers`` gives for the same race."""
    seen_sources = set()
    for race in RACES:
        want = drivers_view(db, race)
        with Archive(db) as arc:
            rows = arc.df("SELECT race_id, car, driver FROM entries WHERE race_id = ? AND laps > 0", [RACE_IDS[race]])
            got, _ = resolve_season_rows(arc, rows)
        mine = {
            (r.car, r.driver): (_na(r.category), r.category_source, _na(r.season_observed),
                                _na(r.category_probability))
            for r in got.itertuples()
        }  # fmt: skip
        assert len(want) > 40 and set(want) <= set(mine)
        differ = {k: (mine[k], v) for k, v in want.items() if mine[k] != v}
        assert differ == {}, (race, list(differ.items())[:5])
        seen_sources |= {v[1] for v in want.values()}
    # the three races exercise every source of the path but an entry list
    assert seen_sources == {"classification", "archive", "estimated", "unknown"}


def test_imsa_categories_in_season_view_are_the_licences(db):
    lic = licences("imsa-2024-road-atlanta")
    with Archive(db) as arc:
        rows = arc.df("SELECT race_id, car, driver FROM entries WHERE race_id = ?", [RACE_IDS["imsa-2024-road-atlanta"]])
        got, _ = resolve_season_rows(arc, rows)
    mine = {(r.car, key(r.driver)): (r.category, r.category_source, r.category_basis) for r in got.itertuples()}
    assert len(lic) > 100 and set(lic) <= set(mine)
    assert {k: mine[k] for k in lic} == {k: (c, "classification", "race") for k, c in lic.items()}


def test_season_command_picariello_race_and_other_season(db):
    lic = licences("imsa-2024-road-atlanta")[("5", "alessio picariello")]
    assert lic == "Gold"  # results line 7
    s24 = cli_json("season", "Alessio Picariello", "--year", 2024, "--db", db)["races"]
    assert [(r["race_id"], r["category"], r["category_source"], r["category_basis"]) for r in s24] == [
        ("2024-imsa-road-atlanta-race", lic, "classification", "race")
    ]
    assert {c["driver"]: c["category"] for c in s24[0]["crew"]} == {
        "Alessio Picariello": "Gold", "Bent Viscaal": "Gold", "Gianmaria Bruni": "Platinum"}  # fmt: skip
    s25 = cli_json("season", "Picariello", "--year", 2025, "--db", db)["races"]
    assert len(s25) == 1
    nls = s25[0]
    assert (nls["race_id"], nls["car"]) == ("2025-nls-nls2-race", "3")
    # WIGE files carry no category: his IMSA 2024 licence, marked as another season's
    assert (nls["category"], nls["category_source"], nls["category_basis"]) == (lic, "archive", "other season")
    assert (nls["season_observed"], nls["category_series"]) == (2024, "IMSA")
    # ... exactly what `drivers` says of him on the NLS 2 file
    assert drivers_view(db, "nls-2025-nls2")[("3", "Alessio Picariello")] == (lic, "archive", 2024, None)
    table = cli("season", "Picariello", "--year", 2025, "--db", db)
    assert "IMSA 2024 (other season); none for 2025" in table
    csv_out = cli("season", "Picariello", "--year", 2025, "--db", db, "--format", "csv")
    rec = next(csv.DictReader(csv_out.splitlines()))
    assert (rec["category"], rec["category_source"], rec["category_basis"], rec["season_observed"]) == (
        "Gold", "archive", "other season", "2024")
    career = {s["season"]: s for s in cli_json("career", "Picariello", "--db", db)["seasons"]}
    assert {y: (s["category"], s["category_source"]) for y, s in career.items()} == {
        2024: ("Gold", "race"), 2025: ("Gold", "other season")}  # fmt: skip


def test_season_command_shows_a_stored_estimate_as_drivers_does(db):
    assert not any(k == "paul lafargue" for _c, k in licences("imsa-2024-road-atlanta"))  # never observed here
    races = cli_json("season", "Paul Lafargue", "--year", 2024, "--db", db)["races"]
    assert len(races) == 1
    r = races[0]
    assert (r["race_id"], r["car"]) == ("2024-wec-le-mans-race", "28")
    assert (r["category_source"], r["category_basis"], r["category_evidence"]) == ("estimated", "estimated", "pace")
    assert r["category"] in ("Platinum", "Bronze") and 0.7 <= r["category_probability"] <= 1
    lm = drivers_view(db, "lemans-2024")
    assert lm[("28", "Paul LAFARGUE")] == (r["category"], "estimated", None, r["category_probability"])
    # his crew mates as drivers gives them (here: nobody grades them)
    assert {(c["driver"], c["category"], c["category_source"]) for c in r["crew"]} == {
        (d, lm[("28", d)][0], lm[("28", d)][1]) for d in ("Paul LAFARGUE", "Job VAN UITERT", "Reshad DE GÉRUS")
    }
    table = cli("season", "Paul Lafargue", "--year", 2024, "--db", db)
    assert f"{r['category']}*" in table and f"estimated from pace (p {r['category_probability']:.2f}" in table


def test_le_mans_driver_graded_by_imsa_same_season(db):
    """Kévin Estre: Road Atlanta 2024 licence (csv) → his Le Mans 2024 row, same season, as drivers gives it."""
    lic = licences("imsa-2024-road-atlanta")[("6", "kevin estre")]
    rows = {r["race_id"]: r for r in cli_json("season", "Kevin Estre", "--year", 2024, "--db", db)["races"]}
    lm = rows["2024-wec-le-mans-race"]
    assert (lm["category"], lm["category_source"], lm["category_basis"], lm["season_observed"]) == (
        lic, "archive", "same season", 2024)
    assert rows["2024-imsa-road-atlanta-race"]["category_source"] == "classification"
    assert drivers_view(db, "lemans-2024")[("6", "Kévin ESTRE")] == (lic, "archive", 2024, None)


def test_web_driver_page_season_table_shows_category_and_source(db, tmp_path):
    from fastapi.testclient import TestClient

    from stintlab.web.app import create_app

    client = TestClient(create_app(tmp_path, archive_db=db, with_demo=False))
    data = client.get("/api/races/2025-nls-nls2-race/drivers/Alessio Picariello").json()
    nls = data["season"]["races"][-1]
    assert (nls["category"], nls["category_source"], nls["category_basis"], nls["season_observed"]) == (
        "Gold", "archive", "other season", 2024)
    html = client.get("/races/2025-nls-nls2-race/drivers/Alessio Picariello").text
    section = html[html.index('id="season"') :]
    assert "<td>Gold</td>" in section and "archive (other races): IMSA 2024 (other season)" in section
    assert "Dorian Boccolacci, Alessio Picariello (Gold)" in section  # the crew, with the same resolution
    fr = client.get("/races/2025-nls-nls2-race/drivers/Alessio Picariello?lang=fr").text
    assert "IMSA 2024 (autre saison)" in fr[fr.index('id="season"') :]
    est = cli_json("season", "Paul Lafargue", "--year", 2024, "--db", db)["races"][0]
    html = client.get("/races/2024-wec-le-mans-race/drivers/Paul LAFARGUE").text
    section = html[html.index('id="season"') :]
    assert f"{est['category']}*" in section and f"(p {est['category_probability']:.2f})" in section


def test_entry_list_beside_and_crew_rule_in_season_rows(tmp_path):
    """A race archived with an entry list beside its file: the season rows take the entry list's categories
    (``entry list beside``, as ``drivers`` does) and the crew rule grades the only ungraded driver of an LMGT3
    crew without a Bronze. Oracle: the entry list written here and the lap file read with the csv module
    (car 85, LMGT3: Rahel FREY line 12758, Sarah BOVY line 12798, Michelle GATTING line 12838 of
    ``lemans-2024/23_Analysis_Race_Hour 24.csv``)."""
    from stintlab.archive.store import ingest

    src = lap_file("lemans-2024")
    crew = {}
    with open(src, encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh, delimiter=";")
        head = [h.strip() for h in next(reader)]
        for row in reader:
            rec = dict(zip(head, (v.strip() for v in row), strict=False))
            if rec["NUMBER"] == "85":
                crew[rec["DRIVER_NAME"]] = rec["CLASS"]
    assert crew == {"Rahel FREY": "LMGT3", "Sarah BOVY": "LMGT3", "Michelle GATTING": "LMGT3"}
    folder = tmp_path / "lemans-2024"
    folder.mkdir()
    (folder / src.name).symlink_to(src)
    (folder / "entry_list.csv").write_text("car,driver,category\n85,Sarah Bovy,Gold\n85,Rahel Frey,Silver\n")
    db = tmp_path / "archive.duckdb"
    assert [r["status"] for r in ingest([folder], db)] == ["added"]
    with Archive(db) as arc:
        rows = arc.df("SELECT race_id, car, driver FROM entries WHERE laps > 0")
        got, _ = resolve_season_rows(arc, rows)
    mine = {(r.car, r.driver): (r.category, r.category_source, _na(r.category_evidence), r.category_basis)
            for r in got.itertuples()}  # fmt: skip
    assert {d: mine[("85", d)] for d in crew} == {
        "Sarah BOVY": ("Gold", "entry list beside", None, "race"),
        "Rahel FREY": ("Silver", "entry list beside", None, "race"),
        "Michelle GATTING": ("Bronze", "estimated", "crew rule", "estimated"),
    }
    # every driver as `drivers` resolves the loaded race with the same entry list beside it
    want = {(r["car"], r["driver"]): (r["category"], r["category_source"])
            for r in cli_json("drivers", folder / src.name, "--db", db)}  # fmt: skip
    assert len(want) > 100
    assert {k: v for k, v in want.items() if (_na(mine[k][0]), mine[k][1]) != v} == {}
