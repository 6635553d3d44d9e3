"""The gap chart (report/charts.py gap_figure over analysis/distance.py gap_history): cars compared at the
same instant by distance, checked against the independent raw-row oracle of tests/test_distance.py (the csv
module, no stintlab), and readable (cars far down start hidden, legend below)."""

from __future__ import annotations

import pytest

from conftest import lap_file
from stintlab.report.charts import gap_figure
from test_distance import _oracle, raw_rows


def _want(o, t):
    """{car: (distance, laps behind)} at race time t by the oracle: a car is listed from its first timing
    point to its last; the class leader is the furthest car still running or having taken the flag (its
    last point at or after the overall winner's)."""
    first = {c: pts[0][0] for c, pts in o.points.items()}
    last = {c: pts[-1][0] for c, pts in o.points.items()}
    final = {c: pts[-1][1] for c, pts in o.points.items()}
    t_flag = last[max(final, key=lambda c: (final[c], -last[c]))]
    ahead: dict[str, float] = {}
    own = {}
    for c in o.points:
        if t < first[c] - 1e-6:
            continue
        d = o.at(c, t)[0]
        running = t <= last[c] + 1e-6
        if running or last[c] >= t_flag - 1e-6:
            ahead[o.cls[c]] = max(ahead.get(o.cls[c], -1e9), d)
        if running:
            own[c] = d
    return {c: (d, ahead[o.cls[c]] - d) for c, d in own.items()}


@pytest.mark.corpus
@pytest.mark.parametrize("name", ["lemans-2024", "imsa-2024-sebring-international-raceway"])
def test_gap_history_matches_the_raw_oracle(load_corpus_race, name):
    race = load_corpus_race(name)
    o = _oracle(name)
    g = race.gap_history
    times = sorted(set(g["race_time"]))
    picks = [times[int(i * (len(times) - 1) / 24)] for i in range(25)]
    checked = 0
    for t in picks:
        want = _want(o, t)
        got = g[g["race_time"] == t].set_index("car")
        assert set(got.index) == set(want), (name, t)
        for c, (d, behind) in want.items():
            assert got.loc[c, "distance"] == pytest.approx(d, abs=2e-3), (name, t, c)
            assert got.loc[c, "laps_behind"] == pytest.approx(max(behind, 0.0), abs=2e-3), (name, t, c)
            checked += 1
    assert checked > 300


@pytest.mark.corpus
def test_at_a_finishers_last_crossing_it_is_behind_by_its_missing_laps(load_corpus_race):
    """The last car of a class to take the flag: every other finisher of the class has stopped, so it is
    behind by exactly (class winner's laps - its laps), both counted in the raw file."""
    race = load_corpus_race("lemans-2024")
    cars = raw_rows(lap_file("lemans-2024"))
    flag = max((rows[-1]["lap"], -rows[-1]["el"], c) for c, rows in cars.items())
    t_flag = cars[flag[2]][-1]["el"]
    g = race.gap_history
    for cls in ("HYPERCAR", "LMP2", "LMGT3"):
        fin = {c: rows[-1] for c, rows in cars.items() if rows[-1]["cls"] == cls and rows[-1]["el"] >= t_flag}
        top = max(r["lap"] for r in fin.values())
        late = max(fin, key=lambda c: fin[c]["el"])
        row = g[(g["car"] == late)].iloc[-1]
        assert row["race_time"] == pytest.approx(fin[late]["el"], abs=1e-3)
        assert row["laps_behind"] == pytest.approx(top - fin[late]["lap"], abs=1e-3), (cls, late)


@pytest.mark.corpus
def test_gap_chart_hides_cars_far_down_and_keeps_the_chosen_car(load_corpus_race):
    race = load_corpus_race("lemans-2024")
    cars = raw_rows(lap_file("lemans-2024"))
    fig = gap_figure(race.gap_history, race.cars, "LMGT3", "92")
    shown = {d["name"].split()[0]: d["visible"] for d in fig["data"]}
    gt3 = {c: rows[-1]["lap"] for c, rows in cars.items() if rows[-1]["cls"] == "LMGT3"}
    top = max(gt3.values())
    t_flag = min(rows[-1]["el"] for rows in cars.values() if rows[-1]["lap"] == max(r[-1]["lap"] for r in cars.values()))
    at_flag = {c for c in gt3 if cars[c][-1]["el"] >= t_flag}
    assert set(shown) == {f"#{c}" for c in gt3}
    assert shown["#92"] is True  # the chosen car, 8 laps down (raw line 14513: lap 273), stays drawn
    winner = [c for c, n in gt3.items() if n == top]
    assert all(shown[f"#{c}"] is True for c in winner)
    # finishers 10+ laps down (e.g. #77: 227 laps, raw line 11095): hidden lines, one legend click away (a car that retired while on
    # the lead lap stays drawn: its line ends where it stopped)
    far = [c for c, n in gt3.items() if n <= top - 10 and c != "92" and c in at_flag]
    assert far and all(shown[f"#{c}"] == "legendonly" for c in far)
    assert fig["data"][-1]["name"].startswith("#92")  # drawn last, on top
    assert "laps" in fig["layout"]["yaxis"]["title"]["text"].lower()
    assert fig["layout"]["legend"]["orientation"] == "h" and fig["layout"]["legend"]["y"] < 0
