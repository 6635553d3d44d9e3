"""The race context: a lap table's string columns as numpy values and integer codes, and each car's
rows, computed once and shared by every analysis kernel (issue #16).

The canonical lap table keeps its string columns (``car``, ``driver``, ``class``, ``flag``, ...)
as Arrow strings. Turning one into numpy objects costs ~0.5 ms on a 24 h race and a kernel needs
several; an analysis of the whole race used to do it ~240 times. Arrow arrays are immutable and
``DataFrame.copy()`` (what :func:`stintlab.analysis.annotate.annotate` returns) shares them, so the
conversions are kept per Arrow array, for as long as that array lives: the lap table of a
:class:`~stintlab.race.Race` and its annotated copy share one entry. Columns not backed by Arrow
(tables built by hand, numpy object columns, which may be modified in place) are converted on
every call, as before. Kept arrays are read-only: a kernel that wants to change one copies it.

- :func:`values`: the column as a numpy object array (missing as ``pd.NA``), ``filled`` with "".
- :func:`codes`: ``pd.factorize`` of the column (codes in first-appearance order, -1 for missing).
- :func:`car_runs`: each car's rows in a canonical table (rows of a car together, by lap).
- :class:`LapContext` bundles them for one lap table (``race.context``).

>>> import pandas as pd
>>> laps = pd.DataFrame({"car": pd.array(["7", "7", "007"], dtype="string[pyarrow]"),
...                      "driver": pd.array(["A", None, "B"], dtype="string[pyarrow]")})
>>> ctx = LapContext(laps)
>>> ctx.car_codes.tolist(), ctx.car_names.tolist(), ctx.runs.starts.tolist(), ctx.runs.last.tolist()
([0, 0, 1], ['7', '007'], [0, 2], [1, 2])
>>> values(laps, "driver", filled=True).tolist(), values(laps, "car") is values(laps.copy(), "car")
(['A', '', 'B'], True)
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

__all__ = [
    "CarRuns",
    "LapContext",
    "car_runs",
    "codes",
    "group_key",
    "has_values",
    "in_lap_order",
    "keep_taken_codes",
    "kept",
    "rows_of",
    "strings",
    "values",
]

_CACHE: dict[int, tuple[weakref.ref, dict]] = {}
_LOCK = threading.Lock()
_STRING = pd.StringDtype()


def _arrow(col: pd.Series):
    """The immutable Arrow array behind ``col``, or None (numpy-backed columns are not kept)."""
    arr = col.array
    if not isinstance(arr, pd.arrays.ArrowExtensionArray):  # other arrays would convert on every call
        return None
    return arr.__arrow_array__()  # the array's own pyarrow ChunkedArray (shared by copies), not a conversion


def _slot(col: pd.Series) -> dict | None:
    """The dict of kept conversions of ``col``'s Arrow array (created on first use), or None."""
    pa_arr = _arrow(col)
    if pa_arr is None:
        return None
    key = id(pa_arr)
    hit = _CACHE.get(key)
    if hit is not None and hit[0]() is pa_arr:
        return hit[1]
    with _LOCK:
        hit = _CACHE.get(key)
        if hit is not None and hit[0]() is pa_arr:
            return hit[1]
        store: dict = {}
        _CACHE[key] = (weakref.ref(pa_arr, lambda _r, k=key, forget=_forget: forget(k, _r)), store)
        return store


def _forget(key: int, ref) -> None:
    if _LOCK is None or _CACHE is None:  # interpreter shutdown: the module's globals are gone
        return
    with _LOCK:
        hit = _CACHE.get(key)
        if hit is not None and hit[0] is ref:
            del _CACHE[key]


def _kept(col: pd.Series, what: tuple, compute):
    store = _slot(col)
    if store is None:
        return compute()
    try:
        return store[what]
    except KeyError:
        pass
    out = compute()
    for a in out if isinstance(out, tuple) else (out,):
        if isinstance(a, np.ndarray):
            a.flags.writeable = False
    return store.setdefault(what, out)


def values(laps: pd.DataFrame, column: str, *, filled: bool = False) -> np.ndarray:
    """``laps[column]`` as a numpy object array (``filled``: missing values as ""), kept per Arrow
    array (module docstring). Do not modify it."""
    col = laps[column]
    if filled:
        return _kept(col, ("filled",), lambda: col.astype(object).fillna("").to_numpy())
    return _kept(col, ("values",), lambda: col.to_numpy(dtype=object))


