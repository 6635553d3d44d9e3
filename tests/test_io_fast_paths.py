"""The reader's fast paths (issue #16: fixed-format time kernel, digit-only numbers, no re-sort of
sorted files, untrimmed columns, cars/drivers/classification built on first use) against the raw
rows read with the csv module, and their hostile inputs still refused at the exact line and column."""

from __future__ import annotations

import csv
import io

import pytest

import stintlab
from conftest import lap_file, lap_races, results_file
from stintlab.errors import StintlabFormatError
from stintlab.io import read_file
from stintlab.io.text import read_table
from stintlab.io.values import parse_floats, parse_ints, parse_time_columns

TIME_COLUMNS = ("LAP_TIME", "ELAPSED", "HOUR", "PIT_TIME", "S1", "S2", "S3")


def raw_rows(path) -> tuple[list[str], list[tuple[int, list[str]]], str]:
    """(stripped header names, (file line, stripped fields) of each non-blank row, separator): csv module only."""
    text = path.read_bytes().decode("utf-8-sig")
    first = text.split("\n", 1)[0]
    sep = ";" if first.count(";") >= first.count(",") else ","
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=sep))
    names = [n.strip() for n in rows[0]]
    body = [(i + 2, [f.strip() for f in r]) for i, r in enumerate(rows[1:]) if any(f.strip() for f in r)]
    return names, body, sep


def millis(text: str) -> int | None:
    """Whole milliseconds of ``[[h:]m:]s[.fff]`` by integer arithmetic (None when empty)."""
    if not text:
        return None
    whole, _, frac = text.replace("'", ":").partition(".")
    total = 0
    for part in whole.split(":"):
        total = total * 60 + int(part)
    return total * 1000 + int((frac + "000")[:3])


@pytest.mark.parametrize("race", lap_races())
def test_time_kernel_matches_the_raw_text_on_every_corpus_race(race):
    path = lap_file(race)
    names, body, _ = raw_rows(path)
    raw = read_table(path)
    cols = [c for c in TIME_COLUMNS if c in names]
    got = parse_time_columns({c: raw.columns[c] for c in cols}, path, raw.lines)
    assert [line for line, _ in body] == raw.lines.tolist()
    for c in cols:
        i = names.index(c)
        expect = [millis(fields[i]) for _, fields in body]
        values = got[c]
        for row, ms in enumerate(expect):
            if ms is None:
                assert values[row] != values[row], (c, row)  # NaN
            else:
                assert values[row] == ms / 1000, (c, body[row][0], body[row][1][i])


@pytest.mark.parametrize("race", ["lemans-2019", "lemans-2023", "imsa-2024-road-atlanta"])
def test_numbers_match_the_raw_text(race):
    path = lap_file(race)
    names, body, _ = raw_rows(path)
    raw = read_table(path)
    for c in ("LAP_NUMBER", "DRIVER_NUMBER", "LAP_IMPROVEMENT"):
        got = parse_ints(raw.columns[c], path, c, raw.lines)
        i = names.index(c)
        assert [None if v != v else int(v) for v in got] == [int(f[i]) if f[i] else None for _, f in body]
    for c in ("KPH", "TOP_SPEED"):
        got = parse_floats(raw.columns[c], path, c, raw.lines)
        i = names.index(c)
        assert [None if v != v else v for v in got] == [float(f[i]) if f[i] else None for _, f in body]


