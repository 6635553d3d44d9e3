"""The archive database: one DuckDB file, no server — connection, writer lock, tables, queries.

Location: ``--db`` flag, else ``$STINTLAB_ARCHIVE``, else ``$XDG_DATA_HOME/stintlab/archive.duckdb``
(``~/.local/share/stintlab/archive.duckdb``).

Tables (all keyed by ``race_id``; docs/archive.md describes every column):

- ``races``: one row per race with its metadata and the content hash of its files;
- ``files``: each source file of a race (role, name, SHA-256, size); the bytes themselves live in
  the raw-file store beside the database (``<db>.files/``, :mod:`stintlab.archive.rawstore`) so a
  race can be re-read exactly (``open_race``); archives made before it kept them in ``files.data``;
- ``laps``: the canonical lap table (:mod:`stintlab.schema`) plus ``race_id``;
- ``classification``: official (or derived) final classification;
- ``entries``: one row per (race, car, driver): crew, FIA category, laps, drive time, pace and pace rank in class;
- ``weather``: the weather readings of a race when a weather file was given (°C / hPa plus the published units);
- ``driver_categories``: the category registry, one row per FIA category observed for a driver in a race
  (official results carrying categories, an entry list beside the race's file) or estimated
  (:mod:`stintlab.archive.registry`);
- ``driver_aliases``: the user's alias table (alias key → canonical name);
- ``race_parts``: what a Race is rebuilt from besides its laps (:mod:`stintlab.archive.parts`).

Writes: one transaction per race (:mod:`stintlab.archive.ingest`), so a killed ingest leaves whole
races only. DuckDB lets a single process open the file for writing, so every writer takes an
exclusive ``fcntl`` lock on ``<db>.lock`` first and waits (retrying every 0.1 s, ``lock_timeout``
seconds at most) while another stintlab process holds it; readers take a shared lock.

A file that is not a stintlab archive (empty, random bytes, SQLite, another DuckDB database) or a
damaged one, and any DuckDB error met while the archive is open, is an :class:`ArchiveError`
naming the file: one line, never a DuckDB traceback.
"""

from __future__ import annotations

import contextlib
import fcntl
import fnmatch
import os
import time
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from stintlab.archive import driverid
from stintlab.archive.filecheck import ArchiveError, check_archive_file
from stintlab.archive.identity import driver_key, resolve_key
from stintlab.archive.rawstore import RawStore, store_dir
from stintlab.errors import StintlabError, StintlabUsageError
from stintlab.schema import empty_laps

__all__ = [
    "Archive",
    "ArchiveBusyError",
    "ArchiveError",
    "DATA_TABLES",
    "SCHEMA_VERSION",
    "check_archive_file",
    "default_db_path",
    "sql_path",
]

SCHEMA_VERSION = 1
DATA_TABLES = ("laps", "classification", "entries", "weather", "driver_categories", "race_parts", "files", "races")


class ArchiveBusyError(StintlabError):
    """Another process holds the archive lock for longer than we were willing to wait."""


def default_db_path() -> Path:
    """``$STINTLAB_ARCHIVE``, else ``$XDG_DATA_HOME/stintlab/archive.duckdb``, else ``~/.local/share/...``."""
    env = os.environ.get("STINTLAB_ARCHIVE")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "stintlab" / "archive.duckdb"


def sql_path(p: Path) -> str:
    """A path quoted for a DuckDB string literal."""
    return str(p).replace("'", "''")


def _first_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split("\n")[0].split())
    return text or type(exc).__name__


