"""Facts apart from words for a car's timeline (issue #10's principle): ``car_events`` returns typed
columns only, and ``stintlab events`` words each event from them through the language catalogs.

The English lines of ``stintlab events`` must say what they said when the analysis wrote them; that is
checked here against the raw lap files (csv module, no stintlab), not against stintlab's own output:
each stop names the raw PIT_TIME of its out-lap and the raw drivers in and out, each stint its raw
driver, each SC / FCY phase starts and ends at raw FLAG_AT_FL crossings, each class lead change is
a change of the first car of the class to complete a lap. Hand-checked raw lines: Le Mans 2024
``23_Analysis_Race_Hour 24.csv``, #92 lap 182 crosses with ``B`` (in-lap), lap 183 carries
PIT_TIME ``0:24:44.030`` (the garage stop: "pit 24:44.030"). The French lines carry the same numbers and no
English word (tests/test_web_french.py's word list); on the Nordschleife (NLS 3, WIGE) a local
neutralisation is a Code 60 zone, and the raw RENNEN_SEKTORZEITEN.CSV rows show the named sector
slowed over the span (tests/test_code60_words.py's oracle).
"""

from __future__ import annotations

import csv
import json
import re
from collections import defaultdict

import pytest

from conftest import CORPUS, lap_file
from oracle import parse_time
from stintlab.cli import main
from test_slowzones_nls import _field, _race
from test_web_french import ENGLISH, _names

pytestmark = pytest.mark.corpus

CARS = [("lemans-2024", "92"), ("imsa-2024-sebring-international-raceway", "40")]
FLAG_KIND = {"SF": "SC", "FCY": "FCY", "RF": "RED"}  # FLAG_AT_FL codes (domain notes §1.2)


def _cli(capsys, *argv) -> str:
    assert main([str(a) for a in argv]) == 0
    return capsys.readouterr().out


def _events(capsys, name: str, car: str, lang: str = "en") -> list[dict]:
    return json.loads(_cli(capsys, "events", lap_file(name), "--car", car, "--lang", lang, "--json"))


def _raw(name: str) -> list[dict]:
    """Every row of the raw Al Kamel lap file: stripped header names and values."""
    path = lap_file(name)
    with open(path, encoding="utf-8-sig", newline="") as fh:
        head = fh.readline()
        sep = ";" if head.count(";") >= head.count(",") else ","
        cols = [c.strip() for c in next(csv.reader([head], delimiter=sep))]
        return [dict(zip(cols, (v.strip() for v in r), strict=False)) for r in csv.reader(fh, delimiter=sep) if r]


def _clock(text: str) -> float:
    return parse_time(text)


def _class_leaders(rows: list[dict], cls: str) -> dict[int, str]:
    """Lap -> the car of ``cls`` that completed that lap first (raw ELAPSED)."""
    first: dict[int, tuple[float, str]] = {}
    for r in rows:
        if r["CLASS"] != cls or not r["ELAPSED"]:
            continue
        lap, t = int(r["LAP_NUMBER"]), _clock(r["ELAPSED"])
        if lap not in first or t < first[lap][0]:
            first[lap] = (t, r["NUMBER"])
    return {lap: car for lap, (_, car) in first.items()}


