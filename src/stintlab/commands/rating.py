"""``stintlab rating``: a driver rating with uncertainty over every archived race (docs/metrics.md,
"Rating across races"), filtered by class and FIA category."""

from __future__ import annotations

from pathlib import Path

import typer

from stintlab.commands._common import FormatOpt, JsonOpt, emit, err_console, output_format, records
from stintlab.errors import StintlabUsageError

# the schema's ratings columns (stintlab.schema.category_tables) less driver_key
RATING_KEYS = ["driver", "family", "class", "rating", "sd", "low", "high", "races", "laps", "last_race", "last_season",
               "category", "category_season", "category_series", "rank"]  # fmt: skip


def rating(
    cls: str = typer.Option(None, "--class", help="Only drivers whose latest race of that class family was in this class."),
    category: str = typer.Option(None, "--category", help="Only this FIA category (Platinum, Gold, Silver, Bronze)."),
    db: Path = typer.Option(
        None, "--db", envvar="STINTLAB_ARCHIVE", dir_okay=False, help="Archive file (default: the default archive)."
    ),
    min_races: int = typer.Option(1, "--min-races", help="Only drivers rated on at least this many races."),
    validate: bool = typer.Option(False, "--validate", help="Print the out-of-sample validation instead."),
    as_json: bool = JsonOpt,
    fmt: str = FormatOpt,
):
    """Driver rating across every archived race: % gap to the class median 10-lap mean (lower is faster),
    with a 90 % interval; comparable within a class family and FIA category."""
    from stintlab.analysis.lookup import find_class
    from stintlab.analysis.rating import validate as run_validation
    from stintlab.archive.db import Archive, default_db_path
    from stintlab.archive.rating import rated_drivers, rating_table, window_table
    from stintlab.display import number

    fmt = output_format(fmt, as_json)
    path = Path(db) if db is not None else default_db_path()
    if not path.is_file():
        raise StintlabUsageError(f"no archive at {path} (build one with `stintlab archive add`, or give --db)")
    with Archive(path) as arc:
        if validate:
            races = rating_table(arc)
            out = run_validation(races, windows=window_table(arc, races))
            emit(out if fmt != "table" else [{"predictor": k, "pair_accuracy": number(v, 3), "pairs": out["pairs"],
                 "classes": out["classes"], "races": out["races"]} for k, v in out["pair_accuracy"].items()],
                 fmt, title="rating vs last race's 10-lap mean: share of driver pairs ordered right, next race")  # fmt: skip
            return
        table = rated_drivers(arc)
    if table.empty:
        raise StintlabUsageError(f"the archive {path} has no driver with a 10-lap mean")
    if cls:
        table = table[table["class"].astype(str) == find_class(table["class"], cls)]
    if category:
        norm = category.strip().capitalize()
        if norm not in ("Platinum", "Gold", "Silver", "Bronze"):
            raise StintlabUsageError(f"unknown category {category!r} (Platinum, Gold, Silver, Bronze)")
        table = table[table["category"] == norm]
    table = table[table["races"] >= min_races].sort_values(["family", "rating"], kind="stable").copy()
    table["rank"] = table.groupby("family").cumcount() + 1
    rows = records(table, RATING_KEYS)
    if fmt != "table":
        emit(rows, fmt)
        return
    if not rows:
        err_console.print("no rated driver matches", highlight=False)
    shown = [
        {"#": r["rank"], "driver": r["driver"], "class": r["class"], "cat": r["category"] or "",
         "cat seen": f"{r['category_series'] or ''} {r['category_season'] or ''}".strip(),
         "rating %": number(r["rating"], 2), "90% interval": f"{number(r['low'], 2)} .. {number(r['high'], 2)}",
         "races": r["races"], "last race": r["last_race"]}
        for r in rows
    ]  # fmt: skip
    emit(shown, fmt, title="Driver rating: % to the class median 10-lap mean (lower is faster), over every archived race")


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app`` (called once by :func:`stintlab.cli.build_app`)."""
    app.command()(rating)
