"""What-if replay: hand-built races with known answers, and Le Mans 2019 (Toyota #7's late puncture)."""

from __future__ import annotations

import json
import math
import re

import pytest

from stintlab.analysis.annotate import annotate
from stintlab.cli import main
from stintlab.errors import StintlabUsageError
from stintlab.sim.frames import lap_table
from stintlab.sim.whatif import _toy_race, parse_change, whatif


def _race(spec):
    """spec: {car: [lap times]}, in-laps marked by a negative number (its absolute value is the time),
    out-laps' pit time 70 s; optional flags via (time, flag) tuples."""
    rows = []
    for car, times in spec.items():
        prev_in = False
        for lap, t in enumerate(times, 1):
            flag = "GF"
            if isinstance(t, tuple):
                t, flag = t
            in_lap = t < 0
            rows.append({"car": car, "lap": lap, "lap_time": abs(t), "in_lap": in_lap, "flag": flag,
                         "pit_time": 70.0 if prev_in else math.nan})  # fmt: skip
            prev_in = in_lap
    return lap_table(rows)


def test_stop_reduced_to_median_wins_the_class():
    """Car 2 lost 141 s at its stop (in 105 + out 235 - 2 x 99.5); the other normal stop of the
    class lost 80 s, so it saves 61 s, crosses lap 10 at 1075 s before the flag (1080 s), runs
    an 11th lap at 99.5 s and beats car 1 (10 laps, 1080 s)."""
    laps = _toy_race()
    r = whatif(annotate(laps), "2", [parse_change("stop", "3=median")], runs=50, seed=3)
    assert r["actual"] == {"class_position": 2, "laps": 10, "total_time": 1136.0, "status": "Running",
                           "class_leader": "1", "gap_to_class_leader": 56.0}  # fmt: skip
    assert r["changes"][0]["time_saved"] == pytest.approx(61.0)
    p = r["projected"]
    assert p["class_position"] == 1 and p["class_position_distribution"] == {"1": 1.0}
    assert p["laps"] == 11 and p["total_time"] == pytest.approx(1075.0 + 99.5)
    assert p["takes_chequered_flag"] == 1.0


def test_stop_given_in_seconds_and_removed():
    laps = _toy_race()
    r = whatif(annotate(laps), "2", [parse_change("stop", "3=120")], runs=5)
    assert r["changes"][0]["time_saved"] == pytest.approx(21.0)  # 141 - 120
    assert r["projected"]["class_position"] == 2 and r["projected"]["laps"] == 10
    assert r["projected"]["total_time"] == pytest.approx(1136.0 - 21.0)
    r = whatif(annotate(laps), "2", [parse_change("stop", "3=none")], runs=5)
    assert r["changes"][0]["time_saved"] == pytest.approx(141.0)


def test_incident_lap_replaced_by_a_clean_lap():
    """Car B has a 160 s lap 5 among 100 s laps; car A 100.5 s laps finishes first (10 laps).
    Clean lap 5 saves 60 s: B then finishes 10 laps at 1000 s, ahead of A (1005 s)."""
    laps = _race({"A": [100.5] * 10, "B": [100.0] * 4 + [160.0] + [100.0] * 5})
    r = whatif(annotate(laps), "B", [parse_change("lap", "5=clean")], runs=30)
    assert r["actual"]["class_position"] == 2
    assert r["changes"][0]["time_saved"] == pytest.approx(60.0)
    p = r["projected"]
    assert p["class_position"] == 1
    # B leads at the scheduled end (= the real flag, 1005 s): it takes the flag at its first crossing after it
    assert p["laps"] == 11 and p["total_time"] == pytest.approx(1100.0)


def test_chained_stops_count_as_one():
    """In-lap 3, lap 4 is out-lap and in-lap again, lap 5 out-lap: one stop over laps 3-5.
    Reference pace 100 s: laps 3-5 = 110 + 200 + 190 = 500 -> lost 200 s; 'none' saves all of it."""
    laps = _race({"A": [100.0, 100.0, -110.0, -200.0, 190.0] + [100.0] * 5, "B": [101.0] * 10})
    r = whatif(annotate(laps), "A", [parse_change("stop", "3=none")], runs=3)
    assert "laps 3-5" in r["changes"][0]["description"]
    assert r["changes"][0]["time_saved"] == pytest.approx(200.0)
    with pytest.raises(StintlabUsageError, match="overlap"):
        whatif(annotate(laps), "A", [parse_change("stop", "3=none"), parse_change("stop", "4=none")], runs=3)


