"""What a race's category lookup (:func:`stintlab.archive.registry.category_lookup`) reads from an archive,
kept between commands: a race command run with a default archive (``story``, ``events``, ``rules``,
``drivers``) then neither opens DuckDB (its import alone is ~0.15 s) nor fits the pace model again while the
archive is unchanged.

The snapshot (:func:`lookup_inputs`): the registry (:func:`~stintlab.archive.registry.load_registry`), the alias
table, the pace model fitted on the archive's training table (:func:`~stintlab.archive.registry.training_table`,
only when ``estimates``), the stored calibration and every race's (race_id, source). It is kept in the cache folder
(``$STINTLAB_CACHE``, else ``$XDG_CACHE_HOME/stintlab`` or ``~/.cache/stintlab``), under ``lookup/``, one file per
archive file, stamped with the size and modification time of the archive file and of its write-ahead log
(``.wal``), and with stintlab's version and its snapshot-making modules' modification times: any write to the
archive (or another stintlab) changes the stamp and the next command reads the archive again. A snapshot
is written only when the stamp is the same after reading as before (no writer in between) and the archive was
last modified at least :data:`RACY_SECONDS` ago: a write in the same clock tick as the snapshot (file times are
coarse: milliseconds to seconds) would leave the stamp unchanged. The stamp also holds the file's device and
inode (an archive replaced by another file of the same size and time). Only snapshot files owned by the user and
writable by nobody else are unpickled (a pickle runs code when read); the folder is made private. A Parquet
export (a folder or URL) is read every time. A cache that cannot be read or written is ignored.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import pickle
from pathlib import Path

#: changes whenever what a snapshot holds (or how it is made) changes: older files are read again
FORMAT = 2

#: an archive modified less than this many seconds ago is not snapshotted (another write may follow in the
#: same file-time tick, unseen by the stamp)
RACY_SECONDS = 2.0


def _stamp(path: Path) -> tuple | None:
    """(format, size and mtime of the archive file and of its WAL) or None when the archive is not a plain file."""
    try:
        st = path.stat()
    except OSError:
        return None
    if not path.is_file():
        return None
    wal = Path(str(path) + ".wal")
    try:
        ws = wal.stat()
        w = (ws.st_size, ws.st_mtime_ns)
    except OSError:
        w = None
    return (FORMAT, _code_stamp(), str(path.resolve()), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, w)


def _settled(stamp: tuple) -> bool:
    """The archive (and its WAL) last modified at least :data:`RACY_SECONDS` ago."""
    import time

    newest = max(stamp[6], stamp[7][1] if stamp[7] else 0)
    return time.time_ns() - newest >= RACY_SECONDS * 1e9


def _trusted(fh) -> bool:
    """A snapshot file owned by this user and writable by no one else (always true where there are no uids)."""
    if not hasattr(os, "getuid"):
        return True
    st = os.fstat(fh.fileno())
    return st.st_uid == os.getuid() and not st.st_mode & 0o022


def _code_stamp() -> tuple:
    """stintlab's version and the modification times of the modules that make a snapshot: a snapshot made by
    other code (an upgrade, an edited checkout) is not used."""
    import stintlab

    here = Path(__file__).resolve().parent
    files = (here / "lookup_cache.py", here / "registry.py", here / "estimates.py", here / "identity.py",
             here / "db.py", here.parent / "analysis" / "estimate.py")  # fmt: skip
    stamps = []
    for f in files:
        try:
            stamps.append(f.stat().st_mtime_ns)
        except OSError:
            stamps.append(None)
    return (getattr(stintlab, "__version__", None), *stamps)


def _cache_dir() -> Path:
    """:func:`stintlab.httpcache.default_cache_dir`, without importing it (its ``urllib.request`` import costs more than
    the whole snapshot read)."""
    env = os.environ.get("STINTLAB_CACHE")
    if env:
        return Path(env).expanduser()
    return Path(os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")) / "stintlab"


def _cache_file(path: Path, estimates: bool) -> Path:
    name = hashlib.sha256(str(path.resolve()).encode("utf-8")).hexdigest()[:32]
    return _cache_dir() / "lookup" / f"{name}{'' if estimates else '-noest'}.pickle"


def read_inputs(path: Path, estimates: bool) -> dict:
    """The lookup's inputs read from the archive at ``path`` (see the module docstring)."""
    from stintlab.analysis.estimate import fit
    from stintlab.archive.db import Archive
    from stintlab.archive.estimates import read_calibration
    from stintlab.archive.registry import load_registry, training_table

    with Archive(path) as arc:
        reg = load_registry(arc)
        aliases = arc.aliases()
        train = training_table(arc) if estimates else None
        calib = read_calibration(arc)
        races = [(rid, src) for rid, src in arc.con.execute("SELECT race_id, source FROM races").fetchall()]
    model = fit(train.dropna(subset=["category"])) if train is not None and len(train) else None
    return {"registry": reg, "aliases": aliases, "estimates": estimates, "train_rows": 0 if train is None else len(train),
            "model": model, "calibration": calib, "races": races}  # fmt: skip


def lookup_inputs(path: Path, estimates: bool = True) -> dict:
    """:func:`read_inputs` of the archive at ``path``, from the cache folder when the archive has not changed."""
    path = Path(path)
    stamp = _stamp(path)
    if stamp is None:
        return read_inputs(path, estimates)
    file = _cache_file(path, estimates)
    try:
        with open(file, "rb") as fh:
            kept = pickle.load(fh) if _trusted(fh) else {}
        if kept.get("stamp") == stamp:
            return kept["inputs"]
    except Exception:  # noqa: BLE001, S110 (no cache, another format, a damaged file: read the archive)
        pass
    inputs = read_inputs(path, estimates)
    if _stamp(path) == stamp and _settled(stamp):
        _keep(file, path, {"stamp": stamp, "inputs": inputs})
    return inputs


def _keep(file: Path, path: Path, data: dict) -> None:
    """Write a snapshot (atomically: a temporary file renamed), and forget the snapshots of archives that no longer
    exist (``index.json``: snapshot file -> archive; tests and scratch archives would otherwise leave theirs). A cache
    that cannot be written is skipped: the command answers all the same."""
    import threading

    tmp = file.with_name(f"{file.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as fh:  # private, any umask
            pickle.dump(data, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, file)
        index_file = file.parent / "index.json"
        try:
            index = json.loads(index_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            index = {}
        index = {k: v for k, v in index.items() if isinstance(k, str) and isinstance(v, str)}
        index[file.name] = str(path.resolve())
        for name, where in list(index.items()):
            if not Path(where).exists():
                (file.parent / Path(name).name).unlink(missing_ok=True)
                del index[name]
        itmp = index_file.with_name(f"index.json.{os.getpid()}.{threading.get_ident()}.tmp")
        itmp.write_text(json.dumps(index, indent=0, sort_keys=True), encoding="utf-8")
        os.replace(itmp, index_file)
    except Exception:  # noqa: BLE001 (a full disk, a read-only home, an unpicklable value: no snapshot kept)
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