def strings(laps: pd.DataFrame, column: str, rows=None):
    """``pd.array(values(laps, column)[rows], dtype="string")`` (every row without ``rows``) for an
    output table: taken from the Arrow column itself when it already has that dtype (no round trip
    through Python objects)."""
    col = laps[column]
    if col.dtype == _STRING and _arrow(col) is not None:
        return col.array if rows is None else col.array.take(np.asarray(rows))
    v = values(laps, column)
    return pd.array(v if rows is None else v[rows], dtype="string")


def codes(laps: pd.DataFrame, column: str, *, filled: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize`` of ``laps[column]``'s values (``filled``: missing values as "", one more
    value): (int64 codes in first-appearance order, -1 for a missing value; the distinct values),
    kept per Arrow array."""
    col = laps[column]

    def compute():
        if _arrow(col) is not None:  # Arrow's own dictionary encoding: same codes, ~5x faster
            c, u = pd.factorize(col.fillna("") if filled else col)
        else:
            c, u = pd.factorize(values(laps, column, filled=filled))
        return c.astype(np.int64, copy=False), np.asarray(u, dtype=object)

    return _kept(col, ("codes", filled), compute)


def group_key(laps: pd.DataFrame, column: str) -> np.ndarray:
    """A groupby key for ``laps[column]`` forming the same groups as its values (``sort=False``
    order, missing values dropped): the integer codes when nothing is missing, else the values."""
    c, _ = codes(laps, column)
    return values(laps, column) if len(c) and c.min() < 0 else c


def rows_of(laps: pd.DataFrame, column: str, value) -> pd.DataFrame:
    """``laps[laps[column] == value]`` for one car or class: a slice of the table (no copy) when
    the matching rows are consecutive, as one car's rows are in a canonical table."""
    c, names = codes(laps, column)
    hit = np.flatnonzero(names == value) if isinstance(value, str) else np.zeros(0, dtype=np.int64)
    if len(hit) == 0:
        return laps[laps[column] == value]
    rows = np.flatnonzero(c == hit[0])
    if len(rows) and rows[-1] - rows[0] + 1 == len(rows):
        return laps.iloc[rows[0] : rows[-1] + 1]
    return laps.iloc[rows]


@dataclass(frozen=True)
class CarRuns:
    """Each car's rows in a table whose rows of one car are together (canonical order).

    ``first`` / ``last_mask``: per row, the car's first / last row; ``starts`` / ``last``: their
    positions; ``seg``: per row, the index of its car's run (0-based, table order)."""

    first: np.ndarray
    last_mask: np.ndarray
    starts: np.ndarray
    last: np.ndarray
    seg: np.ndarray


def _runs_of(car: np.ndarray) -> CarRuns:
    n = len(car)
    if n == 0:
        z = np.zeros(0, dtype=np.int64)
        return CarRuns(np.zeros(0, dtype=bool), np.zeros(0, dtype=bool), z, z, z)
    change = car[1:] != car[:-1]
    first = np.r_[True, change]
    last_mask = np.r_[change, True]
    runs = CarRuns(first, last_mask, np.flatnonzero(first), np.flatnonzero(last_mask), np.cumsum(first) - 1)
    for a in (runs.first, runs.last_mask, runs.starts, runs.last, runs.seg):
        a.flags.writeable = False
    return runs


def car_runs(laps: pd.DataFrame) -> CarRuns:
    """:class:`CarRuns` of ``laps`` (a run is a block of consecutive rows of one car), kept per Arrow array."""
    col = laps["car"]
    store = _slot(col)
    if store is None:
        return _runs_of(values(laps, "car"))
    if "runs" not in store:
        store.setdefault("runs", _runs_of(values(laps, "car")))
    return store["runs"]


