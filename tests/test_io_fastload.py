"""The load near the floor (issue #16 item 1), checked against the raw rows read with the csv module:
cars put in natural order by the lap reader itself (no second sort in ``stintlab.load``), numeric and
time columns read without stripping (their strict parsers strip on the slow path only), classification
times with an apostrophe read by the time kernel, and the final hourly classification found by reading
one header. Errors stay located at the same line and column."""

from __future__ import annotations

import random
import re
import shutil
from pathlib import Path

import pytest

import stintlab
from conftest import CORPUS, _need_corpus, lap_file
from oracle import final_hourly_classification
from stintlab.errors import StintlabFormatError
from stintlab.io import final_hourly_results, read_file
from test_io_fast_paths import millis, raw_rows


def natural(car: str) -> tuple:
    """The order of car numbers every table uses (docs): by number, the same number spelt longer after.
    Every car of these files is a plain number."""
    return int(car), len(car), car


@pytest.mark.parametrize("race", ["lemans-2019", "lemans-2024", "imsa-2023-road-atlanta"])
def test_load_gives_cars_in_natural_order_and_laps_in_order(race):
    path = lap_file(race)
    names, body, _ = raw_rows(path)
    car_i, lap_i = names.index("NUMBER"), names.index("LAP_NUMBER")
    expect = sorted(((f[car_i], int(f[lap_i]), line) for line, f in body), key=lambda t: (natural(t[0]), t[1]))
    laps = stintlab.load(path, find_results=False).laps
    assert list(zip(laps["car"], laps["lap"].tolist(), laps["line"].tolist())) == expect
    assert laps.index.tolist() == list(range(len(expect)))
    # read_file alone keeps the cars in the order they first appear in the file
    first_seen: dict[str, int] = {}
    for _, f in body:
        first_seen.setdefault(f[car_i], len(first_seen))
    alone = read_file(path, expect="laps").table
    assert list(dict.fromkeys(alone["car"])) == list(first_seen)


def test_natural_order_of_a_shuffled_file(tmp_path):
    text = lap_file("lemans-2019").read_bytes().decode("utf-8-sig")
    header, *rows = [r for r in text.split("\n") if r.strip()]
    random.Random(16).shuffle(rows)
    out = tmp_path / "laps.csv"
    out.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    names, body, _ = raw_rows(out)
    car_i, lap_i = names.index("NUMBER"), names.index("LAP_NUMBER")
    expect = sorted(((f[car_i], int(f[lap_i]), line) for line, f in body), key=lambda t: (natural(t[0]), t[1]))
    laps = stintlab.load(out, find_results=False).laps
    assert list(zip(laps["car"], laps["lap"].tolist(), laps["line"].tolist())) == expect


def test_natural_order_of_a_grouped_file_with_two_laps_swapped(tmp_path):
    # rows grouped by car (as published) but two laps of one car written in the wrong order: the
    # reader's quick sort of the cars alone does not give (car, lap) order, the two-key sort must
    path = lap_file("lemans-2019")
    names, body, _ = raw_rows(path)
    car_i, lap_i = names.index("NUMBER"), names.index("LAP_NUMBER")
    lines = path.read_bytes().decode("utf-8-sig").rstrip("\r\n").split("\n")
    k = next(i for i, (line, f) in enumerate(body) if f[car_i] == "10" and f[lap_i] == "5")
    a, b = body[k][0] - 1, body[k + 1][0] - 1  # car 10's laps 5 and 6, consecutive in the file
    lines[a], lines[b] = lines[b], lines[a]
    out = tmp_path / "laps.csv"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    names, body, _ = raw_rows(out)
    expect = sorted(((f[car_i], int(f[lap_i]), line) for line, f in body), key=lambda t: (natural(t[0]), t[1]))
    assert [e[2] for e in expect if e[0] == "10"][4:6] == [b + 1, a + 1]  # lap 5 now on the later line
    laps = stintlab.load(out, find_results=False).laps
    assert list(zip(laps["car"], laps["lap"].tolist(), laps["line"].tolist())) == expect


