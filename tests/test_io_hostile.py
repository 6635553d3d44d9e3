"""Hostile input (issue 17): each test copies a real corpus file into tmp_path with ONE mutation
and checks the outcome: a located StintlabFormatError (file, physical line, column), a documented
repair, or a correct answer. Expected lines and values are read from the raw rows here (bytes and
the csv module), never from the reader under test.
"""

from __future__ import annotations

import contextlib
import csv
import io

import pytest

import stintlab
from conftest import CORPUS, lap_file, race_row
from stintlab.cli import main
from stintlab.errors import StintlabError, StintlabFormatError, StintlabUsageError
from stintlab.io import read_file

COTA = "wec-2025-cota6h"  # 29 columns, BOM, CRLF, ';', 3,964 laps
IMSA = "imsa-2023-road-atlanta"  # lap file + results, ',' separator


def _lines(name: str = COTA) -> list[bytes]:
    return lap_file(name).read_bytes().split(b"\r\n")


def _names(lines: list[bytes], sep: bytes = b";") -> list[str]:
    return [n.strip() for n in lines[0].decode("utf-8-sig").split(sep.decode())]


def _set(lines: list[bytes], line: int, column: str, value: str, sep: bytes = b";") -> list[bytes]:
    """A copy of ``lines`` with the cell (physical 1-based ``line``, ``column``) set to ``value``."""
    out = list(lines)
    fields = out[line - 1].split(sep)
    fields[_names(lines, sep).index(column)] = value.encode()
    out[line - 1] = sep.join(fields)
    return out


def _cell(lines: list[bytes], line: int, column: str, sep: bytes = b";") -> str:
    return lines[line - 1].split(sep)[_names(lines, sep).index(column)].decode()


def _write(tmp_path, lines: list[bytes], name: str = "cota_6h.csv", eol: bytes = b"\r\n"):
    path = tmp_path / name
    path.write_bytes(eol.join(lines))
    return path


def _located(path, line: int, column: str) -> StintlabFormatError:
    with pytest.raises(StintlabFormatError) as info:
        read_file(path, expect="laps")
    err = info.value
    assert (err.path, err.line, err.column) == (str(path), line, column), str(err)
    return err


def _cli(*args) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main([str(a) for a in args])
    return rc, out.getvalue(), err.getvalue()


# --- absurd race times ---------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["1000000000:00:00.000", "99999999999.000", "9" * 400, "101:00:00.000"])
def test_absurd_elapsed_is_a_located_error_at_read_time(tmp_path, corpus, value):
    path = _write(tmp_path, _set(_lines(), 6, "ELAPSED", value))
    err = _located(path, 6, "ELAPSED")
    assert len(str(err)) < 200  # one readable line, the 400 digits cut


def test_race_hours_refuses_a_runaway_race_time_built_by_hand():
    import pandas as pd

    from stintlab.analysis.standings import race_hours

    with pytest.raises(StintlabUsageError):
        race_hours(pd.DataFrame({"elapsed": [100.0, 1e12]}))


@pytest.mark.parametrize(
    "column, value",
    [("LAP_TIME", "0.000"), ("LAP_TIME", "48:00:00.000"), ("LAP_TIME", "99:99.999"), ("HOUR", "13:60:00.000"), ("PIT_TIME", "-1:00.000")],
)
def test_lap_times_of_nothing_of_days_or_with_60_seconds_are_located(tmp_path, corpus, column, value):
    _located(_write(tmp_path, _set(_lines(), 9, column, value)), 9, column)


def test_elapsed_going_backwards_is_located(tmp_path, corpus):
    lines = _lines()
    assert _cell(lines, 9, "NUMBER") == _cell(lines, 10, "NUMBER")  # same car, consecutive laps
    _located(_write(tmp_path, _set(lines, 10, "ELAPSED", "1:00.000")), 10, "ELAPSED")


def test_empty_lap_time_is_not_rebuilt_from_elapsed_going_backwards(tmp_path, corpus):
    lines = _set(_lines(), 10, "LAP_TIME", "")
    lines = _set(lines, 10, "ELAPSED", "1:00.000")
    _located(_write(tmp_path, lines), 10, "LAP_TIME")


def test_empty_lap_time_with_a_sane_elapsed_is_rebuilt_and_recorded(tmp_path, corpus):
    lines = _lines()
    prev, this = (stintlab.io.values.parse_time_text(_cell(lines, n, "ELAPSED")) for n in (9, 10))
    parsed = read_file(_write(tmp_path, _set(lines, 10, "LAP_TIME", "")), expect="laps")
    row = parsed.table[parsed.table["line"] == 10].iloc[0]
    assert row["lap_time"] == pytest.approx(this - prev, abs=1e-3)
    assert parsed.facts["filled_times"] == [10]


