"""Rule sets as data and the driving-time / crew checker: hand-built plans and real races."""

from __future__ import annotations

import tomllib
from importlib import resources

import pandas as pd
import pytest

from stintlab.analysis.rules import check_rules, list_rules, load_rules, max_window
from stintlab.errors import StintlabUsageError

H = 3600.0


def _plan(rows):
    """rows: (car, driver, class, start_h, end_h[, drive_h]) -> spells table."""
    recs = []
    for i, r in enumerate(rows):
        car, drv, cls, a, b = r[:5]
        d = r[5] if len(r) > 5 else b - a
        recs.append({"car": car, "driver": drv, "class": cls, "start": a * H, "end": b * H, "drive_time": d * H,
                     "lap_start": 10 * i + 1, "lap_end": 10 * i + 10})  # fmt: skip
    return pd.DataFrame(recs)


def test_shipped_rule_sets_are_listed_and_load():
    names = set(list_rules()["name"])
    assert {"lemans-2019", "wec-6h-2021", "spa24-2023", "n24-2024"} <= names
    for n in names:
        rs = load_rules(n)
        assert rs.source and rs.series and rs.season
        for r in rs.driving + rs.crew:
            assert r.source, (n, r.rule)


def test_rule_files_ship_inside_the_package_and_mark_uncertain_figures():
    files = {p.name for p in (resources.files("stintlab") / "rules").iterdir()}
    assert "spa24-2023.toml" in files
    spa = tomllib.loads((resources.files("stintlab") / "rules" / "spa24-2023.toml").read_text(encoding="utf-8"))
    # domain.md marks the GTWC cup line-ups [?]: the file must say so
    assert all("uncertain" in c for c in spa["crew"] if c.get("one_of"))
    n24 = load_rules("n24-2024")
    assert n24.uncertain
    lm = load_rules("lemans-2019")
    assert [(r.rule, r.min_total, r.max_total) for r in lm.driving[:2]] == [
        ("min_total", 6 * H, None),
        ("max_total", None, 14 * H),
    ]
    w = lm.driving[2]
    assert (w.max_in_window, w.window) == (4 * H, 6 * H)


def test_unknown_rule_set_is_a_usage_error():
    with pytest.raises(StintlabUsageError, match="unknown rule set"):
        load_rules("lemans-1923")


def test_max_window_by_hand():
    # 3 h, 1 h rest, 3 h: any 6 h window holds at most 5 h
    assert max_window([0, 4 * H], [3 * H, 7 * H], [3 * H, 3 * H], 6 * H)[0] == pytest.approx(5 * H)
    # 2 h, 5 h rest, 2 h: 2 h
    assert max_window([0, 7 * H], [2 * H, 9 * H], [2 * H, 2 * H], 6 * H)[0] == pytest.approx(2 * H)


def test_lemans_2019_rules_on_a_plan():
    rs = load_rules("lemans-2019")
    plan = _plan([
        ("50", "Ann", "LMGTE Am", 0, 3), ("50", "Bob", "LMGTE Am", 3, 7), ("50", "Cid", "LMGTE Am", 7, 10),
        ("50", "Ann", "LMGTE Am", 10, 13.5), ("50", "Cid", "LMGTE Am", 13.5, 17), ("50", "Bob", "LMGTE Am", 17, 20),
        ("50", "Ann", "LMGTE Am", 20, 24),
    ])  # fmt: skip
    cats = {("50", "Ann"): "Bronze", ("50", "Bob"): "Silver", ("50", "Cid"): "Platinum"}
    out = check_rules(plan, rs, cats)
    d = out["drivers"].set_index("driver")
    assert d.at["Ann", "total"] == pytest.approx(10.5 * H)
    assert d.at["Bob", "total"] == pytest.approx(7 * H)
    assert d.at["Cid", "total"] == pytest.approx(6.5 * H)
    assert d["verdict"].tolist() == ["ok", "ok", "ok"]
    # Ann's worst 6 h is her last spell, exactly the 4 h allowed
    assert d.at["Ann", "worst_window"] == pytest.approx(4 * H)  # 20-24 h
    assert out["crews"].iloc[0]["verdict"] == "ok"
    assert out["crews"].iloc[0]["composition"] == "Platinum-Silver-Bronze"
    # Ann opens with 8 h (6 h inside 6 h), Bob's 4 h + 1.5 h fall 5 h inside 6 h and total 5.5 h < 6 h,
    # Cid closes with 9.5 h
    plan2 = _plan([
        ("50", "Ann", "LMGTE Am", 0, 8), ("50", "Bob", "LMGTE Am", 8, 12), ("50", "Ann", "LMGTE Am", 12, 13),
        ("50", "Bob", "LMGTE Am", 13, 14.5), ("50", "Cid", "LMGTE Am", 14.5, 24),
    ])  # fmt: skip
    out2 = check_rules(plan2, rs, cats)
    v = out2["violations"]
    assert set(zip(v["driver"], v["rule"], strict=True)) == {
        ("Ann", "max_window"),
        ("Bob", "min_total"),
        ("Bob", "max_window"),
        ("Cid", "max_window"),
    }
    bob = v[(v["driver"] == "Bob") & (v["rule"] == "max_window")].iloc[0]
    assert bob["laps"] == "11-20, 31-40"  # the spells that prove it (plan rows 2 and 4)


