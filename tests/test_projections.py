"""Strategy projections (stintlab.sim.projections) against what happened, on real races.

"Actual" figures come from the raw lap file read with the csv module (tests/oracle.py): the car's final
laps, its in-laps (`B`) after the projection time, its final class position (laps desc, then time of the
last crossing), the standings at the projection time. Error bounds are justified in docs/sim.md
("Projections: validation"): they are the errors measured on these races with a margin, so a regression
(a lost stop model, a pace taken from the future or from the wrong laps) breaks them, while the
unpredictable part (how many safety cars are still to come) stays inside them. Few Monte Carlo runs keep
the tests short; the figures of docs/sim.md use 200.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from conftest import lap_file
from oracle import read_race
from stintlab.schema import check_table
from stintlab.sim.projections import project, race_length

RUNS = 40


@pytest.fixture(scope="module")
def projected():
    """(race name, at) -> Projection, computed once."""
    import stintlab

    cache: dict = {}

    def get(name: str, at: float):
        if (name, at) not in cache:
            race = stintlab.load(lap_file(name), find_results=False)
            cache[(name, at)] = (race, project(race, at, runs=RUNS, seed=3))
        return cache[(name, at)]

    return get


def _actual(name: str, at: float) -> dict:
    raw = read_race(str(lap_file(name)))
    fin = raw.finishers()
    final = {r["car"]: r for r in raw.final_order()}
    out = {}
    for car in raw.cars:
        rows = raw.laps[car]
        stops_after = sum(1 for c in rows[:-1] if c.in_lap and c.elapsed > at)
        out[car] = {"laps": final[car]["laps"], "stops": stops_after, "class_position": final[car]["class_position"],
                    "finished": car in fin}  # fmt: skip
    return out


@pytest.mark.parametrize(
    "path, hours",
    [
        ("lemans-2023/23_Analysis_Race_Hour 24.csv", 24),
        ("wec-2025-cota6h/cota_6h.csv", 6),
        ("wec-2019-spa6h/23_Analysis_Race_Hour 6.CSV", 6),
        ("imsa-2021-6h-watkins-glen-international/202106271040-race-laps.csv", 6),
    ],
)
def test_race_length_from_the_file_name(path, hours):
    from stintlab.sim.projections import race_length_from_name

    assert race_length_from_name("/corpus/" + path) == hours * 3600.0


def test_race_length_of_a_finished_race_without_hours_in_its_name(load_corpus_race):
    # Sebring 2023 is a 12 h race (MANIFEST: hours 12.04); its files carry no hours in their names
    race = load_corpus_race("imsa-2023-sebring-international-raceway")
    assert race_length(race.laps, race.meta["path"]) == (12 * 3600.0, "finished race")
    # a file cut during the race with no hours in its name: unknown unless given
    cut = race.laps[race.laps["elapsed"] <= 4 * 3600]
    assert math.isnan(race_length(cut, race.meta["path"])[0])
    assert race_length(cut, race.meta["path"], 12 * 3600.0) == (12 * 3600.0, "argument")


def test_state_at_the_cut_matches_raw_rows(projected):
    """Laps, class order, laps in the current stint and the gap to the car ahead at 4:00:00 of São Paulo 2025,
    from the raw rows."""
    at = 4 * 3600.0
    _, p = projected("wec-2025-saopaulo6h", at)
    raw = read_race(str(lap_file("wec-2025-saopaulo6h")))
    st = {r["car"]: r for r in raw.standings_at(at)}
    t = p.table.set_index("car")
    assert set(t.index) == set(st)
    ahead_in_class: dict = {}
    for r in raw.standings_at(at):
        car = r["car"]
        assert t.at[car, "laps"] == r["laps"] and t.at[car, "class_position"] == r["class_position"]
        rows = [c for c in raw.laps[car] if c.elapsed <= at]
        ins = [c.lap for c in rows if c.in_lap]
        assert t.at[car, "stint_laps_now"] == r["laps"] - (ins[-1] if ins else 0)
        prev = ahead_in_class.get(r["class"])
        if prev is None:
            assert t.at[car, "car_ahead"] is pd_na()
        else:
            assert t.at[car, "car_ahead"] == prev
            same = [c.elapsed for c in raw.laps[prev] if c.lap == r["laps"]]
            assert t.at[car, "gap_ahead_s"] == pytest.approx(r["race_time"] - same[0], abs=1e-3)
        ahead_in_class[r["class"]] = car


def pd_na():
    import pandas as pd

    return pd.NA


def test_longest_stint_matches_raw_rows(projected):
    """stint_laps_max: the longest completed stint (start or out-lap to a `B` in-lap, 3 laps or more) by 6:00:00
    of Le Mans 2026, counted from the raw rows."""
    at = 6 * 3600.0
    _, p = projected("lemans-2026", at)
    raw = read_race(str(lap_file("lemans-2026")))
    mine = p.table[p.table["stint_source"] == "car"]
    assert len(mine) > 40
    for car, got in zip(mine["car"], mine["stint_laps_max"]):
        lens, start = [], 1
        for c in raw.laps[car]:
            if c.elapsed > at:
                break
            if c.in_lap:
                lens.append(c.lap - start + 1)
                start = c.lap + 1
        assert got == max(n for n in lens if n >= 3), car


def test_projection_sees_no_future(projected):
    """A Race of the whole race and the lap table cut at the projection time give the same projection."""
    race, p = projected("wec-2025-imola6h", 2 * 3600.0)
    cut = race.laps[race.laps["elapsed"] <= 2 * 3600.0]
    q = project(cut, 2 * 3600.0, length=6 * 3600.0, runs=RUNS, seed=3)
    assert p.meta["length"] == q.meta["length"] == 6 * 3600.0
    assert p.table.equals(q.table)
    assert check_table(p.table, "projections") == []


# (race, hour, laps MAE bound as a share of the actual laps left, stops MAE bound, class-position MAE bound,
# least share of finishers whose actual laps fall in the p10-p90 band): docs/sim.md, "Projections: validation".
# Le Mans 2023 from hour 18 keeps a low band share: the first 18 hours' safety cars weigh on the projection
# of a green last quarter (the measured error is the documented limit of the method, not hidden).
CASES = [
    ("lemans-2026", 12, 0.05, 1.5, 4.5, 0.6),
    ("lemans-2023", 18, 0.15, 1.5, 2.5, 0.1),
    ("wec-2025-saopaulo6h", 4, 0.05, 0.75, 2.5, 0.6),
    ("wec-2025-imola6h", 2, 0.05, 2.0, 4.5, 0.6),
    ("wec-2024-fuji6h", 4, 0.05, 1.0, 4.5, 0.6),
    ("imsa-2023-sebring-international-raceway", 8, 0.12, 2.0, 4.0, 0.5),
]


@pytest.mark.parametrize("name, hour, laps_share, stops_mae, cpos_mae, band", CASES)
def test_errors_against_what_happened(projected, name, hour, laps_share, stops_mae, cpos_mae, band):
    at = hour * 3600.0
    _, p = projected(name, at)
    act = _actual(name, at)
    run = p.table[p.table["running"]]
    fin = run[[act[c]["finished"] for c in run["car"]]]
    assert len(fin) >= 25
    al = np.array([act[c]["laps"] for c in fin["car"]])
    left = al - fin["laps"].to_numpy()
    laps_err = np.abs(fin["final_laps"].to_numpy() - al)
    assert laps_err.mean() <= laps_share * left.mean(), (laps_err.mean(), left.mean())
    stops_err = np.abs(fin["stops_remaining"].to_numpy() - np.array([act[c]["stops"] for c in fin["car"]]))
    assert stops_err.mean() <= stops_mae
    ac = np.array([act[c]["class_position"] for c in run["car"]])
    assert np.abs(run["class_position_median"].to_numpy() - ac).mean() <= cpos_mae
    # the Monte Carlo band holds most class positions; the laps band most finishers' laps
    assert np.mean((ac >= run["class_position_p10"]) & (ac <= run["class_position_p90"])) >= 0.45
    inside = (al >= fin["final_laps_p10"].to_numpy()) & (al <= fin["final_laps_p90"].to_numpy())
    assert inside.mean() >= band


def test_cli_project_json(capsys, corpus):
    from stintlab.cli import main

    f = lap_file("wec-2025-saopaulo6h")
    rc = main(["project", str(f), "--at", "4:00:00", "--class", "hypercar", "--runs", "10", "--json"])
    out, err = capsys.readouterr()
    assert rc == 0, err
    d = json.loads(out)
    assert d["meta"]["length"] == 21600 and d["meta"]["length_source"] == "file name"
    assert {"laps_to_flag", "stops_remaining", "class_position", "catch"} <= set(d["methods"])
    rows = d["projections"]
    raw = read_race(str(f))
    want = [r["car"] for r in raw.standings_at(4 * 3600.0) if r["class"] == "HYPERCAR"]
    assert [r["car"] for r in rows] == want
    assert all(isinstance(r["final_laps"], int) and isinstance(r["expected_lap"], float) for r in rows)
    rc = main(["project", str(f), "--at", "7:00:00", "--json"])
    assert rc == 2 and "past the scheduled end" in capsys.readouterr().err


def test_without_monte_carlo_the_closed_form_figures_stay(projected):
    """runs=0 (for every step of a replay): the same closed-form figures, the Monte Carlo columns missing."""
    race, p = projected("wec-2025-imola6h", 2 * 3600.0)
    q = project(race, 2 * 3600.0, runs=0)
    closed = ["car", "laps", "laps_to_flag", "final_laps", "stops_remaining", "next_stop_lap", "catch_delta"]
    assert q.table[closed].equals(p.table[closed])
    assert q.table["class_position_median"].isna().all() and q.table["p_retire"].isna().all()
    assert check_table(q.table, "projections") == []
