"""The car's story (EN/FR): real cases checked against the raw lap file, traceability of every
sentence to laps of the car, determinism, hand-built races, and the ``story`` command."""

from __future__ import annotations

import json
import re

import pytest

from stintlab.report.story import duration_text, lap_time_text, laps_label, ordinal, story


def _texts(sentences, key=None):
    return [s["text"] for s in sentences if key is None or s["key"] == key]


# ------------------------------------------------------------------ Le Mans 2024, car #92
def test_lemans_2024_92_english_story(load_corpus_race):
    race = load_corpus_race("lemans-2024")
    s = story(race, "92", "en")
    # raw: lap 1 of #92 driven by Aliaksandr MALYKHIN (Manthey PureRxcing, LMGT3)
    assert s[0] == {
        "key": "start",
        "text": "The #92 Manthey PureRxcing took the start in LMGT3 with Aliaksandr MALYKHIN at the wheel.",
        "laps": [1],
        "race_time": 0.0,
    }
    # the official hour-1 classification (official-hourly/202406151600-race-hour-1-results.csv line 52):
    # #92 15 laps, 1:02'33.838 (raw lap file: its lap 15 crossing), 14th of the LMGT3 cars listed
    hour1 = [x for x in s if x["key"] == "hour1"][0]
    assert hour1["text"] == "After the first hour the #92 was 14th in LMGT3, with 15 laps completed."
    assert hour1["laps"] == [15]
    # raw: lap 182 is a B lap (Klaus BACHLER), lap 183 carries PIT_TIME 0:24:44.030: a garage stop in hour 17
    garage = [x for x in s if x["key"] == "stop" and "24 min 44 s" in x["text"]]
    assert len(garage) == 1 and garage[0]["laps"] == [182, 183]
    assert garage[0]["text"].startswith("In hour 17, a garage stop of 24 min 44 s (lap 182) cost the #92 25 min ")
    # raw: in-lap 5:00.342 + out-lap 29:20.065 = 2060.407 s, less twice the car's green pace around the stop
    # (laps 180-181 and 184-188 in 4:11.262 .. 4:37.871 on a wet track): between 25:04.6 and 25:57.8
    cost = re.search(r"cost the #92 25 min (\d+) s", garage[0]["text"])
    assert cost and 4 <= int(cost.group(1)) <= 57
    assert "it fell from 1st to 18th in LMGT3" in garage[0]["text"]
    # raw: 273 laps, 13 LMGT3 cars ahead at the flag (281 laps #91 ... 275 laps #70)
    assert _texts(s, "finish") == ["The #92 finished 14th in LMGT3 (41st overall) after 273 laps."]
    # the lead was taken (lap chart) before that stop, and every lead sentence names laps
    assert any(x["key"] in ("lead", "lead_swap") for x in s)
    # each of the three drivers gets a best-lap sentence
    best = _texts(s, "best_lap")
    assert len(best) == 3 and all("best lap was" in t for t in best)


def test_lemans_2024_92_french_story_reads_like_a_french_report(load_corpus_race):
    race = load_corpus_race("lemans-2024")
    s = story(race, "92", "fr")
    assert s[0]["text"] == "La n°92 Manthey PureRxcing, avec Aliaksandr MALYKHIN au volant, prend le départ en LMGT3."
    assert _texts(s, "hour1") == [
        "Au terme de la première heure, la n°92 est 14e de la catégorie LMGT3 après 15 tours."
    ]
    garage = [t for t in _texts(s, "stop") if "24 min 44 s" in t][0]
    assert garage.startswith("À la 17e heure, un passage au garage de 24 min 44 s (tour 182) coûte 25 min ")
    assert "qui passe de la 1re à la 18e place de la catégorie" in garage
    assert _texts(s, "finish") == ["La n°92 termine 14e de la catégorie LMGT3 (41e au général) après 273 tours."]
    leads = _texts(s, "lead") + _texts(s, "lead_swap")
    assert any("prend la tête de la catégorie LMGT3" in t or "la reprend" in t for t in leads)
    # "d'" before a vowel, French lap-time notation
    assert any(t.startswith("Meilleur tour d'Aliaksandr MALYKHIN : 4'00\"064") for t in _texts(s, "best_lap"))
    assert all("#" not in t for t in _texts(s))


def test_lemans_2024_winner_and_retirement(load_corpus_race):
    race = load_corpus_race("lemans-2024")
    # raw: #50 (Ferrari AF Corse) completed 311 laps first; #54 last crossed on lap 30 at 2:08:26.769 (hour 3)
    assert _texts(story(race, "50", "en"), "finish") == ["The #50 won the race, and HYPERCAR, with 311 laps."]
    assert _texts(story(race, "50", "fr"), "finish") == [
        "La n°50 remporte la course, et la catégorie HYPERCAR, en 311 tours."
    ]
    assert _texts(story(race, "54", "en"), "finish") == ["The #54 retired in hour 3, after 30 laps."]
    assert _texts(story(race, "54", "fr"), "finish") == ["La n°54 abandonne à la 3e heure, après 30 tours."]


