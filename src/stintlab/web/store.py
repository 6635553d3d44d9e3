"""Where the web app keeps its races: uploads, the archive and the demo race.

Every race has a server-chosen id. An upload is written to ``<data_dir>/<32 hex>.csv``; an
archive race is either a race of the DuckDB archive (``stintlab archive add``), listed when the
app starts and re-read from the archive when opened, or a lap file found by scanning a folder. A
request only ever names an id, which is looked up in :attr:`RaceStore.entries`: no part of
a request is joined to a path.
"""

from __future__ import annotations

import re
import tempfile
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from stintlab.errors import StintlabFormatError, StintlabUsageError
from stintlab.event import event_meta, event_title, meta_from_path

__all__ = [
    "size_text", "RaceEntry", "RaceStore", "RequestError", "check_upload", "sort_uploads", "upload_id", "UploadRejected",
    "MAX_UPLOAD_BYTES", "MAX_RESULTS_BYTES",
]  # fmt: skip

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_RESULTS_BYTES = 1024 * 1024  # a results (classification) file sent with the lap file
MAX_UPLOADS = 100  # stored uploads kept at most (oldest dropped first)
_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,80}$")


class RequestError(StintlabUsageError):
    """A bad request with its HTTP status (400 unless said otherwise)."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


class UploadRejected(RequestError):
    """An upload refused before it is stored (type, size or header)."""


@dataclass(frozen=True)
class RaceEntry:
    id: str
    name: str
    path: Path
    source: str  # "upload", "archive" (a folder of race folders), "db" (the DuckDB archive) or "demo"
    archive_id: str | None = None  # race_id in the DuckDB archive (source "db")
    folder: Path | None = None  # the event folder a race of source "archive" is loaded from


def size_text(n: int) -> str:
    """Bytes as MB (or KB under 1 MB) for messages.

    >>> size_text(50 * 1024 * 1024), size_text(2048)
    ('50 MB', '2 KB')
    """
    return f"{n // (1024 * 1024)} MB" if n >= 1024 * 1024 else f"{max(1, n // 1024)} KB"


def _upload_format(filename: str | None, data: bytes, max_bytes: int) -> str | None:
    """The format an uploaded file's header tells (:func:`stintlab.io.detect_format`), after the
    extension and size checks."""
    from stintlab.io import detect_format
    from stintlab.io.text import sniff_header

    name = Path(filename or "").name
    if not name.lower().endswith(".csv"):
        raise UploadRejected(f"only .csv timing files are accepted (got {name!r})", 415)
    if len(data) > max_bytes:
        raise UploadRejected(f"file too large: the limit is {size_text(max_bytes)}", 413)
    try:
        header = sniff_header(name, data[:65536])
    except StintlabFormatError as exc:
        raise UploadRejected(f"not a timing file: {exc.message}", 415) from None
    return detect_format(header.names)


def sort_uploads(
    files: list[tuple[str | None, bytes]], max_bytes: int = MAX_UPLOAD_BYTES
) -> tuple[tuple[str | None, bytes], tuple[str | None, bytes] | None]:
    """``(lap file, results file or None)`` among the files of one upload, told apart by their headers
    (whatever the form field or the order): one lap file, at most one classification.

    >>> laps = ("laps.csv", b"NUMBER;DRIVER_NUMBER;LAP_NUMBER;LAP_TIME;ELAPSED;\\n7;1;1;3:30.1;3:30.1;\\n")
    >>> res = ("res.csv", b"POSITION;NUMBER;STATUS;LAPS\\n1;7;Classified;1\\n")
    >>> got = sort_uploads([res, laps])
    >>> got[0][0], got[1][0]
    ('laps.csv', 'res.csv')
    """
    laps, results = [], []
    for name, data in files:
        if not data and not name:
            continue  # an empty optional field of the form
        if len(data) > max(max_bytes, MAX_RESULTS_BYTES):
            raise UploadRejected(f"file too large: the limit is {size_text(max_bytes)}", 413)
        fmt = _upload_format(name, data, max(max_bytes, MAX_RESULTS_BYTES))
        if fmt == "laps":
            if len(data) > max_bytes:
                raise UploadRejected(f"file too large: the limit is {size_text(max_bytes)}", 413)
            laps.append((name, data))
        elif fmt == "classification":
            if len(data) > MAX_RESULTS_BYTES:
                raise UploadRejected(f"results file too large: the limit is {size_text(MAX_RESULTS_BYTES)}", 413)
            results.append((name, data))
        else:
            what = "an unknown header" if fmt is None else f"a {fmt} file"
            raise UploadRejected(
                f"not an Al Kamel lap file (nor a results file): {Path(name or '').name} has {what} (a lap file has "
                "NUMBER, LAP_NUMBER, LAP_TIME and ELAPSED columns; a results file POSITION, NUMBER, STATUS and LAPS)", 415
            )
    if not laps:
        if results:
            raise UploadRejected(
                "not an Al Kamel lap file: a results (classification) file is read only together with its race's "
                "lap file (send both in one upload)", 415
            )
        raise UploadRejected("no file in the upload (field 'file')", 400)
    if len(laps) > 1 or len(results) > 1:
        raise UploadRejected("send one lap file and at most one results file", 400)
    return laps[0], (results[0] if results else None)


def upload_id(laps: bytes, results: bytes | None = None) -> str:
    """The id of an upload: a hash of its content (the same files give the same race, never a second entry).

    >>> upload_id(b"a") == upload_id(b"a") != upload_id(b"a", b"r")
    True
    """
    import hashlib

    h = hashlib.sha256(laps)
    if results is not None:
        h.update(b"\0results\0" + hashlib.sha256(results).digest())
    return h.hexdigest()[:32]


def check_upload(filename: str | None, data: bytes, max_bytes: int = MAX_UPLOAD_BYTES) -> None:
    """Refuse anything that is not a lap CSV: wrong extension, too big, or an unknown header.

    >>> check_upload("race.csv", b"NUMBER;DRIVER_NUMBER;LAP_NUMBER;LAP_TIME;ELAPSED;\\n7;1;1;3:30.1;3:30.1;\\n")
    >>> check_upload("race.txt", b"NUMBER;LAP_NUMBER")
    Traceback (most recent call last):
    ...
    stintlab.web.store.UploadRejected: only .csv timing files are accepted (got 'race.txt')
    """
    fmt = _upload_format(filename, data, max_bytes)
    if fmt != "laps":
        what = "an unknown header" if fmt is None else f"a {fmt} file"
        raise UploadRejected(
            f"not an Al Kamel lap file: {what} (a lap file has NUMBER, LAP_NUMBER, LAP_TIME and ELAPSED columns)", 415
        )


def _results_path(laps_path: Path) -> Path:
    """Where the results file sent with an upload is kept: beside it, ``<id>.results.csv``."""
    return laps_path.with_name(laps_path.stem + ".results.csv")


class RaceStore:
    """Race entries by id, and a small cache of loaded races (least recently used dropped first)."""

    def __init__(
        self,
        data_dir: Path | None = None,
        archive: Path | None = None,
        *,
        cache_size: int = 8,
        with_demo: bool = True,
        max_uploads: int = MAX_UPLOADS,
        archive_db: Path | None = None,
    ):
        self._own_dir = data_dir is None
        self.data_dir = Path(data_dir) if data_dir is not None else Path(tempfile.mkdtemp(prefix="stintlab-web-"))
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.entries: dict[str, RaceEntry] = {}
        self.cache_size = cache_size
        self.max_uploads = max_uploads
        self._cache: OrderedDict[str, object] = OrderedDict()
        self._lock = threading.Lock()
        self._loading: dict[str, threading.Lock] = {}
        self.archive_db = Path(archive_db) if archive_db is not None else None
        if not self._own_dir:  # uploads kept in a given folder come back after a restart
            for f in sorted(self.data_dir.glob("*.csv")):
                if re.fullmatch(r"[0-9a-f]{32}", f.stem):
                    self.entries[f.stem] = RaceEntry(f.stem, f"upload {f.stem[:8]}", f, "upload")
        if with_demo:
            self._add_demo()
        if archive is not None:
            self._scan_archive(Path(archive))
        if archive_db is not None:
            self._list_archive_db(Path(archive_db))

    # -- entries -------------------------------------------------------------------------
    def _add_demo(self) -> None:
        try:
            from stintlab.sim.demo import demo_path
        except ImportError:
            return
        try:
            path = Path(demo_path())
        except Exception:  # the demo race is optional for the web app
            return
        if path.is_file():
            self.entries["demo"] = RaceEntry("demo", "Demo race (simulated)", path, "demo")

    def _scan_archive(self, root: Path) -> None:
        """Each sub-folder of ``root`` that holds one race (:func:`stintlab.io.racefiles.race_in_folder`,
        the rule ``stintlab.load(folder)`` and ``archive add`` follow: one lap file, recognised by its
        header, with the event's other files) is a race, loaded from that folder."""
        from stintlab.io.racefiles import race_in_folder

        if not root.is_dir():
            return
        for folder in sorted(p for p in root.iterdir() if p.is_dir()):
            try:
                laps = race_in_folder(folder).laps
            except (StintlabFormatError, OSError):  # no lap file, several races, unreadable: not offered
                continue
            rid = re.sub(r"[^a-z0-9._-]+", "-", folder.name.lower()).strip("-")
            if _ID.match(rid) and rid not in self.entries:
                self.entries[rid] = RaceEntry(rid, folder.name, laps, "archive", folder=folder)

    def _list_archive_db(self, db: Path) -> None:
        """Every race with laps in the DuckDB archive (``stintlab archive add``) is offered, under its
        archive id; it is read with :func:`stintlab.archive.store.open_race` when first opened."""
        from stintlab.archive.store import list_races

        races = list_races(db, lock_timeout=10.0)
        for r in races.itertuples():
            if not bool(r.has_laps):
                continue  # classification-only races (e.g. Daytona results) have no lap chart to show
            rid = re.sub(r"[^a-z0-9._-]+", "-", str(r.race_id).lower()).strip("-")
            if _ID.match(rid) and rid not in self.entries:
                self.entries[rid] = RaceEntry(rid, str(r.race_id), db, "db", archive_id=str(r.race_id))

    def add_upload(
        self,
        filename: str | None,
        data: bytes,
        max_bytes: int = MAX_UPLOAD_BYTES,
        results: tuple[str | None, bytes] | None = None,
    ) -> RaceEntry:
        """Check, store and load an uploaded lap file, with its results file when given (a bad upload
        is removed again). The id is a hash of the content (:func:`upload_id`): sending the same
        files again gives back the race already stored, not a second entry."""
        return self.put_upload(filename, data, max_bytes, results)[0]

    def put_upload(
        self,
        filename: str | None,
        data: bytes,
        max_bytes: int = MAX_UPLOAD_BYTES,
        results: tuple[str | None, bytes] | None = None,
    ) -> tuple[RaceEntry, bool]:
        """:meth:`add_upload`, and whether the race is new (False: the same files were already stored,
        the web API answers 200 instead of 201)."""
        check_upload(filename, data, max_bytes)
        rid = upload_id(data, results[1] if results is not None else None)
        with self._lock:
            known = self.entries.get(rid)
        if known is not None:
            return known, False
        self._drop_oldest_uploads(keep=self.max_uploads - 1)
        path = self.data_dir / f"{rid}.csv"
        path.write_bytes(data)
        if results is not None:
            (self.data_dir / f"{rid}.results.csv").write_bytes(results[1])
        stem = re.sub(r"[^\w .()-]+", "", Path(filename or "upload").stem)[:80] or "upload"
        entry = RaceEntry(rid, stem, path, "upload")
        with self._lock:
            self.entries[rid] = entry
        try:
            self.race(rid)
        except Exception as exc:
            with self._lock:
                self.entries.pop(rid, None)
            path.unlink(missing_ok=True)
            _results_path(path).unlink(missing_ok=True)
            if isinstance(exc, StintlabFormatError) and Path(exc.path).parent == path.parent:
                # locate the problem in the client's file, not in the server's storage name
                client = results[0] if results is not None and Path(exc.path).name.endswith(".results.csv") else filename
                shown = re.sub(r"[^\w .()-]+", "", Path(client or "").name)[:80] or "upload.csv"
                raise StintlabFormatError(shown, exc.message, line=exc.line, column=exc.column) from None
            raise
        return entry, True

    def _drop_oldest_uploads(self, keep: int) -> None:
        """Bound the disk an open server can be made to use: beyond ``max_uploads`` stored uploads,
        the oldest are forgotten and their files removed."""
        with self._lock:
            uploads = [e for e in self.entries.values() if e.source == "upload"]
            for old in uploads[: max(0, len(uploads) - keep)]:
                self.entries.pop(old.id, None)
                self._cache.pop(old.id, None)
                old.path.unlink(missing_ok=True)
                _results_path(old.path).unlink(missing_ok=True)

    def entry(self, rid: str) -> RaceEntry:
        e = self.entries.get(rid)
        if e is None:
            raise StintlabUsageError(f"no race with id {rid!r}")
        return e

    def listing(self) -> list[dict]:
        return [{"id": e.id, "name": e.name, "title": self._title(e), "source": e.source} for e in self.entries.values()]

    def _title(self, e: RaceEntry) -> str:
        """The race's title without loading it: the loaded race's when cached, else what the
        folder and file names of an archive race tell (:func:`stintlab.event.event_title`)."""
        with self._lock:
            race = self._cache.get(e.id)
        if race is not None:
            return race.title
        if e.source == "archive":
            return event_title(event_meta(e.path)) or e.name
        return e.name

    # -- loaded races --------------------------------------------------------------------
    def race(self, rid: str):
        """The loaded :class:`~stintlab.race.Race` of an entry (loaded once, then cached)."""
        entry = self.entry(rid)
        with self._lock:
            if rid in self._cache:
                self._cache.move_to_end(rid)
                return self._cache[rid]
            gate = self._loading.setdefault(rid, threading.Lock())
        with gate:
            with self._lock:
                if rid in self._cache:
                    return self._cache[rid]
            if entry.source == "db":
                from stintlab.archive.store import open_race

                race = open_race(entry.archive_id, entry.path, lock_timeout=10.0)
            else:
                from stintlab.race import load

                if entry.source == "upload":
                    res = _results_path(entry.path)
                    race = load(entry.path, res if res.is_file() else None, find_results=False)
                else:
                    race = load(entry.folder or entry.path, find_results=entry.source == "archive")
            if entry.source == "upload":
                race.meta["name"] = entry.name
                # the client's file name tells what the stored name cannot (IMSA: date and session)
                told = meta_from_path(Path(entry.name + ".csv"))
                race.meta.update({k: v for k, v in told.items() if v is not None and race.meta.get(k) is None})
            if self.archive_db is not None:  # drivers the race does not grade: the archive's registry
                from stintlab.archive.registry import category_lookup

                race.category_lookup = category_lookup(self.archive_db)
            with self._lock:
                self._cache[rid] = race
                while len(self._cache) > self.cache_size:
                    self._cache.popitem(last=False)
            return race

    def close(self) -> None:
        """Remove the uploads folder when the store created it."""
        if self._own_dir:
            import shutil

            shutil.rmtree(self.data_dir, ignore_errors=True)


#: rendered race pages kept at most (a car page of a 24 h race is ~0.4 MB: about 150 of them)
PAGE_CACHE_BYTES = 64 * 1024 * 1024


class PageCache:
    """Rendered pages by key, least recently used dropped first once their text passes ``max_bytes``.
    Two requests for one missing page may both render it (the same text); nothing blocks while rendering."""

    def __init__(self, max_bytes: int):
        self.max_bytes, self.size = max_bytes, 0
        self._pages: OrderedDict[tuple, str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple, build) -> str:
        with self._lock:
            if key in self._pages:
                self._pages.move_to_end(key)
                return self._pages[key]
        text = build()
        with self._lock:
            if key not in self._pages:
                self._pages[key] = text
                self.size += len(text)
            while self.size > self.max_bytes and len(self._pages) > 1:
                _, old = self._pages.popitem(last=False)
                self.size -= len(old)
        return text
