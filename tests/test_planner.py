"""Stint planner: schedules for Le Mans 2019-era LMGTE Am and Spa 24 h 2023, checked by the rules checker."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from stintlab.analysis.rules import check_rules, max_window
from stintlab.cli import main
from stintlab.errors import StintlabUsageError
from stintlab.sim.planner import plan

H = 3600.0
GTE_AM = [
    {"name": "Anna BRONZE", "category": "Bronze", "lap_time": 240.0},
    {"name": "Sam SILVER", "category": "Silver", "lap_time": 238.5},
    {"name": "Gil GOLD", "category": "Gold", "lap_time": 236.0},
]


def _lm2019(**kw):
    args = dict(rules="lemans-2019", hours=24, cls="LMGTE Am", stint_laps=14, lap_time=238.0, pit_time=85.0,
                driver_change=10.0, car="88")  # fmt: skip
    args.update(kw)
    return plan(GTE_AM, **args)


def _spells(p):
    st = pd.DataFrame(p["stints"])
    sid = st["driver"].ne(st["driver"].shift()).cumsum().rename("spell")
    return st.groupby(sid).agg(car=("car", "first"), driver=("driver", "first"), start=("start", "first"),
                               end=("end", "last"), drive_time=("drive_time", "sum")).assign(**{"class": st["class"].iat[0]})  # fmt: skip


def test_le_mans_2019_gte_am_plan_passes_the_checker():
    p = _lm2019()
    assert p["check"] == {"verdict": "ok", "violations": []}
    # re-check independently on the returned stints, with the crew's categories
    cats = {("88", d["name"]): d["category"] for d in GTE_AM}
    res = check_rules(_spells(p), "lemans-2019", cats, finished={"88"})
    assert res["violations"].empty
    assert set(res["crews"]["verdict"]) == {"ok"}
    st = pd.DataFrame(p["stints"])
    # the race is covered: contiguous stints, the last one ends at the flag (24 h or just after)
    assert st["start"].iat[0] == 0.0 and 24 * H <= st["end"].iat[-1] <= 24 * H + 240
    gaps = st["start"].to_numpy()[1:] - st["end"].to_numpy()[:-1]
    assert ((gaps >= 85.0 - 1e-6) & (gaps <= 95.0 + 1e-6)).all()
    by = {d["driver"]: d for d in p["drivers"]}
    # every driver: at least 6 h + the 15 min margin, at most 14 h, at most 4 h in any 6 h
    for d in GTE_AM:
        tot = by[d["name"]]["drive_time"]
        assert 6.25 * H <= tot <= 14 * H
        s = st[st["driver"] == d["name"]]
        worst, _ = max_window(s["start"], s["end"], s["drive_time"], 6 * H)
        assert worst <= 4 * H + 1e-6
    # goal "fastest": the Gold driver (236 s laps) drives the most
    assert p["drivers"][0]["driver"] == "Gil GOLD"
    assert by["Gil GOLD"]["drive_time"] > by["Sam SILVER"]["drive_time"]
    # ... within one stint of the most the rules allow him: all the driving but the others' 6 h 15 min
    g = p["goal_result"]
    assert g["driver"] == "Gil GOLD" and g["upper_bound"] == pytest.approx(st["drive_time"].sum() - 2 * 6.25 * H)
    assert g["upper_bound"] - 14 * 238.0 <= g["drive_time"] <= g["upper_bound"]


def test_balanced_goal_spreads_the_driving():
    p = _lm2019(goal="balanced")
    assert p["check"]["verdict"] == "ok"
    times = [d["drive_time"] for d in p["drivers"]]
    assert max(times) - min(times) <= 2 * 14 * 240.0  # within two stints of each other


def test_spa_2023_bronze_cup_plan():
    crew = [
        {"name": "Pia PLAT", "category": "Platinum", "lap_time": 138.5},
        {"name": "Stan SILVER", "category": "Silver", "lap_time": 140.0},
        {"name": "Bo BRONZE", "category": "Bronze", "lap_time": 142.5},
    ]
    p = plan(crew, rules="spa24-2023", hours=24, cls="Bronze Cup", stint_laps=24, lap_time=140.0, pit_time=70.0,
             driver_change=12.0)  # fmt: skip
    assert p["check"]["verdict"] == "ok"
    cats = {("1", d["name"]): d["category"] for d in crew}
    res = check_rules(_spells(p), "spa24-2023", cats, finished={"1"})
    assert res["violations"].empty and set(res["crews"]["verdict"]) == {"ok"}
    by = {d["driver"]: d for d in p["drivers"]}
    assert all(2 * H + 900 <= d["drive_time"] <= 11 * H - 900 for d in p["drivers"])
    assert all(d["longest_spell"] <= 3.25 * H for d in p["drivers"])
    assert by["Pia PLAT"]["drive_time"] == max(d["drive_time"] for d in p["drivers"])
    # bounded by her 11 h maximum less the 15 min margin; within one stint of it
    assert p["goal_result"]["upper_bound"] == pytest.approx(11 * H - 900)
    assert 11 * H - 900 - 24 * 138.5 <= by["Pia PLAT"]["drive_time"] <= 11 * H - 900


def test_spa_2023_gold_cup_silver_needs_four_hours():
    crew = [
        {"name": "G One", "category": "Gold"},
        {"name": "G Two", "category": "Gold"},
        {"name": "S Three", "category": "Silver"},
    ]
    p = plan(crew, rules="spa24-2023", hours=24, cls="Gold Cup", stint_laps=24, lap_time=140.0, pit_time=70.0)
    by = {d["driver"]: d for d in p["drivers"]}
    assert by["S Three"]["min_total"] == 4 * H and by["G One"]["min_total"] == 2 * H
    assert by["S Three"]["drive_time"] >= 4 * H + 900


def test_impossible_requests():
    with pytest.raises(StintlabUsageError, match="crew itself"):
        plan([{"name": "A", "category": "Gold"}, {"name": "B", "category": "Gold"}, {"name": "C", "category": "Gold"}],
             rules="lemans-2019", hours=24, cls="LMGTE Am", stint_laps=14, lap_time=238, pit_time=85)  # fmt: skip
    with pytest.raises(StintlabUsageError, match="no schedule|exceed"):
        plan([{"name": "A", "category": "Bronze"}], rules="lemans-2019", hours=24, cls="LMGTE Am",
             stint_laps=14, lap_time=238, pit_time=85)  # fmt: skip
    with pytest.raises(StintlabUsageError, match="exceed"):
        plan(GTE_AM, rules="lemans-2019", hours=12, cls="LMGTE Am", stint_laps=14, lap_time=238, pit_time=85)
    with pytest.raises(StintlabUsageError, match="unknown rule set"):
        plan(GTE_AM, rules="nope", hours=24, stint_laps=14, lap_time=238, pit_time=85)
    with pytest.raises(StintlabUsageError, match="category"):
        plan(
            [{"name": "A", "category": "Diamond"}],
            rules="lemans-2019",
            hours=6,
            stint_laps=14,
            lap_time=238,
            pit_time=85,
        )


def test_plan_cli_table_timeline_and_json(tmp_path, capsys):
    crew = tmp_path / "crew.yaml"
    crew.write_text(
        "car: '88'\nclass: LMGTE Am\nstint_laps: 14\nlap_time: '3:58.0'\npit_time: 85\ndriver_change: 10\n"
        "drivers:\n  - {name: Anna BRONZE, category: Bronze}\n  - {name: Sam SILVER, category: Silver}\n"
        "  - {name: Gil GOLD, category: Gold, lap_time: '3:56.0'}\n",
        encoding="utf-8",
    )
    assert main(["plan", "--rules", "lemans-2019", "--crew", str(crew), "--hours", "24", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {"rules", "stints", "drivers", "check", "timeline", "stops", "driver_changes"} <= set(data)
    assert data["check"]["verdict"] == "ok" and data["car"] == "88"
    assert len(data["timeline"]) == 3 and all("#" in row for row in data["timeline"])
    assert main(["plan", "--rules", "lemans-2019", "--crew", str(crew), "--hours", "24"]) == 0
    out = capsys.readouterr().out
    assert "Timeline" in out and "Gil GOLD" in out
    assert main(["plan", "--rules", "lemans-2019", "--crew", str(tmp_path / "none.yaml"), "--hours", "24"]) == 2
