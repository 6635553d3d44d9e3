"""`standings --hour N` against the timekeeper's own hour-N classifications (``official-hourly/``).

The expectations are the official files, read here with the csv module only: every car's LAPS, the
order of the cars still ``Classified`` (STATUS) and, for cars on the class leader's lap, the gap to
the class leader from TOTAL_TIME. Every hour before the finish of every race listed in HOURLY.csv.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict

import pytest

from conftest import CORPUS
from oracle import parse_time
from stintlab.analysis.standings import standings_after_hour


def _hourly_races() -> list[str]:
    if not (CORPUS / "HOURLY.csv").is_file():
        return ["<corpus missing>"]
    with open(CORPUS / "HOURLY.csv", encoding="utf-8") as fh:
        return sorted({r["race"] for r in csv.DictReader(fh)})


def _official(race: str) -> dict[int, list[dict]]:
    """hour -> rows of the official classification after that hour."""
    with open(CORPUS / "HOURLY.csv", encoding="utf-8") as fh:
        files = {int(r["hour"]): r["file"] for r in csv.DictReader(fh) if r["race"] == race}
    out = {}
    for hour, name in files.items():
        raw = (CORPUS / race / "official-hourly" / name).read_text(encoding="utf-8-sig")
        sep = ";" if raw.split("\n", 1)[0].count(";") > raw.split("\n", 1)[0].count(",") else ","
        rows = list(csv.reader(io.StringIO(raw), delimiter=sep))
        header = [h.strip() for h in rows[0]]
        out[hour] = [dict(zip(header, (v.strip() for v in r))) for r in rows[1:] if any(v.strip() for v in r)]
    return out


@pytest.mark.corpus
@pytest.mark.parametrize("race", _hourly_races())
def test_hour_n_standings_are_the_official_hourly_classification(race, load_corpus_race):
    official = _official(race)
    laps = load_corpus_race(race).laps
    final = max(official)
    checked = 0
    for hour in sorted(official):
        if hour == final:  # the last file is the final classification (penalties, disqualifications)
            continue
        rows = official[hour]
        ours = standings_after_hour(laps, hour)
        our_laps = dict(zip(ours["car"], ours["laps"].astype(int)))
        # every car's laps
        assert {r["NUMBER"]: our_laps.get(r["NUMBER"], 0) for r in rows} == {
            r["NUMBER"]: int(r["LAPS"] or 0) for r in rows
        }, (race, hour)
        # the class order of the cars still classified
        running = {r["NUMBER"] for r in rows if r["STATUS"] == "Classified"}
        want, got = defaultdict(list), defaultdict(list)
        for r in rows:
            if r["NUMBER"] in running:
                want[r["CLASS"]].append(r["NUMBER"])
        for car, cls in zip(ours["car"], ours["class"]):
            if car in running:
                got[cls].append(car)
        assert dict(got) == dict(want), (race, hour)
        # gap to the class leader on the same lap, from TOTAL_TIME
        by_car = {r["NUMBER"]: r for r in rows}
        gap = dict(zip(ours["car"], ours["gap_to_class_leader_s"]))
        for cars in want.values():
            lead = by_car[cars[0]]
            for car in cars[1:]:
                r = by_car[car]
                if r["LAPS"] == lead["LAPS"] and r["TOTAL_TIME"]:
                    expected = parse_time(r["TOTAL_TIME"]) - parse_time(lead["TOTAL_TIME"])
                    assert gap[car] == pytest.approx(expected, abs=0.0015), (race, hour, car)
        checked += 1
    assert checked == len(official) - 1 >= 5
