"""The race archive (DuckDB), driver identity, season/career views, calendar checks and downloads.

See docs/archive.md. The web app and the report read archived races with :func:`open_race`
(alias :func:`load_from_archive`), which returns a :class:`stintlab.Race`.
"""

from stintlab.archive.store import Archive, default_db_path, ingest, list_races, load_from_archive, open_race

__all__ = ["Archive", "default_db_path", "ingest", "open_race", "load_from_archive", "list_races"]
