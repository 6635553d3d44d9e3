"""``stintlab categories``: what the archive's category registry knows about a driver, or where
each driver of a race gets his FIA category from (the same resolution as every other command)."""

from __future__ import annotations

from pathlib import Path

import typer

from stintlab.commands._common import emit, err_console, load_race, records
from stintlab.commands.drivers import category_provenance
from stintlab.errors import StintlabUsageError

HISTORY_KEYS = ["season", "series", "category", "races", "kind", "conflict", "probability", "evidence", "spellings",
                "sources"]  # fmt: skip
RACE_KEYS = ["car", "driver", "class", "category", "category_source", "season_observed", "category_series",
             "category_race", "category_conflict", "category_probability", "category_evidence", "entry_name",
             "match"]  # fmt: skip


def categories(
    driver: str = typer.Argument(None, help="Driver name (any spelling; the alias table is used)."),
    race_file: Path = typer.Option(
        None, "--race", help="A lap file or its event folder: every driver's category and source."
    ),
    entry_list: Path = typer.Option(None, "--entry-list", dir_okay=False, help="Entry list (CSV or YAML) for --race."),
    results: Path = typer.Option(None, "--results", help="Official classification for --race (default: one beside it)."),
    db: Path = typer.Option(
        None, "--db", envvar="STINTLAB_ARCHIVE", dir_okay=False, help="Archive file (default: the default archive)."
    ),
    import_file: Path = typer.Option(
        None, "--import", dir_okay=False, help="Add an entry list (car, driver, category) to the registry."
    ),
    season: int = typer.Option(None, "--season", help="Season of the --import entry list."),
    series: str = typer.Option(None, "--series", help="Series of the --import entry list (e.g. WEC)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
):
    """FIA categories known for DRIVER (per season and series, with sources and conflicts), or
    for every driver of a race (--race FILE) with where each comes from; --import adds an entry list."""
    from stintlab.archive.registry import driver_history, import_entry_list, race_season
    from stintlab.archive.store import Archive

    if import_file is not None:
        if season is None:
            raise StintlabUsageError("--import needs --season YEAR (the season the entry list grades)")
        from stintlab.archive.estimates import refresh_estimates

        with Archive(db, write=True) as arc:
            out = import_entry_list(arc, import_file, season, series)
            refresh_estimates(arc)  # new observations: estimates they replace go
        emit(out, as_json, title=f"entry list {import_file} added to the category registry")
        if out["two_categories"] and not as_json:
            err_console.print(f"[yellow]two categories in this list for: {', '.join(out['two_categories'])}[/yellow]")
        return
    if (driver is None) == (race_file is None):
        raise StintlabUsageError("give a DRIVER name or --race FILE (one of them), or --import FILE --season YEAR")
    if race_file is not None:
        race = load_race(race_file, results, quiet=as_json, entry_list=entry_list, db=db)
        table, unmatched = race.category_resolution
        hints = _hints(table, db)
        if as_json:
            data = {"race": race.name, "drivers": records(table, RACE_KEYS), "unmatched": records(unmatched)}
            emit({**data, "alias_hints": hints}, True)
            return
        season = race_season(race)
        rows = records(table, RACE_KEYS)
        for r in rows:
            r["from"] = category_provenance(r, season)
        counts = table["category_source"].value_counts().to_dict()
        title = f"{race.name}: FIA categories ({', '.join(f'{k} {v}' for k, v in counts.items())})"
        emit(rows, False, title=title, columns=["car", "driver", "class", "category", "from", "category_race"])
        if len(unmatched):
            err_console.print(f"[yellow]{len(unmatched)} name(s) of the entry list / lap file unmatched[/yellow]")
        for h in hints:
            err_console.print(
                f"[yellow]{h['driver']}: no category, but the archive knows {h['registry_name']} ({h['categories']});"
                f' same driver? stintlab archive alias "{h["driver"]}" "{h["registry_name"]}"[/yellow]',
                highlight=False,
            )
        return
    with Archive(db) as arc:
        hist, like = driver_history(arc, driver)
    if hist.empty:
        hint = f" (same surname: {', '.join(like)})" if like else ""
        raise StintlabUsageError(f"no category known for {driver!r} in the archive{hint}")
    if as_json:
        emit({"driver": driver, "seasons": records(hist, HISTORY_KEYS)}, True)
        return
    emit(records(hist, HISTORY_KEYS), False, title=f"{driver}: FIA categories in the archive")
    conflicts = hist[hist["conflict"].notna()]
    for season in sorted(set(conflicts["season"])):
        seen = hist[(hist["season"] == season) & (hist["kind"] != "estimated")]
        cats = sorted(set(seen["category"]))
        err_console.print(f"[yellow]{season}: more than one category seen ({', '.join(cats)})[/yellow]")


def _hints(table, db) -> list[dict]:
    """Alias suggestions for the drivers the race's sources leave ungraded (none without an archive)."""
    from stintlab.archive.registry import alias_hints
    from stintlab.archive.store import Archive, default_db_path

    path = db if db is not None else default_db_path()
    names = table.loc[table["category_source"].isin(["unknown", "estimated"]), "driver"].astype(str).tolist()
    if not names or not Path(path).exists():
        return []
    with Archive(path) as arc:
        return alias_hints(arc, names)


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app`` (called once by :func:`stintlab.cli.build_app`)."""
    app.command()(categories)
