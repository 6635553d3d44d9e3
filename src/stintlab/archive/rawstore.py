"""The raw files of archived races, outside the database: content-addressed, gzip-compressed files
beside it (``<db>.files/<first 2 hex>/<sha256>.gz``).

Keeping the bytes out of DuckDB row groups keeps every checkpoint and every query small (the
``files`` table holds only ``race_id, role, name, sha256, size``; its ``data`` column stays NULL
for new rows). Archives made before this kept the bytes in ``files.data``: :func:`read_bytes`
still reads them, and :meth:`RawStore.migrate` moves them out.

Writes are atomic: a file is compressed into a temporary name in the same folder, flushed, then
renamed, before the database row that names it is committed; a killed ingest leaves at most an
unreferenced file (removed by :meth:`RawStore.collect`), never a half-written one under a hash name.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import os
from pathlib import Path

__all__ = ["RawStore", "store_dir"]

_LEVEL = 3  # gzip level: ~4x smaller CSV text at a fraction of level 9's time


def store_dir(db_path: Path) -> Path:
    """``<db>.files`` beside the archive file."""
    return db_path.with_name(db_path.name + ".files")


class RawStore:
    """Content-addressed raw files of one archive (``root``: the ``<db>.files`` folder)."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / f"{sha256}.gz"

    def has(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def put(self, data: bytes, sha256: str | None = None) -> str:
        """Store ``data`` (once per content) and return its SHA-256."""
        sha = sha256 or hashlib.sha256(data).hexdigest()
        target = self.path(sha)
        if target.is_file():
            return sha
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{sha}.{os.getpid()}.tmp")
        try:
            with open(tmp, "wb") as fh:
                fh.write(gzip.compress(data, compresslevel=_LEVEL, mtime=0))
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
        return sha

    def get(self, sha256: str) -> bytes:
        """The bytes of a stored file; FileNotFoundError when it is not there."""
        data = gzip.decompress(self.path(sha256).read_bytes())
        if hashlib.sha256(data).hexdigest() != sha256:
            raise OSError(f"raw file {self.path(sha256)} does not match its hash (damaged)")
        return data

    def remove(self, shas) -> int:
        """Remove the stored files of these hashes (the database rows naming them are gone)."""
        n = 0
        for sha in shas:
            with contextlib.suppress(FileNotFoundError):
                self.path(sha).unlink()
                n += 1
        return n

    def collect(self, keep: set[str]) -> int:
        """Remove stored files (and leftover temporary files) whose hash is not in ``keep``;
        returns how many were removed. Run under the archive's write lock."""
        if not self.root.is_dir():
            return 0
        removed = 0
        for sub in self.root.iterdir():
            if not sub.is_dir():
                continue
            for f in sub.iterdir():
                if f.name.endswith(".tmp") or (f.name.endswith(".gz") and f.name[:-3] not in keep):
                    with contextlib.suppress(OSError):
                        f.unlink()
                        removed += 1
        return removed


def read_bytes(con, store: RawStore | None, race_id: str) -> list[tuple[str, str, bytes]]:
    """``(role, name, bytes)`` of every raw file of a race: from the ``files.data`` BLOB of an
    archive made before the raw-file store, else from the store."""
    rows = con.execute("SELECT role, name, sha256, data IS NOT NULL FROM files WHERE race_id = ?", [race_id]).fetchall()
    out = []
    for role, name, sha, in_db in rows:
        if in_db:
            (blob,) = con.execute(
                "SELECT data FROM files WHERE race_id = ? AND role = ? AND name = ? AND data IS NOT NULL LIMIT 1",
                [race_id, role, name],
            ).fetchone()
            out.append((role, name, bytes(blob)))
        else:
            if store is None:
                raise OSError(f"the raw files of race {race_id} are not in this archive (a Parquet export)")
            out.append((role, name, store.get(sha)))
    return out
