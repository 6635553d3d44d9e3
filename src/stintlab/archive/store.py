"""The race archive: one DuckDB file, no server.

Location: ``--db`` flag, else ``$STINTLAB_ARCHIVE``, else ``$XDG_DATA_HOME/stintlab/archive.duckdb``
(``~/.local/share/stintlab/archive.duckdb``).

Tables (all keyed by ``race_id``; docs/archive.md describes every column):

- ``races``: one row per race with its metadata and the content hash of its files;
- ``files``: the raw bytes of each source file (so a race can be re-read exactly, :func:`open_race`);
- ``laps``: the canonical lap table (:mod:`stintlab.schema`) plus ``race_id``;
- ``classification``: official (or derived) final classification;
- ``entries``: one row per (race, car, driver): crew, FIA category, laps, drive time, pace and pace rank in class;
- ``weather``: the weather readings of a race when a weather file was given (°C / hPa plus the published units);
- ``driver_aliases``: the user's alias table (alias key → canonical name).

Writes: one transaction per race, so a killed ingest leaves whole races only. DuckDB lets a single
process open the file for writing, so every writer takes an exclusive ``fcntl`` lock on
``<db>.lock`` first and waits (retrying every 0.1 s, ``lock_timeout`` seconds at most) while another
stintlab process holds it; readers take a shared lock.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from stintlab.archive.identity import driver_key, resolve_key
from stintlab.archive.sources import RaceFiles, find_race_files, meta_from_path, series_from_classes, slug
from stintlab.errors import StintlabError, StintlabUsageError

__all__ = [
    "Archive",
    "ArchiveBusyError",
    "default_db_path",
    "parser_version",
    "ingest",
    "open_race",
    "load_from_archive",
    "list_races",
    "SCHEMA_VERSION",
]

SCHEMA_VERSION = 1
META_KEYS = ("series", "season", "event", "date", "session")


class ArchiveBusyError(StintlabError):
    """Another process holds the archive lock for longer than we were willing to wait."""


def default_db_path() -> Path:
    """``$STINTLAB_ARCHIVE``, else ``$XDG_DATA_HOME/stintlab/archive.duckdb``, else ``~/.local/share/...``."""
    env = os.environ.get("STINTLAB_ARCHIVE")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "stintlab" / "archive.duckdb"


def parser_version() -> str:
    """``<package version>+<hash of the reader sources>``: changes whenever a reader changes,
    which invalidates parsed caches (fetch) and is recorded with every archived race."""
    import stintlab
    import stintlab.io as io_pkg

    h = hashlib.sha256()
    for f in sorted(Path(io_pkg.__file__).parent.glob("*.py")):
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return f"{stintlab.__version__}+{h.hexdigest()[:10]}"


_DDL = [
    """CREATE TABLE IF NOT EXISTS archive_info (key VARCHAR PRIMARY KEY, value VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS races (
        race_id VARCHAR PRIMARY KEY, series VARCHAR, season INTEGER, event VARCHAR, track VARCHAR,
        date DATE, start_time VARCHAR, session VARCHAR, name VARCHAR, source VARCHAR,
        content_hash VARCHAR, has_laps BOOLEAN, variant VARCHAR, classification_source VARCHAR,
        cars INTEGER, laps INTEGER, hours DOUBLE, has_flags BOOLEAN, parser_version VARCHAR,
        ingested_at TIMESTAMP)""",
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
        pace_field INTEGER)""",
    """CREATE TABLE IF NOT EXISTS weather (
        race_id VARCHAR, time_utc DOUBLE, time_utc_text VARCHAR, air_temp_c DOUBLE, track_temp_c DOUBLE,
        humidity_pct DOUBLE, pressure_hpa DOUBLE, wind_speed DOUBLE, wind_direction_deg DOUBLE, rain DOUBLE,
        air_temp DOUBLE, track_temp DOUBLE, temp_unit VARCHAR, pressure DOUBLE, pressure_unit VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS driver_aliases (
        alias_key VARCHAR PRIMARY KEY, alias VARCHAR, canonical_key VARCHAR, canonical VARCHAR)""",
]

