"""Live sources: a lap file that grows, or a folder where the timekeeper publishes hourly lap files.

:class:`LapFileSource` polls one local file being appended (an Al Kamel Analysis CSV). Each
:meth:`~LapFileSource.poll` reads the file, checks that what was already taken is still there byte
for byte (a hash of the prefix), parses only the complete new lines (header + new lines, through the
ordinary readers of :mod:`stintlab.io`) and feeds them to the engine. It never raises on bad input;
it says what it did in :class:`Poll` (``status`` and ``message``):

- ``new``: new crossings fed; ``idle``: nothing new;
- ``waiting``: the file ends with a line still being written (no line end yet): the complete lines
  are taken, the partial one waits; once the same partial tail has been seen ``settle`` polls in a
  row with the file unchanged it is taken as the last line (a finished file without a final line end);
- ``rebuilt``: the file shrank, or bytes already taken changed (the timekeeper rewrote it with
  corrections), or a new row contradicts one already fed (same car and lap, other figures): the engine
  is reset and the whole file fed again — never a double count;
- ``stalled``: no new byte for ``stall_after`` seconds (the state is kept; polling goes on);
- ``error``: the file is missing or the new lines cannot be read (the reader's message): nothing is
  fed, the next poll tries again.

Restarts: a new process builds a new engine and source and reads the file from the start (a 24 h
file is fed in about a second); a source handed an engine that already holds some of the rows skips
them (same car and lap, same figures: ``duplicates``), so nothing is counted twice.

:class:`HourlyFolderSource` watches a folder where ``..._Hour N.CSV`` files appear (each one the whole
race so far): it follows the file with the highest N as a :class:`LapFileSource` on the same engine;
switching to a newer file feeds only the rows not yet fed (the older ones are duplicates).
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from stintlab.errors import StintlabError
from stintlab.io.alkamel_laps import laps_from_table
from stintlab.io.text import read_table, sniff_header
from stintlab.live.engine import LiveRace

__all__ = ["Poll", "LapFileSource", "HourlyFolderSource", "POLL_STATUSES", "newest_hour_file", "newest_hour_name"]

POLL_STATUSES = ("new", "idle", "waiting", "rebuilt", "stalled", "error")
_HOUR = re.compile(r"hour\s*(\d+)\.csv$", re.IGNORECASE)


@dataclass(frozen=True)
class Poll:
    """What one poll did: status (:data:`POLL_STATUSES`), crossings added, duplicates skipped, a message."""

    status: str
    added: int = 0
    duplicates: int = 0
    message: str = ""
    path: str = ""


def _digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


class LapFileSource:
    """A local lap file being appended, polled (module docstring)."""

    def __init__(self, path, engine: LiveRace | None = None, *, settle: int = 2, stall_after: float = 300.0,
                 clock: Callable[[], float] = time.monotonic):  # fmt: skip
        self.path = Path(path)
        self.engine = engine if engine is not None else LiveRace()
        self.settle = settle
        self.stall_after = stall_after
        self.clock = clock
        self._offset = 0  # bytes taken (through the end of the last line fed)
        self._digest = _digest(b"")
        self._lines = 0  # physical lines taken (header included)
        self._tail: tuple[int, bytes] | None = None  # (file size, partial tail) last seen
        self._tail_seen = 0
        self._last_growth = clock()
        self.rebuilds: list[str] = []  # why each rebuild happened (its code, :data:`REBUILD_CODES`)

    def poll(self) -> Poll:
        try:
            data = self.path.read_bytes()
        except OSError as e:
            return self._done("error", message=f"{self.path}: cannot read ({e.strerror or e})")
        if len(data) < self._offset:
            why = f"the file shrank from {self._offset} to {len(data)} bytes"
            return self._rebuild(data, why, "file_shrank", len(data))
        if self._offset and _digest(data[: self._offset]) != self._digest:
            why = "bytes already read changed (the file was rewritten, e.g. with corrections)"
            return self._rebuild(data, why, "file_rewritten")
        end = data.rfind(b"\n") + 1
        partial = data[end:]
        waiting = False
        if partial.strip():
            seen = (len(data), partial)
            self._tail_seen = self._tail_seen + 1 if self._tail == seen else 1
            self._tail = seen
            if self._tail_seen > self.settle:  # the same unterminated tail, file unchanged: a last line
                end = len(data)
            else:
                waiting = True
        if end <= self._offset:
            if waiting:
                return self._done("waiting", message="a line is being written; waiting for its end")
            if self.clock() - self._last_growth > self.stall_after:
                return self._done("stalled", message=f"no new data for {self.clock() - self._last_growth:.0f} s")
            return self._done("idle")
        return self._take(data, end, waiting)

    def _take(self, data: bytes, end: int, waiting: bool) -> Poll:
        try:
            laps, header_end = self._parse(data, self._offset, end)
        except Exception as e:  # noqa: BLE001 - a poller never crashes on bad input: it says so and retries
            return self._done("error", message=f"new lines not read, will retry: {_why(e)}")
        fed_before = self.engine.laps_fed
        res = self.engine.feed(laps)
        if self._offset == 0 and res.duplicates < fed_before:
            missing = fed_before - res.duplicates
            return self._rebuild(data, f"the file lacks {missing} crossings already fed", "crossings_missing", missing)
        if res.conflicts:
            car, lap, why = res.conflicts[0]
            n = len(res.conflicts)
            text = f"car {car} lap {lap}: {why} ({n} rows contradict those fed)"
            return self._rebuild(data, text, "rows_contradict", n, car=car, lap=lap)
        self._advance(data, end)
        self._last_growth = self.clock()
        status = "waiting" if waiting else ("new" if res.added else "idle")
        msg = "a line is being written; waiting for its end" if waiting else ""
        return self._done(status, res.added, res.duplicates, msg)

    def _parse(self, data: bytes, start: int, end: int):
        """The canonical lap rows of the complete lines in ``data[start:end]`` (the header prepended)."""
        header_end = data.find(b"\n") + 1 or len(data)
        chunk = data[:end] if start == 0 else data[:header_end] + data[start:end]
        header = sniff_header(self.path, chunk)
        raw = read_table(self.path, chunk, header)
        laps, _sections, _facts = laps_from_table(raw)
        if start:  # line numbers of the whole file (the source order of the cars)
            laps["line"] = laps["line"] + (self._lines - 1)
        return laps, header_end

    def _advance(self, data: bytes, end: int) -> None:
        self._lines += data.count(b"\n", self._offset, end)
        self._offset = end
        self._digest = _digest(data[:end])

    def _rebuild(self, data: bytes, why: str, code: str, value=None, car=None, lap=None) -> Poll:
        """Start again from the whole file. ``why`` is the status line's text; the engine's ``rebuild``
        event carries ``code`` (:data:`REBUILD_CODES`), ``value``, car and lap, which the faces word."""
        self.rebuilds.append(code)
        self.engine.reset()
        self._offset, self._lines, self._digest = 0, 0, _digest(b"")
        end = data.rfind(b"\n") + 1
        if data[end:].strip() and self._tail == (len(data), data[end:]) and self._tail_seen > self.settle:
            end = len(data)
        if end == 0:
            return self._done("rebuilt", message=f"{why}; the file is empty: waiting")
        try:
            laps, _ = self._parse(data, 0, end)
        except Exception as e:  # noqa: BLE001 - as in _take
            return self._done("error", message=f"{why}; the file cannot be read, will retry: {_why(e)}")
        res = self.engine.feed(laps)
        self.engine.tell("rebuild", code, value=value, car=car, lap=lap)
        self._advance(data, end)
        self._last_growth = self.clock()
        return self._done("rebuilt", res.added, res.duplicates, f"{why}: rebuilt from the whole file")

    def _done(self, status: str, added: int = 0, duplicates: int = 0, message: str = "") -> Poll:
        return Poll(status, added, duplicates, message, str(self.path))


def _why(e: Exception) -> str:
    """The reader's message for a stintlab error; the exception type too for anything else."""
    return str(e) if isinstance(e, StintlabError) else f"{type(e).__name__}: {e}"


