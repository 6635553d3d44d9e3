"""Container edge cases of the reader (synthetic files)."""

import pytest

from stintlab.errors import StintlabFormatError
from stintlab.io import read_file
from stintlab.io.weather import detect_units

LAPS = "NUMBER;DRIVER_NUMBER;LAP_NUMBER;LAP_TIME;ELAPSED;CROSSING_FINISH_LINE_IN_PIT;PIT_TIME;"


def test_cr_only_line_endings_are_read(tmp_path):
    p = tmp_path / "cr.csv"
    p.write_bytes(f"{LAPS}\r7;1;1;1:00.000;1:00.000;B;;\r7;1;2;1:10.000;2:10.000;;0:00:35.100;\r".encode())
    laps = read_file(p).table
    assert laps["lap"].tolist() == [1, 2]
    assert laps["in_lap"].tolist() == [True, False] and laps["out_lap"].tolist() == [False, True]
    assert laps["pit_time"].iat[1] == 35.1


def test_quote_in_a_results_row_does_not_swallow_the_file(tmp_path):
    p = tmp_path / "res.csv"
    p.write_text('POSITION,NUMBER,STATUS,LAPS,TEAM\n1,7,Classified,3,"Team ""A"", Racing"\n2,8,Classified,3,B\n', encoding="utf-8")
    c = read_file(p).table
    assert c["car"].tolist() == ["7", "8"] and c["team"].iat[0] == 'Team "A", Racing'


def test_ragged_results_need_the_car_fields(tmp_path):
    p = tmp_path / "res.csv"
    p.write_text("POSITION,NUMBER,STATUS,LAPS,DRIVER1_FIRSTNAME,DRIVER1_SECONDNAME\n1,7,Classified,3\n2,8\n", encoding="utf-8")
    with pytest.raises(StintlabFormatError) as e:
        read_file(p)
    assert (e.value.line, e.value.column) == (3, "STATUS")


def test_weather_units_without_pressure_follow_the_temperature():
    assert detect_units([float("nan")], [71.5, 73.0]) == ("°F", "inHg")
    assert detect_units([], [21.0, 23.0]) == ("°C", "mbar")
    assert detect_units([1012.3], [95.0]) == ("°C", "mbar")  # pressure decides when present


def test_an_empty_lap_time_or_race_time_is_rebuilt_from_the_other(tmp_path):
    p = tmp_path / "holes.csv"
    rows = [
        "7;1;1;1:00.000;1:00.000;;;",
        "7;1;2;;2:05.500;;;",  # lap time missing: 65.5 s from the race times
        "7;1;3;1:01.000;;;;",  # race time missing: 2:05.500 + 1:01.000
        "7;1;4;1:02.000;4:08.500;;;",
    ]
    p.write_text(LAPS + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    parsed = read_file(p)
    laps = parsed.table
    assert laps["lap_time"].tolist() == [60.0, 65.5, 61.0, 62.0]
    assert laps["elapsed"].tolist() == [60.0, 125.5, 186.5, 248.5]
    assert laps["lap_start"].tolist() == [0.0, 60.0, 125.5, 186.5]
    assert parsed.facts["filled_times"] == [3, 4]


@pytest.mark.parametrize("lap", ["99999999999999999999999", "-3", "100001"])
def test_a_lap_number_out_of_range_is_a_located_error(tmp_path, lap):
    p = tmp_path / "laps.csv"
    p.write_text(f"{LAPS}\n7;1;1;1:00.000;1:00.000;;;\n7;1;{lap};1:00.000;2:00.000;;;\n", encoding="utf-8")
    with pytest.raises(StintlabFormatError) as e:
        read_file(p)
    assert (e.value.line, e.value.column) == (3, "LAP_NUMBER") and "out of range" in e.value.message