CLASSIFICATION_COLUMNS = [
    "position",
    "class_position",
    "car",
    "class",
    "team",
    "vehicle",
    "status",
    "laps",
    "total_time",
    "gap_first",
    "fastest_lap_time",
    "official",
]
ENTRY_COLUMNS = [
    "car",
    "driver",
    "driver_key",
    "slot",
    "class",
    "team",
    "manufacturer",
    "category",
    "country",
    "laps",
    "drive_time",
    "best_lap",
    "pace",
    "pace_laps",
    "pace_rank",
    "pace_field",
]
WEATHER_COLUMNS = [
    "time_utc",
    "time_utc_text",
    "air_temp_c",
    "track_temp_c",
    "humidity_pct",
    "pressure_hpa",
    "wind_speed",
    "wind_direction_deg",
    "rain",
    "air_temp",
    "track_temp",
    "temp_unit",
    "pressure",
    "pressure_unit",
]
PACE_LAPS = 10
DATA_TABLES = ("laps", "classification", "entries", "weather", "files", "races")


class Archive:
    """An open archive. Use as a context manager::

        with Archive(path, write=True) as arc:
            arc.ingest(...)

    ``write=False`` opens read-only under a shared lock (several readers at once).
    """

    def __init__(self, path=None, *, write: bool = False, lock_timeout: float = 120.0):
        self.path = Path(path) if path is not None else default_db_path()
        self.write = write
        self.lock_timeout = lock_timeout
        self._lock_fh = None
        self.con = None
        self._aliases: dict[str, str] | None = None

    # -- opening and locking ------------------------------------------------------------------
    def __enter__(self) -> Archive:
        self.open()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def open(self) -> Archive:
        import duckdb

        if not self.write and not self.path.exists():
            raise StintlabUsageError(f"no archive at {self.path} (add races with `stintlab archive add PATH`)")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock(fcntl.LOCK_EX if self.write else fcntl.LOCK_SH)
        try:
            self.con = duckdb.connect(str(self.path), read_only=not self.write)
        except duckdb.Error as exc:
            self._unlock()
            raise StintlabUsageError(f"cannot open archive {self.path}: {exc}") from None
        if self.write:
            # checkpoint once at close instead of after every race (each race's commit still goes to the WAL)
            self.con.execute("SET checkpoint_threshold = '4GB'")
            for ddl in _DDL:
                self.con.execute(ddl)
            self._ensure_laps_table()
            self.con.execute("INSERT OR REPLACE INTO archive_info VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])
        return self

    def close(self) -> None:
        if self.con is not None:
            self.con.close()
            self.con = None
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

    def _ensure_laps_table(self) -> None:
        from stintlab.schema import empty_laps

        exists = self.con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'laps'"
        ).fetchall()[0][0]
        if not exists:
            empty = empty_laps()
            empty.insert(0, "race_id", pd.Series([], dtype="string"))
            self.con.register("_empty_laps", empty)
            self.con.execute("CREATE TABLE laps AS SELECT * FROM _empty_laps")
            self.con.unregister("_empty_laps")

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

    def race_row(self, race_id: str) -> dict:
        rows = self.df("SELECT * FROM races WHERE race_id = ?", [race_id])
        if rows.empty:
            like = self.df("SELECT race_id FROM races WHERE race_id LIKE ? ORDER BY race_id", [f"%{race_id}%"])
            if len(like) == 1:
                return self.race_row(like["race_id"].iloc[0])
            hint = f" (did you mean: {', '.join(like['race_id'].head(8))})" if len(like) else ""
            raise StintlabUsageError(f"no race {race_id!r} in the archive {self.path}{hint}")
        return rows.iloc[0].to_dict()

    def aliases(self) -> dict[str, str]:
        """alias key → canonical key (read once per open archive; writes through this object refresh it)."""
        if self._aliases is None:
            self._aliases = dict(self.con.execute("SELECT alias_key, canonical_key FROM driver_aliases").fetchall())
        return dict(self._aliases)

    # -- writes ---------------------------------------------------------------------------------
    def _need_write(self) -> None:
        if not self.write:
            raise StintlabUsageError("archive opened read-only")

    def remove(self, race_id: str) -> dict:
        """Delete one race (every table) in one transaction."""
        self._need_write()
        row = self.race_row(race_id)
        rid = row["race_id"]
        self.con.execute("BEGIN TRANSACTION")
        try:
            for table in DATA_TABLES:
                self.con.execute(f"DELETE FROM {table} WHERE race_id = ?", [rid])
            self.con.execute("COMMIT")
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        return row

    def add_alias(self, alias: str, canonical: str) -> dict:
        """Declare that ``alias`` is the same driver as ``canonical``."""
        self._need_write()
        ak, ck = driver_key(alias), driver_key(canonical)
        if not ak or not ck:
            raise StintlabUsageError("an alias needs two non-empty names")
        if ak == ck:
            raise StintlabUsageError(f"{alias!r} and {canonical!r} are already the same driver key ({ak!r})")
        if resolve_key(ck, self.aliases()) == ak:
            raise StintlabUsageError(f"alias {alias!r} -> {canonical!r} would make a cycle")
        self.con.execute("INSERT OR REPLACE INTO driver_aliases VALUES (?, ?, ?, ?)", [ak, alias, ck, canonical])
        self._aliases = None
        return {"alias": alias, "alias_key": ak, "canonical": canonical, "canonical_key": ck}

    def remove_alias(self, alias: str) -> bool:
        self._need_write()
        ak = driver_key(alias)
        n = self.con.execute("SELECT count(*) FROM driver_aliases WHERE alias_key = ?", [ak]).fetchall()[0][0]
        self.con.execute("DELETE FROM driver_aliases WHERE alias_key = ?", [ak])
        self._aliases = None
        return bool(n)

    def export(self, out_dir, tables: Iterable[str] | None = None) -> dict[str, str]:
        """Write each table (without the raw file bytes) to ``out_dir/<table>.parquet``."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        written = {}
        names = ("races", "laps", "classification", "entries", "weather", "driver_aliases", "files")
        for table in tables or names:
            if table not in names:
                raise StintlabUsageError(f"no table {table!r} to export")
            target = out / f"{table}.parquet"
            select = (
                "SELECT race_id, role, name, sha256, size FROM files" if table == "files" else f"SELECT * FROM {table}"
            )
            self.con.execute(f"COPY ({select}) TO '{_sql_path(target)}' (FORMAT PARQUET)")
            written[table] = str(target)
        return written

    def ingest(
        self,
        race_files: RaceFiles,
        overrides: dict | None = None,
        on_step: Callable | None = None,
        prepared: tuple[dict, dict] | None = None,
    ) -> dict:
        """Add one race (see :func:`ingest`); returns ``{race_id, status, ...}`` where status is
        ``added``, ``replaced`` (same race id, new content) or ``unchanged`` (same content).
        ``prepared``: the output of :func:`prepare` when already computed (parallel ingest)."""
        self._need_write()
        step = on_step or (lambda *_: None)
        if race_files.problem:
            return {"race_id": None, "status": "skipped", "reason": race_files.problem, "source": str(race_files.main)}
        files = race_files.stored()
        blobs = {key: Path(p).read_bytes() for key, p in files.items()}
        content_hash = _content_hash(blobs)
        hit = self.con.execute("SELECT race_id FROM races WHERE content_hash = ?", [content_hash]).fetchall()
        if hit:
            return {"race_id": hit[0][0], "status": "unchanged", "source": str(race_files.main)}
        meta, tables = prepared if prepared is not None else prepare(race_files, overrides)
        race_id = meta["race_id"]
        step("parsed", race_id)
        existing = self.con.execute(
            "SELECT content_hash, has_laps, laps, source FROM races WHERE race_id = ?", [race_id]
        ).fetchall()
        if existing:
            _, had_laps, old_laps, old_source = existing[0]
            new_laps = int(meta.get("laps") or 0)
            if (had_laps and not meta.get("has_laps")) or new_laps < int(old_laps or 0):
                return {
                    "race_id": race_id,
                    "status": "kept",
                    "reason": f"the stored race {race_id} ({int(old_laps or 0)} laps, from {old_source}) is not"
                    f" replaced by one with {new_laps} laps from {race_files.main}; remove it first"
                    f" (stintlab archive remove {race_id}) to replace it",
                    "source": str(race_files.main),
                }
        con = self.con
        con.execute("BEGIN TRANSACTION")
        try:
            if existing:
                for table in DATA_TABLES:
                    con.execute(f"DELETE FROM {table} WHERE race_id = ?", [race_id])
            for key, data in blobs.items():
                role = key.split("/", 1)[0]  # hourly/<name> keys: role "hourly"
                con.execute(
                    "INSERT INTO files VALUES (?, ?, ?, ?, ?, ?)",
                    [race_id, role, Path(files[key]).name, hashlib.sha256(data).hexdigest(), len(data), data],
                )
            step("files", race_id)
            laps = tables["laps"]
            if laps is not None and len(laps):
                con.register("_laps_in", laps)
                con.execute("INSERT INTO laps BY NAME SELECT ? AS race_id, * FROM _laps_in", [race_id])
                con.unregister("_laps_in")
            step("laps", race_id)
            for name in ("classification", "entries", "weather"):
                df = tables.get(name)
                if df is None or df.empty:
                    continue
                con.register("_in", df)
                con.execute(f"INSERT INTO {name} BY NAME SELECT ? AS race_id, * FROM _in", [race_id])
                con.unregister("_in")
            step("tables", race_id)
            row = {k: meta.get(k) for k in _RACE_COLUMNS}
            row.update(content_hash=content_hash, ingested_at=dt.datetime.now(dt.UTC).replace(tzinfo=None))
            con.execute(
                f"INSERT INTO races ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})",
                list(row.values()),
            )
            con.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(Exception):
                con.execute("ROLLBACK")
            raise
        step("committed", race_id)
        status = "replaced" if existing else "added"
        return {
            "race_id": race_id,
            "status": status,
            "source": str(race_files.main),
            **{k: meta.get(k) for k in ("series", "season", "event", "session", "cars", "laps")},
            "date": meta["date"].isoformat() if meta.get("date") else None,
        }


_RACE_COLUMNS = [
    "race_id",
    "series",
    "season",
    "event",
    "track",
    "date",
    "start_time",
    "session",
    "name",
    "source",
    "has_laps",
    "variant",
    "classification_source",
    "cars",
    "laps",
    "hours",
    "has_flags",
    "parser_version",
]


def _sql_path(p: Path) -> str:
    return str(p).replace("'", "''")


def _content_hash(blobs: dict[str, bytes]) -> str:
    h = hashlib.sha256()
    for role in sorted(blobs):
        h.update(role.encode())
        h.update(hashlib.sha256(blobs[role]).digest())
    return h.hexdigest()


class _Parsed:
    def __init__(self, race=None, results=None, weather=None):
        self.race = race  # a stintlab Race when there is a lap file
        self.results = results  # a ParsedFile for a classification-only race
        self.weather = weather  # the weather table of a classification-only race


def _parse(rf: RaceFiles) -> _Parsed:
    import stintlab
    from stintlab.io import read_file

    if rf.laps is not None:
        return _Parsed(race=stintlab.load(rf.laps, results=rf.results, find_results=False, weather=rf.weather))
    weather = read_file(rf.weather, expect="weather").table if rf.weather is not None else None
    return _Parsed(results=read_file(rf.results, expect="classification"), weather=weather)


def _track(event: str | None) -> str | None:
    if not event:
        return None
    return re.sub(r"-?\d+(h|km)$", "", event) or event


def _race_meta(rf: RaceFiles, parsed: _Parsed, overrides: dict) -> dict:
    meta = meta_from_path(rf.main)
    for k in META_KEYS:
        if overrides.get(k) not in (None, ""):
            meta[k] = overrides[k]
    if meta.get("series") is None:
        classes = (
            (parsed.race.cars["class"] if parsed.race is not None else parsed.results.table["class"]).dropna().unique()
        )
        meta["series"] = series_from_classes(classes)
    if meta.get("season") is None and meta.get("date"):
        meta["season"] = int(str(meta["date"])[:4])
    if meta.get("season") is None:
        raise StintlabUsageError(
            f"{rf.main}: cannot tell the season from the file or folder names; pass --season YEAR (and --series, --event)"
        )
    meta["season"] = int(meta["season"])
    if meta.get("date"):
        try:
            meta["date"] = dt.date.fromisoformat(str(meta["date"]))
        except ValueError:
            raise StintlabUsageError(f"bad --date {meta['date']!r}: use YYYY-MM-DD") from None
    meta["series"] = str(meta["series"] or "UNKNOWN").upper()
    meta["event"] = slug(meta.get("event") or rf.main.parent.name or rf.main.stem)
    meta["track"] = _track(meta["event"])
    meta["session"] = str(meta.get("session") or "Race")
    meta["race_id"] = f"{meta['season']}-{slug(meta['series'])}-{meta['event']}-{slug(meta['session'])}"
    meta["source"] = str(rf.main)
    meta["parser_version"] = parser_version()
    if parsed.race is not None:
        race = parsed.race
        meta.update(
            name=race.name,
            has_laps=True,
            variant=race.meta.get("variant"),
            classification_source=race.meta.get("classification_source"),
            cars=int(len(race.cars)),
            laps=int(len(race.laps)),
            hours=round(race.duration / 3600.0, 3),
            has_flags=bool(race.meta.get("has_flags")),
        )
    else:
        t = parsed.results.table
        meta.update(
            name=rf.main.parent.name or rf.main.stem,
            has_laps=False,
            variant=f"classification-{parsed.results.facts.get('layout', '')}".rstrip("-"),
            classification_source="official",
            cars=int(len(t)),
            laps=0,
            hours=round(float(t["total_time"].max()) / 3600.0, 3)
            if "total_time" in t and t["total_time"].notna().any()
            else None,
            has_flags=False,
        )
    return meta


def _pick(df: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    out = pd.DataFrame(index=df.index)
    for c in columns:
        out[c] = df[c] if c in df.columns else pd.Series([None] * len(df), index=df.index, dtype="object")
    return out.reset_index(drop=True)


def _tables(parsed: _Parsed) -> dict[str, pd.DataFrame | None]:
    if parsed.race is not None:
        race = parsed.race
        cls = race.classification.copy()
        if "official" not in cls.columns:
            cls["official"] = False
        cls["official"] = cls["official"].fillna(False).astype(bool)
        return {
            "laps": race.laps,
            "classification": _pick(cls, CLASSIFICATION_COLUMNS).astype({"car": "string"}),
            "entries": _entries_from_race(race),
            "weather": None if race.weather is None else _pick(race.weather, WEATHER_COLUMNS),
        }
    res = parsed.results
    cls = res.table.copy()
    cls["official"] = True
    return {
        "laps": None,
        "classification": _pick(cls, CLASSIFICATION_COLUMNS).astype({"car": "string"}),
        "entries": _entries_from_crew(res.crew, res.table),
        "weather": None if parsed.weather is None else _pick(parsed.weather, WEATHER_COLUMNS),
    }


def clean_lap_mask(laps: pd.DataFrame) -> pd.Series:
    """The clean-lap filter of :mod:`stintlab.analysis.pace` (``annotate(laps)["clean"]``: not
    neutralised — flagged or inferred —, not an in-/out-lap, no pit time, not lap 1, not an
    incident lap), so the archive's pace is the ``best_10`` of ``stintlab drivers``."""
    if "clean" not in laps.columns:
        from stintlab.analysis.annotate import annotate

        laps = annotate(laps)
    return pd.Series(laps["clean"].to_numpy(dtype=bool) & laps["lap_time"].notna().to_numpy(), index=laps.index)


