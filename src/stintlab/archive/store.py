"""The race archive's public entry points, gathered from its modules (kept so that
``from stintlab.archive.store import Archive, ingest, open_race, ...`` keeps working):

- :mod:`stintlab.archive.db`: the DuckDB file, its lock, tables and queries (:class:`Archive`);
- :mod:`stintlab.archive.ingest`: parsing races and writing them, one transaction each (:func:`ingest`);
- :mod:`stintlab.archive.entries`: the classification / entries / weather tables of one race;
- :mod:`stintlab.archive.open`: reading archived races back (:func:`open_race`, :func:`list_races`).
"""

from __future__ import annotations

from stintlab.archive.db import (
    DATA_TABLES,
    SCHEMA_VERSION,
    Archive,
    ArchiveBusyError,
    ArchiveError,
    default_db_path,
)
from stintlab.archive.entries import CLASSIFICATION_COLUMNS, ENTRY_COLUMNS, WEATHER_COLUMNS, driver_pace
from stintlab.archive.ingest import META_KEYS, add_race, content_hash, ingest, parser_version, prepare
from stintlab.archive.open import list_races, load_from_archive, open_race

__all__ = [
    "Archive",
    "ArchiveBusyError",
    "ArchiveError",
    "CLASSIFICATION_COLUMNS",
    "DATA_TABLES",
    "ENTRY_COLUMNS",
    "META_KEYS",
    "SCHEMA_VERSION",
    "WEATHER_COLUMNS",
    "add_race",
    "content_hash",
    "default_db_path",
    "driver_pace",
    "ingest",
    "list_races",
    "load_from_archive",
    "open_race",
    "parser_version",
    "prepare",
]
