"""The fuzz harness (issue 17): a light run in CI (a few hundred mutants of real corpus files, a
couple through every command) must find no bug; the harness itself must tell bugs from typed
errors (checked by planting one) and its sanity checks must fire on a broken table."""

from __future__ import annotations

import random
import time
from collections import Counter

import pandas as pd
import pytest

from conftest import CORPUS
from stintlab.fuzz import BUGS, OPERATORS, Seed, run, run_case, sanity_problems
from stintlab.fuzz import commands as fuzz_commands
from stintlab.fuzz import runner as fuzz_runner
from stintlab.fuzz.commands import COMMANDS, command_name
from stintlab.fuzz.guards import _rss_mb as _rss

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
    report = run(310, seed=2026, corpus=CORPUS, deep_per_operator=1, deep_limit=2, case_seconds=60)
    assert report.cases == 310
    assert sum(report.commands.values()) >= 1  # at least one mutant went through every command
    assert report.n_bugs == 0, "\n".join(f"{b.result} {b.operator} {b.stage}: {b.detail}" for b in report.bugs[:10])
    totals = report.totals
    assert totals["typed"] > 50 and totals["ok"] > 50  # both kinds of outcome are exercised
    assert set(totals) <= {"ok", "typed", *BUGS}


@pytest.mark.parametrize("name", ["absurd_time", "bom_inside", "stray_quote"])
def test_issue_17_reproducers_are_typed(tmp_path, name):
    rng = random.Random(3)
    data = OPERATORS[name](SEED, rng)
    out = run_case(data, SEED, name, tmp_path, deep=False, case_seconds=10)
    assert out.result in ("typed", "ok"), out.detail


# ------------------------------------------------------------------ the in-process command stage
def test_a_deterministic_sample_runs_every_command_in_process_without_a_crash(corpus):
    """62 mutants (one per operator), each parsed one through every command that reads a race file."""
    report = run(len(OPERATORS), seed=4, corpus=CORPUS, deep_per_operator=None, case_seconds=120, memory_mb=1500)
    assert report.n_bugs == 0, "\n".join(f"{b.result} {b.operator} {b.stage}: {b.detail}" for b in report.bugs[:10])
    names = {command_name(c) for c in COMMANDS}
    assert len(names) == len(COMMANDS) == 17
    assert set(report.per_command) == names  # every command ran ...
    laps_deep = report.per_command["info"].total()
    assert laps_deep >= 10
    for name in names - {"archive add"}:  # ... on every parsed lap mutant, and none crashed
        assert report.per_command[name].total() == laps_deep, name
        assert report.per_command[name]["untyped"] == 0, name
    # archive add also ran on the parsed classification mutants
    assert report.per_command["archive add"].total() == sum(report.commands.values()) > laps_deep
    assert report.per_command["info"]["ok"] == laps_deep  # a file that parsed is always summarised


def _a_lap_seed(corpus):
    from stintlab.fuzz.runner import cut_seed, load_seeds

    path = next(p for p, kind in load_seeds(corpus) if kind == "laps")
    return cut_seed(path, "laps", random.Random(0))


def test_a_crash_in_one_command_is_counted_there_and_the_others_still_run(corpus, tmp_path, monkeypatch):
    real = fuzz_commands.main

    def crashing(argv):
        if argv[0] == "flags":
            raise ZeroDivisionError("planted")
        return real(argv)

    monkeypatch.setattr(fuzz_commands, "main", crashing)
    seed = _a_lap_seed(corpus)
    tally: dict = {}
    out = run_case(seed.join(), seed, "none", tmp_path, deep=True, case_seconds=120, tally=tally)
    assert (out.result, out.stage) == ("untyped", "flags") and "ZeroDivisionError: planted" in out.detail
    assert tally["flags"] == Counter(untyped=1)
    assert all(sum(c.values()) == 1 for c in tally.values()) and len(tally) == 17


def test_two_error_lines_or_non_json_output_are_bugs(monkeypatch, capsys):
    from stintlab.fuzz.commands import run_command

    def two_lines(argv):
        import sys

        print("stintlab: error: one", file=sys.stderr)
        print("stintlab: error: two", file=sys.stderr)
        return 2

    monkeypatch.setattr(fuzz_commands, "main", two_lines)
    assert run_command(["info", "x.csv", "--json"])[0] == "untyped"
    monkeypatch.setattr(fuzz_commands, "main", lambda argv: print("not json") or 0)
    assert run_command(["info", "x.csv", "--json"]) == ("untyped", "exit 0 but not JSON: 'not json\\n'")


def test_a_case_over_its_memory_or_time_is_a_bug_not_a_dead_fuzzer(corpus, tmp_path, monkeypatch):
    from stintlab.fuzz.guards import memory_guard

    seed = _a_lap_seed(corpus)

    def hog(path, expect=None):
        chunks = []
        for _ in range(200):  # up to 2 GB, 10 MB at a time, touched
            chunks.append(bytearray(10 * 1024 * 1024))
            time.sleep(0.005)
        raise AssertionError("the memory guard never fired")

    monkeypatch.setattr(fuzz_runner, "read_file", hog)
    with memory_guard(_rss() + 150):
        out = run_case(seed.join(), seed, "hog", tmp_path, deep=False, case_seconds=120)
    assert out.result == "memory"

    monkeypatch.setattr(fuzz_runner, "read_file", lambda path, expect=None: time.sleep(30))
    out = run_case(seed.join(), seed, "sleep", tmp_path, deep=False, case_seconds=0.5)
    assert out.result == "timeout"
