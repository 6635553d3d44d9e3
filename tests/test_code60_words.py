"""A local neutralisation is named as the race's marshals name it (issue 13, "Code 60 said as Code 60"):
on the Nordschleife (NLS 2025, WIGE exports) the report and the story say "Code 60 zone" / "zone Code 60"
and never "slow zone" / "zone lente"; Le Mans still says slow zone.

The NLS car is checked against the raw ``RENNEN_SEKTORZEITEN.CSV`` rows with the csv module only
(tests/test_slowzones_nls.py's oracle: each passage's sector time over the car's median, on one clock
for every start group): over the span the sentence tells, the field is slowed in the sector it names
(field ratio ≥ 1.05) while every other sector is not (≤ 1.02), and the car's in-lap it names (INPIT
``J``) ends inside that span. Raw lines cited: nls-2025-nls3 RENNEN_SEKTORZEITEN.CSV line 90 (car 6,
RUNDE_NR 6, INPIT J, TAGESZEIT 12:49:43.946)."""

from __future__ import annotations

import csv
import re

import pytest

from conftest import CORPUS
from oracle import parse_time
from test_slowzones_nls import _field, _race

pytestmark = pytest.mark.corpus

NLS, CAR = "nls-2025-nls3", "6"


def _race_seconds(text: str) -> float:
    """'39 min 19 s', '1 h 59 min' -> seconds (the story's durations)."""
    h = re.search(r"(\d+)\s*h", text)
    m = re.search(r"(\d+)\s*min", text)
    s = re.search(r"(\d+)\s*s\b", text)
    return sum(int(x.group(1)) * k for x, k in ((h, 3600), (m, 60), (s, 1)) if x)


def _raw_in_lap_end(car: str, lap: int) -> float:
    """Race time (s, shared clock from the first start signal) at which the car's lap ``lap`` ended,
    with INPIT J (raw sector rows, csv module)."""
    with open(CORPUS / NLS / "RENNEN_SEKTORZEITEN.CSV", encoding="cp1252", newline="") as fh:
        reader = csv.reader(fh, delimiter=";", quoting=csv.QUOTE_NONE)
        head = [h.strip() for h in next(reader)]
        rows = [dict(zip(head, (f.strip() for f in r))) for r in reader if any(f.strip() for f in r)]
    first = min(parse_time(r["TAGESZEIT"]) - parse_time(r["RUNDENZEIT"]) for r in rows if r["RUNDE_NR"] == "1")
    row = next(r for r in rows if r["STNR"] == car and r["RUNDE_NR"] == str(lap))
    assert row["INPIT"] == "J", row["INPIT"]
    return parse_time(row["TAGESZEIT"]) - first


def test_the_story_of_an_nls_car_says_code_60_where_the_raw_sectors_show_the_zone():
    from stintlab.report.story import journalist_story, story

    race, raw = _race(NLS)
    en = story(race, CAR, "en")
    zone = [s for s in en if s["key"] == "neutral" and "zone" in s["text"].lower()]
    assert len(zone) == 1, [s["text"] for s in en]
    text = zone[0]["text"]
    m = re.match(r"In the Code 60 zone of sector (\d) from (.+?) to (.+?) of racing, the #6 pitted \(lap (\d+)\)", text)
    assert m, text
    sector, t0, t1, lap = int(m.group(1)), _race_seconds(m.group(2)), _race_seconds(m.group(3)), int(m.group(4))
    # the raw rows: that sector slowed for the whole field over the span, the others not
    ratio, n = _field(raw, sector, t0, t1)
    assert n >= 100 and ratio >= 1.05, (ratio, n)
    others = [_field(raw, k, t0, t1)[0] for k in range(1, 6) if k != sector]
    assert max(others) <= 1.02, others
    # the in-lap it names is a raw in-lap inside the span
    assert t0 <= _raw_in_lap_end(CAR, lap) <= t1 + 60
    fr = story(race, CAR, "fr")
    assert any(f"Dans la zone Code 60 du secteur {sector}" in s["text"] for s in fr), [s["text"] for s in fr]
    for lang, sentences in (("en", en + journalist_story(race, CAR, "en")), ("fr", fr + journalist_story(race, CAR, "fr"))):
        words = " ".join(s["text"] for s in sentences).lower()
        assert "slow zone" not in words and "zone lente" not in words, lang


def test_the_nls_report_says_code_60_and_never_slow_zone():
    from stintlab.report.html import build_report

    race, raw = _race(NLS)
    zones = race.phases[race.phases["kind"] == "SZ"]
    assert len(zones)
    for lang, row, title, never in (
        ("en", "Code 60 zone, sector {s}", "Neutralisations and Code 60 zones", ("slow zone", "zone lente")),
        ("fr", "Zone Code 60, secteur {s}", "Neutralisations et zones Code 60", ("slow zone", "zone lente")),
    ):
        html = build_report(race, car=CAR, lang=lang).html
        assert title in html, lang
        for z in zones.itertuples():
            # each zone's row names its sector, and the raw rows show that sector slowed then
            assert f"<td>{row.format(s=int(z.sector))}</td>" in html, (lang, z.sector)
            ratio, _ = _field(raw, int(z.sector), float(z.start), float(z.end))
            assert ratio >= 1.03, (z.sector, z.start, ratio)
        low = html.lower()
        assert not any(w in low for w in never), (lang, [w for w in never if w in low])


def test_le_mans_still_says_slow_zone(load_corpus_race):
    from stintlab.report.html import build_report

    race = load_corpus_race("lemans-2024")
    assert race.local_neutralisation == "slow_zone"
    assert (race.phases["kind"] == "SZ").any()
    html = build_report(race, car="92", lang="en").html
    assert "Neutralisations and slow zones" in html and "<td>Slow zone, sector " in html
    assert "code 60" not in html.lower()
    fr = build_report(race, car="92", lang="fr").html
    assert "<td>Zone lente, secteur " in fr and "code 60" not in fr.lower()
