"""Vectorised parsing of the value formats in timing files, with exact error locations.

Times come as ``ss.fff``, ``m:ss.fff``, ``h:mm:ss.fff`` (hours may pass 24) or with an
apostrophe before the seconds (``24:01'55.856``, ``3'29.208``) in classification files.
This module also owns the formatting of durations (:func:`format_time` and its variants, all
built on :func:`time_parts`); the faces only word them.

>>> import pyarrow as pa
>>> parse_times(pa.array(["1:23.456", "24:06:24.548", "", "35.1", "3'29.208"]), "x", "T").tolist()
[83.456, 86784.548, nan, 35.1, 209.208]
>>> format_time(86784.548)
'24:06:24.548'
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from stintlab.errors import StintlabFormatError

__all__ = [
    "fixed_format_times",
    "parse_times",
    "parse_time_columns",
    "parse_floats",
    "parse_ints",
    "parse_time_text",
    "time_parts",
    "format_time",
    "format_lap",
    "format_seconds",
    "format_minutes",
    "format_clock",
    "line_of",
    "shown",
]

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
    # a null (a short row, an array built from Python values) is an empty value: NaN, as ""
    columns = {k: (a.fill_null("") if a.null_count else a) for k, a in columns.items()}
    fast = _fast_time_columns(columns, path, first_line)
    if fast is not None:
        return fast
    return _exact_time_columns(columns, path, first_line)


# The fixed formats of every published time, by length (empty values aside): the kernel reads each
# length class at fixed positions; any other value (``35.1``, an error) takes the exact path. The colon
# before the seconds may be an apostrophe (``3'29.208``, ``24:01'55.856``: classification files), as on
# the exact path. Digits weigh milliseconds by their place from the right (``k``).
_TIME_FORMATS = ("d.ddd", "dd.ddd", "d:dd.ddd", "dd:dd.ddd", "d:dd:dd.ddd", "dd:dd:dd.ddd", "ddd:dd:dd.ddd")
_PLACE_MS = {0: 1, 1: 10, 2: 100, 4: 1_000, 5: 10_000, 7: 60_000, 8: 600_000,
             10: 3_600_000, 11: 36_000_000, 12: 360_000_000}  # fmt: skip
_WIDTH = max(map(len, _TIME_FORMATS))
_ZERO = ord("0")


def _layout(fmt: str) -> tuple[int, np.ndarray, np.ndarray, list[tuple[int, tuple[int, ...]]], list[int]]:
    """(length, digit columns, their ms weights, (column, bytes allowed) of the separators, tens-of-seconds/minutes
    columns that must be below 6) of a format, columns counted from the left of the value."""
    n = len(fmt)
    digits = [i for i, c in enumerate(fmt) if c == "d"]
    weights = np.array([_PLACE_MS[n - 1 - i] for i in digits], dtype=np.float64)
    seconds_colon = n - 1 - 6  # the separator before the seconds: ``:`` or ``'``
    seps = [(i, (ord(c), ord("'")) if i == seconds_colon else (ord(c),)) for i, c in enumerate(fmt) if c != "d"]
    tens = [n - 1 - k for k in (5, 8) if k < n and ":" in fmt[: n - 1 - k]]  # after a colon only
    return n, np.array(digits), weights, seps, tens


_LAYOUTS = [_layout(f) for f in _TIME_FORMATS]


def fixed_format_times(arr: pa.Array) -> tuple[np.ndarray, np.ndarray] | None:
    """Seconds of each value of a string array in one of the fixed formats (NaN where empty), and
    the mask of the values the kernel left to the exact path; None when the array is not a plain
    string array without nulls. Same figures as the exact path: whole milliseconds / 1000."""
    if arr.type != pa.string() or arr.null_count:
        return None
    n = len(arr)
    bufs = arr.buffers()
    offs = np.frombuffer(bufs[1], dtype=np.int32, count=n + 1, offset=arr.offset * 4)
    lo, hi = int(offs[0]), int(offs[-1])
    window = np.full(_WIDTH + hi - lo, _ZERO, dtype=np.uint8)  # padded in front: every slice in range
    if hi > lo:
        window[_WIDTH:] = np.frombuffer(bufs[2], dtype=np.uint8)[lo:hi]
    length = np.diff(offs)
    ends = offs[1:] - lo
    # tails[e]: the W bytes before byte e of the data, as one W-byte item (overlapping items, stride 1):
    # gathering items copies W bytes at once, twice as fast as the rows of a 2-D sliding window view
    tails = np.ndarray(shape=(len(window) - _WIDTH + 1,), dtype=f"V{_WIDTH}", buffer=window, strides=(1,))
    ms = np.full(n, np.nan)
    ok = length == 0
    counts = np.bincount(length, minlength=_WIDTH + 1)  # the lengths present: one pass, not one per format
    for size, digits, weights, seps, tens in _LAYOUTS:
        if not counts[size]:
            continue
        sel = np.flatnonzero(length == size)
        value = tails[ends[sel]].view(np.uint8).reshape(-1, _WIDTH)[:, _WIDTH - size :]  # this length's values only
        d = value[:, digits] - np.uint8(_ZERO)  # wraps below '0': not a digit
        good = (d <= 9).all(axis=1)
        for col, chars in seps:
            sep = value[:, col]
            good &= (sep == chars[0]) | (sep == chars[-1])
        for col in tens:
            good &= value[:, col] <= ord("5")  # minutes and seconds after a colon below 60
        ms[sel] = d.astype(np.float64) @ weights  # whole numbers below 2**53: exact
        ok[sel] = good
    return ms / 1000.0, ~ok


def _fast_time_columns(columns: dict[str, pa.Array], path, first_line: Lines) -> dict[str, np.ndarray] | None:
    """The kernel on each column; the values it leaves go through the exact path (located errors).
    On any error the exact path reruns on every column, so the error named is the one it names."""
    result = {}
    for name, arr in columns.items():
        got = fixed_format_times(arr)  # column by column: each one's bytes stay in cache
        if got is None:
            return None
        values, rest = got
        if rest.any():
            idx = np.flatnonzero(rest)
            lines = (
                first_line + idx if isinstance(first_line, (int, np.integer)) else np.asarray(first_line)[idx]
            )
            try:
                values[idx] = _exact_time_columns({name: arr.take(pa.array(idx))}, path, lines)[name]  # stripped there
            except StintlabFormatError:
                _exact_time_columns(columns, path, first_line)  # raises the exact path's error
                raise
        result[name] = values
    return result


def _exact_time_columns(columns: dict[str, pa.Array], path, first_line: Lines = 2) -> dict[str, np.ndarray]:
    """The exact path: every value stripped (a column may come as written: ``RawTable.padded``),
    validated by regular expressions, then split and summed."""
    names = list(columns)
    arrays = [pc.utf8_trim_whitespace(columns[n]) for n in names]
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


_DIGITS = np.zeros(256, dtype=bool)
_DIGITS[ord("0") : ord("9") + 1] = True
_DECIMALS = _DIGITS.copy()
_DECIMALS[ord(".")] = True


def _only(data: np.ndarray, allowed: np.ndarray) -> bool:
    """Whether every byte of ``data`` is ``allowed`` (:data:`_DIGITS` or :data:`_DECIMALS`): by arithmetic on
    the bytes, cheaper than a table lookup per byte."""
    digit = data - np.uint8(_ZERO)  # wraps below '0'
    if allowed is _DIGITS:
        return bool((digit <= 9).all())
    return bool(((digit <= 9) | (data == ord("."))).all())


def _plain_cast(arr: pa.Array, allowed: np.ndarray, to: pa.DataType, longest: int) -> np.ndarray | None:
    """Fast path of :func:`parse_floats` / :func:`parse_ints`: a plain string array (no nulls) whose
    bytes are all ``allowed`` (digits, and the decimal point for floats) and whose values are at most
    ``longest`` bytes, cast by pyarrow (NaN where empty). None when anything else is in it, or when
    pyarrow refuses a value (``1.2.3``, ``.``): the exact path then decides, and locates the error."""
    if arr.type != pa.string() or arr.null_count:
        return None
    n = len(arr)
    bufs = arr.buffers()
    offs = np.frombuffer(bufs[1], dtype=np.int32, count=n + 1, offset=arr.offset * 4)
    if n == 0 or bufs[2] is None:
        return None
    data = np.frombuffer(bufs[2], dtype=np.uint8)[int(offs[0]) : int(offs[-1])]
    length = np.diff(offs)
    widest = int(length.max())
    if widest > longest or not _only(data, allowed):
        return None
    empty = length == 0
    if widest == 1 and to == pa.int64():  # one digit or nothing (driver slots, improvement flags): no cast
        out = np.full(n, np.nan)
        out[~empty] = data - _ZERO  # the bytes of the non-empty values, in order
        return out
    try:
        if empty.any():
            cast = pc.cast(pc.if_else(pa.array(empty), pa.scalar(None, pa.string()), arr), to)
        else:
            cast = pc.cast(arr, to)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    return cast.to_numpy(zero_copy_only=False).astype(np.float64)


def parse_floats(arr: pa.Array, path, column: str, first_line: Lines = 2) -> np.ndarray:
    """Parse decimal numbers (NaN where empty; values stripped)."""
    fast = _plain_cast(arr, _DECIMALS, pa.float64(), 30)
    if fast is not None:
        return fast
    arr = pc.utf8_trim_whitespace(arr)  # the fast path refuses any space: a padded column comes here
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
    """Parse whole numbers to a float array (NaN where empty; an error when ``required``; values stripped)."""
    fast = _plain_cast(arr, _DIGITS, pa.int64(), 15)  # below 2**53: exact as floats
    if fast is not None and not (required and np.isnan(fast).any()):
        return fast
    arr = pc.utf8_trim_whitespace(arr)  # the fast path refuses any space: a padded column comes here
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


_SCALE = (1, 10, 100, 1000, 10_000, 100_000, 1_000_000)
_NA = pd.NA


def time_parts(seconds: float, digits: int = 3) -> tuple[bool, int, int, int, int]:
    """(negative, hours, minutes, seconds, fraction) of a duration rounded to ``digits`` decimals
    (``fraction`` in units of 10**-digits s): the one split every time format builds on, so a
    face only words the parts (``3 h 05 min``, ``3'29"208``).

    >>> time_parts(3 * 3600 + 5 * 60 + 9.2086)
    (False, 3, 5, 9, 209)
    >>> time_parts(-59.9996), time_parts(59.5, digits=0)
    ((True, 0, 1, 0, 0), (False, 0, 1, 0, 0))
    """
    unit = _SCALE[digits]
    h, rem = divmod(int(round(abs(seconds) * unit)), 3600 * unit)
    m, rem = divmod(rem, 60 * unit)
    s, frac = divmod(rem, unit)
    return seconds < 0, h, m, s, frac


def format_time(seconds: float | None, *, hours: bool = True, digits: int = 3) -> str:
    """Seconds to ``h:mm:ss.fff`` (or ``m:ss.fff`` under an hour when ``hours`` is False);
    ``digits`` decimals of the second (0: ``h:mm:ss``). Missing (None, NaN, NA) gives ``''``.

    >>> format_time(209.208, hours=False)
    '3:29.208'
    >>> format_time(float('nan'))
    ''
    >>> format_time(3953.5, digits=0), format_time(-0.25)
    ('1:05:54', '-0:00:00.250')
    """
    if seconds is None or seconds is _NA or seconds != seconds:
        return ""
    if digits != 3:
        neg, h, m, s, frac = time_parts(seconds, digits)
        tail = f".{frac:0{digits}d}" if digits else ""
        text = f"{h}:{m:02d}:{s:02d}{tail}" if (hours or h) else f"{m}:{s:02d}{tail}"
        return "-" + text if neg else text
    # time_parts(seconds) inlined: these run once per cell when a lap file is written
    h, rem = divmod(int(round(abs(seconds) * 1000)), 3_600_000)
    m, rem = divmod(rem, 60_000)
    text = f"{h}:{m:02d}:{rem // 1000:02d}.{rem % 1000:03d}" if (hours or h) else f"{m}:{rem // 1000:02d}.{rem % 1000:03d}"
    return "-" + text if seconds < 0 else text


def format_lap(seconds: float | None) -> str:
    """A lap time: ``m:ss.fff`` under an hour, else ``h:mm:ss.fff`` (``format_time(x, hours=False)``).

    >>> format_lap(219.529), format_lap(3953.307)
    ('3:39.529', '1:05:53.307')
    """
    if seconds is None or seconds is _NA or seconds != seconds:
        return ""
    h, rem = divmod(int(round(abs(seconds) * 1000)), 3_600_000)  # time_parts inlined (per-cell speed)
    m, rem = divmod(rem, 60_000)
    text = f"{h}:{m:02d}:{rem // 1000:02d}.{rem % 1000:03d}" if h else f"{m}:{rem // 1000:02d}.{rem % 1000:03d}"
    return "-" + text if seconds < 0 else text


def format_seconds(seconds: float | None) -> str:
    """``ss.fff`` under a minute, ``m:ss.fff`` under an hour, else ``h:mm:ss.fff`` (sectors, gaps).

    >>> format_seconds(45.985), format_seconds(65.5), format_seconds(3953.307)
    ('45.985', '1:05.500', '1:05:53.307')
    """
    if seconds is None or seconds is _NA or seconds != seconds:
        return ""
    ms = int(round(abs(seconds) * 1000))  # time_parts inlined (per-cell speed)
    if ms < 60_000:
        text = f"{ms // 1000}.{ms % 1000:03d}"
    else:
        h, rem = divmod(ms, 3_600_000)
        m, rem = divmod(rem, 60_000)
        text = f"{h}:{m:02d}:{rem // 1000:02d}.{rem % 1000:03d}" if h else f"{m}:{rem // 1000:02d}.{rem % 1000:03d}"
    return "-" + text if seconds < 0 else text


def format_minutes(seconds: float | None) -> str:
    """Always ``m:ss.fff``, minutes passing 59 (no hours field).

    >>> format_minutes(45.985), format_minutes(3953.307)
    ('0:45.985', '65:53.307')
    """
    if seconds is None or seconds is _NA or seconds != seconds:
        return ""
    m, rem = divmod(int(round(abs(seconds) * 1000)), 60_000)  # time_parts inlined (per-cell speed)
    text = f"{m}:{rem // 1000:02d}.{rem % 1000:03d}"
    return "-" + text if seconds < 0 else text


def format_clock(seconds_of_day: float | None) -> str:
    """A time of day ``hh:mm:ss.fff`` (seconds since midnight, wrapped at midnight).

    >>> format_clock(57600.0 + 86400 + 3.5)
    '16:00:03.500'
    """
    if seconds_of_day is None or seconds_of_day is _NA or seconds_of_day != seconds_of_day:
        return ""
    h, rem = divmod(int(round(seconds_of_day * 1000)) % 86_400_000, 3_600_000)  # time_parts inlined
    m, rem = divmod(rem, 60_000)
    return f"{h:02d}:{m:02d}:{rem // 1000:02d}.{rem % 1000:03d}"
