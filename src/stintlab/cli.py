"""The ``stintlab`` command line (typer + rich).

Commands live in :mod:`stintlab.commands`, one module per area; each exposes
``register(app)``, and :func:`build_app` calls them in help order. Every error stintlab
raises on purpose is printed as one line on stderr with exit code 2, never a traceback.
"""

from __future__ import annotations

import inspect
import re
import sys

import typer

from stintlab.commands import (
    archive,
    archive_scale,
    categories,
    core,
    drivers,
    live,
    project,
    race_state,
    rating,
    report,
    sim,
    web,
)
from stintlab.errors import StintlabError

#: Command modules in the order ``stintlab --help`` lists them: a race first, then its
#: analyses, faces, tools.
COMMAND_MODULES = (core, race_state, drivers, categories, rating, report, sim, project, web, archive, archive_scale, live)


def build_app() -> typer.Typer:
    """The ``stintlab`` typer application with every command registered."""
    cli = typer.Typer(
        name="stintlab",
        help="Endurance-race intelligence from official lap-by-lap timing files.",
        no_args_is_help=True,
        add_completion=True,
        pretty_exceptions_enable=False,
    )
    for module in COMMAND_MODULES:
        module.register(cli)
    _plain_helps(cli)
    return cli


_ROLE = re.compile(r":[a-z]+:`~?([^`]+)`")  # :func:`x` -> x


def plain_help(doc: str) -> str:
    r"""A command's docstring as ``--help`` shows it: plain text (no RST ``literal`` quotes or
    :role:`x` markup), each paragraph on one line so the help panel wraps it at the terminal's
    width instead of breaking where the source line ended. Paragraphs stay apart.

    >>> plain_help("Check the rules (``--force``\nto override).\n\nSee :func:`stintlab.x`.")
    'Check the rules (--force to override).\n\nSee stintlab.x.'
    """
    text = _ROLE.sub(r"\1", doc).replace("``", "")
    paragraphs = re.split(r"\n\s*\n", text.strip())
    return "\n\n".join(" ".join(p.split()) for p in paragraphs)


def _plain_helps(cli: typer.Typer) -> None:
    """Give every command (groups' commands too) its help as :func:`plain_help` of its docstring."""
    for c in cli.registered_commands:
        doc = c.help if c.help is not None else inspect.getdoc(c.callback)
        if doc:
            c.help = plain_help(doc)
    for g in cli.registered_groups:
        if g.typer_instance is not None:
            _plain_helps(g.typer_instance)


app = build_app()


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    try:
        app(args=argv, standalone_mode=False)
    except StintlabError as exc:
        typer.echo(f"stintlab: error: {exc}", err=True)
        return 2
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        typer.echo("stintlab: aborted", err=True)
        return 1
    except KeyboardInterrupt:
        typer.echo("stintlab: interrupted", err=True)
        return 130
    except Exception as exc:  # click usage errors and the like
        import click  # not a dependency of typer >= 0.29 (uvicorn brings it): imported only when needed

        # typer >= 0.29 vendors click: its usage errors (e.g. an unknown option) derive from
        # typer.exceptions.TyperException, not from click's ClickException
        usage = (click.exceptions.ClickException, typer.exceptions.TyperException)
        if isinstance(exc, usage) and hasattr(exc, "format_message"):
            # one line, like every other error: the message and where to look for help
            ctx = getattr(exc, "ctx", None)
            where = f" (see '{ctx.command_path} --help')" if ctx is not None and getattr(ctx, "command_path", None) else ""
            message = " ".join(str(exc.format_message()).split())
            typer.echo(f"stintlab: error: {message}{where}", err=True)
            return 2
        if isinstance(exc, usage) and hasattr(exc, "show"):
            exc.show()
            return 2
        if isinstance(exc, (OSError,)):
            typer.echo(f"stintlab: error: {exc}", err=True)
            return 2
        raise
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