def test_safety_car_loss_compared_with_class_rivals():
    """Everyone runs 100 s laps. During an SC phase (crossings 660-990 s) car 1 lost 150 + 140 s
    on its two SC laps, cars 2 and 3 lost 3 x 50 s. With the class median loss car 1 saves 140 s."""
    sf = "SF"
    laps = _race(
        {
            "1": [100.0] * 5 + [(250.0, sf), (240.0, sf)] + [100.0] * 5,
            "2": [110.0] + [100.0] * 4 + [(150.0, sf)] * 3 + [100.0] * 4,
            "3": [120.0] + [100.0] * 4 + [(150.0, sf)] * 3 + [100.0] * 4,
        }
    )
    r = whatif(annotate(laps), "1", [parse_change("sc", "6=median")], runs=5)
    c = r["changes"][0]
    assert c["time_saved"] == pytest.approx(140.0)
    assert "lost 4:50.000" in c["description"] and "rivals lost 2:30.000" in c["description"]  # 290 s, 150 s as times
    assert r["actual"]["class_position"] == 3 and r["projected"]["class_position"] == 1
    with pytest.raises(StintlabUsageError, match="not under"):
        whatif(annotate(laps), "1", [parse_change("sc", "3=median")], runs=5)


def test_retired_car_stays_retired_after_the_same_lap():
    laps = _race({"A": [100.0] * 10, "B": [100.5] * 3 + [300.0] + [100.0] * 2})  # B stops after lap 6
    r = whatif(annotate(laps), "B", [parse_change("lap", "4=clean")], runs=5)
    assert r["actual"]["status"] == "Retired"
    assert r["projected"]["laps"] == 6 and r["projected"]["class_position"] == 2


def test_bad_requests_are_usage_errors():
    laps = _toy_race()
    for kind, text, msg in (
        ("stop", "4=median", "not the in-lap"),
        ("lap", "3=clean", "pit lap"),
        ("lap", "99=clean", "no lap 99"),
    ):
        with pytest.raises(StintlabUsageError, match=msg):
            whatif(annotate(laps), "2", [parse_change(kind, text)])
    final = _race({"A": [100.0] * 6, "B": [100.0] * 3 + [-105.0]})  # B retired in the pits after lap 4
    with pytest.raises(StintlabUsageError, match="never came out"):
        whatif(annotate(final), "B", [parse_change("stop", "4=median")])
    with pytest.raises(StintlabUsageError, match="no car"):
        whatif(annotate(laps), "22", [parse_change("lap", "2=clean")])
    with pytest.raises(StintlabUsageError, match="LAP=VALUE"):
        parse_change("stop", "median")
    with pytest.raises(StintlabUsageError, match="median or none"):
        parse_change("stop", "3=clean")
    with pytest.raises(StintlabUsageError):
        whatif(annotate(laps), "2", [])


@pytest.mark.corpus
def test_le_mans_2019_toyota_7_without_its_puncture(load_corpus_race):
    """Le Mans 2019: #7 (LMP1) led until its late puncture: in-lap 365 (routine stop), then in-laps
    367 and 368 (wrong tyre changed, second stop), out-lap 369. Raw rows: laps 367-369 took
    214.112 + 353.849 + 253.826 = 821.787 s against 3 x the car's clean reference of ~202.4 s
    (stops()), so the unplanned stop cost about 214.5 s. #8 won with 385 laps at 24:00:10.574, #7 second on the
    same lap 16.972 s behind. Without that stop #7 would have crossed lap 385 at ~23:56:53,
    taken the flag on lap 386 and won the class (and the race) by over 3 minutes."""
    race = load_corpus_race("lemans-2019")
    r = whatif(race.annotated, "7", [parse_change("stop", "367=none")], runs=50)
    assert r["actual"]["class_position"] == 2 and r["actual"]["laps"] == 385
    assert r["actual"]["gap_to_class_leader"] == pytest.approx(16.972, abs=1e-3)
    from stintlab.analysis.stops import stops

    st = stops(annotate(race.laps))
    ref = float(st[(st["car"] == "7") & (st["lap_in"] == 367)]["reference"].iat[0])
    assert 201.0 <= ref <= 204.0  # raw clean laps around: 199.9-204.6 s (laps 360-364, 370-372)
    assert r["changes"][0]["time_saved"] == pytest.approx(821.787 - 3 * ref, abs=1e-3)
    p = r["projected"]
    assert p["class_position"] == 1 and p["laps"] == 386 and p["takes_chequered_flag"] == 1.0
    assert p["gap_to_class_leader"] < -180


@pytest.mark.corpus
def test_le_mans_2019_long_stop_to_median_is_uncertain(load_corpus_race):
    """A Monte Carlo case: LMGTE Am #88 had 1798.328 s of pit time after in-lap 78 (garage; the
    stop lost 2120.5 s against its reference) and retired after lap 79; with a normal stop it is
    still retired after lap 79 in every run, and the saving spreads with the drawn normal stop."""
    race = load_corpus_race("lemans-2019")
    r = whatif(race.annotated, "88", [parse_change("stop", "78=median")], runs=100, seed=1)
    assert r["actual"]["status"] == "Retired"
    assert r["projected"]["laps"] == r["actual"]["laps"] == 79
    lo, hi = r["changes"][0]["time_saved_p10"], r["changes"][0]["time_saved_p90"]
    assert 1700 < lo < hi < 2400  # the saving varies with the drawn normal stop


