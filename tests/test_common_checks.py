"""The common-checks battery: every public analysis function that takes a lap table, run on the same
awkward inputs. Each case checks that the function answers (or refuses with a StintlabUsageError, never
another exception), that it does not modify its input (compared with a deep copy), and that a table it
returns matches its schema (stintlab.schema.tables). Cases:

- ``empty``: the canonical empty lap table;
- ``one_car``: one car of a real race (WEC Imola 2025, #51, the winner);
- ``one_car_class``: four Hypercars and a single LMGT3 car of that race (a class without rivals);
- ``snapshot``: eight cars of Le Mans 2024 cut at 6:00:00, as an hourly `_Hour 6` file would be;
- ``no_flag_column``: the Imola cars without the ``flag`` column at all;
- ``car_007_and_7``: two real cars renumbered ``007`` and ``7`` (two different cars).

Behaviour checks per case follow the battery (expected facts from the raw rows: tests/oracle.py).
"""

from __future__ import annotations

import importlib

import numpy as np
import pandas as pd
import pytest

from conftest import lap_file
from oracle import read_race
from stintlab.analysis import classification as cl
from stintlab.analysis import (
    flags,
    incidents,
    order,
    pace,
    rankings,
    rules,
    slowzones,
    standings,
    timeline,
)
from stintlab.errors import StintlabUsageError
from stintlab.schema import check_table, empty_laps

# the modules, not the functions of the same name that stintlab.analysis exports
an = importlib.import_module("stintlab.analysis.annotate")
stints = importlib.import_module("stintlab.analysis.stints")
stops = importlib.import_module("stintlab.analysis.stops")

pytestmark = pytest.mark.corpus

IMOLA = "wec-2025-imola6h"
HYPERCARS = ["51", "50", "6", "8"]  # raw: 212, 211, 212 and 212 laps
GT3 = "92"  # raw: LMGT3, 193 laps
LM24_CARS = ["50", "6", "3", "70", "77", "92", "34", "2"]
CUT = 6 * 3600.0


def _clean(laps):
    return pace.clean_laps(an.annotate(laps))


def _first_car(laps):
    return str(laps["car"].iloc[0]) if len(laps) else "1"


# name -> (call, schema of the returned table or None)
FUNCTIONS = {
    "annotate": (an.annotate, "annotated_laps"),
    "stint_numbers": (an.stint_numbers, None),
    "race_finished": (cl.race_finished, None),
    "red_flag_finish": (cl.red_flag_finish, None),
    "took_the_flag": (cl.took_the_flag, None),
    "derive_classification": (cl.derive_classification, "classification"),
    "has_flags": (flags.has_flags, None),
    "neutral_crossings": (flags.neutral_crossings, None),
    "neutralised_mask": (flags.neutralised_mask, None),
    "neutralisations": (flags.neutralisations, "phases"),
    "racing_mask": (lambda laps: incidents.racing_mask(laps, flags.neutralised_mask(laps)), None),
    "incident_mask": (lambda laps: incidents.incident_mask(laps, flags.neutralised_mask(laps)), None),
    "incident_table": (lambda laps: incidents.incident_table(laps, flags.neutralised_mask(laps)), "incidents"),
    "sector_losses": (incidents.sector_losses, None),
    "slow_zones": (slowzones.slow_zones, "slow_zones"),
    "slow_zone_mask": (slowzones.slow_zone_mask, None),
    "sector_passages": (slowzones.sector_passages, None),
    "clean_laps": (lambda laps: pace.clean_laps(an.annotate(laps)), "clean_laps"),
    "driver_metrics": (lambda laps: pace.driver_metrics(laps, _clean(laps)), "driver_metrics"),
    "car_metrics": (lambda laps: pace.car_metrics(laps, _clean(laps)), "car_metrics"),
    "driver_rankings": (lambda laps: rankings.driver_rankings(laps, _clean(laps), n_boot=10), "driver_rankings"),
    "crew_rankings": (lambda laps: rankings.crew_rankings(laps, _clean(laps), n_boot=10), "crew_rankings"),
    "check_rules": (lambda laps: rules.check_rules(laps, "wec-6h-2021"), None),
    "standings_at": (lambda laps: standings.standings_at(laps, 3600.0), "standings"),
    "standings_after_hour": (lambda laps: standings.standings_after_hour(laps, 1), "standings"),
    "final_standings": (standings.final_standings, "standings"),
    "race_hours": (standings.race_hours, None),
    "position_history": (standings.position_history, "position_history"),
    "hourly_positions": (standings.hourly_positions, "hourly_positions"),
    "snapshot_file": (order.snapshot_file, None),
    "finish_time": (order.finish_time, None),
    "race_state": (order.race_state, None),
    "stints": (stints.stints, "stints"),
    "driver_spells": (stints.driver_spells, "driver_spells"),
    "driving_intervals": (stints.driving_intervals, None),
    "drive_time": (stints.drive_time, "drive_time"),
    "stops": (lambda laps: stops.stops(an.annotate(laps)), "stops"),
    "check_car": (lambda laps: timeline.check_car(laps, _first_car(laps)), None),
    "car_events": (lambda laps: timeline.car_events(an.annotate(laps), _first_car(laps)), "events"),
    "time_loss_account": (lambda laps: timeline.time_loss_account(an.annotate(laps)), "time_losses"),
}

