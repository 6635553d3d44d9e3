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


def _texts(node) -> dict[str, str]:
    """tag → stripped text of ``node``'s children (the first child of each tag, as ``findtext``): one walk
    of the children instead of one search per field."""
    out: dict[str, str] = {}
    for child in node:
        if child.tag not in out:
            out[child.tag] = child.text.strip() if child.text else ""
    return out


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
        fields = _texts(entry)
        bib = fields.get("Bib", "")
        if not bib:
            raise StintlabFormatError(path, f"entry {i} has no <Bib>", column="Bib")
        cars[bib] = {"class": fields.get("Class") or None, "team": fields.get("Team") or None,
                     "vehicle": fields.get("Car") or None}  # fmt: skip
        drivers = {child.tag: child for child in reversed(list(entry)) if child.tag.startswith("Driver")}  # first of a tag
        for slot in range(1, 9):
            d = drivers.get(f"Driver{slot}")
            if d is None:
                continue
            f = _texts(d)
            first, last = f.get("First", ""), f.get("Last", "")
            if not (first or last):
                continue
            category = normalise_category(f.get("Category") or f.get("Licence") or None)
            rows.append((bib, slot, f"{first} {last}".strip(), first or None, last or None, category,
                         f.get("Country") or None, f.get("Short") or None))  # fmt: skip
    values = list(zip(*rows)) if rows else [()] * len(ENTRY_CREW_COLUMNS)
    crew = pd.DataFrame({col: pd.array(list(v), dtype="Int8" if col == "slot" else "string")
                         for col, v in zip(ENTRY_CREW_COLUMNS, values)})  # fmt: skip
    return cars, crew, session
