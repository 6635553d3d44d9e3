"""Pit stops: verified real stops (normal, garage, final), kinds, time lost, hand-built cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from stintlab.analysis.annotate import annotate
from stintlab.analysis.stops import pit_baselines, stops


def hms(h, m, s):
    return h * 3600 + m * 60 + s


def test_lemans_2024_real_stops(load_corpus_race):
    laps = load_corpus_race("lemans-2024").laps
    sp = stops(annotate(laps)).set_index(["car", "lap_in"])
    # raw: #50 lap 12 'B' at 42:24.181 (Nicklas NIELSEN), lap 13 PIT_TIME 0:01:17.492, same driver
    s = sp.loc[("50", 12)]
    assert s["lap_out"] == 13 and s["race_time"] == pytest.approx(hms(0, 42, 24.181))
    assert s["pit_time"] == pytest.approx(77.492)
    assert (s["driver_in"], s["driver_out"], s["driver_change"]) == ("Nicklas NIELSEN", "Nicklas NIELSEN", False)
    assert s["kind"] == "normal" and 50 < s["time_lost"] < 110
    # raw: #20 lap 92 'B' at 6:20:42.172, lap 93 PIT_TIME 17:27:26.277: a garage stop of 17 h 27 min
    g = sp.loc[("20", 92)]
    assert g["kind"] == "garage" and g["pit_time"] == pytest.approx(hms(17, 27, 26.277))
    # raw: #15 lap 102 'B' at 6:31:36.419 is its last row: retired in the pits
    f = sp.loc[("15", 102)]
    assert f["kind"] == "final" and pd.isna(f["lap_out"]) and np.isnan(f["pit_time"])
    # one stop per in-lap, and no stop starts on an out-lap that is not itself an in-lap
    allstops = stops(annotate(laps))
    assert len(allstops) == int(laps["in_lap"].sum()) == 1548
    assert (allstops["kind"] == "final").sum() == 7


def test_imsa_sebring_2024_car_17_retired_in_pits_on_lap_2(load_corpus_race):
    # raw: #17 lap 1 22:27.159, lap 2 'B' 2:26.097 at 24:53.256 and nothing after (Anthony Mantella)
    laps = load_corpus_race("imsa-2024-sebring-international-raceway").laps
    sp = stops(annotate(laps))
    s = sp[sp["car"] == "17"]
    assert s[["lap_in", "kind", "driver_in"]].to_dict("records") == [
        {"lap_in": 2, "kind": "final", "driver_in": "Anthony Mantella"}
    ]


def test_stop_kinds_from_the_class_distribution():
    # ten cars, each with one stop; pit times 70..79 s except one 150 s (long) and one 900 s (garage)
    rows = []
    pits = [70.0, 71, 72, 73, 74, 75, 76, 77, 150, 900]
    for i, p in enumerate(pits):
        car = str(i + 1)
        times = [100.0] * 3 + [110.0, 100.0 + p, 100.0, 100.0, 100.0]
        for k, lt in enumerate(times, 1):
            rows.append((car, k, "D" + car, lt, k == 4, p if k == 5 else np.nan))
    df = pd.DataFrame(rows, columns=["car", "lap", "driver", "lap_time", "in_lap", "pit_time"])
    df["elapsed"] = df.groupby("car")["lap_time"].cumsum() + df["car"].astype(int) * 0.1
    df["out_lap"] = df.groupby("car")["in_lap"].shift(1, fill_value=False)
    df["class"] = "X"
    df["team"] = "T"
    df["driver_slot"] = pd.array([1] * len(df), dtype="Int8")
    df["flag"] = pd.array(["GF"] * len(df), dtype="string")
    sp = stops(annotate(df)).set_index("car")
    assert sp["kind"].to_dict() == {
        **{str(i + 1): "normal" for i in range(8)},
        "9": "long",
        "10": "garage",
    }
    # time lost = in + out - 2 x clean pace (100 s): 10 s on the in-lap plus the pit time
    assert sp.loc["1", "time_lost"] == pytest.approx(80.0)
    assert sp.loc["1", "reference"] == pytest.approx(100.0)


def test_pit_baselines_fall_back_to_race_wide_for_small_classes():
    b = pit_baselines(pd.Series([70.0, 71, 72, 73, 74, 90]), pd.Series(["A"] * 5 + ["B"]))
    assert b.loc["A", "median"] == 72.0
    assert b.loc["B", "median"] == pytest.approx(72.5)  # one stop: race-wide median
