"""The race context and the rolling-median kernel of the analysis speed-up (issue #16), on real laps.

- :mod:`stintlab.analysis.context`: the codes, values and per-car rows of a corpus lap table agree
  with the lap file read row by row with the csv module (tests/oracle.py); they are kept per Arrow
  column (the annotated copy shares them), read-only, and never kept for a numpy column that could
  change in place.
- :mod:`stintlab.analysis.medians`: the rolling medians the detectors use give exactly what
  pandas' own ``rolling(...).median()`` gives (window edges and NaNs included) on real race times:
  the field medians of crossings (centred time windows, flags.window_median) and the per-(car,
  driver) centred lap windows of the incident reference (``groupby().rolling()``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import lap_file
from oracle import read_race
from stintlab.analysis.context import LapContext, car_runs, codes, strings, values
from stintlab.analysis.flags import window_median
from stintlab.analysis.medians import centred_bounds, rolling_median, time_window_bounds

RACES = ("lemans-2019", "lemans-2024")


@pytest.mark.parametrize("name", RACES)
def test_context_agrees_with_the_raw_rows(name, load_corpus_race):
    race = load_corpus_race(name)
    raw = read_race(lap_file(name))
    ctx = race.context
    laps = race.laps
    car = ctx.values("car")
    lap = laps["lap"].to_numpy()
    # one run of rows per car of the file, each holding exactly that car's laps in lap order
    assert len(ctx.runs.starts) == len(raw.cars) == len(ctx.car_names)
    assert sorted(ctx.car_names) == sorted(raw.cars)  # strings as written: "007" is not "7"
    ends = np.r_[ctx.runs.starts[1:], len(laps)]
    for a, b, last in zip(ctx.runs.starts, ends, ctx.runs.last, strict=True):
        c = car[a]
        assert set(car[a:b]) == {c}
        assert lap[a:b].tolist() == [x.lap for x in raw.laps[c]]
        assert last == b - 1 and lap[last] == raw.laps[c][-1].lap
    # codes index the names; the class codes name each row's class of the raw file
    assert (ctx.car_names[ctx.car_codes] == car).all()
    cls_codes, cls_names = codes(laps, "class")
    raw_class = {c: {x.cls for x in raw.laps[c]} for c in raw.cars}
    for i in ctx.runs.starts:
        assert cls_names[cls_codes[i]] in raw_class[car[i]]


def test_context_is_kept_per_arrow_column_and_read_only(load_corpus_race):
    from stintlab.analysis.annotate import annotate

    laps = load_corpus_race("lemans-2024").laps
    a = annotate(laps)
    assert values(a, "car") is values(laps, "car")  # the annotated copy shares the Arrow column
    assert car_runs(a) is car_runs(laps)
    assert codes(a, "driver", filled=True) is codes(laps, "driver", filled=True)
    with pytest.raises(ValueError):
        values(laps, "car")[0] = "x"
    # an output column comes straight from the Arrow column, same dtype as building it from objects
    out = strings(laps, "car", np.array([0, 5, 9]))
    assert out.dtype == pd.array(["1"], dtype="string").dtype
    assert list(out) == list(laps["car"].iloc[[0, 5, 9]])
    # a numpy object column may change in place: nothing is kept for it
    t = pd.DataFrame({"car": np.array(["1", "1", "2"], dtype=object)})
    before = car_runs(t).starts.tolist()
    t.loc[1, "car"] = "3"
    assert before == [0, 2] and car_runs(t).starts.tolist() == [0, 1, 2]
    assert LapContext(t).car_names.tolist() == ["1", "3", "2"]


@pytest.mark.parametrize("name", RACES)
def test_window_median_equals_pandas_rolling_on_real_crossings(name):
    raw = read_race(lap_file(name))
    rows = sorted((c.elapsed, c.lap_time) for car in raw.cars for c in raw.laps[car])
    t = np.array([r[0] for r in rows])
    lt = np.array([np.nan if r[1] is None else r[1] for r in rows])
    typical = float(np.nanmedian(lt))
    v = lt / typical
    v[::7] = np.nan  # holes, as the detectors' ratios have (in-laps, lap 1, neutralised laps)
    for half in (0.5 * typical, 150.0, 0.25 * typical + 1e-7, 37.0000001, 1.0):
        want = pd.Series(v, index=pd.to_timedelta(t, unit="s")).rolling(
            pd.Timedelta(seconds=2 * half), center=True, min_periods=1).median().to_numpy()  # fmt: skip
        got = window_median(t, v, half)
        assert np.array_equal(got, want, equal_nan=True), half
        start, end = time_window_bounds(t, half)
        assert (np.diff(start) >= 0).all() and (end > np.arange(len(t))).all()  # each window holds its row


@pytest.mark.parametrize("name", RACES)
def test_grouped_centred_windows_equal_pandas_groupby_rolling(name):
    raw = read_race(lap_file(name))
    car = [c.car for k in raw.cars for c in raw.laps[k] if c.lap_time is not None]
    lt = np.array([c.lap_time for k in raw.cars for c in raw.laps[k] if c.lap_time is not None])
    lt[::11] = np.nan
    key = pd.factorize(np.array(car, dtype=object))[0]
    for window, minp in ((11, 3), (4, 1), (1, 1)):
        want = pd.Series(lt).groupby(key, sort=False).rolling(window, center=True, min_periods=minp).median()
        want.index = want.index.get_level_values(-1)
        order = np.argsort(key, kind="stable")
        ks = key[order]
        start, end = centred_bounds(np.flatnonzero(np.r_[True, ks[1:] != ks[:-1]]), len(ks), window)
        got = np.empty(len(lt))
        got[order] = rolling_median(lt[order], start, end, minp)
        assert np.array_equal(got, want.sort_index().to_numpy(), equal_nan=True), window
