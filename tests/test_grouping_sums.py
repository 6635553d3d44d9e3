"""analysis.grouping.group_sums (the one owner of "a grouped sum as pandas computes it", issue #16 review)
on real lap times: each car's total lap time is the raw rows' sum (csv module, tests/oracle.py, math.fsum)
to within rounding, and bit for bit pandas' own ``groupby().sum()``, for a table in car order, shuffled
(the compensated path), and with missing lap times (NaN skipped)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from conftest import lap_file
from oracle import read_race
from stintlab.analysis.grouping import group_sums

RACE = "wec-2025-imola6h"


def raw_totals() -> dict[str, float]:
    raw = read_race(lap_file(RACE))
    return {car: math.fsum(c.lap_time for c in cs if c.lap_time is not None) for car, cs in raw.laps.items()}


def sums(car: np.ndarray, lt: np.ndarray) -> tuple[dict, np.ndarray]:
    """group_sums of ``lt`` grouped by ``car`` (rows gathered by a stable order), and pandas' sums."""
    codes, names = pd.factorize(car, sort=True)
    by = np.argsort(codes, kind="stable")
    cs = codes[by]
    first = np.flatnonzero(np.r_[True, cs[1:] != cs[:-1]])
    size = np.diff(np.r_[first, len(cs)])
    got = group_sums(lt[by], first, size, in_order=not (codes[1:] < codes[:-1]).any())
    pandas = pd.Series(lt).groupby(codes, sort=True).sum().to_numpy()
    return dict(zip(names[cs[first]], got.tolist(), strict=True)), pandas


def test_group_sums_are_the_raw_totals_and_pandas_bit_for_bit(load_corpus_race):
    laps = load_corpus_race(RACE).laps.sort_values(["car", "lap"], kind="stable")
    expected = raw_totals()
    car, lt = laps["car"].astype(str).to_numpy(), laps["lap_time"].to_numpy(dtype=float)
    rng = np.random.default_rng(16)
    shuffled = rng.permutation(len(lt))
    holed = lt.copy()
    holed[::7] = np.nan
    for c, v in ((car, lt), (car[shuffled], lt[shuffled]), (car, holed)):
        got, pandas = sums(c, v)
        assert list(got.values()) == pandas.tolist()  # exact: the same additions in the same order
        if v is not holed:
            assert got.keys() == expected.keys()
            for k, total in expected.items():
                assert math.isclose(got[k], total, rel_tol=1e-12), k
    assert len(expected) > 30
