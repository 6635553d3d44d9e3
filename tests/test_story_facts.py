"""The story is told from structured facts: the car timeline's typed columns (checked against raw
rows read with the csv module), one fact list rendered in every language, no English description
read back, and a language catalog plugged in without touching the facts."""

from __future__ import annotations

import csv
import types

import pytest

from stintlab.report import sections
from stintlab.report.story import en as en_catalog
from stintlab.report.story import fr as fr_catalog
from stintlab.report.story import languages, render, story, story_facts, story_html

FACT_KINDS = {
    "start", "hour1", "lead", "lost_lead", "lead_swap", "lead_pit_cycles", "neutral", "stop", "incident", "finish",
    "best_lap",
}  # fmt: skip


def _raw_rows(name: str, car: str) -> list[dict]:
    """The car's rows of the raw Al Kamel file, header names stripped (csv module only)."""
    from conftest import lap_file

    with open(lap_file(name), encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))
    rows = [{k.strip(): (v or "").strip() for k, v in r.items() if k} for r in rows]
    return [r for r in rows if r["NUMBER"] == car]


def _clock(text: str) -> float:
    """'0:24:44.030' / '24:44.030' -> seconds, by hand."""
    parts = [float(p) for p in text.split(":")]
    secs = 0.0
    for p in parts:
        secs = secs * 60 + p
    return secs


# ------------------------------------------------------------------ typed event columns
def test_lemans_2024_92_events_carry_typed_facts(load_corpus_race):
    race = load_corpus_race("lemans-2024")
    raw = _raw_rows("lemans-2024", "92")
    by_lap = {int(r["LAP_NUMBER"]): r for r in raw}
    ev = sections.car_timeline(race, "92")
    # raw: lap 182 crossed in the pit lane (B) by Klaus BACHLER, lap 183 carries PIT_TIME 0:24:44.030
    assert by_lap[182]["CROSSING_FINISH_LINE_IN_PIT"] == "B"
    stop = ev[(ev["kind"] == "stop") & (ev["lap"] == 182)].iloc[0]
    assert stop["stop_kind"] == "garage"
    assert stop["pit_time"] == pytest.approx(_clock(by_lap[183]["PIT_TIME"]), abs=1e-6)
    assert stop["driver"] == by_lap[182]["DRIVER_NAME"] and stop["driver_out"] == by_lap[183]["DRIVER_NAME"]
    assert stop["laps_lost"] == pytest.approx(stop["time_lost"] / stop["reference"])
    # every stop of the car is an in-lap (B) of the raw file; its pit time the next row's PIT_TIME
    stops = ev[ev["kind"] == "stop"]
    assert len(stops) == sum(r["CROSSING_FINISH_LINE_IN_PIT"] == "B" for r in raw)
    for r in stops.itertuples():
        assert by_lap[r.lap]["CROSSING_FINISH_LINE_IN_PIT"] == "B"
        nxt = by_lap.get(r.lap + 1)
        if nxt is not None and nxt["PIT_TIME"]:
            assert r.pit_time == pytest.approx(_clock(nxt["PIT_TIME"]), abs=1e-6)
    # the class lead changes name the one other car, an LMGT3 car of the file
    gt3 = {r["NUMBER"] for r in _raw_rows_all("lemans-2024") if r["CLASS"] == "LMGT3"}
    leads = ev[ev["kind"].isin(["lead_gained", "lead_lost"])]
    assert len(leads) and all(len(x) == 1 and x[0] in gt3 and x[0] != "92" for x in leads["rivals"])
    # neutralisations: the phase kind is a flag some car crossed the line under during the phase
    # (raw FLAG_AT_FL codes: SF = safety car, FCY, RF = red flag; docs/domain.md)
    code = {"SF": "SC", "FCY": "FCY", "RF": "RED"}
    flags = {(code.get(r["FLAG_AT_FL"]), _clock(r["ELAPSED"])) for r in _raw_rows_all("lemans-2024")}
    phases = ev[ev["kind"] == "neutralisation"]
    assert len(phases) >= 3
    for p in phases[phases["phase_kind"] != "SZ"].itertuples():
        assert p.phase_start <= p.phase_end and p.race_time == p.phase_start
        assert any(f == p.phase_kind and p.phase_start <= t <= p.phase_end + 1 for f, t in flags), p
    # slow zones (no flag: green elsewhere): in the raw sector times, at least 8 passages of the zone's
    # sector ended inside it at 1.25 x or more of that car's median time in the sector
    zones = phases[phases["phase_kind"] == "SZ"]
    assert len(zones) >= 3 and zones["phase_sector"].notna().all()
    passages = _raw_sector_passages("lemans-2024")
    for p in zones.itertuples():
        k = int(p.phase_sector)
        slow = [x for s, x, r in passages if s == k and p.phase_start <= x <= p.phase_end and r >= 1.25]
        assert len(slow) >= 8, p
    # the finish: 273 laps (the raw last row), crossed on track
    fin = ev.iloc[-1]
    assert fin["kind"] == "finish" and fin["laps"] == max(by_lap) == 273 and not fin["in_pits"]
    assert ev.loc[ev["kind"] != "finish", "laps"].isna().all()


