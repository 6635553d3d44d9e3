"""`stintlab losses`: counts print as integers, times as m:ss.fff, and the header says which is which
(Le Mans 2024; stop counts from the raw `B` rows, tests/oracle.py)."""

import re

import pytest

from conftest import lap_file
from oracle import read_race
from stintlab.cli import main

pytestmark = pytest.mark.corpus


def _table(capsys, argv) -> tuple[list[str], list[list[str]]]:
    assert main(argv) == 0
    lines = capsys.readouterr().out.splitlines()
    head = next(i for i, x in enumerate(lines) if x.startswith("car "))
    cols = re.split(r"\s{2,}", lines[head].strip())
    return cols, [re.split(r"\s{2,}", x.strip()) for x in lines[head + 1 :] if x.strip()]


def test_losses_counts_are_integers_and_the_header_says_so(corpus, capsys):
    path = lap_file("lemans-2024")
    cols, rows = _table(capsys, ["losses", str(path), "--format", "table"])
    assert "stops (n)" in cols and "incident laps (n)" in cols
    assert "stops" not in cols  # the bare name read as a time next to the seconds lost
    raw_stops = read_race(path).stops_per_car()
    by_car = {r[0]: dict(zip(cols, r, strict=True)) for r in rows}
    assert set(by_car) == set(raw_stops)  # one row per car of the raw file
    for car, n in raw_stops.items():
        assert by_car[car]["stops (n)"] == str(n), (car, by_car[car]["stops (n)"], n)  # '31', never '0:31.000'
    assert by_car["7"]["stops (n)"] == "31"
    for r in by_car.values():
        assert re.fullmatch(r"\d+", r["incident laps (n)"])
        assert re.fullmatch(r"(\d+:)?\d+:\d\d\.\d{3}", r["lost: normal stops"])
        assert re.fullmatch(r"[+-]\d+\.\d\d", r["neutr. laps vs class ref"])  # signed laps, a fraction of a lap


def test_losses_json_keeps_the_column_names(corpus, capsys):
    import json

    assert main(["losses", str(lap_file("lemans-2024")), "--car", "7", "--json"]) == 0
    row = json.loads(capsys.readouterr().out)[0]
    assert row["stops"] == 31 and isinstance(row["stops"], int)
    assert isinstance(row["neutralisation_laps"], float)
