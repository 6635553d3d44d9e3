"""Helpers shared by the command modules: loading a race with a progress indicator and
printing results as a rich table or as JSON (the JSON keys are the public interface,
documented in docs/cli.md)."""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from stintlab.errors import StintlabError, StintlabUsageError

__all__ = [
    "FORMATS", "FormatOpt", "JsonOpt", "PLAIN_ROWS", "complete_lang", "console", "emit", "err_console", "load_race", "output_format",
    "plain_table", "records", "to_jsonable", "use_categories", "write_atomically", "write_csv",
]  # fmt: skip

# The serialiser's functions, imported on first call: pandas and numpy (which stintlab.serial
# imports) are not needed to build the CLI or to answer ``--help`` (benchmarks/bench_cli.py).
def records(df, columns: list[str] | None = None) -> list[dict]:
    """:func:`stintlab.serial.records`."""
    from stintlab.serial import records

    return records(df, columns)


def to_jsonable(value: Any) -> Any:
    """:func:`stintlab.serial.to_jsonable`."""
    from stintlab.serial import to_jsonable

    return to_jsonable(value)


def write_csv(fh, rows: list[dict], keys: list[str]) -> None:
    """:func:`stintlab.serial.write_csv`."""
    from stintlab.serial import write_csv

    write_csv(fh, rows, keys)


def write_atomically(path, text: str, newline: str | None = None) -> None:
    """:func:`stintlab.serial.write_atomically`."""
    from stintlab.serial import write_atomically

    write_atomically(path, text, newline)


def complete_lang(incomplete: str):
    """Shell completion of ``--lang``: the story catalogs' languages."""
    from stintlab.report.story import LANGS

    return [x for x in LANGS if x.startswith(incomplete)]


console = Console()
if not console.is_terminal:  # piped or captured output: do not squeeze tables into 80 columns
    console = Console(width=200)
err_console = Console(stderr=True)


def load_race(path: Path, results: Path | None = None, *, quiet: bool = False, entry_list=None, db=None):
    """Load a race, showing a spinner on stderr while it loads, with its categories' sources wired
    (:func:`use_categories`)."""
    from stintlab.race import load

    if quiet or not err_console.is_terminal:
        race = load(path, results=results)
    else:
        with err_console.status(f"Reading {Path(path).name} ..."):
            race = load(path, results=results)
    if race.meta.get("results_refused"):  # another race's classification: said, then not used
        print(f"stintlab: warning: {race.meta['results_refused']}", file=sys.stderr)  # one line, never wrapped
    return use_categories(race, entry_list, db)


def use_categories(race, entry_list=None, db=None):
    """Give ``race`` its category sources, the same for every command: the user's ``--entry-list``
    (checked now: a bad file fails before any work) and the archive's registry (``--db``, else the
    default archive when it exists). Returns ``race``."""
    if entry_list is not None:
        from stintlab.analysis.categories import read_entry_list

        read_entry_list(entry_list)
        race.entry_list = Path(entry_list)
    race.category_lookup = _archive_lookup(db)
    return race


def _archive_lookup(db):
    """:func:`stintlab.archive.registry.category_lookup` of ``db``, made when a command first asks a
    driver's category: the commands that never do (``info``, ``stops``, ...) do not import the archive
    and DuckDB."""
    made = []

    def lookup(race, names: list[str]):
        if not made:
            from stintlab.archive.registry import category_lookup

            made.append(category_lookup(db, required=db is not None))
        return made[0](race, names)

    return lookup


#: ``--format`` values of the table commands (``--json`` is an alias of ``--format json``).
FORMATS = ("table", "csv", "json")
#: More rows than this are printed as plain text even on a terminal (a rich table of 1,548 stops
#: takes over a second to draw; benchmarks/bench_cli_output.py).
PLAIN_ROWS = 200

FormatOpt = typer.Option(
    None, "--format", help="Output: table (plain text when piped or long), csv or json (raw seconds).", case_sensitive=False
)
JsonOpt = typer.Option(False, "--json", help="Print JSON (same as --format json).")


def output_format(fmt: str | None, as_json: bool = False) -> str:
    """The output format of a table command from ``--format`` and its ``--json`` alias."""
    if fmt is None:
        return "json" if as_json else "table"
    fmt = fmt.strip().lower()
    if fmt not in FORMATS:
        raise StintlabUsageError(f"unknown --format {fmt!r} (use {', '.join(FORMATS)})")
    if as_json and fmt != "json":
        raise StintlabUsageError(f"--json and --format {fmt} disagree: give one")
    return fmt


