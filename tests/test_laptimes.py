"""Pace views (analysis/laptimes.py, Race.lap_trace / stint_pace / sectors / drive_shares / battle, the
report's pace sections) checked against the raw lap files read here with the csv module.

The oracle below is written from the file format (domain.md §1.2), not from stintlab: a stint starts at
lap 1 and at the lap after every `B` (CROSSING_FINISH_LINE_IN_PIT) row; PIT_TIME sits on the out-lap and
is not driving time; the pace numbers (means, OLS slope with ``statistics.linear_regression``, its
standard error, sector minima, sums of lap times) are computed from the raw strings.

Which laps are *clean* is stintlab's judgement (incidents and slow zones need the whole field); the
tests take that selection from the code but first check, from the raw rows, the conditions every clean
lap must meet (green flag at its own and at the previous crossing, not an in- or out-lap, no PIT_TIME,
not lap 1), and that the selection keeps most of the laps that meet them.
"""

from __future__ import annotations

import bisect
import csv
import math
import statistics
from collections import defaultdict

import pytest
from tests.conftest import CORPUS, _need_corpus
from tests.oracle import parse_time

LEMANS_2024 = "lemans-2024/23_Analysis_Race_Hour 24.csv"
SEBRING_2024 = "imsa-2024-sebring-international-raceway/202403160940-race-laps.csv"
CASES = [(LEMANS_2024, "92"), (SEBRING_2024, "40")]


def _raw(rel: str) -> dict[str, list[dict]]:
    """car -> its rows in lap order: lap, driver, lap_time, elapsed, s1..s3, in_lap, pit_time, flag, top_speed, cls."""
    _need_corpus()
    out = defaultdict(list)
    with open(CORPUS / rel, encoding="utf-8-sig", newline="") as fh:
        head = fh.readline()
        sep = ";" if head.count(";") > head.count(",") else ","
        names = [n.strip() for n in next(csv.reader([head], delimiter=sep))]
        ix = {n: i for i, n in enumerate(names) if n}
        for line, f in enumerate(csv.reader(fh, delimiter=sep), 2):
            if not any(x.strip() for x in f):
                continue

            def g(name, f=f):
                return f[ix[name]].strip() if name in ix and ix[name] < len(f) else ""

            ts = g("TOP_SPEED")
            out[g("NUMBER")].append({
                "lap": int(g("LAP_NUMBER")), "driver": g("DRIVER_NAME"), "lap_time": parse_time(g("LAP_TIME")),
                "elapsed": parse_time(g("ELAPSED")), "s1": parse_time(g("S1")), "s2": parse_time(g("S2")),
                "s3": parse_time(g("S3")), "in_lap": g("CROSSING_FINISH_LINE_IN_PIT") == "B",
                "pit_time": parse_time(g("PIT_TIME")), "flag": g("FLAG_AT_FL"), "cls": g("CLASS"),
                "top_speed": float(ts) if ts else None, "line": line,
            })  # fmt: skip
    for rows in out.values():
        rows.sort(key=lambda r: r["lap"])
        stint, prev_b = 1, False
        for i, r in enumerate(rows):
            if i and prev_b:
                stint += 1
            r["stint"], r["out_lap"], prev_b = stint, i > 0 and rows[i - 1]["in_lap"], r["in_lap"]
    return out


_CACHE: dict = {}


def raw(rel: str) -> dict[str, list[dict]]:
    if rel not in _CACHE:
        _CACHE[rel] = _raw(rel)
    return _CACHE[rel]


@pytest.fixture
def race_of(corpus):
    import stintlab

    def load(rel: str):
        key = ("race", rel)
        if key not in _CACHE:
            _CACHE[key] = stintlab.load(corpus / rel)
        return _CACHE[key]

    return load


def _clean_laps(race, car: str) -> set[int]:
    t = race.lap_trace
    return set(t.loc[(t["car"] == car) & t["clean"], "lap"].astype(int))


# ------------------------------------------------------------------ the clean selection, checked from raw rows
@pytest.mark.parametrize("rel, car", CASES)
def test_every_clean_lap_is_green_and_a_racing_lap_in_the_raw_rows(race_of, rel, car):
    rows = raw(rel)[car]
    by_lap = {r["lap"]: r for r in rows}
    clean = _clean_laps(race_of(rel), car)
    candidates = set()
    for i, r in enumerate(rows):
        prev = rows[i - 1] if i else None
        if (r["lap"] > 1 and r["flag"] in ("GF", "FF") and prev is not None and prev["flag"] == "GF" and not r["in_lap"]
                and not r["out_lap"] and r["pit_time"] is None and r["lap_time"] is not None):  # fmt: skip
            candidates.add(r["lap"])
    assert clean <= candidates, sorted(clean - candidates)[:5]
    # incidents and slow zones take some of the green racing laps, never most of them
    assert len(clean) >= 0.7 * len(candidates), (len(clean), len(candidates))
    assert all(by_lap[k]["lap_time"] is not None for k in clean)


