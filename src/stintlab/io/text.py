"""Low-level text handling shared by every reader: bytes in, a table of strings out.

The published files differ in container details only (BOM or not, CRLF or LF, ``;`` or
``,``, a trailing separator, leading spaces in header names). :func:`read_table` hides all
of that. It reads with pyarrow (fast path); when pyarrow refuses a file, a slow exact
pass with the :mod:`csv` module either reads it or names the line and column at fault.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from stintlab.errors import StintlabFormatError

__all__ = ["RawTable", "read_table", "read_head", "sniff_header", "Header", "physical_lines"]

BOM = b"\xef\xbb\xbf"
FIRST_FIELD = "field 1"  # how an error names the column when no header name applies


@dataclass(frozen=True)
class Header:
    names: list[str]  # stripped header names, trailing empty one removed
    separator: str
    bom: bool
    crlf: bool
    trailing_separator: bool


@dataclass
class RawTable:
    """Columns of strings keyed by stripped header name, plus where they came from."""

    path: str
    header: Header
    columns: dict[str, pa.Array]  # every value a (possibly empty) string, no nulls
    nrows: int
    lines: np.ndarray | None = None  # physical 1-based file line of each row (header = line 1)
    #: columns left as written, not stripped (``read_table(..., padded=)``): read by strict parsers
    #: that refuse any space and strip on their slow path only (:mod:`stintlab.io.values`)
    padded: frozenset = frozenset()

    def __post_init__(self):
        if self.lines is None:
            self.lines = np.arange(2, self.nrows + 2, dtype=np.int64)

    def text(self, name: str) -> pa.Array:
        """Column ``name`` stripped (a padded column is stripped here, once)."""
        col = self.columns[name]
        if name in self.padded:
            col = self.columns[name] = pc.utf8_trim_whitespace(col)
            self.padded = self.padded - {name}
        return col

    def first_line_of_row(self, row: int) -> int:
        """1-based physical file line of data row ``row`` (0-based); the header is line 1 and
        blank lines count (they are skipped as rows, never as lines)."""
        return int(self.lines[row])


def _decode_error(path, data: bytes, exc: UnicodeDecodeError, names: list[str] | None = None, sep: str = ";"):
    """Locate a decoding error; ``exc`` must come from decoding ``data`` itself (BOM included)."""
    pos = exc.start
    line = data.count(b"\n", 0, pos) + 1
    line_start = data.rfind(b"\n", 0, pos) + 1
    field = data.count(sep.encode(), line_start, pos)
    column = names[field] if names and field < len(names) else f"field {field + 1}"
    return StintlabFormatError(
        path, f"not UTF-8 text (byte 0x{data[pos]:02x}); is this a timing CSV?", line=line, column=column
    )


def sniff_header(path, data: bytes) -> Header:
    """Read the first line: separator, names, BOM, line ending.

    >>> h = sniff_header("x.csv", b"\\xef\\xbb\\xbfNUMBER; DRIVER_NUMBER; LAP_NUMBER;\\r\\n1;1;1;\\r\\n")
    >>> h.names, h.separator, h.bom, h.crlf, h.trailing_separator
    (['NUMBER', 'DRIVER_NUMBER', 'LAP_NUMBER'], ';', True, True, True)
    """
    blank = BOM + b" \r\n\t"
    if not data[:4096].strip(blank) and not data.strip(blank):  # the first 4 KiB say it at once
        raise StintlabFormatError(path, "the file is empty (no header line)", line=1, column=FIRST_FIELD)
    bom = data.startswith(BOM)
    start = 3 if bom else 0
    end = data.find(b"\n", start)
    first = data[start:] if end < 0 else data[start:end]  # no copy of the whole file
    crlf = first.endswith(b"\r")
    first = first.rstrip(b"\r")
    if b"\x00" in first:
        raise StintlabFormatError(path, "binary data where a CSV header was expected", line=1, column=FIRST_FIELD)
    try:
        text = data[(3 if bom else 0) : (3 if bom else 0) + len(first)].decode("utf-8")
    except UnicodeDecodeError:
        try:
            data[: (3 if bom else 0) + len(first)].decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _decode_error(path, data, exc) from None
        raise
    semis, commas = text.count(";"), text.count(",")
    if semis == 0 and commas == 0:
        raise StintlabFormatError(path, "no ';' or ',' separator in the header line", line=1, column=FIRST_FIELD)
    sep = ";" if semis >= commas else ","
    names = [n.strip() for n in text.split(sep)]
    trailing = names[-1] == ""
    if trailing:
        names = names[:-1]
    if any(n == "" for n in names):
        col = names.index("") + 1
        raise StintlabFormatError(path, f"empty column name at position {col} of the header", line=1, column=f"field {col}")
    dupes = sorted({n for n in names if names.count(n) > 1}) if len(set(names)) < len(names) else []
    if dupes:
        raise StintlabFormatError(path, f"duplicated column name(s) {dupes} in the header", line=1, column=dupes[0])
    return Header(names=names, separator=sep, bom=bom, crlf=crlf, trailing_separator=trailing)


def read_head(fh, limit: int = 65536) -> bytes:
    """The start of an open binary file, enough for its header line: the first 4 KiB, or up to
    ``limit`` bytes when the header line is longer (a wide classification header)."""
    head = fh.read(4096)
    if b"\n" not in head and len(head) == 4096:
        head += fh.read(limit - len(head))
    return head


def read_bytes(path) -> bytes:
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise StintlabFormatError(path, "no such file") from None
    except IsADirectoryError:
        raise StintlabFormatError(path, "is a folder, not a file") from None
    if b"\n" not in data and b"\r" in data:  # old Mac line endings (CR only)
        data = data.replace(b"\r", b"\n")
    return data


def read_table(
    path, data: bytes | None = None, header: Header | None = None, *, ragged: bool = False, padded=()
) -> RawTable:
    """Read a delimited timing file into columns of strings (values stripped).

    >>> t = read_table("x.csv", b"A; B;\\n1;x;\\n2; y ;\\n")
    >>> t.nrows, t.columns["B"].to_pylist()
    (2, ['x', 'y'])

    ``ragged``: rows may stop short of the header by dropping trailing per-driver blocks
    (IMSA classification files do); the missing fields are read as empty. A row cut before
    the first ``DRIVER*`` column is still a truncated row.

    ``padded``: names of columns the caller reads with strict parsers (digits and separators only, the
    slow path stripping first: :mod:`stintlab.io.values`); the fast path leaves them as written, which
    spares checking them for spaces (``RawTable.padded``; ``RawTable.text`` strips one on demand).
    """
    if data is None:
        data = read_bytes(path)
    if header is None:
        header = sniff_header(path, data)
    _refuse_inner_bom(path, data, header)
    if ragged or b"\x00" in data:
        columns, nrows, lines = _read_exact(path, data, header, ragged=ragged)
        return RawTable(path=str(path), header=header, columns=columns, nrows=nrows, lines=lines)
    left = frozenset(padded) & set(header.names)
    try:
        columns, nrows = _read_fast(data, header, left)
        lines = physical_lines(data, nrows)
        if lines is None:  # pyarrow and the line count disagree: let the exact pass decide
            raise ValueError("line count")
    except (pa.ArrowInvalid, pa.ArrowException, UnicodeDecodeError, ValueError):
        columns, nrows, lines = _read_exact(path, data, header)  # every value stripped
        left = frozenset()
    return RawTable(path=str(path), header=header, columns=columns, nrows=nrows, lines=lines, padded=left)


def physical_lines(data: bytes, nrows: int) -> np.ndarray | None:
    """File line of each row read by pyarrow, which skips empty lines; None when the count of
    non-empty lines is not ``nrows`` (e.g. a lone CR, which pyarrow reads as a line end)."""
    u8 = np.frombuffer(data, dtype=np.uint8)
    nl = np.flatnonzero(u8 == 10)  # one numpy pass: much faster than bytes searches on a big file
    gap = np.diff(nl)
    blank = bool((gap == 1).any()) or bool(((gap == 2) & (u8[nl[:-1] + 1] == 13)).any())  # \n\n, \n\r\n
    if not blank:
        body_lines = len(nl) + (0 if data.endswith(b"\n") else 1) - 1
        return np.arange(2, nrows + 2, dtype=np.int64) if body_lines == nrows else None
    parts = data.split(b"\n")[1:]
    lines = np.array([i + 2 for i, p in enumerate(parts) if p not in (b"", b"\r")], dtype=np.int64)
    return lines if len(lines) == nrows else None


def _refuse_inner_bom(path, data: bytes, header: Header) -> None:
    """A byte-order mark after the start of the file (files joined together, a re-save gone wrong)
    would glue itself to a value (car ``\\ufeff51`` shown as "51"): refused, located."""
    # candidates by a single-byte search (memchr: 0xEF is rare in text), each checked as a whole BOM
    pos = data.find(BOM[:1], 3 if header.bom else 0)
    while pos >= 0 and data[pos : pos + 3] != BOM:
        pos = data.find(BOM[:1], pos + 1)
    if pos <= 0:
        return
    line = data.count(b"\n", 0, pos) + 1
    field = data.count(header.separator.encode(), data.rfind(b"\n", 0, pos) + 1, pos)
    column = header.names[field] if field < len(header.names) else f"field {field + 1}"
    raise StintlabFormatError(
        path, "a byte-order mark (BOM) inside the file (files joined together?)", line=line, column=column
    )


def _arrow_names(header: Header) -> list[str]:
    names = list(header.names)
    if header.trailing_separator:
        names.append("__trailing__")
    return names


#: pyarrow parses blocks of this size in parallel (pyarrow's own threads, as its ``read_csv`` does by
#: default): on two cores a 3 MB lap file reads in 2.9 ms instead of 4.8 ms as one block
_BLOCK = 1 << 20


def _read_fast(data: bytes, header: Header, padded: frozenset = frozenset()) -> tuple[dict[str, pa.Array], int]:
    names = _arrow_names(header)
    table = pacsv.read_csv(
        io.BytesIO(data),
        read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, use_threads=True, block_size=_BLOCK),
        parse_options=pacsv.ParseOptions(delimiter=header.separator, newlines_in_values=False),
        convert_options=pacsv.ConvertOptions(
            column_types={n: pa.string() for n in names}, strings_can_be_null=False, quoted_strings_can_be_null=False
        ),
    )
    if header.trailing_separator:
        trail = table.column("__trailing__")
        if len(trail) and pc.any(pc.not_equal(pc.utf8_length(trail), 0)).as_py():
            raise ValueError("data after the trailing separator")  # let the exact reader locate it
    cols = {}
    for n in header.names:
        col = table.column(n).combine_chunks()
        cols[n] = pc.utf8_trim_whitespace(col) if n not in padded and _may_need_trim(col) else col
    return cols, table.num_rows


def _may_need_trim(col: pa.Array) -> bool:
    """False when no value can start or end with whitespace: every first and last byte is printable
    ASCII (trimming is then a no-op, skipped). Conservative: a control byte or any non-ASCII byte
    at either end (``\xa0``, an accented last letter) says True and the column is trimmed."""
    if col.type != pa.string() or col.null_count or len(col) == 0:
        return True
    bufs = col.buffers()
    if bufs[2] is None or len(bufs[2]) == 0:
        return False  # every value empty
    offs = np.frombuffer(bufs[1], dtype=np.int32, count=len(col) + 1, offset=col.offset * 4)
    data = np.frombuffer(bufs[2], dtype=np.uint8)
    # an empty value reads a neighbour's byte instead: at worst a needless trim, never a missed one
    last = len(data) - 1
    for ends in (data[np.minimum(offs[:-1], last)], data[np.maximum(offs[1:] - 1, 0)]):
        if bool(((ends <= 32) | (ends >= 127)).any()):
            return True
    return False


def _unclosed_quote(path, body: str, first_line: int, header: Header) -> StintlabFormatError:
    """The located error for a quote that opens a field and never closes (the csv module then
    reads the rest of the file as one field)."""
    text = body.split("\n", first_line - 1)[first_line - 2] if first_line >= 2 else ""
    fields = text.split(header.separator)
    bad = next((i for i, f in enumerate(fields) if '"' in f), 0)
    column = header.names[bad] if bad < len(header.names) else f"field {bad + 1}"
    return StintlabFormatError(path, "a quote opened in this field is not closed on the line", line=first_line, column=column)


def _read_exact(
    path, data: bytes, header: Header, ragged: bool = False
) -> tuple[dict[str, pa.Array], int, np.ndarray]:
    """Slow, exact pass: reads what pyarrow refused when it is still well-formed, else names line and column."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _decode_error(path, data, exc, header.names, header.separator) from None
    text = text.removeprefix("\ufeff")
    if "\x00" in text:
        pos = text.index("\x00")
        line = text.count("\n", 0, pos) + 1
        field = text.count(header.separator, text.rfind("\n", 0, pos) + 1, pos)
        column = header.names[field] if field < len(header.names) else f"field {field + 1}"
        raise StintlabFormatError(path, "binary data (NUL byte) in a text file", line=line, column=column)
    n = len(header.names)
    # a ragged row may drop trailing per-driver blocks only, never the car's own fields
    min_ragged = next((i for i, name in enumerate(header.names) if name.upper().startswith("DRIVER")), n)
    values: list[list[str]] = [[] for _ in range(n)]
    # the header was read by sniff_header: skip its physical line (a quote in it must not swallow the file)
    cut = text.find("\n")
    body = text[cut + 1 :] if cut >= 0 else ""
    reader = csv.reader(io.StringIO(body, newline=""), delimiter=header.separator)
    rows = 0
    prev_line = 1
    lines: list[int] = []
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error:  # a field past the csv module's size limit: an unclosed quote
            raise _unclosed_quote(path, body, prev_line + 1, header) from None
        line, first_line = reader.line_num + 1, prev_line + 1
        prev_line = line
        if line > first_line and any("\n" in f or "\r" in f for f in fields):
            bad = next(i for i, f in enumerate(fields) if "\n" in f or "\r" in f)
            column = header.names[bad] if bad < len(header.names) else f"field {bad + 1}"
            raise StintlabFormatError(path, "a quote opened in this field is not closed on the line", line=first_line, column=column)
        if not fields or (len(fields) == 1 and not fields[0].strip()):
            continue
        if header.trailing_separator and len(fields) == n + 1:
            if fields[-1].strip():
                raise StintlabFormatError(
                    path, f"{len(fields)} fields where the header has {n}", line=line, column=f"field {n + 1}"
                )
            fields = fields[:n]
        elif len(fields) == n + 1 and not fields[-1].strip():
            fields = fields[:n]  # a trailing separator the header lacks
        if ragged and min_ragged <= len(fields) < n:
            fields = fields + [""] * (n - len(fields))
        if len(fields) != n:
            if len(fields) >= n:
                last = header.names[-1]
            elif ragged:  # rows end on field boundaries: name the first column missing
                last = header.names[len(fields)]
            else:  # a cut line: name the field where it was cut
                last = header.names[len(fields) - 1]
            what = "truncated row" if len(fields) < n else "too many fields"
            hint = " (wrong separator?)" if len(fields) == 1 else ""
            raise StintlabFormatError(
                path, f"{what}: {len(fields)} fields where the header has {n}{hint}", line=line, column=last
            )
        for i, v in enumerate(fields):
            values[i].append(v.strip())
        lines.append(first_line)
        rows += 1
    cols = {name: pa.array(values[i], type=pa.string()) for i, name in enumerate(header.names)}
    return cols, rows, np.array(lines, dtype=np.int64)
