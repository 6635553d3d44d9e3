"""Every car's timeline from one race-wide part (race.events, analysis.race_timeline) and the time-loss
account, checked on whole real races against the raw rows read with the csv module (tests/oracle.py):
class positions around the stops, class lead changes on the lap chart, stops per car."""

from __future__ import annotations

import pytest

from conftest import lap_file
from oracle import read_race

pytestmark = pytest.mark.corpus


def _standings(raw, cache: dict, t: float) -> dict:
    """car -> (position, class_position) after every car's last crossing at or before ``t`` (oracle)."""
    if t not in cache:
        cache[t] = {r["car"]: (r["position"], r["class_position"]) for r in raw.standings_at(t)}
    return cache[t]


@pytest.mark.parametrize("name", ["lemans-2019", "lemans-2024"])
def test_every_cars_positions_around_its_first_stops_are_the_raw_standings(load_corpus_race, name):
    race, raw = load_corpus_race(name), read_race(lap_file(name))
    cache: dict = {}
    checked = 0
    for car in raw.cars:
        ev = race.events(car)
        at = {c.lap: c.elapsed for c in raw.laps[car]}
        stops = ev[ev["kind"] == "stop"].head(2)  # the oracle is a plain loop: two stops a car
        for lap, before, cbefore, after, cafter in zip(
            stops["lap"], stops["position_before"], stops["class_position_before"], stops["position_after"],
            stops["class_position_after"], strict=True,
        ):  # fmt: skip
            if lap - 1 in at:  # before: the crossing that ends the lap before the in-lap
                assert (before, cbefore) == _standings(raw, cache, at[lap - 1])[car], (car, lap)
            if lap + 1 in at:  # after: the out-lap's crossing
                assert (after, cafter) == _standings(raw, cache, at[lap + 1])[car], (car, lap)
            checked += 1
        end = ev.iloc[-1]  # after the last crossing: the car's final place
        assert (end["position_after"], end["class_position_after"]) == _standings(raw, cache, raw.laps[car][-1].elapsed)[car]
    assert checked > 100 and len(cache) > 200


def _raw_lead_changes(raw) -> dict[str, list[tuple[int, str, str]]]:
    """Per class: (lap, new leader, previous leader) where the first car to complete a lap (the lap
    chart's class leader) is not the one that led the lap before."""
    first: dict[tuple[str, int], tuple[float, int, str]] = {}
    for car in raw.cars:
        for c in raw.laps[car]:
            key = (c.cls, c.lap)
            if key not in first or (c.elapsed, c.line) < first[key][:2]:
                first[key] = (c.elapsed, c.line, car)
    out: dict[str, list] = {}
    for cls in {k[0] for k in first}:
        leaders = [(lap, first[(c, lap)][2]) for c, lap in sorted(k for k in first if k[0] == cls)]
        out[cls] = [(lap, car, prev) for (_, prev), (lap, car) in zip(leaders, leaders[1:]) if car != prev]
    return out


def test_every_cars_class_lead_changes_are_the_raw_lap_charts(load_corpus_race):
    race, raw = load_corpus_race("lemans-2019"), read_race(lap_file("lemans-2019"))
    changes = _raw_lead_changes(raw)
    assert len(changes["LMP1"]) >= 2 and sum(len(v) for v in changes.values()) >= 20
    for car in raw.cars:
        ev = race.events(car)
        mine = changes[raw.class_of(car)]
        gained = ev[ev["kind"] == "lead_gained"]
        lost = ev[ev["kind"] == "lead_lost"]
        assert list(zip(gained["lap"], gained["rivals"], strict=True)) == [(lap, [prev]) for lap, new, prev in mine if new == car]
        assert list(zip(lost["lap"], lost["rivals"], strict=True)) == [(lap, [new]) for lap, new, prev in mine if prev == car]


@pytest.mark.parametrize("name", ["lemans-2019", "lemans-2024"])
def test_time_loss_counts_every_cars_in_laps_as_stops(load_corpus_race, name):
    acc = load_corpus_race(name).time_loss.set_index("car")
    raw = read_race(lap_file(name))
    assert sorted(acc.index) == sorted(raw.cars)
    assert {car: int(acc.at[car, "stops"]) for car in raw.cars} == raw.stops_per_car()
    assert {car: acc.at[car, "class"] for car in raw.cars} == {car: raw.laps[car][0].cls for car in raw.cars}
