"""The archive's category registry (issue #12 items 1-2) on real races.

Oracle: the IMSA classifications' DRIVERn_FIRSTNAME / DRIVERn_SECONDNAME / DRIVERn_LICENSE columns read
with the csv module (``licences`` below; ``Platinium`` is IMSA's spelling of Platinum once in the corpus,
docs/rules.md), names reduced by a key written here (accents, case and punctuation removed), not by
stintlab. Hand-checked facts cite the raw files:

- Thomas Merrill 2023: ``imsa-2023-daytona-international-speedway/202301281340-race-results.csv`` gives
  Bronze, ``imsa-2023-road-atlanta/202310141140-race-results.csv`` Silver (one race each: a conflict);
- Sarah Bovy drove the #85 at Le Mans 2024 (lap file ``DRIVER_NAME`` "Sarah BOVY"); no Le Mans file
  carries categories (DRIVERn_LICENSE exists only in IMSA results).
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import unicodedata

import pandas as pd
import pytest
from typer.testing import CliRunner

from conftest import CORPUS, build_archive, lap_file
from stintlab.cli import app

IMSA = [
    "imsa-2023-daytona-international-speedway",
    "imsa-2023-road-atlanta",
    "imsa-2024-daytona-international-speedway",
    "imsa-2024-road-atlanta",
]
RACES = [*IMSA, "lemans-2024"]
LM24 = "lemans-2024"
runner = CliRunner()


def key(name: str) -> str:
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def licences(race: str) -> set[tuple[str, str, str]]:
    """(car, driver key, category) of every named driver with a licence in an IMSA results file."""
    path = next((CORPUS / race).glob("*results.csv"))
    out = set()
    with open(path, encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            for n in range(1, 9):
                name = f"{row.get(f'DRIVER{n}_FIRSTNAME') or ''} {row.get(f'DRIVER{n}_SECONDNAME') or ''}".strip()
                lic = (row.get(f"DRIVER{n}_LICENSE") or "").strip()
                if name and lic:
                    out.add((row["NUMBER"].strip(), key(name), "Platinum" if lic == "Platinium" else lic))
    return out


def season_oracle(season: str) -> dict[str, set[str]]:
    """driver key -> categories licensed in the archived IMSA races of ``season``."""
    out: dict[str, set[str]] = {}
    for race in IMSA:
        if f"-{season}-" in race:
            for _car, k, cat in licences(race):
                out.setdefault(k, set()).add(cat)
    return out


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path, results = build_archive(tmp_path_factory, tuple(RACES), "registry")
    assert [r["status"] for r in results] == ["added"] * len(RACES), results
    return path


def cli(*args) -> dict | list:
    res = runner.invoke(app, [*map(str, args), "--json"])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def fails(capsys, *args) -> str:
    """Run a command that must fail as a usage error (exit 2); its one-line message."""
    from stintlab.cli import main

    capsys.readouterr()
    assert main([*map(str, args)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    return err[0]


def registry(db, race_prefix: str):
    from stintlab.archive.db import Archive

    with Archive(db) as arc:
        return arc.df(
            "SELECT car, driver_key, category, kind, season, series, source_file FROM driver_categories"
            " WHERE race_id LIKE ?",
            [race_prefix + "%"],
        )


@pytest.mark.parametrize("race", IMSA)
def test_registry_rows_are_the_licence_columns(db, race):
    season, event = race.split("-")[1], race.split("-", 2)[2]
    reg = registry(db, f"{season}-imsa-{event}")
    assert len(reg) and set(reg["kind"]) == {"observed"} and set(reg["season"]) == {int(season)}
    assert set(reg["series"]) == {"IMSA"}
    assert set(reg["source_file"]) == {next((CORPUS / race).glob("*results.csv")).name}
    got = set(zip(reg["car"], reg["driver_key"], reg["category"], strict=True))
    assert got == licences(race)
    assert len(reg) == len(got)  # one row per driver and race: nothing doubled


def test_le_mans_files_add_no_observation(db):
    reg = registry(db, "2024-wec-le-mans")
    assert len(reg) and set(reg["kind"]) == {"estimated"}  # estimates only (below), no observation


def test_readme_example_grades_le_mans_bronzes_from_imsa(db):
    rows = cli("drivers", lap_file(LM24), "--class", "LMGT3", "--category", "Bronze", "--db", db)
    same_season = season_oracle("2024")
    assert rows and {r["category"] for r in rows} == {"Bronze"}
    every_season = season_oracle("2023") | same_season
    for r in rows:
        if r["category_source"] == "estimated":  # never licensed by IMSA: an estimate, flagged
            assert key(r["driver"]) not in every_season and r["category_probability"] >= 0.7
            # made from this race (no season), or stored from another archived race (its season and id)
            assert (r["season_observed"] is None) == (r["category_race"] is None)
            assert r["category_race"] is None or "le-mans" not in r["category_race"]
            continue
        assert (r["category_source"], r["season_observed"], r["category_series"]) == ("archive", 2024, "IMSA")
        assert same_season[key(r["driver"])] == {"Bronze"}, r["driver"]
    # every LMGT3 driver licensed Bronze (only) by IMSA in 2024 is in the list
    all_rows = cli("drivers", lap_file(LM24), "--class", "LMGT3", "--db", db)
    expected = {key(r["driver"]) for r in all_rows if same_season.get(key(r["driver"])) == {"Bronze"}}
    assert {key(r["driver"]) for r in rows if r["category_source"] == "archive"} == expected
    assert "Sarah BOVY" in {r["driver"] for r in rows}


def test_drivers_without_archive_say_unknown(db, tmp_path, capsys):
    rows = cli("drivers", lap_file(LM24), "--class", "LMGT3", "--db", db)
    unknown = [r for r in rows if r["category_source"] in ("unknown", "estimated")]
    oracle = season_oracle("2024") | season_oracle("2023")
    assert unknown and all(key(r["driver"]) not in oracle for r in unknown)
    assert all(r["category"] is None for r in unknown if r["category_source"] == "unknown")
    assert "no archive at" in fails(capsys, "drivers", lap_file(LM24), "--db", tmp_path / "none.duckdb")


def test_other_season_is_marked(db):
    """Le Mans 2023 against an archive of IMSA 2023 and 2024: the 2023 licence when there is one, else
    the 2024 one, flagged with its season."""
    out = cli("categories", "--race", lap_file("lemans-2023"), "--db", db)
    y23, y24 = season_oracle("2023"), season_oracle("2024")
    rows = [r for r in out["drivers"] if r["category_source"] == "archive"]
    other = [r for r in rows if r["season_observed"] == 2024]
    assert rows and other
    for r in rows:
        k = key(r["driver"])
        want = y23 if k in y23 else y24
        assert r["season_observed"] == (2023 if k in y23 else 2024)
        assert r["category"] in want[k]
        assert (r["category_conflict"] is not None) == (len(want[k]) > 1)
    graded_elsewhere = [r for r in out["drivers"] if r["category_source"] in ("unknown", "estimated")]
    assert all(key(r["driver"]) not in y23 | y24 for r in graded_elsewhere)
    res = runner.invoke(app, ["categories", "--race", str(lap_file("lemans-2023")), "--db", str(db)])
    assert res.exit_code == 0 and "none for 2023" in res.stdout


def test_categories_of_a_driver_show_conflict_and_sources(db):
    out = cli("categories", "thomas MERRILL", "--db", db)
    s23 = [s for s in out["seasons"] if s["season"] == 2023]
    assert {(s["category"], s["races"]) for s in s23} == {("Bronze", 1), ("Silver", 1)}
    # one race each: the tie goes to the higher grade, the other is the conflict
    assert {s["conflict"] for s in s23} == {"Bronze"}
    assert {s["sources"] for s in s23} == {"2023-imsa-daytona-international-speedway-race", "2023-imsa-road-atlanta-race"}


def test_unknown_driver_and_alias(db, tmp_path, capsys):
    err = fails(capsys, "categories", "Matthieu Jaminet", "--db", db)
    assert "no category known for 'Matthieu Jaminet'" in err and "same surname: Mathieu Jaminet" in err
    copy = tmp_path / "arc.duckdb"
    shutil.copy(db, copy)
    assert runner.invoke(app, ["archive", "alias", "Matthieu Jaminet", "Mathieu Jaminet", "--db", str(copy)]).exit_code == 0
    got = cli("categories", "Matthieu Jaminet", "--db", copy)["seasons"]
    want = {(int(r.split("-")[1]), c) for r in IMSA for _car, k, c in licences(r) if k == "mathieu jaminet"}
    assert want and {(s["season"], s["category"]) for s in got} == want


def test_categories_agree_across_drivers_rules_story(db):
    drv = {(r["car"], r["driver"]): r["category"] for r in cli("drivers", lap_file(LM24), "--db", db)}
    rules = cli("rules", lap_file(LM24), "--db", db)  # the set meant for Le Mans 2024 (lemans-2024)
    assert {(r["car"], r["driver"]): r["category"] for r in rules["drivers"]} == drv
    # estimates are shown, never judged: a crew with an estimated driver has a '?' in its composition
    estimated = {r["car"] for r in rules["drivers"] if r["category_source"] == "estimated"}
    assert estimated
    assert all("?" in c["composition"] for c in rules["crews"] if c["car"] in estimated)
    story = cli("story", lap_file(LM24), "--car", "85", "--db", db, "--full")["sentences"]
    named = {m for s in story for m in re.findall(r"([A-Z][\w-]+ [A-Z][A-ZÉÖ-]+) \((\w+)\)", s["text"])}
    assert ("Sarah BOVY", "Bronze") in named
    for name, cat in named:
        assert drv[("85", name)] == cat
    # the short story's crew sentence: every driver with the same category, and where it comes from
    short = cli("story", lap_file(LM24), "--car", "85", "--db", db)["sentences"]
    crew = next(s["text"] for s in short if s["key"] == "crew")
    graded = dict(re.findall(r"([A-Z][\w-]+ [A-Z][A-ZÉÖ-]+) \((Platinum|Gold|Silver|Bronze), ", crew))
    assert graded.get("Sarah BOVY") == "Bronze"
    assert graded == {d: c for (car, d), c in drv.items() if car == "85" and c}


def test_entry_list_beside_then_explicit_wins(db, tmp_path, capsys):
    folder = tmp_path / "lm24"
    folder.mkdir()
    (folder / "laps.csv").symlink_to(lap_file(LM24))
    (folder / "entry_list.csv").write_text("car,driver,category\n85,Sarah Bovy,Gold\n")
    rows = {r["driver"]: r for r in cli("drivers", folder / "laps.csv", "--class", "LMGT3", "--db", db)}
    assert (rows["Sarah BOVY"]["category"], rows["Sarah BOVY"]["category_source"]) == ("Gold", "entry list beside")
    assert rows["Rahel FREY"]["category_source"] in ("archive", "unknown")
    explicit = tmp_path / "mine.csv"
    explicit.write_text("car,driver,category\n85,S. Bovy,Silver\n")
    rows = {r["driver"]: r for r in cli("drivers", folder / "laps.csv", "--entry-list", explicit, "--db", db)}
    assert (rows["Sarah BOVY"]["category"], rows["Sarah BOVY"]["category_source"]) == ("Silver", "entry list")
    bad = tmp_path / "bad.csv"
    bad.write_text("car,driver,category\n85,Sarah Bovy,Golden\n")
    err = fails(capsys, "drivers", folder / "laps.csv", "--entry-list", bad, "--db", db)
    assert "unknown category 'Golden'" in err and "line 2" in err


def test_old_archive_is_backfilled(db, tmp_path):
    from stintlab.archive.db import Archive
    from stintlab.archive.estimates import refresh_estimates

    copy = tmp_path / "old.duckdb"
    shutil.copy(db, copy)
    with Archive(copy, write=True) as arc:
        before = arc.df("SELECT * FROM driver_categories ORDER BY ALL")
        arc.con.execute("DROP TABLE driver_categories")
    with Archive(copy, write=True) as arc:
        after = arc.df("SELECT * FROM driver_categories ORDER BY ALL")
        refresh_estimates(arc)  # what the next change of the archive does
        remade = arc.df("SELECT * FROM driver_categories ORDER BY ALL")
    observed = before[before["kind"] != "estimated"].reset_index(drop=True)
    assert len(observed) and len(remade) > len(after)
    # the backfill: every observation; the estimates come back the same (missing evidence: None or NaN alike)
    def same(a, b):
        a, b = (x.astype(object).where(x.notna(), None).reset_index(drop=True) for x in (a, b))
        return a.equals(b)

    assert same(observed, after) and same(before, remade)



def test_estimator_hidden_categories(db):
    """Hide Road Atlanta 2024's official categories, fit on the other archived IMSA race with laps (Road
    Atlanta 2023), estimate: the kept estimates (Platinum/Bronze at p >= 0.7) agree with the hidden
    licences (the csv oracle) far more often than the categories' base rate would."""
    from stintlab.analysis.estimate import MIN_PROBABILITY, estimate, fit
    from stintlab.archive.db import Archive
    from stintlab.archive.registry import ESTIMATED_CATEGORIES, training_table

    with Archive(db) as arc:
        t = training_table(arc)
    hidden = t[t["race_id"] == "2024-imsa-road-atlanta-race"].dropna(subset=["pct"])
    model = fit(t[t["race_id"] == "2023-imsa-road-atlanta-race"])
    est = estimate(model, hidden.drop(columns=["category"]))
    truth = {(k, c) for _car, k, c in licences("imsa-2024-road-atlanta")}
    kept = est[est["category"].isin(ESTIMATED_CATEGORIES).fillna(False) & (est["probability"] >= MIN_PROBABILITY)]
    right = sum((hidden.at[i, "driver_key"], kept.at[i, "category"]) in truth for i in kept.index)
    train = t[t["race_id"] == "2023-imsa-road-atlanta-race"].dropna(subset=["category"])
    common = train.groupby("family")["category"].agg(lambda c: c.value_counts().index[0])
    base = sum((hidden.at[i, "driver_key"], common.get(hidden.at[i, "family"])) in truth for i in kept.index)
    print(f"kept {len(kept)} of {len(hidden)}: right {right}, family's most frequent category right {base}")
    assert len(kept) >= 30
    assert right / len(kept) >= 0.6 and right > base, (right, base, len(kept))


