"""Typed errors. Every problem with an input file is a :class:`StintlabFormatError`
that names the file, the 1-based line and the column.

>>> e = StintlabFormatError("race.csv", "not a time: 'abc'", line=12, column="LAP_TIME")
>>> str(e)
"race.csv, line 12, column LAP_TIME: not a time: 'abc'"
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["StintlabError", "StintlabFolderError", "StintlabFormatError", "StintlabUsageError"]


class StintlabError(Exception):
    """Base class of every error stintlab raises on purpose."""


class StintlabUsageError(StintlabError):
    """A request that cannot be answered (unknown car, class, hour out of range ...)."""


class StintlabFormatError(StintlabError):
    """An input file that stintlab cannot read as what it claims to be.

    Attributes ``path``, ``line`` (1-based, or None when the whole file is at fault)
    and ``column`` (header name, or None) locate the problem.
    """

    def __init__(self, path, message: str, *, line: int | None = None, column: str | None = None):
        self.path = str(path) if path is not None else "<input>"
        self.line = line
        self.column = column
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = [Path(self.path).name if self.path else "<input>"]
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.column is not None:
            where.append(f"column {self.column}")
        return ", ".join(where) + ": " + self.message


class StintlabFolderError(StintlabFormatError):
    """A folder given where one race is expected (``stintlab.load(folder)``, a command's FILE) that
    does not hold exactly one race: no timing file, no lap file, or several races.

    ``races`` lists the main file of each race found (empty when there is none); the message names them.

    >>> e = StintlabFolderError("nls-2025-nls6", "2 races here (give one of these files): a.csv, b.csv",
    ...                         races=["a.csv", "b.csv"])
    >>> str(e), e.races
    ('nls-2025-nls6: 2 races here (give one of these files): a.csv, b.csv', ['a.csv', 'b.csv'])
    """

    def __init__(self, path, message: str, *, races=()):
        self.races = [str(r) for r in races]
        super().__init__(path, message)
