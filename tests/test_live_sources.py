"""Live sources on a real lap file written piece by piece into tmp: appended lines, a line cut in the
middle, a rewrite with a correction, a file that shrinks, a stall, a restart, and a folder of hourly
files. Expectations come from the raw lines themselves (counted with the csv module) and from the
raw-row oracle (tests/oracle.py); never a double-counted crossing."""

from __future__ import annotations

import csv
import io

import pytest

from conftest import lap_file
from oracle import read_race
from stintlab.live import LiveRace
from stintlab.live.sources import HourlyFolderSource, LapFileSource

RACE = "wec-2024-fuji6h"


def _raw(name: str) -> tuple[bytes, list[bytes], str]:
    """(header line, data lines sorted by ELAPSED as the timekeeper appends them, separator)."""
    data = lap_file(name).read_bytes()
    lines = data.splitlines(keepends=True)
    header, body = lines[0], [ln for ln in lines[1:] if ln.strip()]
    text = header.decode("utf-8-sig")
    sep = ";" if text.count(";") >= text.count(",") else ","
    ie = [n.strip() for n in next(csv.reader([text], delimiter=sep))].index("ELAPSED")

    def elapsed(line: bytes) -> float:
        from oracle import parse_time

        f = next(csv.reader(io.StringIO(line.decode("utf-8")), delimiter=sep))
        return parse_time(f[ie]) or 0.0

    body.sort(key=elapsed)
    body = [ln if ln.endswith(b"\n") else ln + b"\n" for ln in body]
    return header if header.endswith(b"\n") else header + b"\n", body, sep


def _order(engine: LiveRace) -> list[str]:
    return [r.car for r in engine.standings()]


