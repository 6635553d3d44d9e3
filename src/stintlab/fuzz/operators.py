"""Mutation operators of the fuzz harness: each takes a :class:`Seed` (a real file cut to a few
cars) and a seeded :class:`random.Random` and returns the mutant's bytes.

Operators act on the container (bytes, line ends, BOM, separators, quotes), on the table's shape
(rows, columns, header) or on one cell's value (huge, negative, NaN/inf, odd car numbers ...).
Every operator has a name (the key of :data:`OPERATORS`) under which its outcomes are counted.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Seed", "OPERATORS"]

BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class Seed:
    """A real file cut short: ``header`` and ``rows`` without line ends; ``kind`` is "laps" or
    "classification"; ``source`` names the corpus file it came from."""

    source: str
    kind: str
    bom: bool
    eol: bytes
    sep: bytes
    header: bytes
    rows: tuple[bytes, ...]

    @property
    def names(self) -> list[str]:
        return [n.strip() for n in self.header.decode("utf-8", "replace").split(self.sep.decode())]

    def join(self, header: bytes | None = None, rows=None, *, eol: bytes | None = None, bom: bool | None = None) -> bytes:
        eol = self.eol if eol is None else eol
        body = eol.join([self.header if header is None else header, *(self.rows if rows is None else rows)]) + eol
        return (BOM if (self.bom if bom is None else bom) else b"") + body


def _cells(seed: Seed, row: bytes) -> list[bytes]:
    return row.split(seed.sep)


def _row_index(seed: Seed, rng: random.Random) -> int:
    return rng.randrange(len(seed.rows))


def _column(seed: Seed, rng: random.Random, prefer: tuple[str, ...] = ()) -> int:
    names = seed.names
    present = [names.index(p) for p in prefer if p in names]
    if present and rng.random() < 0.85:
        return rng.choice(present)
    return rng.randrange(len([n for n in names if n]) or 1)


def _set_cell(seed: Seed, rng: random.Random, value: bytes, prefer: tuple[str, ...] = ()) -> bytes:
    rows = list(seed.rows)
    i = _row_index(seed, rng)
    cells = _cells(seed, rows[i])
    col = _column(seed, rng, prefer)
    if col < len(cells):
        cells[col] = value
    rows[i] = seed.sep.join(cells)
    return seed.join(rows=rows)


def _cell_op(values: list[bytes] | Callable[[random.Random], bytes], prefer: tuple[str, ...] = ()):
    def op(seed: Seed, rng: random.Random) -> bytes:
        value = values(rng) if callable(values) else rng.choice(values)
        return _set_cell(seed, rng, value, prefer)

    return op


TIMES = ("LAP_TIME", "ELAPSED", "HOUR", "PIT_TIME", "S1", "S2", "S3", "TOTAL_TIME", "FL_TIME")
NUMBERS = ("KPH", "TOP_SPEED", "S1_SECONDS", "S2_SECONDS", "S3_SECONDS", "LAPS", "POSITION", "FL_LAPNUM", "FL_KPH")
INTS = ("LAP_NUMBER", "DRIVER_NUMBER", "LAP_IMPROVEMENT", "S1_IMPROVEMENT", "LAPS", "POSITION", "FL_LAPNUM")


# --- bytes -----------------------------------------------------------------------------------------


def byte_flip(seed, rng):
    data = bytearray(seed.join())
    for _ in range(rng.randint(1, 4)):
        i = rng.randrange(len(data))
        data[i] ^= 1 << rng.randrange(8)
    return bytes(data)


def byte_insert(seed, rng):
    data = seed.join()
    i = rng.randrange(len(data))
    return data[:i] + bytes([rng.randrange(256)]) + data[i:]


def byte_delete(seed, rng):
    data = seed.join()
    i = rng.randrange(len(data))
    return data[:i] + data[i + rng.randint(1, 8) :]


def truncate(seed, rng):
    data = seed.join()
    return data[: rng.randrange(len(data))]


def truncate_in_row(seed, rng):
    rows = list(seed.rows[: rng.randint(1, len(seed.rows))])
    rows[-1] = rows[-1][: rng.randrange(max(1, len(rows[-1])))]
    return seed.join(rows=rows, eol=seed.eol)[: -len(seed.eol)]


def nul_byte(seed, rng):
    data = seed.join()
    i = rng.randrange(len(data))
    return data[:i] + b"\x00" + data[i:]


def invalid_utf8(seed, rng):
    data = seed.join()
    i = rng.randrange(len(data))
    return data[:i] + rng.choice([b"\xff", b"\xc3", b"\xe9", b"\xed\xa0\x80"]) + data[i:]


def cp1252(seed, rng):
    text = seed.join().decode("utf-8")
    return text.encode("cp1252", "replace")


def utf16(seed, rng):
    return seed.join(bom=False).decode("utf-8").encode(rng.choice(["utf-16", "utf-16-le"]))


def bom_twice(seed, rng):
    return BOM + seed.join(bom=True)


def bom_removed(seed, rng):
    return seed.join(bom=False)


def bom_inside(seed, rng):
    rows = list(seed.rows)
    i = _row_index(seed, rng)
    rows[i] = BOM + rows[i]
    return seed.join(rows=rows)


def binary_garbage(seed, rng):
    return bytes(rng.randrange(256) for _ in range(rng.randint(1, 4096)))


def empty_file(seed, rng):
    return rng.choice([b"", BOM, b"\r\n", b"   \n\n"])


# --- line ends, blank lines, rows --------------------------------------------------------------------


def crlf_to_lf(seed, rng):
    return seed.join(eol=b"\n")


def cr_only(seed, rng):
    return seed.join(eol=b"\r")


def mixed_eol(seed, rng):
    parts = [seed.header, *seed.rows]
    out = BOM if seed.bom else b""
    for p in parts:
        out += p + rng.choice([b"\r\n", b"\n", b"\r"])
    return out


def blank_lines(seed, rng):
    rows = list(seed.rows)
    for _ in range(rng.randint(1, 5)):
        rows.insert(rng.randrange(len(rows) + 1), rng.choice([b"", b"", b" ", b"\t"]))
    return seed.join(rows=rows)


def duplicate_row(seed, rng):
    rows = list(seed.rows)
    i = _row_index(seed, rng)
    rows.insert(rng.randrange(len(rows) + 1), rows[i])
    return seed.join(rows=rows)


def drop_rows(seed, rng):
    rows = list(seed.rows)
    for _ in range(rng.randint(1, max(1, len(rows) // 4))):
        if len(rows) > 1:
            rows.pop(rng.randrange(len(rows)))
    return seed.join(rows=rows)


def shuffle_rows(seed, rng):
    rows = list(seed.rows)
    rng.shuffle(rows)
    return seed.join(rows=rows)


def header_only(seed, rng):
    return seed.join(rows=[])


def header_repeated(seed, rng):
    rows = list(seed.rows)
    rows.insert(rng.randrange(len(rows) + 1), seed.header)
    return seed.join(rows=rows)


def very_long_cell(seed, rng):
    return _set_cell(seed, rng, b"x" * rng.choice([1000, 200_000]), ("TEAM", "DRIVER_NAME"))


# --- columns and header --------------------------------------------------------------------------------


def _drop_col(seed: Seed, col: int) -> bytes:
    def cut(line: bytes) -> bytes:
        cells = line.split(seed.sep)
        return seed.sep.join(cells[:col] + cells[col + 1 :])

    return seed.join(header=cut(seed.header), rows=[cut(r) for r in seed.rows])


def remove_column(seed, rng):
    return _drop_col(seed, _column(seed, rng))


def remove_required_column(seed, rng):
    return _drop_col(seed, _column(seed, rng, ("NUMBER", "LAP_NUMBER", "LAP_TIME", "ELAPSED", "POSITION", "LAPS")))


def rename_column(seed, rng):
    cells = seed.header.split(seed.sep)
    col = _column(seed, rng, ("NUMBER", "ELAPSED", "LAP_TIME", "CLASS", "DRIVER_NUMBER", "FLAG_AT_FL"))
    cells[col] = rng.choice([b"X_" + cells[col].strip(), cells[col].lower(), b"", b" " + cells[col] + b" "])
    return seed.join(header=seed.sep.join(cells))


def duplicate_column_name(seed, rng):
    cells = seed.header.split(seed.sep)
    a, b = _column(seed, rng), _column(seed, rng)
    cells[b] = cells[a]
    return seed.join(header=seed.sep.join(cells))


def swap_columns(seed, rng):
    a, b = _column(seed, rng), _column(seed, rng)

    def swap(line: bytes) -> bytes:
        cells = line.split(seed.sep)
        if max(a, b) < len(cells):
            cells[a], cells[b] = cells[b], cells[a]
        return seed.sep.join(cells)

    return seed.join(header=swap(seed.header), rows=[swap(r) for r in seed.rows])


def swap_columns_data_only(seed, rng):
    a, b = _column(seed, rng, TIMES), _column(seed, rng, ("NUMBER", "DRIVER_NAME", "CLASS", "LAP_NUMBER"))

    def swap(line: bytes) -> bytes:
        cells = line.split(seed.sep)
        if max(a, b) < len(cells):
            cells[a], cells[b] = cells[b], cells[a]
        return seed.sep.join(cells)

    return seed.join(rows=[swap(r) for r in seed.rows])


def other_separator(seed, rng):
    other = b"," if seed.sep == b";" else b";"
    return seed.join(header=seed.header.replace(seed.sep, other), rows=[r.replace(seed.sep, other) for r in seed.rows])


def tab_separator(seed, rng):
    return seed.join(header=seed.header.replace(seed.sep, b"\t"), rows=[r.replace(seed.sep, b"\t") for r in seed.rows])


def separator_in_value(seed, rng):
    return _set_cell(seed, rng, b"a" + seed.sep + b"b", ("TEAM", "DRIVER_NAME", "NUMBER"))


def missing_separator(seed, rng):
    rows = list(seed.rows)
    i = _row_index(seed, rng)
    k = rows[i].find(seed.sep, rng.randrange(max(1, len(rows[i]))))
    if k >= 0:
        rows[i] = rows[i][:k] + rows[i][k + 1 :]
    return seed.join(rows=rows)


def extra_separator(seed, rng):
    rows = list(seed.rows)
    i = _row_index(seed, rng)
    rows[i] = rows[i] + seed.sep + rng.choice([b"", b"x", b"1"])
    return seed.join(rows=rows)


def header_trailing_separator_toggled(seed, rng):
    h = seed.header
    h = h[: -len(seed.sep)] if h.endswith(seed.sep) else h + seed.sep
    return seed.join(header=h)


def header_lowercase(seed, rng):
    return seed.join(header=seed.header.lower())


# --- quotes ------------------------------------------------------------------------------------------------


def stray_quote(seed, rng):
    rows = list(seed.rows)
    i = _row_index(seed, rng)
    cells = _cells(seed, rows[i])
    c = rng.randrange(len(cells))
    cells[c] = rng.choice([b'"' + cells[c], cells[c] + b'"', b'"'])
    rows[i] = seed.sep.join(cells)
    return seed.join(rows=rows)


def quoted_cells(seed, rng):
    return seed.join(rows=[seed.sep.join(b'"' + c + b'"' for c in _cells(seed, r)) for r in seed.rows])


def quoted_newline(seed, rng):
    return _set_cell(seed, rng, b'"a' + seed.eol + b'b"', ("TEAM", "DRIVER_NAME"))


# --- values -------------------------------------------------------------------------------------------------


def _digits(rng: random.Random) -> bytes:
    return b"9" * rng.choice([20, 60, 400])


OPERATORS: dict[str, Callable[[Seed, random.Random], bytes]] = {
    "byte_flip": byte_flip,
    "byte_insert": byte_insert,
    "byte_delete": byte_delete,
    "truncate": truncate,
    "truncate_in_row": truncate_in_row,
    "nul_byte": nul_byte,
    "invalid_utf8": invalid_utf8,
    "cp1252": cp1252,
    "utf16": utf16,
    "bom_twice": bom_twice,
    "bom_removed": bom_removed,
    "bom_inside": bom_inside,
    "binary_garbage": binary_garbage,
    "empty_file": empty_file,
    "crlf_to_lf": crlf_to_lf,
    "cr_only": cr_only,
    "mixed_eol": mixed_eol,
    "blank_lines": blank_lines,
    "duplicate_row": duplicate_row,
    "drop_rows": drop_rows,
    "shuffle_rows": shuffle_rows,
    "header_only": header_only,
    "header_repeated": header_repeated,
    "very_long_cell": very_long_cell,
    "remove_column": remove_column,
    "remove_required_column": remove_required_column,
    "rename_column": rename_column,
    "duplicate_column_name": duplicate_column_name,
    "swap_columns": swap_columns,
    "swap_columns_data_only": swap_columns_data_only,
    "other_separator": other_separator,
    "tab_separator": tab_separator,
    "separator_in_value": separator_in_value,
    "missing_separator": missing_separator,
    "extra_separator": extra_separator,
    "header_trailing_separator": header_trailing_separator_toggled,
    "header_lowercase": header_lowercase,
    "stray_quote": stray_quote,
    "quoted_cells": quoted_cells,
    "quoted_newline": quoted_newline,
    "empty_value": _cell_op([b""]),
    "empty_time": _cell_op([b""], TIMES),
    "huge_number": _cell_op([b"99999999999", b"2147483648", b"9223372036854775808", b"1e308"], NUMBERS + INTS),
    "negative_number": _cell_op([b"-1", b"-128", b"-0", b"-99999"], NUMBERS + INTS),
    "nan_value": _cell_op([b"nan", b"NaN", b"-nan", b"NA", b"null"], NUMBERS + TIMES),
    "inf_value": _cell_op([b"inf", b"-inf", b"Infinity", b"1e999"], NUMBERS + TIMES),
    "long_digits": _cell_op(_digits, NUMBERS + TIMES + INTS),
    "text_value": _cell_op([b"abc", b"--", b"1,5", b"1.2.3", b"0x10", b" 1 2 "], NUMBERS + TIMES + INTS),
    "unicode_value": _cell_op(["Ünïcødé 🏁".encode(), "\u202ertl".encode(), "\u00a0".encode()], ("TEAM", "DRIVER_NAME")),
    "html_value": _cell_op([b"<script>alert(1)</script>", b"../../etc/passwd", b"&amp;<b>"], ("TEAM", "CLASS", "DRIVER_NAME")),
    "absurd_time": _cell_op([b"1000000000:00:00.000", b"99999999999.000", b"200:00:00.000"], ("ELAPSED", "LAP_TIME")),
    "time_sixty": _cell_op([b"99:99.999", b"1:60.000", b"1:61:00.000", b"0:75"], TIMES),
    "time_zero": _cell_op([b"0", b"0.000", b"0:00.000"], ("LAP_TIME", "ELAPSED")),
    "time_negative": _cell_op([b"-1:00.000", b"-0.001", b"-3:30.000"], TIMES),
    "time_days": _cell_op([b"48:00:00.000", b"31:00:00.000", b"29:59:59.999"], ("LAP_TIME", "PIT_TIME", "ELAPSED")),
    "elapsed_backwards": _cell_op([b"0.500", b"1:00.000", b"10.000"], ("ELAPSED",)),
    "lap_number_odd": _cell_op([b"0", b"1", b"100001", b"-1", b"1.5", b""], ("LAP_NUMBER",)),
    "odd_car_number": _cell_op(
        [b"", b" ", b"0", b"007", b"-1", b"A B", b"#51", "\u0665\u0661".encode(), b"x" * 300, b"<i>7</i>", b"LMP2 Pro/Am"],
        ("NUMBER",),
    ),
    "driver_number_odd": _cell_op([b"0", b"300", b"128", b"-1", b"99", b"100", b"2.0"], ("DRIVER_NUMBER",)),
    "flag_odd": _cell_op([b"", b"XX", b"gf", b"SC", b"RF", b"FF"], ("FLAG_AT_FL",)),
    "class_odd": _cell_op([b"", b"LMP2 Pro/Am", b"<b>X</b>", b"../x", b"ALL", b" "], ("CLASS",)),
    "pit_marker_odd": _cell_op([b"B", b"b", b"BB", b"P", b""], ("CROSSING_FINISH_LINE_IN_PIT", "STATUS")),
}
