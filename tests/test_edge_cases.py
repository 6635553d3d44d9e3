"""Edge cases of the race state (issue 3), through the Python API and every CLI command.

Hand-built races are written as real Al Kamel Analysis CSV files in tmp_path (sim.frames.lap_table +
sim.writer.write_analysis_csv; the no-flag race is cut to the 25-column 2019 layout) and every
expected figure below is worked out by hand from the rows built here. Real corpus instances of the
same cases are checked against their raw rows (line numbers given).

Race A (flags, chequered flag, ~1 h): #1 and #2 HYPERCAR run 12 laps with one stop; #7 retires in
the pits on lap 1; #8 stops on track after lap 2; #50 is the only LMGT3 car; #31 (LMP2) retires in
the pits, its last lap an in-lap. Race B ends under a red flag (no FF). Race C has no FLAG_AT_FL
column, runs past 24 h and holds a 5-hour garage lap.
"""

from __future__ import annotations

import json
import warnings

import pytest

import stintlab
from conftest import lap_file
from stintlab.analysis.annotate import annotate
from stintlab.analysis.classification import derive_classification, race_finished, red_flag_finish
from stintlab.analysis.flags import neutralisations
from stintlab.analysis.incidents import incident_table
from stintlab.analysis.standings import hourly_positions, position_history, standings_after_hour, standings_at
from stintlab.analysis.stints import drive_time, driver_spells, stints
from stintlab.analysis.stops import stops
from stintlab.analysis.timeline import car_events, time_loss_account
from stintlab.cli import main
from stintlab.errors import StintlabUsageError
from stintlab.report.story.languages import event_texts
from stintlab.sim.frames import lap_table
from stintlab.sim.writer import write_analysis_csv


def _car(num, cls, times, *, in_laps=(), pits=None, flags=None, drivers=None):
    return [
        {
            "car": num, "lap": i, "lap_time": float(t), "class": cls, "team": f"Team {num}",
            "driver": (drivers or {}).get(i, "Ann A"), "in_lap": i in in_laps,
            **({"pit_time": float(pits[i])} if pits and i in pits else {}),
            **({"flag": flags[i]} if flags and i in flags else {}),
        }
        for i, t in enumerate(times, start=1)
    ]  # fmt: skip


def _write(tmp_path, name, records, *, flag_column=True):
    t = lap_table(records)
    t["time_of_day"] = t["elapsed"] + 15 * 3600.0
    path = write_analysis_csv(t, tmp_path / name)
    if not flag_column:  # the 2019 layout: 25 columns ending at MANUFACTURER
        lines = path.read_text(encoding="utf-8-sig").splitlines()
        text = "\r\n".join(";".join(line.split(";")[:25]) + ";" for line in lines) + "\r\n"
        path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    return path


def race_a(tmp_path):
    a = [300.0] * 12
    a[4], a[5] = 310.0, 370.0  # lap 5 in-lap, lap 6 out-lap (PIT_TIME 70)
    b = [302.0] * 12
    b[5], b[6] = 312.0, 372.0
    recs = (
        _car(
            "1", "HYPERCAR", a, in_laps={5}, pits={6: 70}, flags={12: "FF"}, drivers=dict.fromkeys(range(6, 13), "Bo B")
        )
        + _car("2", "HYPERCAR", b, in_laps={6}, pits={7: 70}, flags={12: "FF"})
        + _car("7", "HYPERCAR", [350.0], in_laps={1})  # retired in the pits on lap 1
        + _car("8", "HYPERCAR", [305.0, 306.0])  # stopped on track after lap 2
        + _car("50", "LMGT3", [335.0] * 11, flags={11: "FF"})  # a one-car class
        + _car("31", "LMP2", [320.0] * 6, in_laps={6})  # last lap an in-lap
    )
    return _write(tmp_path, "A.csv", recs)


