"""The driving window (stintlab.analysis.window.worst_window) against a brute-force oracle.

The oracle is written here from the definition only: the driving inside [t, t + w] is, for each
segment, its amount times the share of the segment inside the window (a segment without length
counts when its instant is in [t, t + w]); the best window starts or ends on a segment edge, so
trying every edge-based start (O(n) starts x O(n) segments) finds the maximum.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stintlab.analysis.rules import check_rules, max_window
from stintlab.analysis.stints import drive_time
from stintlab.analysis.stints import worst_window as stints_worst_window
from stintlab.analysis.window import worst_window

H = 3600.0


def driving_inside(t: float, w: float, segments) -> float:
    total = 0.0
    for s, e, a in segments:
        if e > s:
            inside = max(0.0, min(e, t + w) - max(s, t))
            total += a * inside / (e - s)
        elif t <= s <= t + w:
            total += a
    return total


def oracle(segments, w: float) -> float:
    edges = [x for s, e, _ in segments for x in (s, e)]
    starts = edges + [x - w for x in edges]
    return max(driving_inside(t, w, segments) for t in starts) if segments else 0.0


times = st.floats(min_value=0.0, max_value=30 * H, allow_nan=False, allow_infinity=False)
segment = st.tuples(times, st.floats(min_value=0.0, max_value=5 * H), st.floats(min_value=0.0, max_value=1.0))
windows = st.sampled_from([600.0, H, 2.5 * H, 6 * H])


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(st.lists(segment, min_size=1, max_size=25), windows)
def test_worst_window_equals_the_brute_force_oracle_on_random_spells(raw, w):
    # segments in any order, overlapping or not, driving spread over each at a random rate
    segs = [(s, s + length, length * share) for s, length, share in raw]
    s, e, a = (np.array(x) for x in zip(*segs, strict=True))
    value, start = worst_window(s, e, w, amounts=a)
    assert value == pytest.approx(oracle(segs, w), abs=1e-6)
    # the window it names holds that much driving, and starts no earlier than race time 0
    assert start >= 0.0
    assert driving_inside(start, w, segs) == pytest.approx(value, abs=1e-5)
    # no random window holds more
    rng = np.random.default_rng(len(segs))
    for t in rng.uniform(-w, 36 * H, 50):
        assert driving_inside(float(t), w, segs) <= value + 1e-6


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(st.lists(st.tuples(st.floats(min_value=1.0, max_value=2 * H), st.floats(min_value=0.0, max_value=3 * H)),
                min_size=1, max_size=30), windows)  # fmt: skip
def test_disjoint_driving_intervals_as_drive_time_passes_them(parts, w):
    # laps back to back with rests between: amount = length (the drive_time case)
    t, segs = 0.0, []
    for drive, rest in parts:
        segs.append((t, t + drive, drive))
        t += drive + rest
    s, e, _ = (np.array(x) for x in zip(*segs, strict=True))
    assert worst_window(s, e, w)[0] == pytest.approx(oracle(segs, w), abs=1e-6)


def test_point_masses_missing_rows_and_empty_input():
    # a segment without length carries its amount at its instant; NaN rows are ignored
    v, t0 = worst_window([100.0, 5000.0, math.nan], [100.0, 5000.0, 10.0], 1000.0, amounts=[60.0, 30.0, 5.0])
    assert v == pytest.approx(60.0) and t0 == 0.0
    assert worst_window([], [], H) == (0.0, pytest.approx(math.nan, nan_ok=True))
    assert worst_window([math.nan], [1.0], H)[0] == 0.0


def test_ties_go_to_the_earliest_window():
    # 1 h of driving at 10-11 h: every window starting in [5 h, 10 h] holds it; the earliest is named
    assert worst_window([10 * H], [11 * H], 6 * H) == (pytest.approx(H), pytest.approx(5 * H))


def test_one_implementation_behind_stints_and_rules():
    assert stints_worst_window is worst_window
    s, e = [0.0, 4 * H, 9 * H], [3 * H, 6 * H, 11 * H]  # 3 h + 2 h + 2 h: 0-6 h holds 5 h
    assert max_window(s, e, [3 * H, 2 * H, 2 * H], 6 * H) == (pytest.approx(5 * H), 0.0)


def test_rules_window_and_drive_time_agree_on_a_lap_table():
    # one car, driver A 4 laps of 1 h (a stop after lap 2), driver B 3 laps of 1 h: laps by hand
    n = 7
    laps = pd.DataFrame(
        {
            "car": ["1"] * n,
            "lap": list(range(1, n + 1)),
            "driver": ["A", "A", "A", "A", "B", "B", "B"],
            "driver_slot": pd.array([1, 1, 1, 1, 2, 2, 2], dtype="Int8"),
            "class": ["LMP2"] * n,
            "lap_time": [H] * n,
            "elapsed": [H * (i + 1) for i in range(n)],
            "in_lap": [False, True, False, True, False, False, False],
            "out_lap": [False, False, True, False, True, False, False],
            "pit_time": [math.nan, math.nan, 600.0, math.nan, 900.0, math.nan, math.nan],
        }
    )
    # A drives 0-2 h and 2 h 10 min - 4 h; B 4 h 15 min - 7 h. A's 6 h window holds 4 h - 10 min.
    out = check_rules(laps, "lemans-2019", finished={"1"})
    d = out["drivers"].set_index("driver")
    assert d.at["A", "worst_window"] == pytest.approx(4 * H - 600.0)
    assert d.at["B", "worst_window"] == pytest.approx(3 * H - 900.0)
    dt = drive_time(laps).set_index("driver")
    assert dt.at["A", "worst_window_6h"] == pytest.approx(d.at["A", "worst_window"])
    assert dt.at["B", "worst_window_6h"] == pytest.approx(d.at["B", "worst_window"])


def test_laps_touching_up_to_a_rounding_error_and_real_overlaps():
    # lap 2 starts 1e-9 s before lap 1 ends (elapsed - lap_time rounding): still 150 s in 150 s
    assert worst_window([0.0, 100.0 - 1e-9], [100.0, 200.0], 150.0)[0] == pytest.approx(150.0)
    # really overlapping segments (two cars' worth of driving): counted twice, as the oracle does
    segs = [(0.0, 100.0, 100.0), (50.0, 150.0, 100.0)]
    assert worst_window([0.0, 50.0], [100.0, 150.0], 100.0)[0] == pytest.approx(oracle(segs, 100.0)) == 150.0