def test_imported_entry_list_conflicts_are_shown(db, tmp_path, capsys):
    """Sarah Bovy: the archived IMSA 2024 races license her Bronze (oracle); a user list grading her Gold
    the same season is a conflict: both kept, the most frequent wins (ties to the higher grade), the other
    is shown."""
    bronze = sum(("sarah bovy", "Bronze") in {(k, g) for _c, k, g in licences(r)} for r in IMSA if "-2024-" in r)
    assert bronze >= 1
    want = ("Gold", "Bronze") if bronze == 1 else ("Bronze", "Gold")
    copy = tmp_path / "arc.duckdb"
    shutil.copy(db, copy)
    el = tmp_path / "wec.csv"
    el.write_text("car,driver,category\n85,Sarah BOVY,Gold\n,Tom Nobody,\n")
    out = cli("categories", "--import", el, "--season", "2024", "--series", "WEC", "--db", copy)
    assert (out["stored"], out["without_category"]) == (1, 1)
    seasons = cli("categories", "Sarah Bovy", "--db", copy)["seasons"]
    assert {(s["series"], s["category"], s["kind"]) for s in seasons} == {("IMSA", "Bronze", "observed"),
                                                                        ("WEC", "Gold", "entry list")}
    rows = {r["driver"]: r for r in cli("drivers", lap_file(LM24), "--class", "LMGT3", "--db", copy)}
    assert (rows["Sarah BOVY"]["category"], rows["Sarah BOVY"]["category_conflict"]) == want
    assert "needs --season" in fails(capsys, "categories", "--import", el, "--db", copy)