def test_duplicated_laps_are_named_in_file_order_not_natural_order(tmp_path):
    # Le Mans 2019 lists car 10 before car 3 (file order), natural order puts 3 first: a lap of each
    # written twice must still name car 10's, the first in (first appearance, lap) order.
    path = lap_file("lemans-2019")
    names, body, sep = raw_rows(path)
    car_i = names.index("NUMBER")
    row_10 = next(line for line, f in body if f[car_i] == "10")
    row_3 = next(line for line, f in body if f[car_i] == "3")
    lines = path.read_bytes().decode("utf-8-sig").rstrip("\r\n").split("\n")
    lines += [lines[row_3 - 1], lines[row_10 - 1]]  # car 3's copy first in the file
    out = tmp_path / "laps.csv"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    for load in (lambda p: read_file(p, expect="laps"), lambda p: stintlab.load(p, find_results=False)):
        with pytest.raises(StintlabFormatError) as err:
            load(out)
        assert (err.value.line, err.value.column) == (len(lines), "LAP_NUMBER")
        assert f"car 10 lap 1 appears twice (also on line {row_10})" in str(err.value)


PADS = (" ", "  ", "\t", "\u00a0", "\u2003")
PADDED_COLUMNS = ("LAP_NUMBER", "DRIVER_NUMBER", "LAP_TIME", "ELAPSED", "HOUR", "KPH", "TOP_SPEED", "LAP_IMPROVEMENT",
                  "S1_SECONDS", "S2_IMPROVEMENT", "PIT_TIME", "S3_LARGE")  # fmt: skip


def _padded_copy(tmp_path, race: str, rows: int, seed: int):
    """The race's first ``rows`` data lines with spaces (ASCII and not) around the numeric cells."""
    path = lap_file(race)
    names, _, sep = raw_rows(path)
    lines = path.read_bytes().decode("utf-8-sig").split("\n")[: rows + 1]
    rng = random.Random(seed)
    cols = [names.index(c) for c in PADDED_COLUMNS if c in names]
    for k in range(1, len(lines)):
        fields = lines[k].rstrip("\r").split(sep)
        for j in rng.sample(cols, 4):
            if fields[j]:
                fields[j] = rng.choice(PADS) + fields[j] + rng.choice(("",) + PADS)
        lines[k] = sep.join(fields)
    out = tmp_path / "laps.csv"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, out


@pytest.mark.parametrize(("race", "seed"), [("lemans-2023", 1), ("lemans-2019", 2)])
def test_padded_numbers_and_times_read_as_the_raw_values(tmp_path, race, seed):
    original, padded = _padded_copy(tmp_path, race, 600, seed)
    names, body, _ = raw_rows(original)
    body = body[:600]
    ix = {n: names.index(n) for n in names}
    laps = read_file(padded, expect="laps").table.sort_values("line")
    assert laps["line"].tolist() == [line for line, _ in body]

    def number(text):
        return None if not text else float(text)

    expect = {
        "lap": [int(f[ix["LAP_NUMBER"]]) for _, f in body],
        "driver_slot": [int(f[ix["DRIVER_NUMBER"]]) for _, f in body],
        "lap_time": [millis(f[ix["LAP_TIME"]]) / 1000 for _, f in body],
        "elapsed": [millis(f[ix["ELAPSED"]]) / 1000 for _, f in body],
        "kph": [number(f[ix["KPH"]]) for _, f in body],
        "top_speed": [number(f[ix["TOP_SPEED"]]) for _, f in body],
        "lap_improvement": [int(f[ix["LAP_IMPROVEMENT"]]) for _, f in body],
        "pit_time": [None if not f[ix["PIT_TIME"]] else millis(f[ix["PIT_TIME"]]) / 1000 for _, f in body],
    }
    if "S1_SECONDS" in ix:
        expect["s1"] = [number(f[ix["S1_SECONDS"]]) for _, f in body]
    for column, values in expect.items():
        got = [None if v != v else v for v in laps[column].astype("float64").tolist()]
        assert got == values, column


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("LAP_TIME", " 1:2:3:4\t", "not a time: '1:2:3:4'"),
        ("ELAPSED", "\u00a06:61.240 ", "minutes or seconds of 60 or more in a time: '6:61.240'"),
        ("KPH", "  nan ", "not a number: 'nan'"),
        ("LAP_NUMBER", " 100001 ", "lap number 100001 out of range"),
        ("DRIVER_NUMBER", "\t100 ", "out of range 1..99: '100'"),
        ("LAP_IMPROVEMENT", " 12 ", "out of range 0..9: '12'"),
    ],
)
def test_padded_bad_values_are_located_and_shown_stripped(tmp_path, column, value, message):
    path = lap_file("lemans-2019")
    names, _, sep = raw_rows(path)
    lines = path.read_bytes().decode("utf-8-sig").split("\n")
    fields = lines[2].split(sep)  # line 3 of the file: car 1, lap 2
    fields[names.index(column)] = value
    lines[2] = sep.join(fields)
    out = tmp_path / "laps.csv"
    out.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(StintlabFormatError) as err:
        read_file(out, expect="laps")
    assert (err.value.line, err.value.column) == (3, column)
    assert message in str(err.value)


