"""Standings at any instant by distance covered (analysis/distance.py, docs/analysis.md "Standings by distance").

The oracle below is a separate, plain implementation of the rule as docs/analysis.md states it, reading the raw
lap files with the csv module (NUMBER, LAP_NUMBER, LAP_TIME, ELAPSED, S1, S2, CROSSING_FINISH_LINE_IN_PIT,
PIT_TIME, CLASS) and nothing of stintlab: per car a list of timing points walked point by point, medians and
quantiles from the statistics module. stintlab's vectorised kernel must give the same order, laps, distances
and gaps at many instants of real races (green running, safety cars, red flags, stops, retirements, the finish).
Hand-checked cases cite raw lines of Le Mans 2024.
"""

from __future__ import annotations

import csv
import functools
import math
import statistics
from bisect import bisect_right

import numpy as np
import pytest

import stintlab
from conftest import lap_file
from oracle import parse_time
from stintlab.analysis.distance import distance_standings, progress
from stintlab.analysis.standings import standings_at

HOLD, REF = 3.0, 1.07  # docs/analysis.md (distance_hold_factor, distance_ref_ratio)


# ------------------------------------------------------------------ the oracle
@functools.cache
def raw_rows(path) -> dict[str, list[dict]]:
    """car -> rows by lap: lap, lt, el, s1, s2, b (in-lap), pit (PIT_TIME given), cls, out (after a B row)."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        head = fh.readline()
        sep = ";" if head.count(";") >= head.count(",") else ","
        names = [n.strip() for n in next(csv.reader([head], delimiter=sep))]
        ix = {n: i for i, n in enumerate(names) if n}
        cars: dict[str, list[dict]] = {}
        for line, f in enumerate(csv.reader(fh, delimiter=sep), 2):
            if not any(x.strip() for x in f):
                continue

            def get(name, f=f):
                return f[ix[name]].strip() if name in ix and ix[name] < len(f) else ""

            cars.setdefault(get("NUMBER"), []).append({
                "lap": int(get("LAP_NUMBER")), "lt": parse_time(get("LAP_TIME")), "el": parse_time(get("ELAPSED")),
                "s1": parse_time(get("S1")), "s2": parse_time(get("S2")), "b": get("CROSSING_FINISH_LINE_IN_PIT") == "B",
                "pit": (parse_time(get("PIT_TIME")) or 0) > 0, "cls": get("CLASS"), "line": line,
            })  # fmt: skip
    for rows in cars.values():
        rows.sort(key=lambda r: r["lap"])
        for prev, r in zip([None, *rows], rows):
            r["out"] = prev is not None and prev["b"]
    return cars


def _sectors_ok(r):
    lt, s1, s2 = r["lt"], r["s1"], r["s2"]
    ok1 = lt is not None and s1 is not None and 0 < s1 < lt
    ok2 = ok1 and s2 is not None and s1 < s1 + s2 < lt
    return ok1, ok2


class Oracle:
    def __init__(self, path):
        cars = raw_rows(path)
        racing: dict[str, list] = {}
        for rows in cars.values():
            for r in rows:
                if r["lap"] > 1 and not r["b"] and not r["out"] and r["lt"] and r["lt"] > 0:
                    racing.setdefault(r["cls"], []).append(r)
        self.ref, refs = {}, []
        for cls, rs in racing.items():
            lts = sorted(r["lt"] for r in rs)
            q05 = lts[0] if len(lts) == 1 else statistics.quantiles(lts, n=20, method="inclusive")[0]
            keep = [r for r in rs if r["lt"] <= q05 * REF]
            self.ref[cls] = statistics.median(r["lt"] for r in keep)
            refs += keep
        both = [r for r in refs if all(_sectors_ok(r))]
        self.f1 = statistics.median(r["s1"] / r["lt"] for r in both)
        self.f2 = statistics.median((r["s1"] + r["s2"]) / r["lt"] for r in both)
        self.points = {car: self._points(rows) for car, rows in cars.items()}
        self.cls = {car: rows[-1]["cls"] for car, rows in cars.items()}

    def _points(self, rows):
        """[(t, d, t0)]: t0 = when the car starts moving on the stretch ending at this point."""
        pts = []  # (t, d, row)
        for k, r in enumerate(rows):
            start = r["el"] - r["lt"] if r["lt"] is not None else None
            if k == 0 and start is not None:
                pts.append((start, r["lap"] - 1.0, r))
            ok1, ok2 = _sectors_ok(r)
            if ok1:
                pts.append((start + r["s1"], r["lap"] - 1 + self.f1, r))
            if ok2:
                pts.append((start + r["s1"] + r["s2"], r["lap"] - 1 + self.f2, r))
            pts.append((r["el"], float(r["lap"]), r))
        pts.sort(key=lambda p: (p[0], p[1]))
        kept, top = [], -math.inf
        for p in pts:
            if p[1] > top:
                kept.append(p)
                top = p[1]
        out = []
        for i, (t, d, r) in enumerate(kept):
            if i == 0:
                out.append((t, d, t))
                continue
            tp, dp, _ = kept[i - 1]
            need = (d - dp) * self.ref.get(r["cls"], math.nan)
            pit = dp == round(dp) and (r["out"] or r["pit"])
            long = not math.isnan(need) and t - tp > HOLD * need
            t0 = t - (min(need, t - tp) if not math.isnan(need) else t - tp) if (pit or long) else tp
            out.append((t, d, t0))
        return out

    def at(self, car, t):
        """(distance, held) at race time t, None before the car's first point."""
        pts = self.points[car]
        i = bisect_right([p[0] for p in pts], t) - 1
        if i < 0:
            return None
        if i == len(pts) - 1:
            return pts[i][1], True
        _, d, _ = pts[i]
        tn, dn, t0 = pts[i + 1]
        frac = min(max((t - t0) / (tn - t0), 0.0), 1.0) if tn > t0 else 1.0
        return d + (dn - d) * frac, frac <= 0.0

    def first_time(self, car, x):
        pts = self.points[car]
        for i, (t, d, t0) in enumerate(pts):
            if d >= x:
                if d == x or i == 0:
                    return t
                dp = pts[i - 1][1]
                return t0 + (x - dp) / (d - dp) * (t - t0)
        return None

    def standings(self, t):
        rows = []
        for car in self.points:
            got = self.at(car, t)
            if got is None:
                continue
            d, held = got
            rows.append({"car": car, "class": self.cls[car], "d": d, "held": held, "arr": self.first_time(car, d)})
        rows.sort(key=lambda r: (-r["d"], r["arr"]))
        leader: dict[str, dict] = {}
        prev: dict[str, dict] = {}
        for r in rows:
            lead = leader.setdefault(r["class"], r)
            ahead = prev.get(r["class"], r)
            r["class_gap"] = self._gap(t, r, lead)
            r["class_interval"] = self._gap(t, r, ahead)
            prev[r["class"]] = r
        return rows

    def _gap(self, t, b, a):
        if a is b:
            return 0, 0.0
        down = math.floor(a["d"] - b["d"] + 1e-9)
        tau = self.first_time(a["car"], b["d"])
        frozen = b["held"] and a["held"] and b["arr"] >= tau
        return down, max((b["arr"] if frozen else t) - tau, 0.0)