def test_lemans_2019_story_without_flag_column(load_corpus_race):
    race = load_corpus_race("lemans-2019")
    s = story(race, "8", "en")
    # raw: Sébastien BUEMI drove lap 1 of the #8 Toyota; 385 laps, first at the flag
    assert s[0]["text"] == "The #8 Toyota Gazoo Racing took the start in LMP1 with Sébastien BUEMI at the wheel."
    assert _texts(s, "finish") == ["The #8 won the race, and LMP1, with 385 laps."]


@pytest.mark.parametrize(
    "name", ["lemans-2019", "lemans-2021", "lemans-2023", "lemans-2024", "lemans-2025", "lemans-2026"]
)
def test_every_sentence_is_traceable_to_laps_of_the_car(load_corpus_race, name):
    race = load_corpus_race(name)
    # the winner and the last car of the classification (a retirement)
    for car in (str(race.classification["car"].iloc[0]), str(race.classification["car"].iloc[-1])):
        own = set(race.laps.loc[race.laps["car"] == car, "lap"].astype(int))
        for lang in ("en", "fr"):
            s = story(race, car, lang)
            assert s[0]["key"] == "start" and any(x["key"] == "finish" for x in s)
            for x in s:
                assert x["laps"], (car, x)
                assert set(x["laps"]) <= own, (name, car, x)
                assert x["laps"] == sorted(x["laps"])


_STORY_SCRIPT = """
import json, sys
import stintlab
from stintlab.report.story import story
race = stintlab.load(sys.argv[1])
car = str(race.classification["car"].iloc[0])
print(json.dumps(story(race, car, "fr"), ensure_ascii=False, sort_keys=True))
"""