def newest_hour_name(names) -> str | None:
    """The name among ``names`` ending in ``Hour N.CSV`` with the highest N (None when there is none).

    >>> newest_hour_name(["23_Analysis_Race_Hour 2.CSV", "23_Analysis_Race_Hour 10.CSV", "notes.txt"])
    '23_Analysis_Race_Hour 10.CSV'
    """
    best, best_n = None, -1
    for name in names:
        m = _HOUR.search(name)
        if m and int(m.group(1)) > best_n:
            best, best_n = name, int(m.group(1))
    return best


def newest_hour_file(folder) -> Path | None:
    """The ``..._Hour N.CSV`` file of ``folder`` with the highest N (None when there is none)."""
    name = newest_hour_name(f.name for f in Path(folder).iterdir() if f.is_file())
    return None if name is None else Path(folder) / name


class HourlyFolderSource:
    """A folder where the timekeeper publishes ``23_Analysis_Race_Hour N.CSV``: follow the newest (module docstring)."""

    def __init__(self, folder, engine: LiveRace | None = None, **options):
        self.folder = Path(folder)
        self.engine = engine if engine is not None else LiveRace()
        self.options = options
        self.current: LapFileSource | None = None

    def poll(self) -> Poll:
        try:
            newest = newest_hour_file(self.folder)
        except OSError as e:
            return Poll("error", message=f"{self.folder}: cannot list ({e.strerror or e})")
        if newest is None:
            return Poll("idle", message=f"no '..._Hour N.CSV' file in {self.folder} yet")
        if self.current is None or self.current.path != newest:
            # the newer file holds the whole race so far: its rows already fed are skipped as duplicates
            self.current = LapFileSource(newest, self.engine, **self.options)
        return self.current.poll()
