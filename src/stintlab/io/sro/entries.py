"""SRO entry lists (``ENTRY_LIST_V_3.XML``): ``<FILE><SESS>…</SESS><ENTR>…</ENTR>…``, one ``ENTR``
per car with Bib, Car, Class (the cup: Pro Cup, Gold Cup, Silver Cup, Bronze Cup), Team and
Driver1..Driver4 (Country, First, Last, Short, Id). No FIA driver category in this layout; a
``Category`` (or ``Licence``) element under a driver is read when present.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd

from stintlab.errors import StintlabFormatError
from stintlab.io.classification import normalise_category
from stintlab.io.sro.text import as_utf8

__all__ = ["looks_like_entry_list", "read_entry_list", "ENTRY_CREW_COLUMNS"]

_DECLARED = re.compile(rb"<\?xml[^>]*encoding=[\"'][^\"']+[\"']")
ENTRY_CREW_COLUMNS = ("car", "slot", "driver", "first_name", "last_name", "category", "country", "short_name")


def looks_like_entry_list(head: bytes) -> bool:
    """An SRO entry list by content: an XML document with a ``<FILE>`` root and ``<ENTR>`` entries.

    >>> looks_like_entry_list(b'<?xml version="1.0"?>\\r\\n<FILE>\\r\\n  <SESS>\\r\\n  </SESS>\\r\\n  <ENTR>')
    True
    """
    text = head.lstrip(b"\xef\xbb\xbf \r\n\t")
    return text.startswith((b"<?xml", b"<FILE")) and b"<FILE" in text and b"<ENTR>" in text


def _text(node, tag: str) -> str:
    value = node.findtext(tag)
    return value.strip() if value else ""


def read_entry_list(path) -> tuple[dict, pd.DataFrame, dict]:
    """(cars, crew, session): ``cars`` maps Bib → {class, team, vehicle}; ``crew`` has one row per
    named driver (:data:`ENTRY_CREW_COLUMNS`, the crew table of official classifications);
    ``session`` holds the SESS fields (Competition, Meeting, Session, Track, StartTime)."""
    raw = Path(path).read_bytes()
    # a declared encoding is the parser's to apply; undeclared, the text is UTF-8 or Windows-1252
    data = raw if _DECLARED.match(raw.lstrip(b"\xef\xbb\xbf \r\n\t")) else as_utf8(path, raw, None, "<")[0]
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        line, col = exc.position
        raise StintlabFormatError(path, f"not a well-formed XML entry list ({exc.msg if hasattr(exc, 'msg') else exc})",
                                  line=line, column=f"character {col + 1}") from None  # fmt: skip
    if root.tag != "FILE":
        raise StintlabFormatError(path, f"not an SRO entry list: the root element is <{root.tag}>, not <FILE>", line=1)
    sess = root.find("SESS")
    session = {child.tag: (child.text or "").strip() for child in sess} if sess is not None else {}
    cars, rows = {}, []
    for i, entry in enumerate(root.iter("ENTR"), 1):
        bib = _text(entry, "Bib")
        if not bib:
            raise StintlabFormatError(path, f"entry {i} has no <Bib>", column="Bib")
        cars[bib] = {"class": _text(entry, "Class") or None, "team": _text(entry, "Team") or None,
                     "vehicle": _text(entry, "Car") or None}  # fmt: skip
        for slot in range(1, 9):
            d = entry.find(f"Driver{slot}")
            if d is None:
                continue
            first, last = _text(d, "First"), _text(d, "Last")
            if not (first or last):
                continue
            category = normalise_category(_text(d, "Category") or _text(d, "Licence") or None)
            rows.append((bib, slot, f"{first} {last}".strip(), first or None, last or None, category,
                         _text(d, "Country") or None, _text(d, "Short") or None))  # fmt: skip
    crew = pd.DataFrame(rows, columns=list(ENTRY_CREW_COLUMNS))
    for col in ENTRY_CREW_COLUMNS:
        crew[col] = crew[col].astype("Int8" if col == "slot" else "string")
    return cars, crew, session