def test_story_is_deterministic(load_corpus_race):
    """The same story in two fresh interpreters with different string-hash seeds (set and dict order of
    strings differ between them) and in this process."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    import stintlab
    from conftest import lap_file

    path = lap_file("lemans-2023")
    src = str(Path(stintlab.__file__).resolve().parents[1])
    outs = []
    for seed in ("0", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", "")}
        done = subprocess.run([sys.executable, "-c", _STORY_SCRIPT, str(path)], env=env, capture_output=True,
                              text=True, encoding="utf-8", timeout=600)  # fmt: skip
        assert done.returncode == 0, done.stderr
        outs.append(json.loads(done.stdout))
    assert outs[0] == outs[1]
    race = load_corpus_race("lemans-2023")
    assert outs[0] == story(race, str(race.classification["car"].iloc[0]), "fr")
    assert len(outs[0]) > 5


def test_unknown_car_and_language_are_usage_errors(load_corpus_race):
    from stintlab.errors import StintlabUsageError

    race = load_corpus_race("lemans-2024")
    with pytest.raises(StintlabUsageError, match="no car '999'"):
        story(race, "999", "en")
    with pytest.raises(StintlabUsageError, match="en or fr"):
        story(race, "92", "de")


# ------------------------------------------------------------------ hand-built
def test_hand_built_race_win_and_retirement_in_the_pits(tmp_path):
    import stintlab
    from test_web import TWO_CARS  # 7: 3 laps; 007: 2 laps, the 2nd a B lap (retired in the pits)

    path = tmp_path / "two.csv"
    path.write_bytes(TWO_CARS)
    race = stintlab.load(path)
    s7 = story(race, "7", "en")
    assert _texts(s7, "start") == ["The #7 Red Team took the start in HYPERCAR with Ann A at the wheel."]
    assert _texts(s7, "finish") == ["The #7 won the race, and HYPERCAR, with 3 laps."]
    assert not _texts(s7, "hour1")  # a 10-minute race has no "after the first hour"
    s007 = story(race, "007", "fr")
    assert _texts(s007, "finish") == ["La n°007 abandonne au stand à la 1re heure, après 2 tours."]
    assert [x["laps"] for x in s007 if x["key"] == "finish"] == [[2]]


def test_wording_helpers():
    assert [ordinal(n, "en") for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st"]  # fmt: skip
    assert [ordinal(n, "fr") for n in (1, 2, 16)] == ["1re", "2e", "16e"]
    assert ordinal(1, "fr", feminine=False) == "1er"
    assert duration_text(1513.245, "en") == "25 min 13 s" and duration_text(1513.245, "fr") == "25 min 13 s"
    assert duration_text(42.3, "fr") == "42,3 s" and duration_text(42.3, "en") == "42.3 s"
    assert duration_text(15614.29, "fr") == "4 h 20 min"
    assert laps_label([3, 1, 2, 9], "fr") == "tours 1–3, 9"
    assert lap_time_text(209.208, "en") == "3:29.208"


# ------------------------------------------------------------------ CLI
def test_story_command_json_and_text(capsys, corpus):
    from conftest import lap_file
    from stintlab.cli import main

    assert main(["story", str(lap_file("lemans-2024")), "--car", "92", "--lang", "fr", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["car"] == "92" and data["lang"] == "fr" and data["race"] == "lemans-2024"
    assert set(data["sentences"][0]) == {"key", "text", "laps", "race_time"}
    assert main(["story", str(lap_file("lemans-2024")), "--car", "92", "--full"]) == 0  # the chronological account
    out = capsys.readouterr().out
    assert "took the start in LMGT3" in out and "(lap 1)" in out


def test_story_command_errors_are_one_line(capsys, corpus):
    from conftest import lap_file
    from stintlab.cli import main

    assert main(["story", str(lap_file("lemans-2024")), "--car", "999"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("stintlab: error: no car '999'")
    assert main(["story", str(lap_file("lemans-2024")), "--car", "92", "--lang", "de"]) == 2
    assert "en or fr" in capsys.readouterr().err


def test_imsa_car_classified_after_stopping_early(load_corpus_race):
    # raw: #17 (GTD) crossed the line twice, the 2nd time in the pit lane (B) at 24:53.256; the
    # official results list it 58th overall (the last of the 22 GTD cars), status Classified, 2 laps
    race = load_corpus_race("imsa-2024-sebring-international-raceway")
    assert _texts(story(race, "17", "en"), "finish") == [
        "The #17 stopped in hour 1 after 2 laps and was classified 22nd in GTD (58th overall)."
    ]
    assert _texts(story(race, "17", "fr"), "finish") == [
        "La n°17 s'arrête à la 1re heure après 2 tours ; elle est classée 22e de la catégorie GTD (58e au général)."
    ]


@pytest.mark.corpus
def test_pit_cycle_lead_swaps_are_told_once(load_corpus_race):
    """Le Mans 2024 #92 led LMGT3 from hour 9 to 12 but for four stops (raw rows: `B` on laps 103, 113,
    121 and 133, PIT_TIME on the out-laps 104, 114, 122 and 134; the lead went to #46, #91, #87 and #78
    and came back each time, lap 147 last): one sentence, not four."""
    from stintlab.report.story import story

    race = load_corpus_race("lemans-2024")
    for lang, needle in (("en", "From hour 9 to hour 12"), ("fr", "De la 9e à la 12e heure")):
        sentences = story(race, "92", lang=lang)
        merged = [s for s in sentences if s["key"] == "lead_pit_cycles"]
        assert len(merged) == 3
        mid = next(s for s in merged if needle in s["text"])
        assert ("4 stops" if lang == "en" else "4 fois") in mid["text"]
        assert {103, 108, 114, 134, 147} <= set(mid["laps"])
        assert not any("_pit" in s for s in sentences)


@pytest.mark.corpus
def test_an_error_names_the_drivers_fia_category(load_corpus_race):
    """WG 2021 #18 (LMP2): lap 32 in 1:59.986 between 1:43.8 and 1:45.9 laps, Dwight Merriman driving,
    Bronze in the official classification (DRIVER1_LICENSE)."""
    from stintlab.report.story import story

    race = load_corpus_race("imsa-2021-6h-watkins-glen-international")
    en = [s for s in story(race, "18") if s["key"] == "incident" and s["laps"] == [32]]
    assert len(en) == 1 and "Dwight Merriman (Bronze)" in en[0]["text"]
    fr = [s for s in story(race, "18", lang="fr") if s["key"] == "incident" and s["laps"] == [32]]
    assert "pilotée par Dwight Merriman (Bronze)" in fr[0]["text"]


def test_story_command_in_french_has_a_french_heading(capsys, corpus):
    """``story --lang fr`` (short and --full) heads the French sentences with the race's French title:
    the race ran on 15 June 2024 (official-hourly/202406151600-race-hour-*.csv), so '15 juin 2024 · Course',
    not the English '15 June 2024 · Race'."""
    from conftest import lap_file
    from stintlab.cli import main

    for extra in ([], ["--full"]):
        assert main(["story", str(lap_file("lemans-2024")), "--car", "92", "--lang", "fr", *extra]) == 0
        heading = capsys.readouterr().out.splitlines()[0]
        assert "15 juin 2024" in heading and "Course" in heading and heading.endswith("#92"), heading
        assert "June" not in heading and "Race" not in heading, heading
