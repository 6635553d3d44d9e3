"""Standings from the per-race snapshots (``race.snapshots``: each car's crossings read once, a binary
search per car and moment) against raw rows: every hour of a race with its gap texts, moments exactly
at and just before crossings, a lap table not in canonical order, and the lap chart."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from conftest import lap_file
from oracle import read_race
from stintlab.analysis.order import Crossings
from stintlab.analysis.standings import final_standings, hourly_positions, position_history, standings_at

pytestmark = pytest.mark.corpus


def _text(laps_behind: int, seconds: float) -> str:
    """A gap as the official classifications print it, written here from raw numbers: '+s.fff',
    '+m:ss.fff' or '+h:mm:ss.fff' on the same lap (a car hours in the garage), 'N Lap(s)' behind,
    '-' for none."""
    if laps_behind > 0:
        return f"{laps_behind} Lap" + ("s" if laps_behind > 1 else "")
    ms = round(seconds * 1000)
    if ms == 0:
        return "-"
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    if h:
        return f"+{h}:{m:02d}:{rest // 1000:02d}.{rest % 1000:03d}"
    return f"+{m}:{rest // 1000:02d}.{rest % 1000:03d}" if m else f"+{rest // 1000}.{rest % 1000:03d}"


def _with_gaps(rows: list[dict]) -> list[tuple]:
    """The oracle's standings rows with the class leader's and the car ahead's gap texts."""
    leader: dict[str, dict] = {}
    out = []
    for i, r in enumerate(rows):
        lead = leader.setdefault(r["class"], r)
        ahead = rows[i - 1] if i else r
        gaps = []
        for other in (lead, ahead):
            behind = other["laps"] - r["laps"]
            gaps.append(_text(behind, r["race_time"] - other["race_time"] if behind == 0 else math.nan))
        out.append((r["car"], r["laps"], r["position"], r["class_position"], round(r["race_time"], 3), *gaps))
    return out


def _got(df: pd.DataFrame) -> list[tuple]:
    return [(c, int(n), int(p), int(cp), round(float(t), 3), g, iv)
            for c, n, p, cp, t, g, iv in zip(df["car"], df["laps"], df["position"], df["class_position"],
                                              df["race_time"], df["gap_to_class_leader"], df["interval"])]  # fmt: skip


@pytest.mark.parametrize("name", ["lemans-2019", "lemans-2024"])
def test_every_hour_of_the_race_with_its_gaps_from_raw_rows(load_corpus_race, name):
    race = load_corpus_race(name)
    raw = read_race(lap_file(name))
    hours = raw.hours()
    assert hours == 25  # the 24 h and the laps finished after it
    for n in range(1, hours + 1):
        assert _got(race.standings(hour=n)) == _with_gaps(raw.standings_after_hour(n)), (name, n)
    assert _got(race.final_standings) == _with_gaps(raw.final_order())


def _last_rows_by_loop(laps: pd.DataFrame, t: float) -> list[tuple]:
    """Each car's last crossing at or before ``t``, from the lap table's values in plain Python."""
    last: dict[str, tuple] = {}
    for car, lap, el in zip(laps["car"], laps["lap"].tolist(), laps["elapsed"].tolist(), strict=True):
        if el <= t and (car not in last or el >= last[car][2]):
            last[car] = (car, lap, el)
    return sorted(last.values(), key=lambda r: (-r[1], r[2]))


