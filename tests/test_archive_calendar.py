"""Calendar files and ``stintlab calendar check``: clashes and travel gaps, hand-built cases
plus a programme mixing a calendar with a driver's dated archived races (IMSA 2024)."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from stintlab.archive.calendar import check_programme, load_calendar, parse_calendar_rows, programme_for
from stintlab.errors import StintlabUsageError


def _ev(name, date, track, start=None, series="X", drivers=None):
    return {"event": name, "series": series, "track": track, "date": date, "start": start, "drivers": drivers}


def test_gap_boundaries_same_and_other_continent():
    cal = parse_calendar_rows(
        [
            _ev("Monza", "2026-04-19", "Monza"),  # 17..19
            _ev("Spa", "2026-04-23", "Spa"),  # 21..23: one free day (20th): enough in Europe
            _ev("Imola", "2026-04-26", "Imola"),  # 24..26: no free day: tight
            _ev("Sebring", "2026-04-30", "Sebring"),  # 28..30: one free day, other continent: tight (needs 3)
        ]
    )
    issues = check_programme(cal)
    assert [(i["type"], i["first"], i["second"], i["gap_days"], i["min_gap_days"]) for i in issues] == [
        ("tight", "Spa", "Imola", 0, 1),
        ("tight", "Imola", "Sebring", 1, 3),
    ]
    assert issues[1]["intercontinental"] is True
    assert check_programme(cal, min_gap_days=0, min_gap_intercontinental=1) == []


def test_clash_and_unknown_place():
    cal = parse_calendar_rows(
        [
            _ev("24h Nürburgring", "2026-05-17", "Nürburgring", start="2026-05-14"),
            _ev("Spa 6h", "2026-05-16", "Spa-Francorchamps"),
            _ev("Club race", "2026-05-19", "Somewhere unknown"),
        ]
    )
    assert list(cal["continent"][:2]) == ["Europe", "Europe"] and pd.isna(cal["continent"][2])
    issues = check_programme(cal)
    assert issues[0]["type"] == "clash" and {issues[0]["first"], issues[0]["second"]} == {"24h Nürburgring", "Spa 6h"}
    # 24h Nürburgring ends on the 17th, the club race starts on the 17th: they overlap too
    assert [i["type"] for i in issues] == ["clash", "clash"]
    # a tight gap to a place not in the track table uses the same-continent rule and says so
    cal2 = parse_calendar_rows(
        [_ev("Spa 6h", "2026-05-16", "Spa"), _ev("Club race", "2026-05-17", "Nowhere", start="2026-05-17")]
    )
    (tight,) = check_programme(cal2)
    assert (tight["type"], tight["gap_days"], tight["min_gap_days"], tight["places_known"]) == ("tight", 0, 1, False)


def test_bad_rows_are_usage_errors():
    with pytest.raises(StintlabUsageError, match="row 1: missing date"):
        parse_calendar_rows([{"event": "x"}])
    with pytest.raises(StintlabUsageError, match="row 1: bad date '12/05/2026'"):
        parse_calendar_rows([{"event": "x", "date": "12/05/2026"}])
    with pytest.raises(StintlabUsageError, match="end .* is before start"):
        parse_calendar_rows([{"event": "x", "date": "2026-05-12", "start": "2026-05-12", "end": "2026-05-10"}])


def test_yaml_and_csv_files_and_driver_filter(tmp_path):
    y = tmp_path / "cal.yaml"
    y.write_text(
        "events:\n"
        "  - {event: Le Mans, series: WEC, track: Le Mans, date: 2026-06-14, drivers: [Kévin Estre, Laurens Vanthoor]}\n"
        "  - {event: Spa 24h, series: GTWC, track: Spa, date: 2026-06-28, drivers: [Laurens Vanthoor]}\n",
        encoding="utf-8",
    )
    cal = load_calendar(y)
    assert cal["date"].tolist() == [dt.date(2026, 6, 14), dt.date(2026, 6, 28)]
    assert programme_for(cal, "KEVIN ESTRE")["event"].tolist() == ["Le Mans"]
    assert programme_for(cal, "Dries Vanthoor").empty
    assert programme_for(cal, "Dries Vanthoor", {"dries vanthoor": "laurens vanthoor"})["event"].tolist() == [
        "Le Mans",
        "Spa 24h",
    ]
    c = tmp_path / "cal.csv"
    c.write_text("event;series;track;date;drivers\nLe Mans;WEC;Le Mans;2026-06-14;Kévin Estre|X Y\n", encoding="utf-8")
    assert load_calendar(c)["drivers"].tolist() == [["Kévin Estre", "X Y"]]
    with pytest.raises(StintlabUsageError, match="no calendar file"):
        load_calendar(tmp_path / "none.csv")


@pytest.fixture(scope="module")
def imsa_db(tmp_path_factory):
    from conftest import CORPUS, _need_corpus
    from stintlab.archive.store import ingest

    _need_corpus()
    db = tmp_path_factory.mktemp("cal") / "a.duckdb"
    ingest([CORPUS / "imsa-2024-daytona-international-speedway", CORPUS / "imsa-2024-road-atlanta"], db)
    return db


def test_cli_calendar_with_archived_races(imsa_db, tmp_path, capsys):
    from stintlab.cli import main

    # Estre's archived 2024 IMSA races are dated by their files: Daytona 2024-01-27, Road Atlanta 2024-10-12
    cal = tmp_path / "cal.csv"
    cal.write_text(
        "event,series,track,date,start,drivers\n"
        "Bathurst 12 Hour,IGTC,Bathurst,2024-01-30,2024-01-28,Kevin Estre\n"
        "Suzuka 1000 km,SGT,Suzuka,2024-10-11,2024-10-09,Kevin Estre\n"
        "Petit Le Mans,IMSA,Road Atlanta,2024-10-12,,Kevin Estre\n"
        "Other driver race,X,Monza,2024-10-11,,Someone Else\n",
        encoding="utf-8",
    )
    code = main(
        [
            "calendar",
            "check",
            str(cal),
            "--driver",
            "Kévin Estre",
            "--year",
            "2024",
            "--from-archive",
            "--db",
            str(imsa_db),
            "--json",
        ]
    )
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    names = [e["event"] for e in out["events"]]
    # the archived Road Atlanta race is the calendar's Petit Le Mans (same series and date): listed once
    assert names == ["IMSA daytona-international-speedway", "Bathurst 12 Hour", "Suzuka 1000 km", "Petit Le Mans"]
    kinds = [(i["type"], i["first"], i["second"]) for i in out["issues"]]
    assert kinds == [
        ("tight", "IMSA daytona-international-speedway", "Bathurst 12 Hour"),
        ("clash", "Suzuka 1000 km", "Petit Le Mans"),
    ]
    assert (out["clashes"], out["tight"]) == (1, 1)
    assert out["issues"][0]["gap_days"] == 0 and out["issues"][0]["intercontinental"] is True
