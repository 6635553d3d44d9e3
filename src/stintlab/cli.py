"""The ``stintlab`` command line (typer + rich).

Commands live in :mod:`stintlab.commands`, one module per area; each registers itself on
:data:`app` when imported. Every error stintlab raises on purpose is printed as one line
on stderr with exit code 2, never a traceback.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import typer

from stintlab.errors import StintlabError

app = typer.Typer(
    name="stintlab",
    help="Endurance-race intelligence from official lap-by-lap timing files.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
)


def _register_commands() -> None:
    import stintlab.commands as pkg

    # help lists commands in registration order: a race first, then its analyses, faces, tools
    first = ["core", "race_state", "drivers", "report", "sim", "web", "archive"]
    names = [m.name for m in pkgutil.iter_modules(pkg.__path__) if not m.name.startswith("_")]
    for name in sorted(names, key=lambda n: (first.index(n) if n in first else len(first), n)):
        importlib.import_module(f"stintlab.commands.{name}")


_register_commands()


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
        import click

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
    # run as ``python -m stintlab.cli``: the commands registered on the imported module's app
    from stintlab.cli import main as _main

    sys.exit(_main())
