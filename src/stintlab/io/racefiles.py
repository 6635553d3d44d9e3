"""Which files make one race: the one owner of that decision, for :func:`stintlab.load` of an event
folder and for ``archive add`` (:mod:`stintlab.archive.sources` re-exports it).

One folder = one race, and one event's files are one race: the lap file with the official
classification and weather beside it, the timekeeper's hourly classifications (``official-hourly/``)
as the race's hourly files, the WIGE result and sector times (``RENNEN_RESULT.CSV``,
``RENNEN_SEKTORZEITEN.CSV``) and the SRO pit-stop file and entry list beside a sector list. Files are
recognised by their header line (never by their name).

:func:`find_race_files` groups the files under any number of paths into races (the archive);
:func:`race_in_folder` is the one race an event folder holds, or a :class:`~stintlab.errors.StintlabFolderError`
saying why there is none (no timing file, no lap file, several races).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from stintlab.errors import StintlabFolderError, StintlabFormatError, StintlabUsageError
from stintlab.io import HOURLY_RESULTS, detect_format, final_hourly, sro
from stintlab.io.text import read_head, sniff_header

__all__ = ["RaceFiles", "file_kind", "find_race_files", "race_in_folder"]


@dataclass
class RaceFiles:
    """The files of one race: a lap file and/or an official classification, optional weather."""

    laps: Path | None = None
    results: Path | None = None
    weather: Path | None = None
    sectors: Path | None = None  # WIGE sector times: read with the lap file (sectors, pit stops)
    pitstops: Path | None = None  # SRO pit-stop file: read with the sector list (drivers, stops)
    entry_list: Path | None = None  # SRO entry list (XML): read with the sector list (classes, crews)
    meta: dict = field(default_factory=dict)
    hourly: list[Path] = field(default_factory=list)
    problem: str | None = None  # why these files cannot be stored (nothing is stored for them)
    #: the ingest status when ``problem`` is set: ``skipped`` (hourly files without their race),
    #: ``unsupported`` (files no reader knows yet) or ``error`` (a file that cannot be read)
    status: str = "skipped"
    other: list[Path] = field(default_factory=list)  # the unsupported or unreadable files
    folder: Path | None = None  # the folder reported for an unsupported one

    @property
    def main(self) -> Path:
        return self.laps or self.results or (self.hourly or self.other)[0]  # type: ignore[return-value]

    @property
    def source(self) -> Path:
        """The path reported for these files: the main file, or the folder of unsupported files."""
        return self.folder or self.main

    @property
    def official(self) -> Path | None:
        """The official classification the race is loaded with: the results file beside the lap file,
        else the final one of its hourly classifications (:func:`stintlab.io.final_hourly`)."""
        return self.results or final_hourly(self.hourly)

    def files(self) -> dict[str, Path]:
        """The files the race is parsed from, by role (``laps``, ``results``, ``weather``, ``sectors``,
        ``pitstops``, ``entry_list``)."""
        roles = (("laps", self.laps), ("results", self.results), ("weather", self.weather), ("sectors", self.sectors),
                 ("pitstops", self.pitstops), ("entry_list", self.entry_list))  # fmt: skip
        return {k: v for k, v in roles if v}

    def stored(self) -> dict[str, Path]:
        """Every file of the race as stored, by unique key: the parsed ones and each hourly
        classification (``hourly/<name>``)."""
        out = self.files()
        for f in self.hourly:
            out[f"hourly/{f.name}"] = f
        return out


def file_kind(path: Path) -> str | None:
    """``laps``, ``classification``, ``weather``, ``sectors`` (WIGE) or None, from the header (never the name)."""
    try:
        return _kind(path)
    except OSError:
        return None


def _kind(path: Path) -> str | None:
    """:func:`file_kind`, but a file that cannot be read raises its OSError."""
    with open(path, "rb") as fh:
        head = read_head(fh)
    try:
        return detect_format(sniff_header(path, head).names)
    except (StintlabFormatError, UnicodeDecodeError):
        return None


_HOUR = re.compile(r"^(?:\d+_)?hour\s*(\d+)$|^(\d+)h$", re.I)


def _hour_of(folder: str) -> int | None:
    m = _HOUR.match(folder.strip())
    if not m:
        return None
    return int(m.group(1) or m.group(2))


def find_race_files(paths) -> list[RaceFiles]:
    """Group the timing files under ``paths`` (files or folders, searched recursively) into races.

    One folder = one race, and one event's files are one race: a classification or weather file
    goes with the lap file of its folder; the timekeeper's hourly classifications
    (``official-hourly/`` below the lap file's folder, or files named ``...-hour-N-results``) go
    with that race as its hourly files, never as races of their own. In a portal session folder
    with ``Hour N`` sub-folders only the highest hour is kept (it holds the final state). A
    classification without a lap file above or beside it is a classification-only race.

    Paths are made absolute (every Al Kamel lap file has the same name: only the full path tells
    them apart). A folder of CSV files none of which is a known timing file (an export no reader
    knows yet), and a file given by name that is not one, is one ``unsupported`` entry;
    a file that cannot be read is an ``error`` entry (``problem`` says why; nothing is stored).
    """
    by_dir: dict[Path, dict[str, list[Path]]] = {}
    unknown: dict[Path, list[Path]] = {}  # folder (or file given by name) -> unrecognised files
    unreadable: list[RaceFiles] = []
    for p in paths:
        p = Path(p).absolute()
        if not p.exists():
            raise StintlabUsageError(f"no such file or folder: {p}")
        candidates = (
            [p] if p.is_file() else sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() == ".csv")
        )
        explicit = p.is_file()
        for f in candidates:
            try:
                kind = _kind(f)
            except OSError as exc:
                if not any(f in r.other for r in unreadable):
                    unreadable.append(
                        RaceFiles(other=[f], status="error", problem=f"{f}: cannot be read: {exc.strerror or exc}")
                    )
                continue
            if kind is None:
                group = unknown.setdefault(f if explicit else f.parent, [])
                if f not in group:
                    group.append(f)
                continue
            same_kind = by_dir.setdefault(f.parent, {}).setdefault(kind, [])
            if f not in same_kind:  # overlapping PATHs name a file once
                same_kind.append(f)
    # keep only the highest "Hour N" folder among siblings
    hours: dict[Path, list[tuple[int, Path]]] = {}
    for d in by_dir:
        h = _hour_of(d.name)
        if h is not None:
            hours.setdefault(d.parent, []).append((h, d))
    for group in hours.values():
        group.sort()
        for _, d in group[:-1]:
            del by_dir[d]
    races = []
    by_folder: dict[Path, RaceFiles] = {}
    orphans: list[tuple[Path, list[Path]]] = []  # folders of classifications only
    for d in sorted(by_dir):
        kinds = by_dir[d]
        laps = sorted(kinds.get("laps", []) + kinds.get("sro-laps", []))
        results = sorted(kinds.get("classification", []))
        hourly = [r for r in results if HOURLY_RESULTS.search(r.name)]
        results = [r for r in results if r not in hourly]
        weather = sorted(kinds.get("weather", []))
        result = _pick_results(results)
        wx = weather[-1] if weather else None
        sectors = sorted(kinds.get("sectors", []))
        if laps:
            for lf in laps:
                rf = RaceFiles(laps=lf, results=result if len(laps) == 1 else None, weather=wx)
                rf.sectors = sectors[0] if len(laps) == 1 and len(sectors) == 1 else None
                if lf in kinds.get("sro-laps", ()):  # the SRO export: pit-stop file and entry list beside it
                    pits, entries = sro.companions(lf)
                    rf.pitstops = pits[0] if len(pits) == 1 else None
                    rf.entry_list = entries[0] if len(entries) == 1 else None
                races.append(rf)
            if len(laps) == 1:
                by_folder[d] = rf
                rf.hourly.extend(hourly)
            elif hourly:
                orphans.append((d, hourly))
        elif results or hourly:
            orphans.append((d, sorted(results + hourly)))
    for d, files in orphans:
        owner = next((by_folder[a] for a in (d, *d.parents) if a in by_folder), None)
        if owner is not None and d != owner.main.parent:
            owner.hourly.extend(files)  # a sub-folder of the race's folder: the hourly classifications
        elif owner is None and not any(HOURLY_RESULTS.search(f.name) for f in files):
            result = _pick_results(files)
            wx = sorted(by_dir[d].get("weather", []))
            races.append(RaceFiles(results=result, weather=wx[-1] if wx else None))
        else:
            races.append(
                RaceFiles(
                    hourly=files,
                    problem=f"{d}: {len(files)} hourly classification file(s) without the one lap file they belong"
                    " to (in this folder or above it); add the race's folder",
                )
            )
    for rf in races:
        rf.hourly.sort(key=lambda f: (_hour_number(f.name), f.name))
    return races + unreadable + _unsupported(unknown, set(by_dir))


def _unsupported(unknown: dict[Path, list[Path]], known_dirs: set[Path]) -> list[RaceFiles]:
    """One entry per folder of files no reader knows (or per such file given by name). A folder
    with a known timing file in it, above it or below it is not one (the corpus root holds its
    MANIFEST.csv; a race folder may hold other CSV files)."""
    out = []
    for where in sorted(unknown):
        files = sorted(unknown[where])
        if where.is_dir() and any(d == where or where in d.parents or d in where.parents for d in known_dirs):
            continue
        names = ", ".join(f.name for f in files[:4]) + (f" and {len(files) - 4} more" if len(files) > 4 else "")
        out.append(
            RaceFiles(
                other=files,
                folder=where,
                status="unsupported",
                problem=f"{where}: no reader for {'this file' if where.is_file() else 'these files'} yet ({names}):"
                " not an Al Kamel lap, classification or weather file",
            )
        )
    return out



def _hour_number(name: str) -> int:
    m = re.search(r"hour[-_ ]?(\d+)", name, re.I)
    return int(m.group(1)) if m else 10**6


def _pick_results(results: list[Path]) -> Path | None:
    if len(results) <= 1:
        return results[0] if results else None
    for word in ("official", "results", "classification_race"):
        hit = [r for r in results if word in r.name.lower() and "bycategory" not in r.name.lower()]
        if hit:
            return hit[-1]
    return results[-1]


def race_in_folder(folder) -> RaceFiles:
    """The one race an event folder holds (searched like :func:`find_race_files`: its sub-folders too,
    so ``official-hourly/`` files are the race's hourly classifications, never a race).

    Raises :class:`~stintlab.errors.StintlabFolderError` when the folder does not hold exactly one race
    with a lap file: no timing file at all, a classification (or hourly ones) but no lap file, or several
    lap files (sessions or events: ``races`` lists them, and so does the message).
    """
    folder = Path(folder)
    found = find_race_files([folder])
    races = [rf for rf in found if rf.laps is not None]
    if len(races) == 1:
        return races[0]
    if races:
        names = [_shown(rf.laps, folder) for rf in races]
        listed = ", ".join(names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")
        raise StintlabFolderError(
            folder,
            f"{len(races)} races in this folder, one per lap file ({listed}): give one lap file, "
            "or the folder of one race",
            races=[rf.laps for rf in races],
        )
    results = [rf.results for rf in found if rf.results is not None]
    if results:
        raise StintlabFolderError(
            folder,
            f"no lap file here, only the classification {', '.join(_shown(r, folder) for r in results)}: "
            "a race is loaded from its lap file (laps, results and the rest of the event's files beside it)",
        )
    hourly = [f for rf in found for f in rf.hourly]
    if hourly:
        raise StintlabFolderError(
            folder,
            f"no lap file here, only {len(hourly)} hourly classification file(s): they belong to the race of "
            "the folder above them; give that folder",
        )
    other = [f for rf in found for f in rf.other]
    raise StintlabFolderError(
        folder,
        "no timing file here"
        + (f" ({len(other)} file(s) no reader knows, e.g. {_shown(other[0], folder)})" if other else "")
        + ": a race folder holds a lap file (Al Kamel Analysis, WIGE RENNEN_LAPS, SRO sector list)",
    )


def _shown(path: Path, folder: Path) -> str:
    """``path`` as the user sees it: relative to the folder they gave."""
    try:
        return str(Path(path).relative_to(folder.absolute()))
    except ValueError:
        return str(path)
