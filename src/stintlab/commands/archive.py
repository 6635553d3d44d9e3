"""``stintlab archive add|list|remove|export|alias|aliases``, ``season``, ``career``,
``calendar check`` and ``fetch`` (docs/archive.md lists the JSON keys)."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from stintlab.commands._common import FormatOpt, emit, err_console, output_format, records, to_jsonable
from stintlab.errors import StintlabError, StintlabUsageError

archive_app = typer.Typer(
    help="The race archive (DuckDB): add, list, remove, export races; driver aliases.", no_args_is_help=True
)
calendar_app = typer.Typer(
    help="Calendar files: clashes and tight travel gaps in a driver's programme.", no_args_is_help=True
)

DbOpt = typer.Option(
    None, "--db", help="Archive file (default: $STINTLAB_ARCHIVE or ~/.local/share/stintlab/archive.duckdb)."
)
JsonOpt = typer.Option(False, "--json", help="Print JSON.")

RACE_KEYS = [
    "race_id",
    "series",
    "season",
    "event",
    "date",
    "session",
    "cars",
    "laps",
    "hours",
    "classification_source",
    "has_laps",
]


#: statuses of `archive add` results with nothing stored (``error`` makes the command exit 2)
NOT_STORED = ("error", "unsupported", "skipped", "kept")


def _interactive() -> bool:
    return sys.stdin.isatty() and sys.stderr.isatty()


@archive_app.command("add")
def archive_add(
    paths: list[Path] = typer.Argument(
        ..., help="Lap, classification or weather files, or folders (searched recursively)."
    ),
    series: str = typer.Option(None, "--series", help="Series (WEC, IMSA, ELMS ...) when not told by the names."),
    season: int = typer.Option(None, "--season", help="Season year."),
    event: str = typer.Option(None, "--event", help="Event name (e.g. le-mans)."),
    date: str = typer.Option(None, "--date", help="Race date YYYY-MM-DD."),
    session: str = typer.Option(None, "--session", help="Session (default Race)."),
    db: Path = DbOpt,
    lock_timeout: float = typer.Option(120.0, "--lock-timeout", help="Seconds to wait while another process writes."),
    as_json: bool = JsonOpt,
):
    """Add races to the archive (idempotent; one transaction per race)."""
    from stintlab.archive.sources import find_race_files, meta_from_path
    from stintlab.archive.store import ingest

    found = find_race_files(paths)
    if not found:
        raise StintlabUsageError(f"no lap, classification or weather file under {', '.join(map(str, paths))}")
    overrides = {"series": series, "season": season, "event": event, "date": date, "session": session}
    if season is None and _interactive():
        for rf in found:
            if not rf.problem and meta_from_path(rf.main).get("season") is None:
                overrides["season"] = typer.prompt(f"Season (year) of {rf.main}", type=int)
                overrides["series"] = overrides["series"] or typer.prompt("Series", default="WEC")
                overrides["event"] = overrides["event"] or typer.prompt("Event", default=rf.main.parent.name)
                break
    results: list[dict] = []
    if as_json or not err_console.is_terminal:
        results = ingest(paths, db, overrides=overrides, lock_timeout=lock_timeout, race_files=found)
    else:
        from rich.progress import Progress

        with Progress(console=err_console, transient=True) as progress:
            task = progress.add_task("Archiving", total=len(found))

            def on_race(res):
                results.append(res)
                progress.update(task, advance=1, description=f"{res['status']}: {res['race_id'] or res['source']}")

            ingest(paths, db, overrides=overrides, lock_timeout=lock_timeout, race_files=found, on_race=on_race)
    emit(
        results,
        as_json,
        title="archive add",
        columns=None if as_json else ["race_id", "status", "series", "season", "event", "date", "laps", "source"],
    )
    if not as_json:
        # one line per race not stored, with the full path (every Al Kamel lap file has the same name)
        for r in results:
            if r["status"] in NOT_STORED:
                typer.echo(f"{r['status']}: {r.get('reason') or r['source']}", err=True)
    failed = [r for r in results if r["status"] == "error"]
    if failed:  # exit 2 once the good races are stored and every result is printed
        raise StintlabError(
            f"{len(failed)} of {len(results)} race(s) could not be read (status error, with the file and line);"
            " the others were archived"
        )


@archive_app.command("list")
def archive_list(
    series: str = typer.Option(None, "--series", help="Only this series."),
    season: int = typer.Option(None, "--season", help="Only this season."),
    db: Path = DbOpt,
    as_json: bool = JsonOpt,
    fmt: str = FormatOpt,
):
    """The archived races."""
    from stintlab.archive.store import Archive

    fmt = output_format(fmt, as_json)
    with Archive(db) as arc:
        races = arc.races(series, season)
    races["date"] = [None if d is None or str(d) in ("NaT", "None", "nan") else str(d)[:10] for d in races["date"]]
    emit(records(races, RACE_KEYS), fmt, title=f"archive ({len(races)} races)")


@archive_app.command("remove")
def archive_remove(
    race_ids: list[str] = typer.Argument(..., help="Exact race ids (see `archive list`), or patterns with --yes."),
    yes: bool = typer.Option(
        False, "--yes", help="Also remove every race a pattern names (a part of an id, or *, ?): listed as removed."
    ),
    db: Path = DbOpt,
    as_json: bool = JsonOpt,
):
    """Remove races from the archive (exact ids; a pattern needs --yes)."""
    from stintlab.archive.estimates import refresh_estimates
    from stintlab.archive.store import Archive

    removed = []
    with Archive(db, write=True) as arc:
        targets: list[str] = []
        for rid in race_ids:
            if arc.has_race(rid):
                hits = [rid]
            else:
                hits = arc.match_races(rid)
                if not hits:
                    raise StintlabUsageError(f"no race {rid!r} in the archive {arc.path}")
                if not yes:
                    raise StintlabUsageError(
                        f"{rid!r} is not a race id; it matches {len(hits)} race(s): {', '.join(hits)}."
                        " Give the exact id, or add --yes to remove every race it matches"
                    )
            targets += [h for h in hits if h not in targets]
        for rid in targets:  # every name checked before anything is removed
            row = arc.remove(rid)  # its stored estimates go with it (race_id)
            removed.append({"race_id": row["race_id"], "status": "removed"})
        if removed:
            refresh_estimates(arc)  # the registry's estimates follow the archive
    emit(removed, as_json, title="archive remove")


@archive_app.command("export")
def archive_export(
    out_dir: Path = typer.Argument(None, help="Folder for the Parquet files."),
    table: list[str] = typer.Option(
        None, "--table", help="Only these tables (races, laps, classification, entries, driver_aliases, files)."
    ),
    parquet: Path = typer.Option(None, "--parquet", help="Write a hive-partitioned dataset (series/season) here."),
    db: Path = DbOpt,
    as_json: bool = JsonOpt,
):
    """Export the archive tables to Parquet (one file per table, or --parquet DIR: a dataset every
    archive command reads with --db DIR); raw file bytes are not exported."""
    from stintlab.archive.store import Archive

    if parquet is not None or out_dir is None:
        from stintlab.commands.archive_scale import export_dataset

        return export_dataset(parquet, out_dir, table, db, as_json)
    with Archive(db) as arc:
        written = arc.export(out_dir, table or None)
    emit([{"table": k, "path": v} for k, v in written.items()], as_json, title="archive export")


@archive_app.command("alias")
def archive_alias(
    alias: str = typer.Argument(..., help="A spelling of the driver's name (e.g. 'Nick Catsburg')."),
    canonical: str = typer.Argument(None, help="The name it means (e.g. 'Nicky Catsburg')."),
    remove: bool = typer.Option(False, "--remove", help="Remove the alias instead."),
    db: Path = DbOpt,
    as_json: bool = JsonOpt,
):
    """Declare two driver names to be the same driver (or --remove an alias)."""
    from stintlab.archive.estimates import refresh_estimates
    from stintlab.archive.store import Archive

    with Archive(db, write=True) as arc:
        if remove:
            out = {"alias": alias, "removed": arc.remove_alias(alias)}
        else:
            if not canonical:
                raise StintlabUsageError("give the canonical name: stintlab archive alias ALIAS CANONICAL")
            out = arc.add_alias(alias, canonical)
        refresh_estimates(arc)  # the registry's estimates follow the archive
    emit(out, as_json, title="alias")


@archive_app.command("aliases")
def archive_aliases(
    suggest: bool = typer.Option(False, "--suggest", help="List likely aliases (same surname, short/full first name)."),
    accept: bool = typer.Option(False, "--accept", help="With --suggest: add every suggestion to the alias table."),
    db: Path = DbOpt,
    as_json: bool = JsonOpt,
):
    """The driver alias table (or suggestions for it)."""
    from stintlab.archive.estimates import refresh_estimates
    from stintlab.archive.identity import suggest_aliases
    from stintlab.archive.store import Archive

    if accept and not suggest:
        raise StintlabUsageError("--accept goes with --suggest")
    with Archive(db, write=accept) as arc:
        if not suggest:
            df = arc.df(
                "SELECT alias, alias_key, canonical, canonical_key FROM driver_aliases ORDER BY canonical_key, alias_key"
            )
            emit(records(df), as_json, title="driver aliases")
            return
        keys = [k for (k,) in arc.con.execute("SELECT DISTINCT driver_key FROM entries").fetchall() if k]
        pairs = suggest_aliases(keys, arc.aliases())
        rows = []
        for alias, canonical in pairs:
            races = arc.con.execute(
                "SELECT driver_key, count(DISTINCT race_id), string_agg(DISTINCT driver, ' / ') FROM entries "
                "WHERE driver_key IN (?, ?) GROUP BY driver_key",
                [alias, canonical],
            ).fetchall()
            info = {k: (n, names) for k, n, names in races}
            rows.append(
                {
                    "alias": info[alias][1],
                    "alias_races": info[alias][0],
                    "canonical": info[canonical][1],
                    "canonical_races": info[canonical][0],
                    "added": False,
                }
            )
            if accept:
                arc.add_alias(alias, canonical)
                rows[-1]["added"] = True
        if accept and rows:
            refresh_estimates(arc)  # the registry's estimates follow the archive
    emit(rows, as_json, title=f"suggested aliases ({len(rows)})")


@calendar_app.command("check")
def calendar_check(
    calendar: Path = typer.Argument(..., help="Calendar file (CSV or YAML; docs/archive.md)."),
    driver: str = typer.Option(None, "--driver", help="Only the events of this driver (calendar `drivers` column)."),
    year: int = typer.Option(None, "--year", help="Only events in this year."),
    from_archive: bool = typer.Option(False, "--from-archive", help="Add the driver's dated archived races of --year."),
    min_gap_days: int = typer.Option(1, "--min-gap-days", help="Free days needed between meetings on one continent."),
    min_gap_intercontinental: int = typer.Option(
        3, "--min-gap-intercontinental", help="Free days needed across continents."
    ),
    db: Path = DbOpt,
    as_json: bool = JsonOpt,
):
    """Clashes and too-tight travel gaps in a driver's programme."""
    import pandas as pd

    from stintlab.archive.calendar import check_programme, load_calendar, programme_for

    cal = load_calendar(calendar)
    aliases = {}
    extra = None
    if from_archive:
        if not driver or not year:
            raise StintlabUsageError("--from-archive needs --driver and --year")
        from stintlab.archive.calendar import archived_events, parse_calendar_rows
        from stintlab.archive.season import driver_season
        from stintlab.archive.store import Archive

        with Archive(db) as arc:
            aliases = arc.aliases()
            s = driver_season(arc, driver, year)
        rows = archived_events(s["races"], driver)
        extra = parse_calendar_rows(rows) if rows else None
    prog = programme_for(cal, driver, aliases)
    if extra is not None:
        known = {(str(r.series).upper(), r.date) for r in prog.itertuples()}
        extra = extra[[(str(s).upper(), d) not in known for s, d in zip(extra["series"], extra["date"], strict=True)]]
        prog = pd.concat([prog, extra], ignore_index=True)
    if year:
        prog = prog[[d.year == year for d in prog["date"]]]
    issues = check_programme(prog, min_gap_days, min_gap_intercontinental)
    events = [
        {
            "event": r.event,
            "series": r.series,
            "track": r.track,
            "start": r.start.isoformat(),
            "end": r.end.isoformat(),
            "continent": r.continent,
        }
        for r in prog.sort_values("start").itertuples()
    ]
    out = {
        "driver": driver,
        "events": events,
        "issues": issues,
        "clashes": sum(i["type"] == "clash" for i in issues),
        "tight": sum(i["type"] == "tight" for i in issues),
    }
    if as_json:
        emit(out, True)
        return
    emit(events, False, title=f"programme{' of ' + driver if driver else ''} ({len(events)} events)")
    if issues:
        emit(
            issues,
            False,
            title="issues",
            columns=["type", "first", "second", "first_days", "second_days", "gap_days", "min_gap_days"],
        )
    else:
        err_console.print("no clashes, no tight gaps")


