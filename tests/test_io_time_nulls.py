"""stintlab.io.values.parse_times: "NaN where empty" holds for Arrow nulls too (a null used to read as
0.0 s, and an all-null column as integer zeros; review of issue #16). Real values: the LAP_TIME column of
wec-2019-spa6h read with the csv module, every 5th value replaced by a null; oracle: tests/oracle.py."""

from __future__ import annotations

import csv
import math

import numpy as np
import pyarrow as pa

from conftest import lap_file
from oracle import parse_time
from stintlab.io.values import parse_time_columns, parse_times


def raw_lap_times() -> list[str]:
    with open(lap_file("wec-2019-spa6h"), encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh, delimiter=";"))
    col = [n.strip() for n in rows[0]].index("LAP_TIME")
    return [r[col].strip() for r in rows[1:] if len(r) > col]


def test_nulls_are_empty_times():
    texts = raw_lap_times()
    assert len(texts) > 4000
    values = [None if i % 5 == 0 else t for i, t in enumerate(texts)]
    got = parse_times(pa.array(values, type=pa.string()), "x.csv", "LAP_TIME")
    assert got.dtype == np.float64
    for v, g in zip(values, got.tolist(), strict=True):
        want = parse_time(v) if v is not None else None
        if want is None:
            assert math.isnan(g)
        else:
            assert math.isclose(g, want, abs_tol=1e-9)
    both = parse_time_columns({"A": pa.array([None, None], type=pa.string()), "B": pa.array([texts[1], None])}, "x", 2)
    assert both["A"].dtype == np.float64 and np.isnan(both["A"]).all()
    assert both["B"][0] == parse_time(texts[1]) and math.isnan(both["B"][1])
