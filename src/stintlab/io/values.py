"""Vectorised parsing of the value formats in timing files, with exact error locations.

Times come as ``ss.fff``, ``m:ss.fff``, ``h:mm:ss.fff`` (hours may pass 24) or with an
apostrophe before the seconds (``24:01'55.856``, ``3'29.208``) in classification files.

>>> import pyarrow as pa
>>> parse_times(pa.array(["1:23.456", "24:06:24.548", "", "35.1", "3'29.208"]), "x", "T").tolist()
[83.456, 86784.548, nan, 35.1, 209.208]
>>> format_time(86784.548)
'24:06:24.548'
"""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from stintlab.errors import StintlabFormatError

__all__ = ["parse_times", "parse_time_columns", "parse_floats", "parse_ints", "format_time", "parse_time_text", "line_of", "shown"]

_TIME_CHECK = r"^(?:(?:\d+:)?\d+[:'])?\d+(?:\.\d*)?$"
# minutes and seconds after a colon stay below 60 (``99:99.999`` is not 1:40:39.999); the leading
# part is free (hours pass 24, a lap may be written ``75:12.000``)
_TIME_STRICT = r"^(?:\d+(?:\.\d*)?|\d+[:'][0-5]?\d(?:\.\d*)?|\d+:[0-5]?\d[:'][0-5]?\d(?:\.\d*)?)$"

Lines = int | np.ndarray  # first file line of row 0, or the file line of every row (blank lines skipped)


def line_of(first_line, idx: int) -> int:
    """File line of row ``idx``: ``first_line`` is the line of row 0, or one line per row.

    >>> line_of(2, 3), line_of(np.array([2, 4, 5]), 1)
    (5, 4)
    """
    if isinstance(first_line, (int, np.integer)):
        return int(first_line) + idx
    return int(first_line[idx])


def shown(value) -> str:
    """A cell value for an error message: its repr, cut to 40 characters.

    >>> shown("9" * 50)
    "'999999999999999999999999999999999999999…' (50 characters)"
    """
    text = repr(value)
    return text if len(text) <= 42 else f"{text[:40]}…' ({len(str(value))} characters)"


def _fail(arr: pa.Array, bad: pa.Array, path, column: str, what: str, first_line: Lines = 2):
    idx = pc.index(bad, True).as_py()
    value = arr[idx].as_py()
    raise StintlabFormatError(path, f"{what}: {shown(value)}", line=line_of(first_line, idx), column=column)


def _fail_at(values: np.ndarray, bad: np.ndarray, arr: pa.Array, path, column: str, what: str, first_line: Lines):
    if bad.any():
        idx = int(np.flatnonzero(bad)[0])
        raise StintlabFormatError(path, f"{what}: {shown(arr[idx].as_py())}", line=line_of(first_line, idx), column=column)


def parse_times(arr: pa.Array, path, column: str, first_line: Lines = 2) -> np.ndarray:
    """Parse a string column of times to float seconds (NaN where empty)."""
    return parse_time_columns({column: arr}, path, first_line)[column]


def parse_time_columns(columns: dict[str, pa.Array], path, first_line: Lines = 2) -> dict[str, np.ndarray]:
    """Parse several time columns at once (one vectorised pass over all their values).

    Each value is split on ``:`` (an apostrophe counts as a colon); the parts are weighted
    by powers of 60 from the right. Values are validated first; the first bad one raises
    :class:`StintlabFormatError` with its line and column.
    """
    names = list(columns)
    if not names:
        return {}
    arrays = [columns[n] for n in names]
    arr = pa.concat_arrays(arrays) if len(arrays) > 1 else arrays[0]
    ok = pc.match_substring_regex(arr, _TIME_CHECK)
    nonempty = pc.not_equal(pc.utf8_length(arr), 0)
    bad = pc.and_(nonempty, pc.invert(ok))
    what = "not a time"
    if not pc.any(bad).as_py():
        bad = pc.and_(nonempty, pc.invert(pc.match_substring_regex(arr, _TIME_STRICT)))
        what = "minutes or seconds of 60 or more in a time"
    if pc.any(bad).as_py():
        idx = pc.index(bad, True).as_py()
        for n, a in zip(names, arrays):
            if idx < len(a):
                raise StintlabFormatError(path, f"{what}: {shown(a[idx].as_py())}", line=line_of(first_line, idx), column=n)
            idx -= len(a)
    if pc.any(pc.match_substring(arr, "'")).as_py():
        arr = pc.replace_substring(arr, "'", ":")
    parts = pc.split_pattern(arr, ":")
    flat = pc.list_flatten(parts)
    flat = pc.if_else(pc.equal(flat, ""), "nan", flat)
    vals = pc.cast(flat, pa.float64()).to_numpy(zero_copy_only=False)
    offs = parts.offsets.to_numpy()
    lens = np.diff(offs)
    rowid = np.repeat(np.arange(len(lens)), lens)
    pos = np.repeat(offs[1:], lens) - 1 - offs[0] - np.arange(len(vals))
    out = np.round(np.bincount(rowid, weights=vals * (60.0**pos), minlength=len(lens)), 3)
    result, start = {}, 0
    for n, a in zip(names, arrays):
        result[n] = out[start : start + len(a)]
        _fail_at(result[n], np.isinf(result[n]), a, path, n, "time out of range", first_line)
        start += len(a)
    return result