def driver_pace(laps: pd.DataFrame, n: int = PACE_LAPS) -> pd.DataFrame:
    """Per (car, driver): best lap, pace (mean of the driver's ``n`` fastest clean laps, fewer when
    the driver has fewer), number of laps in that mean, laps driven and drive time (sum of lap times).
    ``laps`` may carry a ``clean`` column already (an annotated table); else it is computed.

    >>> laps = pd.DataFrame({"car": ["1"] * 4, "driver": ["A", "A", "B", "B"], "lap": [1, 2, 3, 4],
    ...     "lap_time": [100.0, 90.0, 95.0, 97.0], "flag": ["GF"] * 4, "in_lap": [False] * 4,
    ...     "out_lap": [False] * 4, "pit_time": [float("nan")] * 4, "clean": [False, True, True, True]})
    >>> driver_pace(laps, n=1)[["driver", "laps", "best_lap", "pace", "pace_laps"]].values.tolist()
    [['A', 2, 90.0, 90.0, 1], ['B', 2, 95.0, 95.0, 1]]
    """
    clean_all = clean_lap_mask(laps).to_numpy(dtype=bool)  # on the whole race (neutralisations need every car)
    with_driver = laps["driver"].notna().to_numpy()
    d = laps[with_driver]
    car = d["car"].astype(str).to_numpy()
    drv = d["driver"].astype(str).to_numpy()
    codes = d.groupby(["car", "driver"], sort=False, observed=True).ngroup().to_numpy()
    k = int(codes.max()) + 1 if len(codes) else 0
    lt = d["lap_time"].to_numpy(dtype=float)
    has = ~np.isnan(lt)
    count = np.bincount(codes, minlength=k)
    total = np.bincount(codes[has], weights=lt[has], minlength=k)
    best = np.full(k, np.inf)
    np.minimum.at(best, codes[has], lt[has])
    best[np.isinf(best)] = np.nan
    clean = clean_all[with_driver] & has
    cc, cl = codes[clean], lt[clean]
    order = np.lexsort((cl, cc))
    cc, cl = cc[order], cl[order]
    first = np.r_[0, np.flatnonzero(np.diff(cc)) + 1] if len(cc) else np.array([], dtype=int)
    start = np.repeat(first, np.diff(np.r_[first, len(cc)]))
    keep = (np.arange(len(cc)) - start) < n
    pace_n = np.bincount(cc[keep], minlength=k)
    pace_sum = np.bincount(cc[keep], weights=cl[keep], minlength=k)
    with np.errstate(invalid="ignore", divide="ignore"):
        pace = np.where(pace_n > 0, pace_sum / np.maximum(pace_n, 1), np.nan)
    first_row = np.unique(codes, return_index=True)[1]
    return pd.DataFrame(
        {
            "car": pd.array(car[first_row], dtype="string"),
            "driver": pd.array(drv[first_row], dtype="string"),
            "laps": count,
            "drive_time": total,
            "best_lap": best,
            "pace": pace,
            "pace_laps": pace_n.astype(int),
        }
    )


