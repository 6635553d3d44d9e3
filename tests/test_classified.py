"""Classified or not: the series' classification rule applied to the lap file, checked against the
officials' own final classifications (issue 11, item 3).

Expectations are computed here, independently of stintlab:

- the raw lap rows come from ``tests/oracle.py`` (csv module only): a car took the chequered flag
  when its last crossing is ``FF``; the winner's laps are the most laps of any car;
- the rule is the one cited in ``rules/classification/series.toml``, written again here as plain
  numbers: ACO/WEC classify a car that took the flag with at least 70 % of the overall winner's
  laps, call a flag-taker short of that "Not classified" and a car that stopped before the flag
  retired; IMSA classifies every car;
- the official final classification is read with the csv module: for the 8 WEC/ACO races with
  ``official-hourly/`` it is the file of the highest hour listed in ``HOURLY.csv`` (the data set's own
  index); for IMSA it is the results file named in ``MANIFEST.csv``.

Derived vs official (matches / cars of the official file), from the test below:
lemans-2023 62/62, lemans-2024 62/62, bahrain 2024 36/36, fuji 2024 35/36, cota 2025 32/36, fuji 2025
35/36, qatar 2025 36/36, são paulo 2025 36/36; every IMSA race all its cars but the cars that have no
lap in the lap file (WGI 2023 #24, LAPS 0). The 6 WEC mismatches are cars that stopped before the
flag (their last raw row is not ``FF``) which the officials listed "Not classified" rather than
"Retired": an official decision the lap file does not record (docs/analysis.md, "Classified or not").
"""

from __future__ import annotations

import csv
import io

import pytest

from conftest import CORPUS, lap_file, manifest, results_file
from oracle import read_race
from stintlab.analysis.finish_rules import classification_rules
from stintlab.cli import main

ACO_SHARE = 0.70  # fiawec.com/en/race-finish-and-classification/127
OFFICIAL_WORDS = {"Classified": "classified", "Not classified": "not_classified", "Retired": "retired"}

# Hand-checked from the raw rows (HOURLY final files and lap files): cars that stopped before the
# chequered flag (last crossing not FF, before the winner's finish) that the officials listed
# "Not classified" instead of "Retired". (race, car): (official LAPS, last raw flag)
NC_WITHOUT_FLAG = {
    ("wec-2024-fuji6h", "7"): (163, "GF"),
    ("wec-2025-cota6h", "61"): (85, "GF"),
    ("wec-2025-cota6h", "33"): (76, "GF"),
    ("wec-2025-cota6h", "87"): (72, "GF"),
    ("wec-2025-cota6h", "20"): (13, "SF"),
    ("wec-2025-fuji6h", "88"): (143, "GF"),
}


def _hourly_races() -> list[str]:
    if not (CORPUS / "HOURLY.csv").is_file():
        return ["<corpus missing>"]
    with open(CORPUS / "HOURLY.csv", encoding="utf-8") as fh:
        return sorted({r["race"] for r in csv.DictReader(fh)})


def _imsa_races() -> list[str]:
    if not (CORPUS / "MANIFEST.csv").is_file():
        return ["<corpus missing>"]
    return [r["race"] for r in manifest() if r["series"] == "IMSA" and r["laps_file"] and r["results_file"]]


def _rows(path) -> list[dict]:
    raw = path.read_text(encoding="utf-8-sig")
    head = raw.split("\n", 1)[0]
    sep = ";" if head.count(";") > head.count(",") else ","
    rows = list(csv.reader(io.StringIO(raw), delimiter=sep))
    names = [h.strip() for h in rows[0]]
    return [dict(zip(names, (v.strip() for v in r))) for r in rows[1:] if any(v.strip() for v in r)]


def _final_hourly(race: str):
    """(file name, rows) of the official final classification: the highest hour in HOURLY.csv."""
    with open(CORPUS / "HOURLY.csv", encoding="utf-8") as fh:
        files = {int(r["hour"]): r["file"] for r in csv.DictReader(fh) if r["race"] == race}
    name = files[max(files)]
    return name, _rows(CORPUS / race / "official-hourly" / name)


def _expected(raw, rule: str) -> dict[str, str]:
    """car -> classified / not_classified / retired, from raw rows and the rule's numbers."""
    winner = max(cs[-1].lap for cs in raw.laps.values())
    flag = raw.finishers()
    out = {}
    for car, cs in raw.laps.items():
        if rule == "imsa":
            out[car] = "classified"
        elif car in flag:
            out[car] = "classified" if cs[-1].lap >= ACO_SHARE * winner else "not_classified"
        else:
            out[car] = "retired"
    return out


