"""race.issues, the stintlab logger and `info --verbose`, on a real lap file mutated at test time: the
expected lines are the physical lines this test blanks; the rebuilt lap time is the file's own."""

from __future__ import annotations

import csv
import json
import logging

import pytest

import stintlab
from conftest import lap_file
from stintlab.cli import main

pytestmark = pytest.mark.corpus

RACE = "wec-2025-imola6h"
FLAG_LINE, TIME_LINE = 11, 21  # physical lines (1 = header)


def raw_rows(path):
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh, delimiter=";"))
    return [h.strip() for h in rows[0]], rows


def seconds(text: str) -> float:
    parts = [float(p) for p in text.strip().split(":")]
    return sum(p * 60**i for i, p in enumerate(reversed(parts)))


@pytest.fixture
def mutated(tmp_path):
    src = lap_file(RACE)
    header, rows = raw_rows(src)
    flag, lap_time = header.index("FLAG_AT_FL"), header.index("LAP_TIME")
    assert all(r[flag].strip() for r in rows[1:] if r)  # the original has no empty flag cell
    original = rows[TIME_LINE - 1][lap_time]
    rows[FLAG_LINE - 1][flag] = ""
    rows[TIME_LINE - 1][lap_time] = ""
    path = tmp_path / "imola_6h.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, delimiter=";", lineterminator="\r\n").writerows(rows)
    car, lap = rows[TIME_LINE - 1][0].strip(), int(rows[TIME_LINE - 1][header.index("LAP_NUMBER")])
    return path, car, lap, seconds(original)


def test_the_original_file_has_no_silent_repair():
    race = stintlab.load(lap_file(RACE))
    assert race.issues.empty and list(race.issues.columns) == ["rule", "line", "column", "action"]


def test_issues_name_the_lines_and_columns_repaired(mutated):
    path, car, lap, original = mutated
    race = stintlab.load(path)
    got = {(r.rule, r.line, r.column) for r in race.issues.itertuples()}
    assert got == {("empty_flag", FLAG_LINE, "FLAG_AT_FL"), ("filled_time", TIME_LINE, "LAP_TIME/ELAPSED")}
    assert race.issues is race.issues
    row = race.laps[(race.laps["car"] == car) & (race.laps["lap"] == lap)]
    assert row["line"].item() == TIME_LINE
    assert row["lap_time"].item() == pytest.approx(original, abs=1e-3)  # rebuilt to the file's own value
    assert race.laps.loc[race.laps["line"] == FLAG_LINE, "flag"].item() == "GF"


def test_load_logs_a_summary_on_the_stintlab_logger(mutated, caplog):
    with caplog.at_level(logging.INFO, logger="stintlab"):
        race = stintlab.load(mutated[0])
    msgs = [r.getMessage() for r in caplog.records if r.name == "stintlab"]
    assert msgs == [f"{race.name}: 2 silent repairs: 1 filled_time, 1 empty_flag"]


def test_info_verbose_shows_the_summary(mutated, capsys):
    path = str(mutated[0])
    assert main(["info", path, "--json"]) == 0
    plain = json.loads(capsys.readouterr().out)
    assert "issues" not in plain
    assert main(["info", path, "--json", "--verbose"]) == 0
    verbose = json.loads(capsys.readouterr().out)
    assert verbose["issues"] == "2 silent repairs: 1 filled_time, 1 empty_flag"
    assert verbose["issue_counts"] == {"filled_time": 1, "empty_flag": 1}
    assert {k: v for k, v in verbose.items() if k not in ("issues", "issue_counts")} == plain


@pytest.mark.corpus
def test_a_category_spelt_platinium_is_a_repair_with_its_line(load_corpus_race):
    # raw results file, found with the csv module: the row and the DRIVERn_LICENSE cell spelt "Platinium"
    from conftest import results_file

    with open(results_file("imsa-2024-road-atlanta"), encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    head = rows[0]
    hits = [(n, head[j]) for n, r in enumerate(rows[1:], 2) for j, v in enumerate(r) if v.strip() == "Platinium"]
    assert hits == [(13, "DRIVER3_LICENSE")]
    race = load_corpus_race("imsa-2024-road-atlanta")
    rep = race.issues[race.issues["rule"] == "category_spelling"]
    assert [(int(r.line), r.column) for r in rep.itertuples()] == hits
    car = rows[12][head.index("NUMBER")]
    d = race.drivers[(race.drivers["car"] == car) & race.drivers["driver"].str.contains("Vesti", case=False)]
    assert d["category"].tolist() == ["Platinum"]
