"""The story as a journalist writes it (``stintlab story``, default; ``--full`` is the chronological
account): headline, decisive moments ranked by what they cost, hourly marks, crew, what-if, pace.

Every position, lap count, lap number and pit time asserted here is computed from the raw Al Kamel
rows with the csv module (tests/oracle.py: standings at a crossing, the official hour-N
convention), never from stintlab. Le Mans 2024 #92 and Le Mans 2023 #33, in English and French.
"""

from __future__ import annotations

import csv
import json
import re

import pytest

from conftest import lap_file
from oracle import parse_time, read_race
from stintlab.report.story import journalist_story

NBSP, NNBSP = "\u00a0", "\u202f"


# ------------------------------------------------------------------ raw-row helpers (csv only)
def _raw(name: str, car: str) -> dict[int, dict]:
    """The car's raw rows by lap number, header names stripped."""
    with open(lap_file(name), encoding="utf-8-sig", newline="") as fh:
        rows = [{k.strip(): (v or "").strip() for k, v in r.items() if k} for r in csv.DictReader(fh, delimiter=";")]
    return {int(r["LAP_NUMBER"]): r for r in rows if r["NUMBER"] == car}


def _cpos(name: str, car: str, lap: int) -> int:
    """Class position of ``car`` just after its crossing of ``lap`` (oracle standings at that ELAPSED)."""
    rr = read_race(lap_file(name))
    t = next(c.elapsed for c in rr.laps[car] if c.lap == lap)
    return next(r["class_position"] for r in rr.standings_at(t) if r["car"] == car)


def _final(name: str, car: str) -> dict:
    return next(r for r in read_race(lap_file(name)).final_order() if r["car"] == car)


def _hour_marks(name: str, car: str) -> dict[int, tuple[int, int]]:
    """hour -> (class position, laps) at the official hour-N mark (oracle convention)."""
    rr = read_race(lap_file(name))
    return {
        h: next((r["class_position"], r["laps"]) for r in rr.standings_after_hour(h) if r["car"] == car)
        for h in range(1, 25)
    }


def _lap_chart_leader(name: str, cls: str, lap: int) -> str:
    """The class leader on the lap chart after ``lap``: the car of the class that crossed the line
    at the end of its lap ``lap`` first (raw ELAPSED)."""
    rr = read_race(lap_file(name))
    crossings = [(c.elapsed, car) for car in rr.cars for c in rr.laps[car] if c.lap == lap and c.cls == cls]
    return min(crossings)[1]


