"""``stintlab drivers`` (pace rankings per class and FIA category) and ``stintlab rules``
(driving-time and crew checks). JSON keys are documented in docs/metrics.md and docs/rules.md."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from stintlab.commands._common import FormatOpt, JsonOpt, emit, err_console, load_race, output_format, records
from stintlab.errors import StintlabUsageError

if TYPE_CHECKING:
    import pandas as pd

DRIVER_KEYS = [
    "driver", "car", "class", "category", "clean_laps", "best_lap", "ideal_lap", "best_10", "best_20pct",
    "median_clean", "index", "class_rank", "category_rank",
]  # fmt: skip
CATEGORY_PROVENANCE = ["category_source", "season_observed", "category_series", "category_race", "category_conflict",
                       "category_probability", "category_evidence"]  # fmt: skip
DRIVER_EXTRA_KEYS = [
    "team", "category_source", "season_observed", "category_series", "category_race", "category_conflict",
    "category_probability", "category_evidence",
    "best_10_n", "best_20pct_k", "stint_avg", "stint_avg_n", "spread", "index_n",
    "metric", "value", "ci_low", "ci_high", "low_sample", "close_to_next",
]  # fmt: skip
CREW_KEYS = ["car", "class", "team", "clean_laps", "best_lap", "ideal_lap", "best_10", "best_20pct", "median_clean",
             "stint_avg", "index", "spread", "metric", "value", "ci_low", "ci_high", "class_rank", "low_sample",
             "close_to_next"]  # fmt: skip
RULES_LIST_KEYS = ["name", "series", "season", "source"]
RULE_DRIVER_KEYS = ["driver", "car", "total", "longest_spell", "worst_window", "verdict", "class", "category", "spells",
                    "min_total", "max_total", "finished", "category_source"]  # fmt: skip
RULE_CREW_KEYS = ["car", "composition", "verdict", "class", "drivers", "rule", "detail"]
VIOLATION_KEYS = ["car", "driver", "rule", "laps", "detail", "class", "category", "source"]

FileArg = typer.Argument(..., help="Lap file (Al Kamel Analysis, WIGE, SRO sector list) or the event folder holding one.")
EntryOpt = typer.Option(None, "--entry-list", dir_okay=False, help="Entry list (CSV or YAML: car, driver, category).")
ResultsOpt = typer.Option(None, "--results", help="Official classification file (default: one found beside FILE).")
DbOpt = typer.Option(
    None,
    "--db",
    envvar="STINTLAB_ARCHIVE",
    dir_okay=False,
    help="Archive whose category registry grades the drivers the race does not (default archive when it exists).",
)


def _report_unmatched(unmatched: pd.DataFrame) -> None:
    if unmatched is None or unmatched.empty:
        return
    for side, g in unmatched.groupby("side", sort=False):
        names = ", ".join(
            f"#{c} {d}" if isinstance(c, str) else str(d) for c, d in zip(g["car"], g["driver"], strict=True)
        )
        err_console.print(f"[yellow]unmatched in {side} ({len(g)}):[/yellow] {names}", highlight=False)


def category_provenance(row: dict, season: int | None) -> str:
    """Where a driver's category comes from, in words: ``IMSA 2024; none for 2022`` for an archived
    category of another season, ``IMSA 2024`` for the race's own season, the source otherwise;
    other categories seen that season follow (``also Silver``)."""
    src = row.get("category_source")
    if src == "estimated":
        how = "the crew rule" if row.get("category_evidence") == "crew rule" else "pace"
        where = f" at {row['category_race']}" if row.get("category_race") else ""  # stored from another race
        return f"estimated from {how}{where} (p {row['category_probability']:.2f}, measured precision)"
    if src != "archive":
        return "" if src in (None, "unknown") else str(src)
    seen = row.get("season_observed")
    text = f"{row.get('category_series') or '?'} {seen}"
    if season is not None and seen is not None and int(seen) != int(season):
        text += f"; none for {season}"
    if row.get("category_conflict"):
        text += f"; also {row['category_conflict']}"
    return text


def _pick_class(table: pd.DataFrame, cls: str | None, what: str = "class") -> pd.DataFrame:
    from stintlab.analysis.lookup import find_class

    if not cls:
        return table
    return table[table["class"].astype(str) == find_class(table["class"], cls, what=what)]


def drivers(
    file: Path = FileArg,
    cls: str = typer.Option(None, "--class", help="Only this class (case-insensitive)."),
    category: str = typer.Option(None, "--category", help="Only this FIA category (Platinum, Gold, Silver, Bronze)."),
    by: str = typer.Option(
        "index",
        "--by",
        help="Ranking metric: best_lap, ideal_lap, best_10, best_20pct, median_clean, stint_avg, index, spread.",
    ),
    entry_list: Path = EntryOpt,
    results: Path = ResultsOpt,
    db: Path = DbOpt,
    best: bool = typer.Option(False, "--best", help="Print the best performer of each category in each class instead."),
    crews: bool = typer.Option(False, "--crews", help="Rank the crews (cars) in class instead of the drivers."),
    min_laps: int | None = typer.Option(
        None, "--min-laps", help="Drivers with fewer clean laps are flagged low_sample (default: 10; 4 on laps of 6 min or more)."
    ),
    as_json: bool = JsonOpt,
    fmt: str = FormatOpt,
):
    """Driver pace per class and FIA category, ranked by a metric (seconds; index: 100 = class pace)."""
    from stintlab.archive.registry import race_season
    from stintlab.display import lap_time, number

    fmt = output_format(fmt, as_json)
    as_json = fmt != "table"  # JSON and CSV keep raw seconds
    from stintlab.analysis.headline import BEST_HEADLINE_COLUMNS, best_headline, category_headline

    race = load_race(file, results, entry_list=entry_list, db=db)
    if min_laps is None:  # the race's minimum: 10 clean laps, 4 on long laps (stintlab.analysis.pace.min_clean_laps)
        from stintlab.analysis.pace import min_clean_laps

        min_laps = min_clean_laps(race.clean_laps)
    if crews:
        ct = _pick_class(race.crew_rankings(by, min_laps=min_laps), cls)
        emit(
            records(ct, CREW_KEYS),
            fmt,
            title=f"{race.title}: crews ranked by {ct['metric'].iat[0] if len(ct) else by}",
        )
        return
    cats, unmatched = race.category_resolution
    _report_unmatched(unmatched)
    if cats["category"].isna().all() and not as_json:
        err_console.print(
            "no FIA driver categories for this race (give --entry-list, or archive races that carry them):"
            " category ranks are empty",
            highlight=False,
        )
    table = race.driver_rankings(by, min_laps=min_laps)
    table = table.merge(cats[["car", "driver", *CATEGORY_PROVENANCE[1:]]], on=["car", "driver"], how="left")
    table["category_source"] = table["category_source"].fillna("unknown")
    table = _pick_class(table, cls)
    if category:
        norm = category.strip().capitalize()
        if norm not in ("Platinum", "Gold", "Silver", "Bronze"):
            raise StintlabUsageError(f"unknown category {category!r} (Platinum, Gold, Silver, Bronze)")
        if table["category"].isna().all():
            raise StintlabUsageError("this race has no driver categories: give an --entry-list (car, driver, category)")
        table = table[table["category"] == norm]
    if best:
        head = category_headline(table)
        if as_json:  # the best performer by --by and the headline by both FIA figure and index (schema: best_headline)
            emit(records(best_headline(table), BEST_HEADLINE_COLUMNS), fmt)
            return
        emit(
            headline_rows(head, table),
            fmt,
            title=f"{race.title} — best performer per class and FIA category (* estimated category; "
            f"'if wrong': who would lead if an estimated category were wrong; drivers: ranked of all, "
            f"a driver with fewer than {min_laps} clean laps is not ranked)",
        )
        _report_unranked(table, min_laps)
        return
    rows = records(table, DRIVER_KEYS + DRIVER_EXTRA_KEYS)
    if as_json:
        emit(rows, fmt)
        return
    metric = rows[0]["metric"] if rows else by
    season = race_season(race)
    table_rows = []
    for r in rows:
        lo, hi = r["ci_low"], r["ci_high"]
        val = r["value"]
        word = (lambda x: number(x, 2)) if metric in ("index", "spread") else lap_time
        table_rows.append(
            {
                "#": r["class_rank"],
                "cat#": r["category_rank"],
                "driver": r["driver"],
                "car": r["car"],
                "class": r["class"],
                "cat": r["category"],
                "cat from": category_provenance(r, season),
                "laps": str(r["clean_laps"]) + ("*" if r["low_sample"] else ""),
                "best": lap_time(r["best_lap"]),
                "best10": lap_time(r["best_10"]),
                "best20%": lap_time(r["best_20pct"]),
                "median": lap_time(r["median_clean"]),
                "index": number(r["index"], 2),
                metric + " (90% ci)": ""
                if val is None
                else f"{word(val)} ({word(lo)}-{word(hi)})"
                if lo is not None
                else word(val),
            }
        )
    emit(table_rows, fmt, title=f"{race.title}: drivers ranked by {metric} (* fewer than {min_laps} clean laps)")


def _report_unranked(table: pd.DataFrame, min_laps: int) -> None:
    """Name on stderr the drivers the headline leaves out (fewer than ``min_laps`` clean laps)."""
    low = table[table["low_sample"].fillna(True).astype(bool)]
    if low.empty:
        return
    names = "; ".join(
        f"{c} #{car} {d} ({n})"
        for c, car, d, n in zip(low["class"], low["car"], low["driver"], low["clean_laps"], strict=True)
    )
    err_console.print(
        f"not ranked, fewer than {min_laps} clean laps ({len(low)}; clean laps in brackets): {names}", highlight=False
    )


def headline_rows(head: pd.DataFrame, table: pd.DataFrame | None = None) -> list[dict]:
    """The headline table (:func:`stintlab.analysis.headline.category_headline`) as display rows;
    with the ranking ``table``, ``drivers`` reads "ranked of all" (``68 of 69``) when some are not ranked."""
    from stintlab.display import lap_time, number

    rows = []
    from stintlab.analysis.headline import category_sizes

    every = category_sizes(table)
    for r in records(head, list(head.columns)):
        total = every.get((str(r["class"]), str(r["category"])), r["drivers"])
        ranked = f"{r['drivers']} of {total}" if total != r["drivers"] else str(r["drivers"])
        row = {"class": r["class"], "category": r["category"], "drivers": f"{ranked} ({r['estimated']} est.)"}
        for fig, label, word in (("fia", "FIA 10-lap mean", lap_time), ("index", "index", lambda x: number(x, 2))):
            if r[f"{fig}_driver"] is None:
                row[label] = ""
                continue
            star = "*" if r[f"{fig}_category_source"] == "estimated" else ""
            row[label] = f"#{r[f'{fig}_car']} {r[f'{fig}_driver']}{star} {word(r[f'{fig}_value'])} ({r[f'{fig}_laps']} laps)"
            who = r[f"{fig}_if_wrong_driver"]
            row[f"{label}: if wrong"] = "" if who is None else f"{who} ({r[f'{fig}_if_wrong_category']})"
        row["same"] = "yes" if r["same_driver"] else "no"
        rows.append(row)
    return rows


def rules(
    file: Path = typer.Argument(
        None, help="Lap file to check: Al Kamel, WIGE (NLS) or SRO sector list, or its event folder (omit with --list)."
    ),
    rules_name: str = typer.Option(None, "--rules", help="Rule set name (see --list) or a .toml file."),
    list_: bool = typer.Option(False, "--list", help="List the shipped rule sets."),
    entry_list: Path = EntryOpt,
    results: Path = ResultsOpt,
    db: Path = DbOpt,
    force: bool = typer.Option(
        False, "--force", help="Check against a rule set meant for another series/season anyway (loud warning)."
    ),
    as_json: bool = JsonOpt,
    fmt: str = FormatOpt,
):
    """Check driving times and crew line-ups against a rule set, or list the rule sets (--format csv
    prints the three tables one after the other, each after a line "# name"). Without --rules the
    shipped set meant for the race's series, season and event is used; a set meant for another
    series or season is refused unless --force."""
    from stintlab.analysis.rules import check_laps, list_rules

    fmt = output_format(fmt, as_json)
    if list_:
        emit(records(list_rules(), RULES_LIST_KEYS), fmt, title="Rule sets")
        return
    if file is None:
        raise StintlabUsageError("give a lap FILE and --rules NAME, or --list")
    race = load_race(file, results, entry_list=entry_list, db=db)
    rule_set, applies_note = choose_rules(race, rules_name, force)
    cats, unmatched = race.category_resolution
    _report_unmatched(unmatched)
    # verdicts rest on graded categories only: an estimate (the crew rule assumes a legal crew) is shown,
    # never evidence for or against a rule
    judged = cats.assign(category=cats["category"].mask(cats["category_source"] == "estimated"))
    out = check_laps(race.laps, rule_set, judged)
    drivers_table = _with_categories(out["drivers"], cats)
    data = {
        "rules": out["rules"].name,
        "drive_time_counts_pit": not out["rules"].exclude_pit,
        "applies": not applies_note,
        "applies_note": applies_note or None,
        "drivers": records(drivers_table, RULE_DRIVER_KEYS),
        "crews": records(out["crews"], RULE_CREW_KEYS),
        "violations": records(out["violations"], VIOLATION_KEYS),
    }
    if fmt == "json":
        emit(data, fmt)
        return
    if fmt == "csv":
        for name, keys in (("drivers", RULE_DRIVER_KEYS), ("crews", RULE_CREW_KEYS), ("violations", VIOLATION_KEYS)):
            print(f"# {name}")
            emit(data[name], fmt, columns=keys)
        return
    title = f"{race.title} — {out['rules'].name}" + (" (RULE SET DOES NOT APPLY TO THIS RACE)" if applies_note else "")
    counting = "pit-lane time excluded" if out["rules"].exclude_pit else "pit stops included"
    emit(data["drivers"], fmt, title=title + f": drivers (drive time: {counting})", columns=RULE_DRIVER_KEYS[:8])
    emit(data["crews"], fmt, title=title + ": crews", columns=RULE_CREW_KEYS[:4])
    emit(data["violations"], fmt, title=title + f": violations ({len(data['violations'])})", columns=VIOLATION_KEYS[:5])


def choose_rules(race, rules_name: str | None, force: bool = False):
    """(rule set, note) for ``race``: ``rules_name`` when it applies to the race's series, season, event and
    length; without a name, the one shipped set that applies. A set that does not apply is refused
    (:class:`StintlabUsageError`) unless ``force``, then returned with the reason as ``note`` (printed loudly)."""
    from stintlab.analysis.rules import list_rules
    from stintlab.archive.registry import race_season

    meta = race.meta
    season = meta.get("season") or race_season(race)
    where = f"{meta.get('series') or '?'} {season or '?'} {meta.get('event') or ''}".strip()
    rs, why = race.rule_fit(rules_name or None)  # the one decision (the report's drive-time section uses it too)
    if rs is None:
        shipped = ", ".join(list_rules()["name"])
        raise StintlabUsageError(f"{why}; give --rules NAME (shipped: {shipped}) or a .toml file")
    if not rules_name:
        err_console.print(f"rule set: {rs.name} (meant for {where})", highlight=False)
    if why and not force:
        raise StintlabUsageError(
            f"rule set {rs.name} does not apply to this race ({where}): {why}. Its \"violations\" would be "
            "another series' or season's rules; give --force to check anyway"
        )
    if why:
        err_console.print(
            f"[bold red]WARNING: rule set {rs.name} does not apply to this race ({where}): {why}. "
            "Verdicts below are against rules that were not in force.[/bold red]",
            highlight=False,
        )
    return rs, why


def _with_categories(table: pd.DataFrame, cats: pd.DataFrame) -> pd.DataFrame:
    """``table`` (car, driver, ...) with every driver's category and category_source from ``cats``."""
    import pandas as pd

    from stintlab.names import name_key

    look = {
        (str(c), name_key(d)): (k, s)
        for c, d, k, s in zip(cats["car"], cats["driver"], cats["category"], cats["category_source"], strict=True)
    }
    hits = [
        look.get((str(c), name_key(d)), (None, "unknown")) for c, d in zip(table["car"], table["driver"], strict=True)
    ]
    return table.assign(
        category=pd.array([None if pd.isna(k) else k for k, _ in hits], dtype="string"),
        category_source=[s for _, s in hits],
    )


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app`` (called once by :func:`stintlab.cli.build_app`)."""
    for command in (drivers, rules):
        app.command()(command)
