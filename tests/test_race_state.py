"""The Race owns its derived state (computed once, shared, thread-safe) and analysis/order.py owns race
order and race state, checked against a raw-row oracle on every corpus lap file."""

from __future__ import annotations

import csv
import threading
import time

import pandas as pd
import pytest

import stintlab
import stintlab.race as race_module
from conftest import CORPUS, lap_file, lap_races, race_row
from oracle import parse_time
from stintlab.analysis import order
from stintlab.sim.frames import lap_table


def _toy_race():
    """Two cars of one class, four laps each, one stop for car 2, the chequered flag on the last laps."""
    rows = []
    for car, base in (("1", 100.0), ("2", 101.0)):
        for lap in range(1, 5):
            rows.append({"car": car, "lap": lap, "lap_time": base + (60.0 if car == "2" and lap == 3 else 0.0),
                         "in_lap": car == "2" and lap == 2, "pit_time": 50.0 if car == "2" and lap == 3 else None,
                         "flag": "FF" if lap == 4 else "GF"})  # fmt: skip
    laps = lap_table(rows)
    drivers = laps[["car", "driver"]].drop_duplicates().assign(category=None)
    return race_module.Race(laps=laps, classification=pd.DataFrame(), cars=pd.DataFrame(), drivers=drivers)


def test_tables_are_kept_and_shared():
    race = _toy_race()
    assert race.stops is race.stops
    assert race.stints is race.stints
    assert race.flags is race.flags
    assert race.annotated is race.annotated
    assert race.standings(hour=1) is race.standings(hour=1)
    assert race.events("2") is race.events("2")
    assert list(race.stops["car"]) == ["2"] and int(race.stops["lap_in"].iat[0]) == 2
    # car 1: 4 laps at 400 s; car 2: 4 laps at 464 s
    assert race.final_order["car"].tolist() == ["1", "2"]
    assert race.state == "finished" and race.finished


@pytest.mark.parametrize(
    ("attr", "kernel"),
    [("annotated", "annotate_with_zones"), ("stops", "stop_table"), ("stints", "stint_table"), ("flags", "neutralisations"),
     ("derived_classification", "derive_classification"), ("incidents", "annotated_incidents")],
)  # fmt: skip
def test_each_table_is_computed_once(monkeypatch, attr, kernel):
    calls = []
    real = getattr(race_module, kernel)

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(race_module, kernel, counting)
    race = _toy_race()
    first = getattr(race, attr)
    for _ in range(3):
        assert getattr(race, attr) is first
    assert len(calls) == 1
    assert getattr(_toy_race(), attr) is not first  # per race, not global
    assert len(calls) == 2


def test_rankings_memoised_per_argument():
    race = _toy_race()
    a = race.driver_rankings("best_lap", n_boot=10)
    assert race.driver_rankings("best_lap", n_boot=10) is a
    b = race.driver_rankings("median_clean", n_boot=10)
    assert b is not a and b["metric"].iat[0] == "median_clean" and a["metric"].iat[0] == "best_lap"


def test_two_threads_compute_stints_once(monkeypatch):
    calls = []
    real = race_module.stint_table

    def slow(*args, **kwargs):
        calls.append(threading.get_ident())
        time.sleep(0.3)  # the second thread arrives while the first one computes
        return real(*args, **kwargs)

    monkeypatch.setattr(race_module, "stint_table", slow)
    race = _toy_race()
    start = threading.Barrier(2)
    got = []

    def ask():
        start.wait()
        got.append(race.stints)

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1
    assert len(got) == 2 and got[0] is got[1]


# ---------------------------------------------------------------- raw-row oracle (csv module only)