# ------------------------------------------------------------------ stints: averages, best, degradation
def _ols(xs: list[float], ys: list[float]) -> tuple[float, float]:
    slope, intercept = statistics.linear_regression(xs, ys)
    n = len(xs)
    mx = sum(xs) / n
    ssr = sum((y - (intercept + slope * x)) ** 2 for x, y in zip(xs, ys, strict=True))
    sxx = sum((x - mx) ** 2 for x in xs)
    return slope, math.sqrt(ssr / (n - 2) / sxx)


@pytest.mark.parametrize("rel, car", CASES)
def test_stint_pace_matches_raw_rows(race_of, rel, car):
    race = race_of(rel)
    rows = raw(rel)[car]
    clean = _clean_laps(race, car)
    stints = defaultdict(list)
    for r in rows:
        stints[r["stint"]].append(r)
    got = race.stint_pace[race.stint_pace["car"] == car].set_index("stint")
    assert list(got.index) == sorted(stints)
    slopes = 0
    for s, laps in stints.items():
        g = got.loc[s]
        assert (g["lap_start"], g["lap_end"], g["laps"]) == (laps[0]["lap"], laps[-1]["lap"], len(laps))
        assert g["driver"] == laps[0]["driver"]
        pts = [(i, r["lap_time"]) for i, r in enumerate(laps, 1) if r["lap"] in clean]
        assert g["clean_laps"] == len(pts)
        if not pts:
            assert math.isnan(g["clean_avg"]) and math.isnan(g["best"])
            continue
        assert g["clean_avg"] == pytest.approx(sum(y for _, y in pts) / len(pts), abs=1e-9)
        assert g["best"] == pytest.approx(min(y for _, y in pts), abs=1e-9)
        if len(pts) >= 5:
            slope, se = _ols([float(x) for x, _ in pts], [y for _, y in pts])
            assert g["slope"] == pytest.approx(slope, abs=1e-9)
            assert g["slope_se"] == pytest.approx(se, abs=1e-9)
            slopes += 1
        else:
            assert math.isnan(g["slope"])
    assert slopes >= 8  # the slope is a real figure on most stints of these cars


@pytest.mark.parametrize("rel, car", CASES)
def test_double_stints_are_the_drivers_consecutive_stints(race_of, rel, car):
    race = race_of(rel)
    rows = raw(rel)[car]
    first_driver = {}
    for r in rows:
        first_driver.setdefault(r["stint"], r["driver"])
    order = sorted(first_driver)
    runs, cur = [], [order[0]]
    for s in order[1:]:
        if first_driver[s] == first_driver[cur[-1]]:
            cur.append(s)
        else:
            runs.append(cur)
            cur = [s]
    runs.append(cur)
    expect = {s: (i + 1, len(run)) for run in runs for i, s in enumerate(run)}
    got = race.stint_pace[race.stint_pace["car"] == car]
    assert {int(s): (int(a), int(b)) for s, a, b in zip(got["stint"], got["spell_stint"], got["spell_stints"],
                                                         strict=True)} == expect  # fmt: skip
    assert any(n >= 2 for _, n in expect.values())


def test_lemans_2024_92_first_stint_by_hand(race_of):
    """Stint 1 of #92 (lines of the raw file): laps 1-10 by Aliaksandr MALYKHIN, in-lap 10 (`B`); lap 1
    (standing start behind the safety car procedure) and lap 10 (the in-lap) are not clean."""
    g = race_of(LEMANS_2024).stint_pace
    g = g[(g["car"] == "92") & (g["stint"] == 1)].iloc[0]
    rows = [r for r in raw(LEMANS_2024)["92"] if r["stint"] == 1]
    assert [r["lap"] for r in rows] == list(range(1, 11)) and rows[-1]["in_lap"] and not rows[-2]["in_lap"]
    assert g["driver"] == "Aliaksandr MALYKHIN" and g["laps"] == 10
    assert g["best"] == pytest.approx(240.064)  # 4:00.064, lap 2