def emit(
    data: Any,
    fmt: str | bool,
    *,
    title: str | None = None,
    columns: list[str] | None = None,
    formats: dict[str, Any] | None = None,
) -> None:
    """Print ``data`` (DataFrame, list of dicts or dict) in ``fmt``: ``json`` and ``csv`` keep raw
    values (seconds); ``table`` words them through :mod:`stintlab.display`, as a rich table on a
    terminal, as plain aligned text when piped or longer than :data:`PLAIN_ROWS` rows.
    ``fmt`` True / False is the old ``as_json`` flag; ``formats`` maps a column to the
    :mod:`stintlab.display` function that words it when its name does not tell."""
    from stintlab.serial import records, to_jsonable, write_csv

    fmt = {True: "json", False: "table"}.get(fmt, fmt) if isinstance(fmt, bool) else fmt
    pd = sys.modules.get("pandas")  # no DataFrame can exist before pandas is imported
    if pd is not None and isinstance(data, pd.DataFrame):
        data = records(data, columns)
    if fmt == "json":
        print(json.dumps(to_jsonable(data), ensure_ascii=False, indent=2))
        return
    if isinstance(data, dict):
        keys, rows = ["key", "value"], [{"key": str(k), "value": v} for k, v in data.items()]
    else:
        rows = list(data)
        keys = columns or (list(rows[0].keys()) if rows else [])
    if fmt == "csv":
        write_csv(sys.stdout, rows, keys)
        return
    formats = formats or {}
    word = _cell_function()
    if isinstance(data, dict):  # a value is worded by its own key (drive_time: h:mm:ss), not by "value"
        cells = [[r["key"], formats[r["key"]](r["value"]) if r["key"] in formats else word(r["key"], r["value"])]
                 for r in rows]  # fmt: skip
    else:
        cells = [[formats[k](r.get(k)) if k in formats else word(k, r.get(k)) for k in keys] for r in rows]
    if not console.is_terminal or len(cells) > PLAIN_ROWS:
        sys.stdout.write(plain_table(cells, keys, title=title, header=not isinstance(data, dict)))
        sys.stdout.flush()
        return
    from rich.table import Table

    if isinstance(data, dict):
        table = Table(title=title, show_header=False)
        table.add_column("key", style="bold")
        table.add_column("value")
    else:
        table = Table(title=title)
        for k in keys:
            table.add_column(k, overflow="fold")
    for row in cells:
        table.add_row(*row)
    console.print(table)


def plain_table(cells: list[list[str]], keys: list[str], *, title: str | None = None, header: bool = True) -> str:
    """Rows of text as aligned columns (two spaces apart), the title first: what a pipe or a long
    table gets instead of a rich table."""
    lines = [title] if title else []
    body = ([list(keys)] if header else []) + cells
    if not body:
        return "\n".join(lines) + ("\n" if lines else "")
    widths = [max(len(row[i]) for row in body) for i in range(len(keys))]
    for row in body:
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())
    return "\n".join(lines) + "\n"


@functools.cache
def _cell_function():
    """:func:`_cell` with its imports done once (it runs for every cell of a table)."""
    from stintlab.display import cell
    from stintlab.serial import to_jsonable

    def _cell(key: str, v: Any) -> str:
        v = to_jsonable(v)
        if isinstance(v, (list, dict)) and v and any(isinstance(x, (list, dict)) for x in (v if isinstance(v, list) else v.values())):
            return json.dumps(v, ensure_ascii=False)
        return cell(key, v)

    return _cell


def _cell(key: str, v: Any) -> str:
    """One value of column ``key`` as the text of a table cell (nested data as JSON)."""
    return _cell_function()(key, v)


def race_time_arg(text: str, option: str, example: str) -> float:
    """A race time typed by a user (``H:MM:SS(.s)``, ``MM:SS``) in seconds; minutes and seconds must stay
    below 60 (the reader's parser is lenient: "99:99" would read as 1:40:39). A usage error names ``option``
    and shows ``example`` otherwise."""
    from stintlab.io.values import parse_time_text

    try:
        t = parse_time_text(text)
        if any(float(part) >= 60 for part in text.strip().split(":")[1:]):
            raise ValueError(text)
        return t
    except (ValueError, StintlabError):
        raise StintlabUsageError(f"{option} wants a race time like {example} (got {text!r})") from None
