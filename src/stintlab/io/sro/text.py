"""Bytes of an SRO export as UTF-8: the timekeeper's own files may be Latin-1 (Windows-1252), the
copies in the corpus are UTF-8 (data README). Anything else is refused with its line and column.

>>> as_utf8("x.csv", "Bib;Driver1\\r\\n66;Sebastian Øgaard\\r\\n".encode("cp1252"))[1]
'cp1252'
>>> as_utf8("x.csv", "Bib;Driver1\\n66;Sebastian Øgaard\\n".encode("utf-8"))[1]
'utf-8'
"""

from __future__ import annotations

import re

from stintlab.errors import StintlabFormatError

__all__ = ["as_utf8", "locate"]

# a valid multi-byte UTF-8 sequence: its presence next to invalid bytes means two encodings in one file
_UTF8_SEQ = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


def locate(data: bytes, pos: int, names: list[str] | None, sep: bytes = b";") -> tuple[int, str]:
    """(1-based line, column name) of byte ``pos``."""
    line = data.count(b"\n", 0, pos) + 1
    field = data.count(sep, data.rfind(b"\n", 0, pos) + 1, pos)
    column = names[field] if names and field < len(names) else f"field {field + 1}"
    return line, column


def as_utf8(path, data: bytes, names: list[str] | None = None, sep: str = ";") -> tuple[bytes, str]:
    """``data`` as UTF-8 bytes and the encoding it was read from ("utf-8" or "cp1252").

    Refused, located at the first offending byte: NUL bytes (UTF-16 or binary), a file mixing
    UTF-8 sequences with bytes that are not UTF-8, and bytes Windows-1252 does not define."""
    if b"\x00" in data:
        line, column = locate(data, data.index(b"\x00"), names, sep.encode())
        raise StintlabFormatError(path, "NUL bytes: UTF-16 or binary data, not an SRO text export", line=line, column=column)
    try:
        data.decode("utf-8")
        return data, "utf-8"
    except UnicodeDecodeError as exc:
        bad = exc.start
    if _UTF8_SEQ.search(data):
        line, column = locate(data, bad, names, sep.encode())
        raise StintlabFormatError(
            path, f"mixed encodings: UTF-8 text with a byte that is not UTF-8 (0x{data[bad]:02x})", line=line, column=column
        )
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as exc:
        line, column = locate(data, exc.start, names, sep.encode())
        raise StintlabFormatError(
            path, f"neither UTF-8 nor Latin-1/Windows-1252 text (byte 0x{data[exc.start]:02x})", line=line, column=column
        ) from None
    return text.encode("utf-8"), "cp1252"