def _entries_from_race(race) -> pd.DataFrame:
    drivers = race.drivers.copy()
    pace = driver_pace(race.laps)
    e = drivers.merge(pace.drop(columns=["laps"]), on=["car", "driver"], how="left")
    manu = race.cars.set_index("car")["manufacturer"]
    e["manufacturer"] = e["car"].map(manu)
    e = e.rename(columns={"driver_slot": "slot"})
    # crew members of the official classification who never drove
    crew = race.official_crew
    if crew is not None and len(crew):
        have = {(c, driver_key(d)) for c, d in zip(e["car"], e["driver"], strict=True)}
        have_slot = {(c, int(s)) for c, s in zip(e["car"], e["slot"], strict=True) if not pd.isna(s)}
        extra = [
            r
            for r in crew.itertuples()
            if (r.car, driver_key(r.driver)) not in have and (pd.isna(r.slot) or (r.car, int(r.slot)) not in have_slot)
        ]
        if extra:
            cars = race.cars.set_index("car")
            add = pd.DataFrame(
                {
                    "car": [r.car for r in extra],
                    "driver": [r.driver for r in extra],
                    "slot": [r.slot for r in extra],
                    "class": [cars["class"].get(r.car) for r in extra],
                    "team": [cars["team"].get(r.car) for r in extra],
                    "manufacturer": [cars["manufacturer"].get(r.car) for r in extra],
                    "category": [r.category for r in extra],
                    "country": [r.country for r in extra],
                    "laps": 0,
                    "pace_laps": 0,
                }
            )
            e = pd.concat([e, add], ignore_index=True)
    e["driver_key"] = [driver_key(d) for d in e["driver"]]
    e["pace_rank"] = e.groupby("class", dropna=False)["pace"].rank(method="min").astype("Int64")
    e["pace_field"] = e.groupby("class", dropna=False)["pace"].transform("count").astype("Int64")
    e.loc[e["pace"].isna(), "pace_field"] = pd.NA
    return _pick(e, ENTRY_COLUMNS).astype({"car": "string", "driver": "string", "driver_key": "string"})


