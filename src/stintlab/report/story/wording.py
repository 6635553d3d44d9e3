"""Language-neutral pieces the catalogs word: durations split into h / min / s, lap ranges,
lists joined with a conjunction. Clock values and lap times go through
:func:`stintlab.display.lap_time`; this is the story's one duration helper.

>>> duration_text(83.4), duration_text(30.75, decimal=","), duration_text(3725)
('1 min 23 s', '30,8 s', '1 h 02 min')
>>> lap_ranges([12, 5, 6, 7])
['5–7', '12']
"""

from __future__ import annotations

__all__ = ["MAX_RIVALS", "duration_text", "lap_ranges", "join", "status_key", "given"]

MAX_RIVALS = 5  # rivals named in a sentence; the rest are counted ("and 3 others")


def duration_text(seconds: float, *, decimal: str = ".") -> str:
    """A duration as a race report writes it: 1 h 02 min, 1 min 23 s, 4 min, 30.8 s (``decimal``
    is the decimal mark of the language)."""
    s = float(seconds)
    if s >= 3600:
        h, rem = divmod(int(round(s)), 3600)
        return f"{h} h {rem // 60:02d} min"
    if s >= 60:
        m, rem = divmod(int(round(s)), 60)
        return f"{m} min {rem:02d} s" if rem else f"{m} min"
    return f"{s:.1f} s".replace(".", decimal)


def lap_ranges(laps) -> list[str]:
    """Lap numbers as sorted ranges: [5, 6, 7, 12] -> ['5–7', '12']."""
    laps = sorted({int(x) for x in laps})
    if not laps:
        return []
    parts, start, prev = [], laps[0], laps[0]
    for x in laps[1:] + [None]:
        if x is not None and x == prev + 1:
            prev = x
            continue
        parts.append(f"{start}" if start == prev else f"{start}–{prev}")
        if x is not None:
            start = prev = x
    return parts


def join(items, conj: str) -> str:
    """'a', 'a and b', 'a, b and c' with the language's ``conj`` (" and ", " et ")."""
    items = [str(x) for x in items]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + conj + items[-1]


def status_key(code, in_pits: bool = False, took_flag: bool | None = None) -> str | None:
    """The key of a classification status code in a language's ``STATUS_WORDS``: ``retired`` with
    ``in_pits`` is ``retired_in_pits``, ``classified`` without the flag ``classified_stopped``;
    None for no code.

    >>> status_key("retired", True), status_key("classified", took_flag=False), status_key(None)
    ('retired_in_pits', 'classified_stopped', None)
    """
    if code is None or not isinstance(code, str):
        return None
    if code == "retired" and in_pits:
        return "retired_in_pits"
    if code == "classified" and took_flag is False:
        return "classified_stopped"
    return code


def given(value) -> bool:
    """False for a missing value of a table cell (None, NaN, ``pd.NA``), True otherwise.

    >>> given(None), given(float("nan")), given(0), given("")
    (False, False, True, True)
    """
    if value is None:
        return False
    try:
        return not bool(value != value)
    except (TypeError, ValueError):  # pd.NA != pd.NA is NA, whose truth is ambiguous
        return False
