"""``stintlab report`` (self-contained HTML race report) and ``stintlab story`` (a car's story)."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from stintlab.commands._common import complete_lang, console, err_console, load_race, use_categories, write_atomically
from stintlab.commands.drivers import EntryOpt
from stintlab.errors import StintlabUsageError

# options shared by `report` and `story`
ResultsOpt = typer.Option(None, "--results", help="Official classification file (default: one found beside FILE).")
RaceOpt = typer.Option(None, "--race", help="A race of the archive by id (see `stintlab archive list`).")
DbOpt = typer.Option(
    None,
    "--db",
    envvar="STINTLAB_ARCHIVE",
    dir_okay=False,
    help="Archive file for --race and for the drivers' categories (category registry).",
)
TitleOpt = typer.Option(
    None, "--title", help="The race's title (default: event, season, circuit, date and session from the file names)."
)


def _lang(lang: str) -> str:
    from stintlab.report.story import LANGS

    lang = (lang or "en").lower()
    if lang not in LANGS:
        raise StintlabUsageError(f"unknown language {lang!r} (use en or fr)")
    return lang


def _complete_car(ctx: typer.Context, incomplete: str):
    """Shell completion of ``--car``: the car numbers (and teams) of FILE."""
    try:
        from stintlab.race import load

        file = ctx.params.get("file")
        if file is None:
            from stintlab.report.sections import demo_path

            file = demo_path()
        cars = load(file, find_results=False).cars
    except Exception:  # completion never fails loudly
        return []
    teams = [t if isinstance(t, str) else "" for t in cars["team"]]  # no TEAM column: no "<NA>" help text
    return [(str(c), t) for c, t in zip(cars["car"], teams, strict=False) if str(c).startswith(incomplete)]


def _race_or_demo(
    file: Path | None, results: Path | None, quiet: bool, archived: str | None = None, db=None, entry_list=None
):
    """The race of FILE, an archived race (``--race ID``), or the embedded demo race when neither is
    given; (race, is_demo). Its categories come from the same sources as every command
    (:func:`stintlab.commands._common.use_categories`)."""
    if archived is not None:
        if file is not None:
            raise StintlabUsageError("give either FILE or --race, not both")
        from stintlab.archive.store import open_race

        return use_categories(open_race(archived, db), entry_list, db), False
    if file is not None:
        return load_race(file, results, quiet=quiet, entry_list=entry_list, db=db), False
    from stintlab.report.sections import demo_path

    path = demo_path()
    if path is None:
        raise StintlabUsageError("no FILE given and the embedded demo race is not available")
    return load_race(Path(path), None, quiet=quiet, entry_list=entry_list, db=db), True


def report(
    file: Path = typer.Argument(
        None, help="Lap file or the event folder holding one; omit it for the embedded demo race."
    ),
    car: str = typer.Option(
        None, "--car", "-c", help="Car number to follow (highlighted, with its story).", autocompletion=_complete_car
    ),
    lang: str = typer.Option(
        "en", "--lang", "-l", help="Language of the page and story: en or fr.", autocompletion=complete_lang
    ),
    output: Path = typer.Option(Path("report.html"), "--output", "-o", dir_okay=False, help="HTML file to write."),
    results: Path = ResultsOpt,
    as_json: bool = typer.Option(False, "--json", help="Print what was written as JSON."),
    archived: str = RaceOpt,
    db: Path = DbOpt,
    entry_list: Path = EntryOpt,
    title: str = TitleOpt,
    csv_dir: Path = typer.Option(
        None, "--csv", file_okay=False, help="Also write every table of the report as CSV files into this folder."
    ),
    pdf: Path = typer.Option(
        None, "--pdf", dir_okay=False, help="Also print the report to this PDF file (needs Playwright and Chromium)."
    ),
    rules: str = typer.Option(
        None, "--rules", help="Rule set (name or .toml) for the drive-time minimums; default: the one that applies."
    ),
):
    """Write one self-contained HTML race report (plotly embedded, no network needed to open it)."""
    from rich.markup import escape

    from stintlab.report.html import build_report

    lang = _lang(lang)
    quiet = as_json or not err_console.is_terminal
    race, demo = _race_or_demo(file, results, quiet, archived, db, entry_list)
    _set_title(race, title)
    if quiet:
        doc = build_report(race, car=car, lang=lang, demo=demo, rules=rules)
    else:
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        with Progress(
            TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=err_console, transient=True
        ) as progress:
            task = progress.add_task("Building report", total=None)

            def step(label: str, done: int, total: int) -> None:
                progress.update(task, description=label, completed=done, total=total)

            doc = build_report(race, car=car, lang=lang, demo=demo, progress=step, rules=rules)
    write_atomically(output, doc.html)
    csv_files = None
    if csv_dir is not None:
        from stintlab.report.export import write_tables

        csv_files = write_tables(race, csv_dir, doc.car)
    pdf_bytes = None
    if pdf is not None:
        from stintlab.report.pdf import print_pdf

        if quiet:
            pdf_bytes = print_pdf(output, pdf)
        else:
            with err_console.status(f"Printing {pdf} with Chromium ..."):
                pdf_bytes = print_pdf(output, pdf)
    summary = {
        "output": str(output),
        "bytes": output.stat().st_size,
        "race": race.name,
        "title": race.title,
        "demo": demo,
        "car": doc.car,
        "lang": lang,
        "sections": doc.sections,
        "missing_sections": doc.missing,
    }
    if csv_files is not None:
        summary["csv"] = csv_files
    if pdf is not None:
        summary["pdf"], summary["pdf_bytes"] = str(pdf), pdf_bytes
    if as_json:
        print(json.dumps(summary, ensure_ascii=False, indent=2))
        return
    console.print(
        f"Wrote [bold]{escape(str(output))}[/bold] ({summary['bytes'] / 1e6:.1f} MB): {escape(race.title)}"
        + (" — embedded demo race" if demo else "")
        + (f", car #{doc.car}" if doc.car else "")
    )
    if csv_files is not None:
        console.print(f"Wrote {len(csv_files)} CSV tables into [bold]{escape(str(csv_dir))}[/bold]")
    if pdf is not None:
        console.print(f"Wrote [bold]{escape(str(pdf))}[/bold] ({pdf_bytes / 1e6:.1f} MB)")
    if doc.missing:
        err_console.print(f"[yellow]Left out (analysis not available): {', '.join(doc.missing)}[/yellow]")


def story(
    file: Path = typer.Argument(
        None, help="Lap file or the event folder holding one (or --race ID from the archive)."
    ),
    car: str = typer.Option(..., "--car", "-c", help="Car number.", autocompletion=_complete_car),
    lang: str = typer.Option("en", "--lang", "-l", help="en or fr.", autocompletion=complete_lang),
    results: Path = ResultsOpt,
    as_json: bool = typer.Option(False, "--json", help="Print the sentences with their laps as JSON."),
    full: bool = typer.Option(False, "--full", help="The full chronological account instead of the short story."),
    archived: str = RaceOpt,
    db: Path = DbOpt,
    entry_list: Path = EntryOpt,
    title: str = TitleOpt,
):
    """The story of one car's race, in English or French, as a journalist writes it (at most 12
    sentences: headline, decisive moments, hourly marks, crew, what-if, pace); --full tells the
    whole race in order. Each sentence names the laps behind it."""
    from rich.markup import escape

    from stintlab.report.sections import car_or_error
    from stintlab.report.story import journalist_story
    from stintlab.report.story import story as chronological

    build_story = chronological if full else journalist_story

    lang = _lang(lang)
    if file is None and archived is None:
        raise StintlabUsageError("give a lap FILE or --race ID from the archive")
    race, _demo = _race_or_demo(file, results, as_json, archived, db, entry_list)
    _set_title(race, title)
    car = car_or_error(race, car)
    if as_json or not err_console.is_terminal:
        sentences = build_story(race, car, lang=lang)
    else:
        with err_console.status(f"Writing the story of #{car} ..."):
            sentences = build_story(race, car, lang=lang)
    if as_json:
        print(
            json.dumps(
                {"race": race.name, "title": race.title, "car": car, "lang": lang, "full": full,
                 **({} if full else {k: next((x["text"] for x in sentences if x["key"] == k), None)
                                     for k in ("headline", "whatif")}),
                 "sentences": sentences}, ensure_ascii=False, indent=2
            )
        )
        return
    console.print(f"[bold]{escape(race.title_in(lang))} — #{escape(car)}[/bold]", highlight=False)  # the story's language
    for s in sentences:
        laps = s.get("laps") or []
        ref = f"  [dim]({_laps_label(laps, lang)})[/dim]" if laps else ""
        console.print(escape(s["text"]) + ref, highlight=False)


def _set_title(race, title: str | None) -> None:
    """``--title``: the race's title in every heading of this run."""
    if title is not None:
        if not title.strip():
            raise StintlabUsageError("--title is empty")
        race.meta["title"] = " ".join(title.split())


def _laps_label(laps: list[int], lang: str) -> str:
    from stintlab.report.story import laps_label

    return laps_label(laps, lang)


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app`` (called once by :func:`stintlab.cli.build_app`)."""
    for command in (report, story):
        app.command()(command)
