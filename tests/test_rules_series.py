"""The NLS 2025 and GTWC Endurance 2025/2026 rule sets (src/stintlab/rules/nls-2025.toml,
gtwc-endurance-2026.toml) on the real NLS and SRO races, against the raw rows (csv module):

- NLS: each car's crew = the distinct DRIVERID values of its rows in the WIGE lap file; no car of
  RENNEN_RESULT.CSV names more than 4 drivers (FAHRER1..8_NAME), so the "at most 4 drivers" rule has no
  violation; per-driver totals never exceed FAHRERn_ZEIT (the result's time includes the pit stops,
  the checker excludes them).
- GTWC Paul Ricard 2026: each car's crew = the distinct drivers of its stints in the pit-stop file
  (tests/test_sro.py's oracle), the cup = the entry list's Class; no crew has more than 3 drivers.
"""

from __future__ import annotations

import json
import re

import pytest

from conftest import CORPUS
from stintlab.analysis.rules import load_rules
from stintlab.cli import main

pytestmark = pytest.mark.corpus


def _rules(capsys, lap_path, name: str) -> dict:
    assert main(["rules", str(lap_path), "--rules", name, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_sets_are_listed_with_sources(capsys):
    assert main(["rules", "--list", "--json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert {"nls-2025", "gtwc-endurance-2026"} <= set(rows)
    for name in ("nls-2025", "gtwc-endurance-2026"):
        rs = load_rules(name)
        assert rs.source and all(c.source for c in rs.crew) and all(d.source for d in rs.driving)
        assert rs.not_checked, name  # what could not be sourced is written down, not invented


def test_which_races_the_sets_apply_to():
    nls, gtwc, n24 = load_rules("nls-2025"), load_rules("gtwc-endurance-2026"), load_rules("n24-2024")
    assert nls.applies_to("NLS", 2025, 4.0) and not nls.applies_to("N24", 2025, 24.0)
    assert not n24.applies_to("NLS", 2025, 4.0)
    assert gtwc.applies_to("GTWC", 2026, 6.0) and not gtwc.applies_to("GTWC", 2026, 24.0)


@pytest.mark.parametrize("folder", ["nls-2025-nls2", "nls-2025-nls4"])
def test_nls_crews_and_drive_time(capsys, folder):
    from test_wige import _group_starts, _lap_times, _race, _row

    _race_obj, laps, result = _race(folder)
    crews = {car: {r["DRIVERID"] for r in rows} for car, rows in laps.items()}
    named = {car: sum(bool(r[f"FAHRER{i}_NAME"]) for i in range(1, 9)) for car, r in result.items()}
    assert max(named.values()) <= 4
    data = _rules(capsys, CORPUS / folder / _row(folder)["laps_file"], "nls-2025")
    assert data["drive_time_counts_pit"] is True  # nls-2025 [counting] exclude_pit = false
    got = {c["car"]: c["drivers"] for c in data["crews"]}
    assert got == {car: len(ids) for car, ids in crews.items()}
    assert data["violations"] == [] and {c["verdict"] for c in data["crews"]} == {"ok"}
    # per driver (DRIVERID k → FAHRERk of the row), the sum of his laps' times, the first lap counted from
    # the car's start-group signal as the WIGE result does, is the checker's total: nls-2025 counts the
    # pit stops as the official FAHRERn_ZEIT does ([counting] exclude_pit = false)
    starts = _group_starts(laps, result)
    raw: dict[tuple[str, str], float] = {}
    for car, rows in laps.items():
        for r, t in zip(rows, _lap_times(car, laps, result, starts), strict=True):
            k = r["DRIVERID"]
            name = " ".join(x for x in (r[f"FAHRER{k}_VORNAME"], r[f"FAHRER{k}_NAME"]) if x)
            key = (car, name or "(unknown)")  # a DRIVERID naming no FAHRER of the row
            raw[key] = raw.get(key, 0.0) + t
    assert {(d["car"], d["driver"]) for d in data["drivers"]} == set(raw)
    for d in data["drivers"]:
        assert d["total"] == pytest.approx(raw[(d["car"], d["driver"])], abs=2e-3), d


def test_gtwc_crews_cups_and_the_three_driver_rule(capsys):
    from test_sro import oracle_stints, sector_file

    xml = (CORPUS / "gtwc-endurance-sro" / "ENTRY_LIST_V_3.XML").read_text(encoding="utf-8")
    cup = dict(re.findall(r"<Bib>([^<]*)</Bib>.*?<Class>([^<]*)</Class>", xml, flags=re.S))
    crews: dict[str, set] = {}
    for car, driver, _a, _b in oracle_stints():
        crews.setdefault(car, set()).add(driver)
    assert max(len(d) for d in crews.values()) <= 3
    data = _rules(capsys, sector_file(), "gtwc-endurance-2026")
    assert data["drive_time_counts_pit"] is False
    got = {c["car"]: c for c in data["crews"]}
    assert {car: c["drivers"] for car, c in got.items()} == {car: len(d) for car, d in crews.items()}
    assert {car: c["class"] for car, c in got.items()} == {car: cup[car] for car in crews}
    assert data["violations"] == []
    # Pro Cup is free: every Pro Cup crew passes whatever the drivers' grades
    assert {c["verdict"] for c in got.values() if c["class"] == "Pro Cup"} == {"ok"}
