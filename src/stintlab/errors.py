"""Typed errors. Every problem with an input file is a :class:`StintlabFormatError`
that names the file, the 1-based line and the column.

>>> e = StintlabFormatError("race.csv", "not a time: 'abc'", line=12, column="LAP_TIME")
>>> str(e)
"race.csv, line 12, column LAP_TIME: not a time: 'abc'"
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["StintlabError", "StintlabFormatError", "StintlabUsageError"]


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
