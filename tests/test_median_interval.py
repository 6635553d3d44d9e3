"""The rank intervals of the medians (``median_clean``, ``index``: the default ranking) are the exact
order-statistic intervals of the median (issue #16, docs/metrics.md): [x(l), x(n+1-l)] with
coverage 1 - 2 P(Binomial(n, 1/2) <= l - 1) >= 90 %. Checked against binomial tables worked by hand,
against a float search over every rank, by the coverage actually reached when drawing laps from a real
race's lap times (Le Mans 2024 read with the csv module by tests/oracle.py), and on a real ranking:
every interval edge is one of the car's own lap times in the raw file."""

from __future__ import annotations

import math
import statistics

import numpy as np
import pytest

from conftest import lap_file
from oracle import read_race
from stintlab.analysis.rankings import CI_LEVEL, median_interval, median_interval_ranks

RACE = "lemans-2024"


def test_hand_worked_binomial_tables():
    # n = 11: C(11,0..3) = 1, 11, 55, 165; P(Bin <= 2) = 67/2048 = 0.0327 <= 0.05, P(Bin <= 3) = 232/2048 > 0.05
    assert median_interval_ranks(11) == (3, 9, 1 - 134 / 2048)
    # n = 10: P(Bin <= 1) = 11/1024 = 0.0107, P(Bin <= 2) = 56/1024 = 0.0547 > 0.05
    assert median_interval_ranks(10) == (2, 9, 1 - 22 / 1024)
    # n <= 4: even (min, max) covers less than 90 % (1 - 2/16 = 87.5 % at n = 4): the widest pair
    assert median_interval_ranks(4) == (1, 4, 0.875)
    assert median_interval_ranks(1) == (1, 1, 0.0)
    assert median_interval([100.0 + 0.2 * i for i in range(11)]) == (100.4, 101.6)  # x(3), x(9)
    assert median_interval([7.0, np.nan, 5.0]) == (5.0, 7.0)
    assert all(math.isnan(x) for x in median_interval([np.nan]))


def _ranks_by_float_search(n: int) -> int:
    """The largest l <= (n + 1) / 2 with 1 - 2 P(Bin(n, 1/2) <= l - 1) >= 90 % (1 if none), in floats."""
    best = 1
    for low in range(1, (n + 1) // 2 + 1):
        p = sum(math.comb(n, k) for k in range(low)) / 2.0**n
        if 1.0 - 2.0 * p >= CI_LEVEL - 1e-12:
            best = low
    return best


def test_ranks_agree_with_a_float_search():
    for n in list(range(1, 120)) + [250, 333, 500]:
        low, high, cover = median_interval_ranks(n)
        assert low == _ranks_by_float_search(n), n
        assert high == n + 1 - low
        assert cover >= CI_LEVEL or low == 1


def _green_laps(raw) -> list[float]:
    times = [
        c.lap_time for car in raw.cars for c in raw.laps[car] if c.lap_time is not None and not c.in_lap and c.lap > 1
    ]
    fast = min(times)
    return [t for t in times if t < 1.1 * fast]


@pytest.mark.parametrize("n", [11, 20, 60])
def test_coverage_on_real_lap_times(n):
    # population: the race's green laps within 10 % of the fastest (raw file); its median is known.
    pop = np.array(_green_laps(read_race(lap_file(RACE))))
    med = statistics.median(pop.tolist())
    rng = np.random.default_rng(7)
    hits = 0
    draws = 3000
    for _ in range(draws):
        lo, hi = median_interval(pop[rng.integers(0, len(pop), n)])
        hits += lo <= med <= hi
    _, _, cover = median_interval_ranks(n)
    # at least the stated coverage (3 binomial sd of slack); ties of ms lap times only add coverage
    sd = math.sqrt(cover * (1 - cover) / draws)
    assert hits / draws >= cover - 3 * sd, (n, hits / draws, cover)
    assert hits / draws >= CI_LEVEL - 3 * sd


def test_ranking_edges_are_the_cars_own_laps(load_corpus_race):
    race = load_corpus_race(RACE)
    raw = read_race(lap_file(RACE))
    crews = race.crew_rankings(by="median_clean")
    checked = 0
    for r in crews[crews["clean_laps"] >= 5].itertuples():
        own = {round(c.lap_time, 3) for c in raw.laps[r.car] if c.lap_time is not None}
        assert round(r.ci_low, 3) in own and round(r.ci_high, 3) in own, r.car
        assert r.ci_low <= r.value <= r.ci_high, r.car
        checked += 1
    assert checked >= 40