def _edit(tmp_path, race: str, line: int, column: str, value: str):
    """A copy of the race's lap file with one cell replaced (line and column as in the file)."""
    path = lap_file(race)
    names, _, sep = raw_rows(path)
    lines = path.read_bytes().decode("utf-8-sig").split("\n")
    fields = lines[line - 1].split(sep)
    fields[names.index(column)] = value
    lines[line - 1] = sep.join(fields)
    out = tmp_path / "laps.csv"
    out.write_text("\n".join(lines), encoding="utf-8")
    return out


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("LAP_TIME", "3:61.871", "minutes or seconds of 60 or more in a time: '3:61.871'"),
        ("HOUR", "15:63:47.901", "minutes or seconds of 60 or more in a time: '15:63:47.901'"),
        ("ELAPSED", "1:0x:51.240", "not a time: '1:0x:51.240'"),
        ("ELAPSED", "-6:51.240", "not a time: '-6:51.240'"),
        ("KPH", "0x1F", "not a number: '0x1F'"),
        ("KPH", "nan", "not a number: 'nan'"),
        ("TOP_SPEED", "+341.3", "not a number: '+341.3'"),
        ("LAP_NUMBER", "+2", "not a whole number: '+2'"),
        ("DRIVER_NUMBER", "0x3", "not a whole number: '0x3'"),
    ],
)
def test_bad_values_are_located_exactly(tmp_path, column, value, message):
    path = _edit(tmp_path, "lemans-2019", 3, column, value)  # line 3: car 1, lap 2 (raw file)
    with pytest.raises(StintlabFormatError) as err:
        read_file(path, expect="laps")
    assert (err.value.line, err.value.column) == (3, column)
    assert message in str(err.value)


def test_padded_and_odd_but_valid_times_still_read(tmp_path):
    # line 3 of Le Mans 2019: 3:22.369;... ELAPSED 6:51.240, HOUR 15:07:10.270, S1 32.397
    path = _edit(tmp_path, "lemans-2019", 3, "HOUR", " 15:07:10.270\u00a0")  # no-break space: trimmed
    path = _edit_again(path, 3, "S1", "32.4")  # one decimal: the exact path
    path = _edit_again(path, 3, "ELAPSED", "0:06:51.24")
    laps = read_file(path, expect="laps").table
    row = laps[laps["line"] == 3].iloc[0]
    assert (row["car"], row["lap"]) == ("1", 2)
    assert row["s1"] == 32.4 and row["elapsed"] == 411.24
    assert row["time_of_day"] == 15 * 3600 + 7 * 60 + 10.270


def _edit_again(path, line: int, column: str, value: str):
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    names = [n.strip() for n in lines[0].split(";")]
    fields = lines[line - 1].split(";")
    fields[names.index(column)] = value
    lines[line - 1] = ";".join(fields)
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def test_unsorted_file_is_still_sorted_by_car_then_lap(tmp_path):
    path = lap_file("wec-2019-spa6h")
    text = path.read_bytes().decode("utf-8-sig")
    header, *rows = [r for r in text.split("\n") if r.strip()]
    shuffled = [header] + rows[::-1]  # every car's laps backwards, cars in reverse order
    out = tmp_path / "laps.csv"
    out.write_text("\n".join(shuffled) + "\n", encoding="utf-8")
    names, body, _ = raw_rows(out)
    car_i, lap_i = names.index("NUMBER"), names.index("LAP_NUMBER")
    first_seen: dict[str, int] = {}
    for _, f in body:
        first_seen.setdefault(f[car_i], len(first_seen))
    expect = sorted(((f[car_i], int(f[lap_i]), line) for line, f in body), key=lambda t: (first_seen[t[0]], t[1]))
    laps = read_file(out, expect="laps").table
    assert list(zip(laps["car"], laps["lap"].tolist(), laps["line"].tolist())) == expect


def test_lazy_tables_of_a_race_with_results():
    race = stintlab.load(lap_file("imsa-2024-road-atlanta"))
    names, body, _ = raw_rows(lap_file("imsa-2024-road-atlanta"))
    car_i, drv_i = names.index("NUMBER"), names.index("DRIVER_NAME")
    # cars in natural order (stintlab.load): by number, the same number spelt longer after ("1", "01")
    cars = sorted(dict.fromkeys(f[car_i] for _, f in body), key=lambda c: (int(c), len(c), c))
    pairs = {(f[car_i], f[drv_i]) for _, f in body if f[drv_i]}
    assert race.cars["car"].tolist() == cars
    assert set(zip(race.drivers["car"], race.drivers["driver"])) == pairs
    # the official classification, with the lap-derived pit columns merged in
    rnames, rbody, _ = raw_rows(results_file("imsa-2024-road-atlanta"))
    assert race.classification["car"].tolist() == [f[rnames.index("NUMBER")] for _, f in rbody]
    assert race.classification["official"].all()
    assert race.classification["retired_in_pits"].notna().all()
    assert "official_crew" in race.cars.columns
    assert race.cars is race.cars and race.classification is race.classification
