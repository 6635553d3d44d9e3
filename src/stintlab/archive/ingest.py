"""Adding races to the archive: parse each race's files, build its tables, write it in one transaction.

Every race found under the given paths gets one result (``{race_id, status, source, ...}``):

- ``added`` / ``replaced`` (same race id, new content) / ``unchanged`` (same files): stored;
- ``kept``: a stored race is not replaced by one with fewer laps (``reason`` says how to replace it);
- ``skipped``: hourly classification files without the lap file they belong to;
- ``unsupported``: a folder of files no reader knows yet (NLS, GT World Challenge exports);
- ``error``: a file that cannot be read; ``reason`` is the located message with the file's full
  path (``file``, ``line``, ``column`` too). The other races of the batch are still stored.

A missing season (``pass --season``) stops the batch (a question for the user, not a bad file); a
database write error stops it with an :class:`~stintlab.archive.db.ArchiveError` naming the archive:
the race being written is rolled back, the races committed before it stay.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import os
import re
from collections.abc import Callable
from pathlib import Path

import stintlab
import stintlab.io
from stintlab.archive.db import DATA_TABLES, Archive
from stintlab.archive.driverid import DRIVER_ID_TABLES, with_driver_ids
from stintlab.archive.entries import race_tables, results_tables
from stintlab.archive.parts import race_parts, results_parts
from stintlab.archive.registry import registry_rows
from stintlab.archive.sources import RaceFiles, find_race_files, meta_from_path, series_from_classes, slug
from stintlab.errors import StintlabFormatError, StintlabUsageError
from stintlab.event import complete_from_session
from stintlab.io import read_file
from stintlab.race import entry_list_beside

__all__ = [
    "META_KEYS",
    "MetadataNeeded",
    "add_race",
    "content_hash",
    "failure",
    "ingest",
    "parser_version",
    "prepare",
    "prepare_or_fail",
]

META_KEYS = ("series", "season", "event", "date", "session")
RACE_COLUMNS = [
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


class MetadataNeeded(StintlabUsageError):
    """The files do not tell the race's season (or a metadata flag is malformed): the user must say."""


def parser_version() -> str:
    """``<package version>+<hash of the reader sources>``: changes whenever a reader changes,
    which invalidates parsed caches (fetch) and is recorded with every archived race."""
    h = hashlib.sha256()
    for f in sorted(Path(stintlab.io.__file__).parent.glob("*.py")):
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return f"{stintlab.__version__}+{h.hexdigest()[:10]}"


def content_hash(blobs: dict[str, bytes]) -> str:
    """One SHA-256 over every file of a race (by role key, then each file's own hash)."""
    h = hashlib.sha256()
    for role in sorted(blobs):
        h.update(role.encode())
        h.update(hashlib.sha256(blobs[role]).digest())
    return h.hexdigest()


def failure(rf: RaceFiles, exc: BaseException) -> dict:
    """The ``error`` result of a race whose files cannot be read: the located message with the
    file's full path (a StintlabFormatError's own text names only the base name)."""
    out = {"race_id": None, "status": "error", "source": str(rf.source), "file": None, "line": None, "column": None}
    if isinstance(exc, StintlabFormatError):
        path = exc.path if exc.path in ("", "<input>") else os.path.abspath(exc.path)
        where = (
            [path] + [f"line {exc.line}"] * (exc.line is not None) + [f"column {exc.column}"] * (exc.column is not None)
        )
        out.update(file=path, line=exc.line, column=exc.column, reason=", ".join(where) + ": " + exc.message)
    elif isinstance(exc, OSError):
        path = os.path.abspath(exc.filename) if exc.filename else str(rf.main)
        out.update(file=path, reason=f"{path}: cannot be read: {exc.strerror or exc}")
    else:  # not a located error: a reader or analysis defect on this file, reported, not fatal to the batch
        text = " ".join(str(exc).split())  # one line
        out.update(file=str(rf.main), reason=f"{rf.main}: cannot be archived: {type(exc).__name__}: {text}")
    return out


class _Parsed:
    def __init__(self, race=None, results=None, weather=None):
        self.race = race  # a stintlab Race when there is a lap file
        self.results = results  # a ParsedFile for a classification-only race
        self.weather = weather  # the weather table of a classification-only race


def _parse(rf: RaceFiles) -> _Parsed:
    if rf.laps is not None:
        # the official classification beside it, else the final of its hourly ones (as stintlab.load(folder))
        return _Parsed(race=stintlab.load(rf.laps, results=rf.official, find_results=False, weather=rf.weather))
    weather = read_file(rf.weather, expect="weather").table if rf.weather is not None else None
    return _Parsed(results=read_file(rf.results, expect="classification"), weather=weather)


def _track(event: str | None) -> str | None:
    if not event:
        return None
    return re.sub(r"-?\d+(h|km)$", "", event) or event


