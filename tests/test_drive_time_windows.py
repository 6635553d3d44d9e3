"""drive_time's worst 6 h window of every driver of Le Mans 2019 against a raw-row oracle.

The oracle reads the lap file with the csv module: per car, rows by LAP_NUMBER; an out-lap is the
row after a ``B`` row (domain.md: "out-lap = the next lap"); a driver's driving intervals are
[ELAPSED - LAP_TIME + PIT_TIME, ELAPSED] for an out-lap with a PIT_TIME (the pit-lane passage is not
driving, at most the whole lap) and [ELAPSED - LAP_TIME, ELAPSED] otherwise. The most driving inside
any window of 6 h starts or ends on an interval edge, so every such window is tried (each interval
counts the part of it inside the window). Drivers with an out-lap without PIT_TIME (drive_time then
estimates the pit time) are left out.
"""

from __future__ import annotations

import csv

import numpy as np
import pytest

from conftest import lap_file
from oracle import parse_time
from stintlab.analysis.window import worst_window, worst_windows

H = 3600.0


def raw_driving_intervals(path) -> dict[tuple[str, str], tuple[np.ndarray, np.ndarray]]:
    """(car, driver) -> (starts, ends) of the driving intervals, from the raw rows (module docstring)."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh, delimiter=";")
        names = [n.strip() for n in next(reader)]
        ix = {n: i for i, n in enumerate(names) if n}
        rows = [r for r in reader if any(f.strip() for f in r)]
    by_car: dict[str, list] = {}
    for r in rows:
        f = {n: r[i].strip() for n, i in ix.items()}
        by_car.setdefault(f["NUMBER"], []).append(
            (int(f["LAP_NUMBER"]), parse_time(f["LAP_TIME"]), parse_time(f["ELAPSED"]), f["CROSSING_FINISH_LINE_IN_PIT"],
             parse_time(f["PIT_TIME"]), f["DRIVER_NAME"])
        )  # fmt: skip
    spans: dict[tuple[str, str], list] = {}
    unknown_pit: set[tuple[str, str]] = set()
    for car, laps in by_car.items():
        laps.sort()
        for k, (_lap, lap_time, elapsed, _in_pit, pit, driver) in enumerate(laps):
            out_lap = k > 0 and laps[k - 1][3] == "B"
            if out_lap and pit is None:
                unknown_pit.add((car, driver))
            excluded = min(pit, lap_time) if out_lap and pit is not None else 0.0
            spans.setdefault((car, driver), []).append((elapsed - lap_time + excluded, elapsed))
    return {k: tuple(np.array(x) for x in zip(*v, strict=True)) for k, v in spans.items() if k not in unknown_pit}


def oracle_window(starts: np.ndarray, ends: np.ndarray, w: float) -> float:
    """Most driving inside [t, t + w] over every t on an interval edge (t or t + w)."""
    t = np.concatenate([starts, ends, starts - w, ends - w])[:, None]
    inside = np.clip(np.minimum(ends[None, :], t + w) - np.maximum(starts[None, :], t), 0.0, None)
    return float(inside.sum(axis=1).max())


def driving_inside(starts: np.ndarray, ends: np.ndarray, t: float, w: float) -> float:
    return float(np.clip(np.minimum(ends, t + w) - np.maximum(starts, t), 0.0, None).sum())


@pytest.mark.corpus
def test_lemans_2019_worst_six_hours_of_every_driver_equal_the_raw_row_oracle(load_corpus_race):
    dt = load_corpus_race("lemans-2019").drive_time
    raw = raw_driving_intervals(lap_file("lemans-2019"))
    checked = 0
    for car, driver, value, start in dt[["car", "driver", "worst_window_6h", "worst_window_start"]].itertuples(index=False):
        if (car, driver) not in raw:
            continue
        s, e = raw[(car, driver)]
        assert value == pytest.approx(oracle_window(s, e, 6 * H), abs=1e-6), (car, driver)
        assert start >= 0.0
        assert driving_inside(s, e, start, 6 * H) == pytest.approx(value, abs=1e-5), (car, driver)
        checked += 1
    assert checked >= 150  # 62 cars, ~180 drivers; a few have an out-lap without PIT_TIME


def test_worst_windows_of_many_runs_equal_each_runs_worst_window_and_the_oracle():
    rng = np.random.default_rng(2019)
    starts, ends, bounds = [], [], [0]
    for k in range(40):
        n = int(rng.integers(1, 120))
        lap_time = rng.uniform(200.0, 260.0, n)
        lap_time[rng.random(n) < 0.05] += rng.uniform(600.0, 3 * H)  # a long stop now and then
        end = rng.uniform(0.0, 10 * H) + np.cumsum(lap_time)
        start = end - lap_time
        start[1:] -= rng.choice([0.0, 1e-9, 2e-11], n - 1)  # touching the previous lap up to rounding
        if k % 10 == 9:
            start[n // 2] -= 30.0  # a real overlap: the general path for that run
        starts.append(start)
        ends.append(end)
        bounds.append(bounds[-1] + n)
    s, e = np.concatenate(starts), np.concatenate(ends)
    best, first = worst_windows(s, e, bounds, 6 * H)
    for g in range(len(bounds) - 1):
        rs, re = s[bounds[g] : bounds[g + 1]], e[bounds[g] : bounds[g + 1]]
        assert (best[g], first[g]) == worst_window(rs, re, 6 * H)  # the same figures, exactly
        assert best[g] == pytest.approx(oracle_window(rs, re, 6 * H), abs=1e-6)
        assert driving_inside(rs, re, first[g], 6 * H) == pytest.approx(best[g], abs=1e-5)


def test_drive_time_totals_add_the_spells_with_compensation_as_pandas_does():
    # three spells of one driver: 1e16 s then 1 s twice; a plain running sum loses both seconds
    # (the spacing of doubles at 1e16 is 2 s), the compensated sum keeps them: math.fsum's 1e16 + 2
    import math

    import pandas as pd

    from stintlab.analysis.stints import drive_time, driver_spells

    n = 5
    laps = pd.DataFrame(
        {
            "car": pd.array(["1"] * n, dtype="string"),
            "lap": range(1, n + 1),
            "driver": pd.array(["A", "B", "A", "B", "A"], dtype="string"),
            "driver_slot": pd.array([1, 2, 1, 2, 1], dtype="Int8"),
            "class": pd.array(["X"] * n, dtype="string"),
            "lap_time": [100.0] * n,
            "elapsed": [100.0 * (i + 1) for i in range(n)],
            "in_lap": [False] * n,
            "out_lap": [False] * n,
            "pit_time": [float("nan")] * n,
        }
    )
    sp = driver_spells(laps)
    sp.loc[sp["driver"] == "A", "drive_time"] = [1e16, 1.0, 1.0]
    total = drive_time(laps, spells=sp).set_index("driver").at["A", "total"]
    assert total == math.fsum([1e16, 1.0, 1.0]) == 1e16 + 2