# --- numbers -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "column, value",
    [
        ("DRIVER_NUMBER", "300"),
        ("DRIVER_NUMBER", "128"),
        ("DRIVER_NUMBER", "0"),
        ("LAP_IMPROVEMENT", "200"),
        ("KPH", "inf"),
        ("KPH", "nan"),
        ("KPH", "1e999"),
        ("S1_SECONDS", "-5.0"),
    ],
)
def test_out_of_range_and_non_finite_numbers_are_located(tmp_path, corpus, column, value):
    _located(_write(tmp_path, _set(_lines(), 7, column, value)), 7, column)


def test_classification_numbers_beyond_int32_are_located(tmp_path, corpus):
    src = CORPUS / IMSA / race_row(IMSA)["results_file"]
    lines = src.read_bytes().split(b"\n")
    mutated = _set(lines, 3, "LAPS", "99999999999", b",")
    path = tmp_path / "results.csv"
    path.write_bytes(b"\n".join(mutated))
    with pytest.raises(StintlabFormatError) as info:
        read_file(path, expect="classification")
    assert (info.value.line, info.value.column) == (3, "LAPS")


# --- text container --------------------------------------------------------------------------------


def test_stray_quote_in_a_real_size_file_is_located(tmp_path, corpus):
    lines = _lines()
    team = _cell(lines, 6, "TEAM")
    _located(_write(tmp_path, _set(lines, 6, "TEAM", '"' + team)), 6, "TEAM")


def test_bom_in_the_middle_of_the_file_is_located_not_a_phantom_car(tmp_path, corpus):
    lines = _lines()
    lines[5] = b"\xef\xbb\xbf" + lines[5]
    _located(_write(tmp_path, lines), 6, "NUMBER")


def test_trailing_separator_error_names_a_column(tmp_path, corpus):
    lines = _lines()
    assert lines[0].endswith(b";")  # the header has a trailing separator
    lines[7] = lines[7] + b"extra"  # a value after the trailing separator
    err = _located(_write(tmp_path, lines), 8, f"field {len(_names(lines))}")
    assert "fields where the header has" in err.message


def test_blank_lines_keep_physical_line_numbers(tmp_path, corpus):
    lines = _lines()
    blank = lines[:4] + [b"", b""] + lines[4:]  # two blank lines after physical line 4
    path = _write(tmp_path, blank)
    parsed = read_file(path, expect="laps")
    # every row's 'line' is its physical line: read the same line with the csv module
    with open(path, encoding="utf-8-sig", newline="") as fh:
        physical = list(csv.reader(fh, delimiter=";"))
    t = parsed.table
    for line in (2, 4, 7, 50, len(blank) - 1):
        raw = physical[line - 1]
        row = t[t["line"] == line]
        assert len(row) == 1, line
        assert (row["car"].iat[0], int(row["lap"].iat[0])) == (raw[0].strip(), int(raw[2]))
    assert 5 not in set(t["line"]) and 6 not in set(t["line"])
    # and an error after the blank lines is located on its physical line
    bad = _set(blank, 20, "LAP_TIME", "x")
    _located(_write(tmp_path, bad), 20, "LAP_TIME")


def test_blank_lines_in_the_slow_exact_reader_too(tmp_path, corpus):
    lines = _lines()
    blank = lines[:4] + [b""] + lines[4:]
    blank[30] = blank[30] + b"\x00"  # a NUL forces the exact csv-module pass; after the blank line
    with pytest.raises(StintlabFormatError) as info:
        read_file(_write(tmp_path, blank), expect="laps")
    assert info.value.line == 31


# --- repairs ---------------------------------------------------------------------------------------


def test_empty_flag_is_read_as_green_and_every_command_runs(tmp_path, corpus):
    lines = _lines()
    assert _cell(lines, 40, "FLAG_AT_FL") != ""
    path = _write(tmp_path, _set(lines, 40, "FLAG_AT_FL", ""))
    parsed = read_file(path, expect="laps")
    assert parsed.table.loc[parsed.table["line"] == 40, "flag"].iat[0] == "GF"
    assert parsed.facts["green_flag_lines"] == [40]
    car = _cell(lines, 40, "NUMBER")
    for args in (["stops"], ["flags"], ["events", "--car", car], ["losses"], ["drivers"]):
        rc, _, err = _cli(args[0], path, *args[1:], "--json")
        assert rc == 0, (args, err)


