"""Simulator, Al Kamel writer, demo race and calibration (issue 6)."""

from __future__ import annotations

import functools
import json
import tomllib

import numpy as np
import pandas as pd
import pytest

import stintlab
from conftest import lap_file
from stintlab.cli import main
from stintlab.errors import StintlabUsageError
from stintlab.schema import validate_laps
from stintlab.sim.frames import lap_table
from stintlab.sim.model import PARAMS_PATH, Driver, Entry, demo_entries, load_params
from stintlab.sim.simulate import simulate
from stintlab.sim.writer import write_analysis_csv


@functools.cache
def _demo_race():
    from stintlab.sim.demo import demo_path

    return stintlab.load(demo_path())


@functools.cache
def _small_sim(seed: int = 5) -> pd.DataFrame:
    return simulate(demo_entries(seed=seed)[::6], hours=3.0, seed=seed)


# ---------------------------------------------------------------------------------------------
# writer


def test_writer_layout_by_hand(tmp_path):
    """A hand-built table: each field is written in the Al Kamel way."""
    laps = lap_table(
        [
            {
                "car": "007",
                "lap": 1,
                "lap_time": 219.529,
                "driver": "Ann LEE",
                "class": "LMP2",
                "s1": 34.7,
                "s2": 84.9,
                "s3": 99.929,
            },
            {
                "car": "007",
                "lap": 2,
                "lap_time": 226.324,
                "in_lap": True,
                "flag": "SF",
                "s1": 34.905,
                "s2": 84.76,
                "s3": 106.659,
            },
            {
                "car": "007",
                "lap": 3,
                "lap_time": 3953.307,
                "pit_time": 3720.5,
                "flag": "FF",
                "s1": 3751.808,
                "s2": 85.765,
                "s3": 115.734,
            },
        ]
    )
    laps["time_of_day"] = 16 * 3600.0 + 8 * 3600.0 + laps["elapsed"]  # crosses midnight on lap 3
    path = write_analysis_csv(laps, tmp_path / "x.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfNUMBER; DRIVER_NUMBER; LAP_NUMBER;")
    lines = raw.decode("utf-8-sig").split("\r\n")
    assert lines[0].endswith(
        "; HOUR;S1_LARGE;S2_LARGE;S3_LARGE;TOP_SPEED;DRIVER_NAME;PIT_TIME;CLASS;GROUP;TEAM;MANUFACTURER;FLAG_AT_FL;S1_SECONDS;S2_SECONDS;S3_SECONDS;"
    )
    assert lines[0].count(";") == 29 and lines[-1] == ""
    r1, r2, r3 = (ln.split(";") for ln in lines[1:4])
    assert r1[:4] == ["007", "1", "1", "3:39.529"] and r1[5] == "" and r1[-1] == ""
    assert r1[15] == "0:34.700" and r1[26] == "34.700"  # S1_LARGE always m:ss.fff; S1_SECONDS decimal
    assert r2[5] == "B" and r2[25] == "SF" and r2[20] == ""  # in-lap: B, no PIT_TIME
    assert r3[3] == "1:05:53.307" and r3[20] == "1:02:00.500" and r3[25] == "FF"  # PIT_TIME on the out-lap
    assert r3[14].startswith("01:")  # HOUR wrapped past midnight
    back = stintlab.load(path).laps
    assert back["car"].tolist() == ["007"] * 3
    assert back["out_lap"].tolist() == [False, False, True]
    assert back["pit_time"].iloc[2] == 3720.5
    assert back["elapsed"].iloc[2] == pytest.approx(219.529 + 226.324 + 3953.307)


def test_writer_round_trip_of_a_simulated_race(tmp_path):
    """Every canonical column survives write + read exactly (line numbers aside)."""
    laps = _small_sim()
    validate_laps(laps)
    back = stintlab.load(write_analysis_csv(laps, tmp_path / "sim.csv")).laps
    assert back.shape == laps.shape
    # load lists the cars in natural order: compare row by row in one (car, lap) order
    back = back.sort_values(["car", "lap"], kind="stable")
    laps = laps.sort_values(["car", "lap"], kind="stable")
    for c in laps.columns:
        if c != "line":
            pd.testing.assert_series_equal(
                back[c].reset_index(drop=True), laps[c].reset_index(drop=True), check_names=False
            )


# ---------------------------------------------------------------------------------------------
# simulator


def test_simulation_is_deterministic_and_seeded():
    a = _small_sim(5)
    b = simulate(demo_entries(seed=5)[::6], hours=3.0, seed=5)
    pd.testing.assert_frame_equal(a, b)
    c = simulate(demo_entries(seed=5)[::6], hours=3.0, seed=6)
    assert not np.array_equal(a["lap_time"].to_numpy()[:50], c["lap_time"].to_numpy()[:50])