# ------------------------------------------------------------------ sectors and ideal lap
@pytest.mark.parametrize("rel, car", CASES)
def test_sectors_ideal_lap_gaps_and_top_speed_match_raw_rows(race_of, rel, car):
    race = race_of(rel)
    data = raw(rel)
    cls = data[car][-1]["cls"]
    t = race.lap_trace
    clean = t[t["clean"]]
    clean_by_car = {c: set(g["lap"].astype(int)) for c, g in clean.groupby(clean["car"].astype(str))}
    best = {}  # (car, driver) -> [s1, s2, s3] over clean laps, class cars only
    for c, rows in data.items():
        if rows[-1]["cls"] != cls:
            continue
        for r in rows:  # each sector on its own: a clean lap may miss a sector time (Sebring #40 lap 278)
            if r["lap"] in clean_by_car.get(c, ()):
                b = best.setdefault((c, r["driver"]), [math.inf] * 3)
                b[:] = [v if x is None else min(v, x) for v, x in zip(b, (r["s1"], r["s2"], r["s3"]), strict=True)]
    class_best = [min(v[i] for v in best.values()) for i in range(3)]
    class_ideal = min(sum(v) for v in best.values())
    got = race.sectors.set_index(["car", "driver"])
    drivers = {r["driver"] for r in data[car]}
    assert len(drivers) >= 3
    for d in drivers:
        g = got.loc[(car, d)]
        b = best[(car, d)]
        assert [g["best_s1"], g["best_s2"], g["best_s3"]] == pytest.approx(b, abs=1e-9)
        assert g["ideal_lap"] == pytest.approx(sum(b), abs=1e-6)
        assert [g["gap_s1"], g["gap_s2"], g["gap_s3"]] == pytest.approx([b[i] - class_best[i] for i in range(3)], abs=1e-6)
        assert g["gap_ideal"] == pytest.approx(sum(b) - class_ideal, abs=1e-6)
        speeds = [r["top_speed"] for r in data[car] if r["driver"] == d and r["top_speed"] is not None]
        if speeds:
            assert g["top_speed"] == pytest.approx(max(speeds))
        else:
            assert math.isnan(g["top_speed"])  # IMSA files leave TOP_SPEED empty


# ------------------------------------------------------------------ drive time
def _drive_time(rows: list[dict], exclude_pit: bool = True) -> tuple[dict, dict]:
    """(total, longest spell) per driver: lap times minus PIT_TIME on out-laps (and on a lap 1 started
    from the pit lane) unless ``exclude_pit`` is False, a spell being consecutive laps of one driver."""
    total, longest = defaultdict(float), defaultdict(float)
    spell_driver, spell = None, 0.0
    for r in rows:
        t = r["lap_time"] or 0.0
        if exclude_pit and r["pit_time"] is not None and (r["out_lap"] or r["lap"] == 1):
            t -= min(r["pit_time"], r["lap_time"])
        if r["driver"] != spell_driver:
            spell_driver, spell = r["driver"], 0.0
        spell += t
        total[r["driver"]] += t
        longest[r["driver"]] = max(longest[r["driver"]], spell)
    return total, longest


@pytest.mark.parametrize("rel, car", CASES)
def test_drive_time_share_and_longest_spell_match_raw_rows(race_of, rel, car):
    rows = raw(rel)[car]
    assert all(r["pit_time"] is not None for r in rows if r["out_lap"])  # no fallback needed on these cars
    total, longest = _drive_time(rows)
    # the faces' total counts the pit stops when the series' rule set does: imsa-2024 says
    # [counting] exclude_pit = false (Sebring 2024), lemans-2024 true
    counts_pit = rel == SEBRING_2024
    shown = _drive_time(rows, exclude_pit=not counts_pit)[0]
    race = race_of(rel)
    assert race.drive_time_counts_pit == counts_pit
    own = race.drive_time[race.drive_time["car"] == car].set_index("driver")
    got = race.drive_shares()
    got = got[got["car"] == car].set_index("driver")
    assert set(got.index) == set(total)
    assert (got["counts_pit"] == counts_pit).all()
    car_total = sum(shown.values())
    for d in total:
        assert own.loc[d, "total"] == pytest.approx(total[d], abs=1e-6)  # the drive_time table: pit excluded
        assert own.loc[d, "total_with_pits"] == pytest.approx(sum(r["lap_time"] or 0.0 for r in rows if r["driver"] == d), abs=1e-6)
        assert got.loc[d, "total"] == pytest.approx(shown[d], abs=1e-6)
        assert got.loc[d, "share"] == pytest.approx(shown[d] / car_total, abs=1e-9)
        assert got.loc[d, "longest_spell"] == pytest.approx(longest[d], abs=1e-6)
        assert math.isnan(got.loc[d, "min_total"])  # no rule set given
    assert sum(got["share"]) == pytest.approx(1.0)


