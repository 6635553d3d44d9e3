"""The faster kernels behind the annotated lap table, flags and phases (issue #16), on real laps.

Each kernel is checked against an oracle computed without it:

- :func:`stintlab.analysis.medians.time_window_bounds` converts seconds to integers itself
  (``_seconds_as_ns``): the same integers as ``pd.to_timedelta(t, unit="s")`` on every crossing
  time of the raw files (csv module, tests/oracle.py) and on any float (hypothesis).
- :func:`~stintlab.analysis.medians.grouped_time_window_bounds` + one ``rolling_median`` call give,
  group by group, pandas' own centred time-window rolling median (a Series with a TimedeltaIndex per
  group) on the raw crossings grouped by class, holes (NaN) included.
- :func:`~stintlab.analysis.grouping.stable_order` is ``np.argsort(kind="stable")`` (ties, NaN,
  -0.0, keys beyond 16 bits).
- ``incidents._per_lap`` gives pandas' ``groupby().sum()`` and the first largest value per group (a
  plain Python loop over the rows).
- ``race.flags`` counts crossings and touched laps as a row-by-row loop over the raw file and the
  annotated table does; ``race.phases`` is flags and zones merged as a Python sort of the rows.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import lap_file
from oracle import read_race
from stintlab.analysis.flags import FLAG_KINDS, has_flags
from stintlab.analysis.grouping import stable_order
from stintlab.analysis.incidents import _per_lap
from stintlab.analysis.medians import (
    _seconds_as_ns,
    grouped_time_window_bounds,
    rolling_median,
    time_window_bounds,
)
from stintlab.config import THRESHOLDS
from stintlab.schema.tables import table_columns

RACES = ("lemans-2019", "lemans-2024")


def _pandas_ns(t: np.ndarray) -> np.ndarray:
    index = pd.to_timedelta(t, unit="s")
    assert index.unit == "ns"
    return index.asi8


@pytest.mark.parametrize("name", RACES)
def test_seconds_as_ns_equals_to_timedelta_on_raw_times(name):
    raw = read_race(lap_file(name))
    el = np.array([c.elapsed for car in raw.cars for c in raw.laps[car]])
    starts = np.array([c.elapsed - c.lap_time for car in raw.cars for c in raw.laps[car] if c.lap_time is not None])
    for t in (el, starts, el / 7.0, el + 1e-7):
        assert np.array_equal(_seconds_as_ns(t), _pandas_ns(t))
    assert _seconds_as_ns(np.r_[el[:5], np.nan]) is None  # NaT: pandas' own path


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False), st.integers(-9, 9)), max_size=40))
def test_seconds_as_ns_equals_to_timedelta_on_any_float(values):
    t = np.array(values, dtype=float)
    if len(t) == 0 or (t == np.round(t)).all():  # whole seconds: pandas' index is in microseconds, not ns
        assert _seconds_as_ns(t) is None and pd.to_timedelta(t, unit="s").unit == "us"
    else:
        assert np.array_equal(_seconds_as_ns(t), _pandas_ns(t))


@pytest.mark.parametrize("name", RACES)
def test_grouped_windows_equal_pandas_rolling_per_class(name):
    raw = read_race(lap_file(name))
    rows = sorted(((c.cls, c.elapsed, c.lap_time) for car in raw.cars for c in raw.laps[car]), key=lambda r: r[0])
    classes = sorted({r[0] for r in rows})
    by_class = {k: sorted((r[1], r[2]) for r in rows if r[0] == k) for k in classes}  # each class in race time
    t = np.array([x[0] for k in classes for x in by_class[k]])
    v = np.array([np.nan if x[1] is None else x[1] for k in classes for x in by_class[k]])
    v[::5] = np.nan  # holes, as the ratios of in-laps and neutralised laps
    starts = np.cumsum([0] + [len(by_class[k]) for k in classes[:-1]])
    for half in (150.0, 0.5 * float(np.nanmedian(v)), 37.0000001, 1.0):
        start, end = grouped_time_window_bounds(t, starts, half)
        got = rolling_median(v, start, end, 1)
        for a, b in zip(starts, np.r_[starts[1:], len(t)], strict=True):
            want = pd.Series(v[a:b], index=pd.to_timedelta(t[a:b], unit="s")).rolling(
                pd.Timedelta(seconds=2 * half), center=True, min_periods=1).median().to_numpy()  # fmt: skip
            assert np.array_equal(got[a:b], want, equal_nan=True), (half, a)
            s, e = time_window_bounds(t[a:b], half)
            assert np.array_equal(start[a:b], s + a) and np.array_equal(end[a:b], e + a)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.lists(st.integers(0, 4000), min_size=1, max_size=12), min_size=1, max_size=5),
    st.sampled_from([0.5, 1.0, 150.0, 0.0005, 123.4567891]),
    st.booleans(),
)
def test_grouped_windows_equal_each_group_alone(groups, half, with_nan):
    parts = [np.sort(np.array(g, dtype=float) / 8.0) for g in groups]  # ties and exact window edges
    if with_nan:
        parts[0] = np.r_[parts[0], np.nan]  # a missing time: pandas' own conversion, group by group
    t = np.concatenate(parts)
    starts = np.cumsum([0] + [len(p) for p in parts[:-1]])
    start, end = grouped_time_window_bounds(t, starts, half)
    for a, p in zip(starts, parts, strict=True):
        s, e = time_window_bounds(p, half)
        assert np.array_equal(start[a : a + len(p)], s + a) and np.array_equal(end[a : a + len(p)], e + a)


@settings(max_examples=500, deadline=None)
@given(
    st.one_of(
        st.lists(st.sampled_from([np.nan, 0.0, -0.0, 1.0, 2.5, np.inf, -np.inf]), max_size=40),
        st.lists(st.floats(allow_nan=True, width=16), max_size=40),
        st.lists(st.integers(-3, 3), max_size=40),
        st.lists(st.integers(-(2**40), 2**40), max_size=40),
        st.lists(st.integers(0, 70000), max_size=40),
    )
)
def test_stable_order_is_numpys_stable_argsort(keys):
    x = np.array(keys, dtype=float if keys and isinstance(keys[0], float) else np.int64)
    assert np.array_equal(stable_order(x), np.argsort(x, kind="stable"))


@pytest.mark.parametrize("name", RACES)
def test_stable_order_of_raw_crossing_times(name):
    raw = read_race(lap_file(name))
    el = np.array([round(c.elapsed, 1) for car in raw.cars for c in raw.laps[car]])  # many ties at 0.1 s
    assert np.array_equal(stable_order(el), np.argsort(el, kind="stable"))


def _per_lap_oracle(rows: np.ndarray, x: np.ndarray):
    total = pd.Series(x).groupby(rows).sum()
    top: dict[int, int] = {}
    for i, (r, v) in enumerate(zip(rows.tolist(), x.tolist(), strict=True)):
        if r not in top or (not math.isnan(v) and (math.isnan(x[top[r]]) or v > x[top[r]])):
            top[r] = i
    keys = sorted(top)
    return np.array(keys), total.loc[keys].to_numpy(), np.array([top[k] for k in keys])


@pytest.mark.parametrize("name", RACES)
def test_per_lap_sums_and_largest_on_raw_laps(name):
    raw = read_race(lap_file(name))
    crossings = sorted((c for car in raw.cars for c in raw.laps[car]), key=lambda c: c.elapsed)
    rows = np.array([c.lap for c in crossings])  # every car's lap n: one group, in race-time order
    x = np.array([np.nan if c.lap_time is None else c.lap_time / 7.0 for c in crossings])
    x[::13] = np.nan
    x[1::17] = 0.0  # ties on the largest value: the first one in passage order wins
    for got, want in zip(_per_lap(rows, x), _per_lap_oracle(rows, x), strict=True):
        assert np.array_equal(got, want, equal_nan=True)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), st.sampled_from([0.0, 0.1, 0.2, 1e16, 3.0, np.nan, 1 / 3])), min_size=1))
def test_per_lap_equals_pandas_groupby_sum(pairs):
    rows = np.array([p[0] for p in pairs])
    x = np.array([p[1] for p in pairs])
    for got, want in zip(_per_lap(rows, x), _per_lap_oracle(rows, x), strict=True):
        assert np.array_equal(got, want, equal_nan=True)


@pytest.mark.parametrize("name", ["lemans-2019", "lemans-2024", "wec-2019-spa6h"])
def test_has_flags_as_the_raw_header_says(name, load_corpus_race):
    assert has_flags(load_corpus_race(name).laps) == read_race(lap_file(name)).has_flags


def test_flag_counts_row_by_row(load_corpus_race):
    race = load_corpus_race("lemans-2024")
    raw = read_race(lap_file("lemans-2024"))
    crossings = [c for car in raw.cars for c in raw.laps[car]]
    a = race.annotated
    el, lt = a["elapsed"].to_numpy(dtype=float), a["lap_time"].to_numpy(dtype=float)
    neutral, car = a["neutralised"].to_numpy(dtype=bool), a["car"].to_numpy(dtype=object)
    flags = race.flags
    assert len(flags) >= 8
    for p in flags.itertuples():
        under = sum(1 for c in crossings if FLAG_KINDS.get(c.flag) == p.kind and p.start <= c.elapsed <= p.end)
        assert p.crossings == under
        limit = p.green_at if np.isfinite(p.green_at) else p.end
        touched = [i for i in range(len(a)) if neutral[i] and el[i] >= p.start and el[i] - lt[i] <= limit]
        assert p.laps_affected == len(touched)
        assert p.cars_affected == len({car[i] for i in touched})


@pytest.mark.parametrize("name", RACES)
def test_phases_are_flags_and_long_zones_in_race_order(name, load_corpus_race):
    race = load_corpus_race(name)
    flags, zones, phases = race.flags, race.slow_zones, race.phases
    rows = [(float(p.start), 0, p.kind, float(p.end)) for p in flags.itertuples()]
    rows += [(float(z.start), int(z.sector), "SZ", float(z.end)) for z in zones.itertuples()
             if z.duration >= THRESHOLDS.slow_zone_phase_min]  # fmt: skip
    if len(rows) > len(flags):
        rows.sort(key=lambda r: (r[0], r[1]))
    assert list(zip(phases["start"], phases["sector"], phases["kind"], phases["end"], strict=True)) == rows
    assert phases["phase"].tolist() == list(range(1, len(rows) + 1))
    assert {c.name: str(c.dtype) for c in table_columns("race_phases")} == {
        c: str(t) for c, t in phases.dtypes.items()
    }