def fetch(
    target: str = typer.Argument(
        ..., help="A portal URL (folder or file) or SERIES/YEAR/EVENT, e.g. 'imsa/2024/sebring'."
    ),
    base: str = typer.Option(None, "--base", help="Results/ root of the portal or of a mirror."),
    session: str = typer.Option("Race", "--session", help="Session folder to take."),
    championship: str = typer.Option(
        None, "--championship", help="Series folder to search (default: WeatherTech for imsa, WEC for wec; '' for all)."
    ),
    cache_dir: Path = typer.Option(
        None, "--cache-dir", help="Cache folder (default $STINTLAB_CACHE or ~/.cache/stintlab)."
    ),
    offline: bool = typer.Option(False, "--offline", help="Use the cache only; never touch the network."),
    refresh: bool = typer.Option(False, "--refresh", help="Download again even when cached."),
    timeout: float = typer.Option(30.0, "--timeout", help="Seconds per request."),
    add: bool = typer.Option(False, "--add", help="Add the fetched races to the archive."),
    db: Path = DbOpt,
    as_json: bool = JsonOpt,
):
    """Download race files from the timing portal (cached; --offline for cache only)."""
    from stintlab.archive.fetch import fetch as do_fetch

    res = do_fetch(
        target,
        base=base,
        cache_dir=cache_dir,
        offline=offline,
        refresh=refresh,
        timeout=timeout,
        session=session,
        championship=championship,
    )
    out = {"races": res.races, "downloaded": res.downloaded, "from_cache": res.from_cache, "listings": res.listings}
    if add:
        from stintlab.archive.sources import RaceFiles
        from stintlab.archive.store import ingest

        rfs = [
            RaceFiles(
                laps=Path(r["laps"]) if r.get("laps") else None,
                results=Path(r["results"]) if r.get("results") else None,
                weather=Path(r["weather"]) if r.get("weather") else None,
            )
            for r in res.races
            if r.get("laps") or r.get("results")
        ]
        out["archived"] = ingest([r.main for r in rfs], db, race_files=rfs) if rfs else []
    if as_json:
        emit(to_jsonable(out), True)
        return
    emit(
        [
            {"session": r["url"], "laps": r.get("laps"), "results": r.get("results"), "weather": r.get("weather")}
            for r in res.races
        ],
        False,
        title=f"fetch: {res.downloaded} downloaded, {res.from_cache} from cache",
    )
    if add:
        emit(out["archived"], False, title="archived", columns=["race_id", "status"])


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app`` (called once by :func:`stintlab.cli.build_app`)."""
    from stintlab.commands.season import career, season

    for command in (season, career, fetch):
        app.command()(command)
    app.add_typer(archive_app, name="archive")
    app.add_typer(calendar_app, name="calendar")
