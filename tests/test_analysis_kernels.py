"""The shared numeric kernels of the analysis speed-up, on real laps (Le Mans 2024, read with the
csv module by tests/oracle.py) against plain-Python references: slice medians
(``statistics.median``), the performance index reference (set of cars + median per window), the
bootstrap ideal-lap resamples (min over the drawn laps per sector) and the drivers' 6-hour window
grouping (every (car, driver) pair of the file)."""

from __future__ import annotations

import math
import statistics

import numpy as np
import pandas as pd

from conftest import lap_file
from oracle import read_race
from stintlab.analysis.medians import window_medians
from stintlab.analysis.pace import INDEX_BIN, INDEX_MIN_CARS, INDEX_MIN_REFERENCE, INDEX_WINDOW, lap_index
from stintlab.analysis.rankings import bootstrap_interval

RACE = "lemans-2024"


def _raw_laps():
    raw = read_race(lap_file(RACE))
    return [c for car in raw.cars for c in raw.laps[car] if c.lap_time is not None]


def test_window_medians_equal_statistics_median_on_real_lap_times():
    laps = _raw_laps()
    v = np.array([c.lap_time for c in laps[:4000]])
    rng = np.random.default_rng(7)
    lo = rng.integers(0, len(v), 500)
    hi = np.minimum(lo + rng.integers(0, 60, 500), len(v))
    got = window_medians(v, lo, hi)
    for k in range(len(lo)):
        if hi[k] == lo[k]:
            assert math.isnan(got[k])
        else:
            assert got[k] == statistics.median(v[lo[k] : hi[k]].tolist()), k
    # an empty window and a window holding a NaN give NaN, as np.median
    w = np.array([100.0, math.nan, 90.0])
    assert np.isnan(window_medians(w, np.array([0, 0, 2]), np.array([0, 2, 3]))[:2]).all()
    assert window_medians(w, np.array([2]), np.array([3]))[0] == 90.0


def test_lap_index_reference_is_the_median_of_the_class_window_on_real_laps():
    # every lap of the file as if clean: the index is 100 x lap / median of the same-class laps in
    # the bins b-k..b+k, NaN with too few laps or cars (plain-Python reference below)
    laps = _raw_laps()
    table = pd.DataFrame({"car": [c.car for c in laps], "class": [c.cls for c in laps],
                          "elapsed": [c.elapsed for c in laps], "lap_time": [c.lap_time for c in laps]})  # fmt: skip
    got = lap_index(table)
    k = round(INDEX_WINDOW / INDEX_BIN)
    by_class: dict[str, list] = {}
    for c in laps:
        by_class.setdefault(c.cls, []).append(c)
    checked = 0
    for i, c in enumerate(laps[::25]):
        b = math.floor(c.elapsed / INDEX_BIN)
        window = [o for o in by_class[c.cls] if (b - k) * INDEX_BIN <= o.elapsed < (b + k + 1) * INDEX_BIN]
        ok = len(window) >= INDEX_MIN_REFERENCE and len({o.car for o in window}) >= INDEX_MIN_CARS
        w = 100.0 * c.lap_time / statistics.median(o.lap_time for o in window) if ok else None
        g = got[i * 25]
        if w is None:
            assert math.isnan(g), (c.car, c.lap)
        else:
            assert g == w, (c.car, c.lap, g, w)
            checked += 1
    assert checked > 400


def test_bootstrap_ideal_lap_is_the_best_drawn_sector_summed():
    # the sectors of one real car's laps (Le Mans 2024 lap file, S1..S3 columns read with csv);
    # resample i draws the laps rng.integers(...)[i]; its ideal lap is min per sector, summed
    import csv

    with open(lap_file(RACE), encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))
    key = {k.strip(): k for k in rows[0]}
    car = rows[0][key["NUMBER"]].strip()

    def sec(text):
        text = text.strip()
        if not text:
            return math.nan
        m, _, s = text.rpartition(":")
        return 60.0 * float(m or 0) + float(s)

    sectors = [[sec(r[key[s]]) for s in ("S1", "S2", "S3")] for r in rows if r[key["NUMBER"]].strip() == car]
    sectors = sectors[1:41]  # 40 laps, lap 1 left out
    n, n_boot = len(sectors), 200
    idx = np.random.default_rng(0).integers(0, n, size=(n_boot, n))
    ideal = sorted(sum(min(sectors[j][s] for j in draw if not math.isnan(sectors[j][s])) for s in range(3))
                   for draw in idx.tolist())  # fmt: skip
    values = [1.0] * n  # only the count matters for the draws
    lo, hi = bootstrap_interval(values, "ideal_lap", n_boot=n_boot, seed=0, sectors=np.array(sectors))
    # linear-interpolation 5 % / 95 % quantiles of the 200 resampled ideal laps
    def q(p):
        x = p * (n_boot - 1)
        i = math.floor(x)
        return ideal[i] + (ideal[i + 1] - ideal[i]) * (x - i)

    assert math.isclose(lo, q(0.05), abs_tol=1e-9) and math.isclose(hi, q(0.95), abs_tol=1e-9)
    assert ideal[0] <= lo <= hi <= ideal[-1]


def test_race_rankings_share_the_metrics_table_without_changing_it(load_corpus_race):
    # the Race hands its driver/car metrics to the rankings: the tables stay as they were, and the
    # ranking's clean-lap counts are the file's (Le Mans 2024: every driver's clean laps <= his laps)
    race = load_corpus_race(RACE)
    metrics = race.driver_metrics
    before = metrics.copy()
    cars_before = race.car_metrics.copy()
    ranks = race.driver_rankings()
    race.crew_rankings()
    assert race.driver_metrics is metrics
    pd.testing.assert_frame_equal(metrics, before)
    pd.testing.assert_frame_equal(race.car_metrics, cars_before)
    raw = read_race(lap_file(RACE))
    laps_per_car = {car: len(rows) for car, rows in raw.laps.items()}
    assert len(ranks) == len(metrics)
    for car, n in zip(ranks["car"], ranks["clean_laps"], strict=True):
        assert 0 <= n <= laps_per_car[car]