# (function, case) pairs that may refuse with a StintlabUsageError (a question with no answer)
REFUSALS = {
    ("standings_after_hour", "empty"),  # an empty file has no race hour
    ("check_car", "empty"),  # no car to find
    ("car_events", "empty"),
}

# (function, case) -> reason: known failures whose fix belongs to a bigger refactor (strict: they must fail)
XFAIL: dict[tuple[str, str], str] = {}


def _cars(laps, cars):
    return laps[laps["car"].isin(cars)].reset_index(drop=True)


def _case(load_corpus_race, case: str) -> pd.DataFrame:
    if case == "empty":
        return empty_laps()
    if case == "snapshot":
        lm = load_corpus_race("lemans-2024").laps
        cut = _cars(lm, LM24_CARS)
        return cut[cut["elapsed"] <= CUT].reset_index(drop=True)
    laps = load_corpus_race(IMOLA).laps
    if case == "one_car":
        return _cars(laps, ["51"])
    if case == "one_car_class":
        return _cars(laps, HYPERCARS + [GT3])
    if case == "no_flag_column":
        return _cars(laps, HYPERCARS + [GT3, "10", "33"]).drop(columns=["flag"])
    if case == "car_007_and_7":
        two = _cars(laps, ["51", "50"])
        return two.assign(car=pd.array(np.where(two["car"] == "51", "007", "7"), dtype="string"))
    raise KeyError(case)


CASES = ["empty", "one_car", "one_car_class", "snapshot", "no_flag_column", "car_007_and_7"]


def _params():
    out = []
    for f in FUNCTIONS:
        for c in CASES:
            marks = [pytest.mark.xfail(strict=True, reason=XFAIL[(f, c)])] if (f, c) in XFAIL else []
            out.append(pytest.param(f, c, marks=marks, id=f"{f}-{c}"))
    return out


