"""Which source fills which canonical lap column, written down as data (docs/data.md embeds
:func:`coverage_markdown`; ``tests/test_wige.py`` checks the page and this table agree).

Each source maps every column of :data:`~stintlab.schema.laps.LAP_COLUMNS` to how it is filled; an
entry starting with "—" means the source cannot fill it (the column is NA, NaN or False). The Al Kamel
entries are the ``source`` of each :class:`~stintlab.schema.laps.ColumnSpec`.

>>> LAP_SOURCES["wige"]["elapsed"][:40]
'cumulative RUNDENZEIT per car from its s'
>>> sorted(LAP_SOURCES)
['alkamel', 'wige']
"""

from __future__ import annotations

from stintlab.schema.laps import LAP_COLUMNS

__all__ = ["LAP_SOURCES", "SOURCE_TITLES", "coverage_markdown"]

_NO = "— (not in the export)"

SOURCE_TITLES = {"alkamel": "Al Kamel Analysis", "wige": "WIGE (RENNEN_LAPS + SEKTORZEITEN + RESULT)"}

LAP_SOURCES: dict[str, dict[str, str]] = {
    "alkamel": {c.name: (c.source or c.origin) for c in LAP_COLUMNS},
    "wige": {
        "car": "STNR",
        "lap": "RUNDE (renumbered from 1 for a car whose first row is lap 2: a pit-lane start)",
        "driver": "FAHRERn_VORNAME + FAHRERn_NAME of slot n = DRIVERID (the sector file's FAHRER_NR when DRIVERID names an empty slot)",
        "driver_slot": "DRIVERID",
        "class": "KLASSE",
        "group": "UNTERKLASSE (sub-class, e.g. A(Cup3) / B(Cup3); empty for most cars)",
        "team": "TEAM, else BEWERBER (entrant)",
        "manufacturer": "HERSTELLER of the result file; — without it",
        "lap_time": "RUNDENZEIT; a pit-lane starter's first lap: TAGESZEIT − its group's start",
        "s1": "SEKTOR1_ZEIT (sector file; — without it)",
        "s2": "SEKTOR2_ZEIT + SEKTOR3_ZEIT (sector file)",
        "s3": "SEKTOR4_ZEIT + SEKTOR5_ZEIT (sector file; an in-lap has no SEKTOR5)",
        "elapsed": "cumulative RUNDENZEIT per car from its start group's signal (never TAGESZEIT)",
        "lap_start": "derived",
        "time_of_day": "TAGESZEIT (= DURCHGANGSZEIT)",
        "in_lap": "INPIT = J (sector file); else RUNDE_IN_BOX_1/2 of the result (first two stops only)",
        "out_lap": "derived",
        "pit_time": "PITSTOPDURATION of the in-lap (sector file); else BOXZEIT1/2 (result)",
        "flag": _NO + ": Code 60 is not recorded",
        "kph": _NO,
        "top_speed": "TOPSPEED_KMH (sector file; empty in the NLS 2025 exports)",
        "lap_improvement": "DIESCHNELLSTE = J → 2 (car's best), else 0",
        "s1_improvement": _NO,
        "s2_improvement": _NO,
        "s3_improvement": _NO,
        "is_car_best": "DIESCHNELLSTE = J",
        "is_session_best": _NO,
        "line": "derived (line in RENNEN_LAPS)",
    },
}


def coverage_markdown() -> str:
    """The lap columns × sources table of docs/data.md.

    >>> coverage_markdown().splitlines()[0]
    '| column | Al Kamel Analysis | WIGE (RENNEN_LAPS + SEKTORZEITEN + RESULT) |'
    """
    keys = list(LAP_SOURCES)
    lines = ["| column | " + " | ".join(SOURCE_TITLES[k] for k in keys) + " |", "|---|" + "---|" * len(keys)]
    for c in LAP_COLUMNS:
        lines.append(f"| `{c.name}` | " + " | ".join(LAP_SOURCES[k].get(c.name, _NO) for k in keys) + " |")
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover - prints the table for docs/data.md
    print(coverage_markdown())