def race_b(tmp_path):
    """Ended under a red flag: the leaders' last crossing (a 600 s lap) is RF, nobody sees FF."""
    recs = (
        _car("1", "HYPERCAR", [300.0] * 6 + [600.0], flags={7: "RF"})
        + _car("2", "HYPERCAR", [303.0] * 6 + [600.0], flags={7: "RF"})
        + _car("3", "HYPERCAR", [305.0] * 4)  # stopped on track before the red flag
        + _car("50", "LMGT3", [330.0] * 6, in_laps={6}, flags={6: "RF"})  # into the pits under the red flag
    )
    return _write(tmp_path, "B.csv", recs)


def race_c(tmp_path):
    """No flag column, past 24 h, #20 in the garage for 5 h (lap 11: 18000 s, PIT_TIME 17900)."""
    every8 = {8, 16, 24, 32, 40, 48}
    recs = (
        _car("1", "HYPERCAR", [1800.0] * 49, in_laps=every8, pits={s + 1: 60 for s in every8})
        + _car("2", "HYPERCAR", [1810.0] * 49, in_laps=every8, pits={s + 1: 60 for s in every8})
        + _car("20", "HYPERCAR", [1800.0] * 10 + [18000.0] + [1805.0] * 29, in_laps={10}, pits={11: 17900})
        + _car("50", "LMGT3", [2000.0] * 45)
    )
    return _write(tmp_path, "C.csv", recs, flag_column=False)


def cli(capsys, *argv):
    rc = main([*map(str, argv), "--json"])
    out = capsys.readouterr()
    assert rc == 0, out.err
    assert "Traceback" not in out.err
    return json.loads(out.out)


def cli_error(capsys, *argv):
    rc = main(list(map(str, argv)))
    err = capsys.readouterr().err
    assert rc == 2 and err.startswith("stintlab: error:") and err.count("\n") == 1, err
    return err


# ---------------------------------------------------------------- race A: API


def test_race_a_api(tmp_path):
    laps = stintlab.load(race_a(tmp_path), find_results=False).laps
    assert race_finished(laps)
    c = derive_classification(laps)
    assert c["car"].tolist() == ["1", "2", "50", "31", "8", "7"]
    assert c["status"].tolist() == ["Running", "Running", "Running", "Retired in pits", "Retired", "Retired in pits"]
    assert c["gap_first"].tolist() == ["-", "+24.000", "1 Lap", "6 Laps", "10 Laps", "11 Laps"]
    assert c["class_position"].tolist() == [1, 2, 1, 1, 3, 4]

    # at 1:00:00 exactly: #1 lap 11 at 3380, #2 lap 11 at 3402
    h1 = standings_at(laps, 3600.0)
    assert h1[["car", "laps"]].values.tolist() == [["1", 11], ["2", 11], ["50", 10], ["31", 6], ["8", 2], ["7", 1]]
    assert h1["gap_to_class_leader"].tolist()[:2] == ["-", "+22.000"]
    # "after hour 1" is the official snapshot: taken as a car completes lap 11 + 2 = 13, which never
    # happens (the flag fell at #1's lap 12, 3680 s): the hour-1 standings are the final order
    h1 = standings_after_hour(laps, 1)
    assert h1[["car", "laps"]].values.tolist() == [["1", 12], ["2", 12], ["50", 11], ["31", 6], ["8", 2], ["7", 1]]
    assert h1["gap_to_class_leader"].tolist()[:2] == ["-", "+24.000"]  # 3704 - 3680
    # at 20:00 exactly: #1's lap-4 crossing (1200.0) counts; #2 (906), #31 (960), #50 (1005) have 3
    s = standings_at(laps, 1200.0)
    assert s[["car", "laps"]].values.tolist() == [["1", 4], ["2", 3], ["31", 3], ["50", 3], ["8", 2], ["7", 1]]
    assert s["interval"].tolist() == ["-", "1 Lap", "+54.000", "+45.000", "1 Lap", "1 Lap"]
    one = s[s["car"] == "50"].iloc[0]  # the one-car class: it leads it, no class gap
    assert one["class_position"] == 1 and one["gap_to_class_leader"] == "-" and one["class_interval"] == "-"
    # at 5:00 only #1 has crossed the line (300.0); nobody else is listed yet
    assert standings_at(laps, 300.0)["car"].tolist() == ["1"]

    sp = stops(annotate(laps)).set_index("car")
    assert sp.loc["1", "kind"] == "normal" and sp.loc["1", "time_lost"] == pytest.approx(80.0)  # 310+370-2*300
    assert sp.loc["7", "kind"] == "final" and sp.loc["7", "lap_in"] == 1 and sp.loc["7", "lap_out"] is pd_na()
    assert sp.loc["31", "kind"] == "final" and sp.loc["31", "race_time"] == 1920.0

    st = stints(laps)
    ended = dict(zip(st["car"] + "/" + st["stint"].astype(str), st["ended_by"]))
    assert ended == {"1/1": "stop", "1/2": "finish", "2/1": "stop", "2/2": "finish", "7/1": "retired",
                     "8/1": "retired", "50/1": "finish", "31/1": "retired"}  # fmt: skip
    dt = drive_time(laps).set_index(["car", "driver"])
    assert dt.loc[("1", "Bo B"), "total"] == pytest.approx(2100.0)  # 7 laps 2170 s - PIT_TIME 70
    assert dt.loc[("7", "Ann A"), "total"] == pytest.approx(350.0)
    assert driver_spells(laps).groupby("car").size()["1"] == 2

    a = annotate(laps)
    assert incident_table(a, a["neutralised"].to_numpy()).empty and neutralisations(a).empty
    ph = position_history(laps)
    assert (ph.loc[ph["car"] == "50", "class_position"] == 1).all()
    hp = hourly_positions(laps)
    assert sorted(hp["hour"].unique()) == [1, 2]

    ev = car_events(a, "7")
    assert ev["kind"].tolist() == ["start", "stop", "retired"]
    assert event_texts(ev)[-1] == "Last crossing (in the pits), 1 lap"  # was "1 laps"
    assert event_texts(car_events(a, "50"))[-1] == "Finished, 11 laps"

    loss = time_loss_account(a).set_index("car")
    # #7 has no clean lap (no pace) and no phase to lose laps in: 0 s, not NaN
    assert loss.loc["7", "neutralisations"] == 0.0 and loss.loc["7", "total"] == 0.0
    assert loss.loc["1", "normal_stops"] == pytest.approx(80.0)


