"""The command stage of a fuzz case: every command that reads one race file, run in-process
through :func:`stintlab.cli.main` (no subprocess), each outcome "ok" (exit 0; with --json, output
that parses), "typed" (exit 2 with exactly one ``stintlab: error`` line) or "untyped" (anything
else: a traceback escaping ``main``, another exit code, two lines, output that is not JSON)."""

from __future__ import annotations

import contextlib
import io
import json
from collections import Counter
from pathlib import Path

from stintlab.cli import main
from stintlab.fuzz.guards import CaseTimeout, MemoryLimit, tail

__all__ = ["ARCHIVE_ADD", "CLASSIFICATION_COMMANDS", "COMMANDS", "command_name", "run_command", "run_commands"]

ARCHIVE_ADD = ("archive", "add", "--db", "{db}", "--series", "WEC", "--season", "2023", "--event", "fuzz", "--json")
COMMANDS = (
    ("info",),
    ("classification",),
    ("standings",),
    ("standings", "--hour", "1"),
    ("standings", "--at", "0:30:00"),
    ("stints", "--car", "{car}"),
    ("stops",),
    ("flags",),
    ("events", "--car", "{car}"),
    ("losses",),
    ("drivers",),
    ("rules", "--rules", "wec-6h-2021", "--force"),  # refused without --force on races it is not meant for
    ("story", "--car", "{car}"),
    ("story", "--car", "{car}", "--lang", "fr"),
    ("whatif", "--car", "{car}", "--lap", "{lap}=clean", "--runs", "10"),
    ("report", "-o", "{html}"),
    ARCHIVE_ADD,
)
CLASSIFICATION_COMMANDS = (ARCHIVE_ADD,)
NO_JSON = {"report", "archive"}  # report prints no JSON, archive add has --json already


def _argv(cmd: tuple[str, ...], path: Path, car: str, lap: int, workdir: Path) -> list[str]:
    args = [a.format(car=car, lap=lap, html=workdir / "report.html", db=workdir / "archive.duckdb") for a in cmd]
    if args[0] == "archive":  # archive add [options] PATH
        return [*args, str(path)]
    return [args[0], str(path), *args[1:]] + ([] if args[0] in NO_JSON else ["--json"])


def command_name(cmd: tuple[str, ...]) -> str:
    """How a command line is counted: "standings --hour" for ("standings", "--hour", "1"), "archive add".

    >>> command_name(("story", "--car", "{car}", "--lang", "fr")), command_name(("archive", "add", "--db", "{db}"))
    ('story --lang', 'archive add')
    """
    if cmd[0] == "archive":
        return " ".join(cmd[:2])
    plain = ("--car", "-o", "--runs", "--rules", "--lap")
    return " ".join([cmd[0], *(a for a in cmd[1:] if a.startswith("-") and a not in plain)])


def run_command(argv: list[str]) -> tuple[str, str]:
    """One command in-process through :func:`stintlab.cli.main`: ("ok" | "typed" | "untyped", detail).
    Exit 0 with parseable JSON (when asked), or exit 2 with exactly one error line, is fine."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            rc = main(argv)
        except (CaseTimeout, MemoryLimit):
            raise
        except BaseException as exc:  # escaped main(): a traceback for the user
            return "untyped", tail(exc)
    msg = err.getvalue().strip()
    if rc == 2:
        lines = [x for x in msg.splitlines() if x.startswith("stintlab: error")]
        return (
            ("typed", lines[0][:300]) if len(lines) == 1 else ("untyped", f"exit 2 without one error line: {msg[:200]}")
        )
    if rc != 0:
        return "untyped", f"exit {rc}: {msg[:200]}"
    if "--json" in argv:
        try:
            json.loads(out.getvalue())
        except ValueError:
            return "untyped", f"exit 0 but not JSON: {out.getvalue()[:120]!r}"
    return "ok", ""


@contextlib.contextmanager
def _shared_load(active: bool = True):
    """While active, :func:`stintlab.race.load` loads a file once and hands the same Race to every
    later command (as the web app shares one Race between its pages); a failed load is retried."""
    import stintlab.race as race_module

    real = race_module.load
    memo: dict = {}

    def load(path, *args, **kwargs):
        key = (str(path), repr(args), repr(sorted(kwargs.items())))
        if key not in memo:
            memo[key] = real(path, *args, **kwargs)
        return memo[key]

    import typer

    import stintlab.cli as cli_module

    typer_app = cli_module.app
    if active:
        race_module.load = load
        # the click command typer builds on every call of cli.app (~40 ms), built once: cli.main
        # calls it exactly as it calls the typer app
        cli_module.app = typer.main.get_command(typer_app)
    try:
        yield
    finally:
        race_module.load = real
        cli_module.app = typer_app


def run_commands(
    path: Path, kind: str, car: str, lap: int, workdir: Path, tally: dict | None, shared_load: bool = True
) -> tuple[str, str, str]:
    """Every command of ``kind`` on the mutant; the first bug found (or "ok"), all outcomes tallied.
    ``shared_load``: the commands share one loaded Race (see :func:`_shared_load`)."""
    with _shared_load(shared_load):
        return _each_command(path, kind, car, lap, workdir, tally)


def _each_command(path: Path, kind: str, car: str, lap: int, workdir: Path, tally: dict | None) -> tuple[str, str, str]:
    first = ("ok", "commands", "")
    for cmd in COMMANDS if kind == "laps" else CLASSIFICATION_COMMANDS:
        for leftover in ("archive.duckdb", "archive.duckdb.wal", "archive.duckdb.lock", "report.html"):
            (workdir / leftover).unlink(missing_ok=True)
        name = command_name(cmd)
        result, detail = run_command(_argv(cmd, path, car, lap, workdir))
        if tally is not None:
            tally.setdefault(name, Counter())[result] += 1
        if result == "untyped" and first[0] == "ok":
            first = ("untyped", name, detail)
    return first
