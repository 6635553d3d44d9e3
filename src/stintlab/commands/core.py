"""``stintlab info`` and ``stintlab classification``."""

from __future__ import annotations

from pathlib import Path

import typer

from stintlab.commands._common import FormatOpt, JsonOpt, emit, load_race, output_format, records

FileArg = typer.Argument(
    ..., exists=False, help="Lap file (Al Kamel Analysis, WIGE, SRO sector list) or the event folder holding one."
)
ResultsOpt = typer.Option(None, "--results", help="Official classification file (default: one found beside FILE).")


def race_info(race) -> dict:
    """The facts ``stintlab info`` prints (public JSON keys, docs/cli.md)."""
    from stintlab.io.values import format_time

    laps = race.laps
    cls = race.classification
    leader = cls.iloc[0] if len(cls) else None
    classes = race.cars["class"].value_counts(dropna=False)  # every entered car (SRO: some with no lap)
    return {
        "name": race.name,
        "title": race.title,
        "format": race.meta.get("format"),
        "variant": race.meta.get("variant"),
        "cars": int(len(race.cars)),
        "laps": int(len(laps)),
        "classes": {str(k): int(v) for k, v in classes.items()},
        "hours": round(race.duration / 3600.0, 2),
        "duration": format_time(race.duration),
        "has_flags": bool(race.meta.get("has_flags")),
        "finished": race.finished,
        "start_time_of_day": format_time(race.meta.get("start_time_of_day")),
        "classification_source": race.meta.get("classification_source"),
        "leader": None
        if leader is None
        else {
            "car": str(leader["car"]),
            "laps": int(leader["laps"]),
            "class": str(leader["class"]),
            "team": leader["team"] if isinstance(leader["team"], str) else None,  # no TEAM column: null, not "<NA>"
        },
    }


def info(
    file: Path = FileArg,
    results: Path = ResultsOpt,
    as_json: bool = JsonOpt,
    fmt: str = FormatOpt,
    verbose: bool = typer.Option(
        False, "--verbose", "-v", help="Also the silent repairs made while reading (race.issues), on one line."
    ),
):
    """Summary of a race file: title, format, cars, laps, classes, hours, leader."""
    from stintlab.log import issues_summary

    fmt = output_format(fmt, as_json)
    race = load_race(file, results)
    data = race_info(race)
    if verbose:  # more keys: issues (one line) and issue_counts (rule -> rows of race.issues)
        data["issues"] = issues_summary(race.issues)
        data["issue_counts"] = {str(k): int(v) for k, v in race.issues["rule"].value_counts(sort=False).items()}
    emit(data, fmt, title=race.title)


CLASSIFICATION_KEYS = ["position", "class_position", "car", "class", "team", "laps", "status", "gap_first", "total_time"]
#: JSON only: the status as a code (classified, not_classified, retired, disqualified; running, in_pits,
#: stopped in a file taken during the race), classified or not, laps as a share of the winner's
STATUS_KEYS = ["status_code", "classified", "distance_share"]


def classification(
    file: Path = FileArg,
    results: Path = ResultsOpt,
    cls: str = typer.Option(None, "--class", help="Only this class (case-insensitive)."),
    derived: bool = typer.Option(False, "--derived", help="Derive from the laps even when an official file exists."),
    as_json: bool = JsonOpt,
    fmt: str = FormatOpt,
):
    """Final classification: official when a results file is given or found, else derived from the laps."""
    from stintlab.analysis.lookup import find_class
    from stintlab.report.story import en

    fmt = output_format(fmt, as_json)
    as_json = fmt != "table"  # JSON and CSV: raw seconds and the numeric gap companions
    race = load_race(file, results)
    table = race.derived_classification if derived else race.classification
    if cls:
        table = table[(table["class"] == find_class(table["class"], cls)).fillna(False).to_numpy(dtype=bool)]
    # JSON: the printed gap has numeric companions (laps behind, seconds behind on the same lap)
    numeric = [c for c in ("gap_first_laps", "gap_first_seconds") if as_json and c in table.columns]
    rows = records(table, CLASSIFICATION_KEYS + ["official"] + numeric + STATUS_KEYS)
    if not as_json:
        worded = records(table, ["status_code", "retired_in_pits", "took_flag"])
        for r, w in zip(rows, worded, strict=True):
            if w.get("status_code"):  # the status in words, from its code
                r["status"] = en.status_word(w["status_code"], bool(w.get("retired_in_pits")), w.get("took_flag"))
            for k in STATUS_KEYS:
                r.pop(k, None)
    emit(rows, fmt, title=f"{race.title} — classification ({race.meta['classification_source']})")


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app`` (called once by :func:`stintlab.cli.build_app`)."""
    for command in (info, classification):
        app.command()(command)