def _oracle(name) -> Oracle:
    return Oracle(lap_file(name))


# instants: spread over the race with odd offsets (between crossings), through SC, red flags, stops, the finish
def _instants(end: float, n: int) -> list[float]:
    return [round(end * (i + 0.37) / n + 7.3 * i, 3) for i in range(n)] + [end - 61.7, end + 30.0]


@pytest.mark.corpus
@pytest.mark.parametrize(
    ("name", "n"),
    [("lemans-2024", 24), ("lemans-2019", 8), ("wec-2025-imola6h", 8), ("imsa-2024-road-atlanta", 8)],
)
def test_standings_by_distance_match_an_independent_oracle(load_corpus_race, name, n):
    race = load_corpus_race(name)
    oracle = _oracle(name)
    end = max(p[-1][0] for p in oracle.points.values())
    checked = 0
    for t in _instants(end, n):
        want = oracle.standings(t)
        got = race.standings(at=t)
        assert got["car"].tolist() == [r["car"] for r in want], (name, t)
        assert got["distance"].to_numpy() == pytest.approx([r["d"] for r in want], abs=1.01e-4), (name, t)
        assert got["held"].tolist() == [r["held"] for r in want], (name, t)
        assert got["gap_to_class_leader_laps"].tolist() == [r["class_gap"][0] for r in want], (name, t)
        assert got["gap_to_class_leader_s"].to_numpy() == pytest.approx([r["class_gap"][1] for r in want], abs=2e-3)
        assert got["class_interval_laps"].tolist() == [r["class_interval"][0] for r in want], (name, t)
        assert got["class_interval_s"].to_numpy() == pytest.approx([r["class_interval"][1] for r in want], abs=2e-3)
        # laps = whole line crossings reached; the share of the lap under way is below 1
        assert ((got["distance"] >= got["laps"]) & (got["distance"] < got["laps"] + 1)).all()
        checked += len(want)
    assert checked >= n * 20


