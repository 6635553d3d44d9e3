"""Corpus integrity: every real lap and classification file in ../shared/data/races loads and
rebuilds the race exactly as MANIFEST.csv and the raw rows say.

Facts asserted on named rows were read from the raw CSV lines by hand (line numbers are file
lines, header = line 1). Races are loaded once per session (``load_corpus_race``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import CORPUS, lap_races, manifest, results_file
from stintlab.io import read_file
from stintlab.race import name_key
from stintlab.schema import validate_laps

LAP_RACES = lap_races()
VARIANT_BY_COLUMNS = {25: "analysis-25", 26: "analysis-26", 29: "analysis-29"}
CATEGORIES = {"Platinum", "Gold", "Silver", "Bronze"}


def _results_races() -> list[str]:
    if not (CORPUS / "MANIFEST.csv").is_file():
        return ["<corpus missing>"]
    return [r["race"] for r in manifest() if r["results_file"]]


RESULT_RACES = _results_races()
IMSA_WITH_BOTH = [r for r in RESULT_RACES if r in LAP_RACES]


def _row(name: str) -> dict:
    return next(r for r in manifest() if r["race"] == name)


def test_corpus_has_34_lap_files_and_20_classifications(corpus):
    assert len(LAP_RACES) == 34
    assert len(RESULT_RACES) == 20
    assert len(IMSA_WITH_BOTH) == 15
    for r in manifest():
        for key in ("laps_file", "results_file"):
            if r[key]:
                assert (corpus / r["race"] / r[key]).is_file(), (r["race"], r[key])


# --- per lap file -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", LAP_RACES)
def test_lap_file_matches_manifest(load_corpus_race, name):
    race = load_corpus_race(name)
    row = _row(name)
    laps = race.laps
    validate_laps(laps)
    assert laps["car"].nunique() == int(row["cars"])
    assert len(laps) == int(row["laps"])
    leader = race.classification.iloc[0]
    assert (str(leader["car"]), int(leader["laps"])) == (row["leader_car"], int(row["leader_laps"]))
    derived = race.derived_classification.iloc[0]
    assert (str(derived["car"]), int(derived["laps"])) == (row["leader_car"], int(row["leader_laps"]))
    assert round(race.duration / 3600.0, 2) == float(row["hours"])
    # container facts and variant
    assert race.meta["columns"] == int(row["columns"])
    assert race.meta["variant"] == VARIANT_BY_COLUMNS[int(row["columns"])]
    assert race.meta["separator"] == row["separator"]
    assert race.meta["bom"] == (row["bom"] == "True")
    assert race.meta["has_flags"] == (int(row["columns"]) >= 26)
    assert laps["flag"].isna().all() != race.meta["has_flags"]


@pytest.mark.parametrize("name", LAP_RACES)
def test_laps_run_1_to_n_and_elapsed_is_cumulative(load_corpus_race, name):
    laps = load_corpus_race(name).laps
    g = laps.groupby("car", sort=False)
    expected_lap = g.cumcount().to_numpy() + 1
    assert (laps["lap"].to_numpy() == expected_lap).all(), "lap numbers skip or repeat"
    # cumulative lap times against ELAPSED; measured max discrepancy is 0.000 s in all 34 files
    cumulative = g["lap_time"].cumsum().to_numpy()
    discrepancy = np.abs(cumulative - laps["elapsed"].to_numpy())
    assert discrepancy.max() < 0.001, f"max |cumsum(LAP_TIME) - ELAPSED| = {discrepancy.max():.4f} s"
    # and lap_start is the previous crossing
    prev = g["elapsed"].shift(1).fillna(0.0).to_numpy()
    assert np.abs(laps["lap_start"].to_numpy() - prev).max() < 0.001


@pytest.mark.parametrize("name", LAP_RACES)
def test_time_of_day_unwrapped_and_monotonic_per_car(load_corpus_race, name):
    race = load_corpus_race(name)
    laps = race.laps
    tod = laps["time_of_day"].to_numpy()
    assert not np.isnan(tod).any()
    for car, t in laps.groupby("car", sort=False)["time_of_day"]:
        assert (np.diff(t.to_numpy()) > 0).all(), f"car {car}: time of day goes back"
    # time_of_day - elapsed is the start time, the same for every lap (to the ms)
    offset = tod - laps["elapsed"].to_numpy()
    assert np.abs(offset - race.meta["start_time_of_day"]).max() < 0.002


def test_hour_wraps_at_midnight_lemans_2019(load_corpus_race):
    """LM2019 car 1: line 141 lap 140 HOUR 23:57:33.862; line 142 lap 141 HOUR 00:01:00.701
    (ELAPSED 9:00:41.671), i.e. 24:01:00.701 unwrapped. Start: lap 1 HOUR 15:03:47.901 − 3:28.871."""
    race = load_corpus_race("lemans-2019")
    laps = race.laps
    car1 = laps[laps["car"] == "1"].set_index("lap")
    assert car1.loc[140, "time_of_day"] == pytest.approx(23 * 3600 + 57 * 60 + 33.862, abs=1e-6)
    assert car1.loc[141, "time_of_day"] == pytest.approx(86400 + 60.701, abs=1e-6)
    assert car1.loc[141, "elapsed"] == pytest.approx(9 * 3600 + 41.671, abs=1e-6)
    assert int(car1.loc[141, "line"]) == 142
    assert race.meta["start_time_of_day"] == pytest.approx(15 * 3600 + 19.03, abs=0.002)
    assert (laps["time_of_day"] >= 86400).sum() == 10994  # laps crossed after midnight


def test_garage_lap_over_an_hour_lemans_2024(load_corpus_race):
    """LM2024 line 2597: car 20 lap 93 LAP_TIME 17:31:33.055, S1 17:28:02.751, ELAPSED
    23:52:15.227, PIT_TIME 17:27:26.277 (lap 92, line 2596, is the `B` in-lap)."""
    laps = load_corpus_race("lemans-2024").laps
    row = laps[(laps["car"] == "20") & (laps["lap"] == 93)].iloc[0]
    assert int(row["line"]) == 2597
    assert row["lap_time"] == pytest.approx(17 * 3600 + 31 * 60 + 33.055, abs=1e-6)
    assert row["s1"] == pytest.approx(62882.751, abs=1e-6)
    assert row["elapsed"] == pytest.approx(23 * 3600 + 52 * 60 + 15.227, abs=1e-6)
    assert row["pit_time"] == pytest.approx(17 * 3600 + 27 * 60 + 26.277, abs=1e-6)
    assert bool(row["out_lap"]) and not bool(row["in_lap"])
    prev = laps[(laps["car"] == "20") & (laps["lap"] == 92)].iloc[0]
    assert bool(prev["in_lap"]) and prev["lap_time"] == pytest.approx(241.774, abs=1e-6)


def test_elapsed_past_24_hours_lemans_2019(load_corpus_race):
    laps = load_corpus_race("lemans-2019").laps
    assert laps["elapsed"].max() > 86400
    winner_last = laps[laps["car"] == "8"].iloc[-1]
    assert int(winner_last["lap"]) == 385 and winner_last["elapsed"] > 86400


# --- car numbers are strings ----------------------------------------------------------------------


def test_leading_zero_car_numbers_are_distinct_cars(load_corpus_race):
    cars = load_corpus_race("lemans-2026").cars.set_index("car")
    assert cars.loc["007", "team"] == "Aston Martin Thor Team" and int(cars.loc["007", "laps"]) == 379
    assert cars.loc["7", "team"] == "Toyota Racing" and int(cars.loc["7", "laps"]) == 381
    assert cars.loc["009", "team"] == "Aston Martin Thor Team" and cars.loc["9", "class"] == "LMP2"
    imsa = load_corpus_race("imsa-2022-watkins-glen-international").cars.set_index("car")
    assert (imsa.loc["01", "class"], int(imsa.loc["01", "laps"])) == ("DPi", 162)
    assert (imsa.loc["1", "class"], int(imsa.loc["1", "laps"])) == ("GTD", 144)
    seb = load_corpus_race("imsa-2023-sebring-international-raceway").cars.set_index("car")
    assert {"04", "4", "023", "23"} <= set(seb.index)
    assert seb.loc["04", "class"] == "LMP2" and seb.loc["4", "class"] == "LMP3"


# --- in-laps, out-laps, PIT_TIME --------------------------------------------------------------------

# PIT_TIME on a lap that is not an out-lap, per race (all other races: none). Every one is either a
# lap 1 (pit-lane start) or an in-lap `B` whose PIT_TIME the file puts on the B row itself: the race
# stoppages of Watkins Glen 2022 (40 cars stopped ~59-60 min in the pit lane at race time 5:38, e.g.
# car 01 line 146 `B` PIT_TIME 0:59:34.362) and 2024 (45 cars, 34-38 min at 5:24), flagged FCY, not RF.
PIT_TIME_NOT_ON_OUT_LAP = {
    "imsa-2021-6h-watkins-glen-international": (1, 0),  # (lap-1 rows, other in-lap rows); car 84 lap 1, line 5452
    "imsa-2021-sebring-international-raceway": (2, 0),  # lap 1 of cars 52 and 7, both `B` laps
    "imsa-2022-road-atlanta": (1, 0),  # car 18 lap 1, a `B` lap
    "imsa-2022-sebring-international-raceway": (1, 0),
    "imsa-2022-watkins-glen-international": (0, 40),
    "imsa-2023-road-atlanta": (2, 0),
    "imsa-2024-sebring-international-raceway": (1, 0),
    "imsa-2024-watkins-glen-international": (1, 45),
    "imsa-2025-watkins-glen-international": (0, 1),
    "lemans-2023": (1, 0),
    "lemans-2024": (1, 0),
}
# Out-laps without PIT_TIME, per race (all other races: none).
OUT_LAP_WITHOUT_PIT_TIME = {
    "imsa-2021-road-atlanta": 2,  # car 42 lap 139 and car 7 lap 137 are out-lap AND in-lap (two Bs in a row)
    "imsa-2022-sebring-international-raceway": 1,  # car 8 lap 116 (line 13729) after a 2:23:09 in-lap
    "imsa-2022-watkins-glen-international": 36,  # red flag: PIT_TIME on the B lap instead
    "imsa-2024-road-atlanta": 1,  # car 22 lap 182 (line 5795)
    "imsa-2024-watkins-glen-international": 28,  # red flag
    "imsa-2025-watkins-glen-international": 2,  # car 2 lap 34 (also a B), car 78 lap 26
}


@pytest.mark.parametrize("name", LAP_RACES)
def test_out_lap_follows_in_lap_and_pit_time_on_out_laps(load_corpus_race, name):
    laps = load_corpus_race(name).laps
    g = laps.groupby("car", sort=False)
    prev_in = g["in_lap"].shift(1, fill_value=False).astype(bool).to_numpy()
    out = laps["out_lap"].to_numpy()
    inn = laps["in_lap"].to_numpy()
    assert (out == prev_in).all(), "out_lap must be exactly the lap after a `B` lap of the same car"
    last_is_in = int(g["in_lap"].last().sum())
    assert inn.sum() - out.sum() == last_is_in  # every in-lap but a car's final one has an out-lap
    has_pit = laps["pit_time"].notna().to_numpy()
    stray = laps[has_pit & ~out]
    assert (stray["lap"].eq(1) | stray["in_lap"]).all(), stray[["car", "lap", "line"]]
    got = (int(stray["lap"].eq(1).sum()), int((stray["in_lap"] & stray["lap"].ne(1)).sum()))
    assert got == PIT_TIME_NOT_ON_OUT_LAP.get(name, (0, 0))
    assert int((out & ~has_pit).sum()) == OUT_LAP_WITHOUT_PIT_TIME.get(name, 0)


def test_red_flag_in_lap_carries_pit_time_watkins_glen_2022(load_corpus_race):
    """Line 146: car 01 lap 145 `B`, LAP_TIME 1:06:48.236, PIT_TIME 0:59:34.362, flag FCY;
    line 147: lap 146 (out-lap) has no PIT_TIME."""
    laps = load_corpus_race("imsa-2022-watkins-glen-international").laps
    car = laps[laps["car"] == "01"].set_index("lap")
    assert bool(car.loc[145, "in_lap"]) and car.loc[145, "pit_time"] == pytest.approx(3574.362, abs=1e-6)
    assert car.loc[145, "lap_time"] == pytest.approx(4008.236, abs=1e-6) and car.loc[145, "flag"] == "FCY"
    assert bool(car.loc[146, "out_lap"]) and np.isnan(car.loc[146, "pit_time"])


# --- classification files -------------------------------------------------------------------------


@pytest.mark.parametrize("name", RESULT_RACES)
def test_classification_file_loads(corpus, name):
    parsed = read_file(results_file(name), expect="classification")
    # NB the overall order is not always by laps (e.g. Road Atlanta 2022 P32 car 62 has 386 laps after
    # P31 with fewer; Watkins Glen 2022 P48 car 36 LMP3 153 laps last): not asserted here.
    cls, crew = parsed.table, parsed.crew
    assert parsed.facts["layout"] == "imsa"
    assert cls["position"].tolist() == list(range(1, len(cls) + 1))
    assert cls["car"].is_unique and not cls["car"].isna().any()
    assert (cls["laps"] >= 0).all()
    assert set(crew["category"].dropna()) <= CATEGORIES
    assert set(crew["car"]) <= set(cls["car"])
    # the winner's total time is the race length (IMSA races of 6 to 24 h)
    assert 5.5 * 3600 < cls["total_time"].iloc[0] < 24.2 * 3600


@pytest.mark.parametrize("name", IMSA_WITH_BOTH)
def test_official_classification_agrees_with_lap_file(load_corpus_race, name):
    race = load_corpus_race(name)
    assert race.meta["classification_source"] == "official"
    official = race.classification.set_index("car")["laps"]
    from_laps = race.laps.groupby("car")["lap"].max()
    # same laps for every car; the only car classified without laps is 24 at Watkins Glen 2023
    only_official = set(official.index) - set(from_laps.index)
    assert only_official == ({"24"} if name == "imsa-2023-watkins-glen-international" else set())
    assert set(from_laps.index) <= set(official.index)
    assert (official.loc[from_laps.index].astype(int) == from_laps.astype(int)).all()


def test_classified_car_without_laps_watkins_glen_2023(load_corpus_race):
    """Results line 58: car 24 (BMW M Team RLL, GTP) POSITION 57, STATUS Classified, LAPS 0,
    GAP_FIRST '201 Laps'; the lap file has no row for car 24."""
    cls = load_corpus_race("imsa-2023-watkins-glen-international").classification.set_index("car")
    assert int(cls.loc["24", "position"]) == 57 and int(cls.loc["24", "laps"]) == 0
    assert cls.loc["24", "gap_first"] == "201 Laps" and int(cls.loc["24", "gap_first_laps"]) == 201


def test_platinium_spelling_fixed_road_atlanta_2024(load_corpus_race, corpus):
    """The only 'Platinium' in the corpus: results line 13, car 8, DRIVER3_LICENSE of Frederik Vesti."""
    raw = results_file("imsa-2024-road-atlanta").read_text(encoding="utf-8-sig")
    assert raw.count("Platinium") == 1
    race = load_corpus_race("imsa-2024-road-atlanta")
    crew = race.official_crew
    vesti = crew[(crew["car"] == "8") & (crew["last_name"] == "Vesti")].iloc[0]
    assert vesti["category"] == "Platinum" and int(vesti["slot"]) == 3
    d = race.drivers
    assert d[(d["car"] == "8") & (d["driver"] == "Frederik Vesti")]["category"].tolist() == ["Platinum"]
    assert "Platinium" not in set(crew["category"].dropna())


# Drivers of the lap files left without a category: their LICENSE and IMSA_DriverRatingLong are
# empty in the official results (checked in the raw rows); no driver of a lap file fails to match
# a results driver by name.
UNRATED = {
    "imsa-2021-6h-watkins-glen-international": {("39", "Tyler McQuarrie")},
    "imsa-2021-road-atlanta": {("40", "Todd Archer"), ("40", "James Vance")},
    "imsa-2023-watkins-glen-international": {("5", "Mike Rockenfeller")},
}


@pytest.mark.parametrize("name", IMSA_WITH_BOTH)
def test_fia_category_attached_to_every_imsa_driver(load_corpus_race, name):
    race = load_corpus_race(name)
    drivers = race.drivers
    crew = race.official_crew
    known = {(c, name_key(d)) for c, d in zip(crew["car"], crew["driver"])}
    unmatched = {(c, d) for c, d in zip(drivers["car"], drivers["driver"]) if (c, name_key(d)) not in known}
    assert unmatched == set()
    missing = {(c, d) for c, d, k in zip(drivers["car"], drivers["driver"], drivers["category"]) if pd.isna(k)}
    assert missing == UNRATED.get(name, set())
    assert set(drivers["category"].dropna()) <= CATEGORIES


# --- independent check against the raw rows (csv module, no stintlab code) ----------------------
# tests/test_oracle.py reads every corpus lap file with the csv module alone (tests/oracle.py) and compares
# every row (car, lap, ELAPSED, `B`, PIT_TIME, FLAG_AT_FL, CLASS, line) with the lap table, on all 34 races.