def test_alias_hints_for_ungraded_drivers(db):
    out = cli("categories", "--race", lap_file(LM24), "--db", db)
    oracle = season_oracle("2023") | season_oracle("2024")
    assert out["alias_hints"]
    for h in out["alias_hints"]:
        assert key(h["driver"]) not in oracle and key(h["registry_name"]) in oracle
        assert key(h["driver"]).split()[-1] == key(h["registry_name"]).split()[-1]


def test_report_rankings_agree_with_drivers(db):
    from stintlab.commands._common import load_race
    from stintlab.report import sections

    race = load_race(lap_file(LM24), db=db, quiet=True)
    ranks = sections.driver_rankings(race)
    drv = {(r["car"], r["driver"]): (r["category"], r["category_source"]) for r in cli("drivers", lap_file(LM24), "--db", db)}
    mine = {
        (c, d): (None if isinstance(k, type(pd.NA)) else k, s)
        for c, d, k, s in zip(ranks["car"], ranks["driver"], ranks["category"], ranks["category_source"], strict=True)
    }
    assert mine == drv


def test_crew_rule_names_the_missing_bronze(db):
    """LMGT3 2024 crews need a Bronze (domain notes: ACO RG 1/2024 p.36). A driver is made Bronze by the
    crew rule only when every crewmate is graded by IMSA (oracle) and none of them is Bronze."""
    rows = cli("categories", "--race", lap_file(LM24), "--db", db)["drivers"]
    y24, y23 = season_oracle("2024"), season_oracle("2023")
    by_car: dict = {}
    for r in rows:
        by_car.setdefault(r["car"], []).append(r)
    ruled = [r for r in rows if r["category_evidence"] == "crew rule"]
    assert ruled
    for r in ruled:
        assert (r["class"], r["category"], r["category_source"]) == ("LMGT3", "Bronze", "estimated")
        mates = [m for m in by_car[r["car"]] if m["driver"] != r["driver"]]
        for m in mates:
            k = key(m["driver"])
            assert k in y24 or k in y23
            assert "Bronze" not in (y24.get(k) if k in y24 else y23[k])
    # and every LMGT3 crew with exactly one ungraded driver and no Bronze in the oracle is ruled
    for _car, crew in by_car.items():
        if crew[0]["class"] != "LMGT3":
            continue
        graded = [m for m in crew if key(m["driver"]) in y24 or key(m["driver"]) in y23]
        cats = {c for m in graded for c in (y24.get(key(m["driver"])) or y23[key(m["driver"])])}
        if len(crew) - len(graded) == 1 and "Bronze" not in cats and all(m["category_conflict"] is None for m in graded):
            (open_,) = [m for m in crew if m not in graded]
            assert open_["category_evidence"] == "crew rule", open_