def test_drive_time_next_to_the_rule_minimum(corpus):
    """Le Mans 2019 under the 2019 rule set: an LMP2 driver of a finishing car has a 6 h minimum."""
    import stintlab

    rel = next(p for p in (corpus / "lemans-2019").iterdir() if p.suffix.lower() == ".csv" and "nalysis" in p.name)
    race = stintlab.load(rel)
    sh = race.drive_shares("lemans-2019")
    lmp2 = sh[(sh["class"] == "LMP2") & sh["min_total"].notna()]
    assert len(lmp2) and (lmp2["min_total"] == 6 * 3600.0).all()
    assert (lmp2["meets_minimum"] == (lmp2["total"] >= 6 * 3600.0)).all()
    gte_pro = sh[sh["class"] == "LMGTE Pro"]
    assert gte_pro["min_total"].isna().all() and gte_pro["meets_minimum"].isna().all()  # no minimum in GTE Pro


# ------------------------------------------------------------------ lap chart and battle
@pytest.mark.parametrize("rel, car", CASES)
def test_lap_chart_class_position_after_every_lap(race_of, rel, car):
    data = raw(rel)
    cls = data[car][-1]["cls"]
    at = defaultdict(list)  # lap -> crossing times of the class
    for rows in data.values():
        if rows[-1]["cls"] == cls:
            for r in rows:
                at[r["lap"]].append(r["elapsed"])
    h = race_of(rel).position_history
    h = h[h["car"] == car].set_index("lap")["class_position"]
    for r in data[car]:
        assert h.loc[r["lap"]] == 1 + sum(t < r["elapsed"] for t in at[r["lap"]]), r["lap"]


@pytest.mark.parametrize("rel, car", CASES)
def test_battle_gap_against_the_class_rival(race_of, rel, car):
    from stintlab.report.pace import rival_of

    race = race_of(rel)
    rival = rival_of(race, car)
    a, b = raw(rel)[rival], raw(rel)[car]
    ta = [r["elapsed"] for r in a]
    t0 = a[0]["elapsed"] - a[0]["lap_time"]
    a_at = {r["lap"]: r["elapsed"] for r in a}
    got = race.battle(rival, car).set_index("lap")
    checked = 0
    for r in b:
        tb = r["elapsed"]
        if not t0 <= tb <= ta[-1]:
            assert r["lap"] not in got.index
            continue
        i = bisect.bisect_right(ta, tb)  # A's progress: laps done, interpolated inside the lap it is on
        if i == 0:
            progress = (a[0]["lap"] - 1) + (tb - t0) / (ta[0] - t0)
        elif i == len(ta):
            progress = float(a[-1]["lap"])
        else:
            progress = a[i - 1]["lap"] + (tb - ta[i - 1]) / (ta[i] - ta[i - 1])
        g = got.loc[r["lap"]]
        assert g["gap_laps"] == pytest.approx(progress - r["lap"], abs=1e-9)
        if r["lap"] in a_at:
            assert g["gap_equal_lap"] == pytest.approx(tb - a_at[r["lap"]], abs=1e-6)
        assert bool(g["stop_b"]) == r["in_lap"]
        checked += 1
    assert checked > 200
    assert int(got["stop_b"].sum()) == sum(r["in_lap"] for r in b if t0 <= r["elapsed"] <= ta[-1])


# ------------------------------------------------------------------ report
@pytest.mark.parametrize("rel, car", CASES)
def test_report_has_the_pace_sections(race_of, rel, car):
    import re

    from stintlab.report.html import build_report

    doc = build_report(race_of(rel), car=car)
    titles = re.findall(r"<h2 id=\"[^\"]+\">([^<]+)</h2>", doc.html)
    for title in ("Lap times", "Stint pace", "Sectors", "Drive time", "Lap chart", "Battle"):
        assert title in titles, title
    for div in ("laptimes-chart", "stintpace-chart", "battle-chart"):
        assert f'id="{div}"' in doc.html
    fr = build_report(race_of(rel), car=car, lang="fr")
    assert "Rythme par relais" in fr.html and "Temps de conduite" in fr.html
