"""``stintlab standings``, ``stops``, ``stints``, ``events``, ``flags``: the race state.

JSON keys are public interface, documented in docs/analysis.md (section "CLI JSON keys").
"""

from __future__ import annotations

from pathlib import Path

import typer

from stintlab.commands._common import (
    FormatOpt,
    JsonOpt,
    complete_lang,
    emit,
    load_race,
    output_format,
    race_time_arg,
    records,
)
from stintlab.config import THRESHOLDS
from stintlab.errors import StintlabUsageError

FileArg = typer.Argument(
    ..., exists=False, help="Lap file (Al Kamel Analysis, WIGE, SRO sector list) or the event folder holding one."
)

STANDINGS_KEYS = [
    "position", "class_position", "car", "class", "team", "laps", "gap_to_class_leader", "interval",
    "class_interval", "gap_to_leader", "race_time", "driver", "in_pit",
    "gap_to_class_leader_laps", "gap_to_class_leader_s", "interval_s", "class_interval_s",  # numbers for the gaps
]  # fmt: skip
# --at: standings by distance (the same keys, plus the distance and the whole-laps companions)
DISTANCE_KEYS = [
    "position", "class_position", "car", "class", "team", "laps", "distance", "gap_to_class_leader", "interval",
    "class_interval", "gap_to_leader", "race_time", "driver", "in_pit", "held",
    "gap_to_class_leader_laps", "gap_to_class_leader_s", "interval_laps", "interval_s", "class_interval_laps",
    "class_interval_s", "gap_to_leader_laps", "gap_to_leader_s",
]  # fmt: skip
#: with the final standings (no --hour/--at, or the last hour of a finished race): the final status
FINAL_KEYS = ["status_code", "classified"]
STOPS_KEYS = [
    "car", "lap_in", "lap_out", "race_time", "pit_time", "driver_in", "driver_out", "driver_change", "time_lost",
    "kind", "stop", "class", "hour", "in_lap_time", "out_lap_time", "reference", "neutralised",
    "on_track_loss", "on_track_sector", "in_lap_incident", "loss_reason",
]  # fmt: skip
STINTS_KEYS = [
    "car", "stint", "driver", "lap_start", "lap_end", "laps", "start", "end", "duration", "driver_slot",
    "driver_change", "ended_by", "pit_time_before",
]  # fmt: skip
EVENTS_KEYS = [
    "car", "lap", "race_time", "hour", "driver", "kind", "description", "class_position_before",
    "class_position_after", "position_before", "position_after", "time_lost", "passed_by", "passed", "laps_lost_to",
    # the typed facts of each event (analysis.timeline.DETAIL_COLUMNS)
    "stop_kind", "pit_time", "driver_out", "driver_change", "stint", "lap_time", "reference", "laps_lost", "rivals",
    "phase_kind", "phase_start", "phase_end", "phase_inferred", "laps", "in_pits", "category",
    "on_track_loss", "on_track_sector", "phase_sector",
]  # fmt: skip
FLAGS_KEYS = [
    "kind", "start", "end", "duration", "inferred", "green_at", "start_hour", "end_hour", "laps_affected",
    "cars_affected", "sector",
]  # fmt: skip

def _human(rows: list[dict], fmt: str) -> list[dict]:
    """Car lists as ``#7 #8`` for the terminal table (JSON and CSV keep lists of numbers; the
    cells themselves are worded by :func:`stintlab.display.cell`)."""
    if fmt != "table":
        return rows
    for r in rows:
        for k in ("passed_by", "passed", "laps_lost_to", "rivals"):
            if k in r and isinstance(r[k], list):
                r[k] = " ".join(f"#{c}" for c in r[k])
    return rows