# ------------------------------------------------------------------ hand-checked, raw lines of Le Mans 2024
# 23_Analysis_Race_Hour 24.csv, LMGT3 around 3:10:00, green (FLAG_AT_FL GF):
#   line 14004  #91 lap 45 B (in-lap)  ELAPSED 3:09:02.931 (11342.931)
#   line 14005  #91 lap 46 out-lap, PIT_TIME 1:31.211, ELAPSED 3:14:36.601
#   line 7182   #46 lap 45 ELAPSED 3:10:07.779 (11407.779), S3 1:52.055
#   line 10215  #66 lap 45 ELAPSED 3:10:13.196 (11413.196), S3 1:51.184
@pytest.mark.corpus
def test_hand_checked_le_mans_2024_gt3_at_3h10(load_corpus_race):
    race = load_corpus_race("lemans-2024")
    t = 11410.0
    s = race.standings(at=t, cls="LMGT3").set_index("car")
    # #46 crossed line 45 2.221 s ago and leads the class: #91 sits in the pits at the line it crossed in the pit
    # lane (distance 45 exactly, in_pit, held), 2.221 s behind at that point of the track
    assert s.loc["46", "class_position"] == 1 and s.loc["46", "laps"] == 45
    assert (s.loc["91", "class_position"], s.loc["91", "distance"], s.loc["91", "laps"]) == (2, 45.0, 45)
    assert s.loc["91", "in_pit"] and s.loc["91", "held"]
    assert s.loc["91", "gap_to_class_leader_s"] == pytest.approx(11410.0 - 11407.779, abs=1e-3)
    # #66 is 3.196 s from its line 45, in its sector 3 (111.184 s): the same share of #46's sector 3
    # (112.055 s) before #46's crossing is where #46 was at #66's distance: 0.013 laps behind, a gap in seconds
    tau_46 = 11407.779 - 112.055 * (11413.196 - t) / 111.184
    assert s.loc["66", "gap_to_class_leader_laps"] == 0 and s.loc["66", "gap_to_class_leader"].startswith("+")
    assert s.loc["66", "gap_to_class_leader_s"] == pytest.approx(t - tau_46, abs=2e-3)  # 5.442 s
    assert s.loc["66", "laps"] == 44 and 44.95 < s.loc["66", "distance"] < 45.0
    # the last-crossing standings at the same instant: #91 first on crossings, #66 "1 Lap" down
    old = standings_at(race.laps, t, "LMGT3").set_index("car")
    assert old.index[0] == "91" and old.loc["66", "gap_to_class_leader"] == "1 Lap"


@pytest.mark.corpus
def test_a_car_truly_a_lap_down_shows_laps_and_keeps_its_seconds(load_corpus_race):
    race = load_corpus_race("lemans-2024")
    s = race.standings(at=12 * 3600.0 + 123.4)
    lead = s.iloc[0]
    down = s[s["gap_to_leader_laps"] >= 1]
    assert len(down) > 20
    # a whole lap or more of distance behind, and the printed gap says so; seconds at the same point still given
    assert ((lead["distance"] - down["distance"]) >= 1).all()
    assert (down["gap_to_leader"] == down["gap_to_leader_laps"].map(lambda n: f"{n} Lap" + "s" * (n > 1))).all()
    assert (down["gap_to_leader_s"] > 0).all()
    near = s[(s["gap_to_leader_laps"] == 0) & (s["position"] > 1)]
    assert ((lead["distance"] - near["distance"]) < 1).all() and near["gap_to_leader"].str.startswith("+").all()


@pytest.mark.corpus
def test_after_the_finish_gaps_are_the_finishing_crossings(load_corpus_race):
    # Le Mans 2024 finish (raw: the winner's last row is the first FF): two cars that took the flag on the
    # same lap are apart by the difference of their last crossings, as in the final standings
    race = load_corpus_race("lemans-2024")
    end = float(race.laps["elapsed"].max())
    s = race.standings(at=end + 60.0)
    fin = race.standings()
    assert s["car"].tolist()[:10] == fin["car"].tolist()[:10]
    same = fin[(fin["gap_to_class_leader_laps"] == 0)].set_index("car")["gap_to_class_leader_s"]
    got = s.set_index("car").loc[same.index, "gap_to_class_leader_s"]
    assert got.to_numpy() == pytest.approx(same.to_numpy(), abs=2e-3)


