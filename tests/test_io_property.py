"""Property-based tests: REAL corpus rows (read at test time from ../shared/data/races, never
committed), mutated by hypothesis (delete / duplicate / replace characters or fields, swap
separators, truncate, inject bytes). The reader must either parse them into a valid canonical
table or raise StintlabFormatError (with a line when it names one) - never any other exception.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import stintlab
from conftest import _need_corpus, lap_file, results_file
from stintlab.errors import StintlabFormatError
from stintlab.io import read_file
from stintlab.schema import validate_laps

# three container variants: 25 columns `;` BOM CRLF, 26 columns `,` (IMSA), 29 columns `;` no BOM LF
SOURCES = ["lemans-2019", "imsa-2023-watkins-glen-international", "wec-2025-spa6h"]
N_ROWS = 40
SETTINGS = settings(
    max_examples=80,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@functools.cache
def sample(name: str, kind: str = "laps") -> tuple[bytes, list[bytes], bytes]:
    """(prefix incl. BOM + header line, the first N_ROWS data lines, line ending) of a real file."""
    path = lap_file(name) if kind == "laps" else results_file(name)
    _need_corpus()  # skips locally, fails under CI=true
    with open(path, "rb") as fh:
        head = fh.read(1 << 16) if kind == "laps" else fh.read()
    eol = b"\r\n" if b"\r\n" in head else b"\n"
    lines = head.split(eol)
    rows = [ln for ln in lines[1 : N_ROWS + 1] if ln]
    assert len(rows) == N_ROWS or kind != "laps"
    return lines[0], rows, eol


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("mutated") / "mutated.csv"


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@st.composite
def mutated_file(draw, kind: str = "laps", sources=tuple(SOURCES)):
    name = draw(st.sampled_from(sources))
    header, rows, eol = sample(name, kind)
    rows = list(rows)
    sep = b"," if header.count(b",") > header.count(b";") else b";"
    lines = [header, *rows]
    for _ in range(draw(st.integers(1, 3))):
        op = draw(
            st.sampled_from(
                [
                    "delete_char",
                    "replace_char",
                    "insert_bytes",
                    "duplicate_row",
                    "delete_row",
                    "swap_rows",
                    "delete_field",
                    "duplicate_field",
                    "replace_field",
                    "swap_separator_line",
                    "swap_separator_all",
                    "truncate",
                    "blank_line",
                ]
            )
        )
        i = draw(st.integers(0, len(lines) - 1))
        line = lines[i]
        if op == "delete_char" and line:
            j = draw(st.integers(0, len(line) - 1))
            lines[i] = line[:j] + line[j + 1 :]
        elif op == "replace_char" and line:
            j = draw(st.integers(0, len(line) - 1))
            ch = draw(st.sampled_from([b"x", b":", b".", b";", b",", b"'", b'"', b" ", b"-", b"9", b"\xff", b"\x00"]))
            lines[i] = line[:j] + ch + line[j + 1 :]
        elif op == "insert_bytes":
            j = draw(st.integers(0, len(line)))
            lines[i] = line[:j] + draw(st.binary(min_size=1, max_size=6)) + line[j:]
        elif op == "duplicate_row" and i > 0:
            lines.insert(draw(st.integers(1, len(lines))), line)
        elif op == "delete_row" and len(lines) > 1:
            del lines[i]
        elif op == "swap_rows" and len(lines) > 2:
            j = draw(st.integers(1, len(lines) - 1))
            k = max(i, 1)
            lines[k], lines[j] = lines[j], lines[k]
        elif op in ("delete_field", "duplicate_field", "replace_field"):
            fields = line.split(sep)
            j = draw(st.integers(0, len(fields) - 1))
            if op == "delete_field":
                del fields[j]
            elif op == "duplicate_field":
                fields.insert(j, fields[j])
            else:
                fields[j] = draw(st.sampled_from([b"", b"abc", b"1:2:3:4", b"-1", b"99999", b"B", b"1e5", b"\xc3"]))
            lines[i] = sep.join(fields)
        elif op == "swap_separator_line":
            other = b"," if sep == b";" else b";"
            lines[i] = line.replace(sep, other)
        elif op == "swap_separator_all":
            other = b"," if sep == b";" else b";"
            lines = [ln.replace(sep, other) for ln in lines]
        elif op == "blank_line":
            lines.insert(i, b"")
        elif op == "truncate":
            data = eol.join(lines)
            cut = draw(st.integers(0, len(data)))
            lines = data[:cut].split(eol)
    return eol.join(lines) + (eol if draw(st.booleans()) else b"")


def _check_format_error(err: StintlabFormatError, path: Path) -> None:
    assert err.path == str(path)
    assert err.line is None or err.line >= 1
    assert str(err).startswith(path.name)


@SETTINGS
@given(data=mutated_file())
def test_mutated_lap_file_parses_or_raises_format_error(scratch, data):
    path = _write(scratch, data)
    try:
        race = stintlab.load(path, find_results=False)
    except StintlabFormatError as err:
        _check_format_error(err, path)
        return
    laps = race.laps
    validate_laps(laps)
    assert 0 < len(laps) <= data.count(b"\n") + 1
    assert not laps["car"].isna().any() and (laps["car"].str.len() > 0).all()
    assert not laps["elapsed"].isna().any() and not laps["lap_time"].isna().any()
    assert not laps.duplicated(["car", "lap"]).any()
    assert len(race.classification) == laps["car"].nunique()


@SETTINGS
@given(data=mutated_file(kind="classification", sources=("imsa-2024-road-atlanta", "imsa-2021-road-atlanta")))
def test_mutated_classification_file_parses_or_raises_format_error(scratch, data):
    path = _write(scratch, data)
    try:
        parsed = read_file(path)
    except StintlabFormatError as err:
        _check_format_error(err, path)
        return
    if parsed.format == "classification":
        cls = parsed.table
        assert cls["car"].is_unique and not cls["car"].isna().any()
        assert len(cls) >= 1


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(data=st.binary(max_size=400))
def test_random_bytes_never_crash_the_reader(scratch, data):
    path = _write(scratch, data)
    try:
        read_file(path)
    except StintlabFormatError as err:
        _check_format_error(err, path)


@pytest.mark.parametrize("name", SOURCES)
def test_unmutated_sample_loads(scratch, name):
    """Guard for the properties above: the real rows used as a base parse as they are."""
    header, rows, eol = sample(name)
    race = stintlab.load(_write(scratch, eol.join([header, *rows]) + eol), find_results=False)
    assert len(race.laps) == N_ROWS