def _entries_from_crew(crew: pd.DataFrame | None, table: pd.DataFrame) -> pd.DataFrame:
    if crew is None or crew.empty:
        return _pick(pd.DataFrame(columns=ENTRY_COLUMNS), ENTRY_COLUMNS)
    by_car = table.drop_duplicates("car").set_index("car")
    e = crew.rename(columns={}).copy()
    e["class"] = e["car"].map(by_car["class"]) if "class" in by_car else None
    e["team"] = e["car"].map(by_car["team"]) if "team" in by_car else None
    e["manufacturer"] = None
    e["driver_key"] = [driver_key(d) for d in e["driver"]]
    e["laps"] = pd.NA
    e["pace_laps"] = 0
    return _pick(e, ENTRY_COLUMNS).astype({"car": "string", "driver": "string", "driver_key": "string"})


def prepare(race_files: RaceFiles, overrides: dict | None = None) -> tuple[dict, dict]:
    """Parse one race and build its metadata and archive tables (no database access)."""
    parsed = _parse(race_files)
    meta = _race_meta(race_files, parsed, overrides or {})
    return meta, _tables(parsed)


def _prepare_worker(args):
    race_files, overrides = args
    try:
        return "ok", prepare(race_files, overrides)
    except StintlabError as exc:  # custom exceptions do not always survive pickling: send the facts
        return "error", (
            type(exc).__name__,
            getattr(exc, "path", None),
            getattr(exc, "message", str(exc)),
            getattr(exc, "line", None),
            getattr(exc, "column", None),
        )