def _raw_last_crossings(name: str) -> tuple[list[str], dict]:
    """(cars in file order of first appearance, car -> {'laps', 'elapsed', 'flag'} of its last lap)."""
    row = race_row(name)
    sep = row["separator"]
    with open(lap_file(name), encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh, delimiter=sep)
        header = [h.strip() for h in next(reader)]
        col = {h: i for i, h in enumerate(header) if h}
        first_seen: list[str] = []
        last: dict[str, dict] = {}
        for rec in reader:
            if not rec or len(rec) <= col["ELAPSED"]:
                continue
            car = rec[col["NUMBER"]].strip()
            lap = int(rec[col["LAP_NUMBER"]])
            if car not in last:
                first_seen.append(car)
            el_text = rec[col["ELAPSED"]].strip()
            prev = last.get(car)
            # an empty ELAPSED: the previous crossing plus this lap time (consecutive ELAPSED differ by LAP_TIME)
            if el_text:
                el = parse_time(el_text)
            else:
                el = (prev["elapsed"] if prev else 0.0) + parse_time(rec[col["LAP_TIME"]])
            flag = rec[col["FLAG_AT_FL"]].strip() if "FLAG_AT_FL" in col else None
            if prev is None or lap > prev["laps"]:
                last[car] = {"laps": lap, "elapsed": el, "flag": flag}
    return first_seen, last


@pytest.mark.corpus
@pytest.mark.parametrize("name", lap_races())
def test_order_agrees_with_raw_rows(name):
    cars, last = _raw_last_crossings(name)
    expected = sorted(cars, key=lambda c: (-last[c]["laps"], round(last[c]["elapsed"], 3), cars.index(c)))
    race = stintlab.load(CORPUS / race_row(name)["race"] / race_row(name)["laps_file"])
    got = order.final_order(race.laps)
    assert got["car"].astype(str).tolist() == expected
    assert got["lap"].tolist() == [last[c]["laps"] for c in expected]
    assert race.final_order["car"].astype(str).tolist() == expected
    leader = last[expected[0]]
    assert order.finish_time(race.laps) == pytest.approx(leader["elapsed"], abs=1e-3)

    flags = {c: last[c]["flag"] for c in cars}
    flagged = any(f for f in flags.values())
    ever_ff = _any_ff(name)
    if flagged and ever_ff:
        state, finishers = "finished", {c for c in cars if flags[c] == "FF"}
    elif flagged and flags[expected[0]] == "RF":
        state, finishers = "red_flag_finish", {c for c in cars if flags[c] == "RF"}
    elif flagged:
        state, finishers = "snapshot", set()
    else:  # no flag column: the corpus lap files are final files; the flag falls at the leader's last crossing
        state = "finished"
        finishers = {c for c in cars if last[c]["elapsed"] >= leader["elapsed"] - 1e-3}
    assert race.state == state
    if state != "snapshot":  # a file taken during the race has no finisher to compare with
        took = race.took_the_flag
        assert {str(c) for c in took.index[took.to_numpy(dtype=bool)]} == finishers
        derived = race.derived_classification
        # a car that took the flag is Running, or Not classified when short of the distance (test_classified.py)
        ran = derived["status"].isin(["Running", "Not classified"])
        assert set(derived.loc[ran, "car"].astype(str)) == finishers


def _any_ff(name: str) -> bool:
    sep = race_row(name)["separator"]
    with open(lap_file(name), encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh, delimiter=sep)
        header = [h.strip() for h in next(reader)]
        if "FLAG_AT_FL" not in header:
            return False
        i = header.index("FLAG_AT_FL")
        return any(len(rec) > i and rec[i].strip() == "FF" for rec in reader)


@pytest.mark.corpus
def test_race_incidents_are_read_from_the_annotated_table_not_recomputed(load_corpus_race, monkeypatch):
    from stintlab.analysis import incidents as inc_mod

    race = stintlab.load(lap_file("lemans-2023"))
    direct = inc_mod.incident_table(race.laps, race.annotated["neutralised"].to_numpy(dtype=bool))
    calls = []
    monkeypatch.setattr(inc_mod, "incident_figures", lambda *a, **k: calls.append(1))
    pd.testing.assert_frame_equal(race.incidents.reset_index(drop=True), direct.reset_index(drop=True))
    assert calls == [] and len(direct) > 0
