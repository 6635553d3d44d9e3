"""Weather files (``26_Weather_*.CSV``, domain.md §1.4), which the corpus has no sample of:
TIME_UTC_SECONDS;TIME_UTC_STR;AIR_TEMP;TRACK_TEMP;HUMIDITY;PRESSURE;WIND_SPEED;WIND_DIRECTION;RAIN;
IMSA publishes °F / inHg (comma re-saves), WEC °C / mbar. Synthetic files in tmp_path."""

from __future__ import annotations

import numpy as np
import pytest

import stintlab
from stintlab.errors import StintlabFormatError
from stintlab.io import read_file

HEADER = "TIME_UTC_SECONDS;TIME_UTC_STR;AIR_TEMP;TRACK_TEMP;HUMIDITY;PRESSURE;WIND_SPEED;WIND_DIRECTION;RAIN;"
IMSA_ROWS = [
    "1612039270;30-Jan-21 20:41:10;67.8;85.1;55;30.15;5.6;180;-1;",
    "1612039330;30-Jan-21 20:42:10;68.0;86.0;54;30.14;7.0;185;-1;",
]
WEC_ROWS = [
    "1718463600;15-Jun-24 15:00:00;22.5;35.0;60;1012.0;3.2;270;0;",
    "1718463660;15-Jun-24 15:01:00;22.4;34.6;61;1011.8;2.9;265;1;",
    "1718463720;15-Jun-24 15:02:00;22.1;;62;1011.9;;260;1;",
]


def write(tmp_path, rows, *, sep=";", name="26_Weather_Race.CSV", header=HEADER):
    text = "\r\n".join([header, *rows]) + "\r\n"
    if sep != ";":
        text = text.replace(";", sep)
    p = tmp_path / name
    p.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    return p


def test_imsa_weather_in_fahrenheit_and_inhg(tmp_path):
    parsed = read_file(write(tmp_path, IMSA_ROWS, sep=","))
    assert parsed.format == "weather"
    wx = parsed.table
    assert len(wx) == 2
    assert set(wx["temp_unit"]) == {"°F"} and set(wx["pressure_unit"]) == {"inHg"}
    first = wx.iloc[0]
    assert first["time_utc"] == 1612039270 and first["time_utc_text"] == "30-Jan-21 20:41:10"
    assert (first["air_temp"], first["track_temp"], first["pressure"]) == (67.8, 85.1, 30.15)  # as published
    assert first["air_temp_c"] == pytest.approx(19.89)  # (67.8 − 32) × 5/9 = 19.888…
    assert first["track_temp_c"] == pytest.approx(29.5)  # (85.1 − 32) × 5/9
    assert first["pressure_hpa"] == pytest.approx(1021.0)  # 30.15 inHg × 33.8639
    assert first["humidity_pct"] == 55 and first["wind_direction_deg"] == 180 and first["rain"] == -1


def test_wec_weather_in_celsius_and_mbar(tmp_path):
    wx = read_file(write(tmp_path, WEC_ROWS)).table
    assert set(wx["temp_unit"]) == {"°C"} and set(wx["pressure_unit"]) == {"mbar"}
    assert wx["air_temp_c"].tolist() == [22.5, 22.4, 22.1]
    assert wx["pressure_hpa"].tolist() == [1012.0, 1011.8, 1011.9]
    assert wx["rain"].tolist() == [0, 1, 1]
    # empty values are missing, not zero
    assert np.isnan(wx["track_temp"].iloc[2]) and np.isnan(wx["wind_speed"].iloc[2])
    assert wx["wind_speed"].iloc[0] == 3.2


def test_weather_attached_to_a_race(tmp_path):
    laps = tmp_path / "laps.csv"
    laps.write_text(
        "NUMBER;LAP_NUMBER;LAP_TIME;ELAPSED;HOUR;\n7;1;3:30.000;3:30.000;15:03:30.000;\n7;2;3:29.000;6:59.000;15:06:59.000;\n",
        encoding="utf-8",
    )
    race = stintlab.load(laps, weather=write(tmp_path, WEC_ROWS), find_results=False)
    assert race.weather is not None and len(race.weather) == 3
    assert race.weather["air_temp_c"].iloc[0] == 22.5


def test_weather_file_is_not_a_lap_file(tmp_path):
    with pytest.raises(StintlabFormatError) as info:
        stintlab.load(write(tmp_path, WEC_ROWS), find_results=False)
    assert info.value.line == 1 and "expected a laps file, found a weather file" in info.value.message


@pytest.mark.parametrize("column,value", [("AIR_TEMP", "warm"), ("PRESSURE", "1,012"), ("RAIN", "yes")])
def test_bad_weather_value_is_located(tmp_path, column, value):
    names = [n for n in HEADER.split(";") if n]
    fields = WEC_ROWS[1].split(";")
    fields[names.index(column)] = value
    rows = [WEC_ROWS[0], ";".join(fields), WEC_ROWS[2]]
    with pytest.raises(StintlabFormatError) as info:
        read_file(write(tmp_path, rows))
    err = info.value
    assert (err.line, err.column) == (3, column)  # '1,012' in a ';' file is one field, not a number
    assert repr(value) in err.message