def in_lap_order(laps: pd.DataFrame) -> pd.DataFrame:
    """``laps`` with each car's rows together and in lap order (a missing lap number last): the order
    the analysis kernels read (a file as published, a loaded race). The same object when already so; a
    shuffled, reversed or out-of-order table is reordered (new index; cars in natural order, "2" before
    "19", as :func:`stintlab.load` gives them), so that it gives the answers of the ordered one.

    >>> in_lap_order(pd.DataFrame({"car": ["7", "8", "7"], "lap": [2, 1, 1]}))[["car", "lap"]].values.tolist()
    [['7', 1], ['7', 2], ['8', 1]]
    """
    if len(laps) < 2 or "car" not in laps or "lap" not in laps:
        return laps
    car = codes(laps, "car")[0]
    lap = np.nan_to_num(laps["lap"].to_numpy(dtype=float, na_value=np.nan), nan=np.inf)
    if (car[1:] >= car[:-1]).all() and ((car[1:] != car[:-1]) | (lap[1:] >= lap[:-1])).all():
        return laps
    from stintlab.display import car_key  # the one natural order of car numbers

    names = codes(laps, "car")[1]
    rank = np.empty(len(names) + 1, dtype=np.int64)
    rank[np.array(sorted(range(len(names)), key=lambda i: car_key(str(names[i]))), dtype=np.int64)] = np.arange(len(names))
    rank[-1] = -1  # a row without a car number (code -1) first
    return laps.iloc[np.lexsort((lap, rank[car]))].reset_index(drop=True)


class LapContext:
    """One lap table's integer codes and car rows, computed on first use and kept (``race.context``):
    car codes and names, driver and class codes, each car's first and last rows. The arrays are
    shared with every kernel that reads the same table (module docstring); do not modify them."""

    def __init__(self, laps: pd.DataFrame):
        self.laps = laps

    @cached_property
    def runs(self) -> CarRuns:
        return car_runs(self.laps)

    @property
    def car_codes(self) -> np.ndarray:
        return codes(self.laps, "car")[0]

    @property
    def car_names(self) -> np.ndarray:
        return codes(self.laps, "car")[1]

    @property
    def driver_codes(self) -> np.ndarray:
        return codes(self.laps, "driver")[0]

    @property
    def class_codes(self) -> np.ndarray:
        return codes(self.laps, "class")[0]

    def values(self, column: str, *, filled: bool = False) -> np.ndarray:
        return values(self.laps, column, filled=filled)


def has_values(laps: pd.DataFrame, column: str) -> bool:
    """True when ``laps[column]`` holds a non-missing value: read from the Arrow array's null count
    when the column is Arrow-backed (no scan), else ``notna().any()``."""
    col = laps[column]
    pa_arr = _arrow(col)
    if pa_arr is not None:
        return pa_arr.null_count < len(pa_arr)
    return bool(col.notna().any())


def kept(laps: pd.DataFrame, column: str, what: tuple, compute, also: tuple = ()):
    """``compute()``, kept with ``laps[column]``'s Arrow array under the name ``what`` (computed on
    every call for a column not backed by Arrow): a value derived from that column and from the
    columns named in ``also`` (their Arrow arrays are part of the key and held by the kept value, so
    another array cannot take their place). Kept numpy arrays are read-only."""
    others = tuple(_arrow(laps[c]) for c in also)
    if any(a is None for a in others):
        return compute()
    key = (*what, *(id(a) for a in others))
    return _kept(laps[column], key, lambda: (compute(), others))[0]


def keep_taken_codes(table: pd.DataFrame, source: pd.DataFrame, rows: np.ndarray, columns) -> None:
    """For ``table``, whose ``columns`` are the rows ``rows`` of ``source``'s (taken in that order),
    keep the :func:`codes` of those columns derived from ``source``'s kept codes instead of
    factorising the strings again: the same codes (first appearance in ``table``, -1 when missing)
    and the same values."""
    rows = np.asarray(rows, dtype=np.int64)
    for column in columns:
        if _slot(table[column]) is None or _slot(source[column]) is None:
            continue

        def compute(column=column):
            c, names = codes(source, column)
            sub = c[rows]
            change = np.flatnonzero(np.r_[True, sub[1:] != sub[:-1]]) if len(sub) else np.zeros(0, dtype=np.int64)
            change = change[sub[change] >= 0]  # a value's first row starts a run of it
            first = np.full(len(names), len(sub), dtype=np.int64)
            np.minimum.at(first, sub[change], change)
            present = np.flatnonzero(first < len(sub))
            present = present[np.argsort(first[present], kind="stable")]  # in order of first appearance
            number = np.full(len(names) + 1, -1, dtype=np.int64)
            number[present] = np.arange(len(present))
            return number[sub], names[present]

        _kept(table[column], ("codes", False), compute)