def known_race_date(series: str, season: int, event: str) -> dt.date | None:
    """The race day of a race whose files carry no date, from ``archive/race_dates.toml`` (sourced)."""
    for r in _race_dates():
        if (str(r["series"]).upper(), int(r["season"]), r["event"]) == (series, season, event):
            return dt.date.fromisoformat(str(r["date"]))
    return None


@functools.cache
def _race_dates() -> tuple[dict, ...]:
    import tomllib

    return tuple(tomllib.loads((Path(__file__).with_name("race_dates.toml")).read_text("utf-8")).get("race", []))


def race_meta(rf: RaceFiles, parsed: _Parsed, overrides: dict) -> dict:
    """The ``races`` row of a parsed race: metadata from the path, the flags and the content."""
    meta = meta_from_path(rf.main)
    if meta.get("date") is None and parsed.race is not None:  # e.g. the stamped official-hourly files beside it
        meta["date"] = parsed.race.meta.get("date")
    for k in META_KEYS:
        if overrides.get(k) not in (None, ""):
            meta[k] = overrides[k]
    if parsed.race is not None:
        complete_from_session(meta, parsed.race.meta.get("entry_session") or {})
    if meta.get("series") is None:
        classes = (
            (parsed.race.cars["class"] if parsed.race is not None else parsed.results.table["class"]).dropna().unique()
        )
        meta["series"] = series_from_classes(classes)
    if meta.get("season") is None and meta.get("date"):
        meta["season"] = int(str(meta["date"])[:4])
    if meta.get("season") is None:
        raise MetadataNeeded(
            f"{rf.main}: cannot tell the season from the file or folder names; pass --season YEAR (and --series, --event)"
        )
    meta["season"] = int(meta["season"])
    if meta.get("date"):
        try:
            meta["date"] = dt.date.fromisoformat(str(meta["date"]))
        except ValueError:
            raise MetadataNeeded(f"bad --date {meta['date']!r}: use YYYY-MM-DD") from None
    meta["series"] = str(meta["series"] or "UNKNOWN").upper()
    meta["event"] = slug(meta.get("event") or rf.main.parent.name or rf.main.stem)
    if not meta.get("date"):
        meta["date"] = known_race_date(meta["series"], meta["season"], meta["event"])
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


def prepare(race_files: RaceFiles, overrides: dict | None = None) -> tuple[dict, dict]:
    """Parse one race and build its metadata and archive tables (no database access). A file that
    cannot be read raises (its StintlabFormatError / OSError); see :func:`prepare_or_fail`."""
    parsed = _parse(race_files)
    meta = race_meta(race_files, parsed, overrides or {})
    if parsed.race is not None:
        tables = race_tables(parsed.race)
        parts = race_parts(parsed.race)
    else:
        tables = results_tables(parsed.results, parsed.weather)
        parts = results_parts(parsed.results)
    source = race_files.results or race_files.main
    tables["driver_categories"] = registry_rows(meta, tables["entries"], source, entry_list_beside(race_files.main))
    tables["parts"] = parts  # {part: bytes}: the Race is rebuilt from laps + these (archive.parts)
    return meta, tables


def prepare_or_fail(race_files: RaceFiles, overrides: dict | None = None) -> tuple[str, object]:
    """:func:`prepare` as ``("ok", (meta, tables))``, ``("error", result dict)`` when the files
    cannot be read, or ``("usage", message)`` when the user must say more (``pass --season``).
    Plain data, so it crosses process boundaries (custom exceptions do not always unpickle)."""
    try:
        return "ok", prepare(race_files, overrides)
    except MetadataNeeded as exc:
        return "usage", str(exc)
    except Exception as exc:  # noqa: BLE001 (every file problem becomes this race's result)
        return "error", failure(race_files, exc)


def _read_blobs(rf: RaceFiles) -> dict[str, bytes]:
    return {key: Path(p).read_bytes() for key, p in rf.stored().items()}