def _reraise(info):
    from stintlab.errors import StintlabFormatError

    name, path, message, line, column = info
    if name == "StintlabFormatError":
        raise StintlabFormatError(path, message, line=line, column=column)
    raise StintlabUsageError(message)


def ingest(
    paths,
    db=None,
    *,
    overrides: dict | None = None,
    lock_timeout: float = 120.0,
    on_race: Callable[[dict], None] | None = None,
    on_step: Callable | None = None,
    race_files: list[RaceFiles] | None = None,
    workers: int | None = None,
) -> list[dict]:
    """Find the races under ``paths`` and add each in its own transaction. Returns one dict per race.

    Re-ingesting the same files changes nothing (content hash); a race whose id already exists with
    other content (e.g. provisional → official results) is replaced. ``workers`` (default: up to 2
    CPUs when 8 or more races are new) parse races in parallel processes while this process writes.
    """
    found = race_files if race_files is not None else find_race_files(paths)
    if not found:
        raise StintlabUsageError(f"no lap, classification or weather file found under {', '.join(map(str, paths))}")
    out = []
    with Archive(db, write=True, lock_timeout=lock_timeout) as arc:
        known = {h for (h,) in arc.con.execute("SELECT content_hash FROM races").fetchall()}
        new = [
            rf
            for rf in found
            if not rf.problem and _content_hash({k: Path(p).read_bytes() for k, p in rf.stored().items()}) not in known
        ]
        n = workers if workers is not None else min(2, os.cpu_count() or 1)
        # with the default, below 8 new races starting the processes costs more than it saves
        pool = None
        if n > 1 and len(new) >= (2 if workers is not None else 8):
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            pool = ProcessPoolExecutor(max_workers=n, mp_context=multiprocessing.get_context("spawn"))
        try:
            futures: dict = {}
            order = {id(rf): i for i, rf in enumerate(new)}
            submitted = 0
            for rf in found:
                prepared = None
                if pool is not None and id(rf) in order:
                    # keep at most 2 races per worker parsed ahead of the writer (memory)
                    while submitted < min(len(new), order[id(rf)] + 2 * n + 1):
                        nxt = new[submitted]
                        futures[id(nxt)] = pool.submit(_prepare_worker, (nxt, overrides))
                        submitted += 1
                    status, payload = futures.pop(id(rf)).result()
                    if status == "error":
                        _reraise(payload)
                    prepared = payload
                res = arc.ingest(rf, overrides, on_step=on_step, prepared=prepared)
                out.append(res)
                if on_race:
                    on_race(res)
        finally:
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)
    return out