def pd_na():
    import pandas as pd

    return pd.NA


# ---------------------------------------------------------------- race A: CLI


def test_race_a_cli(tmp_path, capsys):
    f = race_a(tmp_path)
    info = cli(capsys, "info", f)
    assert info["cars"] == 6 and info["laps"] == 44 and info["finished"] is True and info["has_flags"] is True
    assert info["classes"] == {"HYPERCAR": 4, "LMGT3": 1, "LMP2": 1} and info["leader"]["car"] == "1"
    cl = cli(capsys, "classification", f)
    assert [(r["car"], r["status"]) for r in cl][-3:] == [("31", "Retired in pits"), ("8", "Retired"),
                                                          ("7", "Retired in pits")]  # fmt: skip
    assert [r["car"] for r in cli(capsys, "classification", f, "--class", "lmgt3")] == ["50"]
    # --at is by distance (docs/analysis.md): at 1200 s #2 is 3 + 294/302 laps on, #31 3 + 240/320 = 3.75,
    # #50 3 + 195/335; #2 was at 3.75 laps at 906 + 0.75 * 302 = 1132.5 s, #31 at #50's distance at
    # 960 + 320 * 195/335 = 1146.269 s: intervals 67.5 s and 53.731 s (by last crossing: 54 s and 45 s)
    at = cli(capsys, "standings", f, "--at", "0:20:00")
    assert [(r["car"], r["laps"], r["interval"]) for r in at][2:4] == [("31", 3, "+1:07.500"), ("50", 3, "+53.731")]
    assert [r["distance"] for r in at][2:4] == [3.75, pytest.approx(3 + 195 / 335, abs=1e-4)]
    h1 = cli(capsys, "standings", f, "--hour", "1", "--class", "LMGT3")
    assert [(r["car"], r["position"], r["class_position"], r["laps"]) for r in h1] == [("50", 3, 1, 11)]
    stp = cli(capsys, "stops", f, "--car", "7")
    assert [(r["lap_in"], r["lap_out"], r["kind"]) for r in stp] == [(1, None, "final")]
    assert cli(capsys, "stops", f, "--car", "8") == []
    st = cli(capsys, "stints", f, "--car", "7")
    assert [(r["lap_start"], r["lap_end"], r["duration"], r["ended_by"]) for r in st] == [(1, 1, 350.0, "retired")]
    ev = cli(capsys, "events", f, "--car", "31")
    assert [e["kind"] for e in ev] == ["start", "stop", "retired"]
    assert ev[-1]["description"] == "Last crossing (in the pits), 6 laps"
    assert cli(capsys, "flags", f) == []
    assert cli(capsys, "losses", f, "--car", "7")[0]["neutralisations"] == 0.0
    # a one-car class has no pace index (docs/metrics.md: at least 3 cars), so no index rank;
    # by best_10 (its 10 clean laps of 335 s) the driver ranks 1st of 1
    drv = cli(capsys, "drivers", f, "--class", "LMGT3")
    assert [(d["car"], d["clean_laps"], d["index"], d["class_rank"]) for d in drv] == [("50", 10, None, None)]
    drv = cli(capsys, "drivers", f, "--class", "LMGT3", "--by", "best_10")
    assert [(d["car"], d["value"], d["class_rank"]) for d in drv] == [("50", 335.0, 1)]
    story = cli(capsys, "story", f, "--car", "7")
    assert any("retired in the pits in hour 1, after 1 lap." in s["text"] for s in story["sentences"])
    story = cli(capsys, "story", f, "--car", "50")
    assert any("won LMGT3" in s["text"] for s in story["sentences"])
    rep = cli(capsys, "report", f, "--car", "7", "-o", tmp_path / "r7.html")
    assert rep["car"] == "7" and (tmp_path / "r7.html").stat().st_size == rep["bytes"]