def _raw_rows_all(name: str) -> list[dict]:
    from conftest import lap_file

    with open(lap_file(name), encoding="utf-8-sig", newline="") as fh:
        return [{k.strip(): (v or "").strip() for k, v in r.items() if k} for r in csv.DictReader(fh, delimiter=";")]


def test_hand_built_retirement_in_the_pits_is_typed(tmp_path):
    import stintlab
    from test_web import TWO_CARS  # 007: 2 laps by Bob B, the 2nd crossed in the pit lane

    path = tmp_path / "two.csv"
    path.write_bytes(TWO_CARS)
    race = stintlab.load(path)
    ev = sections.car_timeline(race, "007")
    assert ev["kind"].iloc[0] == "start" and ev["driver"].iloc[0] == "Bob B"
    last = ev.iloc[-1]
    assert last["kind"] == "retired" and last["laps"] == 2 and bool(last["in_pits"])
    assert story(race, "007", "en")[-1]["text"] == "The #007 retired in the pits in hour 1, after 2 laps."


# ------------------------------------------------------------------ one fact list, every language
def test_english_and_french_are_the_same_facts(load_corpus_race, monkeypatch):
    race = load_corpus_race("lemans-2024")
    facts = story_facts(race, "92")
    assert {f.kind for f in facts} <= FACT_KINDS and len(facts) >= 10
    en, fr = render(facts, "en"), render(facts, "fr")
    assert en == story(race, "92", "en") and fr == story(race, "92", "fr")
    assert [(s["key"], s["laps"], s["race_time"]) for s in en] == [(s["key"], s["laps"], s["race_time"]) for s in fr]
    assert all(a["text"] != b["text"] for a, b in zip(en, fr, strict=True))
    # the garage stop fact holds the raw numbers, no words: PIT_TIME 0:24:44.030 of lap 183
    garage = [f for f in facts if f.kind == "stop" and f.lap == 182]
    assert len(garage) == 1 and garage[0].stop_kind == "garage" and garage[0].pit_time == pytest.approx(1484.03)
    # story() selects the facts once and only renders them
    calls = []
    real = story_facts

    def spy(r, c):
        calls.append(c)
        return real(r, c)

    import stintlab.report.story as story_pkg

    monkeypatch.setattr(story_pkg, "story_facts", spy)
    assert story_pkg.story(race, "92", "fr") == fr and calls == ["92"]


def test_rewording_the_english_description_does_not_change_any_story(load_corpus_race, monkeypatch):
    race = load_corpus_race("lemans-2024")
    before = {lang: story(race, "92", lang) for lang in ("en", "fr")}
    real = sections.car_timeline
    seen = []

    def reworded(r, car):
        ev = real(r, car).copy()
        # text that the old parsers would have read as a stop kind, a pit time, a rival and a clock
        ev["description"] = "Normal stop (pit 1.0 s) SC 0:00:01.000 to 0:00:02.000, lead to #999"
        seen.append(car)
        return ev

    monkeypatch.setattr(sections, "car_timeline", reworded)
    after = {lang: story(race, "92", lang) for lang in ("en", "fr")}
    assert seen == ["92", "92"]
    assert after == before
    assert not any("999" in s["text"] for s in after["fr"] + after["en"])


