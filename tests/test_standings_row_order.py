"""Standings at a race time from a lap table whose rows are out of order (a hand-built or merged table,
a live feed appended out of order): each car's latest crossing at or before the moment counts, not its
last row in table order (analysis.order.last_rows_at, review of issue #16). Oracle: tests/oracle.py
(the csv module, every car's crossings sorted by lap) on a real race, the table's rows shuffled."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import lap_file
from oracle import read_race
from stintlab.analysis import final_standings, standings_at
from stintlab.analysis.order import last_rows_at

RACE = "wec-2019-spa6h"
KEYS = ("car", "laps", "position", "class_position", "race_time")


def rows(table) -> list[tuple]:
    return list(zip(*(table[k].tolist() for k in KEYS), strict=True))


@pytest.mark.parametrize("order", ["shuffled", "reversed", "by_time"])
def test_standings_at_from_rows_out_of_order_match_the_raw_rows(load_corpus_race, order):
    laps = load_corpus_race(RACE).laps
    raw = read_race(lap_file(RACE))
    n = len(laps)
    perm = {"shuffled": np.random.default_rng(16).permutation(n), "reversed": np.arange(n)[::-1],
            "by_time": np.argsort(laps["elapsed"].to_numpy(), kind="stable")}[order]  # fmt: skip
    table = laps.iloc[perm].reset_index(drop=True)
    for t in (1800.0, 3600.0, 3 * 3600.0, raw.end):
        want = [(r["car"], r["laps"], r["position"], r["class_position"], r["race_time"]) for r in raw.standings_at(t)]
        got = rows(standings_at(table, t))
        assert [g[:4] for g in got] == [w[:4] for w in want], (order, t)
        assert np.allclose([g[4] for g in got], [w[4] for w in want]), (order, t)
        picked = table.iloc[last_rows_at(table, t)]
        assert sorted(zip(picked["car"], picked["lap"])) == sorted((w[0], w[1]) for w in want)


@pytest.mark.parametrize("order", ["shuffled", "reversed"])
def test_final_standings_from_rows_out_of_order_match_the_raw_rows(load_corpus_race, order):
    """Each car's last crossing is its highest lap, wherever its row stands in the table."""
    laps = load_corpus_race(RACE).laps
    raw = read_race(lap_file(RACE))
    n = len(laps)
    perm = np.random.default_rng(16).permutation(n) if order == "shuffled" else np.arange(n)[::-1]
    table = laps.iloc[perm].reset_index(drop=True)
    want = [(r["car"], r["laps"], r["position"], r["class_position"]) for r in raw.final_order()]
    got = [g[:4] for g in rows(final_standings(table))]
    assert got == want
    assert len(want) == len(raw.cars)