# ---------------------------------------------------------------- race B: ended under a red flag


def test_race_ended_under_red_flag_api(tmp_path):
    laps = stintlab.load(race_b(tmp_path), find_results=False).laps
    assert red_flag_finish(laps) and race_finished(laps)  # was: a snapshot (no FF), nobody retired
    c = derive_classification(laps)
    assert c[["car", "laps", "status"]].values.tolist() == [
        ["1", 7, "Running"], ["2", 7, "Running"], ["50", 6, "Running"], ["3", 4, "Retired"]
    ]  # fmt: skip
    assert c["gap_first"].tolist() == ["-", "+18.000", "1 Lap", "3 Laps"]
    # #50 drove into the pits under the red flag that ended the race: stopped by it, not retired
    st = stints(laps)
    assert dict(zip(st["car"], st["ended_by"])) == {"1": "finish", "2": "finish", "3": "retired", "50": "finish"}
    sp = stops(annotate(laps))
    assert sp[["car", "lap_in", "kind"]].values.tolist() == [["50", 6, "normal"]]  # was "final"
    a = annotate(laps)
    assert car_events(a, "50")["kind"].iat[-1] == "finish"  # was "retired"
    assert car_events(a, "3")["kind"].iat[-1] == "retired"
    ph = neutralisations(a)
    assert ph[["kind", "start", "end"]].values.tolist() == [["RED", 1980.0, 2418.0]]
    assert not ph["green_at"].notna().any()


def test_race_ended_under_red_flag_cli(tmp_path, capsys):
    f = race_b(tmp_path)
    assert cli(capsys, "info", f)["finished"] is True
    assert [r["status"] for r in cli(capsys, "classification", f)] == ["Running", "Running", "Running", "Retired"]
    assert [e["kind"] for e in cli(capsys, "events", f, "--car", "50")][-1] == "finish"
    assert [r["kind"] for r in cli(capsys, "flags", f)] == ["RED"]
    story = cli(capsys, "story", f, "--car", "50")
    assert any("won LMGT3" in s["text"] for s in story["sentences"])


def test_red_flag_in_the_middle_is_not_a_finish():
    recs = _car("1", "X", [100.0, 700.0, 100.0], flags={2: "RF", 3: "FF"}) + _car("2", "X", [101.0, 700.0])
    laps = lap_table(recs)
    assert not red_flag_finish(laps)
    assert derive_classification(laps)["status"].tolist() == ["Running", "Retired"]