def standings(
    file: Path = FileArg,
    hour: int = typer.Option(None, "--hour", help="Standings after race hour N, as the official hour-N classification."),
    at: str = typer.Option(None, "--at", help="Standings at race time H:MM:SS[.fff] (may pass 24 h), by distance covered."),
    cls: str = typer.Option(None, "--class", help="Only this class (case-insensitive)."),
    as_json: bool = JsonOpt,
    fmt: str = FormatOpt,
):
    """Standings at a race time (by distance covered, gaps in seconds at the same point of the track), after an
    hour (the official hour-N classification) or at the finish (each car at its last crossing)."""
    from stintlab.analysis.standings import hour_snapshot_time, race_hours
    from stintlab.display import duration

    fmt = output_format(fmt, as_json)
    if hour is not None and at is not None:
        raise StintlabUsageError("give --hour or --at, not both")
    race = load_race(file)
    laps = race.laps
    keys = STANDINGS_KEYS
    if hour is not None:
        table = race.standings(hour=hour, cls=cls)
        when = f"after hour {hour}"
    elif at is not None:
        t = race_time_arg(at, "--at", "16:05:56.7 or 1:05:20")
        if t > race.duration + 3600:
            raise StintlabUsageError(
                f"race time {duration(t)} is past the end of this race ({duration(race.duration)})"
            )
        table = race.standings(t, cls=cls)
        # without sector times the share of the lap is interpolated between line crossings only: say so
        how = "by distance" if race.progress.shares else "by distance; no sector times: between line crossings"
        when = f"at {duration(t)} ({how})"
        keys = DISTANCE_KEYS
    else:
        table = race.standings(cls=cls)
        when = f"at the finish ({race_hours(laps)} h)"
    if race.finished and at is None and (hour is None or hour_snapshot_time(laps, hour) >= race.duration):
        # the last hour is the finish: each car's final status (official when given), not only its laps
        status = race.classification[["car", "status_code", "classified"]].astype({"car": "string"})
        table = table.merge(status, on="car", how="left")
        keys = STANDINGS_KEYS + FINAL_KEYS
        when += " — final: see `classification` for the official order"
    rows = records(table, keys)
    emit(_human(rows, fmt), fmt, title=f"{race.title} — standings {when}",
         columns=None if fmt != "table" else keys[:9 if keys is DISTANCE_KEYS else 8])  # fmt: skip


def stops(
    file: Path = FileArg,
    car: str = typer.Option(None, "--car", help="Only this car (number as printed, e.g. 007)."),
    as_json: bool = JsonOpt,
    fmt: str = FormatOpt,
):
    """Pit stops: in-lap, out-lap, pit time, drivers, time lost and kind (normal/long/garage/final)."""
    from stintlab.analysis.timeline import check_car

    fmt = output_format(fmt, as_json)
    race = load_race(file)
    table = race.stops
    if car is not None:
        c = check_car(race.laps, car, race.classification)
        table = table[table["car"] == c]
    rows = records(table, STOPS_KEYS)
    emit(_human(rows, fmt), fmt, title=f"{race.title} — pit stops",
         columns=None if fmt != "table" else STOPS_KEYS[:10])  # fmt: skip


def stints(
    file: Path = FileArg,
    car: str = typer.Option(..., "--car", help="Car number as printed (e.g. 007)."),
    as_json: bool = JsonOpt,
    fmt: str = FormatOpt,
):
    """Stints of one car: from the start or an out-lap to the next in-lap or the finish."""
    from stintlab.analysis.timeline import check_car

    fmt = output_format(fmt, as_json)
    race = load_race(file)
    c = check_car(race.laps, car, race.classification)
    table = race.stints[race.stints["car"] == c]
    rows = records(table, STINTS_KEYS)
    emit(_human(rows, fmt), fmt, title=f"{race.title} — stints of #{c}",
         columns=None if fmt != "table" else STINTS_KEYS[:9])  # fmt: skip


def events(
    file: Path = FileArg,
    car: str = typer.Option(..., "--car", help="Car number as printed (e.g. 007)."),
    lang: str = typer.Option(
        "en", "--lang", "-l", help="Language of the descriptions (and the title): en or fr.", autocompletion=complete_lang
    ),
    as_json: bool = JsonOpt,
    fmt: str = FormatOpt,
):
    """Timeline of one car: start, stints, stops, incidents, neutralisations, class lead changes, finish.
    The analysis gives the facts (typed columns); the description column is worded here from them, in the --lang language."""
    from stintlab.analysis.timeline import check_car
    from stintlab.report.story.languages import catalog, event_texts

    fmt = output_format(fmt, as_json)
    lang = (lang or "en").lower()
    cat = catalog(lang)
    race = load_race(file)
    c = check_car(race.laps, car, race.classification)
    table = race.events(c)
    table = table.assign(description=event_texts(table, lang, race.local_neutralisation))
    rows = records(table, EVENTS_KEYS)
    emit(_human(rows, fmt), fmt, title=f"{race.title_in(lang)} — {cat.EVENTS_TITLE.format(car=c)}",
         columns=None if fmt != "table" else EVENTS_KEYS[1:9])  # fmt: skip