@pytest.mark.parametrize("func,case", _params())
def test_common_checks(load_corpus_race, func, case):
    laps = _case(load_corpus_race, case)
    before = laps.copy(deep=True)
    call, schema = FUNCTIONS[func]
    try:
        out = call(laps)
    except StintlabUsageError:
        assert (func, case) in REFUSALS, f"{func} refused the {case} table"
        pd.testing.assert_frame_equal(laps, before)
        return
    assert (func, case) not in REFUSALS, f"{func} answered on the {case} table"
    # the input is untouched: same columns, dtypes and values
    pd.testing.assert_frame_equal(laps, before)
    if schema is not None:
        if schema in ("annotated_laps", "clean_laps") and "flag" not in laps.columns:
            # lap-table columns pass through: without a flag column in, none comes out
            assert "flag" not in out.columns
            out = out.assign(flag=pd.array([pd.NA] * len(out), dtype="string"))
        assert check_table(out, schema) == [], (func, case)
        if case == "empty":
            assert len(out) == 0
        if "car" in out.columns and len(out):
            assert set(out["car"].astype(object)) <= set(laps["car"].astype(object)), (func, case)
    if isinstance(out, (np.ndarray, pd.Series)) and func not in ("took_the_flag",):
        assert len(out) == len(laps), (func, case)


# ------------------------------------------------------------------ what the cases must give
def test_one_car(load_corpus_race):
    laps = _case(load_corpus_race, "one_car")
    raw = read_race(lap_file(IMOLA)).laps["51"]
    c = cl.derive_classification(laps)
    assert c[["car", "position", "class_position", "laps", "status"]].values.tolist() == [["51", 1, 1, raw[-1].lap, "Running"]]
    assert stints.stints(laps)["laps"].sum() == len(raw)
    assert len(stops.stops(an.annotate(laps))) == sum(x.in_lap for x in raw)


def test_one_car_class(load_corpus_race):
    laps = _case(load_corpus_race, "one_car_class")
    c = cl.derive_classification(laps).set_index("car")
    assert int(c.loc[GT3, "class_position"]) == 1 and c.loc[GT3, "gap_class_leader"] == "-"
    m = pace.driver_metrics(laps, _clean(laps))
    assert m.loc[m["car"] == GT3, "index"].isna().all()  # no class field to compare with
    r = rankings.driver_rankings(laps, _clean(laps), n_boot=10)
    assert set(r.loc[r["car"] == GT3, "class_rank"].dropna()) <= {1}


def test_snapshot(load_corpus_race):
    laps = _case(load_corpus_race, "snapshot")
    assert not cl.race_finished(laps) and stints.snapshot_file(laps)
    c = cl.derive_classification(laps)
    assert set(c["status"]) <= set(cl.IN_PROGRESS_STATUSES)
    last = stints.stints(laps).groupby("car", sort=False).tail(1)
    assert set(last["ended_by"]) == {"file_end"}
    ev = timeline.car_events(an.annotate(laps), "50")
    assert ev["kind"].iloc[-1] == "file_end" and not ev["kind"].isin(["finish", "retired"]).any()
    # the standings of the cut file are the raw standings at the cut
    raw = read_race(lap_file("lemans-2024")).standings_at(CUT)
    raw = [r["car"] for r in raw if r["car"] in LM24_CARS]
    assert standings.final_standings(laps)["car"].tolist() == raw


def test_no_flag_column_infers(load_corpus_race):
    laps = _case(load_corpus_race, "no_flag_column")
    assert not flags.has_flags(laps)
    ph = flags.neutralisations(laps)
    assert ph["inferred"].all()
    assert cl.race_finished(laps)  # decided from the last crossings instead of FF
    assert set(cl.derive_classification(laps)["status"]) <= set(cl.DERIVED_STATUSES)


def test_007_and_7_stay_two_cars(load_corpus_race):
    laps = _case(load_corpus_race, "car_007_and_7")
    for table in (cl.derive_classification(laps), standings.final_standings(laps), stints.drive_time(laps),
                  pace.car_metrics(laps, _clean(laps)), timeline.time_loss_account(an.annotate(laps))):  # fmt: skip
        assert sorted(table["car"].astype(object).unique()) == ["007", "7"]
    assert timeline.check_car(laps, "007") == "007" and timeline.check_car(laps, "7") == "7"
    assert set(timeline.car_events(an.annotate(laps), "7")["car"]) == {"7"}