def test_crew_composition_verdicts():
    rs = load_rules("lemans-2019")
    plan = _plan([("1", "A", "LMGTE Am", 0, 8), ("1", "B", "LMGTE Am", 8, 16), ("1", "C", "LMGTE Am", 16, 24)])

    def verdict(cats):
        return check_rules(plan, rs, dict(zip([("1", "A"), ("1", "B"), ("1", "C")], cats, strict=True)))["crews"].iloc[
            0
        ]["verdict"]

    assert verdict(["Bronze", "Silver", "Gold"]) == "ok"
    assert verdict(["Bronze", "Bronze", "Platinum"]) == "ok"
    assert verdict(["Silver", "Silver", "Gold"]) == "violation"  # no Bronze
    assert verdict(["Bronze", "Gold", "Platinum"]) == "violation"  # one Bronze, no second Bronze/Silver
    assert verdict(["Bronze", None, "Gold"]) == "unknown"
    lmp1 = _plan([("7", "A", "LMP1", 0, 12), ("7", "B", "LMP1", 12, 24)])
    out = check_rules(lmp1, rs, {("7", "A"): "Platinum", ("7", "B"): "Bronze"})
    assert out["crews"].iloc[0]["verdict"] == "violation"


def test_wec_6h_category_minimums():
    rs = load_rules("wec-6h-2021")
    plan = _plan(
        [
            ("98", "Bronzy", "LMGTE Am", 0, 1.5),
            ("98", "Goldie", "LMGTE Am", 1.5, 2.3),
            ("98", "Silvy", "LMGTE Am", 2.3, 6),
        ]
    )
    out = check_rules(plan, rs, {("98", "Bronzy"): "Bronze", ("98", "Goldie"): "Gold", ("98", "Silvy"): "Silver"})
    d = out["drivers"].set_index("driver")
    assert d.at["Bronzy", "verdict"] == "violation"  # 1:30 < 1:45
    assert d.at["Goldie", "verdict"] == "ok"  # 0:48 >= 0:45
    assert d.at["Silvy", "verdict"] == "violation"  # 3:42 > 3:30 maximum
    # category unknown: a 1:30 drive fails the Bronze/Silver minimum but passes the Gold one -> unknown
    out2 = check_rules(plan, rs, {("98", "Goldie"): "Gold", ("98", "Silvy"): "Silver"})
    assert out2["drivers"].set_index("driver").at["Bronzy", "verdict"] == "unknown"


def test_spa_max_continuous_and_rest():
    rs = load_rules("spa24-2023")
    # A: 3:15 (the maximum) then back after 0:45 (1 h rest required); B: a 3:30 spell
    plan = _plan(
        [("1", "A", "Pro", 0, 3.25), ("1", "B", "Pro", 3.25, 4), ("1", "A", "Pro", 4, 5), ("1", "B", "Pro", 5, 8.5)]
    )
    out = check_rules(plan, rs)
    v = out["violations"]
    assert set(zip(v["driver"], v["rule"], strict=True)) == {("A", "max_continuous"), ("B", "max_continuous")}
    a = v[v["driver"] == "A"].iloc[0]
    assert "rest of 0:45:00" in a["detail"] and a["laps"] == "1-10, 21-30"
    b = v[v["driver"] == "B"].iloc[0]
    assert "3:30:00" in b["detail"] and b["laps"] == "31-40"
    assert out["crews"].iloc[0]["verdict"] == "ok"  # Pro cup: free line-up, at most 4 drivers


def test_planner_spells_without_positions_still_checked():
    rs = load_rules("lemans-2019")
    spells = pd.DataFrame({"car": ["3"], "driver": ["Solo"], "class": ["LMP2"], "drive_time": [15 * H]})
    out = check_rules(spells, rs)
    assert out["violations"]["rule"].tolist() == ["max_total"]


