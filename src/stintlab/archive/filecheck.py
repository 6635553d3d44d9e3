"""Is a file a usable archive? Checked before DuckDB opens it (an empty file, random bytes, an SQLite
database, a truncated copy are refused with one line naming the file), and the typed error for it."""

from __future__ import annotations

from pathlib import Path

from stintlab.errors import StintlabError

__all__ = ["ArchiveError", "check_archive_file"]

_DUCKDB_MAGIC = b"DUCK"  # bytes 8..12 of every DuckDB database file (after the header checksum)
_SQLITE_MAGIC = b"SQLite format 3\x00"
_HEADER = 4096  # a DuckDB file starts with a main header and two database headers of this size


class ArchiveError(StintlabError):
    """The archive file cannot be used: not a stintlab archive, damaged, or a read/write error.
    ``path`` is the archive file; the message names it (full path)."""

    def __init__(self, path, message: str):
        self.path = str(path)
        self.message = message
        super().__init__(message)



def check_archive_file(path: Path) -> None:
    """Refuse an existing file that cannot be a DuckDB database, before DuckDB opens it (DuckDB
    would try to download its SQLite extension for an SQLite file, or overwrite an empty one).
    """
    try:
        size = path.stat().st_size
        with open(path, "rb") as fh:
            head = fh.read(16)
    except OSError as exc:
        raise ArchiveError(path, f"archive {path} cannot be read: {exc.strerror or exc}") from None
    if size == 0:
        raise ArchiveError(
            path,
            f"archive {path} is an empty file, not a stintlab archive (DuckDB); remove it to start a new archive there",
        )
    if head.startswith(_SQLITE_MAGIC):
        raise ArchiveError(path, f"archive {path} is an SQLite database, not a stintlab archive (DuckDB)")
    if head[8:12] != _DUCKDB_MAGIC:
        raise ArchiveError(path, f"archive {path} is not a DuckDB file (damaged, or another kind of file)")
    block = _block_size(path)
    if block == 0 or (block is not None and (size - 3 * _HEADER) % block):
        raise ArchiveError(
            path,
            f"archive {path} is truncated or damaged: {size} bytes is not its headers plus whole"
            f" {block or 'DuckDB'}-byte blocks (a partial copy?)",
        )


def _block_size(path: Path) -> int | None:
    """The block size a DuckDB file's active header announces (fields after each database header's
    8-byte checksum: iteration, meta block, free list, block count, block size); DuckDB writes
    whole blocks after its three 4 KiB headers, so a cut copy is rarely a whole number of them.
    0 when the headers themselves are cut; None when they do not look like that layout (DuckDB
    itself then judges the file)."""
    with open(path, "rb") as fh:
        fh.seek(_HEADER)
        headers = [fh.read(_HEADER), fh.read(_HEADER)]
    if any(len(h) < 48 for h in headers):
        return 0
    best = max(headers, key=lambda h: int.from_bytes(h[8:16], "little"))
    block = int.from_bytes(best[40:48], "little")
    if not (4096 <= block <= 1 << 30 and block & (block - 1) == 0):
        return None
    return block
