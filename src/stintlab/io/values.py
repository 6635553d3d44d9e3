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

__all__ = ["parse_times", "parse_floats", "parse_ints", "format_time", "parse_time_text"]

_TIME_RE = r"^(?:(?:(?P<h>\d+):)?(?P<m>\d+)[:'])?(?P<s>\d+(?:\.\d*)?)$"


def _fail(arr: pa.Array, bad: pa.Array, path, column: str, what: str, first_line: int = 2):
    idx = pc.index(bad, True).as_py()
    value = arr[idx].as_py()
    raise StintlabFormatError(path, f"{what}: {value!r}", line=idx + first_line, column=column)


def parse_times(arr: pa.Array, path, column: str, first_line: int = 2) -> np.ndarray:
    """Parse a string column of times to float seconds (NaN where empty)."""
    m = pc.extract_regex(arr, _TIME_RE)
    nonempty = pc.not_equal(pc.utf8_length(arr), 0)
    bad = pc.and_(nonempty, pc.is_null(m))
    if pc.any(bad).as_py():
        _fail(arr, pc.fill_null(bad, False), path, column, "not a time", first_line)
    out = np.zeros(len(arr), dtype="float64")
    for part, scale in (("h", 3600.0), ("m", 60.0), ("s", 1.0)):
        f = pc.struct_field(m, part)
        f = pc.if_else(pc.equal(f, ""), "0", f)
        out += pc.cast(f, pa.float64()).to_numpy(zero_copy_only=False) * scale
    nonempty_np = np.asarray(nonempty.to_numpy(zero_copy_only=False), dtype=bool)
    out[~nonempty_np] = np.nan
    return np.round(out, 3)


def parse_floats(arr: pa.Array, path, column: str, first_line: int = 2) -> np.ndarray:
    """Parse decimal numbers (NaN where empty)."""
    ok = pc.match_substring_regex(arr, r"^-?\d*\.?\d*(?:[eE][-+]?\d+)?$")
    nonempty = pc.not_equal(pc.utf8_length(arr), 0)
    valid_digits = pc.match_substring_regex(arr, r"\d")
    bad = pc.and_(nonempty, pc.invert(pc.and_(ok, valid_digits)))
    if pc.any(bad).as_py():
        _fail(arr, bad, path, column, "not a number", first_line)
    filled = pc.if_else(nonempty, arr, "nan")
    return pc.cast(filled, pa.float64()).to_numpy(zero_copy_only=False)


def parse_ints(arr: pa.Array, path, column: str, first_line: int = 2, *, required: bool = False) -> np.ndarray:
    """Parse whole numbers to a float array (NaN where empty; an error when ``required``)."""
    nonempty = pc.not_equal(pc.utf8_length(arr), 0)
    ok = pc.match_substring_regex(arr, r"^-?\d+$")
    bad = pc.and_(nonempty, pc.invert(ok))
    if required:
        bad = pc.or_(bad, pc.invert(nonempty))
    if pc.any(bad).as_py():
        _fail(arr, bad, path, column, "not a whole number", first_line)
    filled = pc.if_else(nonempty, arr, "nan")
    return pc.cast(filled, pa.float64()).to_numpy(zero_copy_only=False)


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