def test_car_without_class_gets_the_no_class_label_and_drivers_runs(tmp_path, corpus):
    lines = _lines()
    car = _cell(lines, 2, "NUMBER")
    mutated = list(lines)
    for n in range(2, len(lines) + 1):
        if lines[n - 1] and _cell(lines, n, "NUMBER") == car:
            mutated = _set(mutated, n, "CLASS", "")
    path = _write(tmp_path, mutated)
    race = stintlab.load(path)
    assert race.cars.loc[race.cars["car"] == car, "class"].iat[0] == "ALL"
    assert race.meta["unclassed_cars"] == [car]
    assert race.laps["class"].notna().all()
    rc, _, err = _cli("drivers", path, "--json")
    assert rc == 0, err


def test_classification_of_another_race_beside_the_lap_file_is_refused(tmp_path, corpus):
    lap = _write(tmp_path, _lines())
    other = CORPUS / IMSA / race_row(IMSA)["results_file"]
    (tmp_path / "results.csv").write_bytes(other.read_bytes())
    race = stintlab.load(lap)
    assert race.meta["classification_source"] == "derived"
    assert "results.csv" in race.meta["results_refused"]
    row = race_row(COTA)
    assert str(race.classification["car"].iat[0]) == row["leader_car"]
    rc, _, err = _cli("report", lap, "-o", tmp_path / "r.html")
    assert rc == 0, err
    assert [x for x in err.splitlines() if "warning" in x and "results.csv" in x]  # one line
    assert (tmp_path / "r.html").stat().st_size > 10_000


def test_the_right_classification_beside_its_lap_file_is_still_used(corpus):
    race = stintlab.load(lap_file(IMSA))
    assert race.meta["classification_source"] == "official"
    assert "results_refused" not in race.meta


def test_report_of_a_race_without_pit_stops_says_so(tmp_path, corpus):
    lines = _lines()
    names = _names(lines)
    # the first 10 laps of every car, with no pit crossing and no pit time: a race without stops
    keep = [lines[0]]
    seen: dict[str, int] = {}
    for raw in lines[1:]:
        if not raw:
            continue
        f = raw.split(b";")
        car = f[0].decode()
        seen[car] = seen.get(car, 0) + 1
        if seen[car] <= 10:
            f[names.index("CROSSING_FINISH_LINE_IN_PIT")] = b""
            f[names.index("PIT_TIME")] = b""
            keep.append(b";".join(f))
    path = _write(tmp_path, keep + [b""])
    rc, _, err = _cli("report", path, "-o", tmp_path / "r.html")
    assert rc == 0, err
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "No pit stop in this race." in html
    assert "Not available in this build" not in html or "stops" not in html.split("Not available in this build")[1][:200]


# --- analysis entry points on odd but valid races ----------------------------------------------------


def test_whatif_on_a_one_car_race_is_a_usage_error(tmp_path, corpus):
    lines = _lines()
    car = _cell(lines, 2, "NUMBER")
    one = [lines[0]] + [raw for raw in lines[1:] if raw and raw.split(b";")[0].decode() == car] + [b""]
    path = _write(tmp_path, one)
    rc, _, err = _cli("whatif", path, "--car", car, "--lap", "5=clean", "--runs", "3")
    assert rc == 2 and err.count("\n") == 1 and "rival" in err


CREW = "drivers:\n  - {name: A One, category: Gold}\n  - {name: B Two, category: Silver}\n"


@pytest.mark.parametrize(
    "override",
    [{"lap_time": 0.0}, {"lap_time": "0:00.000"}, {"pit_time": -60.0}, {"lap_time": float("nan")}, {"stint_laps": 0}],
)
def test_plan_refuses_lap_times_of_nothing_and_negative_pit_times(override):
    from stintlab.sim.planner import plan

    args = dict(rules="lemans-2019", hours=6, cls="LMGTE Am", stint_laps=14, lap_time=238.0, pit_time=85.0)
    args.update(override)
    crew = [{"name": "A One", "category": "Gold"}, {"name": "B Two", "category": "Silver"}]
    with pytest.raises(StintlabUsageError):
        plan(crew, **args)


def test_plan_of_a_tiny_lap_time_stops_quickly():
    from stintlab.sim.planner import plan

    crew = [{"name": "A One", "category": "Gold"}]
    with pytest.raises(StintlabUsageError, match="stints"):
        plan(crew, rules="lemans-2019", hours=24, cls="LMGTE Am", stint_laps=1, lap_time=0.001, pit_time=85.0)


def test_deeply_nested_crew_yaml_is_a_usage_error(tmp_path):
    from stintlab.sim.planner import read_crew

    path = tmp_path / "crew.yaml"
    path.write_text("drivers: " + "[" * 50_000 + "]" * 50_000 + "\n", encoding="utf-8")
    with pytest.raises(StintlabError):
        read_crew(path)
    path.write_text("drivers: [1, 2]\n", encoding="utf-8")
    with pytest.raises(StintlabUsageError, match="driver #1"):
        read_crew(path)