def add_race(
    arc: Archive,
    race_files: RaceFiles,
    overrides: dict | None = None,
    on_step: Callable | None = None,
    prepared: tuple[str, object] | None = None,
) -> dict:
    """Add one race in one transaction (see :func:`ingest`); returns its result dict.
    ``prepared``: the output of :func:`prepare_or_fail` when already computed (parallel ingest)."""
    arc.need_write()
    step = on_step or (lambda *_: None)
    if race_files.problem:
        return {
            "race_id": None,
            "status": race_files.status,
            "reason": race_files.problem,
            "source": str(race_files.source),
        }
    try:
        blobs = _read_blobs(race_files)
    except OSError as exc:
        return failure(race_files, exc)
    files = race_files.stored()
    chash = content_hash(blobs)
    hit = arc.con.execute("SELECT race_id FROM races WHERE content_hash = ?", [chash]).fetchall()
    if hit:
        return {"race_id": hit[0][0], "status": "unchanged", "source": str(race_files.main)}
    kind, payload = prepared if prepared is not None else prepare_or_fail(race_files, overrides)
    if kind == "usage":
        raise MetadataNeeded(str(payload))
    if kind == "error":
        return payload  # type: ignore[return-value]
    meta, tables = payload  # type: ignore[misc]
    race_id = meta["race_id"]
    step("parsed", race_id)
    existing = arc.con.execute(
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
    _write(arc, race_id, race_files, files, blobs, chash, meta, tables, bool(existing), step)
    step("committed", race_id)
    return {
        "race_id": race_id,
        "status": "replaced" if existing else "added",
        "source": str(race_files.main),
        **{k: meta.get(k) for k in ("series", "season", "event", "session", "cars", "laps")},
        "date": meta["date"].isoformat() if meta.get("date") else None,
    }


def _write(arc, race_id, race_files, files, blobs, chash, meta, tables, existing: bool, step) -> None:
    """One transaction: files, laps, classification, entries, weather, then the ``races`` row. Any
    error rolls it back; a DuckDB error (disk full, I/O) becomes an ArchiveError naming the archive."""
    import duckdb

    con = arc.con
    # the raw bytes go to the content-addressed store first (each file written whole, then renamed):
    # a kill before COMMIT leaves at most unreferenced store files, never a row naming a missing file
    try:
        hashes = {key: arc.raw.put(data) for key, data in blobs.items()}
    except OSError as exc:
        raise arc.error(exc, f"writing the raw files of race {race_id} (nothing of this race was stored)", writing=True) from None
    con.execute("BEGIN TRANSACTION")
    try:
        if existing:
            for table in DATA_TABLES:
                con.execute(f"DELETE FROM {table} WHERE race_id = ?", [race_id])
        for key, data in blobs.items():
            role = key.split("/", 1)[0]  # hourly/<name> keys: role "hourly"
            con.execute(
                "INSERT INTO files VALUES (?, ?, ?, ?, ?, NULL)",
                [race_id, role, Path(files[key]).name, hashes[key], len(data)],
            )
        step("files", race_id)
        # the race's number: the next one up (archive/db.py, _ensure_race_no: reads of one race's laps)
        race_no = con.execute("SELECT coalesce(max(race_no), 0) + 1 FROM races").fetchall()[0][0]
        laps = tables["laps"]
        if laps is not None and len(laps):
            con.register("_laps_in", laps)
            con.execute(
                "INSERT INTO laps BY NAME SELECT ? AS race_id, ? AS race_no, * FROM _laps_in", [race_id, race_no]
            )
            con.unregister("_laps_in")
        step("laps", race_id)
        aliases = arc.aliases()
        for name in ("classification", "entries", "weather", "driver_categories"):
            df = tables.get(name)
            if df is None or df.empty:
                continue
            if name in DRIVER_ID_TABLES:  # the driver key with the alias table followed
                df = with_driver_ids(df, aliases)
            con.register("_in", df)
            con.execute(f"INSERT INTO {name} BY NAME SELECT ? AS race_id, * FROM _in", [race_id])
            con.unregister("_in")
        parts = tables.get("parts") or {}
        if parts:
            con.executemany("INSERT INTO race_parts VALUES (?, ?, ?)", [[race_id, k, v] for k, v in parts.items()])
        step("tables", race_id)
        row = {k: meta.get(k) for k in RACE_COLUMNS}
        row.update(content_hash=chash, ingested_at=dt.datetime.now(dt.UTC).replace(tzinfo=None), race_no=race_no)
        con.execute(
            f"INSERT INTO races ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})",
            list(row.values()),
        )
        con.execute("COMMIT")
    except BaseException as exc:
        with contextlib.suppress(Exception):
            con.execute("ROLLBACK")
        if isinstance(exc, duckdb.Error):
            raise arc.error(
                exc,
                f"writing race {race_id} from {race_files.main} (nothing of this race was stored;"
                " the races stored before it are kept)",
                writing=True,
            ) from None
        raise


def _hash_of(rf: RaceFiles) -> str | None:
    try:
        return content_hash(_read_blobs(rf))
    except OSError:
        return None


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
    """Find the races under ``paths`` and add each in its own transaction. Returns one dict per
    race (module docstring: statuses); a race whose files cannot be read is an ``error`` result,
    the others are stored all the same.

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
        new = [rf for rf in found if not rf.problem and _hash_of(rf) not in known]
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
                        futures[id(nxt)] = pool.submit(prepare_or_fail, nxt, overrides)
                        submitted += 1
                    prepared = futures.pop(id(rf)).result()
                res = add_race(arc, rf, overrides, on_step=on_step, prepared=prepared)
                out.append(res)
                if on_race:
                    on_race(res)
        finally:
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)
        changed = [r["race_id"] for r in out if r.get("status") in ("added", "replaced")]
        if changed:
            from stintlab.archive.estimates import refresh_estimates

            refresh_estimates(arc, changed)  # the registry's estimates follow the archive (bounded: module doc)
    return out