class Archive:
    """An open archive. Use as a context manager::

        with Archive(path, write=True) as arc:
            arc.races()

    ``write=False`` opens read-only under a shared lock (several readers at once). Any DuckDB
    error raised inside the ``with`` block leaves it as an :class:`ArchiveError` naming the file.
    """

    def __init__(self, path=None, *, write: bool = False, lock_timeout: float = 120.0):
        self.path = Path(path) if path is not None else default_db_path()
        self.write = write
        self.lock_timeout = lock_timeout
        self._lock_fh = None
        self.con = None
        self._aliases: dict[str, str] | None = None
        self.dataset: str | None = None  # the root of a Parquet dataset opened read-only (URL or folder)
        self.raw: RawStore | None = None

    # -- opening and locking ------------------------------------------------------------------
    def __enter__(self) -> Archive:
        self.open()
        return self

    def __exit__(self, etype, exc, tb) -> None:
        import duckdb

        try:
            self.close()
        except duckdb.Error as close_exc:  # closing checkpoints the WAL: a full disk fails here
            if exc is None:
                raise self.error(close_exc) from None
        if isinstance(exc, duckdb.Error):
            raise self.error(exc) from None

    def error(self, exc: BaseException, doing: str = "", *, writing: bool = False) -> ArchiveError:
        """A DuckDB exception as one typed line naming the archive file (``doing``: what failed)."""
        import duckdb

        if isinstance(exc, ArchiveError):
            return exc
        if writing:
            kind = "write error"
        else:
            kind = "read/write error" if isinstance(exc, duckdb.IOException) else "damaged or unusable"
        what = f" while {doing}" if doing else ""
        return ArchiveError(self.path, f"archive {self.path}: {kind}{what}: {_first_line(exc)}")

    def open(self) -> Archive:
        import duckdb

        from stintlab.archive.dataset import is_dataset, open_dataset

        if is_dataset(self.path):
            if self.write:
                raise StintlabUsageError(f"{self.path} is a Parquet export of an archive: read-only")
            self.dataset = str(self.path)
            try:
                self.con = open_dataset(self.path)
            except duckdb.Error as exc:
                self.con = None
                raise self.error(exc, "opening the Parquet dataset") from None
            return self
        self.raw = RawStore(store_dir(self.path))
        exists = self.path.exists()
        if not self.write and not exists:
            raise StintlabUsageError(f"no archive at {self.path} (add races with `stintlab archive add PATH`)")
        if exists:
            if self.path.is_dir():
                raise ArchiveError(self.path, f"archive {self.path} is a folder, not a stintlab archive file")
            check_archive_file(self.path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock(fcntl.LOCK_EX if self.write else fcntl.LOCK_SH)
        try:
            self.con = duckdb.connect(str(self.path), read_only=not self.write)
            self._check_schema()
            if self.write:
                # checkpoint once at close instead of after every race (each race's commit still goes to the WAL)
                self.con.execute("SET checkpoint_threshold = '4GB'")
                new_registry = not self._has_table("driver_categories")
                for ddl in DDL:
                    self.con.execute(ddl)
                self._ensure_laps_table()
                self._ensure_race_no()
                # registries made before estimates were stored have no evidence column
                self.con.execute("ALTER TABLE driver_categories ADD COLUMN IF NOT EXISTS evidence VARCHAR")
                if new_registry:  # an archive made before the registry: fill it from its entries
                    self.con.execute(REGISTRY_BACKFILL)
                self.migrate_driver_ids()
                self.con.execute(
                    "INSERT OR REPLACE INTO archive_info VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)]
                )
        except (duckdb.Error, ArchiveError) as exc:
            if self.con is not None:
                with contextlib.suppress(Exception):
                    self.con.close()
                self.con = None
            self._unlock()
            raise self.error(exc, "opening it") from None
        return self

    def migrate_driver_ids(self) -> int:
        """Store ``driver_id`` on an archive made before it (:func:`stintlab.archive.driverid.migrate`)."""
        return driverid.migrate(self.con, self.aliases())

    def refresh_driver_ids(self) -> int:
        """Re-resolve every stored ``driver_id`` after the alias table changed."""
        return driverid.refresh(self.con, self.aliases())

    def _check_schema(self) -> None:
        tables = {t for (t,) in self.con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        if tables and "archive_info" not in tables:
            raise ArchiveError(
                self.path,
                f"archive {self.path} is a DuckDB database but not a stintlab archive"
                f" (tables: {', '.join(sorted(tables)[:6])})",
            )
        if not self.write and not {"races", "laps"} <= tables:
            # a first `archive add` killed before its tables were made: an empty archive to read
            for ddl in DDL:
                self.con.execute(ddl.replace("CREATE TABLE", "CREATE TEMP TABLE", 1))
            self._ensure_laps_table(temp=True)
        elif not self.write and tables:
            driverid.read_only(self.con, self.aliases)

    def close(self) -> None:
        try:
            if self.con is not None:
                con, self.con = self.con, None
                con.close()
        finally:
            self._unlock()

    def _lock(self, mode: int) -> None:
        lock_path = self.path.with_name(self.path.name + ".lock")
        fh = open(lock_path, "a+")  # noqa: SIM115 (held until close())
        deadline = time.monotonic() + self.lock_timeout
        while True:
            try:
                fcntl.flock(fh.fileno(), mode | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    fh.close()
                    raise ArchiveBusyError(
                        f"archive {self.path} is busy: another stintlab process is writing to it "
                        f"(waited {self.lock_timeout:g} s; try again later)"
                    ) from None
                time.sleep(0.1)
        self._lock_fh = fh

    def _unlock(self) -> None:
        if self._lock_fh is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._lock_fh.fileno(), fcntl.LOCK_UN)
            self._lock_fh.close()
            self._lock_fh = None

    def _has_table(self, name: str) -> bool:
        sql = "SELECT count(*) FROM information_schema.tables WHERE table_name = ?"
        return bool(self.con.execute(sql, [name]).fetchall()[0][0])

    def _ensure_laps_table(self, temp: bool = False) -> None:
        exists = self.con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'laps'"
        ).fetchall()[0][0]
        if not exists:
            empty = empty_laps()
            empty.insert(0, "race_id", pd.Series([], dtype="string"))
            self.con.register("_empty_laps", empty)
            self.con.execute(f"CREATE {'TEMP ' if temp else ''}TABLE laps AS SELECT * FROM _empty_laps")
            self.con.unregister("_empty_laps")

    def _ensure_race_no(self) -> None:
        """``race_no`` on ``races`` and ``laps``: a number given to each race when it is written (the
        next one up), stored on its lap rows. Races are written one after the other, so each DuckDB
        row group of ``laps`` holds a narrow range of numbers and ``WHERE race_no = n`` reads only the
        race's own row groups (their min/max statistics) instead of every lap of the archive. Races
        written before the column have none and are read by ``race_id``."""
        for table in ("races", "laps"):
            if "race_no" not in driverid.columns(self.con, table):
                self.con.execute(f"ALTER TABLE {table} ADD COLUMN race_no INTEGER")

    # -- queries --------------------------------------------------------------------------------
    def df(self, sql: str, params: list | None = None) -> pd.DataFrame:
        return self.con.execute(sql, params or []).df()

    def races(self, series=None, season=None) -> pd.DataFrame:
        """The archived races (newest first), optionally of one series and/or season."""
        where, params = [], []
        if series:
            where.append("lower(series) = lower(?)")
            params.append(series)
        if season:
            where.append("season = ?")
            params.append(int(season))
        sql = "SELECT * FROM races" + (" WHERE " + " AND ".join(where) if where else "")
        return self.df(sql + " ORDER BY season DESC, date DESC NULLS LAST, race_id", params)

    def race_ids(self) -> list[str]:
        return [r for (r,) in self.con.execute("SELECT race_id FROM races ORDER BY race_id").fetchall()]

    def has_race(self, race_id: str) -> bool:
        return bool(self.con.execute("SELECT count(*) FROM races WHERE race_id = ?", [race_id]).fetchall()[0][0])

    def match_races(self, pattern: str) -> list[str]:
        """The race ids a pattern names: a shell pattern (``*``, ``?``, ``[...]``) matched against
        the whole id, else a substring of it (case-insensitive)."""
        ids = self.race_ids()
        p = pattern.lower()
        if any(ch in p for ch in "*?["):
            return [r for r in ids if fnmatch.fnmatchcase(r.lower(), p)]
        return [r for r in ids if p in r.lower()]

    def race_row(self, race_id: str) -> dict:
        """The ``races`` row of a race id, or of a unique part of one (for reading, never removing)."""
        rows = self.df("SELECT * FROM races WHERE race_id = ?", [race_id])
        if rows.empty:
            like = self.match_races(race_id)
            if len(like) == 1:
                return self.race_row(like[0])
            hint = f" (did you mean: {', '.join(like[:8])})" if like else ""
            raise StintlabUsageError(f"no race {race_id!r} in the archive {self.path}{hint}")
        return rows.iloc[0].to_dict()

    def aliases(self) -> dict[str, str]:
        """alias key → canonical key (read once per open archive; writes through this object refresh it)."""
        if self._aliases is None:
            self._aliases = dict(self.con.execute("SELECT alias_key, canonical_key FROM driver_aliases").fetchall())
        return dict(self._aliases)

    # -- writes ---------------------------------------------------------------------------------
    def need_write(self) -> None:
        if self.dataset is not None:
            raise StintlabUsageError(f"{self.dataset} is a Parquet export of an archive: read-only")
        if not self.write:
            raise StintlabUsageError("archive opened read-only")

    def migrate_raw_files(self) -> dict:
        """Move the raw bytes an older archive kept in ``files.data`` to the raw-file store (one race
        per transaction: each file is written to the store before its BLOB is cleared), then remove
        stored files no race names. Returns ``{"moved": files, "bytes": n, "removed": files}``."""
        self.need_write()
        moved = nbytes = 0
        races = [r for (r,) in self.con.execute("SELECT DISTINCT race_id FROM files WHERE data IS NOT NULL").fetchall()]
        for rid in races:
            rows = self.con.execute(
                "SELECT role, name, sha256, data FROM files WHERE race_id = ? AND data IS NOT NULL", [rid]
            ).fetchall()
            for _, _, sha, data in rows:
                self.raw.put(bytes(data), sha)
                moved += 1
                nbytes += len(data)
            self.con.execute("UPDATE files SET data = NULL WHERE race_id = ?", [rid])
        if races:
            self.con.execute("CHECKPOINT")
        return {"moved": moved, "bytes": nbytes, "removed": self.collect_raw_files()}

    def collect_raw_files(self) -> int:
        """Remove the stored raw files no race names any more (after ``remove``, or left by a killed
        ingest); returns how many were removed."""
        self.need_write()
        keep = {s for (s,) in self.con.execute("SELECT DISTINCT sha256 FROM files").fetchall() if s}
        return self.raw.collect(keep)

    def remove(self, race_id: str) -> dict:
        """Delete one race, named by its exact id, from every table in one transaction, then its raw
        files from the store (those no other race shares)."""
        self.need_write()
        rows = self.df("SELECT * FROM races WHERE race_id = ?", [race_id])
        if rows.empty:
            raise StintlabUsageError(f"no race {race_id!r} in the archive {self.path} (give the exact race id)")
        row = rows.iloc[0].to_dict()
        files = {
            f for (f,) in self.con.execute("SELECT sha256 FROM files WHERE race_id = ?", [race_id]).fetchall() if f
        }
        self.con.execute("BEGIN TRANSACTION")
        try:
            for table in DATA_TABLES:
                self.con.execute(f"DELETE FROM {table} WHERE race_id = ?", [race_id])
            self.con.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(Exception):
                self.con.execute("ROLLBACK")
            raise
        with contextlib.suppress(OSError):  # its raw files, unless another race has the same content
            self.raw.remove(set(files) - self._referenced(files))
        return row

    def _referenced(self, shas) -> set[str]:
        if not shas:
            return set()
        sql = "SELECT DISTINCT sha256 FROM files WHERE sha256 IN (SELECT unnest(?::VARCHAR[]))"
        return {s for (s,) in self.con.execute(sql, [sorted(shas)]).fetchall()}

    def add_alias(self, alias: str, canonical: str) -> dict:
        """Declare that ``alias`` is the same driver as ``canonical``."""
        self.need_write()
        ak, ck = driver_key(alias), driver_key(canonical)
        if not ak or not ck:
            raise StintlabUsageError("an alias needs two non-empty names")
        if ak == ck:
            raise StintlabUsageError(f"{alias!r} and {canonical!r} are already the same driver key ({ak!r})")
        if resolve_key(ck, self.aliases()) == ak:
            raise StintlabUsageError(f"alias {alias!r} -> {canonical!r} would make a cycle")
        self.con.execute("INSERT OR REPLACE INTO driver_aliases VALUES (?, ?, ?, ?)", [ak, alias, ck, canonical])
        self._aliases = None
        self.refresh_driver_ids()
        return {"alias": alias, "alias_key": ak, "canonical": canonical, "canonical_key": ck}

    def remove_alias(self, alias: str) -> bool:
        self.need_write()
        ak = driver_key(alias)
        n = self.con.execute("SELECT count(*) FROM driver_aliases WHERE alias_key = ?", [ak]).fetchall()[0][0]
        self.con.execute("DELETE FROM driver_aliases WHERE alias_key = ?", [ak])
        self._aliases = None
        self.refresh_driver_ids()
        return bool(n)

    def export(self, out_dir, tables: Iterable[str] | None = None) -> dict[str, str]:
        """Write each table (without the raw file bytes) to ``out_dir/<table>.parquet``."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        written = {}
        names = ("races", "laps", "classification", "entries", "weather", "driver_categories", "driver_aliases", "files")
        for table in tables or names:
            if table not in names:
                raise StintlabUsageError(f"no table {table!r} to export")
            target = out / f"{table}.parquet"
            select = (
                "SELECT race_id, role, name, sha256, size FROM files" if table == "files" else f"SELECT * FROM {table}"
            )
            self.con.execute(f"COPY ({select}) TO '{sql_path(target)}' (FORMAT PARQUET)")
            written[table] = str(target)
        return written


#: the archive's tables (the Parquet export, archive/dataset.py, mirrors them)
DDL = [
    """CREATE TABLE IF NOT EXISTS archive_info (key VARCHAR PRIMARY KEY, value VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS races (
        race_id VARCHAR PRIMARY KEY, series VARCHAR, season INTEGER, event VARCHAR, track VARCHAR,
        date DATE, start_time VARCHAR, session VARCHAR, name VARCHAR, source VARCHAR,
        content_hash VARCHAR, has_laps BOOLEAN, variant VARCHAR, classification_source VARCHAR,
        cars INTEGER, laps INTEGER, hours DOUBLE, has_flags BOOLEAN, parser_version VARCHAR,
        ingested_at TIMESTAMP, race_no INTEGER)""",
    """CREATE TABLE IF NOT EXISTS files (
        race_id VARCHAR, role VARCHAR, name VARCHAR, sha256 VARCHAR, size BIGINT, data BLOB)""",
    """CREATE TABLE IF NOT EXISTS classification (
        race_id VARCHAR, position INTEGER, class_position INTEGER, car VARCHAR, class VARCHAR, team VARCHAR,
        vehicle VARCHAR, status VARCHAR, laps INTEGER, total_time DOUBLE, gap_first VARCHAR,
        fastest_lap_time DOUBLE, official BOOLEAN)""",
    """CREATE TABLE IF NOT EXISTS entries (
        race_id VARCHAR, car VARCHAR, driver VARCHAR, driver_key VARCHAR, slot INTEGER, class VARCHAR,
        team VARCHAR, manufacturer VARCHAR, category VARCHAR, country VARCHAR, laps INTEGER,
        drive_time DOUBLE, best_lap DOUBLE, pace DOUBLE, pace_laps INTEGER, pace_rank INTEGER,
        pace_field INTEGER, driver_id VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS weather (
        race_id VARCHAR, time_utc DOUBLE, time_utc_text VARCHAR, air_temp_c DOUBLE, track_temp_c DOUBLE,
        humidity_pct DOUBLE, pressure_hpa DOUBLE, wind_speed DOUBLE, wind_direction_deg DOUBLE, rain DOUBLE,
        air_temp DOUBLE, track_temp DOUBLE, temp_unit VARCHAR, pressure DOUBLE, pressure_unit VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS driver_categories (
        driver_key VARCHAR, driver VARCHAR, season INTEGER, series VARCHAR, category VARCHAR, race_id VARCHAR,
        car VARCHAR, source_file VARCHAR, kind VARCHAR, confidence DOUBLE, evidence VARCHAR, driver_id VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS race_parts (race_id VARCHAR, part VARCHAR, data BLOB)""",
    """CREATE TABLE IF NOT EXISTS driver_aliases (
        alias_key VARCHAR PRIMARY KEY, alias VARCHAR, canonical_key VARCHAR, canonical VARCHAR)""",
]

#: the registry rows of every archived race's official categories (entries.category), for an archive
#: made before the registry existed (the same rows :func:`stintlab.archive.registry.registry_rows` makes)
REGISTRY_BACKFILL = """INSERT INTO driver_categories
        (driver_key, driver, season, series, category, race_id, car, source_file, kind, confidence)
    SELECT e.driver_key, e.driver, r.season, r.series, e.category, e.race_id, e.car,
           coalesce((SELECT f.name FROM files f WHERE f.race_id = e.race_id AND f.role = 'results' LIMIT 1), r.source),
           'observed', 1.0
    FROM entries e JOIN races r USING (race_id) WHERE e.category IS NOT NULL"""
