"""`stintlab info` and `stintlab classification` on real files: JSON keys and values."""

import json

import pytest

from conftest import lap_file
from stintlab.cli import main

pytestmark = pytest.mark.corpus


def _json(capsys, argv):
    rc = main(argv)
    out = capsys.readouterr().out
    assert rc == 0
    return json.loads(out)


def test_info_json_lemans_2019(corpus, capsys):
    info = _json(capsys, ["info", str(lap_file("lemans-2019")), "--json"])
    assert {"format", "cars", "laps", "classes", "hours", "leader"} <= set(info)
    assert info["cars"] == 61 and info["laps"] == 18765
    assert info["classes"] == {"LMP2": 20, "LMGTE Pro": 17, "LMGTE Am": 16, "LMP1": 8}
    assert info["leader"]["car"] == "8" and info["leader"]["laps"] == 385
    assert info["hours"] == 24.0 or 24.0 <= info["hours"] <= 24.1
    assert info["has_flags"] is False and info["finished"] is True


def test_classification_json_imsa_official_by_class(corpus, capsys):
    rows = _json(capsys, ["classification", str(lap_file("imsa-2021-road-atlanta")), "--class", "gtd", "--json"])
    assert {"position", "class_position", "car", "class", "team", "laps", "status"} <= set(rows[0])
    assert rows[0]["car"] == "23" and rows[0]["class_position"] == 1 and rows[0]["laps"] == 378
    assert rows[0]["official"] is True
    assert [r["class_position"] for r in rows] == list(range(1, len(rows) + 1))


def test_car_numbers_stay_strings(corpus, capsys):
    rows = _json(capsys, ["classification", str(lap_file("lemans-2026")), "--json"])
    cars = {r["car"] for r in rows}
    assert "007" in cars and all(isinstance(c, str) for c in cars)


def test_unknown_class_is_a_one_line_error(corpus, capsys):
    rc = main(["classification", str(lap_file("lemans-2019")), "--class", "F1"])
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1 and "no class 'F1'" in err


def test_missing_file_is_a_one_line_error(tmp_path, capsys):
    rc = main(["info", str(tmp_path / "nope.csv")])
    err = capsys.readouterr().err
    assert rc == 2 and "no such file" in err and "Traceback" not in err
