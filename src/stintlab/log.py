"""Observability: the ``stintlab`` logger and the table of silent repairs (``race.issues``).

The readers and :func:`stintlab.load` repair some things in the files without stopping: an empty
``FLAG_AT_FL`` read as green, an empty ``LAP_TIME`` or ``ELAPSED`` rebuilt from its neighbours, a car
with no ``CLASS`` put in class ``NO_CLASS``, unknown columns ignored, a results file of another race
refused, a driver matched to the official crew by slot when the names differ. The readers record them
as facts in ``race.meta``; :func:`issues_table` turns those facts into one table, one row per repair:

- ``rule``: which repair (:data:`ISSUE_RULES`);
- ``line``: the physical line of the lap file (1 = header), ``<NA>`` when the repair is not on one line;
- ``column``: the source column concerned (``<NA>`` when none);
- ``action``: what stintlab did, in words.

:func:`stintlab.load` logs a one-line summary of these repairs on the ``stintlab`` logger (INFO; WARNING
for refused results). Show them with ``logging.basicConfig(level=logging.INFO)``.

>>> facts = {"green_flag_lines": [12, 40], "extra_columns": ["NOTE"], "filled_times": [], "unclassed_cars": []}
>>> issues_table(facts)[["rule", "line", "column"]].values.tolist()
[['extra_column', 1, 'NOTE'], ['empty_flag', 12, 'FLAG_AT_FL'], ['empty_flag', 40, 'FLAG_AT_FL']]
>>> issues_summary(issues_table(facts))
'3 silent repairs: 1 extra_column, 2 empty_flag'
"""

from __future__ import annotations

import logging
from collections import Counter

import pandas as pd

__all__ = ["logger", "ISSUE_COLUMNS", "ISSUE_RULES", "issues_table", "issues_summary"]

#: The package logger: ``logging.getLogger("stintlab")`` (no handler of its own: the application decides).
logger = logging.getLogger("stintlab")

ISSUE_COLUMNS = ("rule", "line", "column", "action")

#: rule -> what it repairs (docs/python.md).
ISSUE_RULES = {
    "extra_column": "a column stintlab does not know: ignored",
    "filled_time": "an empty LAP_TIME or ELAPSED: rebuilt from ELAPSED and LAP_TIME of this lap and the previous one",
    "empty_flag": "an empty FLAG_AT_FL cell: read as GF (green)",
    "no_class": "a car with no CLASS on any row: put in class NO_CLASS",
    "results_refused": "a results file whose cars or laps do not match the lap file: the classification is derived",
    "crew_slot_match": "a driver whose name differs from the official crew's: matched by crew slot and surname",
    "category_spelling": "an FIA category spelt otherwise in the results file (Platinium): read as the category",
    "sector_sum_time": "SRO: an empty Time with all three sectors: rebuilt as Sector1 + Sector2 + Sector3",
    "untimed_lap": "SRO: a car's last lap with no Time (started, never completed): left out of the lap table",
    "driver_conflict": "SRO: a stop's Driver out differs from the next stop's Driver in: the Driver in drives the stint",
    "no_pit_file": "SRO: no pit-stop file beside the sector list: no driver, no stop (pit laps look like incidents)",
    "pit_lane_start": "WIGE: a car with no lap-1 row (pit-lane start): first lap from its group's start, laps renumbered from 1",
    "driver_from_sectors": "WIGE: a DRIVERID naming an empty crew slot: the sector file's FAHRER_NR names the driver",
    "unnamed_driver": "WIGE: a DRIVERID naming an empty crew slot (no sector file fixes it): driver left empty",
    "lap_gap": "WIGE: a lap row missing inside a car's laps: the later crossings' race time from the time of day",
}