def test_with_sections_the_loops_are_timing_points(tmp_path):
    # WithSections layout (tests/test_io_sections.py): S1..S3_SECONDS zero, so only the loops place the car.
    # Two cars, 200 s laps, loops SCL2 at 20 % and IP1 at 50 % of the lap, except car 2's lap 2, whose first
    # 20 % takes 80 s: 60 s into that lap car 2 has covered 60/80 of the first fifth: 1.15 laps (1.3 if linear)
    from test_io_sections import BASE, LOOPS, row

    def loops(scl2, ip1, lt):
        return f"{scl2:.3f};{scl2:.3f};{ip1 - scl2:.3f};{ip1:.3f};{lt - ip1:.3f};{lt:.3f};"

    rows = []
    for car, off in (("1", 0.0), ("2", 5.0)):
        el = 0.0
        for lap in (1, 2, 3):
            lt = 200.0 + (off if lap == 1 else 0.0)
            scl2, ip1 = (80.0, 100.0) if (car, lap) == ("2", 2) else (0.2 * lt, 0.5 * lt)
            el += lt
            rows.append(row(car, lap, f"{lt:.3f}", f"{el:.3f}", "16:00:00.000", "0", "0", "0", loops(scl2, ip1, lt)))
    path = tmp_path / "23_AnalysisEnduranceWithSections_Race.CSV"
    path.write_text(BASE + LOOPS + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    race = stintlab.load(path, find_results=False)
    p = progress(race.laps, race.sections)
    assert p.shares == pytest.approx((0.2, 0.5))
    s = distance_standings(p, 205.0 + 60.0).set_index("car")
    assert s.loc["2", "distance"] == pytest.approx(1.15, abs=1e-4)
    assert s.loc["1", "distance"] == pytest.approx(1.0 + 0.2 + 0.3 * 25 / 60, abs=1e-4)
    assert race.standings(at=265.0).set_index("car").loc["2", "distance"] == pytest.approx(1.15, abs=1e-4)


def test_bad_moments_are_usage_errors(load_corpus_race):
    race = load_corpus_race("wec-2025-imola6h")
    from stintlab.errors import StintlabUsageError

    with pytest.raises(StintlabUsageError, match="negative"):
        race.standings(at=-1.0)
    with pytest.raises(StintlabUsageError):
        race.standings(at=3600.0, cls="GTE")
    first = distance_standings(race.progress, 0.0)
    assert len(first) == 0 or np.all(first["distance"] <= 1.0)


@pytest.mark.corpus
def test_at_a_cars_own_crossing_both_definitions_give_it_the_same_place(load_corpus_race):
    # the events of a car (positions before / after, passed, laps lost) are taken at the car's own line
    # crossings: there the cars ahead of it are exactly those that crossed that line earlier, by last
    # crossing as by distance (docs/analysis.md). Le Mans 2024 #92 (LMGT3), every 7th crossing.
    race = load_corpus_race("lemans-2024")
    mine = race.laps[race.laps["car"] == "92"]
    checked = 0
    for lap, t in zip(mine["lap"].to_numpy()[::7], mine["elapsed"].to_numpy(dtype=float)[::7]):
        by_distance = race.standings(at=float(t), cls="LMGT3")
        by_crossing = standings_at(race.laps, float(t), "LMGT3")
        d = by_distance.set_index("car").loc["92"]
        c = by_crossing.set_index("car").loc["92"]
        assert (d["laps"], d["distance"]) == (lap, float(lap))
        assert d["class_position"] == c["class_position"], (lap, t)
        ahead_d = set(by_distance["car"][: d["class_position"] - 1])
        ahead_c = set(by_crossing["car"][: c["class_position"] - 1])
        assert ahead_d == ahead_c
        checked += 1
    assert checked >= 35  # #92 completed 273 laps


@pytest.mark.corpus
def test_without_sector_times_the_lap_is_shared_between_line_crossings(load_corpus_race):
    # bad input: the same race with its sector columns empty. The distance is then interpolated between the
    # line crossings only (docs/analysis.md), from the raw ELAPSED of the lap under way; the CLI says so.
    race = load_corpus_race("wec-2025-imola6h")
    laps = race.laps.assign(s1=np.nan, s2=np.nan, s3=np.nan)
    p = progress(laps)
    assert p.shares == ()
    t = 7200.0
    s = distance_standings(p, t).set_index("car")
    raw = raw_rows(lap_file("wec-2025-imola6h"))
    for car in ("87", "31", "51"):
        rows = raw[car]
        k = max(i for i, r in enumerate(rows) if r["el"] <= t)
        a, b = rows[k], rows[k + 1]
        assert not (b["b"] or b["out"] or b["pit"])  # a racing lap under way: no hold
        assert s.loc[car, "laps"] == a["lap"]
        assert s.loc[car, "distance"] == pytest.approx(a["lap"] + (t - a["el"]) / (b["el"] - a["el"]), abs=1e-4)