# ------------------------------------------------------------------ plugging in a language
def test_a_new_language_catalog_plugs_in_without_touching_the_facts(load_corpus_race, monkeypatch):
    race = load_corpus_race("lemans-2024")

    def sentence(f):
        return f"[{f.kind}] #{f.car} {f.cls}"

    tiny = types.SimpleNamespace(
        SENTENCES=dict.fromkeys(FACT_KINDS, sentence),
        ordinal=lambda n, feminine=True: f"{n}-a",
        duration=lambda s: f"{s:.0f} sek",
        laps_label=lambda laps: "rondoj " + "/".join(str(x) for x in laps),
        lap_time=lambda s: f"{s:.3f}",
    )
    monkeypatch.setitem(languages.CATALOGS, "eo", tiny)  # as register_language would, undone after the test
    s = story(race, "92", "eo")
    en = story(race, "92", "en")
    raw_class = _raw_rows("lemans-2024", "92")[0]["CLASS"]
    assert [x["text"] for x in s] == [f"[{x['key']}] #92 {raw_class}" for x in en]
    assert [(x["key"], x["laps"]) for x in s] == [(x["key"], x["laps"]) for x in en]
    assert "rondoj 182/183" in story_html(s, car="92", lang="eo")


def test_register_language_checks_the_catalog(monkeypatch):
    from stintlab.errors import StintlabUsageError

    monkeypatch.setattr(languages, "CATALOGS", dict(languages.CATALOGS))
    with pytest.raises(ValueError, match="lacks SENTENCES"):
        languages.register_language("xx", types.SimpleNamespace(ordinal=1, duration=1, laps_label=1, lap_time=1))
    languages.register_language("xx", en_catalog)
    assert languages.catalog("xx") is en_catalog
    with pytest.raises(StintlabUsageError, match=r"use en, fr or xx"):
        languages.catalog("de")


def test_built_in_catalogs_word_every_fact_kind():
    journal = {"headline", "moment", "hour_mark", "crew", "whatif", "pace"}  # the journalist's story (journal.py)
    assert set(en_catalog.SENTENCES) == set(fr_catalog.SENTENCES) == FACT_KINDS | journal


def test_events_command_prints_the_typed_columns(capsys, corpus):
    import json

    from conftest import lap_file
    from stintlab.cli import main

    assert main(["events", str(lap_file("lemans-2019")), "--car", "8", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    raw = {int(r["LAP_NUMBER"]): r for r in _raw_rows("lemans-2019", "8")}
    stops = [r for r in rows if r["kind"] == "stop"]
    # raw: every stop is a lap crossed in the pit lane (B); the pit time is on the next row
    assert [s["lap"] for s in stops] == sorted(n for n, r in raw.items() if r["CROSSING_FINISH_LINE_IN_PIT"] == "B")
    for s in stops:
        assert s["stop_kind"] in ("normal", "long", "garage", "final")
        if raw.get(s["lap"] + 1, {}).get("PIT_TIME"):
            assert s["pit_time"] == pytest.approx(_clock(raw[s["lap"] + 1]["PIT_TIME"]), abs=1e-3)
        assert s["driver_out"] == raw[s["lap"] + 1]["DRIVER_NAME"]
    assert rows[-1]["kind"] == "finish" and rows[-1]["laps"] == max(raw) and rows[-1]["in_pits"] is False
    assert all(isinstance(r["rivals"], list) for r in rows)


def _raw_sector_passages(race: str) -> list[tuple[int, float, float]]:
    """(sector, exit race time, time / the car's median in that sector) of every timed sector of the
    raw rows: a sector ends at the lap's start (ELAPSED - LAP_TIME) plus the sectors before it."""
    import statistics
    from collections import defaultdict

    rows = []
    for r in _raw_rows_all(race):
        try:
            el, lt = _clock(r["ELAPSED"]), _clock(r["LAP_TIME"])
            secs = [_clock(r[f"S{k}"]) for k in (1, 2, 3)]
        except (ValueError, KeyError):
            continue
        rows.append((r["NUMBER"], el - lt, secs))
    per = defaultdict(list)
    for car, _, secs in rows:
        for k, v in enumerate(secs, 1):
            per[(car, k)].append(v)
    med = {key: statistics.median(v) for key, v in per.items()}
    out = []
    for car, start, secs in rows:
        t = start
        for k, v in enumerate(secs, 1):
            t += v
            out.append((k, t, v / med[(car, k)]))
    return out