def _en(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def _fr(n: int) -> str:
    return "1re" if n == 1 else f"{n}e"


def _mmss(seconds: float) -> str:
    m, s = divmod(int(round(seconds)), 60)
    return f"{m} min {s:02d} s"


def _drivers(raw: dict[int, dict]) -> list[str]:
    """The crew in DRIVER_NUMBER order (raw column)."""
    by_no = {int(r["DRIVER_NUMBER"]): r["DRIVER_NAME"] for r in raw.values()}
    return [by_no[k] for k in sorted(by_no)]


@pytest.fixture(scope="module")
def lm24():
    from conftest import _cached_race, _need_corpus

    _need_corpus()
    race = _cached_race("lemans-2024")
    return {lang: journalist_story(race, "92", lang) for lang in ("en", "fr")}


@pytest.fixture(scope="module")
def lm23():
    from conftest import _cached_race, _need_corpus

    _need_corpus()
    race = _cached_race("lemans-2023")
    return {lang: journalist_story(race, "33", lang) for lang in ("en", "fr")}


def _one(sentences, key):
    got = [s for s in sentences if s["key"] == key]
    assert len(got) == 1, (key, [s["key"] for s in sentences])
    return got[0]


def _moment_positions(name, car, s) -> tuple[int, int]:
    """The raw class positions before and after a moment: at the car's crossing before its first
    lap and at its last lap (for a stop: the lap before the in-lap and the out-lap)."""
    return _cpos(name, car, s["laps"][0] - 1), _cpos(name, car, s["laps"][-1])


# ------------------------------------------------------------------ Le Mans 2024, car #92
def test_lemans_2024_92_shape(lm24):
    for lang in ("en", "fr"):
        s = lm24[lang]
        assert 5 <= len(s) <= 12
        assert s[0]["key"] == "headline"
        moments = [x for x in s if x["key"] == "moment"]
        assert 3 <= len(moments) <= 6 and [m["rank"] for m in moments] == list(range(1, len(moments) + 1))
        assert [x["key"] for x in s] == ["headline"] + ["moment"] * len(moments) + ["hour_mark", "crew", "whatif", "pace"]


def test_lemans_2024_92_headline_against_raw_rows(lm24):
    raw, fin = _raw("lemans-2024", "92"), _final("lemans-2024", "92")
    assert (fin["class_position"], fin["position"], fin["laps"]) == (14, 41, 273)
    # the costliest stop in the raw rows: the B lap with the longest in-lap + out-lap
    stops = [lap for lap, r in raw.items() if r["CROSSING_FINISH_LINE_IN_PIT"] == "B" and lap + 1 in raw]
    worst = max(stops, key=lambda lap: parse_time(raw[lap]["LAP_TIME"]) + parse_time(raw[lap + 1]["LAP_TIME"]))
    assert worst == 182 and raw[183]["PIT_TIME"] == "0:24:44.030"
    hour = int(parse_time(raw[182]["ELAPSED"]) // 3600) + 1
    before, after = _cpos("lemans-2024", "92", 181), _cpos("lemans-2024", "92", 183)
    en = lm24["en"][0]["text"]
    m = re.fullmatch(
        rf"The #92 finished {_en(14)} in LMGT3 \({_en(41)} overall\) after 273 laps; what decided it: a garage stop "
        rf"on lap {worst} \(in hour {hour}\) that cost 25 min (\d\d) s and dropped it from {_en(before)} to {_en(after)}\.",
        en,
    )
    assert m, en
    # cost = in-lap + out-lap - 2 x the car's green lap around it (raw laps 180-181, 184-188)
    inout = parse_time(raw[182]["LAP_TIME"]) + parse_time(raw[183]["LAP_TIME"])
    green = [parse_time(raw[lap]["LAP_TIME"]) for lap in (180, 181, 184, 185, 186, 187, 188)]
    assert inout - 2 * max(green) - 1 <= 25 * 60 + int(m.group(1)) <= inout - 2 * min(green) + 1
    fr = lm24["fr"][0]["text"]
    assert fr == (
        f"La n°92 termine 14e de la catégorie LMGT3 (41e au général) après 273{NBSP}tours{NNBSP}; le tournant{NBSP}: "
        f"un passage au garage au tour 182 (à la {_fr(hour)} heure), qui lui a coûté 25{NBSP}min {m.group(1)}{NBSP}s "
        f"et l'a fait passer de la {_fr(before)} à la {_fr(after)} place."
    )


def test_lemans_2024_92_moments_against_raw_rows(lm24):
    raw = _raw("lemans-2024", "92")
    moments = [x for x in lm24["en"] if x["key"] == "moment"]
    fr = [x for x in lm24["fr"] if x["key"] == "moment"]
    assert [m["laps"] for m in moments] == [m["laps"] for m in fr]  # the same facts in both languages
    assert [(m["of"], m["laps"][0]) for m in moments] == [
        ("stop", 182), ("stop", 246), ("neutral", 93), ("neutral", 192), ("lead", 75),
    ]  # fmt: skip
    for m, f in zip(moments, fr, strict=True):
        if m["of"] == "lead":  # raw lap chart: #46 first of LMGT3 over the line after lap 74, #92 after lap 75
            lap = m["laps"][0]
            assert _lap_chart_leader("lemans-2024", "LMGT3", lap - 1) == "46"
            assert _lap_chart_leader("lemans-2024", "LMGT3", lap) == "92"
            hour = int(parse_time(raw[lap]["ELAPSED"]) // 3600) + 1
            assert m["text"] == f"In hour {hour}, the #92 took the LMGT3 lead from #46."
            assert f["text"] == f"À la {_fr(hour)} heure, la n°92 prend la tête de la catégorie LMGT3 aux dépens de la n°46."
            continue
        b, a = _moment_positions("lemans-2024", "92", m)
        if a != b:
            assert f"from {_en(b)} to {_en(a)} in LMGT3" in m["text"], m["text"]
            assert f"de la {_fr(b)} à la {_fr(a)} place" in f["text"], f["text"]
        else:
            assert f"kept {_en(a)} in LMGT3" in m["text"] and f"conserve sa {_fr(a)} place" in f["text"]
        if m["of"] == "stop":  # in-lap B, PIT_TIME on the out-lap
            lap_in = m["laps"][0]
            assert raw[lap_in]["CROSSING_FINISH_LINE_IN_PIT"] == "B"
            pit = _mmss(parse_time(raw[lap_in + 1]["PIT_TIME"]))
            assert f"a garage stop of {pit} (lap {lap_in})" in m["text"]
            pit_fr = pit.replace(" min ", f"{NBSP}min ").replace(" s", f"{NBSP}s")
            assert f"un passage au garage de {pit_fr} (tour {lap_in})" in f["text"], f["text"]
        else:  # pitted under the safety car: the B lap named is a raw in-lap inside the moment's laps
            pit = int(re.search(r"pitted \(lap (\d+)\)", m["text"]).group(1))
            assert raw[pit]["CROSSING_FINISH_LINE_IN_PIT"] == "B" and pit in m["laps"]
    # ranked by what they cost: the 6-lap garage stop, the 2-lap one, then by class positions moved (10, then 2)
    moved = [abs(b - a) for b, a in (_moment_positions("lemans-2024", "92", m) for m in moments[2:4])]
    assert moved == sorted(moved, reverse=True) == [10, 2]  # then the lead taken: one place
    assert "about 6 laps" in moments[0]["text"] and "about 2 laps" in moments[1]["text"]


def test_lemans_2024_92_hour_mark_crew_whatif_pace(lm24):
    raw, marks = _raw("lemans-2024", "92"), _hour_marks("lemans-2024", "92")
    last_lead = max(h for h, (p, _) in marks.items() if p == 1)
    assert last_lead == 16 and all(marks[h][0] > 1 for h in range(17, 25))
    assert _one(lm24["en"], "hour_mark")["text"] == f"It was still leading LMGT3 after 16 hours ({marks[16][1]} laps)."
    assert _one(lm24["fr"], "hour_mark")["text"] == (
        f"Après 16 heures, elle menait encore la catégorie LMGT3 ({marks[16][1]}{NBSP}tours)."
    )
    crew = _one(lm24["en"], "crew")["text"]
    drivers = _drivers(raw)
    assert len(drivers) == 3 and all(d in crew for d in drivers)
    assert crew.index(drivers[0]) < crew.index(drivers[1]) < crew.index(drivers[2])
    w = _one(lm24["en"], "whatif")
    m = re.fullmatch(r"Without the lap-182 garage stop it would most likely have finished (\d+)\w\w in LMGT3, not 14th: "
                     r"(\d+)% of 200 replays\.", w["text"])  # fmt: skip
    assert m and int(m.group(1)) < 14 and 0 < int(m.group(2)) <= 100
    wf = _one(lm24["fr"], "whatif")["text"]
    assert wf.startswith("Sans le passage au garage du tour 182, elle aurait le plus probablement terminé ")
    assert f"et non 14e{NBSP}: {m.group(2)}{NNBSP}% des 200 simulations." in wf
    pace = _one(lm24["en"], "pace")["text"]
    assert all(d in pace for d in drivers) and "of the 68 drivers" not in pace


def test_lemans_2024_92_story_json_keys(capsys, corpus):
    from stintlab.cli import main

    assert main(["story", str(lap_file("lemans-2024")), "--car", "92", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["sentences"][0]["key"] == "headline" and data["headline"] == data["sentences"][0]["text"]
    assert data["whatif"] == next(s["text"] for s in data["sentences"] if s["key"] == "whatif")
    assert len(data["sentences"]) <= 12 and data["full"] is False
    assert main(["story", str(lap_file("lemans-2024")), "--car", "92", "--json", "--full"]) == 0
    full = json.loads(capsys.readouterr().out)
    assert full["sentences"][0]["key"] == "start" and len(full["sentences"]) > 12 and "headline" not in full


# ------------------------------------------------------------------ Le Mans 2023, car #33
def test_lemans_2023_33_headline_and_hour_mark_against_raw_rows(lm23):
    fin, marks = _final("lemans-2023", "33"), _hour_marks("lemans-2023", "33")
    assert (fin["class_position"], fin["position"], fin["laps"]) == (1, 26, 313)
    # led at every official hourly mark from hour N on, not at hour N - 1
    n = min(h for h in range(1, 25) if all(marks[k][0] == 1 for k in range(h, 25)))
    assert n == 21 and marks[20][0] == 3
    s = lm23["en"]
    assert s[0]["key"] == "headline" and len(s) <= 12
    assert s[0]["text"] == f"The #33 won LMGTE Am ({_en(26)} overall) with 313 laps, leading at every hourly mark from hour {n} on."
    assert lm23["fr"][0]["text"] == (
        f"La n°33 remporte la catégorie LMGTE Am (26e au général) en 313{NBSP}tours, "
        f"en tête à chaque pointage horaire depuis la {_fr(n)} heure."
    )
    assert _one(s, "hour_mark")["text"] == f"After {n - 1} hours it was still only {_en(marks[n - 1][0])} in LMGTE Am."
    assert _one(lm23["fr"], "hour_mark")["text"] == (
        f"Après {n - 1} heures, elle n'était encore que {_fr(marks[n - 1][0])} de la catégorie LMGTE Am."
    )
    # a class winner: no stop or incident replayed away would have won it more
    assert not [x for x in s if x["key"] == "whatif"]


def test_lemans_2023_33_moments_against_raw_rows(lm23):
    raw = _raw("lemans-2023", "33")
    moments = [x for x in lm23["en"] if x["key"] == "moment"]
    fr = [x for x in lm23["fr"] if x["key"] == "moment"]
    assert 3 <= len(moments) <= 6 and [m["laps"] for m in moments] == [m["laps"] for m in fr]
    assert [(m["of"], m["laps"][0]) for m in moments][:2] == [("stop", 17), ("stop", 71)]
    for m, f in zip(moments, fr, strict=True):
        b, a = _moment_positions("lemans-2023", "33", m)
        if m["of"] == "incident":  # lap 29: Ben KEATING at the wheel in the raw row; it gained places meanwhile
            lap = m["laps"][0]
            assert raw[lap]["DRIVER_NAME"] in m["text"] and f"(lap {lap})" in m["text"] and a <= b
            continue
        if a != b:
            assert f"from {_en(b)} to {_en(a)} in LMGTE Am" in m["text"], m["text"]
            assert f"de la {_fr(b)} à la {_fr(a)} place" in f["text"], f["text"]
        else:
            assert f"kept {_en(a)} in LMGTE Am" in m["text"], m["text"]
    # lap 17: B lap, PIT_TIME 0:09:45.208 on lap 18, 2nd -> 21st in class (raw standings)
    assert raw[17]["CROSSING_FINISH_LINE_IN_PIT"] == "B" and raw[18]["PIT_TIME"] == "0:09:45.208"
    assert "a garage stop of 9 min 45 s (lap 17)" in moments[0]["text"] and "about 3 laps" in moments[0]["text"]
    assert "passage au garage de 9\u00a0min 45\u00a0s (tour 17)" in fr[0]["text"]
    # lap 71: B lap, PIT_TIME 0:01:23.490 on lap 72, after a 6:46.565 in-lap (4:28.901 the lap before last)
    assert raw[71]["CROSSING_FINISH_LINE_IN_PIT"] == "B" and raw[72]["PIT_TIME"] == "0:01:23.490"
    assert "before a stop of 1 min 23 s" in moments[1]["text"] and "Nicolas VARRONE" in moments[1]["text"]
    assert raw[71]["DRIVER_NAME"] == "Nicolas VARRONE"
    # the rest are ranked by class positions moved, largest first
    moved = [abs(b - a) for b, a in (_moment_positions("lemans-2023", "33", m) for m in moments[2:])]
    positional = [x for x, m in zip(moved, moments[2:], strict=True) if m["of"] != "incident"]
    assert positional == sorted(positional, reverse=True)


def test_lemans_2023_33_crew_and_pace(lm23):
    drivers = _drivers(_raw("lemans-2023", "33"))
    for lang in ("en", "fr"):
        crew = _one(lm23[lang], "crew")["text"]
        pace = _one(lm23[lang], "pace")["text"]
        assert all(d in crew and d in pace for d in drivers)


# ------------------------------------------------------------------ French typography
def test_french_typography(lm24, lm23):
    for s in lm24["fr"] + lm23["fr"]:
        t = s["text"]
        assert not re.search(r" [:;?!%]", t), t  # no ordinary space before : ; ? ! %
        assert not re.search(r"\d \b(?:h|min|s|tours?)\b", t), t  # a number stays with its unit
        assert not re.search(r"\d\.\d", t), t  # decimal comma
        assert not re.search(r"\b\d+(?:st|nd|rd|th)\b", t), t  # 3e, not 3rd
    for s in lm24["en"] + lm23["en"]:
        assert NBSP not in s["text"] and NNBSP not in s["text"]


def test_a_class_winner_gets_no_what_if(load_corpus_race):
    """Sebring 2024 #40 won the race: nothing could have made it finish better, so no replay is told
    (the replay of an FCY counted as a normal green stop once put it 8th, a model artefact)."""
    from stintlab.report.story import story

    race = load_corpus_race("imsa-2024-sebring-international-raceway")
    assert race.standings()["car"].iat[0] == "40"
    for lang in ("en", "fr"):
        assert not [s for s in story(race, "40", lang=lang) if s["key"] == "whatif"]


def test_lemans_2024_92_garage_stop_names_the_passing_cars_once(lm24):
    # lap 182: the cars that passed #92 also put a lap on it: the sentence lists them once ("each of them"),
    # the French too; which cars passed is the class order before and after (raw rows, checked above)
    en = next(m["text"] for m in lm24["en"] if m["key"] == "moment" and m["laps"][0] == 182)
    fr = next(m["text"] for m in lm24["fr"] if m["key"] == "moment" and m["laps"][0] == 182)
    assert "passed by #91" in en and en.count("#91") == 1 and en.endswith("and lost a lap to each of them.")
    assert fr.count("n°91") == 1 and fr.endswith("elle concède un tour à chacune d'elles."), fr


def test_a_winner_that_led_only_at_the_finish_is_not_said_to_lead_from_the_last_hour(corpus):
    # Sebring 2024 #40 (raw rows: 333 laps, the most) led GTP at the final mark only (the raw oracle's hourly
    # standings), so the headline does not say "leading at every hourly mark from hour 12 on"
    from conftest import _cached_race

    name = "imsa-2024-sebring-international-raceway"
    rr = read_race(lap_file(name))
    marks = {h: next(r["class_position"] for r in rr.standings_after_hour(h) if r["car"] == "40") for h in range(1, 13)}
    assert marks[12] == 1 and marks[11] != 1 and _final(name, "40")["laps"] == 333
    s = journalist_story(_cached_race(name), "40", "en")
    head = _one(s, "headline")["text"]
    assert head.startswith("The #40 won the race, and GTP, with 333 laps") and "hourly mark" not in head, head
    assert _one(s, "hour_mark")["text"] == f"After 11 hours it was still only {_en(marks[11])} in GTP."