# ---------------------------------------------------------------- race C: no flag column, 24 h+, garage


def test_no_flag_column_past_24h_with_garage_lap(tmp_path, capsys):
    f = race_c(tmp_path)
    race = stintlab.load(f, find_results=False)
    laps = race.laps
    assert race.meta["variant"] == "analysis-25" and laps["flag"].isna().all()
    info = cli(capsys, "info", f)
    assert info["has_flags"] is False and info["finished"] is True and info["hours"] == 25.0
    # at 24:00:00: #1 lap 48 (86400), #2 lap 47 (85070), #50 lap 43 (86000), #20 lap 38 (36000 + 27 * 1805)
    s = cli(capsys, "standings", f, "--at", "24:00:00")
    assert [(r["car"], r["laps"]) for r in s] == [("1", 48), ("2", 47), ("50", 43), ("20", 38)]
    s = cli(capsys, "standings", f, "--at", "24:40:00.5")
    assert [(r["car"], r["laps"], r["gap_to_class_leader"]) for r in s][:2] == [("1", 49, "-"), ("2", 49, "+8:10.000")]
    assert s[1]["gap_to_class_leader"] == "+8:10.000" and s[1]["race_time"] == 88690.0
    h25 = cli(capsys, "standings", f, "--hour", "25")
    assert [(r["car"], r["laps"]) for r in h25] == [("1", 49), ("2", 49), ("50", 45), ("20", 40)]
    assert "between 1 and 25" in cli_error(capsys, "standings", f, "--hour", "26")
    assert "past the end" in cli_error(capsys, "standings", f, "--at", "26:00:01")
    assert "--at wants a race time" in cli_error(capsys, "standings", f, "--at", "25h")
    with pytest.raises(StintlabUsageError):
        standings_at(laps, -1.0)

    stp = cli(capsys, "stops", f, "--car", "20")
    # 1800 + 18000 - 2 * 1802.5 (clean medians of the stints before and after)
    assert [(r["lap_in"], r["pit_time"], r["kind"], r["time_lost"]) for r in stp] == [(10, 17900.0, "garage", 16195.0)]
    assert {r["kind"] for r in cli(capsys, "stops", f, "--car", "1")} == {"normal"}
    st = cli(capsys, "stints", f, "--car", "20")
    assert [(r["start"], r["end"], r["ended_by"]) for r in st] == [(0.0, 18000.0, "stop"), (18000.0, 88345.0, "finish")]
    dt = drive_time(laps).set_index("car")
    assert dt.loc["20", "total"] == pytest.approx(70445.0)  # 88345 s of laps - 17900 s in the garage
    assert cli(capsys, "flags", f) == []  # nothing slows the whole field: nothing inferred
    ev = cli(capsys, "events", f, "--car", "20")
    assert [e["kind"] for e in ev if e["kind"] == "stop"] == ["stop"] and "Garage stop" in ev[1]["description"]
    assert cli(capsys, "losses", f, "--car", "20")[0]["garage_stops"] == pytest.approx(16195.0)
    assert hourly_positions(laps)["hour"].max() == 25
    story = cli(capsys, "story", f, "--car", "20")
    assert story["sentences"]


def test_a_garage_stop_of_hours_among_few_stops_is_garage():
    """Two stops in the race (60 s and 3 h): the race-wide median (1.5 h) called the 3 h stop normal."""
    recs = _car("1", "X", [100.0] * 8, in_laps={3}, pits={4: 60}) + _car(
        "2", "X", [101.0, 101.0, 101.0, 10800.0, 101.0], in_laps={3}, pits={4: 10700}
    )
    sp = stops(annotate(lap_table(recs))).set_index("car")
    assert sp.loc["2", "kind"] == "garage" and sp.loc["1", "kind"] == "normal"


def test_unknown_car_is_a_usage_error(tmp_path, capsys):
    f = race_a(tmp_path)
    for cmd in ("stints", "events", "stops", "losses", "story"):
        assert "no car '99'" in cli_error(capsys, cmd, f, "--car", "99")


# ---------------------------------------------------------------- real corpus instances


