"""The standings tables are built with pandas' private ``DataFrame._from_arrays`` when it exists
(analysis.standings._frame, issue #16); a pandas without it takes the public ``pd.DataFrame(dict)``.
Both paths are checked against the raw-row oracle (tests/oracle.py, the csv module) on a real race:
order, laps, positions, class positions and in-pit flags at every race hour, and the same dtypes."""

from __future__ import annotations

import pandas as pd
import pytest

from conftest import lap_file
from oracle import read_race
from stintlab.analysis.standings import standings_at

RACE = "wec-2025-imola6h"
KEYS = ("car", "laps", "position", "class_position", "in_pit")


def expected(t: float) -> list[tuple]:
    return [tuple(r[k] for k in KEYS) for r in read_race(lap_file(RACE)).standings_at(t)]


def got(table: pd.DataFrame) -> list[tuple]:
    return list(zip(*(table[k].tolist() for k in KEYS), strict=True))


@pytest.mark.parametrize("private", [True, False], ids=["from_arrays", "public_fallback"])
def test_standings_with_and_without_the_private_constructor(load_corpus_race, monkeypatch, private):
    laps = load_corpus_race(RACE).laps
    raw = read_race(lap_file(RACE))
    assert hasattr(pd.DataFrame, "_from_arrays")  # the pandas this project pins still has it
    reference = {h: standings_at(laps, h * 3600.0) for h in range(1, raw.hours() + 1)}
    calls = []
    if private:  # counted, to be sure this path is the one taken
        real = pd.DataFrame._from_arrays
        monkeypatch.setattr(pd.DataFrame, "_from_arrays", classmethod(lambda cls, *a, **k: calls.append(1) or real(*a, **k)))
    else:
        monkeypatch.delattr(pd.DataFrame, "_from_arrays")
    for h in range(1, raw.hours() + 1):
        table = standings_at(laps, h * 3600.0)
        assert len(table) > 20
        assert got(table) == expected(h * 3600.0), h
        assert table.dtypes.to_dict() == reference[h].dtypes.to_dict()
        assert isinstance(table.index, pd.RangeIndex)
    assert len(calls) == (raw.hours() if private else 0)