def parse_floats(arr: pa.Array, path, column: str, first_line: Lines = 2) -> np.ndarray:
    """Parse decimal numbers (NaN where empty)."""
    ok = pc.match_substring_regex(arr, r"^-?\d*\.?\d*(?:[eE][-+]?\d+)?$")
    nonempty = pc.not_equal(pc.utf8_length(arr), 0)
    valid_digits = pc.match_substring_regex(arr, r"\d")
    bad = pc.and_(nonempty, pc.invert(pc.and_(ok, valid_digits)))
    if pc.any(bad).as_py():
        _fail(arr, bad, path, column, "not a number", first_line)
    filled = pc.if_else(nonempty, arr, "nan")
    out = pc.cast(filled, pa.float64()).to_numpy(zero_copy_only=False)
    _fail_at(out, np.isinf(out), arr, path, column, "number out of range", first_line)  # 1e999: not finite
    return out


def parse_ints(arr: pa.Array, path, column: str, first_line: Lines = 2, *, required: bool = False) -> np.ndarray:
    """Parse whole numbers to a float array (NaN where empty; an error when ``required``)."""
    nonempty = pc.not_equal(pc.utf8_length(arr), 0)
    ok = pc.match_substring_regex(arr, r"^-?\d+$")
    bad = pc.and_(nonempty, pc.invert(ok))
    if required:
        bad = pc.or_(bad, pc.invert(nonempty))
    if pc.any(bad).as_py():
        _fail(arr, bad, path, column, "not a whole number", first_line)
    filled = pc.if_else(nonempty, arr, "nan")
    out = pc.cast(filled, pa.float64()).to_numpy(zero_copy_only=False)
    # beyond 2**53 a float no longer holds the whole number: no timing field is that large
    _fail_at(out, np.abs(out) > 2.0**53, arr, path, column, "number out of range", first_line)
    return out


def parse_time_text(text: str) -> float:
    """One time string to seconds; raises ValueError when it is not a time.

    >>> parse_time_text("16:04:30")
    57870.0
    """
    res = parse_times(pa.array([text.strip()]), None, "value")
    if math.isnan(res[0]):
        raise ValueError(f"not a time: {text!r}")
    return float(res[0])


def format_time(seconds: float | None, *, hours: bool = True) -> str:
    """Seconds to ``h:mm:ss.fff`` (or ``m:ss.fff`` under an hour when ``hours`` is False).

    >>> format_time(209.208, hours=False)
    '3:29.208'
    >>> format_time(float('nan'))
    ''
    """
    if seconds is None or (isinstance(seconds, float) and math.isnan(seconds)):
        return ""
    neg = seconds < 0
    ms = int(round(abs(seconds) * 1000))
    h, rem = divmod(ms, 3_600_000)
    m, rem = divmod(rem, 60_000)
    s, ms = divmod(rem, 1000)
    text = f"{h}:{m:02d}:{s:02d}.{ms:03d}" if (hours or h) else f"{m}:{s:02d}.{ms:03d}"
    return ("-" if neg else "") + text
