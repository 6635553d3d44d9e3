"""``stintlab season`` and ``stintlab career``: a driver's races across every archived series, each with
the FIA category ``stintlab drivers`` gives him in that race and where it comes from
(:mod:`stintlab.archive.season_categories`)."""

from __future__ import annotations

from pathlib import Path

import typer

from stintlab.commands._common import FormatOpt, emit, err_console, output_format, records
from stintlab.commands.archive import DbOpt, JsonOpt

__all__ = ["career", "season"]


def _season_rows_for_table(races) -> list[dict]:
    from stintlab.commands.drivers import category_provenance
    from stintlab.display import duration, lap_time

    rows = records(races)
    for r in rows:
        r["crew"] = ", ".join(f"{c['driver']} ({c['category'] or '?'}{_star(c)})" for c in r["crew"] or [])
        r["category"] = (r["category"] or "?") + _star(r)
        r["cat from"] = _category_from(r, category_provenance)
        r["pace"] = lap_time(r["pace"])
        r["pace_rank"] = f"{int(r['pace_rank'])}/{int(r['pace_field'])}" if r["pace_rank"] is not None else ""
        r["rank_in_category"] = (
            f"{int(r['pace_rank_category'])}/{int(r['pace_field_category'])}"
            if r["pace_rank_category"] is not None
            else ""
        )
        r["drive_time"] = duration(r["drive_time"]) if r["drive_time"] is not None else ""
        r["result"] = f"P{r['class_position']} in class" if r["class_position"] is not None else (r["status"] or "")
    return rows


def _star(row: dict) -> str:
    return "*" if row.get("category_source") == "estimated" else ""


def _category_from(row: dict, provenance) -> str:
    """Where a season row's category comes from: this race's own (``classification``, ``entry list beside``),
    the registry (``IMSA 2024 same season``, ``IMSA 2024 other season; none for 2025``), an estimate (with its
    measured precision), or ``unknown`` — the words of ``stintlab drivers`` (``provenance``)."""
    basis = row.get("category_basis") or "unknown"
    if basis == "unknown":
        return "unknown"
    text = provenance(row, row.get("season"))
    if basis in ("same season", "other season"):
        series, seen = row.get("category_series") or "?", row.get("season_observed")
        text = f"{series} {seen} ({basis})" + text[len(f"{series} {seen}"):]
    return text


def season(
    driver: str = typer.Argument(..., help="Driver name (any spelling; accents and case do not matter)."),
    year: int = typer.Option(..., "--year", help="Season year."),
    db: Path = DbOpt,
    as_json: bool = JsonOpt,
    fmt: str = FormatOpt,
):
    """A driver's season across every archived series: car, class, crew, result, pace rank
    (--format csv: the races, raw values)."""
    from stintlab.archive.season import driver_season
    from stintlab.archive.season_categories import with_categories
    from stintlab.archive.store import Archive

    fmt = output_format(fmt, as_json)
    with Archive(db) as arc:
        s = with_categories(arc, driver_season(arc, driver, year))
    if fmt == "json":
        emit({**s, "races": records(s["races"])}, fmt)
        return
    if fmt == "csv":
        emit(records(s["races"]), fmt, columns=[str(c) for c in s["races"].columns])
        return
    emit(
        _season_rows_for_table(s["races"]),
        False,
        title=f"{s['driver']} — {year}",
        columns=[
            "date",
            "series",
            "event",
            "car",
            "class",
            "team",
            "category",
            "cat from",
            "crew",
            "result",
            "laps",
            "drive_time",
            "pace",
            "pace_rank",
            "rank_in_category",
        ],
    )
    emit(s["totals"], False, title="totals")
    if any(r == "estimated" for r in s["races"]["category_source"]):
        err_console.print("* estimated category (p: the estimator's measured precision)", highlight=False)


def career(
    driver: str = typer.Argument(..., help="Driver name."),
    db: Path = DbOpt,
    as_json: bool = JsonOpt,
    fmt: str = FormatOpt,
):
    """A driver's career in the archive, season by season (--format csv: the seasons, raw values)."""
    from stintlab.archive.season import driver_career
    from stintlab.archive.season_categories import career_with_categories
    from stintlab.archive.store import Archive

    fmt = output_format(fmt, as_json)
    with Archive(db) as arc:
        c = career_with_categories(arc, driver_career(arc, driver))
    if fmt == "json":
        emit({**c, "races": records(c["races"])}, fmt)
        return
    if fmt == "csv":
        emit(c["seasons"], fmt)
        return
    emit(
        c["seasons"],
        False,
        title=f"{c['driver']} — career",
        columns=[
            "season",
            "series",
            "category",
            "category_source",
            "classes",
            "races",
            "class_wins",
            "class_podiums",
            "best_class_position",
            "laps",
        ],
    )