def test_growing_file_cut_lines_rewrites_and_shrinks(tmp_path):
    header, body, _ = _raw(RACE)
    raw = read_race(lap_file(RACE))
    n = len(body)
    assert n == raw.rows
    path = tmp_path / "laps.csv"
    now = [0.0]
    src = LapFileSource(path, clock=lambda: now[0], stall_after=60.0)

    # missing file: an error said, no crash
    assert src.poll().status == "error"
    # header + first third
    a = n // 3
    path.write_bytes(header + b"".join(body[:a]))
    p = src.poll()
    assert (p.status, p.added, src.engine.laps_fed) == ("new", a, a)
    # appended, the last line cut in the middle while being written
    b = 2 * n // 3
    half = body[b][: len(body[b]) // 2]
    with open(path, "ab") as fh:
        fh.write(b"".join(body[a:b]) + half)
    p = src.poll()
    assert (p.status, p.added, src.engine.laps_fed) == ("waiting", b - a, b)
    assert src.poll().status == "waiting" and src.engine.laps_fed == b  # the same half line: still waiting
    with open(path, "ab") as fh:  # its end arrives
        fh.write(body[b][len(half):])
    p = src.poll()
    assert (p.status, p.added, src.engine.laps_fed) == ("new", 1, b + 1)
    # nothing new: idle, then stalled after 60 s without a byte
    assert src.poll().status == "idle"
    now[0] += 61.0
    assert src.poll().status == "stalled"
    assert src.engine.laps_fed == b + 1
    # standings equal the raw oracle at the last crossing fed
    t = max(_elapsed_of(src.engine))
    assert _order(src.engine) == [r["car"] for r in raw.standings_at(t)]

    # the timekeeper rewrites the file with a correction in an early line (a lap time 1 s slower,
    # same length so only the content differs): rebuilt, same count, no double
    lines = body[: b + 1]
    k, fixed = _correct_one_lap(lines, header)
    path.write_bytes(header + b"".join(lines[:k]) + fixed + b"".join(lines[k + 1 :]))
    p = src.poll()
    assert p.status == "rebuilt" and "rewritten" in p.message
    assert src.engine.laps_fed == b + 1 and src.rebuilds == ["file_rewritten"]
    # the page words the rebuild from a code (facts apart from words), never from the status sentence
    told = [e for e in src.engine.state().events if e.kind == "rebuild"]
    assert [(e.code, e.value) for e in told] == [("file_rewritten", None)]

    # the file shrinks (re-published shorter): rebuilt from what is there
    path.write_bytes(header + b"".join(body[:a]))
    p = src.poll()
    assert (p.status, src.engine.laps_fed) == ("rebuilt", a)
    assert "shrank" in p.message
    told = [e for e in src.engine.state().events if e.kind == "rebuild"]
    assert [(e.code, e.value) for e in told] == [("file_shrank", path.stat().st_size)]

    # the rest, then the whole race: the final order of the raw file
    path.write_bytes(header + b"".join(body))
    p = src.poll()
    assert p.status == "new" and src.engine.laps_fed == n
    assert _order(src.engine) == [r["car"] for r in raw.final_order()]

    # a restart: a new source on the same engine (which holds every row) adds nothing
    again = LapFileSource(path, src.engine)
    p = again.poll()
    assert (p.added, p.duplicates, src.engine.laps_fed) == (0, n, n)


def test_file_ending_without_a_line_end_is_taken_once_settled(tmp_path):
    header, body, _ = _raw(RACE)
    path = tmp_path / "laps.csv"
    path.write_bytes(header + b"".join(body[:50]) + body[50].rstrip(b"\r\n"))
    src = LapFileSource(path, settle=2)
    assert src.poll().status == "waiting"
    assert src.poll().status == "waiting"
    p = src.poll()  # unchanged three polls running: the last line of the file
    assert (p.status, src.engine.laps_fed) == ("new", 51)
    assert src.poll().status == "idle" and src.engine.laps_fed == 51


def test_hourly_folder_follows_the_newest_file(tmp_path):
    header, body, _ = _raw(RACE)
    raw = read_race(lap_file(RACE))
    n = len(body)
    src = HourlyFolderSource(tmp_path)
    assert src.poll().status == "idle"
    # hour 1 and hour 2 files, as the timekeeper publishes them (each the whole race so far)
    cut1, cut2 = n // 6, n // 3
    (tmp_path / "23_Analysis_Race_Hour 1.CSV").write_bytes(header + b"".join(body[:cut1]))
    p = src.poll()
    assert (p.status, src.engine.laps_fed) == ("new", cut1)
    (tmp_path / "23_Analysis_Race_Hour 2.CSV").write_bytes(header + b"".join(body[:cut2]))
    p = src.poll()
    assert (p.added, p.duplicates, src.engine.laps_fed) == (cut2 - cut1, cut1, cut2)
    assert src.current.path.name.endswith("Hour 2.CSV")
    # hour 10 < hour 2 as text but not as a number; it holds everything
    (tmp_path / "23_Analysis_Race_Hour 10.CSV").write_bytes(header + b"".join(body))
    p = src.poll()
    assert (p.added, src.engine.laps_fed) == (n - cut2, n)
    assert _order(src.engine) == [r["car"] for r in raw.final_order()]


def _elapsed_of(engine: LiveRace) -> list[float]:
    return [r.race_time for r in engine.standings()]


def _correct_one_lap(lines: list[bytes], header: bytes) -> tuple[int, bytes]:
    """(index, corrected line) for a correction the timekeeper could publish: a car's latest lap in
    ``lines`` made one second slower (LAP_TIME and ELAPSED both + 1 s, the lengths unchanged)."""
    text = header.decode("utf-8-sig")
    sep = ";" if text.count(";") >= text.count(",") else ","
    names = [x.strip() for x in next(csv.reader([text], delimiter=sep))]
    il, ie, inum = names.index("LAP_TIME"), names.index("ELAPSED"), names.index("NUMBER")
    last: dict[str, int] = {}
    for k, line in enumerate(lines):
        last[line.decode("utf-8").split(sep)[inum].strip()] = k

    def plus_one(v: str) -> str | None:
        dot = v.index(".")
        d = int(v[dot - 1])
        return v[: dot - 1] + str(d + 1) + v[dot:] if d < 9 else None

    for k in sorted(last.values()):
        fields = lines[k].decode("utf-8").rstrip("\r\n").split(sep)
        lt, el = plus_one(fields[il]), plus_one(fields[ie])
        if lt and el and k < len(lines) - 5:
            fields[il], fields[ie] = lt, el
            ending = lines[k][len(lines[k].rstrip(b"\r\n")) :]
            return k, sep.join(fields).encode("utf-8") + ending
    raise AssertionError("no line to correct")


@pytest.mark.parametrize("name", [RACE])
def test_raw_lines_are_every_crossing(name):
    # the oracle's row count and the file's data lines agree (the fixtures above rely on it)
    assert len(_raw(name)[1]) == read_race(lap_file(name)).rows


def test_follow_command_prints_the_state_of_a_growing_file(tmp_path, capsys):
    import json

    from stintlab.cli import main

    header, body, _ = _raw(RACE)
    raw = read_race(lap_file(RACE))
    path = tmp_path / "laps.csv"
    k = len(body) // 2
    path.write_bytes(header + b"".join(body[:k]) + body[k][:20])  # the last line half written
    capsys.readouterr()
    assert main(["follow", str(path), "--polls", "1", "--interval", "0", "--zones", "0", "--json"]) == 0
    out, err = capsys.readouterr()
    state = json.loads(out.splitlines()[-1])
    assert state["laps_fed"] == k and "waiting" in err
    t = state["race_time"]
    assert [r["car"] for r in state["standings"]] == [w["car"] for w in raw.standings_at(t)]


@pytest.mark.parametrize("seed", [1, 2])
def test_a_file_growing_by_random_byte_chunks_is_counted_exactly(tmp_path, seed):
    # the file grows by chunks of random size, cut anywhere (mid-line, mid-field, inside a CRLF): after
    # every poll the engine holds exactly the complete data lines written so far (counted here)
    import random

    header, body, _ = _raw("imsa-2023-road-atlanta")
    data = header + b"".join(body)
    rng = random.Random(seed)
    path = tmp_path / "laps.csv"
    src = LapFileSource(path, settle=10**9)  # never take an unterminated tail
    written = 0
    path.write_bytes(b"")
    while written < len(data):
        step = rng.randint(1, 60_000)
        with open(path, "ab") as fh:
            fh.write(data[written : written + step])
        written = min(len(data), written + step)
        p = src.poll()
        assert p.status in ("new", "waiting", "idle"), p
        complete = data[:written].count(b"\n") - 1  # data lines with their line end (header excluded)
        assert src.engine.laps_fed == max(complete, 0), (written, p)
    assert src.engine.laps_fed == len(body)
    raw = read_race(lap_file("imsa-2023-road-atlanta"))
    assert _order(src.engine) == [r["car"] for r in raw.final_order()]


def test_every_rebuild_code_is_worded_in_english_and_french():
    from stintlab.live.state import REBUILD_CODES
    from stintlab.web.live_words import LIVE_WORDS

    for lang in ("en", "fr"):
        assert set(LIVE_WORDS[lang]["rebuilds"]) == set(REBUILD_CODES), lang
    assert LIVE_WORDS["fr"]["rebuilds"]["file_shrank"] != LIVE_WORDS["en"]["rebuilds"]["file_shrank"]
