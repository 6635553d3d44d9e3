"""``stintlab serve``: the web app (FastAPI + uvicorn), on the loopback interface by default."""

from __future__ import annotations

from pathlib import Path

import typer

from stintlab.commands._common import err_console
from stintlab.errors import StintlabUsageError


def host_warning(host: str) -> str | None:
    """The one-line warning for an interface beyond loopback, or None (127.0.0.0/8, ::1, localhost).

    >>> host_warning("127.0.0.1") is None, host_warning("::1") is None, host_warning("localhost") is None
    (True, True, True)
    >>> host_warning("0.0.0.0")
    'Listening on 0.0.0.0: the app is reachable from other machines.'
    """
    import ipaddress

    name = host.strip().strip("[]")
    if name.lower() == "localhost":
        return None
    try:
        if ipaddress.ip_address(name).is_loopback:
            return None
    except ValueError:
        pass  # a host name: it may resolve to any interface
    return f"Listening on {host}: the app is reachable from other machines."


def serve(
    port: int = typer.Option(8000, "--port", "-p", min=1, max=65535, help="TCP port."),
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on (loopback by default)."),
    archive: Path = typer.Option(
        None,
        "--archive",
        envvar="STINTLAB_ARCHIVE",
        help="The DuckDB archive file (stintlab archive add) or a folder of race folders (each with one lap CSV) "
        "whose races are offered for opening. Default: the archive at its default place, when it exists.",
    ),
    data_dir: Path = typer.Option(
        None,
        "--data-dir",
        file_okay=False,
        help="Where uploads are stored (default: a temporary folder removed on exit).",
    ),
    max_upload_mb: int = typer.Option(50, "--max-upload-mb", min=1, max=1024, help="Upload size cap in MB."),
    header_timeout: float = typer.Option(
        10.0, "--header-timeout", min=0.1, max=600, help="Seconds a client has to send a whole request head (else 408)."
    ),
    body_timeout: float = typer.Option(
        120.0, "--body-timeout", min=0.1, max=3600, help="Seconds a client has to send a whole request body (else 408)."
    ),
    body_idle_timeout: float = typer.Option(
        15.0, "--body-idle-timeout", min=0.1, max=600, help="Longest pause between two parts of a request body."
    ),
    max_connections: int = typer.Option(
        1000,
        "--max-connections",
        min=1,
        max=100000,
        help="Connections with a request under way or kept alive (beyond: 503 at once).",
    ),
):
    """Serve the web app: upload a timing file or open one from the archive, browse race, class, car and driver."""
    import uvicorn

    from stintlab.archive.store import default_db_path
    from stintlab.web import create_app
    from stintlab.web.server import ServerLimits, uvicorn_options

    folder = db = None
    if archive is None:
        db = default_db_path() if default_db_path().is_file() else None
    elif archive.is_dir():
        folder = archive
    elif archive.is_file():
        db = archive
    else:
        raise StintlabUsageError(f"archive not found: {archive}")
    limits = ServerLimits(
        header_timeout=header_timeout,
        body_timeout=body_timeout,
        body_idle_timeout=body_idle_timeout,
        max_connections=max_connections,
    )
    web = create_app(
        data_dir=data_dir, archive=folder, archive_db=db, max_upload_bytes=max_upload_mb * 1024 * 1024, limits=limits
    )
    warning = host_warning(host)
    if warning:
        from rich.markup import escape

        err_console.print(f"[yellow]{escape(warning)}[/yellow]")
    err_console.print(f"stintlab web app on http://{host}:{port}/ (API docs: /docs). Ctrl-C stops it.")
    uvicorn.run(web, host=host, port=port, log_level="warning", **uvicorn_options(limits))


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app`` (called once by :func:`stintlab.cli.build_app`)."""
    for command in (serve,):
        app.command()(command)
