"""Category estimates stored in the registry (archive/estimates.py): made when races are archived, with
evidence and the estimator's measured precision as probability, seen by other races, never overriding an
observation, removed with their race.

Oracles: the IMSA licence columns read with the csv module (tests/test_category_registry.py ``licences``);
the Le Mans 2024 lap file read with the csv module for each car's class and drivers (``NUMBER``, ``CLASS``,
``DRIVER_NAME`` columns of ``lemans-2024/23_Analysis_Race_Hour 24.csv``)."""

from __future__ import annotations

import csv
import json
import shutil

import pytest
from typer.testing import CliRunner

from conftest import CORPUS, build_archive, lap_file
from stintlab.cli import app
from test_category_registry import IMSA, RACES, key, licences

pytestmark = pytest.mark.corpus
LM24_ID = "2024-wec-le-mans-race"
runner = CliRunner()


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path, results = build_archive(tmp_path_factory, tuple(RACES), "estimates")
    assert [r["status"] for r in results] == ["added"] * len(RACES), results
    return path


def cli(*args):
    res = runner.invoke(app, [*map(str, args), "--json"])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def stored(db):
    from stintlab.archive.db import Archive

    with Archive(db) as arc:
        rows = arc.df("SELECT * FROM driver_categories WHERE kind = 'estimated'")
        calib = json.loads(arc.con.execute("SELECT value FROM archive_info WHERE key = 'estimate_calibration'").fetchone()[0])
    return rows, calib


def lm24_crews() -> dict[str, tuple[str, set[str]]]:
    """car -> (class, driver keys) from the raw Le Mans 2024 lap file."""
    out: dict[str, tuple[str, set[str]]] = {}
    with open(CORPUS / "lemans-2024" / "23_Analysis_Race_Hour 24.csv", encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh, delimiter=";"):
            row = {k.strip(): v for k, v in row.items() if k}
            car = row["NUMBER"].strip()
            out.setdefault(car, (row["CLASS"].strip(), set()))[1].add(key(row["DRIVER_NAME"]))
    return out


def test_estimates_are_stored_with_evidence_and_measured_precision(db):
    rows, calib = stored(db)
    assert len(rows) >= 10
    assert set(rows["race_id"]) == {LM24_ID}  # the IMSA results grade every driver: nothing to estimate there
    licensed = {k for race in IMSA for _car, k, _cat in licences(race)}
    # never overriding an observation: no estimated driver holds an IMSA licence in any archived race
    assert not {key(d) for d in rows["driver"]} & licensed
    assert set(rows["evidence"]) <= {"pace", "crew rule"} and set(rows["season"]) == {2024}
    pace = rows[rows["evidence"] == "pace"]
    assert len(pace) and set(pace["category"]) <= {"Platinum", "Bronze"}
    # the stated probability is the measured precision of the estimator, one figure per category (not a model
    # score per driver), at least the 0.7 threshold
    for cat, g in pace.groupby("category"):
        assert set(g["confidence"]) == {calib["pace"][cat]["precision"]} and calib["pace"][cat]["precision"] >= 0.7
        if calib["pace"][cat]["from"] == "archive":
            assert abs(calib["pace"][cat]["measured"] - calib["pace"][cat]["precision"]) < 1e-3
    crew = rows[rows["evidence"] == "crew rule"]
    assert len(crew) and set(crew["category"]) == {"Bronze"}
    assert set(crew["confidence"]) == {calib["crew rule"]["precision"]}
    # the crew rule's Bronzes: LMGT3 crews (raw CLASS) whose other drivers all hold an IMSA licence
    crews = lm24_crews()
    for car, drv in zip(crew["car"], crew["driver"], strict=True):
        cls, members = crews[car]
        assert cls == "LMGT3" and key(drv) in members
        assert members - {key(drv)} <= licensed, (car, members - licensed)


def test_categories_driver_shows_the_stored_estimate(db):
    rows, _ = stored(db)
    r = rows[rows["evidence"] == "pace"].iloc[0]
    out = cli("categories", r["driver"], "--db", db)
    hits = [s for s in out["seasons"] if s["kind"] == "estimated"]
    assert len(hits) == 1 and hits[0]["season"] == 2024 and hits[0]["category"] == r["category"]
    assert hits[0]["probability"] == round(r["confidence"], 3) and hits[0]["evidence"] == "pace"
    assert hits[0]["sources"] == LM24_ID and hits[0]["conflict"] is None


def test_another_race_sees_the_stored_estimates(db):
    rows, _ = stored(db)
    est = {key(d): (c, e) for d, c, e in zip(rows["driver"], rows["category"], rows["evidence"], strict=True)}
    # WEC Spa 2025 (one season after Le Mans 2024, not archived here)
    out = cli("categories", "--race", lap_file("wec-2025-spa6h"), "--db", db)
    from_lm24 = [d for d in out["drivers"] if d["category_race"] == LM24_ID]
    assert from_lm24  # drivers graded only by a Le Mans 2024 estimate
    for d in from_lm24:
        assert d["category_source"] == "estimated" and d["season_observed"] == 2024
        assert est[key(d["driver"])] == (d["category"], d["category_evidence"])
    # five seasons away, a stored estimate says nothing: Le Mans 2019 drivers estimated at Le Mans 2024 do not
    # get it (they may have an estimate of their own from the 2019 race)
    old = cli("categories", "--race", lap_file("lemans-2019"), "--db", db)
    shared = [d for d in old["drivers"] if key(d["driver"]) in est]
    assert shared and not [d for d in shared if d["category_race"] == LM24_ID]