def _flag_run_ends(rows: list[dict]) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Per phase kind, the raw race times where a run of crossings under its flag begins and ends
    (all cars' crossings in ELAPSED order: the flag at the line is race-wide)."""
    seq = sorted((_clock(r["ELAPSED"]), r["FLAG_AT_FL"]) for r in rows if r["ELAPSED"])
    starts, ends = defaultdict(list), defaultdict(list)
    for i, (t, flag) in enumerate(seq):
        kind = FLAG_KIND.get(flag)
        if kind is None:
            continue
        if i == 0 or seq[i - 1][1] != flag:
            starts[kind].append(t)
        if i == len(seq) - 1 or seq[i + 1][1] != flag:
            ends[kind].append(t)
    return starts, ends


STOP = re.compile(r"^(Normal stop|Long stop|Garage stop|Drive-through) \(pit ([\d:.]+), ([\d:.]+) lost(?:, (.+) -> (.+))?\)$")
STINT = re.compile(r"^Stint (\d+): (.+) \((driver change|same driver)\)$")
PHASE = re.compile(r"^(SC|FCY|RED) (\d+:\d\d:\d\d) to (\d+:\d\d:\d\d)$")
ZONE = re.compile(r"^Slow zone in sector [123] \d+:\d\d:\d\d to \d+:\d\d:\d\d$")


@pytest.mark.parametrize(("name", "car"), CARS)
def test_the_english_events_tell_the_raw_facts(capsys, name, car):
    events = _events(capsys, name, car)
    rows = _raw(name)
    mine = {int(r["LAP_NUMBER"]): r for r in rows if r["NUMBER"] == car}
    in_laps = sorted(lap for lap, r in mine.items() if r["CROSSING_FINISH_LINE_IN_PIT"] == "B")
    leaders = _class_leaders(rows, mine[1]["CLASS"])
    starts, ends = _flag_run_ends(rows)
    seen = defaultdict(int)
    for e in events:
        text, lap, kind = e["description"], e["lap"], e["kind"]
        seen[kind] += 1
        if kind == "start":
            assert text == f"Start, {mine[1]['DRIVER_NAME']} driving"
        elif kind == "stint":
            m = STINT.match(text)
            assert m, text
            assert int(m.group(1)) == 1 + sum(1 for x in in_laps if x < lap), text  # a stint after each in-lap
            assert m.group(2) == mine[lap]["DRIVER_NAME"], text
            assert (m.group(3) == "driver change") == (mine[lap]["DRIVER_NAME"] != mine[lap - 1]["DRIVER_NAME"]), text
        elif kind == "stop":
            m = STOP.match(text)
            assert m, text
            assert lap in in_laps, text
            out = mine[lap + 1]
            assert abs(_clock(m.group(2)) - _clock(out["PIT_TIME"])) < 5e-4, (text, out["PIT_TIME"])
            changed = out["DRIVER_NAME"] != mine[lap]["DRIVER_NAME"]
            assert (m.group(4), m.group(5)) == ((mine[lap]["DRIVER_NAME"], out["DRIVER_NAME"]) if changed else (None, None))
        elif kind == "neutralisation":
            m = PHASE.match(text)
            if m is None:
                assert ZONE.match(text), text
                continue
            t0, t1 = _clock(m.group(2)), _clock(m.group(3))
            assert min(abs(t0 - t) for t in starts[m.group(1)]) < 1.0, text
            assert min(abs(t1 - t) for t in ends[m.group(1)]) < 1.0, text
        elif kind == "lead_gained":
            rival = re.fullmatch(r"Took the class lead from #(\w+)", text).group(1)
            assert (leaders[lap - 1], leaders[lap]) == (rival, car), text
        elif kind == "lead_lost":
            rival = re.fullmatch(r"Lost the class lead to #(\w+)", text).group(1)
            assert (leaders[lap - 1], leaders[lap]) == (car, rival), text
        elif kind == "finish":
            assert text == f"Finished, {max(mine)} laps" and mine[max(mine)]["FLAG_AT_FL"] == "FF", text
        else:
            pytest.fail(f"unexpected event {kind}: {text}")
    # one stop per raw in-lap, one stint after each, and every kind of line was checked
    assert seen["stop"] == len(in_laps) and seen["stint"] == len(in_laps)
    assert seen["start"] == seen["finish"] == 1 and seen["neutralisation"] and seen["lead_gained"]


def test_the_garage_stop_of_the_92_names_the_raw_pit_time(capsys):
    stop = next(e for e in _events(capsys, "lemans-2024", "92") if e["kind"] == "stop" and e["lap"] == 182)
    raw = {int(r["LAP_NUMBER"]): r for r in _raw("lemans-2024") if r["NUMBER"] == "92"}
    assert raw[182]["CROSSING_FINISH_LINE_IN_PIT"] == "B" and raw[183]["PIT_TIME"] == "0:24:44.030"
    assert stop["description"].startswith("Garage stop (pit 24:44.030, ")


def _numbers(text: str) -> list[str]:
    """The figures of a line (times, seconds, laps, car numbers), with the decimal comma as a point and the
    French lap-time notation 24'44"030 as 24:44.030."""
    text = re.sub(r"(\d+)'(\d\d)\"(\d{3})", r"\1:\2.\3", text)
    return re.findall(r"\d+(?:\.\d+)?", re.sub(r"(\d),(\d)", r"\1.\2", text))


@pytest.mark.parametrize(("name", "car"), CARS)
def test_the_french_events_say_the_same_facts_with_no_english(capsys, name, car):
    en, fr = _events(capsys, name, car, "en"), _events(capsys, name, car, "fr")
    assert [e["kind"] for e in fr] == [e["kind"] for e in en]
    names = _names(name)
    for a, b in zip(en, fr, strict=True):
        words = b["description"]
        for n in names:
            words = words.replace(n, " ")
        left = {w.lower() for w in re.findall(r"[^\W\d_]+", words)} & ENGLISH
        assert not left, (b["description"], left)
        # the same facts: the English figures (checked against the raw rows above), in the same order
        assert _numbers(b["description"]) == _numbers(a["description"]), (a["description"], b["description"])
    assert any(e["description"].startswith("Relais 2\u00a0: ") for e in fr)  # French typography: no-break space


def test_nls_events_say_code_60_where_the_raw_sectors_show_the_zone(capsys):
    race, raw = _race("nls-2025-nls3")
    folder = CORPUS / "nls-2025-nls3"
    en = json.loads(_cli(capsys, "events", folder, "--car", "6", "--json"))
    fr = json.loads(_cli(capsys, "events", folder, "--car", "6", "--lang", "fr", "--json"))
    zones = [(a, b) for a, b in zip(en, fr, strict=True) if a["kind"] == "neutralisation" and a["phase_kind"] == "SZ"]
    assert len(zones) >= 3
    for a, b in zones:
        m = re.fullmatch(r"Code 60 zone in sector (\d) (\d+:\d\d:\d\d) to (\d+:\d\d:\d\d)", a["description"])
        assert m, a["description"]
        sector, t0, t1 = int(m.group(1)), _clock(m.group(2)), _clock(m.group(3))
        ratio, n = _field(raw, sector, t0, t1)  # the raw sector rows: that sector slowed for the field
        assert n >= 20 and ratio >= 1.03, (a["description"], ratio, n)
        assert b["description"].startswith(f"Zone Code 60 dans le secteur {sector}, de {m.group(2)} à "), b["description"]
    text = " ".join(e["description"] for e in en + fr).lower()
    assert "slow zone" not in text and "zone lente" not in text


def _raw_header(path) -> list[str]:
    with open(path, encoding="cp1252" if path.name.upper().endswith(".CSV") and "RENNE" in path.name else "utf-8-sig") as fh:
        head = fh.readline()
    sep = ";" if head.count(";") >= head.count(",") else ","
    return [c.strip() for c in head.split(sep)]


@pytest.mark.parametrize(
    ("folder", "source"),
    [
        ("lemans-2024", "from the flag column FLAG_AT_FL"),
        ("lemans-2019", "inferred from lap and sector times"),
        ("nls-2025-nls3", "inferred from lap and sector times"),
    ],
)
def test_the_flags_title_says_where_the_phases_come_from(capsys, folder, source):
    path = CORPUS / folder
    lap_path = next(p for p in path.iterdir() if p.name.upper().endswith(("_LAPS.CSV",)) or "Analysis" in p.name)
    head = _raw_header(lap_path)
    # the raw header: a flag column or none, and sector times either way (S1.. / SEKTORZEITEN beside)
    assert ("FLAG_AT_FL" in head) == source.startswith("from the flag column"), head
    assert "S1" in head or (path / "RENNEN_SEKTORZEITEN.CSV").is_file()
    title = _cli(capsys, "flags", path).splitlines()[0]
    assert f"neutralisations ({source})" in title, title
    if "FLAG_AT_FL" not in head:
        assert "FLAG_AT_FL" not in title, title


CODES = {
    "kind": {"start", "stint", "stop", "incident", "neutralisation", "lead_gained", "lead_lost", "finish", "retired",
             "file_end"},
    "stop_kind": {"normal", "long", "garage", "final", "drive_through"},
    "phase_kind": {"SC", "FCY", "RED", "C60", "SZ"},
}  # fmt: skip


@pytest.mark.parametrize(("name", "car"), CARS)
def test_the_timeline_of_the_analysis_has_no_words(load_corpus_race, name, car):
    ev = load_corpus_race(name).events(car)
    assert "description" not in ev.columns
    rows = _raw(name)
    drivers = {r["DRIVER_NAME"] for r in rows}
    cars = {r["NUMBER"] for r in rows}
    for col in ev.columns:
        for v in ev[col]:
            if isinstance(v, list):
                assert set(v) <= cars, (col, v)  # car numbers as in the raw file
            elif isinstance(v, str):
                if col in CODES:
                    assert v in CODES[col], (col, v)
                elif col in ("driver", "driver_out"):
                    assert v in drivers, (col, v)
                elif col == "car":
                    assert v == car
                else:
                    # the only other text is the driver's FIA category, a single word
                    assert col == "category" and re.fullmatch(r"[A-Z][a-z]+", v), (col, v)


def test_without_sector_times_the_phases_are_inferred_from_lap_times_alone(load_corpus_race):
    """No corpus file lacks both the flag column and the sector times: Le Mans 2019's laps (no FLAG_AT_FL,
    S1..S3 given) with the sector times blanked stand for one."""
    from stintlab.analysis.slowzones import SECTORS, phase_source

    laps = load_corpus_race("lemans-2019").laps
    assert phase_source(laps) == "lap_and_sector_times"
    assert phase_source(laps.assign(**dict.fromkeys(SECTORS, float("nan")))) == "lap_times"
    assert load_corpus_race("lemans-2024").phase_source == "flag_column"