def flags(
    file: Path = FileArg,
    as_json: bool = JsonOpt,
    fmt: str = FormatOpt,
):
    """Safety-car, full-course-yellow and red-flag phases (observed from the flag column FLAG_AT_FL, or
    inferred from lap times and sector times when the file has none: WIGE, SRO, Le Mans 2019/2021) and
    slow zones (kind SZ, with their sector: found from sector times, 5 minutes or more)."""
    from stintlab.report.story.languages import catalog

    fmt = output_format(fmt, as_json)
    race = load_race(file)
    table = race.phases
    rows = records(table, FLAGS_KEYS)
    en = catalog("en")
    src = en.PHASE_SOURCE[race.phase_source]  # the flag column, or inferred from lap (and sector) times
    listed = int((table["kind"] == "SZ").sum())  # the zones of the table: THRESHOLDS.slow_zone_phase_min or more
    shorter = len(race.slow_zones) - listed
    emit(_human(rows, fmt), fmt,
         title=f"{race.title} — neutralisations ({src}) and {en.ZONES[race.local_neutralisation]} "
               f"({listed} of {THRESHOLDS.slow_zone_phase_min / 60:g} min or more found from sector times"
               + (f"; {shorter} shorter not listed)" if shorter > 0 else ")"),
         columns=None if fmt != "table" else [*FLAGS_KEYS[:6], "sector"])  # fmt: skip


LOSSES_KEYS = [
    "car", "class", "stops", "normal_stops", "long_stops", "garage_stops", "incidents", "incident_count",
    "neutralisations", "neutralisation_laps", "total",
]  # fmt: skip


#: The columns of ``losses`` that are times (seconds lost), worded m:ss.fff; ``stops`` and ``incident_count``
#: are counts, ``neutralisation_laps`` a number of laps (fractional).
LOSS_TIME_KEYS = ["normal_stops", "long_stops", "garage_stops", "incidents", "neutralisations", "total"]

#: The table header of ``losses`` (JSON and CSV keep the column names, docs/tables.md ``time_losses``).
LOSS_HEADERS = {
    "stops": "stops (n)",
    "normal_stops": "lost: normal stops",
    "long_stops": "lost: long stops",
    "garage_stops": "lost: garage stops",
    "incidents": "lost: incidents",
    "incident_count": "incident laps (n)",
    "neutralisations": "neutr. vs class ref (- = gained)",
    "neutralisation_laps": "neutr. laps vs class ref",
    "total": "total lost (stops+incidents)",
}


def losses(
    file: Path = FileArg,
    car: str = typer.Option(None, "--car", help="Only this car (number as printed, e.g. 007)."),
    as_json: bool = JsonOpt,
    fmt: str = FormatOpt,
):
    """Time-loss account per car: normal/long/garage stops, incidents, and what the neutralisations cost or gave."""
    from stintlab.analysis.timeline import check_car
    from stintlab.display import lap_time

    fmt = output_format(fmt, as_json)
    race = load_race(file)
    table = race.time_loss
    if car is not None:
        c = check_car(race.laps, car, race.classification)
        table = table[table["car"] == c]
    rows = records(table, LOSSES_KEYS)
    if fmt != "table":
        emit(rows, fmt)
        return
    words = [{LOSS_HEADERS.get(k, k): (_laps_word(v) if k == "neutralisation_laps" else v) for k, v in r.items()}
             for r in rows]  # fmt: skip
    emit(words, fmt, formats={LOSS_HEADERS.get(k, k): lap_time for k in LOSS_TIME_KEYS},
         title=f"{race.title} — time lost per car (m:ss.fff; (n) = a count; total = stops + incidents; "
               "neutr.: time and laps lost to the class reference car across the neutralisations (SC, FCY, red flag), "
               "laps interpolated between line crossings)")  # fmt: skip


def _laps_word(v) -> str:
    """Laps lost as a signed decimal with two places (``+1.06``, ``-0.26``): a fraction of a lap is meant."""
    return "" if v is None else f"{v:+.2f}"


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app`` (called once by :func:`stintlab.cli.build_app`)."""
    for command in (standings, stops, stints, events, flags, losses):
        app.command()(command)