@pytest.mark.corpus
def test_sebring_2024_17_retired_in_the_pits_on_lap_2(load_corpus_race, capsys):
    """Raw lines 3215-3216: #17 lap 1 22:27.159 with PIT_TIME 0:20:15.752 (a pit-lane start after
    the field had gone), lap 2 2:26.097 with B at ELAPSED 24:53.256, nothing after."""
    race = load_corpus_race("imsa-2024-sebring-international-raceway")
    laps = race.laps
    sp = stops(annotate(laps))
    r = sp[sp["car"] == "17"].iloc[0]
    assert (r["lap_in"], r["kind"], r["race_time"]) == (2, "final", pytest.approx(1493.256))
    assert stints(laps, car="17")["ended_by"].tolist() == ["retired"]
    d = derive_classification(laps).set_index("car").loc["17"]
    assert d["laps"] == 2 and d["status"] == "Retired in pits"
    assert race.classification.set_index("car").loc["17", "status"] == "Classified"  # IMSA lists it so
    assert car_events(annotate(laps), "17")["kind"].tolist() == ["start", "stop", "retired"]
    # the 1215.752 s in the pit lane before its lap 1 is not driving
    sp17 = driver_spells(laps[laps["car"] == "17"])
    assert sp17["pit_excluded"].tolist() == [pytest.approx(1215.752)]
    assert sp17["drive_time"].tolist() == [pytest.approx(1493.256 - 1215.752)]
    ev = cli(capsys, "events", lap_file("imsa-2024-sebring-international-raceway"), "--car", "17")
    assert ev[-1]["description"] == "Last crossing (in the pits), 2 laps"


@pytest.mark.corpus
def test_road_atlanta_2023_pit_lane_start_is_not_driving(load_corpus_race):
    """Raw line 13814: #8 lap 1 LAP_TIME 43:20.173, PIT_TIME 0:42:01.418 (Kyffin Simpson)."""
    laps = load_corpus_race("imsa-2023-road-atlanta").laps
    sp = driver_spells(laps[laps["car"] == "8"])
    first = sp.iloc[0]
    assert first["driver"] == "Kyffin Simpson" and first["lap_start"] == 1
    assert first["pit_excluded"] >= 2521.418  # lap 1's pit-lane wait plus the spell's stops
    assert first["drive_time"] == pytest.approx(first["duration"] - first["pit_excluded"])
    assert first["drive_time"] < first["duration"] - 2521.4


@pytest.mark.corpus
def test_lemans_2023_garage56_is_a_one_car_class(load_corpus_race, capsys):
    """INNOVATIVE CAR holds only #24 (Hendrick's Garage 56 car): 285 laps, raw line 1989 FF at ELAPSED
    24:02:14.466. Alone in its class it leads it at every moment, with no class gap."""
    race = load_corpus_race("lemans-2023")
    laps = race.laps
    assert laps.loc[laps["class"] == "INNOVATIVE CAR", "car"].unique().tolist() == ["24"]
    s = standings_at(laps, 12 * 3600.0, "INNOVATIVE CAR")
    assert s[["car", "class_position", "gap_to_class_leader", "class_interval"]].values.tolist() == [
        ["24", 1, "-", "-"]
    ]
    d = derive_classification(laps).set_index("car").loc["24"]
    assert d["laps"] == 285 and d["status"] == "Running" and d["class_position"] == 1
    assert d["total_time"] == pytest.approx(86534.466)
    assert stints(laps, car="24")["ended_by"].iat[-1] == "finish"
    f = lap_file("lemans-2023")
    rows = cli(capsys, "standings", f, "--class", "innovative car")
    assert [(r["car"], r["laps"], r["class_position"], r["gap_to_class_leader"]) for r in rows] == [("24", 285, 1, "-")]
    drv = cli(capsys, "drivers", f, "--class", "INNOVATIVE CAR", "--by", "best_10")
    assert [(d["driver"], d["class_rank"]) for d in drv] == [
        ("Mike ROCKENFELLER", 1), ("Jenson BUTTON", 2), ("Jimmie JOHNSON", 3)
    ]  # fmt: skip