def test_moments_at_and_a_hair_before_each_crossing(load_corpus_race):
    """Every car's last crossing at t: a crossing at exactly t counts, one a float step after t does
    not, for the last cars of the table (the largest search keys) and moments all through the race."""
    race = load_corpus_race("lemans-2019")
    laps = race.laps
    assert race.snapshots.crossings.sorted
    last_car = laps["car"].iat[-1]
    mine = laps[laps["car"] == last_car]["elapsed"].to_numpy()
    picks = np.r_[mine[:: max(1, len(mine) // 12)], laps["elapsed"].to_numpy()[::1500]]
    for e in picks.tolist():
        for t in (e, float(np.nextafter(e, 0.0)), float(np.nextafter(e, np.inf))):
            got = race.snapshots.at(t)
            want = _last_rows_by_loop(laps, t)
            assert list(zip(got["car"], got["laps"].tolist(), got["race_time"].tolist(), strict=True)) == want, t


def test_a_lap_table_in_race_time_order_gives_the_same_standings(load_corpus_race):
    """Rows of the cars mixed (sorted by race time, not by car): the snapshots fall back to the
    general path and the answers are the raw rows' all the same."""
    name = "wec-2024-fuji6h"
    laps = load_corpus_race(name).laps.sort_values("elapsed", kind="stable").reset_index(drop=True)
    assert not Crossings(laps).sorted
    raw = read_race(lap_file(name))
    for t in (3600.0, 3 * 3600.0 + 123.456, 6 * 3600.0):
        assert _got(standings_at(laps, t)) == _with_gaps(raw.standings_at(t)), t
    assert _got(final_standings(laps)) == _with_gaps(raw.final_order())
    hp = hourly_positions(laps)
    for n in range(1, raw.hours() + 1):
        got = hp[hp["hour"] == n]
        want = raw.standings_after_hour(n)
        assert got["car"].tolist() == [r["car"] for r in want], n
        assert got["class_position"].tolist() == [r["class_position"] for r in want], n


def test_position_history_is_the_raw_lap_chart(load_corpus_race):
    """At each crossing of lap k, position = 1 + the cars that completed lap k earlier (overall and in
    the class); gaps to the first car to complete lap k (overall and in the class)."""
    name = "lemans-2019"
    raw = read_race(lap_file(name))
    by_lap: dict[int, list] = {}
    for crossings in raw.laps.values():
        for c in crossings:
            by_lap.setdefault(c.lap, []).append(c)
    want = {}
    for crossings in by_lap.values():
        crossings.sort(key=lambda c: c.elapsed)
        times = [c.elapsed for c in crossings]
        assert len(set(times)) == len(times)  # no two cars complete one lap at the same ms here
        first_in_class: dict[str, float] = {}
        seen_in_class: dict[str, int] = {}
        for pos, c in enumerate(crossings, 1):
            first_in_class.setdefault(c.cls, c.elapsed)
            seen_in_class[c.cls] = seen_in_class.get(c.cls, 0) + 1
            want[(c.car, c.lap)] = (pos, seen_in_class[c.cls], round(c.elapsed - times[0], 3),
                                    round(c.elapsed - first_in_class[c.cls], 3))  # fmt: skip
    ph = position_history(load_corpus_race(name).laps)
    assert len(ph) == len(want) == raw.rows
    got = {(car, int(lap)): (int(p), int(cp), round(float(g), 3), round(float(cg), 3))
           for car, lap, p, cp, g, cg in zip(ph["car"], ph["lap"], ph["position"], ph["class_position"],
                                             ph["gap_to_leader"], ph["class_gap"])}  # fmt: skip
    assert got == want


def test_moments_before_any_crossing_among_others(load_corpus_race):
    """A moment before the first crossing has an empty table (every column present); made together
    with later moments, each of those is still the raw rows' standings."""
    name = "wec-2024-fuji6h"
    race = load_corpus_race(name)
    raw = read_race(lap_file(name))
    first = min(c.elapsed for cs in raw.laps.values() for c in cs)
    times = [first - 1.0, 3600.0, first - 0.5, 2 * 3600.0]
    rows, moment = race.snapshots.crossings.rows_at_times(times)
    tables = race.snapshots.tables(rows, moment, len(times))
    for t, table in zip(times, tables, strict=True):
        if t < first:
            assert len(table) == 0 and list(table.columns) == list(race.final_standings.columns)
        else:
            assert _got(table) == _with_gaps(raw.standings_at(t)), t
    assert len(standings_at(race.laps, first - 1.0)) == 0