def test_bad_spells_table_is_a_usage_error():
    with pytest.raises(StintlabUsageError, match="drive_time"):
        check_rules(pd.DataFrame({"car": ["1"], "driver": ["A"]}), "lemans-2019")


# ------------------------------------------------------------------ real races


def test_lemans_2019_drive_time_by_hand(load_corpus_race):
    """#10 Ben HANLEY drove laps 1-35 (one spell): lap 35 crossed at 2:27:16.678 (8836.678 s, line 412);
    the stops inside it printed PIT_TIME 84.922 (lap 10), 75.452 (19), 1221.776 (28) and 48.056 (29):
    8836.678 - 1430.206 = 7406.472 s of driving."""
    race = load_corpus_race("lemans-2019")
    out = check_rules(race.laps, "lemans-2019", race.drivers)
    d = out["drivers"]
    row = d[(d["car"] == "10") & (d["driver"] == "Ben HANLEY")].iloc[0]
    assert row["total"] == pytest.approx(7406.472)
    assert row["longest_spell"] == pytest.approx(7406.472)
    assert not row["finished"]  # #10 retired: no minimum applies
    assert row["verdict"] == "ok"


def test_lemans_2019_flohr_four_hours_in_six(load_corpus_race):
    """#54 Thomas FLOHR (LMGTE Am) drove laps 27-54 (out at 1:46:49.714, in at 3:44:57.187; PIT_TIME 81.144 and
    78.070 on laps 27 and 41: 6928.259 s) and laps 71-100 (4:58:13.763 to 7:24:53.797; PIT_TIME 111.503 and
    79.795 on laps 71 and 87: 8608.736 s), lines 8510-8583. Both spells lie inside the 6 h from 1:24:53.797,
    so he drove 4:18:56.995 in 6 h: more than the 4 h allowed."""
    race = load_corpus_race("lemans-2019")
    out = check_rules(race.laps, "lemans-2019", race.drivers)
    v = out["violations"]
    row = v[(v["car"] == "54") & (v["driver"] == "Thomas FLOHR")].iloc[0]
    assert row["rule"] == "max_window"
    assert row["laps"] == "27-54, 71-100"
    assert "4:18:56.995" in row["detail"]
    d = out["drivers"]
    assert d[(d["car"] == "54") & (d["driver"] == "Thomas FLOHR")].iloc[0]["worst_window"] == pytest.approx(
        6928.259 + 8608.736
    )
    # Le Mans files carry no categories: crew verdicts are unknown or free (LMGTE Pro), never "ok" by guess
    crews = out["crews"].set_index("car")
    assert set(crews["verdict"]) == {"unknown", "ok"}
    assert (crews.loc[crews["verdict"] == "ok", "class"] == "LMGTE Pro").all()


def test_drive_time_totals_equal_race_time_minus_pit_time(load_corpus_race):
    """Per car: sum of drivers' drive time = last crossing - start of lap 1 - the PIT_TIME of every stop
    (the time the rules exclude), for every car whose out-laps all carry a PIT_TIME."""
    race = load_corpus_race("lemans-2019")
    out = check_rules(race.laps, "lemans-2019")
    totals = out["drivers"].groupby("car")["total"].sum()
    laps = race.laps
    checked = 0
    for car, g in laps.groupby("car", sort=False):
        outs = g[g["out_lap"]]
        if outs["pit_time"].isna().any():
            continue
        race_time = g["elapsed"].iloc[-1] - (g["elapsed"].iloc[0] - g["lap_time"].iloc[0])
        assert totals[str(car)] == pytest.approx(race_time - outs["pit_time"].sum(), abs=1e-6), car
        checked += 1
    assert checked >= 55


def test_checker_runs_on_every_corpus_race_with_an_applicable_rule_set(load_corpus_race):
    from conftest import manifest

    sets = [load_rules(n) for n in list_rules()["name"]]
    ran = []
    for row in manifest():
        if not row["laps_file"]:
            continue
        for rs in sets:
            if rs.applies_to(row["series"], int(row["year"]), float(row["hours"])):
                race = load_corpus_race(row["race"])
                out = check_rules(race.laps, rs, race.drivers)
                assert len(out["drivers"]) == len(race.drivers)
                assert set(out["drivers"]["verdict"]) <= {"ok", "violation", "unknown"}
                ran.append((row["race"], rs.name))
    assert ("lemans-2019", "lemans-2019") in ran


def test_rules_on_a_race_outside_their_classes_say_no_rule(load_corpus_race):
    race = load_corpus_race("lemans-2023")
    crews = check_rules(race.laps, "lemans-2019")["crews"]
    assert (crews.loc[crews["class"] == "HYPERCAR", "verdict"] == "no rule").all()
