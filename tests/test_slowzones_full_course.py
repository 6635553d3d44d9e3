"""Whole-course neutralisations found from sector times (files without a flag column), checked
against raw rows read with the csv module, and against the observed flags of the flagged files.

Oracle: a *passage* is one car's time in one sector (lap 1, an out-lap's S1 and an in-lap's S3 left
out) with its race-time span [sector entry, sector exit]; its ratio is the time over the car's median
in that sector. At a moment t, the passages *in progress* are those whose span holds t: the cars on
track, each in the sector it was in.
"""

from __future__ import annotations

import csv
import io
import statistics
from collections import defaultdict

import numpy as np
import pytest

from conftest import lap_file
from oracle import parse_time

pytestmark = pytest.mark.corpus


def _raw_passages(race: str) -> list[tuple[str, int, float, float, float]]:
    """(car, sector, entry, exit, ratio) of every usable raw passage."""
    raw = lap_file(race).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(raw), delimiter=";"))
    col = {h.strip(): i for i, h in enumerate(rows[0])}
    prev_in: dict[str, bool] = {}
    out = []
    for r in rows[1:]:
        if len(r) < 10:
            continue
        car = r[col["NUMBER"]].strip()
        in_lap = r[col["CROSSING_FINISH_LINE_IN_PIT"]].strip() == "B"
        out_lap, prev_in[car] = prev_in.get(car, False), in_lap
        secs = [r[col[f"S{k}"]].strip() for k in (1, 2, 3)]
        if r[col["LAP_NUMBER"]].strip() == "1" or not r[col["LAP_TIME"]].strip() or not all(secs):
            continue
        t = parse_time(r[col["ELAPSED"]]) - parse_time(r[col["LAP_TIME"]])
        for k, s in enumerate(map(parse_time, secs), 1):
            if not ((k == 1 and out_lap) or (k == 3 and in_lap)):
                out.append((car, k, t, t + s, s))
            t += s
    usual = defaultdict(list)
    for car, k, _, _, s in out:
        usual[car, k].append(s)
    med = {key: statistics.median(v) for key, v in usual.items()}
    return [(car, k, a, b, s / med[car, k]) for car, k, a, b, s in out]


def _slowed_share(passages, t: float, sector: int, ratio: float = 1.5) -> tuple[float, int]:
    """(share of the passages in progress at t in that sector at least ``ratio`` x usual, how many)."""
    v = [r for _, k, a, b, r in passages if k == sector and a <= t <= b and r < 4]
    return (sum(x >= ratio for x in v) / len(v) if v else float("nan")), len(v)


def test_lemans_2019_first_hour_slowdown_is_a_full_course_neutralisation(load_corpus_race):
    """Le Mans 2019 ~0:55-0:58: the 2019 file has no flag column; every class's lap was ~1.33-1.4x
    usual, one lap per car. The raw sectors say what it was: at 0:56:20 every car on track was ~2x
    slow in whichever sector it was in (S1, S2 or S3), ten minutes before none was. Not rain (one lap
    per car, then back to normal), not a slow zone (all sectors at once): a short full-course yellow."""
    raw = _raw_passages("lemans-2019")
    t = 56 * 60 + 20
    for k in (1, 2, 3):
        share, n = _slowed_share(raw, t, k)
        assert n >= 10 and share >= 0.8, (k, share, n)
        assert _slowed_share(raw, t - 600, k)[0] <= 0.15
        assert _slowed_share(raw, t + 600, k)[0] <= 0.15
    race = load_corpus_race("lemans-2019")
    fl = race.flags
    hit = fl[(fl["start"] <= t + 120) & (fl["end"] >= t - 60)]
    assert hit["kind"].tolist() == ["FCY"] and hit["inferred"].all()
    a = race.annotated.set_index(["car", "lap"])
    # laps that crossed the line in it were incidents before (raw: #17 lap 16 S3 1:57.336 against ~1:34,
    # #66 lap 14 S3 2:19.403 against ~1:48): they ran into the neutralisation, they lost nothing to their class
    for car, lap in (("17", 16), ("50", 15), ("66", 14), ("81", 14), ("60", 14)):
        assert a.loc[(car, lap), "neutralised"] and not a.loc[(car, lap), "incident"], (car, lap)
    # and the slow-zone detector does not take it for a local zone
    z = race.slow_zones
    assert z[(z["start"] <= t + 60) & (z["end"] >= t - 60)].empty


@pytest.mark.parametrize("race", ["lemans-2019", "lemans-2021"])
def test_every_full_course_phase_from_sectors_is_seen_in_the_raw_passages(race, load_corpus_race):
    """The FCYs added by the sector rule on the unflagged Le Mans files (2019: 0:55, 1:42, 2:44, 7:13,
    18:57; 2021: 5:57, 19:29, 22:58): at their middle, at least 60 % of the cars in progress in every
    sector are 1.5x slow; ten minutes before, at most 15 %."""
    from stintlab.analysis.flags import neutralisations

    r = load_corpus_race(race)
    lap_inferred = neutralisations(r.laps)  # the lap-time inference alone
    added = [
        (a, b)
        for a, b in zip(r.flags["start"], r.flags["end"])
        if not ((lap_inferred["start"] <= b) & (lap_inferred["end"] >= a)).any()
    ]
    assert len(added) >= 3
    raw = _raw_passages(race)
    for a, b in added:
        mid = (a + b) / 2
        for k in (1, 2, 3):
            share, n = _slowed_share(raw, mid, k)
            assert n >= 5 and share >= 0.6, (race, a, b, k, share, n)
            assert _slowed_share(raw, mid - 600, k)[0] <= 0.15, (race, a, k)


@pytest.mark.parametrize("race", ["lemans-2023", "lemans-2024", "lemans-2025", "lemans-2026", "wec-2025-spa6h"])
def test_on_flagged_files_the_sector_rule_finds_only_observed_neutralisations(race, load_corpus_race):
    """Run on files WITH FLAG_AT_FL as if they had none: every whole-course span the sector rule finds
    lies on an observed SC/FCY (within a minute), and it finds some the lap-time inference misses
    (on the 30 flagged Al Kamel files: 26 of 26 spans on observed phases at the 1.5 ratio)."""
    from stintlab.analysis.flags import neutral_state, neutralisations
    from stintlab.analysis.slowzones import full_course_spans, sector_passages

    laps = load_corpus_race(race).laps
    _, neutral = neutral_state(laps, infer=True)
    spans = full_course_spans(sector_passages(laps, neutral))
    obs = neutralisations(laps)
    end = obs["green_at"].fillna(obs["end"]).to_numpy()
    for a, b in spans:
        assert ((obs["start"].to_numpy() <= b + 60) & (end >= a - 60)).any(), (race, a, b)
    inferred = neutralisations(laps, infer=True)
    missed = [
        (s, e) for s, e in zip(obs["start"], end) if not ((inferred["start"] <= e + 60) & (inferred["end"] >= s - 60)).any()
    ]
    found = [m for m in missed if any(a <= m[1] + 60 and b >= m[0] - 60 for a, b in spans)]
    assert len(found) >= 1 and len(spans) >= 1
    assert np.all([b > a for a, b in spans])
