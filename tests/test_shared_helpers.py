"""The neutral helpers every layer shares: one name key, one JSON serialiser, one car/class lookup,
one duration formatter, explicit command registration. Expectations are written by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import typer
from hypothesis import given, settings
from hypothesis import strategies as st

from stintlab.analysis.lookup import find_car, find_class, no_lap_message
from stintlab.archive.identity import driver_key
from stintlab.errors import StintlabUsageError
from stintlab.io.values import (
    format_clock,
    format_minutes,
    format_seconds,
    format_time,
    parse_time_text,
    time_parts,
)
from stintlab.names import name_key
from stintlab.serial import records, to_jsonable

# ------------------------------------------------------------------ names


@pytest.mark.parametrize(
    ("a", "b"),
    [("Kévin ESTRE", "Kevin Estre"), ("Jean-Éric VERGNE", "jean eric  vergne"), ("O'CONNELL", "o connell")],
)
def test_one_name_key_for_race_and_archive(a, b):
    assert name_key(a) == name_key(b)
    assert driver_key(a) == driver_key(b) == name_key(a)


def test_name_key_of_missing_names_is_empty():
    assert [name_key(x) for x in (None, float("nan"), pd.NA)] == ["", "", ""]
    assert name_key("Nicky Catsburg") != name_key("Nick Catsburg")  # aliases join those, not the key


def test_race_still_exports_the_same_name_key():
    import stintlab.race

    assert stintlab.race.name_key is name_key


# ------------------------------------------------------------------ serial


def test_to_jsonable_and_records():
    df = pd.DataFrame(
        {"car": pd.array(["7", None], dtype="string"), "laps": [np.int64(3), np.int64(4)], "gap": [1.23456, np.nan]}
    )
    assert records(df, ["gap", "car"]) == [{"gap": 1.235, "car": "7"}, {"gap": None, "car": None}]
    assert to_jsonable({1: np.bool_(True), "t": pd.Timestamp("2024-06-15 16:00"), "x": [np.float32(0.5), math.inf]}) == {
        "1": True,
        "t": "2024-06-15T16:00:00",
        "x": [0.5, None],
    }


# ------------------------------------------------------------------ lookup


def test_find_car_exact_loose_and_ambiguous():
    assert find_car(["007", "8", "51"], " 51 ") == "51"
    assert find_car(["007", "8"], "7") == "007"
    with pytest.raises(StintlabUsageError, match=r"no car '7' in this race \(cars: 07, 007\)"):
        find_car(["07", "007"], "7")


def test_find_car_names_at_most_15_cars():
    cars = [str(i) for i in range(1, 21)]
    with pytest.raises(StintlabUsageError) as err:
        find_car(cars, "99")
    assert str(err.value).endswith("(cars: 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 ...)")


def test_a_classified_car_without_laps_is_named_as_such():
    cls = pd.DataFrame({"car": ["24", "8"], "laps": [0, 201], "status": ["Classified", "Running"]})
    with pytest.raises(StintlabUsageError, match=r"car '24' completed no lap: .*\(0 laps, Classified\)"):
        find_car(["8"], "24", cls)
    assert no_lap_message(cls, "99") is None and no_lap_message(None, "24") is None


def test_find_class_in_the_race_spelling():
    assert find_class(["LMP2", "LMGT3", None, "LMGT3"], " lmgt3") == "LMGT3"
    with pytest.raises(StintlabUsageError, match=r"no class 'GTE' in this race \(classes: LMGT3, LMP2\)"):
        find_class(["LMP2", "LMGT3"], "GTE")


# ------------------------------------------------------------------ durations


def test_duration_formats_by_hand():
    assert time_parts(3725.0046) == (False, 1, 2, 5, 5)
    assert format_time(86784.548) == "24:06:24.548"
    assert format_time(209.208, hours=False) == "3:29.208"
    assert format_time(4000.4, digits=0) == "1:06:40"
    assert format_time(None) == format_time(float("nan")) == format_seconds(pd.NA) == ""
    assert format_seconds(9.5) == "9.500" and format_seconds(61.0) == "1:01.000"
    assert format_minutes(3723.25) == "62:03.250"
    assert format_clock(23 * 3600 + 59 * 60 + 59.9994) == "23:59:59.999"
    assert format_clock(24 * 3600 + 5.0) == "00:00:05.000"


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(st.integers(min_value=0, max_value=200 * 3600 * 1000))
def test_every_format_parses_back_to_the_same_millisecond(ms):
    x = ms / 1000.0
    for text in (format_time(x), format_time(x, hours=False), format_seconds(x), format_minutes(x)):
        assert round(parse_time_text(text) * 1000) == ms, text


def test_simulator_columns_use_the_shared_formats():
    from stintlab.sim.writer import fmt_hour, fmt_lap, fmt_large, fmt_pit, fmt_sector

    assert (fmt_lap(219.529), fmt_lap(3953.307)) == ("3:39.529", "1:05:53.307")
    assert (fmt_sector(45.985), fmt_large(45.985), fmt_pit(87.261)) == ("45.985", "0:45.985", "0:01:27.261")
    assert fmt_hour(57600.0 + 86400 + 3.5) == "16:00:03.500"


# ------------------------------------------------------------------ command registration


def test_importing_a_command_module_registers_nothing():
    from stintlab.commands import core

    app = typer.Typer()
    assert app.registered_commands == []
    core.register(app)
    assert [c.callback.__name__ for c in app.registered_commands] == ["info", "classification"]


def test_the_cli_registers_every_command_in_help_order():
    from stintlab.cli import build_app

    app = build_app()
    names = [c.name or c.callback.__name__ for c in app.registered_commands]
    assert names == [
        "info", "classification", "standings", "stops", "stints", "events", "flags", "losses", "drivers",
        "rules", "categories", "rating", "report", "story", "simulate", "calibrate", "whatif", "plan", "project", "serve", "season", "career", "fetch", "replay", "follow",
    ]  # fmt: skip
    assert [g.name for g in app.registered_groups] == ["archive", "calendar"]
    assert build_app() is not app  # a fresh app each time, nothing global
