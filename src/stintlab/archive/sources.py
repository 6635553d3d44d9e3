"""Finding the files of each race under the paths given to ``archive add`` and telling their
metadata (series, season, event, date, session) from folder names, file names and content.

Recognised layouts:

- the Al Kamel portal (domain.md §1.1):
  ``<NN_YYYY>/<NN_EVENT>/<NNN_SERIES>/<YYYYMMDDHHMM_Session>/[<NN_>Hour N/]<file>``;
- IMSA downloads: ``imsa-2021-road-atlanta/202111131210-race-laps.csv`` (date and time in the file name);
- ``<series>-<year>[-<event>]/`` folders (``wec-2024-fuji6h``, ``lemans-2019``).

>>> m = meta_from_path(Path("imsa-2021-road-atlanta/202111131210-race-laps.csv"))
>>> (m["series"], m["season"], m["event"], m["date"], m["start_time"], m["session"])
('IMSA', 2021, 'road-atlanta', '2021-11-13', '12:10', 'Race')
>>> m = meta_from_path(Path("Results/13_2024/04_LE MANS/267_FIA WEC/202406151600_Race/24_Hour 24/23_Analysis_Race_Hour 24.CSV"))
>>> (m["series"], m["season"], m["event"], m["date"], m["session"])
('WEC', 2024, 'le-mans', '2024-06-15', 'Race')
>>> m = meta_from_path(Path("lemans-2019/23_Analysis_Race_Hour 24.csv"))
>>> (m["series"], m["season"], m["event"], m["session"])
('WEC', 2019, 'le-mans', 'Race')
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from stintlab.errors import StintlabFormatError, StintlabUsageError
from stintlab.io import detect_format, sro
from stintlab.io.text import sniff_header

__all__ = ["RaceFiles", "find_race_files", "meta_from_path", "series_from_classes", "slug", "file_kind"]

SERIES_PREFIX = {
    "imsa": "IMSA",
    "wec": "WEC",
    "lemans": "WEC",
    "elms": "ELMS",
    "alms": "ALMS",
    "lmc": "LMC",
    "lemanscup": "LMC",
    "gtwc": "GTWC",  # GT World Challenge (SRO exports)
    "nls": "NLS",  # Nürburgring Langstrecken-Serie (WIGE exports)
    "n24": "N24",
}
SERIES_WORDS = [
    ("imsa", "IMSA"),
    ("weathertech", "IMSA"),
    ("fia wec", "WEC"),
    ("wec", "WEC"),
    ("european le mans", "ELMS"),
    ("elms", "ELMS"),
    ("asian le mans", "ALMS"),
    ("le mans cup", "LMC"),
    ("gtworld", "GTWC"),
    ("gt world", "GTWC"),
]
IMSA_CLASSES = {"GTP", "DPI", "GTLM", "GTD", "GTDPRO", "GTD PRO", "LMP3", "LMPC", "PC"}
WEC_CLASSES = {"HYPERCAR", "LMH", "LMGT3", "LMGTE PRO", "LMGTE AM", "LMP1", "GTE PRO", "GTE AM"}


def slug(text) -> str:
    """Lower-case words joined by dashes.

    >>> slug("04_LE MANS")
    '04-le-mans'
    """
    return re.sub(r"[^a-z0-9.]+", "-", str(text).lower()).strip("-")


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
        head = fh.read(65536)
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
        hourly = [r for r in results if _HOURLY_NAME.search(r.name)]
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
        elif owner is None and not any(_HOURLY_NAME.search(f.name) for f in files):
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


_HOURLY_NAME = re.compile(r"(?:^|[-_ ])hour[-_ ]?\d+[-_ ]results", re.I)


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


_PORTAL_SEASON = re.compile(r"^\d{2}_(\d{4})(?:-(\d{4}))?$")
_PORTAL_EVENT = re.compile(r"^\d{2}_(.+)$")
_PORTAL_SERIES = re.compile(r"^\d+_(.+)$")
_STAMP_SESSION = re.compile(r"^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})[_-](.+)$")
_FOLDER = re.compile(r"^([a-z]+)-(\d{4})(?:-(.+))?$", re.I)
_ANALYSIS = re.compile(
    r"^\d+_(?:analysis|time cards|results|classification)\w*?_(race|qualifying|free practice ?\d*|warm ?up)", re.I
)


def _series_from_words(text: str) -> str | None:
    low = text.lower()
    for word, series in SERIES_WORDS:
        if word in low:
            return series
    return None


def _session_name(text: str) -> str:
    t = re.sub(r"[_-]+", " ", text).strip()
    t = re.sub(r"\s*(laps|results|time cards|analysis)$", "", t, flags=re.I)
    return t.title() if t else "Race"


def meta_from_path(path: Path) -> dict:
    """Series, season, event, track, date, start_time and session told by a file's path.

    Keys with nothing found are None (session defaults to ``Race``).
    """
    path = Path(path)
    meta = {"series": None, "season": None, "event": None, "date": None, "start_time": None, "session": None}
    parts = list(path.parts)
    # the portal layout
    for i, part in enumerate(parts[:-1]):
        m = _PORTAL_SEASON.match(part)
        if m and i + 2 < len(parts):
            meta["season"] = int(m.group(2) or m.group(1))
            ev = _PORTAL_EVENT.match(parts[i + 1])
            if ev:
                meta["event"] = slug(ev.group(1))
            se = _PORTAL_SERIES.match(parts[i + 2]) if i + 2 < len(parts) - 1 else None
            if se:
                meta["series"] = _series_from_words(se.group(1)) or se.group(1).strip()
        st = _STAMP_SESSION.match(part)
        if st and i > 0:
            y, mo, d, hh, mm, sess = st.groups()
            meta["date"] = f"{y}-{mo}-{d}"
            meta["start_time"] = f"{hh}:{mm}"
            meta["session"] = _session_name(sess)
    # <series>-<year>[-<event>] folders
    for part in reversed(parts[:-1]):
        m = _FOLDER.match(part)
        if m and m.group(1).lower() in SERIES_PREFIX:
            prefix = m.group(1).lower()
            meta["series"] = meta["series"] or SERIES_PREFIX[prefix]
            meta["season"] = meta["season"] or int(m.group(2))
            event = m.group(3)
            if prefix == "lemans":
                event = "le-mans"
            if event and not meta["event"]:
                meta["event"] = slug(re.sub(r"^\d+h[-_]", "", event))
            break
    # IMSA file names: 202111131210-race-laps.csv
    st = _STAMP_SESSION.match(path.stem)
    if st:
        y, mo, d, hh, mm, sess = st.groups()
        meta["date"] = meta["date"] or f"{y}-{mo}-{d}"
        meta["start_time"] = meta["start_time"] or f"{hh}:{mm}"
        meta["season"] = meta["season"] or int(y)
        meta["session"] = meta["session"] or _session_name(sess)
    an = _ANALYSIS.match(path.stem)
    if an and not meta["session"]:
        meta["session"] = _session_name(an.group(1))
    meta["session"] = meta["session"] or "Race"
    return meta


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
