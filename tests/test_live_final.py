"""Final state = classification: once the race is over, the live engine's board is the race's
classification (official when one is found beside the lap file, penalties included), not the line order.

Oracles: the official classification files read with the csv module (tests/oracle.py read_classification)
and the raw lap file's last crossings (read_race). Hand-checked fact: Le Mans 2023 #5 crossed the line a
329th time at 24:05:15.061 (lap file line 8146: LAP_NUMBER 329, lap time 33:06.490), 9th on the line, but the
official hour-24 classification (202306101600-race-hour-24-results.csv line 17) lists it 16th with 325
laps (4 laps deducted after the race: ../shared/data/README.md).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import stintlab
from conftest import CORPUS, _need_corpus, lap_file, lap_races
from oracle import final_hourly_classification, read_classification, read_race
from stintlab.live import LiveRace
from stintlab.live.replay import crossings, replay_states


@pytest.mark.parametrize("name", ["lemans-2023", "wec-2024-bahrain8h", "wec-2024-fuji6h"])
def test_replay_last_step_is_the_official_classification(name):
    path = lap_file(name)
    official = read_classification(final_hourly_classification(CORPUS / name / "official-hourly"))
    line = read_race(path).final_order()
    last = list(replay_states(stintlab.load(path), every=1e9))[-1]
    assert last.finished
    assert [r.car for r in last.standings] == [o["car"] for o in official]
    assert [r.laps for r in last.standings] == [o["laps"] for o in official]
    assert [r.position for r in last.standings] == [o["position"] for o in official]
    assert [(r.cls, r.class_position) for r in last.standings] == [(o["class"], o["class_position"]) for o in official]
    # gaps on the leader's lap are the differences of the official total times (penalties included)
    lead = official[0]["total_time"]
    for r, o in zip(last.standings, official):
        if o["laps"] == official[0]["laps"]:
            assert r.gap_laps == 0 and r.gap_s == pytest.approx(o["total_time"] - lead, abs=1e-3)
        else:
            assert r.gap_laps == official[0]["laps"] - o["laps"] and r.gap_s >= 0
    # the official result differs from the line order in these three races (penalties)
    assert [w["car"] for w in line] != [o["car"] for o in official]
    if name == "lemans-2023":
        on_line = {w["car"]: (w["position"], w["laps"]) for w in line}
        five = next(r for r in last.standings if r.car == "5")
        assert on_line["5"] == (9, 329) and (five.position, five.laps) == (16, 325)


def test_the_board_is_the_line_order_until_every_finisher_crossed():
    # Le Mans 2023: just before the chequered flag the race runs (line order of that moment, raw oracle);
    # at the winner's FF crossing it is over, but the others are still on their last lap: the board is the
    # classification derived from the crossings so far (the line order), not yet the official one
    path = lap_file("lemans-2023")
    race = stintlab.load(path)
    rows = crossings(race.laps)
    raw = read_race(path)
    first_ff = min(c.elapsed for cs in raw.laps.values() for c in cs if c.flag == "FF")
    k = sum(1 for r in rows if r["elapsed"] < first_ff)
    engine = LiveRace(classification=lambda: race.classification)
    engine.feed(rows[:k])
    state = engine.state()
    assert not state.finished
    assert [r.car for r in state.standings] == [w["car"] for w in raw.standings_at(rows[k - 1]["elapsed"])]
    engine.feed(rows[k : k + 1])
    state = engine.state()
    assert state.finished and rows[k]["flag"] == "FF"
    assert [(r.car, r.laps) for r in state.standings] == [(w["car"], w["laps"]) for w in raw.standings_at(first_ff)]
    engine.feed(rows[k + 1 :])
    official = read_classification(final_hourly_classification(CORPUS / "lemans-2023" / "official-hourly"))
    assert [(r.car, r.laps) for r in engine.state().standings] == [(o["car"], o["laps"]) for o in official]


OTHERS = {"nls-2025-nls1": "RENNEN_LAPS.CSV", "nls-2025-nls2": "RENNEN_LAPS.CSV",
          "gtwc-endurance-sro": "GTWCEU_GT3_R_SectorListCSV_1.0.CSV"}  # fmt: skip


@pytest.mark.parametrize("name", lap_races() + sorted(OTHERS))
def test_every_corpus_race_ends_at_its_classification(name):
    # the replay's last step is race.classification (official when found, else derived from the laps: NLS
    # official with its unranked cars last, SRO derived with two cars that never completed a lap);
    # and without an official table, the engine's classification from the cars' last crossings equals
    # the one the kernel derives from the whole lap table (race.derived_classification)
    _need_corpus()
    path = CORPUS / name / OTHERS[name] if name in OTHERS else lap_file(name)
    race = stintlab.load(path)
    last = list(replay_states(race, every=1e9))[-1]
    want = race.classification
    pos = pd.to_numeric(want["position"], errors="coerce").to_numpy(dtype=float)
    want = want.iloc[np.lexsort((np.arange(len(want)), np.where(np.isnan(pos), np.inf, pos)))]
    assert last.finished
    assert [r.car for r in last.standings] == want["car"].astype(str).tolist()
    assert [r.laps for r in last.standings] == want["laps"].astype(int).tolist()

    engine = LiveRace()
    engine.feed(race.laps)
    engine.end_of_feed()  # files without flags: the finish is told once no crossing can come
    mine, theirs = engine.classification(), race.derived_classification
    theirs = theirs[theirs["car"].isin(mine["car"])]  # SRO: cars without a lap are not in the lap table
    for col in ("car", "position", "class_position", "laps", "status_code", "took_flag", "classified"):
        assert mine[col].astype(str).tolist() == theirs[col].astype(str).tolist(), (name, col)
    # the raw-row oracle: the derived order is the line order
    if name not in OTHERS:  # Al Kamel files: the raw-row oracle's final order
        raw = read_race(path)
        assert [r.car for r in engine.standings()] == [w["car"] for w in raw.final_order()]


@pytest.mark.parametrize("name", ["lemans-2019", "wec-2019-spa6h"])
def test_a_race_without_flags_is_over_only_at_its_last_crossing(name):
    # no FLAG_AT_FL column: mid-race, about one moment in four looks like a finish to order.race_finished
    # (most cars last crossed after the leader); the replay calls the race over only at its last crossing,
    # where the board is the line order of the raw rows (no official classification beside these files)
    path = lap_file(name)
    raw = read_race(path)
    assert not raw.has_flags
    states = list(replay_states(stintlab.load(path), every=300.0))
    assert not any(s.finished for s in states[:-1])
    assert states[-1].finished
    assert [r.car for r in states[-1].standings] == [w["car"] for w in raw.final_order()]
    for s in states[:: len(states) // 5]:
        assert [r.car for r in s.standings] == [w["car"] for w in raw.standings_at(s.race_time)]


def test_end_of_feed_after_a_state_gives_the_final_board():
    # a source that says "no more crossings" after the last state was read (follow, a replay whose last
    # rows came in an earlier step): the board must then be the classification, not the line order kept
    # from that state. Le Mans 2023 fed without its flag column (as a file without flags); #5 is 9th on
    # the line with 329 laps, 16th with 325 in the official classification (module docstring)
    path = lap_file("lemans-2023")
    race = stintlab.load(path)
    official = read_classification(final_hourly_classification(CORPUS / "lemans-2023" / "official-hourly"))
    laps = race.laps.drop(columns=["flag"])
    engine = LiveRace(classification=lambda: race.classification)
    engine.feed(laps)
    before = engine.state()
    assert not before.finished
    assert next(r.position for r in before.standings if r.car == "5") == 9
    engine.end_of_feed()
    after = engine.state()
    assert after.finished
    assert [(r.car, r.laps) for r in after.standings] == [(o["car"], o["laps"]) for o in official]


@pytest.mark.parametrize("name", ["nls-2025-nls1", "nls-2025-nls2"])
def test_an_nls_replay_ends_at_the_wige_result_read_raw(name):
    # oracle without stintlab: RENNEN_RESULT.CSV read with the csv module (cp1252, ';'): the ranked cars in RANG
    # order with their RUNDEN, then the unranked ones (DSQ, DNS, ... : empty RANG) in any order
    import csv
    import io

    _need_corpus()
    text = (CORPUS / name / "RENNEN_RESULT.CSV").read_bytes().decode("cp1252")
    rows = [{k.strip(): (v or "").strip() for k, v in r.items() if k} for r in csv.DictReader(io.StringIO(text), delimiter=";", quoting=csv.QUOTE_NONE)]
    ranked = sorted((r for r in rows if r["RANG"]), key=lambda r: int(r["RANG"]))
    unranked = {r["STNR"] for r in rows if not r["RANG"]}
    last = list(replay_states(stintlab.load(CORPUS / name / "RENNEN_LAPS.CSV"), every=1e9))[-1]
    board = [(r.car, r.laps) for r in last.standings]
    assert last.finished and len(ranked) > 80
    assert board[: len(ranked)] == [(r["STNR"], int(r["RUNDEN"])) for r in ranked]
    assert {car for car, _ in board[len(ranked) :]} <= unranked


def test_each_steps_events_are_in_race_time_order():
    # a step's events were listed by detector (a long stop found late came after the finish); now in time order
    _need_corpus()
    states = list(replay_states(stintlab.load(lap_file("wec-2024-fuji6h")), every=600.0))
    times = [[e.race_time for e in s.events] for s in states]
    assert sum(map(len, times)) > 100
    assert all(t == sorted(t) for t in times)