def open_race(race_id: str, db=None, *, lock_timeout: float = 120.0):
    """Re-read an archived race as a :class:`stintlab.Race`, exactly as :func:`stintlab.load` reads it.

    The raw files stored in the archive are written to a temporary folder and parsed again (with
    the current parser). A classification-only race gives a Race with an empty lap table, its
    official classification, and cars/drivers from the official crew lists. ``race_id`` may be a
    unique part of an id (``2024-wec-le-mans``). ``lock_timeout``: seconds to wait while another
    process writes to the archive (then :class:`ArchiveBusyError`).
    """
    import stintlab

    with Archive(db, lock_timeout=lock_timeout) as arc:
        row = arc.race_row(race_id)
        files = arc.df("SELECT role, name, data FROM files WHERE race_id = ?", [row["race_id"]])
    with tempfile.TemporaryDirectory(prefix="stintlab-archive-") as tmp:
        paths = {}
        for r in files.itertuples():
            if r.role == "hourly":
                continue  # the hourly classifications are kept in the archive, not parsed into the Race
            sub = Path(tmp) / r.role
            sub.mkdir()
            p = sub / r.name
            p.write_bytes(bytes(r.data))
            paths[r.role] = p
        if "laps" in paths:
            race = stintlab.load(
                paths["laps"], results=paths.get("results"), find_results=False, weather=paths.get("weather")
            )
        else:
            race = _classification_only_race(paths["results"])
    race.meta.update({k: row.get(k) for k in ("race_id", "series", "season", "event", "track", "session")})
    race.meta["date"] = str(row["date"])[:10] if row.get("date") is not None and not pd.isna(row.get("date")) else None
    race.meta["name"] = row["race_id"]
    race.meta["archive"] = str(Path(db) if db is not None else default_db_path())
    race.meta["path"] = row["source"]
    return race