def _gap(text: str) -> tuple[int, float | None]:
    """(laps behind, seconds behind) of a GAP_FIRST cell: ``1 Lap``/``20 Laps`` or a time; empty: the leader."""
    if not text:
        return 0, 0.0
    m = re.fullmatch(r"(\d+) Laps?", text)
    if m:
        return int(m.group(1)), None
    return 0, millis(text.lstrip("+")) / 1000


@pytest.mark.parametrize("race", ["lemans-2023", "lemans-2024"])
def test_classification_times_with_an_apostrophe(race):
    # TOTAL_TIME "24:01'55.856", FL_TIME "3'29.208", GAP_FIRST "14.221" / "1'21.793" / "5 Laps"
    path = Path(final_hourly_classification(CORPUS / race / "official-hourly"))
    names, body, _ = raw_rows(path)
    ix = {n: names.index(n) for n in ("NUMBER", "TOTAL_TIME", "FL_TIME", "GAP_FIRST")}
    assert any("'" in f[ix["TOTAL_TIME"]] for _, f in body) and any("'" in f[ix["GAP_FIRST"]] for _, f in body)
    table = read_file(path, expect="classification").table.set_index("car")
    for _, f in body:
        row = table.loc[f[ix["NUMBER"]]]
        for column, cell in (("total_time", f[ix["TOTAL_TIME"]]), ("fastest_lap_time", f[ix["FL_TIME"]])):
            got = row[column]
            assert (got != got) if not cell else got == millis(cell) / 1000, (f[ix["NUMBER"]], column, cell)
        laps_behind, seconds = _gap(f[ix["GAP_FIRST"]])
        assert row["gap_first_laps"] == laps_behind
        assert (row["gap_first_seconds"] != row["gap_first_seconds"]) if seconds is None else row["gap_first_seconds"] == seconds


def test_final_hourly_results_skips_a_higher_hour_that_is_not_a_classification(tmp_path):
    _need_corpus()
    folder = CORPUS / "lemans-2023" / "official-hourly"
    assert final_hourly_results(folder).name == "202306101600-race-hour-24-results.csv"
    assert final_hourly_results(folder) == Path(final_hourly_classification(folder))
    for name in ("202306101600-race-hour-9-results.csv", "202306101600-race-hour-22-results.csv"):
        shutil.copy(folder / name, tmp_path / name)
    # a higher hour whose header is a lap file's, and one that cannot be read as text at all
    (tmp_path / "202306101600-race-hour-25-results.csv").write_text("NUMBER;LAP_NUMBER;LAP_TIME;ELAPSED\n7;1;3:30.000;3:30.000\n")
    (tmp_path / "202306101600-race-hour-26-results.csv").write_bytes(b"\x00\x01\x02")
    assert final_hourly_results(tmp_path) == tmp_path / "202306101600-race-hour-22-results.csv"
    (tmp_path / "202306101600-race-hour-22-results.csv").unlink()
    assert final_hourly_results(tmp_path) == tmp_path / "202306101600-race-hour-9-results.csv"
