"""``stintlab project``: strategy projections from a race known up to a race time (docs/sim.md)."""

from __future__ import annotations

from pathlib import Path

import typer

from stintlab.commands._common import emit, load_race, race_time_arg, records

#: the JSON keys of each projection row (the table ``projections`` of docs/tables.md)
PROJECT_KEYS = [
    "car", "class", "position", "class_position", "laps", "race_time", "in_pit", "running",
    "lap_pace", "lap_pace_sd", "pace_source", "green_lap", "expected_lap", "stop_loss", "stop_source",
    "stint_laps", "stint_laps_max", "stint_time", "stint_time_max", "stint_source", "stint_laps_now",
    "laps_to_flag", "final_laps", "final_laps_p10", "final_laps_p90",
    "stops_remaining", "stops_p10", "stops_p90",
    "next_stop_lap", "window_open_lap", "window_close_lap", "next_stop_time",
    "class_position_mean", "class_position_median", "class_position_p10", "class_position_p90", "p_retire",
    "car_ahead", "gap_ahead_s", "catch_delta", "p_ahead_at_flag",
]  # fmt: skip
_SHOWN = ["class_position", "car", "laps", "final_laps", "final_laps_p10", "final_laps_p90", "stops_remaining",
          "next_stop_lap", "class_position_median", "class_position_p10", "class_position_p90", "p_retire",
          "car_ahead", "gap_ahead_s", "catch_delta", "p_ahead_at_flag"]  # fmt: skip


def project(
    file: Path = typer.Argument(
        ..., help="Lap file or its event folder (a finished race or one taken during it)."
    ),
    at: str = typer.Option(..., "--at", help="Project from race time H:MM:SS (only the laps crossed by then are used)."),
    cls: str = typer.Option(None, "--class", help="Only this class (case-insensitive)."),
    length: str = typer.Option(None, "--length", help="Scheduled race length H:MM (default: from the file name, or "
                               "the finished race's flag floored to whole hours)."),  # fmt: skip
    runs: int = typer.Option(200, "--runs", help="Monte Carlo runs."),
    seed: int = typer.Option(0, "--seed", help="Random seed (same seed, same projection)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON: {meta, methods, projections}."),
):
    """Per car: laps to the flag, stops remaining, stint length and next pit window, expected class position
    at the flag (Monte Carlo of the rest of the race) and the pace needed to catch the car ahead in class."""
    from stintlab.io.values import format_time
    from stintlab.sim.projections import METHODS
    from stintlab.sim.projections import project as run

    t = race_time_arg(at, "--at", "12:00:00 or 6:00")
    race = load_race(file)
    p = run(race, t, length=race_time_arg(length, "--length", "12:00:00 or 6:00") if length else None, cls=cls, runs=runs, seed=seed)
    rows = records(p.table, PROJECT_KEYS)
    if as_json:
        emit({"meta": p.meta, "methods": METHODS, "projections": rows}, True)
        return
    for r in rows:
        for k in ("gap_ahead_s", "catch_delta", "p_retire", "p_ahead_at_flag"):
            if isinstance(r.get(k), float):
                r[k] = round(r[k], 2)
    m = p.meta
    title = (f"{race.title} — projections at {format_time(t, digits=0)} of {format_time(m['length'], digits=0)} "
             f"({m['length_source']}), {m['runs']} runs")  # fmt: skip
    emit(rows, False, title=title, columns=_SHOWN)


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app`` (called once by :func:`stintlab.cli.build_app`)."""
    app.command()(project)
