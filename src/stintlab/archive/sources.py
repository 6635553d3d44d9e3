"""Finding the files of each race under the paths given to ``archive add``: one event's files are one
race (laps, results, hourly classifications, weather; the WIGE sector file; the SRO pit-stop file and
entry list). That decision has one owner below the archive, :mod:`stintlab.io.racefiles` (``stintlab.load``
of an event folder uses it too); it is re-exported here. The metadata read from folder and file names
(series, season, event, date, session) is :func:`stintlab.event.meta_from_path`'s, re-exported here; its
layouts and examples are documented there.
"""

from __future__ import annotations

from stintlab.event import meta_from_path, slug
from stintlab.io.racefiles import RaceFiles, file_kind, find_race_files

__all__ = ["RaceFiles", "find_race_files", "meta_from_path", "series_from_classes", "slug", "file_kind"]

IMSA_CLASSES = {"GTP", "DPI", "GTLM", "GTD", "GTDPRO", "GTD PRO", "LMP3", "LMPC", "PC"}
WEC_CLASSES = {"HYPERCAR", "LMH", "LMGT3", "LMGTE PRO", "LMGTE AM", "LMP1", "GTE PRO", "GTE AM"}


def series_from_classes(classes) -> str | None:
    """A series guessed from the car classes of a race.

    >>> series_from_classes(["GTP", "GTD"])
    'IMSA'
    >>> series_from_classes(["HYPERCAR", "LMGT3"])
    'WEC'
    """
    names = {str(c).upper() for c in classes if isinstance(c, str)}
    if names & IMSA_CLASSES:
        return "IMSA"
    if names & WEC_CLASSES:
        return "WEC"
    return None
