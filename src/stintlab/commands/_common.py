"""Helpers shared by the command modules: loading a race with a progress indicator and
printing results as a rich table or as JSON (the JSON keys are the public interface,
documented in docs/cli.md)."""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
from rich.console import Console
from rich.table import Table

from stintlab.errors import StintlabUsageError
from stintlab.serial import records, to_jsonable

__all__ = ["console", "emit", "err_console", "load_race", "records", "to_jsonable", "use_categories", "write_atomically"]

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
    from stintlab.analysis.categories import read_entry_list
    from stintlab.archive.registry import category_lookup

    if entry_list is not None:
        read_entry_list(entry_list)
        race.entry_list = Path(entry_list)
    race.category_lookup = category_lookup(db, required=db is not None)
    return race


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder, renamed over ``path``
    once complete: a full disk or a kill leaves the old file (or none), never a truncated one."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as e:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise StintlabUsageError(f"{path}: cannot write the file ({e.strerror or e}); nothing was changed") from None


def emit(data: Any, as_json: bool, *, title: str | None = None, columns: list[str] | None = None) -> None:
    """Print ``data`` (DataFrame, list of dicts or dict) as JSON or as a rich table."""
    if isinstance(data, pd.DataFrame):
        data = records(data, columns)
    if as_json:
        print(json.dumps(to_jsonable(data), ensure_ascii=False, indent=2))
        return
    if isinstance(data, dict):
        table = Table(title=title, show_header=False)
        table.add_column("key", style="bold")
        table.add_column("value")
        for k, v in data.items():
            table.add_row(str(k), _cell(v))
        console.print(table)
        return
    rows = list(data)
    table = Table(title=title)
    keys = columns or (list(rows[0].keys()) if rows else [])
    for k in keys:
        table.add_column(k, overflow="fold")
    for r in rows:
        table.add_row(*[_cell(r.get(k)) for k in keys])
    console.print(table)


def _cell(v: Any) -> str:
    v = to_jsonable(v)
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.3f}".rstrip("0").rstrip(".")
    if isinstance(v, (list, dict)):
        return json.dumps(v, ensure_ascii=False)
    return str(v)
