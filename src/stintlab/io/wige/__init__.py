"""WIGE exports (Nürburgring: NLS and the N24): laps, result, sector times.

Three files per race, each recognised by its header, never by its name (one NLS race ships its lap
file as ``RENNE_LAPS.CSV``):

- laps (``STNR``, ``RUNDE``, ``RUNDENZEIT``, ``TAGESZEIT``, ``DRIVERID``) → the canonical lap table
  (:mod:`stintlab.io.wige.laps`);
- result (``RANG``, ``KLASSENRANG``, ``RUNDEN``, ``GESAMTZEIT``) → the official classification and
  crew (:mod:`stintlab.io.wige.result`);
- sector times (``RUNDE_NR``, ``SEKTOR1_ZEIT``, ``INPIT``) → sectors, pit stops and top speeds of the
  laps.

A lap file read alone (:func:`read_laps` without companions) has no sectors and no pit stops, and
cars that started from the pit lane get their group from the time of day. :func:`companions` finds the
result and sector files beside a lap file; ``stintlab.load`` uses it.

>>> kind(["STNR", "RUNDE", "RUNDENZEIT", "TAGESZEIT", "DRIVERID"]), kind(["STNR", "RANG", "KLASSENRANG", "RUNDEN", "GESAMTZEIT"])
('laps', 'result')
>>> kind(["STNR", "RUNDE_NR", "SEKTOR1_ZEIT"]), kind(["NUMBER", "LAP_NUMBER"])
('sectors', None)
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from stintlab.errors import StintlabFormatError
from stintlab.io.text import RawTable, read_bytes
from stintlab.io.wige.laps import (
    LAPS_REQUIRED,
    LAPS_USED,
    SECTORS_REQUIRED,
    SECTORS_USED,
    CheckedLaps,
    check_laps,
    laps_from_tables,
)  # fmt: skip
from stintlab.io.wige.result import RESULT_REQUIRED, result_from_table
from stintlab.io.wige.text import read_wige_table

__all__ = ["FORMAT", "check_lap_file", "companions", "file_kind", "is_lap_file", "kind", "read_laps", "read_raw", "read_result", "read_sectors"]

FORMAT = "wige"
_KINDS = (
    ("laps", {"STNR", "RUNDE", "RUNDENZEIT", "TAGESZEIT"}),
    ("result", {"STNR", "RANG", "KLASSENRANG", "RUNDEN", "GESAMTZEIT"}),
    ("sectors", {"STNR", "RUNDE_NR", "SEKTOR1_ZEIT"}),
)
REQUIRED = {"laps": LAPS_REQUIRED, "result": RESULT_REQUIRED, "sectors": SECTORS_REQUIRED}


def kind(names: list[str]) -> str | None:
    """"laps", "result" or "sectors" for a WIGE header, else None."""
    s = set(names)
    for k, need in _KINDS:
        if need <= s:
            return k
    return None


def _used(kind_: str):
    """The columns a reader uses (the others are checked for their count only, never kept)."""
    if kind_ == "result":
        return None
    fixed = set(LAPS_USED if kind_ == "laps" else SECTORS_USED)
    return lambda name: name in fixed or (name.startswith("FAHRER") and name.endswith(("_NAME", "_VORNAME"))) or (
        name.startswith("SEKTOR") and name.endswith("_ZEIT")
    )


def read_raw(path, expect: str) -> tuple[RawTable, str]:
    """A WIGE file of kind ``expect`` as raw columns (those its reader uses), and its encoding.

    The last few reads are kept, keyed by path, size and modification time: ``stintlab.load`` reads
    the lap file once alone (``read_file``), then again with its companions."""
    try:
        st = os.stat(path)
        key = (str(path), expect, st.st_size, st.st_mtime_ns)
    except OSError:
        key = None
    with _LOCK:
        hit = _RECENT.get(key) if key is not None else None
    if hit is not None:
        return hit
    out = _read_raw(path, expect)
    if key is not None:
        with _LOCK:
            _RECENT[key] = out
            while len(_RECENT) > 4:
                _RECENT.pop(next(iter(_RECENT)))
    return out


_RECENT: dict = {}  # raw tables are immutable pyarrow arrays: safe to share
_LOCK = threading.Lock()


def _read_raw(path, expect: str) -> tuple[RawTable, str]:
    raw, encoding = read_wige_table(path, read_bytes(path), keep=_used(expect))
    found = kind(raw.header.names)
    if found != expect:
        missing = [c for c in REQUIRED[expect] if c not in raw.header.names]
        what = f"a WIGE {found} file" if found else f"no WIGE {expect} header: missing {missing}"
        raise StintlabFormatError(path, f"expected a WIGE {expect} file, found {what}", line=1, column=missing[0] if missing else None)
    return raw, encoding


def check_lap_file(path) -> CheckedLaps:
    """Every check of a WIGE lap file alone (:func:`~stintlab.io.wige.laps.check_laps`): its errors
    are raised before its companions are read; give the result to :func:`read_laps` (``checked``)."""
    return check_laps(read_raw(path, "laps")[0])


def read_laps(path, *, result=None, sectors=None, checked: CheckedLaps | None = None, car_key=None):
    """(lap table, section table or None, facts) of a WIGE lap file; ``result`` and ``sectors`` are
    the paths of its companions (or None); ``checked``: the file's :func:`check_lap_file`, when run;
    ``car_key``: the order of the cars in both tables (else their first rows' order in the file)."""
    raw, encoding = read_raw(path, "laps")
    res = read_raw(result, "result")[0] if result is not None else None
    sec = read_raw(sectors, "sectors")[0] if sectors is not None else None
    table, sections, facts = laps_from_tables(raw, sec, res, checked=checked, car_key=car_key)
    facts.update({"encoding": encoding, "sectors_path": str(sectors) if sectors is not None else None})
    return table, sections, facts


def read_result(path):
    """(classification, crew, facts) of a WIGE result file."""
    raw, encoding = read_raw(path, "result")
    table, crew, facts = result_from_table(raw)
    facts["encoding"] = encoding
    return table, crew, facts


def read_sectors(path):
    """The sector file as raw columns (its lap values are read with the lap file: :func:`read_laps`)."""
    return read_raw(path, "sectors")[0]


def is_lap_file(path) -> bool:
    """Whether :func:`stintlab.io.read_file` reads ``path`` as a WIGE lap file: its header line sniffed
    as that function sniffs it (UTF-8). False for a file it refuses (it then names the error)."""
    from stintlab.io.text import read_head, sniff_header

    try:
        with open(path, "rb") as fh:
            head = read_head(fh)
        return kind(sniff_header(path, head).names) == "laps"
    except (OSError, StintlabFormatError, UnicodeError):
        return False


def file_kind(path) -> str | None:
    """"laps", "result" or "sectors" from the header line of a file, else None (not a WIGE file, or
    a file that cannot be read)."""
    from stintlab.io.text import sniff_header

    try:
        with open(path, "rb") as fh:
            head = fh.read(65536)
        return kind(sniff_header(path, head.split(b"\n", 1)[0].decode("cp1252").encode("utf-8")).names)
    except (OSError, StintlabFormatError, UnicodeError):
        return None


def companions(path) -> tuple[Path | None, Path | None]:
    """(result, sectors) files beside a WIGE lap file, each recognised by its header line (the only
    one of its kind in the folder, else None)."""
    p = Path(path)
    found: dict[str, list[Path]] = {"result": [], "sectors": []}
    for f in sorted(p.parent.iterdir()):
        if f == p or not f.is_file() or f.suffix.lower() != ".csv":
            continue
        k = file_kind(f)
        if k in found:
            found[k].append(f)
    one = {k: v[0] if len(v) == 1 else None for k, v in found.items()}
    return one["result"], one["sectors"]