def test_whatif_cli_json(tmp_path, capsys):
    from stintlab.sim.writer import write_analysis_csv

    path = write_analysis_csv(_toy_race(), tmp_path / "toy.csv")
    assert main(["whatif", str(path), "--car", "2", "--stop", "3=median", "--runs", "20", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {"car", "class", "runs", "changes", "actual", "projected", "assumptions", "chequered_flag"} <= set(data)
    assert data["projected"]["class_position"] == 1
    assert main(["whatif", str(path), "--car", "2", "--stop", "4=median"]) == 2
    assert main(["whatif", str(path), "--car", "2", "--lap", "6=clean"]) == 0
    assert "Assumptions" in capsys.readouterr().out


def test_stop_under_safety_car_is_credited_as_a_green_stop():
    """As above, but car 1's first SC lap is an in-lap (it pits under the SC) and cars 2 and 3 make
    their stop later under green (in 105 + out 175 = a normal 80 s loss at 100 s pace). Car 1's
    phase loss is 150 + 140 - 80 (the green stop it no longer needs) = 210 s; rivals 150 s: it
    saves 60 s and leads: it crosses lap 12 at 1490 - 60 = 1430 s, before the end (1440 s, car 2's
    finish), so it takes the flag on lap 13 at 1530 s."""
    sf = "SF"
    laps = _race(
        {
            "1": [100.0] * 5 + [(-250.0, sf), (240.0, sf)] + [100.0] * 5,
            "2": [110.0] + [100.0] * 4 + [(150.0, sf)] * 3 + [100.0, -105.0, 175.0, 100.0],
            "3": [120.0] + [100.0] * 4 + [(150.0, sf)] * 3 + [100.0, -105.0, 175.0, 100.0],
        }
    )
    r = whatif(annotate(laps), "1", [parse_change("sc", "6=median")], runs=5)
    c = r["changes"][0]
    assert "green X stop, 1:20.000" in c["description"]  # 80 s
    assert c["time_saved"] == pytest.approx(60.0)
    assert r["actual"]["class_position"] == 3
    p = r["projected"]
    assert p["class_position"] == 1 and p["laps"] == 13 and p["total_time"] == pytest.approx(1530.0)


def test_a_car_whose_class_changes_mid_file_is_replayed_in_its_final_class(load_corpus_race):
    """Fuzz find (operator html_value on Bahrain 2024): a CLASS cell of a car's first lap rewritten made
    the what-if look for the car in the class of its first row and fail with an IndexError. The car
    races in the class of its last crossing, as the classification counts it."""
    race = load_corpus_race("wec-2024-bahrain8h")
    laps = race.laps.copy()
    car = str(race.stops["car"].iat[0])
    first = laps.index[laps["car"] == car][0]
    laps["class"] = laps["class"].astype(object)
    laps.loc[first, "class"] = "<b>X</b>"
    laps["class"] = laps["class"].astype("string")
    lap_in = int(race.stops["lap_in"].iat[0])
    r = whatif(annotate(laps), car, [parse_change("stop", f"{lap_in}=median")], runs=20, seed=0)
    final_class = str(race.laps.loc[race.laps["car"] == car, "class"].iat[-1])
    in_class = race.standings(cls=final_class)["car"].astype(str).tolist()
    assert r["actual"]["class_position"] == in_class.index(car) + 1


@pytest.mark.corpus
def test_whatif_cli_words_times_not_raw_seconds(capsys, corpus):
    """``whatif`` on Le Mans 2024 #92's garage stop (in-lap 182) prints the times it talks about as
    times: 'lost 25:26.669 ... saves 24:02.181', not 'lost 1526.7 s ... saves 1442.2 s'. Raw facts
    (23_Analysis_Race_Hour 24.csv lines 14422-14423): lap 182 ends with B, lap 183 carries
    PIT_TIME 0:24:44.030 and LAP_TIME 29:20.065, so the stop lost more than its 1484.030 s of pit time
    and less than the 1760.065 s of its out-lap plus a 4:00 lap."""
    from conftest import lap_file
    from oracle import parse_time

    assert main(["whatif", str(lap_file("lemans-2024")), "--car", "92", "--stop", "182=median", "--runs", "50"]) == 0
    out = capsys.readouterr().out
    change = next(line for line in out.splitlines() if "change:" in line)
    assert not re.search(r"\d+\.\d+ s\b", change), change
    lost = parse_time(re.search(r"lost (\d+:\d\d\.\d{3})\)", change).group(1))
    saves = parse_time(re.search(r"saves (\d+:\d\d\.\d{3})$", change.rstrip()).group(1))
    assert 1484.030 < lost < 1760.065 + 240.0
    assert 0 < saves < lost  # a normal stop still costs something
    gap = next(line for line in out.splitlines() if line.startswith("gap to class leader"))
    assert re.fullmatch(r"gap to class leader\s+\d+:\d\d\.\d{3}\s+-?\d+:\d\d\.\d{3}", gap.strip()), gap
