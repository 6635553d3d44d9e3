"""stintlab against the raw-row oracle (tests/oracle.py: csv module only) on EVERY corpus race with a lap
file: the rows read, standings after every race hour (the official hourly convention) and at whole hours (order, laps, class positions, race time of
the crossing; and at one moment that is not a whole hour), the final order, finishers, stints and stops
per car."""

from __future__ import annotations

import pandas as pd
import pytest

from conftest import lap_file, lap_races
from oracle import read_race
from stintlab.analysis.classification import derive_classification, took_the_flag
from stintlab.analysis.standings import hourly_positions, race_hours, standings_after_hour, standings_at
from stintlab.analysis.stints import stints

pytestmark = pytest.mark.corpus

LAP_RACES = lap_races()


def _key(rows) -> list[tuple]:
    return [(r["car"], r["laps"], r["position"], r["class_position"], round(r["race_time"], 3), bool(r["in_pit"]))
            for r in rows]  # fmt: skip


def _frame_key(df) -> list[tuple]:
    return _key(df.to_dict("records"))


@pytest.mark.parametrize("name", LAP_RACES)
def test_every_raw_row_is_read(load_corpus_race, name):
    raw = read_race(lap_file(name))
    laps = load_corpus_race(name).laps
    assert raw.separator == load_corpus_race(name).meta["separator"]
    assert len(laps) == raw.rows
    assert list(dict.fromkeys(laps["car"])) == raw.cars  # car order of first appearance, numbers as strings
    want = sorted((c.car, c.lap, round(c.elapsed, 3), c.in_lap, c.pit_time, c.flag, c.cls, c.line)
                  for crossings in raw.laps.values() for c in crossings)  # fmt: skip
    got = sorted(
        (car, int(lap), round(float(el), 3), bool(b), pit == pit, None if pd.isna(flag) else flag, cls, int(line))
        for car, lap, el, b, pit, flag, cls, line in zip(
            laps["car"], laps["lap"], laps["elapsed"], laps["in_lap"], laps["pit_time"],
            laps["flag"].astype(object), laps["class"].astype(object), laps["line"], strict=True)
    )  # fmt: skip
    assert got == want


@pytest.mark.parametrize("name", LAP_RACES)
def test_standings_at_the_end_of_every_hour(load_corpus_race, name):
    raw = read_race(lap_file(name))
    laps = load_corpus_race(name).laps
    assert race_hours(laps) == raw.hours()
    hp = hourly_positions(laps)
    hours = raw.hours()
    for n in range(1, hours + 1):
        want = _key(raw.standings_after_hour(n))
        assert _frame_key(hp[hp["hour"] == n]) == want, (name, n)
        if n in (1, (hours + 1) // 2, hours):  # the public one-moment function too (every hour: too slow)
            assert _frame_key(standings_after_hour(laps, n)) == want, (name, n)
            assert _frame_key(standings_at(laps, n * 3600.0)) == _key(raw.standings_at(n * 3600.0)), (name, n)
    # a moment that is not a whole hour (as the official hourly files are: a few minutes after it)
    t = 3600.0 + 5 * 60 + 20.8
    assert _frame_key(standings_at(laps, t)) == _key(raw.standings_at(t)), name


@pytest.mark.parametrize("name", LAP_RACES)
def test_final_order_class_positions_and_finishers(load_corpus_race, name):
    raw = read_race(lap_file(name))
    race = load_corpus_race(name)
    final = raw.final_order()
    derived = derive_classification(race.laps)
    assert [(r["car"], r["laps"], r["class_position"], round(r["race_time"], 3)) for r in final] == [
        (c, int(n), int(k), round(float(t), 3))
        for c, n, k, t in zip(derived["car"], derived["laps"], derived["class_position"], derived["total_time"], strict=True)
    ]
    finishers = raw.finishers()
    assert finishers, name  # every corpus file is a finished race
    # took the flag: Running, or Not classified when short of the series' distance (tests/test_classified.py)
    assert set(derived.loc[derived["status"].isin(["Running", "Not classified"]), "car"]) == finishers
    flag = took_the_flag(race.laps)
    assert set(flag[flag].index) == finishers
    last_stints = stints(race.laps).groupby("car", sort=False).tail(1)
    assert set(last_stints.loc[last_stints["ended_by"] == "finish", "car"]) == finishers


@pytest.mark.parametrize("name", LAP_RACES)
def test_stints_and_stops_per_car(load_corpus_race, name):
    raw = read_race(lap_file(name))
    laps = load_corpus_race(name).laps
    st = stints(laps)
    assert st.groupby("car", sort=False).size().to_dict() == raw.stints_per_car()
    sp = load_corpus_race(name).stops
    counts = sp.groupby("car", sort=False).size().reindex(raw.cars, fill_value=0).to_dict()
    assert counts == raw.stops_per_car()
    # a stop without an out-lap is exactly a `B` on the car's last row
    no_out = set(sp.loc[sp["lap_out"].isna(), "car"])
    assert no_out == {car for car in raw.cars if raw.laps[car][-1].in_lap}