load_from_archive = open_race


def list_races(
    db=None, series: str | None = None, season: int | None = None, *, lock_timeout: float = 120.0
) -> pd.DataFrame:
    """The archived races (one row each, ``races`` table columns), e.g. for a race picker."""
    with Archive(db, lock_timeout=lock_timeout) as arc:
        return arc.races(series, season)


def _classification_only_race(results_path: Path):
    from stintlab.io import read_file
    from stintlab.race import Race
    from stintlab.schema import empty_laps

    res = read_file(results_path, expect="classification")
    cls = res.table.copy()
    cls["official"] = True
    crew = res.crew if res.crew is not None else pd.DataFrame(columns=["car", "slot", "driver", "category", "country"])
    names = crew.groupby("car")["driver"].agg(list) if len(crew) else pd.Series(dtype=object)
    cars = pd.DataFrame(
        {
            "car": cls["car"].astype("string"),
            "class": cls["class"],
            "group": cls.get("group"),
            "team": cls["team"],
            "manufacturer": pd.array([None] * len(cls), dtype="string"),
            "laps": cls["laps"],
        }
    )
    cars["crew"] = [names.get(c, []) for c in cars["car"]]
    cars["drivers"] = cars["crew"].map(len)
    cars["vehicle"] = cls["vehicle"].to_numpy() if "vehicle" in cls else None
    cars["official_crew"] = cars["crew"]
    cls_of = cls.set_index("car")
    drivers = pd.DataFrame(
        {
            "driver": crew["driver"].astype("string"),
            "car": crew["car"].astype("string"),
            "driver_slot": crew["slot"],
            "class": crew["car"].map(cls_of["class"]),
            "team": crew["car"].map(cls_of["team"]),
            "category": crew["category"],
            "country": crew["country"],
            "laps": pd.array([pd.NA] * len(crew), dtype="Int32"),
            "first_lap": pd.array([pd.NA] * len(crew), dtype="Int32"),
            "last_lap": pd.array([pd.NA] * len(crew), dtype="Int32"),
        }
    )
    meta = {
        "path": str(results_path),
        "name": results_path.parent.name,
        "format": "alkamel-classification",
        "variant": "classification-only",
        "results_path": str(results_path),
        "classification_source": "official",
        "has_flags": False,
        "start_time_of_day": np.nan,
        "classification_only": True,
    }
    return Race(laps=empty_laps(), classification=cls, cars=cars, drivers=drivers, meta=meta, official_crew=crew)
