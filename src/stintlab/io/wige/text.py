"""WIGE export containers: ``;``-separated, cp1252 (or UTF-8 after a re-save), padded fields, no quoting.

WIGE never quotes a field and its values carry double quotes of their own (a fastest-lap name
``Farfus/"'Jesse Krohn'" /Marciello``): a CSV reader that honours quotes glues fields together. So
every line is split on ``;`` as it is, and a row must have exactly the header's number of fields.

>>> t, enc = read_wige_table("x.CSV", b"STNR;RUNDE;KLASSE\\r\\n1;1;SP9 PRO   \\r\\n")
>>> t.nrows, t.columns["KLASSE"].to_pylist(), t.header.crlf, enc
(1, ['SP9 PRO'], True, 'utf-8')
>>> t, enc = read_wige_table("x.CSV", "STNR;NAME\\n7;M\\u00fcller\\n".encode("cp1252"))
>>> t.columns["NAME"].to_pylist(), enc
(['Müller'], 'cp1252')
"""

from __future__ import annotations

import io
import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from stintlab.errors import StintlabFormatError
from stintlab.io.text import BOM, FIRST_FIELD, Header, RawTable, physical_lines

__all__ = ["decode", "read_wige_table"]

_BLANK = re.compile(rb"[\xef\xbb\xbf \r\n\t]*")  # the bytes BOM + b" \r\n\t" (any order)


def decode(path, data: bytes, names: list[str] | None = None) -> tuple[str, str]:
    """The text of a WIGE file and its encoding: UTF-8 when the bytes are valid UTF-8 (a re-save),
    else cp1252 (the exporter's). A byte cp1252 does not define (0x81, 0x8d, 0x8f, 0x90, 0x9d) or a
    NUL byte is a located error: neither encoding, or not text at all."""
    body = data[3:] if data.startswith(BOM) else data
    try:
        return body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = body.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise _located(path, body, exc.start, names, f"neither UTF-8 nor cp1252 text (byte 0x{body[exc.start]:02x})") from None
    return text, "cp1252"


def _located(path, body: bytes, pos: int, names, what: str) -> StintlabFormatError:
    line = body.count(b"\n", 0, pos) + 1
    field = body.count(b";", body.rfind(b"\n", 0, pos) + 1, pos)
    column = names[field] if names and field < len(names) else f"field {field + 1}"
    return StintlabFormatError(path, what, line=line, column=column)


def read_wige_table(path, data: bytes, keep=None) -> tuple[RawTable, str]:
    """Columns of stripped strings, one row per non-empty line, with each row's file line; and the
    encoding the bytes were read in. ``keep``: a predicate on column names, the only columns kept
    (every row is still checked for the header's number of fields)."""
    if _BLANK.fullmatch(data):  # data.strip(BOM + b" \r\n\t") is empty, without copying the data
        raise StintlabFormatError(path, "the file is empty (no header line)", line=1, column=FIRST_FIELD)
    first_end = data.find(b"\n")
    head = data[: first_end if first_end >= 0 else len(data)]
    names = [n.strip() for n in head.decode("cp1252", errors="replace").lstrip("\ufeff").rstrip("\r").split(";")]
    if b"\x00" in data:
        raise _located(path, data, data.index(b"\x00"), names, "binary data (NUL byte) in a text file")
    text, encoding = decode(path, data, names)
    nl = text.find("\n")
    first_row = text if nl < 0 else text[:nl]
    header_line = first_row.rstrip("\r")
    names = [n.strip() for n in header_line.split(";")]
    trailing = names[-1] == "" and len(names) > 1
    if trailing:
        names = names[:-1]
    if "" in names:
        col = names.index("") + 1
        raise StintlabFormatError(path, f"empty column name at position {col} of the header", line=1, column=f"field {col}")
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise StintlabFormatError(path, f"duplicated column name(s) {dupes} in the header", line=1, column=dupes[0])
    n = len(names)
    end = len(text)  # the last row: text.rstrip("\r\n").rsplit("\n", 1)[-1] without copying the text
    while end and text[end - 1] in "\r\n":
        end -= 1
    cut_at = text.rfind("\n", 0, end)
    last = text[cut_at + 1 : end] if cut_at >= 0 else ""
    if last.strip() and not text.endswith("\n"):
        # the exporter ends every row with a line end: a file cut inside its last row (even inside its
        # last field, where the number of fields is still right) is truncated
        cut = min(len(last.split(";")), n) - 1
        raise StintlabFormatError(
            path, "truncated file: the last row has no line end (the file ends inside it)", line=text.count("\n") + 1, column=names[cut]
        )
    header = Header(names=names, separator=";", bom=data.startswith(BOM), crlf=header_line != first_row, trailing_separator=trailing)
    wanted = [x for x in names if keep is None or keep(x)]
    fast = _read_fast(text, header, wanted)
    if fast is not None:
        cols, lines = fast
        return RawTable(path=str(path), header=header, columns=cols, nrows=len(lines), lines=lines), encoding
    rows = text.split("\n")
    values: list[list[str]] = [[] for _ in range(n)]
    lines: list[int] = []
    for i, raw in enumerate(rows[1:], start=2):
        raw = raw.rstrip("\r")
        if not raw.strip():
            continue
        fields = raw.split(";")
        if trailing and len(fields) == n + 1 and not fields[-1].strip():
            fields.pop()
        if len(fields) != n:
            if len(fields) < n:
                what, column = "truncated row", names[len(fields) - 1]
            else:
                what, column = "too many fields", names[-1]
            raise StintlabFormatError(path, f"{what}: {len(fields)} fields where the header has {n}", line=i, column=column)
        for k, v in enumerate(fields):
            values[k].append(v.strip())
        lines.append(i)
    cols = {name: pa.array(values[k], type=pa.string()) for k, name in enumerate(names) if name in wanted}
    table = RawTable(path=str(path), header=header, columns=cols, nrows=len(lines), lines=np.array(lines, dtype=np.int64))
    return table, encoding


def _read_fast(text: str, header: Header, wanted: list[str]):
    """pyarrow with quoting off (every line split on ';' as it is); None when it refuses the text (a
    row with the wrong number of fields, ...) or the rows and lines disagree: the exact pass then reads
    it or names the line and column at fault."""
    names = list(header.names) + (["__trailing__"] if header.trailing_separator else [])
    body = text.encode("utf-8")
    try:
        table = pacsv.read_csv(
            io.BytesIO(body),
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, use_threads=False, block_size=1 << 26),
            parse_options=pacsv.ParseOptions(delimiter=";", quote_char=False, newlines_in_values=False),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names},
                strings_can_be_null=False,
                include_columns=wanted + (["__trailing__"] if header.trailing_separator else []),
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowException):
        return None
    if header.trailing_separator:
        trail = table.column("__trailing__")
        if len(trail) and pc.any(pc.not_equal(pc.utf8_length(pc.utf8_trim_whitespace(trail)), 0)).as_py():
            return None
    lines = physical_lines(body, table.num_rows)
    if lines is None or body.count(b"\r") != body.count(b"\r\n"):  # a bare CR: the exact pass
        return None
    cols = {n: pc.utf8_trim_whitespace(table.column(n).combine_chunks()) for n in wanted}
    return cols, lines