def test_an_observation_replaces_the_estimate_and_removal_takes_them(db, tmp_path):
    copy = tmp_path / "copy.duckdb"
    shutil.copy(db, copy)
    rows, _ = stored(copy)
    who = rows[rows["evidence"] == "pace"].iloc[0]
    other = "Gold" if who["category"] != "Gold" else "Silver"
    ent = tmp_path / "grades.csv"
    ent.write_text(f"car,driver,category\n{who['car']},{who['driver']},{other}\n", encoding="utf-8")
    out = cli("categories", "--import", ent, "--season", "2024", "--series", "WEC", "--db", copy)
    assert out["stored"] == 1
    after, _ = stored(copy)
    assert key(who["driver"]) not in {key(d) for d in after["driver"]}  # the observation wins, its estimate goes
    race = cli("categories", "--race", lap_file("lemans-2024"), "--db", copy)
    mine = [d for d in race["drivers"] if key(d["driver"]) == key(who["driver"])]
    assert mine and all(d["category"] == other and d["category_source"] == "archive" for d in mine)
    res = runner.invoke(app, ["archive", "remove", LM24_ID, "--db", str(copy)])
    assert res.exit_code == 0, res.output
    gone, _ = stored(copy)
    assert gone.empty  # estimates were all of that race


def test_adding_a_race_estimates_only_it_and_agrees_with_a_full_refresh(tmp_path_factory):
    """`archive add` of a race whose results grade nobody (Le Mans 2024) after the IMSA races: only that race is
    estimated (bounded cost at any archive size), and the estimates are the ones a full refresh makes (same
    model: the graded races did not change); the probabilities are the calibration stored by the last full
    refresh (the crew-rule figure is re-measured at the next full refresh)."""
    from stintlab.archive.db import Archive
    from stintlab.archive.estimates import refresh_estimates
    from stintlab.archive.store import ingest

    db, first = build_archive(tmp_path_factory, tuple(IMSA), "incremental")
    assert [r["status"] for r in first] == ["added"] * len(IMSA)
    with Archive(db) as arc:
        assert arc.df("SELECT count(*) AS n FROM driver_categories WHERE kind = 'estimated'")["n"][0] == 0
    assert [r["status"] for r in ingest([CORPUS / "lemans-2024"], db)] == ["added"]
    inc, calib_before = stored(db)
    with Archive(db, write=True) as arc:
        res = refresh_estimates(arc)
    assert res["full"]
    full, _ = stored(db)
    cols = ["driver_key", "race_id", "car", "category", "evidence"]
    assert len(inc) >= 10 and set(inc["race_id"]) == {LM24_ID}
    assert sorted(map(tuple, inc[cols].astype(str).values)) == sorted(map(tuple, full[cols].astype(str).values))
    pace = inc[inc["evidence"] == "pace"]
    for cat, g in pace.groupby("category"):
        assert set(g["confidence"]) == {calib_before["pace"][cat]["precision"]}


def test_an_observation_added_later_drops_that_drivers_estimates(tmp_path_factory, monkeypatch):
    """A driver estimated at Le Mans 2024 (Rodrigo Sales) and graded by a results file archived afterwards (IMSA
    Sebring 2025): his estimate goes on the incremental path too, without a full refresh (an estimate never
    overrides an observation). Oracle: the DRIVERn_LICENSE columns of the IMSA results read with the csv
    module (``licences``)."""
    from stintlab.archive import estimates
    from stintlab.archive.db import Archive
    from stintlab.archive.store import ingest

    later = "imsa-2025-sebring-international-raceway"
    db, _ = build_archive(tmp_path_factory, tuple(RACES), "later")
    before, _ = stored(db)
    graded = {k for _car, k, _cat in licences(later)}
    earlier = {k for race in IMSA for _car, k, _cat in licences(race)}
    hit = ({key(d) for d in before["driver"]} & graded) - earlier
    assert "rodrigo sales" in hit
    monkeypatch.setattr(estimates, "REFIT_GROWTH", 100.0)  # force the incremental path (4 -> 5 graded races)
    assert [r["status"] for r in ingest([CORPUS / later], db)] == ["added"]
    with Archive(db) as arc:
        state = json.loads(arc.df("SELECT value FROM archive_info WHERE key = 'estimate_state'")["value"][0])
    assert state == {"graded_races": len(IMSA)}  # no full refresh happened
    after, _ = stored(db)
    assert not {key(d) for d in after["driver"]} & graded
    assert len(after) == len(before) - int(before["driver"].map(key).isin(graded).sum())
