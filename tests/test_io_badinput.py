"""Bad input: every broken lap file gives ONE StintlabFormatError naming file, line and column,
and the CLI prints one line and exits 2 (no traceback).

The files are synthetic (a 25-column Al Kamel header and invented rows), built in tmp_path.
Nine reader defects found by these tests were fixed by the lead (commits 8d77d88, 5a2f686); the
tests that exposed them stay here as regression tests.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import stintlab
from stintlab.cli import main
from stintlab.errors import StintlabFormatError

HEADER = (
    "NUMBER; DRIVER_NUMBER; LAP_NUMBER; LAP_TIME; LAP_IMPROVEMENT; CROSSING_FINISH_LINE_IN_PIT; S1; S1_IMPROVEMENT; "
    "S2; S2_IMPROVEMENT; S3; S3_IMPROVEMENT; KPH; ELAPSED; HOUR;S1_LARGE;S2_LARGE;S3_LARGE;TOP_SPEED;DRIVER_NAME;"
    "PIT_TIME;CLASS;GROUP;TEAM;MANUFACTURER;"
)
NAMES = [n.strip() for n in HEADER.split(";")][:-1]
ROWS = [
    "7;1;1;3:30.000;0;;40.000;0;1:20.000;0;1:30.000;0;230.0;3:30.000;15:03:30.000;0:40.000;1:20.000;1:30.000;330.1;Ana TESTER;;HYPERCAR;H;Test Team;Testa;",
    "7;1;2;3:25.500;2;B;35.000;0;1:18.000;0;1:32.500;0;235.0;6:55.500;15:06:55.500;0:35.000;1:18.000;1:32.500;331.0;Ana TESTER;;HYPERCAR;H;Test Team;Testa;",
    "7;2;3;4:40.000;0;;1:50.000;0;1:19.000;0;1:31.000;0;170.0;11:35.500;15:11:35.500;1:50.000;1:19.000;1:31.000;329.9;Bo EXAMPLE;0:01:20.000;HYPERCAR;H;Test Team;Testa;",
    "007;1;1;3:40.000;0;;41.000;0;1:24.000;0;1:35.000;0;220.0;3:40.000;15:03:40.000;0:41.000;1:24.000;1:35.000;320.0;Cy SAMPLE;;LMGT3;;Other Team;Othera;",
]
BOM = b"\xef\xbb\xbf"


def lap_bytes(rows=ROWS, header=HEADER, *, eol=b"\r\n", bom=True) -> bytes:
    text = eol.join(line.encode("utf-8") for line in [header, *rows]) + eol
    return (BOM if bom else b"") + text


def with_field(row: str, column: str, value: str) -> str:
    fields = row.split(";")
    fields[NAMES.index(column)] = value
    return ";".join(fields)


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


def format_error(path: Path) -> StintlabFormatError:
    with pytest.raises(StintlabFormatError) as info:
        stintlab.load(path, find_results=False)
    err = info.value
    # ONE error: not chained to a lower-level exception the user would see in a traceback.
    assert err.__cause__ is None
    return err


def test_the_synthetic_file_is_valid(tmp_path):
    """Guard: the base file loads, so every failure below comes from the one defect injected."""
    race = stintlab.load(write(tmp_path, "ok.csv", lap_bytes()), find_results=False)
    assert race.laps["car"].tolist() == ["7", "7", "7", "007"]
    assert race.laps["in_lap"].tolist() == [False, True, False, False]
    assert race.laps["out_lap"].tolist() == [False, False, True, False]
    assert race.laps["pit_time"].iloc[2] == 80.0


# name -> (file bytes, expected line, expected column or None when no column is named yet)
TRUNCATED = lap_bytes()[:-29]  # last row cut after DRIVER_NAME: "...;320.0;Cy SAMPLE" (20 fields)
CASES = {
    "truncated_last_row": (TRUNCATED, 5, "DRIVER_NAME"),
    "wrong_separator_in_rows": (lap_bytes([r.replace(";", ",") for r in ROWS]), 2, "NUMBER"),
    "text_in_lap_time": (lap_bytes([ROWS[0], with_field(ROWS[1], "LAP_TIME", "3:2x.500"), *ROWS[2:]]), 3, "LAP_TIME"),
    "text_in_elapsed": (lap_bytes([*ROWS[:2], with_field(ROWS[2], "ELAPSED", "abc"), ROWS[3]]), 4, "ELAPSED"),
    "text_in_sector": (lap_bytes([with_field(ROWS[0], "S2", "--"), *ROWS[1:]]), 2, "S2"),
    "text_in_pit_time": (lap_bytes([*ROWS[:2], with_field(ROWS[2], "PIT_TIME", "1:xx"), ROWS[3]]), 4, "PIT_TIME"),
    "text_in_lap_number": (lap_bytes([*ROWS[:3], with_field(ROWS[3], "LAP_NUMBER", "one")]), 5, "LAP_NUMBER"),
    # an empty LAP_TIME alone is rebuilt from ELAPSED (tests/test_io_edge.py); both empty cannot be
    "empty_lap_and_race_time": (
        lap_bytes([ROWS[0], with_field(with_field(ROWS[1], "LAP_TIME", ""), "ELAPSED", ""), *ROWS[2:]]),
        3,
        "LAP_TIME",
    ),
    "empty_car_number": (lap_bytes([*ROWS[:3], with_field(ROWS[3], "NUMBER", "")]), 5, "NUMBER"),
    "missing_required_column": (
        lap_bytes([r for r in ROWS], HEADER.replace(" ELAPSED;", " ELAPSED_X;")),
        1,
        "ELAPSED",
    ),
    "duplicated_lap": (lap_bytes([*ROWS, ROWS[1]]), 6, "LAP_NUMBER"),
    "too_many_fields": (lap_bytes([ROWS[0], ROWS[1] + "extra;", *ROWS[2:]]), 3, "MANUFACTURER"),
    "non_utf8_in_driver_name": (
        lap_bytes([ROWS[0]]).replace(b"Ana TESTER", b"Ana T\xe9STER") + b"\r\n".join(r.encode() for r in ROWS[1:]),
        2,
        "DRIVER_NAME",
    ),
    # whole-file defects: the header line (or the missing first row) and its first field
    "empty_file": (b"", 1, "field 1"),
    "bom_only": (BOM + b"\r\n", 1, "field 1"),
    "header_only": (lap_bytes([]), 2, "NUMBER"),
    "wrong_separator_everywhere": (
        lap_bytes([r.replace(";", "\t") for r in ROWS], HEADER.replace(";", "\t")),
        1,
        "field 1",
    ),
    "binary_garbage": (bytes(range(256)) * 8, 1, "field 1"),
    "png_bytes": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(200)), 1, "field 1"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_file_gives_one_error_naming_file_line_and_column(tmp_path, case):
    data, line, column = CASES[case]
    path = write(tmp_path, f"{case}.csv", data)
    err = format_error(path)
    assert err.path == str(path)
    assert (err.line, err.column) == (line, column), str(err)
    assert str(err).startswith(f"{path.name}, line {line}, column {column}: ")


def test_offending_value_is_quoted_in_message(tmp_path):
    err = format_error(write(tmp_path, "t.csv", CASES["text_in_lap_time"][0]))
    assert "'3:2x.500'" in err.message
    err = format_error(write(tmp_path, "d.csv", CASES["duplicated_lap"][0]))
    assert "car 7 lap 2" in err.message and "line 3" in err.message  # first copy on line 3, second on line 6


def test_file_that_does_not_exist(tmp_path):
    with pytest.raises(StintlabFormatError, match="no such file"):
        stintlab.load(tmp_path / "nope.csv", find_results=False)


def test_classification_file_given_as_lap_file_is_rejected(tmp_path):
    p = write(tmp_path, "res.csv", b"POSITION;NUMBER;STATUS;LAPS;\n1;7;Classified;387;\n")
    err = format_error(p)
    assert err.line == 1 and "expected a laps file, found a classification file" in err.message


# --- located decode errors and quotes (reader defects found by this file, fixed in 8d77d88) ------


def test_non_utf8_error_names_the_byte_and_its_column(tmp_path):
    """The decode offset is taken on the raw bytes (BOM included): the byte reported is the bad
    one (0xe9 in 'Ana T\xe9STER'), not the one 3 bytes earlier."""
    err = format_error(write(tmp_path, "u.csv", CASES["non_utf8_in_driver_name"][0]))
    assert (err.line, err.column) == (2, "DRIVER_NAME")
    assert "0xe9" in err.message, err.message


def test_non_utf8_byte_at_line_start_is_on_its_own_line(tmp_path):
    data = lap_bytes().replace(b"\r\n7;1;2;", b"\r\n\xff7;1;2;")  # the row of line 3 starts with byte 0xff
    assert data.count(b"\xff") == 1
    err = format_error(write(tmp_path, "s.csv", data))
    assert (err.line, err.column) == (3, "NUMBER"), str(err)
    assert "0xff" in err.message


def test_unbalanced_quote_reported_on_its_own_line(tmp_path):
    """A stray '"' opening DRIVER_NAME on line 3 must not be reported where the quoted run ends."""
    data = lap_bytes([ROWS[0], with_field(ROWS[1], "DRIVER_NAME", '"Ana TESTER'), *ROWS[2:]])
    err = format_error(write(tmp_path, "q.csv", data))
    assert err.line == 3, str(err)


# --- CLI -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", ["text_in_lap_time", "duplicated_lap", "empty_file", "binary_garbage", "header_only"])
def test_cli_prints_one_line_and_exits_2(tmp_path, capsys, case):
    path = write(tmp_path, f"{case}.csv", CASES[case][0])
    code = main(["info", str(path)])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("stintlab: error: ") and path.name in lines[0]
    assert f"line {CASES[case][1]}, column {CASES[case][2]}" in lines[0]
    assert "Traceback" not in err


def test_cli_subprocess_no_traceback(tmp_path):
    """The installed console script, in a real process: exit code 2, one stderr line."""
    path = write(tmp_path, "bad.csv", CASES["text_in_elapsed"][0])
    exe = Path(sys.executable).with_name("stintlab")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "stintlab.cli"]
    proc = subprocess.run([*cmd, "info", str(path)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.strip().splitlines() == ["stintlab: error: bad.csv, line 4, column ELAPSED: not a time: 'abc'"]


def test_nul_byte_inside_a_lap_field_is_located(tmp_path):
    """A NUL byte is binary data on the fast (pyarrow) path too, not part of a driver name
    (defect found here, fixed in 5a2f686)."""
    data = lap_bytes().replace(b"Ana TESTER", b"Ana TE\x00STER", 1)
    err = format_error(write(tmp_path, "nul.csv", data))
    assert (err.line, err.column) == (2, "DRIVER_NAME"), str(err)


# --- classification files -------------------------------------------------------------------------

RES_HEADER = (
    "POSITION,NUMBER,STATUS,LAPS,TOTAL_TIME,GAP_FIRST,GAP_PREVIOUS,FL_LAPNUM,FL_TIME,FL_KPH,TEAM,CLASS,"
    "DRIVER1_FIRSTNAME,DRIVER1_SECONDNAME,DRIVER1_LICENSE,DRIVER2_FIRSTNAME,DRIVER2_SECONDNAME,DRIVER2_LICENSE"
)
RES_ROWS = [
    "1,7,Classified,3,10:29.500,-,-,2,3:25.500,235.0,Test Team,HYPERCAR,Ana,TESTER,Platinium,Bo,EXAMPLE,Gold",
    "2,007,Classified,1,3:40.000,2 Laps,2 Laps,1,3:40.000,220.0,Other Team,LMGT3,Cy,SAMPLE,Bronze",
]


def res_bytes(rows=RES_ROWS, header=RES_HEADER) -> bytes:
    return BOM + "\r\n".join([header, *rows]).encode() + b"\r\n"


def results_error(tmp_path, data: bytes, laps: bytes | None = None) -> StintlabFormatError:
    lap_path = write(tmp_path, "laps.csv", laps or lap_bytes())
    res_path = write(tmp_path, "results.csv", data)
    with pytest.raises(StintlabFormatError) as info:
        stintlab.load(lap_path, results=res_path)
    assert info.value.path == str(res_path)
    return info.value


def test_synthetic_results_file_is_valid(tmp_path):
    race = stintlab.load(write(tmp_path, "laps.csv", lap_bytes()), results=write(tmp_path, "r.csv", res_bytes()))
    assert list(race.classification["car"]) == ["7", "007"]
    d = race.drivers.set_index("driver")
    assert d.loc["Ana TESTER", "category"] == "Platinum" and d.loc["Cy SAMPLE", "category"] == "Bronze"


@pytest.mark.parametrize(
    "rows,line,column",
    [
        ([RES_ROWS[0].replace(",3,10:29.500", ",three,10:29.500"), RES_ROWS[1]], 2, "LAPS"),
        ([RES_ROWS[0], RES_ROWS[1].replace(",3:40.000,2 Laps", ",3:4o.000,2 Laps")], 3, "TOTAL_TIME"),
        ([RES_ROWS[0], RES_ROWS[1].replace("2,007,", "2,,", 1)], 3, "NUMBER"),
        ([*RES_ROWS, RES_ROWS[1].replace("2,007,", "3,007,", 1)], 4, "NUMBER"),
        ([RES_ROWS[0].replace("1,7,", "first,7,", 1), RES_ROWS[1]], 2, "POSITION"),
    ],
    ids=["text_in_laps", "text_in_total_time", "empty_car", "car_twice", "text_in_position"],
)
def test_bad_results_file_is_located(tmp_path, rows, line, column):
    err = results_error(tmp_path, res_bytes(rows))
    assert (err.line, err.column) == (line, column), str(err)


def test_results_header_only(tmp_path):
    err = results_error(tmp_path, res_bytes([]))
    assert err.line == 2 and "no cars" in err.message


def test_results_without_laps_column_names_laps(tmp_path):
    """When a classification is expected, the missing column named is LAPS, not the lap-file
    columns (defect found here, fixed in 5a2f686)."""
    err = results_error(tmp_path, res_bytes(RES_ROWS, RES_HEADER.replace(",LAPS,", ",LAPZ,")))
    assert (err.line, err.column) == (1, "LAPS"), str(err)


def test_results_row_cut_before_laps_is_a_truncated_row(tmp_path):
    """Ragged rows are legitimate only when they drop trailing driver blocks; a row cut after
    STATUS is a truncated row at its first missing column (defect found here, fixed in 5a2f686)."""
    err = results_error(tmp_path, res_bytes([RES_ROWS[0], "2,007,Classified"]))
    assert (err.line, err.column) == (3, "LAPS"), str(err)


def test_cli_bad_results_file_one_line_exit_2(tmp_path, capsys):
    lap_path = write(tmp_path, "laps.csv", lap_bytes())
    res_path = write(tmp_path, "results.csv", res_bytes([RES_ROWS[0].replace(",3,10:29.500", ",three,10:29.500")]))
    code = main(["classification", str(lap_path), "--results", str(res_path), "--json"])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err.strip().splitlines() == [
        "stintlab: error: results.csv, line 2, column LAPS: not a whole number: 'three'"
    ]