def issues_table(facts: dict, laps: pd.DataFrame | None = None, slot_matches: list[tuple] = ()) -> pd.DataFrame:
    """One row per silent repair recorded in ``facts`` (a race's ``meta``). ``laps`` (with its
    ``line`` column) gives the first line of each car put in ``NO_CLASS``; ``slot_matches``:
    (car, driver, official name, slot) of drivers matched to the official crew by slot."""
    rows: list[tuple] = [("extra_column", 1, name, "ignored") for name in facts.get("extra_columns") or []]
    rows += [
        ("filled_time", line, "LAP_TIME/ELAPSED", "rebuilt from the ELAPSED of this lap and the previous one")
        for line in facts.get("filled_times") or []
    ]
    rows += [("empty_flag", line, "FLAG_AT_FL", "read as GF") for line in facts.get("green_flag_lines") or []]
    for car in facts.get("unclassed_cars") or []:
        line = None
        if laps is not None and "line" in laps.columns:
            mine = laps.loc[laps["car"] == car, "line"]
            line = int(mine.min()) if len(mine) else None
        rows.append(("no_class", line, "CLASS", f"car {car} put in class NO_CLASS"))
    rows += [
        ("pit_lane_start", late["line"], "RUNDE", f"car {late['car']}: first row lap {late['first_lap']}, "
         f"{late['added']:.3f} s from its group's start added to its first lap; laps renumbered from 1")
        for late in facts.get("late_start_cars") or []
    ]  # fmt: skip
    rows += [("driver_from_sectors", line, "DRIVERID", "driver from FAHRER_NR of the sector file") for line in facts.get("driver_from_sectors") or []]
    rows += [("unnamed_driver", line, "DRIVERID", "driver left empty") for line in facts.get("unnamed_driver_lines") or []]
    rows += [("lap_gap", line, "RUNDE", "race time from TAGESZEIT after the missing lap") for line in facts.get("lap_gap_lines") or []]
    rows += [
        ("category_spelling", line, column, f"{written!r} read as {category} (results file)")
        for line, column, written, category in facts.get("category_spellings") or []
    ]
    if facts.get("results_refused"):
        rows.append(("results_refused", None, None, str(facts["results_refused"])))
    rows += [
        ("crew_slot_match", None, "DRIVER_NAME", f"car {car}: {driver!r} matched to {official!r} (slot {slot})")
        for car, driver, official, slot in slot_matches
    ]
    rows += [("sector_sum_time", line, "Time", "rebuilt as Sector1Time + Sector2Time + Sector3Time")
             for line in facts.get("filled_from_sectors") or []]  # fmt: skip
    rows += [("untimed_lap", line, "Time", f"car {car} lap {lap}: started, never completed; not in the lap table")
             for car, lap, line in facts.get("untimed_laps") or []]  # fmt: skip
    rows += [
        ("driver_conflict", None, "Driver out", f"car {car}: pit-stop line {line} (lap {lap}) has Driver out {out!r}, "
         f"line {next_line} has Driver in {din!r}; {din!r} kept for the laps between")
        for car, lap, line, out, din, next_line in facts.get("driver_conflicts") or []
    ]  # fmt: skip
    rows += [(rule, line, column, f"{file}: {detail}") for rule, file, line, column, detail in facts.get("entry_mismatches") or []]
    if facts.get("format") == "sro" and not facts.get("pit_file"):
        rows.append(("no_pit_file", None, None, "no driver and no stop: the pit-stop file is the only record of them"))
    table = pd.DataFrame(rows, columns=list(ISSUE_COLUMNS))
    return table.astype({"rule": "string", "line": "Int64", "column": "string", "action": "string"})


def issues_summary(issues: pd.DataFrame) -> str:
    """One line: how many repairs of each rule (in table order); ``no silent repair`` when none."""
    if issues.empty:
        return "no silent repair"
    counts = Counter(issues["rule"])
    n = len(issues)
    return f"{n} silent repair{'s' if n > 1 else ''}: " + ", ".join(f"{k} {rule}" for rule, k in counts.items())
