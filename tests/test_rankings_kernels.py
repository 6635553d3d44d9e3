"""The numpy kernels behind the pace metrics and the rankings (issue #16) against plain Python on real laps.

- The resampled metrics (best 10, best 20 %, stint average, spread) draw their resamples once per lap
  count and share them between every driver with that many laps: each interval must still be the
  plain bootstrap of the documented draws (seed 0), whichever driver asked first.
- Means, medians, quartiles and best laps per driver (each driver's laps interleaved with his team-mates'
  in the table) and per car (consecutive rows), also when a lap time is missing and rows are shuffled,
  equal the standard library's figures over the same laps.
- Ranks, order, close calls and best performers of real rankings follow their definitions, recomputed
  here from the ranked values and intervals.

Lap times come from Le Mans 2024 read with the csv module (tests/oracle.py) and from the annotated laps
of real races (the ``clean`` column is annotate's, not the code under test)."""

from __future__ import annotations

import math
import statistics

import numpy as np
import pandas as pd
import pytest

from conftest import lap_file
from oracle import read_race
from stintlab.analysis.pace import car_metrics, driver_metrics
from stintlab.analysis.rankings import N_BOOT, _draws, best_performers, bootstrap_interval
from test_bootstrap_counts import _reference as plain_bootstrap  # the documented draws, one resample at a time

RACE = "lemans-2024"


def _best_k_mean(k_of):
    return lambda xs: math.fsum(sorted(xs)[: k_of(len(xs))]) / k_of(len(xs))


def _iqr(xs):
    q = statistics.quantiles(xs, n=4, method="inclusive")
    return q[2] - q[0]


STATS = {
    "best_10": _best_k_mean(lambda n: min(10, n)),
    "best_20pct": _best_k_mean(lambda n: max(1, math.ceil(0.2 * n))),
    "stint_avg": lambda xs: math.fsum(xs) / len(xs),
    "spread": _iqr,
}


def test_shared_draws_are_a_plain_bootstrap_for_every_driver_with_that_lap_count():
    raw = read_race(lap_file(RACE))
    laps = {}
    for car in raw.cars:
        times = [c.lap_time for c in raw.laps[car] if c.lap_time is not None and not c.in_lap and c.lap > 1]
        laps[car] = [t for t in times if t < 1.3 * min(times)] if times else []
    # cars cut to the same lap count: the second one reads the draws the first one made
    pairs = [(a, b) for a, b in zip(raw.cars[::2], raw.cars[1::2], strict=False) if min(len(laps[a]), len(laps[b])) >= 12]
    checked = 0
    for a, b in pairs[:8]:
        n = min(len(laps[a]), len(laps[b]), 60 + checked)  # a few different lap counts
        for car in (a, b):
            times = laps[car][:n]
            for metric, stat in STATS.items():
                got = bootstrap_interval(times, metric)
                want = plain_bootstrap(times, stat)
                assert got == pytest.approx(want, abs=1e-9), (car, metric)
        checked += 1
    assert checked >= 6
    assert not _draws(12, N_BOOT, 0).flags.writeable  # shared: nobody may change them


def _plain_figures(groups: dict) -> dict:
    """{key: (clean laps, best, median, mean, quartile spread)} over each group's finite lap times."""
    out = {}
    for key, times in groups.items():
        finite = [t for t in times if t == t]
        q = statistics.quantiles(finite, n=4, method="inclusive") if len(finite) > 1 else [finite[0]] * 3
        out[key] = (len(times), min(finite), statistics.median(finite), math.fsum(finite) / len(finite), q[2] - q[0])
    return out


def _assert_metrics(table: pd.DataFrame, keys: list[str], want: dict) -> None:
    assert len(want) > 0
    for row in table.itertuples(index=False):
        key = tuple(getattr(row, k) for k in keys)
        if key not in want:
            assert row.clean_laps == 0
            continue
        n, best, median, mean, spread = want[key]
        assert row.clean_laps == n, key
        assert row.best_lap == best and row.median_clean == median, key
        assert row.mean_clean == pytest.approx(mean, abs=1e-9) and row.spread == pytest.approx(spread, abs=1e-9), key