@pytest.mark.corpus
@pytest.mark.parametrize("race", _hourly_races())
def test_wec_derived_status_follows_the_aco_rule_and_meets_the_official_final(race, load_corpus_race):
    import stintlab

    raw = read_race(lap_file(race))
    expected = _expected(raw, "aco")
    derived = stintlab.load(lap_file(race), find_results=False).derived_classification
    assert dict(zip(derived["car"], derived["status_code"])) == expected
    # the share is the car's laps over the winner's, from the raw rows
    winner = max(cs[-1].lap for cs in raw.laps.values())
    share = dict(zip(derived["car"], derived["distance_share"]))
    assert all(abs(share[c] - cs[-1].lap / winner) < 1e-9 for c, cs in raw.laps.items())

    _, official = _final_hourly(race)
    mismatches = {}
    for r in official:
        got = expected.get(r["NUMBER"])
        if got != OFFICIAL_WORDS[r["STATUS"]]:
            mismatches[(race, r["NUMBER"])] = (int(r["LAPS"]), raw.laps[r["NUMBER"]][-1].flag)
            # explained from the raw rows: the car stopped before the flag; the officials said NC
            assert got == "retired" and r["STATUS"] == "Not classified", (race, r["NUMBER"], got, r["STATUS"])
            assert raw.laps[r["NUMBER"]][-1].flag != "FF"
    assert mismatches == {k: v for k, v in NC_WITHOUT_FLAG.items() if k[0] == race}
    # and the reverse holds everywhere: every Not classified flag-taker is short of 70 %
    for r in official:
        if r["NUMBER"] in raw.finishers():
            assert (r["STATUS"] == "Classified") == (int(r["LAPS"]) >= ACO_SHARE * int(official[0]["LAPS"])), r


@pytest.mark.corpus
@pytest.mark.parametrize("race", _hourly_races())
def test_load_reads_the_final_hourly_file_as_the_official_classification(race, corpus, load_corpus_race):
    name, official = _final_hourly(race)
    loaded = load_corpus_race(race)
    assert loaded.meta["classification_source"] == "official"
    assert loaded.meta["results_path"].endswith(name)
    cls = loaded.classification
    assert cls["official"].all()
    assert list(cls["car"]) == [r["NUMBER"] for r in official]
    assert list(cls["laps"]) == [int(r["LAPS"]) for r in official]
    assert list(cls["status_code"]) == [OFFICIAL_WORDS[r["STATUS"]] for r in official]
    assert list(cls["classified"]) == [r["STATUS"] == "Classified" for r in official]


@pytest.mark.corpus
@pytest.mark.parametrize("race", _imsa_races())
def test_imsa_every_car_is_classified_as_the_official_results_say(race, load_corpus_race):
    raw = read_race(lap_file(race))
    official = _rows(results_file(race))
    assert {r["STATUS"] for r in official} == {"Classified"}  # the IMSA results in the corpus
    loaded = load_corpus_race(race)
    assert loaded.classification_rule.name == "imsa"
    derived = loaded.derived_classification
    assert dict(zip(derived["car"], derived["status_code"])) == _expected(raw, "imsa")
    # took the flag or not, the car stays classified (IMSA); only cars without a lap cannot be derived
    missing = {r["NUMBER"] for r in official} - set(raw.laps)
    assert all(int(r["LAPS"] or 0) == 0 for r in official if r["NUMBER"] in missing), race
    stopped = set(raw.laps) - raw.finishers()
    assert set(derived.loc[derived["car"].isin(stopped), "status"]) <= {"Retired", "Retired in pits"}