def test_lap_arithmetic_is_exact():
    laps = _small_sim()
    el = laps["elapsed"].to_numpy()
    same = laps["car"].to_numpy()[1:] == laps["car"].to_numpy()[:-1]
    assert np.allclose(np.diff(el)[same], laps["lap_time"].to_numpy()[1:][same], atol=5e-4)
    s = laps[["s1", "s2", "s3"]].sum(axis=1).to_numpy()
    assert np.allclose(s, laps["lap_time"].to_numpy(), atol=1.5e-3)
    # every out-lap carries the pit time, and only out-laps do
    assert laps.loc[laps["out_lap"], "pit_time"].notna().all()
    assert laps.loc[~laps["out_lap"], "pit_time"].isna().all()


def test_demo_race_looks_like_le_mans():
    race = _demo_race()
    laps = race.laps
    assert race.meta["variant"] == "analysis-29" and race.meta["has_flags"]
    assert laps["car"].nunique() == 60
    assert laps.drop_duplicates("car")["class"].value_counts().to_dict() == {
        "LMP2": 20,
        "LMGTE Am": 18,
        "HYPERCAR": 14,
        "LMGTE Pro": 8,
    }
    assert race.cars["drivers"].between(1, 3).all()
    assert 24.0 <= race.duration / 3600 <= 24.15
    assert race.meta["start_time_of_day"] == 16 * 3600.0
    flags = set(laps["flag"].dropna())
    assert {"GF", "SF", "FCY", "FF"} <= flags
    # realistic stops: ~25-35 per finishing car, normal ones 60-150 s, some garage visits
    cls = race.classification
    finishers = cls[cls["status"] == "Running"]
    assert 0.6 <= len(finishers) / 60 <= 0.85
    stops_per_car = laps[laps["in_lap"]].groupby("car").size()
    assert 20 <= stops_per_car[finishers["car"]].median() <= 36
    pit = laps["pit_time"].dropna()
    assert 60 <= pit.median() <= 100 and (pit >= 900).sum() >= 3
    winner = cls.iloc[0]
    assert winner["class"] == "HYPERCAR" and 340 <= winner["laps"] <= 390


def test_entry_list_beside_the_demo_race():
    from stintlab.analysis.categories import read_entry_list
    from stintlab.sim.demo import demo_path

    e = read_entry_list(demo_path().parent / "entry_list.csv")
    entries = demo_entries(seed=2024)
    assert len(e) == sum(len(x.crew) for x in entries)
    am = e[e["car"].isin([x.car for x in entries if x.cls == "LMGTE Am"])]
    # every LMGTE Am crew has a Bronze; no Bronze in Hypercar
    assert am.groupby("car")["category"].apply(lambda s: (s == "Bronze").any()).all()
    hy = e[e["car"].isin([x.car for x in entries if x.cls == "HYPERCAR"])]
    assert not (hy["category"] == "Bronze").any()


@pytest.mark.parametrize(
    "cmd", [["info"], ["standings"], ["stints", "--car", "{car}"], ["stops"], ["flags"], ["classification"]]
)
def test_demo_race_runs_through_every_command(cmd, capsys):
    from stintlab.sim.demo import demo_path

    car = str(_demo_race().classification["car"].iat[0])
    argv = [cmd[0], str(demo_path()), *[a.format(car=car) for a in cmd[1:]], "--json"]
    assert main(argv) == 0
    data = json.loads(capsys.readouterr().out)
    assert data


def test_demo_race_report(tmp_path, capsys):
    from stintlab.sim.demo import demo_path

    out = tmp_path / "demo.html"
    assert main(["report", str(demo_path()), "-o", str(out)]) == 0
    assert out.stat().st_size > 100_000 and b"stintlab-demo-24h" in out.read_bytes()


def test_simulate_usage_errors():
    e = Entry(car="1", cls="FORMULA E", team="T", manufacturer="M", crew=[Driver("A B", "Gold", 1)])
    with pytest.raises(StintlabUsageError, match="FORMULA E"):
        simulate([e], hours=1)
    with pytest.raises(StintlabUsageError, match="hours"):
        simulate(demo_entries()[:1], hours=0)
    assert main(["simulate", "--hours", "-3"]) == 2
    assert main(["simulate", "--params", str(PARAMS_PATH)]) == 2  # would overwrite the cached demo race


def test_bad_parameter_file_is_a_usage_error(tmp_path):
    bad = tmp_path / "p.toml"
    bad.write_text("[race\n", encoding="utf-8")
    with pytest.raises(StintlabUsageError, match="not a valid parameter file"):
        load_params(bad)
    bad.write_text("[race]\nx = 1\n", encoding="utf-8")
    assert main(["simulate", "--params", str(bad), "-o", str(tmp_path / "r.csv")]) == 2