@pytest.mark.parametrize("shuffle", [False, True])
def test_driver_and_car_figures_equal_plain_python_on_real_laps(load_corpus_race, shuffle):
    race = load_corpus_race("lemans-2019")
    a = race.annotated
    clean = a[a["clean"].to_numpy(dtype=bool) & a["lap_time"].notna().to_numpy()].copy()
    clean["pace_index"] = 100.0
    clean["stint_keep"] = True
    if shuffle:  # rows out of order and a missing lap time: the paths pandas' own sums take
        clean = clean.sample(frac=1.0, random_state=3)
        clean.iloc[5, clean.columns.get_loc("lap_time")] = np.nan
    cars = clean["car"].to_numpy(dtype=object)
    drivers = clean["driver"].to_numpy(dtype=object)
    times = clean["lap_time"].to_numpy(dtype=float)
    by_driver: dict = {}
    by_car: dict = {}
    for c, d, t in zip(cars, drivers, times, strict=True):
        by_car.setdefault((c,), []).append(float(t))
        if d is not None and d is not pd.NA:
            by_driver.setdefault((c, d), []).append(float(t))
    _assert_metrics(driver_metrics(race.laps, clean), ["car", "driver"], _plain_figures(by_driver))
    _assert_metrics(car_metrics(race.laps, clean), ["car"], _plain_figures(by_car))


@pytest.mark.parametrize("name", ["imsa-2023-sebring-international-raceway", "lemans-2019"])
def test_ranks_order_close_calls_and_best_performers_follow_their_definitions(load_corpus_race, name):
    race = load_corpus_race(name)
    r = race.driver_rankings(by="best_lap")
    rows = r.to_dict("records")
    classes = list(dict.fromkeys(row["class"] for row in rows))
    for i, row in enumerate(rows):
        same_class = [o for o in rows if o["class"] == row["class"] and o["value"] == o["value"]]
        if row["value"] != row["value"]:
            assert pd.isna(row["class_rank"])
            continue
        assert row["class_rank"] == 1 + sum(o["value"] < row["value"] for o in same_class)
        if pd.isna(row["category"]):
            assert pd.isna(row["category_rank"])
        else:
            same_cat = [o for o in same_class if not pd.isna(o["category"]) and o["category"] == row["category"]]
            assert row["category_rank"] == 1 + sum(o["value"] < row["value"] for o in same_cat)
        later = [o for o in rows[i + 1 :] if o["class"] == row["class"] and o["value"] == o["value"]]
        assert row["close_to_next"] == (bool(later) and bool(row["ci_high"] >= later[0]["ci_low"]))
    # sorted by class in order of first appearance, then by rank
    keys = [(classes.index(row["class"]), row["class_rank"]) for row in rows if not pd.isna(row["class_rank"])]
    assert keys == sorted(keys)
    best = best_performers(r)
    for b in best.to_dict("records"):
        pool = [o for o in rows if o["class"] == b["class"] and not o["low_sample"] and o["value"] == o["value"]
                and ("unknown" if pd.isna(o["category"]) else o["category"]) == b["category"]]
        assert b["value"] == min(o["value"] for o in pool) and b["drivers"] == len(pool)
    if name.startswith("imsa"):
        assert {"Bronze", "Silver"} <= set(best["category"])


@pytest.mark.parametrize("name", ["lemans-2019", "imsa-2023-sebring-international-raceway"])
def test_clean_laps_car_and_driver_codes_are_what_factorize_gives(load_corpus_race, name):
    """clean_laps keeps the codes of its car and driver columns, derived from the lap table's: they must be
    the codes pd.factorize gives those columns (first appearance in the clean laps, -1 for no driver)."""
    from stintlab.analysis.context import codes
    from stintlab.analysis.pace import clean_laps

    race = load_corpus_race(name)
    clean = clean_laps(race.annotated)
    for column in ("car", "driver"):
        got, names = codes(clean, column)
        want, uniques = pd.factorize(clean[column].to_numpy(dtype=object))
        assert got.tolist() == want.tolist(), column
        assert list(names) == list(uniques), column