@pytest.mark.corpus
def test_lemans_2024_car_20_took_the_flag_with_31_percent_and_is_not_classified(capsys):
    import stintlab

    # raw: the official final (202406151600-race-hour-24-results.csv, line 48) lists
    # "47,20,BMW M Team WRT,...,Not classified,96,24:04'37.781,215 Laps"; the winner #50 did 311 laps
    path = lap_file("lemans-2024")
    raw = read_race(path)
    assert raw.laps["20"][-1].lap == 96 and raw.laps["20"][-1].flag == "FF"
    d = stintlab.load(path, find_results=False).derived_classification.set_index("car")
    assert d.loc["20", "status"] == "Not classified" and d.loc["20", "status_code"] == "not_classified"
    assert not d.loc["20", "classified"] and d.loc["20", "took_flag"]
    assert round(float(d.loc["20", "distance_share"]), 4) == round(96 / 311, 4)
    # the last hour of the standings is the finish: it carries the final status
    capsys.readouterr()
    assert main(["standings", str(path), "--hour", "24", "--json"]) == 0
    rows = {r["car"]: r for r in __import__("json").loads(capsys.readouterr().out)}
    assert rows["20"]["status_code"] == "not_classified" and rows["20"]["classified"] is False
    assert rows["50"]["status_code"] == "classified"
    assert main(["standings", str(path), "--hour", "23", "--json"]) == 0
    assert "status_code" not in __import__("json").loads(capsys.readouterr().out)[0]


@pytest.mark.corpus
def test_classification_command_gives_codes_in_json_and_words_on_the_terminal(capsys):
    import json

    path = lap_file("lemans-2024")
    capsys.readouterr()
    assert main(["classification", str(path), "--json"]) == 0
    rows = {r["car"]: r for r in json.loads(capsys.readouterr().out)}
    # raw final file: #20 "Not classified" 96 laps, #83 "Retired" 248 laps, #50 "Classified" 311 laps
    assert (rows["20"]["status"], rows["20"]["status_code"], rows["20"]["classified"]) == ("Not classified", "not_classified", False)
    assert (rows["83"]["status_code"], rows["50"]["status_code"]) == ("retired", "classified")
    assert rows["20"]["official"] is True and rows["20"]["distance_share"] == round(96 / 311, 3)  # JSON: 3 decimals
    assert main(["classification", str(path), "--derived", "--json"]) == 0
    derived = {r["car"]: r for r in json.loads(capsys.readouterr().out)}
    assert derived["20"]["status"] == "Not classified" and derived["20"]["official"] is False
    assert main(["classification", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Not classified" in out and "Retired in the pits" in out


@pytest.mark.corpus
def test_story_words_not_classified_in_english_and_french(load_corpus_race):
    from stintlab.report.story import story

    race = load_corpus_race("lemans-2024")
    en = [s["text"] for s in story(race, "20", lang="en")]
    fr = [s["text"] for s in story(race, "20", lang="fr")]
    assert any("took the chequered flag but was not classified: 96 laps, 31% of the winner's distance (70% needed)"
               in t for t in en), en[-3:]  # fmt: skip
    assert any("n'est pas classée : 96 tours, soit 31 % de la distance du vainqueur (70 % requis)" in t for t in fr), fr[-3:]
    # a car the officials listed NC after it stopped (Fuji 2025 #88: last raw row GF at 4:47:28, 143 laps)
    fuji = load_corpus_race("wec-2025-fuji6h")
    text = [s["text"] for s in story(fuji, "88", lang="en")][-5:]
    assert any("after 143 laps and was not classified" in t for t in text), text


@pytest.mark.corpus
def test_report_and_web_word_the_status_from_its_code(load_corpus_race):
    from stintlab.report.html import _classification_section

    race = load_corpus_race("lemans-2024")
    assert "Not classified" in _classification_section(race, None, "en")
    assert "Non classée" in _classification_section(race, None, "fr")
    assert "Abandon au stand" in _classification_section(race, None, "fr")


def test_every_rule_cites_its_source_and_says_what_is_uncertain():
    rules = {r.name: r for r in classification_rules()}
    assert set(rules) == {"imsa", "aco-wec", "generic"}
    assert rules["aco-wec"].min_share == ACO_SHARE and rules["aco-wec"].needs_flag
    assert rules["imsa"].min_share == 0.0 and not rules["imsa"].needs_flag
    for r in rules.values():
        assert r.source and r.uncertain, r.name
    assert "fiawec.com/en/race-finish-and-classification/127" in rules["aco-wec"].source


@pytest.mark.corpus
def test_lemans_2019_without_official_file_is_derived_by_the_aco_rule():
    """A race without official file keeps its derived classification under the ACO rule."""
    import stintlab

    race = stintlab.load(lap_file("lemans-2019"))
    assert race.classification_rule.name == "aco-wec"
    assert race.meta["classification_source"] == "derived"
    raw = read_race(lap_file("lemans-2019"))
    got = dict(zip(race.classification["car"], race.classification["status_code"]))
    assert got == _expected(raw, "aco")
