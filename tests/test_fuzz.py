"""The fuzz harness (issue 17): a light run in CI (a few hundred mutants of real corpus files, a
couple through every command) must find no bug; the harness itself must tell bugs from typed
errors (checked by planting one) and its sanity checks must fire on a broken table."""

from __future__ import annotations

import random
import time

import pandas as pd
import pytest

from conftest import CORPUS
from stintlab.fuzz import BUGS, OPERATORS, Seed, run, run_case, sanity_problems
from stintlab.fuzz import runner as fuzz_runner

SEED = Seed(
    source="x/laps.csv",
    kind="laps",
    bom=True,
    eol=b"\r\n",
    sep=b";",
    header=b"NUMBER; DRIVER_NUMBER; LAP_NUMBER; LAP_TIME; ELAPSED;CLASS;FLAG_AT_FL;",
    rows=(
        b"7;1;1;3:30.000;3:30.000;HYPERCAR;GF;",
        b"7;1;2;3:25.500;6:55.500;HYPERCAR;GF;",
        b"8;2;1;3:40.000;3:40.000;LMGT3;SF;",
        b"8;2;2;3:41.000;7:21.000;LMGT3;GF;",
    ),
)


def test_there_are_at_least_48_named_operators_and_they_are_deterministic():
    assert len(OPERATORS) >= 48
    changed = 0
    for name, op in OPERATORS.items():
        a, b = op(SEED, random.Random(5)), op(SEED, random.Random(5))
        assert isinstance(a, bytes) and a == b, name
        changed += a != SEED.join()
    assert changed >= len(OPERATORS) - 3  # a few may hit a no-op (e.g. an empty cell emptied)


def test_a_planted_traceback_is_counted_as_a_bug(tmp_path, monkeypatch):
    def broken(path, expect=None):
        raise ValueError("planted")

    monkeypatch.setattr(fuzz_runner, "read_file", broken)
    out = run_case(SEED.join(), SEED, "planted", tmp_path, deep=False, case_seconds=10)
    assert out.result == "untyped" and "planted" in out.detail


def test_a_located_error_is_typed_and_a_good_file_is_ok(tmp_path):
    ok = run_case(SEED.join(), SEED, "none", tmp_path, deep=False, case_seconds=10)
    assert (ok.result, ok.stage) == ("ok", "read")
    bad = OPERATORS["time_sixty"](SEED, random.Random(1))
    out = run_case(bad, SEED, "time_sixty", tmp_path, deep=False, case_seconds=10)
    assert out.result == "typed" and "line" in out.detail


def test_sanity_checks_fire_on_a_broken_table():
    class Parsed:
        format = "laps"
        table = pd.DataFrame(
            {
                "car": ["7", "7", "8", "7"],
                "lap": [1, 1, 1, 2],
                "elapsed": [210.0, 200.0, 220.0, 400.0],
                "lap_time": [210.0, -5.0, 220.0, 190.0],
                "lap_start": [0.0, 205.0, 0.0, 210.0],
                "pit_time": [float("nan")] * 4,
                "s1": [1.0] * 4,
                "s2": [1.0] * 4,
                "s3": [-1.0, 1.0, 1.0, 1.0],
                "line": [2, 3, 4, 9],
            }
        )

    problems = sanity_problems(Parsed(), nlines=5)
    joined = "; ".join(problems)
    for words in ("source line", "laps not increasing", "race time not increasing", "contiguous", "positive", "s3"):
        assert words in joined, (words, joined)


def test_light_fuzz_run_finds_no_bug(corpus):
    start = time.monotonic()
    report = run(310, seed=2026, corpus=CORPUS, deep_per_operator=1, deep_limit=2, case_seconds=60)
    assert report.cases == 310
    assert sum(report.commands.values()) >= 1  # at least one mutant went through every command
    assert report.n_bugs == 0, "\n".join(f"{b.result} {b.operator} {b.stage}: {b.detail}" for b in report.bugs[:10])
    totals = report.totals
    assert totals["typed"] > 50 and totals["ok"] > 50  # both kinds of outcome are exercised
    assert set(totals) <= {"ok", "typed", *BUGS}
    assert time.monotonic() - start < 300  # ~60 s on an idle machine


@pytest.mark.parametrize("name", ["absurd_time", "bom_inside", "stray_quote"])
def test_issue_17_reproducers_are_typed(tmp_path, name):
    rng = random.Random(3)
    data = OPERATORS[name](SEED, rng)
    out = run_case(data, SEED, name, tmp_path, deep=False, case_seconds=10)
    assert out.result in ("typed", "ok"), out.detail
