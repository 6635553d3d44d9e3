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

from pathlib import Path

from stintlab.errors import StintlabFormatError
from stintlab.io.text import RawTable, read_bytes
from stintlab.io.wige.laps import LAPS_REQUIRED, SECTORS_REQUIRED, laps_from_tables
from stintlab.io.wige.result import RESULT_REQUIRED, result_from_table
from stintlab.io.wige.text import read_wige_table

__all__ = ["FORMAT", "companions", "kind", "read_laps", "read_raw", "read_result", "read_sectors"]

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


def read_raw(path, expect: str) -> tuple[RawTable, str]:
    """A WIGE file of kind ``expect`` as raw columns, and its encoding."""
    raw, encoding = read_wige_table(path, read_bytes(path))
    found = kind(raw.header.names)
    if found != expect:
        missing = [c for c in REQUIRED[expect] if c not in raw.header.names]
        what = f"a WIGE {found} file" if found else f"no WIGE {expect} header: missing {missing}"
        raise StintlabFormatError(path, f"expected a WIGE {expect} file, found {what}", line=1, column=missing[0] if missing else None)
    return raw, encoding


def read_laps(path, *, result=None, sectors=None):
    """(lap table, section table or None, facts) of a WIGE lap file; ``result`` and ``sectors`` are
    the paths of its companions (or None)."""
    raw, encoding = read_raw(path, "laps")
    res = read_raw(result, "result")[0] if result is not None else None
    sec = read_raw(sectors, "sectors")[0] if sectors is not None else None
    table, sections, facts = laps_from_tables(raw, sec, res)
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


def companions(path) -> tuple[Path | None, Path | None]:
    """(result, sectors) files beside a WIGE lap file, each recognised by its header line (the only
    one of its kind in the folder, else None)."""
    from stintlab.io.text import sniff_header

    p = Path(path)
    found: dict[str, list[Path]] = {"result": [], "sectors": []}
    for f in sorted(p.parent.iterdir()):
        if f == p or not f.is_file() or f.suffix.lower() != ".csv":
            continue
        try:
            with open(f, "rb") as fh:
                head = fh.read(65536)
            k = kind(sniff_header(f, head.split(b"\n", 1)[0].decode("cp1252").encode("utf-8")).names)
        except (OSError, StintlabFormatError, UnicodeError):
            continue
        if k in found:
            found[k].append(f)
    one = {k: v[0] if len(v) == 1 else None for k, v in found.items()}
    return one["result"], one["sectors"]
