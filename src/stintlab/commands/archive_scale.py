"""``stintlab archive export --parquet DIR`` (the archive as a shared Parquet dataset) and
``stintlab archive migrate`` (raw files of an older archive out of the database)."""

from __future__ import annotations

from pathlib import Path

import typer

from stintlab.commands._common import emit
from stintlab.errors import StintlabUsageError

DbOpt = typer.Option(
    None, "--db", help="Archive file (default: $STINTLAB_ARCHIVE or ~/.local/share/stintlab/archive.duckdb)."
)
JsonOpt = typer.Option(False, "--json", help="Print JSON.")


def export_dataset(parquet: Path | None, out_dir: Path | None, table, db, as_json: bool) -> None:
    """The body of ``archive export --parquet DIR``."""
    from stintlab.archive.dataset import export_parquet
    from stintlab.archive.store import Archive

    if parquet is None:
        raise StintlabUsageError("give a folder: stintlab archive export DIR, or --parquet DIR for a dataset")
    if out_dir is not None or table:
        raise StintlabUsageError("--parquet DIR exports every table: give no other folder and no --table")
    with Archive(db) as arc:
        counts = export_parquet(arc, parquet)
    emit(
        [{"table": k, "rows": v, "path": str(Path(parquet) / k)} for k, v in counts.items()],
        as_json,
        title=f"archive export --parquet {parquet} (open it with --db {parquet})",
    )


def archive_migrate(db: Path = DbOpt, as_json: bool = JsonOpt):
    """Move the raw files an older archive keeps inside the database to the raw-file store beside
    it (<db>.files/), and remove stored files no race names."""
    from stintlab.archive.store import Archive

    with Archive(db, write=True) as arc:
        out = arc.migrate_raw_files()
    emit([out], as_json, title="archive migrate")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the ``archive`` group (registered by :mod:`.archive`)."""
    from stintlab.commands.archive import archive_app

    archive_app.command("migrate")(archive_migrate)
