"""Stints, driver spells and drive time: corpus-wide invariants, verified real cases, hand-built cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import lap_races
from stintlab.analysis.annotate import annotate, race_hour, stint_numbers
from stintlab.analysis.order import finish_time
from stintlab.analysis.stints import drive_time, driver_spells, stints, worst_window
from stintlab.analysis.stops import stops


def _laps(rows):
    """Small canonical-like lap table from (car, lap, driver, lap_time, in_lap, pit_time) tuples."""
    df = pd.DataFrame(rows, columns=["car", "lap", "driver", "lap_time", "in_lap", "pit_time"])
    df["car"] = df["car"].astype("string")
    df["driver"] = df["driver"].astype("string")
    df["elapsed"] = df.groupby("car")["lap_time"].cumsum()
    prev_in = df.groupby("car")["in_lap"].shift(1)
    df["out_lap"] = prev_in.fillna(False).astype(bool)
    df["driver_slot"] = pd.array([1] * len(df), dtype="Int8")
    df["class"] = pd.array(["X"] * len(df), dtype="string")
    df["team"] = pd.array(["T"] * len(df), dtype="string")
    # as in a real file, the winner's last crossing and every later last crossing carry the chequered flag
    last = ~df["car"].duplicated(keep="last")
    top = df[last & (df["lap"] == df.loc[last, "lap"].max())]["elapsed"].min()
    df["flag"] = pd.array(np.where(last & (df["elapsed"] >= top), "FF", "GF"), dtype="string")
    return df


@pytest.mark.corpus
@pytest.mark.parametrize("name", lap_races())
def test_stint_and_stop_invariants_on_every_corpus_race(load_corpus_race, name):
    laps = load_corpus_race(name).laps
    st = stints(laps)
    g = laps.groupby("car", sort=False)
    in_laps = g["in_lap"].sum()
    last_is_in = g["in_lap"].last().astype(int)
    per_car = st.groupby("car", sort=False).size().reindex(in_laps.index)
    # stints = in-laps + 1, minus one when the car's last lap is an in-lap (retired in the pits)
    assert (per_car == in_laps + 1 - last_is_in).all()
    # the sum of a car's stint durations is its race time (lap 1 starts at race time 0 in every file)
    total = st.groupby("car", sort=False)["duration"].sum().reindex(in_laps.index)
    assert np.allclose(total.to_numpy(), g["elapsed"].last().to_numpy(), atol=1e-3)
    # stops: exactly one per in-lap, none on an out-lap that is not itself an in-lap
    sp = stops(annotate(laps))
    assert len(sp) == int(laps["in_lap"].sum())
    keyed = laps.set_index(["car", "lap"])
    rows = keyed.loc[list(zip(sp["car"], sp["lap_in"]))]
    assert rows["in_lap"].all()
    assert set(sp["kind"]) <= {"normal", "long", "garage", "final", "drive_through"}
    # 'finish' = took the chequered flag: on flagged files exactly the cars whose last crossing is FF
    last_flag = g["flag"].last()
    if last_flag.notna().all():
        finishers = set(st.loc[st["ended_by"] == "finish", "car"])
        assert finishers == set(last_flag[last_flag == "FF"].index)
    # only cars that did not take the flag have a final stop
    assert (st[st["ended_by"] == "finish"]["car"].isin(sp.loc[sp["kind"] == "final", "car"])).sum() == 0


def test_lemans_2024_car_15_retired_in_the_pits(load_corpus_race):
    # raw rows: #15 lap 102 'B' at 6:31:36.419 is the car's last row (Dries VANTHOOR)
    laps = load_corpus_race("lemans-2024").laps
    st = stints(laps, car="15")
    assert st["ended_by"].iat[-1] == "retired"
    assert st["lap_end"].iat[-1] == 102
    assert st["end"].iat[-1] == pytest.approx(6 * 3600 + 31 * 60 + 36.419)
    assert len(st) == int(laps.loc[laps["car"] == "15", "in_lap"].sum())


def test_lemans_2024_car_20_garage_stint_and_drive_time(load_corpus_race):
    # raw rows: #20 lap 92 'B' (Sheldon VAN DER LINDE), lap 93 LAP_TIME 17:31:33.055 with PIT_TIME 17:27:26.277
    laps = load_corpus_race("lemans-2024").laps
    car = laps[laps["car"] == "20"]
    st = stints(laps, car="20")
    after = st[st["lap_start"] == 93].iloc[0]
    assert after["pit_time_before"] == pytest.approx(17 * 3600 + 27 * 60 + 26.277)
    sp = driver_spells(car)
    spell = sp[(sp["lap_start"] <= 93) & (sp["lap_end"] >= 93)].iloc[0]
    # the 17 h 27 min in the garage is not driving: only 4:06.778 of lap 93 counts
    lap93 = car[car["lap"] == 93].iloc[0]
    assert spell["pit_excluded"] >= 17 * 3600 + 27 * 60 + 26.277 - 1e-6
    assert spell["drive_time"] < spell["duration"] - 62000
    assert lap93["lap_time"] - 62846.277 == pytest.approx(246.778, abs=1e-3)


def test_stints_hand_built_driver_change_and_same_driver_stop():
    laps = _laps(
        [
            ("1", 1, "A", 100.0, False, np.nan),
            ("1", 2, "A", 110.0, True, np.nan),
            ("1", 3, "A", 170.0, False, 60.0),  # same driver after the stop
            ("1", 4, "A", 105.0, True, np.nan),
            ("1", 5, "B", 180.0, False, 80.0),  # driver change
            ("1", 6, "B", 100.0, False, np.nan),
        ]
    )
    st = stints(laps)
    assert st["lap_start"].tolist() == [1, 3, 5]
    assert st["lap_end"].tolist() == [2, 4, 6]
    assert st["driver_change"].tolist() == [False, False, True]
    assert st["ended_by"].tolist() == ["stop", "stop", "finish"]
    assert st["duration"].sum() == pytest.approx(laps["elapsed"].iat[-1])
    sp = driver_spells(laps)
    assert sp["driver"].tolist() == ["A", "B"]
    assert sp["stints"].tolist() == [2, 1]
    # A: 100 + 110 + 170 + 105 - 60 (pit time of the stop inside the spell); B: 180 + 100 - 80
    assert sp["drive_time"].tolist() == pytest.approx([425.0, 200.0])
    dt = drive_time(laps)
    assert dt.set_index("driver")["total"].to_dict() == pytest.approx({"A": 425.0, "B": 200.0})


def test_stints_car_retired_in_pits_and_car_with_one_lap():
    laps = _laps(
        [
            ("1", 1, "A", 100.0, False, np.nan),
            ("1", 2, "A", 100.0, False, np.nan),
            ("1", 3, "A", 100.0, False, np.nan),
            ("2", 1, "C", 100.5, False, np.nan),
            ("2", 2, "C", 130.0, True, np.nan),  # last row is an in-lap: retired in the pits
            ("3", 1, "D", 150.0, False, np.nan),  # retired on lap 1 (on track)
        ]
    )
    st = stints(laps)
    assert st.set_index("car")["ended_by"].to_dict() == {"1": "finish", "2": "retired", "3": "retired"}
    assert finish_time(laps) == 300.0
    sp = stops(annotate(laps))
    assert sp[["car", "lap_in", "kind"]].to_dict("records") == [{"car": "2", "lap_in": 2, "kind": "final"}]
    assert pd.isna(sp["lap_out"].iat[0])


def test_worst_window_counts_only_driving_inside_six_hours():
    h = 3600.0
    # 3 h + 2 h + 2 h of driving at 0-3, 4-6 and 9-11 h: the worst 6 h window (0-6 h) holds 5 h
    w, start = worst_window(np.array([0, 4 * h, 9 * h]), np.array([3 * h, 6 * h, 11 * h]))
    assert w == pytest.approx(5 * h)
    assert start == pytest.approx(0.0)


def test_drive_time_real_race_totals_equal_race_time_minus_pit_time(load_corpus_race):
    laps = load_corpus_race("wec-2025-imola6h").laps
    dt = drive_time(laps)
    sp = driver_spells(laps)
    for car, grp in laps.groupby("car", sort=False):
        excluded = grp.loc[grp["out_lap"], "pit_time"].fillna(0).clip(upper=grp.loc[grp["out_lap"], "lap_time"]).sum()
        total = dt.loc[dt["car"] == car, "total"].sum()
        assert total == pytest.approx(grp["elapsed"].iat[-1] - excluded, abs=1e-3)
    assert (dt["longest_spell"] <= dt["total"] + 1e-9).all()
    assert (dt["worst_window_6h"] <= dt["total"] + 1e-6).all()
    assert sp["drive_time"].min() >= 0


def test_annotate_columns_on_real_race(load_corpus_race):
    laps = load_corpus_race("lemans-2024").laps
    before = laps.copy(deep=True)
    a = annotate(laps)
    assert len(a) == len(laps)
    assert {"neutralised", "incident", "clean", "stint", "hour"} <= set(a.columns)
    # clean laps: never lap 1, in/out laps, pit-time laps, neutralised or incident laps
    c = a[a["clean"]]
    assert not (c["in_lap"] | c["out_lap"] | c["neutralised"] | c["incident"]).any()
    assert (c["lap"] > 1).all() and c["pit_time"].isna().all()
    # #50's lap 13 is its out-lap (raw: PIT_TIME 1:17.492): stint 2 starts there
    car = a[a["car"] == "50"].set_index("lap")
    assert car.loc[12, "stint"] == 1 and car.loc[13, "stint"] == 2
    # hour of the lap that ended at race time 42:24.181 is 1; the last lap (24:01:55.856) is in hour 25
    assert car.loc[12, "hour"] == 1 and car["hour"].iat[-1] == 25
    # annotate does not mutate its input (compared with a deep copy taken before the call)
    pd.testing.assert_frame_equal(laps, before)
    assert list(laps.columns) == list(before.columns) and "clean" not in laps.columns


def test_stint_numbers_and_race_hour_small():
    laps = _laps(
        [("1", 1, "A", 10.0, True, np.nan), ("1", 2, "A", 10.0, False, 5.0), ("2", 1, "B", 10.0, False, np.nan)]
    )
    assert stint_numbers(laps).tolist() == [1, 2, 1]
    assert race_hour([3599.999, 3600.0]).tolist() == [1, 2]
    assert stints(laps.iloc[0:0]).empty


def test_race_ended_under_red_flag_counts_running_cars_as_finishers():
    laps = _laps(
        [
            ("1", 1, "A", 100.0, False, np.nan),
            ("1", 2, "A", 900.0, False, np.nan),  # red flag: stopped, last crossing under RF
            ("2", 1, "B", 101.0, False, np.nan),
            ("2", 2, "B", 880.0, False, np.nan),  # crossed under RF before the leader
            ("3", 1, "C", 150.0, False, np.nan),  # out on lap 1, green
        ]
    )
    laps["flag"] = pd.array(["GF", "RF", "GF", "RF", "GF"], dtype="string")
    st = stints(laps)
    assert st.set_index("car")["ended_by"].to_dict() == {"1": "finish", "2": "finish", "3": "retired"}


def test_stints_of_a_file_taken_during_the_race_end_with_the_file():
    """Without the chequered flag (an hourly snapshot), nobody has finished or retired yet."""
    laps = _laps(
        [
            ("1", 1, "A", 100.0, False, np.nan),
            ("1", 2, "A", 100.0, False, np.nan),
            ("2", 1, "C", 100.5, True, np.nan),  # into the pits after one lap, never out again
        ]
    )
    assert stints(laps).set_index("car")["ended_by"].to_dict() == {"1": "finish", "2": "retired"}
    snapshot = laps.assign(flag=pd.array(["GF"] * len(laps), dtype="string"))
    assert stints(snapshot).set_index("car")["ended_by"].to_dict() == {"1": "file_end", "2": "file_end"}
    assert stints(snapshot, car="2")["ended_by"].tolist() == ["file_end"]