@pytest.mark.corpus
def test_lemans_2024_20_garage_lap_of_17_hours(load_corpus_race, capsys):
    """Raw lines 2596-2597: #20 lap 92 B at 6:20:42.172, lap 93 LAP_TIME 17:31:33.055 with PIT_TIME
    17:27:26.277; it then ran laps 94-96 and took the flag (FF)."""
    laps = load_corpus_race("lemans-2024").laps
    at = standings_at(laps, 20 * 3600.0)
    assert at.set_index("car").loc["20", "laps"] == 92  # parked in the garage: keeps its 92 laps
    st = stints(laps, car="20")
    assert st["ended_by"].iat[-1] == "finish" and st["lap_start"].iat[-1] == 93
    rows = cli(capsys, "stops", lap_file("lemans-2024"), "--car", "20")
    g = [r for r in rows if r["lap_in"] == 92][0]
    assert g["kind"] == "garage" and g["pit_time"] == pytest.approx(62846.277)


@pytest.mark.corpus
def test_cota_2025_red_flag_is_not_the_finish(load_corpus_race):
    """COTA 2025 has 35 RF crossings and then the chequered flag (29 FF): not a red-flag finish."""
    laps = load_corpus_race("wec-2025-cota6h").laps
    assert (laps["flag"] == "RF").sum() == 35 and (laps["flag"] == "FF").sum() == 29
    assert not red_flag_finish(laps) and race_finished(laps)
    red = neutralisations(laps)
    assert (red["kind"] == "RED").sum() >= 1


@pytest.mark.corpus
def test_wgi_2023_24_never_completed_a_lap(load_corpus_race):
    """The official results list #24 (GTP) with 0 laps; the lap file has no row for it."""
    race = load_corpus_race("imsa-2023-watkins-glen-international")
    row = race.classification.set_index("car").loc["24"]
    assert row["laps"] == 0 and row["class"] == "GTP"
    assert "24" not in set(race.laps["car"])
    assert "24" not in set(standings_at(race.laps, 3600.0)["car"])


@pytest.mark.corpus
def test_wgi_2023_24_cli_says_it_completed_no_lap(capsys):
    """Every --car command names the reason instead of 'no car 24 in this race' (it is in the results)."""
    f = lap_file("imsa-2023-watkins-glen-international")
    for cmd in ("stints", "events", "stops", "losses", "story", "report"):
        err = cli_error(capsys, cmd, f, "--car", "24")
        assert "car '24' completed no lap: the classification lists it (0 laps, Classified)" in err, cmd
    assert "no car '999' in this race" in cli_error(capsys, "stints", f, "--car", "999")


def test_report_of_a_car_retired_in_the_pits_on_lap_1_warns_nothing(tmp_path, capsys):
    """#7's only stop has no out-lap (no pit time): the stops chart took np.nanmax of all-NaN values."""
    f = race_a(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        rep = cli(capsys, "report", f, "--car", "7", "-o", tmp_path / "r7.html")
    assert rep["car"] == "7" and rep["bytes"] > 0


@pytest.mark.parametrize("name", ["lemans-2019", "lemans-2024"])
def test_annotate_with_missing_lap_times_places_no_passage_without_times(name):
    """A lap table where every 50th lap time is missing (a timekeeper's blank cell): annotate answers
    (Le Mans 2019, no flag column, crashed in the full-course detector on int(NaN)); a lap without a
    time is never an incident; Le Mans 2024's flag-column neutralisations stay those of the complete table."""
    import numpy as np

    race = stintlab.load(lap_file(name))
    full = annotate(race.laps)
    laps = race.laps.copy()
    blank = laps.index[::50]
    laps.loc[blank, "lap_time"] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no NaN cast to an integer on the way
        got = annotate(laps)
    assert len(got) == len(laps) == len(full)
    assert not got.loc[blank, "incident"].any()
    if name == "lemans-2024":  # raw FLAG_AT_FL: GF 12,980, SF 2,481, FCY 85, FF 47 rows
        flagged = race.laps["flag"].isin(["SF", "FCY"]).to_numpy()
        assert flagged.sum() == 2481 + 85
        assert got["neutralised"].to_numpy()[flagged].all() and full["neutralised"].to_numpy()[flagged].all()