def test_simulate_command_writes_file_and_entry_list(tmp_path, capsys):
    out = tmp_path / "r" / "race.csv"
    assert main(["simulate", "--seed", "7", "--hours", "2", "-o", str(out), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["path"] == str(out) and data["cars"] == 60 and data["hours"] == 2
    assert (out.parent / "entry_list.csv").is_file()
    cls = stintlab.load(out).classification
    assert 7200 <= cls["total_time"].iat[0] <= 7200 + 600  # the flag: the leader's first crossing after 2 h


# ---------------------------------------------------------------------------------------------
# calibration


def test_calibration_report_within_tolerances():
    """docs/sim.md: every simulated figure of the demo race is within its stated tolerance of the corpus."""
    from stintlab.sim.report import calibration_report

    rows = calibration_report()
    bad = [r for r in rows if not r["ok"]]
    assert not bad, bad
    figures = {r["figure"] for r in rows}
    assert {
        "median_lap",
        "stint_laps",
        "pit_time",
        "lap_iqr",
        "sc_share",
        "retired_share",
        "category_offset",
    } <= figures
    assert len(rows) >= 30


def test_calibration_report_catches_a_bad_parameter():
    """The report is not vacuous: a race simulated with pit times 30 % too long, compared with the real
    (checked-in, corpus-measured) figures, has every class's pit_time row flagged, and nothing else."""
    from stintlab.sim.report import calibration_report

    p = load_params()
    bad = json.loads(json.dumps(p))
    for c in bad["classes"].values():
        c["pit_time"] *= 1.3
    rows = calibration_report(bad, extra_seeds=0, reference=load_params())
    pit = [r for r in rows if r["figure"] == "pit_time"]
    assert len(pit) == 4  # the demo entry list's four classes
    for r in pit:
        assert r["real"] == p["classes"][r["class"]]["pit_time"]  # the real figure, not the bad parameter
        assert not r["ok"] and r["simulated"] > 1.15 * r["real"], r


@pytest.mark.corpus
def test_checked_in_params_come_from_the_corpus(corpus):
    """params.toml is what `stintlab calibrate` computes on the corpus (not hand-picked)."""
    from stintlab.sim.calibrate import PARAMS_PATH, calibrate, to_toml

    fresh = tomllib.loads(to_toml(calibrate(corpus)))
    saved = tomllib.loads(PARAMS_PATH.read_text(encoding="utf-8"))
    for section in ("race", "flags", "ranges", "classes", "categories"):
        assert fresh[section] == saved[section], section


@pytest.mark.corpus
def test_race_stats_on_real_races_match_the_domain_reference(load_corpus_race):
    """domain.md §1.2/§4, checked on the raw rows: LM2024 2481 of 15593 laps under SF (15.9 %);
    LM2019 median pit time LMGTE Am 82 s, LMGTE Pro 71 s; stints of 14 laps in GTE, 10 in LMP1."""
    from stintlab.sim.stats import race_stats

    s24 = race_stats(load_corpus_race("lemans-2024").laps)
    assert s24["sc_share"] == pytest.approx(2481 / 15593)
    s19 = race_stats(load_corpus_race("lemans-2019").laps)
    assert "sc_share" not in s19  # no flag column in 2019
    c = s19["classes"]
    assert c["LMGTE Am"]["pit_time"] == pytest.approx(82.2, abs=0.5)
    assert c["LMGTE Pro"]["pit_time"] == pytest.approx(70.7, abs=0.5)
    assert c["LMGTE Am"]["stint_laps"] == 14 and c["LMP1"]["stint_laps"] == 10
    assert lap_file("lemans-2019").name == "23_Analysis_Race_Hour 24.csv"


def test_docs_state_the_tested_tolerances():
    from pathlib import Path

    from stintlab.sim.report import TOLERANCES

    doc = (Path(__file__).resolve().parents[1] / "docs" / "sim.md").read_text(encoding="utf-8")
    for figure in list(TOLERANCES) + ["sc_share", "fcy_share", "retired_share"]:
        assert f"| {figure} |" in doc, figure
    for text in ("median lap ±1.5 %", "pit time\n±8 %", "lap IQR ±35 %", "stint ±1 lap", "category offset ±0.006"):
        assert text in doc, text


def test_calibrate_command_needs_a_corpus(tmp_path):
    assert main(["calibrate", str(tmp_path), "-o", str(tmp_path / "p.toml")]) == 2
    assert not (tmp_path / "p.toml").exists()
