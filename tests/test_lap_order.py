"""A lap table whose rows are not in (car, lap) order — shuffled, reversed — gives the answers the raw file
gives (review finding: stints, spells, drive time, phases, stops and the time-loss account assumed each
car's rows together in lap order and answered wrongly otherwise, before and after issue #16). Oracle: the
raw rows read with the csv module (tests/oracle.py): stints per car = 1 + the car's ``B`` in-laps before
its last crossing; stops = its ``B`` rows, at their ELAPSED."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from conftest import lap_file
from oracle import read_race
from stintlab.analysis import annotate, drive_time, stints, stops
from stintlab.analysis.context import in_lap_order

RACE = "lemans-2024"


def _permuted(laps, how):
    n = len(laps)
    perm = np.random.default_rng(16).permutation(n) if how == "shuffled" else np.arange(n)[::-1]
    return laps.iloc[perm].reset_index(drop=True)


@pytest.mark.parametrize("how", ["shuffled", "reversed"])
def test_stints_and_stops_of_rows_out_of_order_match_the_raw_file(load_corpus_race, how):
    raw = read_race(lap_file(RACE))
    table = _permuted(load_corpus_race(RACE).laps, how)
    st = stints(table)
    assert dict(Counter(st["car"].astype(str))) == raw.stints_per_car()
    sp = stops(annotate(table))
    assert {c: n for c, n in raw.stops_per_car().items() if n} == dict(Counter(sp["car"].astype(str)))
    b_lap = {(c.car, c.lap): c.elapsed for cs in raw.laps.values() for c in cs if c.in_lap}
    got = {(str(c), int(lap)): t for c, lap, t in zip(sp["car"], sp["lap_in"], sp["race_time"], strict=True)}
    assert got.keys() == b_lap.keys()
    assert all(abs(got[k] - b_lap[k]) < 1e-3 for k in got)


@pytest.mark.parametrize("how", ["shuffled", "reversed"])
def test_drive_time_of_rows_out_of_order_sums_each_cars_raw_laps(load_corpus_race, how):
    """total_with_pits is the sum of a driver's lap times (pit stops included): over a car's drivers, the
    sum of the car's raw LAP_TIMEs."""
    raw = read_race(lap_file(RACE))
    want = {car: sum(c.lap_time for c in cs if c.lap_time is not None) for car, cs in raw.laps.items()}
    dt = drive_time(_permuted(load_corpus_race(RACE).laps, how))
    got = dt.groupby(dt["car"].astype(str))["total_with_pits"].sum().to_dict()
    assert got.keys() == want.keys()
    assert all(abs(got[k] - want[k]) < 1e-3 for k in got)


def test_a_table_in_lap_order_is_left_as_it_is(load_corpus_race):
    laps = load_corpus_race(RACE).laps
    assert in_lap_order(laps) is laps
    back = in_lap_order(_permuted(laps, "shuffled"))
    assert back[["car", "lap"]].values.tolist() == laps[["car", "lap"]].values.tolist()
