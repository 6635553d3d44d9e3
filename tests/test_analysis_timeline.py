"""Car timeline (events), time-loss account and the race-state CLI commands (JSON keys)."""

from __future__ import annotations

import json

import pytest

from conftest import lap_file
from stintlab.analysis.annotate import annotate
from stintlab.analysis.timeline import car_events, check_car, time_loss_account
from stintlab.cli import main
from stintlab.errors import StintlabUsageError


def test_lemans_2024_car_50_events(load_corpus_race):
    laps = load_corpus_race("lemans-2024").laps
    ev = car_events(annotate(laps), "50")
    assert ev["kind"].iat[0] == "start" and ev["kind"].iat[-1] == "finish"
    assert ev["race_time"].is_monotonic_increasing
    # raw rows: both #50 and #6 pitted on lap 12; #6 (PIT_TIME 1:15.371) completed lap 13 at 47:03.008,
    # #50 (1:17.492) at 47:04.460, so #50 lost the class lead on lap 13 and took it back on lap 15
    # (54:35.248 against 54:35.618)
    lost = ev[(ev["kind"] == "lead_lost") & (ev["lap"] == 13)].iloc[0]
    assert lost["rivals"] == ["6"]
    assert lost["race_time"] == pytest.approx(47 * 60 + 4.460)
    assert (lost["class_position_before"], lost["class_position_after"]) == (1, 2)
    gained = ev[(ev["kind"] == "lead_gained") & (ev["lap"] == 15)].iloc[0]
    assert gained["race_time"] == pytest.approx(54 * 60 + 35.248)
    assert gained["passed"] == ["6"]
    stop = ev[(ev["kind"] == "stop") & (ev["lap"] == 12)].iloc[0]
    assert stop["passed_by"] == ["6"] and stop["pit_time"] == pytest.approx(77.492)
    # the night safety car (11:44:19) is in the timeline
    sc = ev[(ev["kind"] == "neutralisation") & (ev["phase_kind"] == "SC") & (ev["phase_start"] // 1 == 11 * 3600 + 44 * 60 + 19)]
    assert len(sc) == 1 and sc["hour"].iat[0] == 12
    # one stop event per in-lap of the car
    assert (ev["kind"] == "stop").sum() == int(laps.loc[laps["car"] == "50", "in_lap"].sum())


def test_check_car_is_strict_about_numbers(load_corpus_race):
    laps = load_corpus_race("wec-2025-imola6h").laps
    assert check_car(laps, "51") == "51"
    with pytest.raises(StintlabUsageError, match="no car '999'"):
        check_car(laps, "999")


def test_time_loss_account_real_race(load_corpus_race):
    laps = load_corpus_race("lemans-2024").laps
    acc = time_loss_account(annotate(laps)).set_index("car")
    # #20 spent 17 h 27 min in the garage (raw: lap 93 PIT_TIME 17:27:26.277)
    assert acc.loc["20", "garage_stops"] > 62000
    assert acc.loc["50", "stops"] == int(laps.loc[laps["car"] == "50", "in_lap"].sum())
    assert (acc["normal_stops"] > 0).all()
    # the safety cars cost or gained each running car at most a few laps on its class reference
    assert acc["neutralisation_laps"].abs().max() < 5


def _run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.corpus
def test_cli_json_keys(capsys):
    f = str(lap_file("wec-2025-imola6h"))
    code, out, _ = _run(capsys, "standings", f, "--hour", "2", "--class", "LMGT3", "--json")
    assert code == 0
    rows = json.loads(out)
    assert {"position", "class_position", "car", "class", "team", "laps", "gap_to_class_leader", "interval"} <= set(
        rows[0]
    )
    assert {r["class"] for r in rows} == {"LMGT3"} and rows[0]["class_position"] == 1
    code, out, _ = _run(capsys, "stops", f, "--car", "51", "--json")
    rows = json.loads(out)
    assert code == 0 and rows and {r["car"] for r in rows} == {"51"}
    assert {"car", "lap_in", "lap_out", "race_time", "pit_time", "driver_in", "driver_out", "driver_change",
            "time_lost", "kind"} <= set(rows[0])  # fmt: skip
    code, out, _ = _run(capsys, "stints", f, "--car", "51", "--json")
    rows = json.loads(out)
    assert {"car", "stint", "driver", "lap_start", "lap_end", "laps", "start", "end", "duration"} <= set(rows[0])
    assert sum(r["duration"] for r in rows) == pytest.approx(rows[-1]["end"], abs=0.01)
    code, out, _ = _run(capsys, "events", f, "--car", "51", "--json")
    rows = json.loads(out)
    assert {"car", "lap", "race_time", "hour", "driver", "kind", "description", "class_position_before",
            "class_position_after"} <= set(rows[0])  # fmt: skip
    code, out, _ = _run(capsys, "flags", f, "--json")
    rows = json.loads(out)
    assert code == 0 and rows and set(rows[0]) >= {"kind", "start", "end", "duration", "inferred"}
    code, out, _ = _run(capsys, "standings", f, "--at", "3:00:00", "--json")
    assert code == 0 and json.loads(out)[0]["position"] == 1
    code, out, _ = _run(capsys, "losses", f, "--car", "12", "--json")
    rows = json.loads(out)
    assert code == 0 and len(rows) == 1 and rows[0]["car"] == "12"
    assert {"normal_stops", "long_stops", "garage_stops", "incidents", "neutralisations", "total"} <= set(rows[0])


@pytest.mark.corpus
def test_cli_bad_requests_are_one_line_errors(capsys):
    f = str(lap_file("wec-2025-imola6h"))
    for argv, msg in (
        (("stints", f, "--car", "999"), "no car '999'"),
        (("standings", f, "--hour", "99"), "hour must be between"),
        (("standings", f, "--at", "banana"), "--at wants a race time"),
        (("standings", f, "--class", "GTE"), "no class"),
        (("standings", f, "--hour", "1", "--at", "1:00:00"), "not both"),
    ):
        code, out, err = _run(capsys, *argv)
        assert code == 2, argv
        assert msg in err and "Traceback" not in err


def test_imola_2025_car_12_stop_cost_a_lap_to_51_and_83(load_corpus_race):
    # raw rows: #12 lap 106 at 3:00:58.013, lap 107 'B' at 3:03:43.069, out-lap 108 at 3:05:43.793
    # (PIT_TIME 1:25.759). Before: #51 and #83 had 106 laps (2:59:36.837, 2:59:51.720), like #12;
    # after: both had 109 (3:04:22.798, 3:04:38.044) against #12's 108.
    laps = load_corpus_race("wec-2025-imola6h").laps
    ev = car_events(annotate(laps), "12")
    stop = ev[(ev["kind"] == "stop") & (ev["lap"] == 107)].iloc[0]
    assert stop["race_time"] == pytest.approx(3 * 3600 + 3 * 60 + 43.069)
    assert sorted(stop["laps_lost_to"]) == ["51", "83"]
    assert stop["pit_time"] == pytest.approx(85.759)


def _tiny_race():
    """Three cars: #1 and #2 in class X (12 laps, #2 stops on lap 5), #3 alone in class Y, out on lap 1."""
    import numpy as np
    import pandas as pd

    rows = []
    for car, cls, times, pit_lap in (
        ("1", "X", [100.0] * 12, None),
        ("2", "X", [101.0] * 4 + [110.0, 170.0] + [101.0] * 6, 5),
        ("3", "Y", [250.0], None),
    ):
        for k, lt in enumerate(times, 1):
            rows.append(
                {
                    "car": car,
                    "lap": k,
                    "driver": "D" + car,
                    "class": cls,
                    "team": "T" + car,
                    "lap_time": lt,
                    "in_lap": k == pit_lap,
                    "pit_time": 60.0 if pit_lap and k == pit_lap + 1 else np.nan,
                }  # fmt: skip
            )
    df = pd.DataFrame(rows)
    df["elapsed"] = df.groupby("car")["lap_time"].cumsum()
    df["out_lap"] = df.groupby("car")["in_lap"].shift(1, fill_value=False)
    df["driver_slot"] = pd.array([1] * len(df), dtype="Int8")
    # as in a real file, the winner's last crossing and every later last crossing carry the chequered flag
    last = ~df["car"].duplicated(keep="last")
    top = df[last & (df["lap"] == df.loc[last, "lap"].max())]["elapsed"].min()
    df["flag"] = pd.array(np.where(last & (df["elapsed"] >= top), "FF", "GF"), dtype="string")
    for c in ("car", "driver", "class", "team"):
        df[c] = df[c].astype("string")
    return df


def test_events_of_a_file_taken_during_the_race_end_with_the_file():
    """Without a chequered flag (an hourly snapshot) the last event is file_end, not finish/retired."""
    import pandas as pd

    laps = _tiny_race()
    snap = laps.assign(flag=pd.array(["GF"] * len(laps), dtype="string"))
    for car in ("1", "2", "3"):
        assert car_events(annotate(snap), car)["kind"].iat[-1] == "file_end"
    assert car_events(annotate(laps), "3")["kind"].iat[-1] == "retired"


def test_edge_cases_one_car_class_and_car_out_on_lap_1():
    laps = _tiny_race()
    ev3 = car_events(annotate(laps), "3")
    assert ev3["kind"].tolist() == ["start", "retired"]
    assert ev3["class_position_after"].tolist() == [1, 1]
    ev2 = car_events(annotate(laps), "2")
    stop = ev2[ev2["kind"] == "stop"].iloc[0]
    assert stop["lap"] == 5 and stop["class_position_after"] == 2
    assert ev2["kind"].iat[-1] == "finish"
    acc = time_loss_account(annotate(laps)).set_index("car")
    assert acc.loc["3", "stops"] == 0 and acc.loc["2", "stops"] == 1
    from stintlab.analysis.standings import final_standings

    fs = final_standings(laps)
    assert fs["car"].tolist() == ["1", "2", "3"]
    assert fs.set_index("car").loc["3", "class_position"] == 1
    assert fs.set_index("car").loc["3", "gap_to_class_leader"] == "-"


def test_the_timeline_wants_the_annotated_table(load_corpus_race):
    laps = load_corpus_race("wec-2024-fuji6h").laps
    with pytest.raises(StintlabUsageError, match=r"car_events\(\) needs annotated_laps table column\(s\) clean"):
        car_events(laps, "7")
    with pytest.raises(StintlabUsageError, match=r"time_loss_account\(\) needs"):
        time_loss_account(laps)
