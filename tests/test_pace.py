"""Pace metrics and rankings: hand-built laps with known answers, and real Le Mans / IMSA races."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from stintlab.analysis.pace import INDEX_WINDOW, MIN_CLEAN_LAPS, clean_laps, driver_metrics, k_best_20, lap_index
from stintlab.analysis.rankings import (
    best_performers,
    bootstrap_interval,
    crew_rankings,
    driver_rankings,
    metric_leaders,
)
from stintlab.errors import StintlabUsageError


def _laps(rows):
    """rows: (car, driver, class, lap_time, elapsed[, s1, s2, s3, clean, stint])"""
    recs = []
    for r in rows:
        car, drv, cls, lt, el = r[:5]
        s1, s2, s3 = r[5:8] if len(r) >= 8 else (lt * 0.3, lt * 0.4, lt * 0.3)
        clean = r[8] if len(r) >= 9 else True
        stint = r[9] if len(r) >= 10 else 1
        recs.append({"car": car, "driver": drv, "class": cls, "lap_time": float(lt), "elapsed": float(el),
                     "s1": s1, "s2": s2, "s3": s3, "clean": clean, "stint": stint})  # fmt: skip
    return pd.DataFrame(recs)


def test_best_10_best_20pct_median_spread_by_hand():
    # 15 clean laps 100..114 s: best_10 = mean(100..109) = 104.5; k = ceil(0.2*15) = 3 -> mean(100,101,102) = 101
    times = list(range(114, 99, -1))
    laps = _laps([("1", "A", "X", t, 200.0 * i) for i, t in enumerate(times, start=1)])
    m = driver_metrics(laps, clean_laps(laps)).iloc[0]
    assert m["clean_laps"] == 15
    assert m["best_lap"] == 100.0
    assert m["best_10"] == pytest.approx(104.5) and m["best_10_n"] == 10
    assert m["best_20pct"] == pytest.approx(101.0) and m["best_20pct_k"] == 3
    assert m["median_clean"] == 107.0
    # IQR of 100..114: quantiles (linear) 103.5 and 110.5
    assert m["spread"] == pytest.approx(7.0)
    assert not m["low_sample"]


def test_ideal_lap_takes_best_sector_of_different_laps():
    laps = _laps([
        ("1", "A", "X", 100.0, 100.0, 30.0, 40.0, 30.0),
        ("1", "A", "X", 100.5, 200.5, 29.5, 41.0, 30.0),
        ("1", "A", "X", 101.0, 301.5, 31.0, 39.0, 31.0),
        ("1", "A", "X", 99.0, 400.5, 30.0, 39.5, 29.5),
    ])  # fmt: skip
    m = driver_metrics(laps, clean_laps(laps)).iloc[0]
    assert m["ideal_lap"] == pytest.approx(29.5 + 39.0 + 29.5)
    assert m["best_lap"] == 99.0
    assert m["low_sample"]  # 4 < MIN_CLEAN_LAPS


def test_unclean_laps_are_ignored_but_driver_is_kept():
    laps = _laps([
        ("1", "A", "X", 90.0, 90.0, 27.0, 36.0, 27.0, False),  # e.g. an in-lap shortcut: not clean
        ("1", "A", "X", 100.0, 190.0, 30.0, 40.0, 30.0, True),
        ("2", "B", "X", 101.0, 101.0, 30.0, 40.0, 31.0, False),
    ])  # fmt: skip
    m = driver_metrics(laps, clean_laps(laps)).set_index("driver")
    assert m.at["A", "best_lap"] == 100.0 and m.at["A", "clean_laps"] == 1
    assert m.at["B", "clean_laps"] == 0 and math.isnan(m.at["B", "best_lap"])


def test_stint_average_drops_laps_10pct_above_stint_mean():
    # stint 1: 100, 100, 100, 140 -> mean 110, limit 121 -> 140 dropped; stint 2: 102, 104 kept
    laps = _laps([
        ("1", "A", "X", 100.0, 100.0, 30, 40, 30, True, 1),
        ("1", "A", "X", 100.0, 200.0, 30, 40, 30, True, 1),
        ("1", "A", "X", 100.0, 300.0, 30, 40, 30, True, 1),
        ("1", "A", "X", 140.0, 440.0, 30, 40, 70, True, 1),
        ("1", "A", "X", 102.0, 600.0, 30, 40, 32, True, 2),
        ("1", "A", "X", 104.0, 704.0, 30, 40, 34, True, 2),
    ])  # fmt: skip
    m = driver_metrics(laps, clean_laps(laps)).iloc[0]
    assert m["stint_avg"] == pytest.approx((100 * 3 + 102 + 104) / 5)
    assert m["stint_avg_n"] == 5


def test_index_compares_with_same_class_laps_in_the_window():
    # class X around t=1000 s: cars 1, 2, 3 lap in 100, 110, 120 s -> reference = median 110 s;
    # class Y (one slow car) must not count, and a one-car class has no reference.
    rows = []
    for i in range(5):
        rows.append(("1", "A", "X", 100.0, 1000.0 + i))
        rows.append(("2", "B", "X", 110.0, 1000.0 + i))
        rows.append(("3", "C", "X", 120.0, 1000.0 + i))
        rows.append(("9", "Z", "Y", 300.0, 1000.0 + i))
    # a lap far outside the window (track much slower later) must not count for the early laps
    rows.append(("2", "B", "X", 150.0, 1000.0 + 4 * INDEX_WINDOW))
    laps = _laps(rows)
    idx = lap_index(laps)
    first = laps.index[(laps["car"] == "1")][0]
    assert idx[first] == pytest.approx(100.0 * 100.0 / 110.0)
    lone = laps.index[laps["lap_time"] == 150.0][0]
    assert math.isnan(idx[lone])  # a single lap in its window: fewer than 5 reference laps
    assert np.isnan(idx[(laps["class"] == "Y").to_numpy()]).all()


def test_k_best_20():
    assert [k_best_20(n) for n in (0, 1, 5, 6, 10, 11)] == [0, 1, 1, 2, 2, 3]


def test_bootstrap_interval_brackets_the_median_and_is_reproducible():
    v = [100.0, 100.2, 100.4, 100.6, 100.8, 101.0, 101.2, 101.4, 101.6, 101.8, 102.0]
    # exact bootstrap distribution of the median of these 11 values (x1 < ... < x11, 0.2 s apart):
    # P(median <= x_k) = P(Binomial(11, k/11) >= 6) = 0.0512 (k=3), 0.1727 (k=4), 0.9488 (k=8), 0.9928 (k=9),
    # so the 5 % and 95 % quantiles are x3..x4 = 100.4..100.6 and x8..x9 = 101.4..101.6 (resampling noise
    # picks either); a wrong level (50 %: x5..x7) or the data range (100..102) would fail here
    for seed in range(5):
        lo, hi = bootstrap_interval(v, "median_clean", seed=seed)
        assert 100.4 - 1e-9 <= lo <= 100.6 + 1e-9, (seed, lo)
        assert 101.4 - 1e-9 <= hi <= 101.6 + 1e-9, (seed, hi)
    lo, hi = bootstrap_interval(v, "median_clean", seed=1)
    assert (lo, hi) == bootstrap_interval(v, "median_clean", seed=1)
    # more spread, wider interval: the same laps 10x further apart
    lo10, hi10 = bootstrap_interval([100.0 + 10 * (x - 100.0) for x in v], "median_clean", seed=1)
    assert hi10 - lo10 == pytest.approx(10 * (hi - lo))


def test_rankings_by_hand_and_close_calls():
    rows = []
    for i in range(12):
        rows.append(("1", "A", "X", 100.0 + (i % 4) * 0.1, 100.0 * (i + 1)))
        rows.append(("2", "B", "X", 100.05 + (i % 4) * 0.1, 100.0 * (i + 1)))
        rows.append(("3", "C", "X", 105.0 + (i % 4) * 0.1, 100.0 * (i + 1)))
    laps = _laps(rows)
    r = driver_rankings(laps, clean_laps(laps), {("1", "A"): "Gold", ("2", "B"): "Bronze", ("3", "C"): "Bronze"}, by="best_20pct")
    r = r.set_index("driver")
    assert r.loc[["A", "B", "C"], "class_rank"].tolist() == [1, 2, 3]
    assert r.at["A", "category_rank"] == 1 and r.at["B", "category_rank"] == 1 and r.at["C", "category_rank"] == 2
    assert bool(r.at["A", "close_to_next"])  # A and B are 0.05 s apart: intervals overlap
    assert not bool(r.at["B", "close_to_next"])  # C is 5 s slower
    bp = best_performers(driver_rankings(laps, clean_laps(laps), {("1", "A"): "Gold", ("2", "B"): "Bronze", ("3", "C"): "Bronze"}))
    assert bp[["category", "driver"]].values.tolist() == [["Gold", "A"], ["Bronze", "B"]]


def test_unknown_metric_is_a_usage_error():
    laps = _laps([("1", "A", "X", 100.0, 100.0)])
    with pytest.raises(StintlabUsageError, match="unknown metric"):
        driver_rankings(laps, clean_laps(laps), by="fastest")


# ------------------------------------------------------------------ real races


def test_lemans_2019_andlauer_best_and_ideal_lap(load_corpus_race):
    """#77 Julien ANDLAUER (LMGTE Am): his fastest lap is lap 252, 3:53.451 (line 13357 of the file).
    Ideal lap = S1 36.685 (lap 249) + S2 1:29.402 (lap 252) + S3 1:47.064 (lap 241, line 13346) = 233.151.
    The in-lap 253 (B, line 13358) has a faster S2 (1:29.318) but in-laps are not clean, so it is not used."""
    race = load_corpus_race("lemans-2019")
    m = driver_metrics(race.laps, race.clean_laps)
    row = m[(m["car"] == "77") & (m["driver"] == "Julien ANDLAUER")].iloc[0]
    assert row["best_lap"] == pytest.approx(233.451)
    assert row["ideal_lap"] == pytest.approx(233.151)
    assert row["clean_laps"] >= MIN_CLEAN_LAPS


@pytest.mark.parametrize("name", ["lemans-2019", "lemans-2023"])
def test_lemans_rankings_every_class_every_metric(load_corpus_race, name):
    race = load_corpus_race(name)
    r = driver_rankings(race.laps, race.clean_laps, race.drivers)
    classes = set(race.laps["class"].dropna().unique())
    assert set(r["class"]) == classes
    assert len(r) == len(race.drivers)  # nobody dropped
    cars_per_class = race.laps.groupby("class")["car"].nunique()
    for cls, g in r.groupby("class"):
        ranked = g[g["value"].notna()]
        if cars_per_class[cls] < 3:  # the index needs a field: a one-car class (Garage 56) has none
            assert ranked.empty, cls
            continue
        assert ranked["class_rank"].min() == 1, cls
        assert ranked["value"].is_monotonic_increasing, cls
    ok = r[~r["low_sample"] & r["class"].map(cars_per_class).ge(3)]
    for col in ("best_lap", "ideal_lap", "best_10", "best_20pct", "median_clean", "stint_avg", "index", "spread"):
        assert ok[col].notna().all(), col
    # ideal <= best <= best_10 <= median for every driver with enough laps
    assert (ok["ideal_lap"] <= ok["best_lap"] + 1e-9).all()
    assert (ok["best_lap"] <= ok["best_10"] + 1e-9).all()
    many = ok[ok["clean_laps"] >= 20]  # with 20+ laps the 10 fastest all lie below the median
    assert (many["best_10"] <= many["median_clean"] + 1e-9).all()
    assert ((ok["ci_low"] <= ok["value"] + 1e-9) & (ok["value"] <= ok["ci_high"] + 1e-9)).all()
    # Le Mans files carry no FIA categories: category rank is empty and the best table says "unknown"
    assert r["category"].isna().all() and r["category_rank"].isna().all()
    assert set(best_performers(r)["category"]) == {"unknown"}
    crews = crew_rankings(race.laps, race.clean_laps)
    assert len(crews) == race.laps["car"].nunique()


def test_lemans_2019_best_lap_ranking_matches_raw_lap_times(load_corpus_race):
    """The fastest LMP1 lap of the race is #7 Mike CONWAY's lap 4, 3:17.297, marked session best
    (LAP_IMPROVEMENT 3, line 12256 of the file): by best lap he leads LMP1."""
    race = load_corpus_race("lemans-2019")
    r = driver_rankings(race.laps, race.clean_laps, by="best_lap", n_boot=0)
    lmp1 = r[r["class"] == "LMP1"]
    top = lmp1.iloc[0]
    assert (top["driver"], top["car"], top["best_lap"]) == ("Mike CONWAY", "7", pytest.approx(197.297))
    leaders = metric_leaders(r)
    assert set(leaders["metric"]) >= {"best_lap", "best_10", "index"}


def test_imsa_category_ranking_uses_official_categories(load_corpus_race):
    """Sebring 2023 LMP3 Bronze drivers: #85 Dan Goldburg's best green lap is lap 181, 1:58.558 (line 13376,
    flag GF), the fastest of the category."""
    race = load_corpus_race("imsa-2023-sebring-international-raceway")
    r = driver_rankings(race.laps, race.clean_laps, race.drivers, by="best_lap", n_boot=0)
    assert r["category"].notna().all()  # every driver of this race has a category in the results file
    b = r[(r["class"] == "LMP3") & (r["category"] == "Bronze")].sort_values("category_rank")
    assert b.iloc[0]["driver"] == "Dan Goldburg" and b.iloc[0]["best_lap"] == pytest.approx(118.558)
    assert b["category_rank"].tolist() == list(range(1, len(b) + 1))


def test_index_is_near_100_for_the_class(load_corpus_race):
    race = load_corpus_race("lemans-2019")
    m = driver_metrics(race.laps, race.clean_laps)
    ok = m[~m["low_sample"]]
    # the median driver sits close to the class reference (within 2 %)
    for cls, g in ok.groupby("class"):
        assert abs(float(np.median(g["index"])) - 100.0) < 2.0, cls
