"""Pit stops as they were lived: on-track losses on the in-lap apart from the repair, and
drive-through penalties as their own kind. Expectations from raw rows (csv module) and cited lines."""

from __future__ import annotations

import csv
import io
import statistics

import pytest

from conftest import lap_file, lap_races
from oracle import parse_time

pytestmark = pytest.mark.corpus


def _raw_drive_throughs(race: str) -> set[tuple[str, int]]:
    """(car, in-lap) of stops whose PIT_TIME (printed on the out-lap) is within 15 % of the race's
    shortest pit time (the pit-lane transit), under 60 % of the median pit time of the stops under
    5 minutes, and whose driver does not change."""
    raw = lap_file(race).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(raw), delimiter=";"))
    head = [h.strip() for h in rows[0]]
    col = {h: i for i, h in enumerate(head)}
    laps = [r for r in rows[1:] if len(r) >= len(head) - 1]
    prev = {}
    stops_ = []
    for r in laps:
        car = r[col["NUMBER"]].strip()
        p = prev.get(car)
        if p is not None and p[col["CROSSING_FINISH_LINE_IN_PIT"]].strip() == "B" and r[col["PIT_TIME"]].strip():
            same_driver = p[col["DRIVER_NAME"]].strip() == r[col["DRIVER_NAME"]].strip()
            stops_.append((car, int(p[col["LAP_NUMBER"]]), parse_time(r[col["PIT_TIME"]]), same_driver))
        prev[car] = r
    service = sorted(t for _, _, t, _ in stops_ if 0 < t < 300)  # repairs of 5 min and more left out
    transit = service[0]
    median = statistics.median(service)
    return {(c, n) for c, n, t, same in stops_ if t <= 1.15 * transit and t < 0.6 * median and same}


@pytest.mark.parametrize("race", ["wec-2024-fuji6h", "lemans-2024"])
def test_drive_throughs_are_their_own_kind(race, load_corpus_race):
    s = load_corpus_race(race).stops
    ours = set(zip(s.loc[s["kind"] == "drive_through", "car"], s.loc[s["kind"] == "drive_through", "lap_in"]))
    want = _raw_drive_throughs(race)
    assert ours == want and len(want) >= 10
    # a drive-through costs about the pit-lane transit, never a 'normal' stop's service time
    assert (s.loc[s["kind"] == "drive_through", "pit_time"] < 40).all()


def test_crash_on_an_in_lap_is_told_apart_from_the_repair(load_corpus_race):
    s = load_corpus_race("lemans-2023").stops.set_index(["car", "lap_in"])
    # raw lines: 709;3;72;3:40.134;B;... (in-lap, Gutierrez), then
    # 709;2;73;12:12.126;B;2:00.088;...;5:14.047;...;4:57.991;6:04:43.100;Nathanaël BERTHON;0:01:31.962
    # (out of the pits, S2 5:14 against ~1:21-1:22 on laps 71-72, back into the pits) and
    # 709;2;74;6:52.486;;...;Nathanaël BERTHON;0:02:48.330 (the repair: 2:48.330 in the pit lane)
    st = s.loc[("709", 73)]
    assert bool(st["in_lap_incident"]) and st["on_track_sector"] == 2 and st["driver_in"] == "Nathanaël BERTHON"
    assert 180 < st["on_track_loss"] < 240  # 5:14.047 - ~1:22 x the class's slowdown at that moment
    assert st["pit_time"] == pytest.approx(168.330)
    # the routine stop before it (3:40.134 in-lap, 1:31.962 in the pit lane) lost nothing on track
    assert not bool(s.loc[("709", 72), "in_lap_incident"])


@pytest.mark.parametrize("race", lap_races())
def test_a_negative_stop_loss_always_says_why(race, load_corpus_race):
    s = load_corpus_race(race).stops
    negative = s["time_lost"] < 0
    assert (s.loc[negative, "loss_reason"].isin(["neutralised", "pace_change", "fast_laps"])).all()
    assert (s.loc[~negative, "loss_reason"] == "").all()
    # 'neutralised' only where the in- or out-lap ran under a neutralisation
    assert s.loc[s["loss_reason"] == "neutralised", "neutralised"].all()


def test_the_lap_before_car_60s_stop_ran_under_the_unflagged_fcy(load_corpus_race):
    # Le Mans 2019 car 60 (raw lines, NUMBER;...;LAP_NUMBER;LAP_TIME;...;S1;;S2;;S3;...;PIT_TIME):
    #   60;1;14;5:37.932;...;38.927;;2:54.327;;2:04.678   S2 +83 s, S2 exit at 57:21 race time
    #   60;1;15;4:27.719;0;B;...        in-lap
    #   60;1;16;4:54.920;...;0:00:51.805 out-lap
    #   60;1;17..21;4:11.107 4:14.471 4:13.818 4:15.354 4:15.210   the first clean laps after it
    # Lap 14 was once read as the car limping after its lap-12 repair. The raw rows say otherwise:
    # in the same minutes every LMP2 car ran S2 in 2:40-2:49 (about 2x its usual ~1:22), e.g.
    #   28;..;16;4:57.429;..;33.470;;2:45.437;;1:38.522 and 26;..;16;4:58.370;..;33.585;;2:46.162;;1:38.623
    # (a short full-course neutralisation the 2019 file has no flag column for: test_slowzones_full_course.py),
    # so lap 14 is neutralised, the stop has no clean lap before it and is measured against the laps after.
    raw = lap_file("lemans-2019").read_text(encoding="utf-8-sig")
    rows = [[c.strip() for c in r] for r in csv.reader(io.StringIO(raw), delimiter=";")]
    col = {h: i for i, h in enumerate(rows[0])}
    mine = {int(r[col["LAP_NUMBER"]]): r for r in rows[1:] if r[0] == "60"}
    lt = {n: parse_time(r[col["LAP_TIME"]]) for n, r in mine.items()}
    usual_s2 = statistics.median(parse_time(mine[n][col["S2"]]) for n in range(17, 22))
    assert parse_time(mine[14][col["S2"]]) > 1.8 * usual_s2
    lmp2_s2 = [parse_time(r[col["S2"]]) for r in rows[1:] if r[col["CLASS"]] == "LMP2" and r[col["LAP_NUMBER"]] == "16"
               and r[col["S2"]] and 58 * 60 < parse_time(r[col["ELAPSED"]]) < 60 * 60]  # fmt: skip
    assert len(lmp2_s2) >= 8 and statistics.median(lmp2_s2) > 160.0  # ~2x a usual LMP2 S2 of ~82 s
    race = load_corpus_race("lemans-2019")
    a = race.annotated.set_index(["car", "lap"])
    assert a.loc[("60", 14), "neutralised"] and not a.loc[("60", 14), "incident"]
    after = statistics.median([lt[n] for n in range(17, 22)])
    st = race.stops.set_index(["car", "lap_in"]).loc[("60", 15)]
    assert st["reference"] == pytest.approx(after)
    assert st["time_lost"] == pytest.approx(lt[15] + lt[16] - 2 * after) and st["time_lost"] > 0
