"""Event metadata: which race a file belongs to (series, season, event, circuit, date, session),
told by the timekeeper's folder and file names, and the title every face shows for it.

Recognised layouts:

- the Al Kamel portal (domain.md §1.1):
  ``<NN_YYYY>/<NN_EVENT>/<NNN_SERIES>/<YYYYMMDDHHMM_Session>/[<NN_>Hour N/]<file>``;
- IMSA downloads: ``imsa-2021-road-atlanta/202111131210-race-laps.csv`` (date and time in the file name);
- ``<series>-<year>[-<event>]/`` folders (``wec-2024-fuji6h``, ``lemans-2019``), the date read from a
  stamped file beside the lap file (the official hourly classifications:
  ``official-hourly/202406151600-race-hour-1-results.csv``).

>>> m = meta_from_path(Path("imsa-2021-road-atlanta/202111131210-race-laps.csv"))
>>> (m["series"], m["season"], m["event"], m["date"], m["start_time"], m["session"])
('IMSA', 2021, 'road-atlanta', '2021-11-13', '12:10', 'Race')
>>> m = meta_from_path(Path("Results/13_2024/04_LE MANS/267_FIA WEC/202406151600_Race/24_Hour 24/23_Analysis_Race_Hour 24.CSV"))
>>> (m["series"], m["season"], m["event"], m["date"], m["session"])
('WEC', 2024, 'le-mans', '2024-06-15', 'Race')
>>> m = meta_from_path(Path("lemans-2019/23_Analysis_Race_Hour 24.csv"))
>>> (m["series"], m["season"], m["event"], m["session"])
('WEC', 2019, 'le-mans', 'Race')
>>> event_title({"series": "WEC", "season": 2024, "event": "le-mans", "date": "2024-06-15", "session": "Race"})
'24 Hours of Le Mans 2024 · Circuit de la Sarthe · 15 June 2024 · Race'
>>> event_title({"series": "IMSA", "season": 2023, "event": "watkins-glen-international", "date": "2023-06-25"})
'Six Hours of The Glen 2023 · Watkins Glen International · 25 June 2023 · Race'
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

__all__ = [
    "SERIES_PREFIX", "SERIES_WORDS", "EVENTS", "slug", "meta_from_path", "event_meta", "event_title", "is_file_name",
    "track_of", "complete_from_session", "local_neutralisation",
]  # fmt: skip

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


def slug(text) -> str:
    """Lower-case words joined by dashes.

    >>> slug("04_LE MANS")
    '04-le-mans'
    """
    return re.sub(r"[^a-z0-9.]+", "-", str(text).lower()).strip("-")


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




#: Known events by track key (the event slug without its ``6h`` / ``1812km`` suffix):
#: (event name, circuit). ``{n}`` is the race length told by the slug (``6`` for ``spa6h``).
EVENTS: dict[str, tuple[str, str]] = {
    "le-mans": ("24 Hours of Le Mans", "Circuit de la Sarthe"),
    "spa": ("{n} Hours of Spa-Francorchamps", "Circuit de Spa-Francorchamps"),
    "bahrain": ("{n} Hours of Bahrain", "Bahrain International Circuit"),
    "fuji": ("{n} Hours of Fuji", "Fuji Speedway"),
    "cota": ("{n} Hours of COTA", "Circuit of the Americas"),
    "imola": ("{n} Hours of Imola", "Autodromo Enzo e Dino Ferrari"),
    "qatar": ("Qatar {n} km", "Lusail International Circuit"),
    "saopaulo": ("{n} Hours of São Paulo", "Autódromo José Carlos Pace"),
    "sao-paulo": ("{n} Hours of São Paulo", "Autódromo José Carlos Pace"),
    "monza": ("{n} Hours of Monza", "Autodromo Nazionale Monza"),
    "portimao": ("{n} Hours of Portimão", "Algarve International Circuit"),
    "silverstone": ("{n} Hours of Silverstone", "Silverstone Circuit"),
    "watkins-glen-international": ("Six Hours of The Glen", "Watkins Glen International"),
    "watkins-glen": ("Six Hours of The Glen", "Watkins Glen International"),
    "road-atlanta": ("Petit Le Mans", "Michelin Raceway Road Atlanta"),
    "sebring-international-raceway": ("12 Hours of Sebring", "Sebring International Raceway"),
    "sebring": ("12 Hours of Sebring", "Sebring International Raceway"),
    "daytona-international-speedway": ("24 Hours of Daytona", "Daytona International Speedway"),
    "daytona": ("24 Hours of Daytona", "Daytona International Speedway"),
    "tire-rack.com-battle-on-the-bricks": ("Battle on the Bricks", "Indianapolis Motor Speedway"),
}
_LENGTH = re.compile(r"-?(\d+)(h|km)$")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")  # fmt: skip


def is_file_name(name: str) -> bool:
    """True when ``name`` is a timekeeper's bare file name (``23_Analysis_Race_Hour 24``,
    ``202306251040-race-laps``), which a title never shows.

    >>> is_file_name("23_Analysis_Race_Hour 24"), is_file_name("202306251040-race-laps"), is_file_name("stintlab-demo-24h")
    (True, True, False)
    """
    stem = Path(str(name)).stem if str(name).lower().endswith(".csv") else str(name)
    return bool(_ANALYSIS.match(stem) or _STAMP_SESSION.match(stem) or re.match(r"^\d+_analysis", stem, re.I))


def track_of(event: str | None) -> str | None:
    """The track key of an event slug: ``spa6h`` → ``spa``, ``qatar1812km`` → ``qatar``."""
    if not event:
        return None
    return _LENGTH.sub("", str(event)) or str(event)


def _stamped_date(folder: Path) -> tuple[str, str] | None:
    """(date, start time) from a timekeeper's stamped file name in ``folder`` or its
    ``official-hourly`` sub-folder (``202406151600-race-hour-1-results.csv``)."""
    for where in (folder, folder / "official-hourly"):
        try:
            names = sorted(p.name for p in where.iterdir()) if where.is_dir() else []
        except OSError:
            continue
        for name in names:
            if not name.lower().endswith(".csv"):  # only the timekeeper's own CSV exports
                continue
            st = _STAMP_SESSION.match(Path(name).stem)
            if st:
                y, mo, d, hh, mm, _ = st.groups()
                return f"{y}-{mo}-{d}", f"{hh}:{mm}"
    return None


def event_meta(path, results=None) -> dict:
    """:func:`meta_from_path` of a lap file, completed from the results file's name and, when the
    names tell no date, from a stamped file beside it; with ``event_name`` and ``circuit`` when
    the event is known (:data:`EVENTS`)."""
    path = Path(path)
    meta = meta_from_path(path)
    if results is not None:
        other = meta_from_path(Path(results))
        for k, v in other.items():
            if meta.get(k) is None and v is not None:
                meta[k] = v
    if meta["date"] is None:
        found = _stamped_date(path.parent)
        if found:
            meta["date"], meta["start_time"] = meta["date"] or found[0], meta["start_time"] or found[1]
            meta["season"] = meta["season"] or int(found[0][:4])
    meta["track"] = track_of(meta["event"])
    name, circuit = _known(meta["event"])
    meta["event_name"], meta["circuit"] = name, circuit
    return meta


def _known(event: str | None) -> tuple[str | None, str | None]:
    if not event:
        return None, None
    nls = re.fullmatch(r"nls-?(\d+)", str(event))  # the NLS races of a season, numbered (WIGE folders nls-2025-nls3)
    if nls:
        return f"Nürburgring Langstrecken-Serie race {int(nls.group(1))}", "Nürburgring Nordschleife"
    hit = EVENTS.get(event) or EVENTS.get(track_of(event) or "")
    if hit is None:
        return None, None
    m = _LENGTH.search(event)
    return hit[0].replace("{n}", m.group(1) if m else "").replace("  ", " ").strip(), hit[1]


_MOIS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre",
         "décembre")  # fmt: skip
_SESSIONS_FR = {"race": "Course", "qualifying": "Qualifications", "hyperpole": "Hyperpole", "warm up": "Warm-up",
                "free practice": "Essais libres", "practice": "Essais"}  # fmt: skip


def _date_text(date, lang: str = "en") -> str | None:
    try:
        d = dt.date.fromisoformat(str(date)[:10])
    except ValueError:
        return None
    if lang == "fr":
        return f"{'1er' if d.day == 1 else d.day} {_MOIS[d.month - 1]} {d.year}"
    return f"{d.day} {_MONTHS[d.month - 1]} {d.year}"


def session_word(session: str | None, lang: str = "en") -> str:
    """The session as a title shows it (``Race``; French ``Course``, ``Qualifications``...)."""
    session = session or "Race"
    if lang != "fr":
        return session
    low = session.lower()
    for en, fr in _SESSIONS_FR.items():
        if low.startswith(en):
            return fr + session[len(en):]
    return session


def complete_from_session(meta: dict, session: dict) -> None:
    """Fill what the names left unknown (series, season, event, event name, circuit) from the session
    block of an SRO entry list (Competition "GTWorldChEU pwrd by AWS Endurance Cup", Meeting "... Round 1",
    Track "Paul Ricard Short", StartTime "10.04.2026 14:25:00.000": the entry list's own session, so
    neither its date nor its session name is the race's). In place.

    >>> m = {"series": None, "season": None, "event": None}
    >>> complete_from_session(m, {"Competition": "GTWorldChEU pwrd by AWS Endurance Cup",
    ...     "Meeting": "GT WorldChEU pwrd by AWS Endurance Cup Round 1", "Track": "Paul Ricard Short",
    ...     "StartTime": "10.04.2026 14:25:00.000"})
    >>> m
    {'series': 'GTWC', 'season': 2026, 'event': 'paul-ricard-short', 'event_name': 'GT World Challenge Europe Endurance Cup 2026, Round 1', 'circuit': 'Paul Ricard Short'}
    """
    if not session:
        return
    text = " ".join(str(session.get(k) or "") for k in ("Competition", "Meeting"))
    gtwc = "gtworld" in text.lower() or "gt world" in text.lower()
    if meta.get("series") is None and gtwc:
        meta["series"] = "GTWC"
    m = re.search(r"\b\d{1,2}\.\d{1,2}\.(\d{4})\b", str(session.get("StartTime") or ""))
    if meta.get("season") is None and m:
        meta["season"] = int(m.group(1))
    if meta.get("event") is None and session.get("Track"):
        meta["event"] = slug(session["Track"])
    if meta.get("event_name") is None and gtwc:
        cup = " Endurance Cup" if "endurance" in text.lower() else (" Sprint Cup" if "sprint" in text.lower() else "")
        rnd = re.search(r"\bRound\s+(\d+)", text, re.I)
        season = f" {meta['season']}" if meta.get("season") else ""
        meta["event_name"] = f"GT World Challenge Europe{cup}{season}" + (f", Round {rnd.group(1)}" if rnd else "")
    if meta.get("circuit") is None and session.get("Track"):
        meta["circuit"] = str(session["Track"])


def event_title(meta: dict, lang: str = "en") -> str | None:
    """``24 Hours of Le Mans 2024 · Circuit de la Sarthe · 15 June 2024 · Race`` from a race's
    metadata (known event, else series and event words); None when nothing is known. ``lang="fr"``:
    the date and the session in French (``15 juin 2024 · Course``), the event's own name kept."""
    event = meta.get("event")
    name, circuit = meta.get("event_name"), meta.get("circuit")
    if name is None and event:
        name, circuit = _known(str(event))
    if name is None and event:
        words = re.sub(r"[-_]+", " ", str(event)).strip().title()
        name = f"{meta.get('series') or ''} {words}".strip()
    if not name:
        return None
    season = meta.get("season")
    if season and str(season) not in name:
        name = f"{name} {season}"
    date = _date_text(meta["date"], lang) if meta.get("date") else None
    parts = [name, circuit, date, session_word(meta.get("session"), lang)]
    return " · ".join(str(p) for p in parts if p)


#: series whose local neutralisation is a Code 60 zone (the Nordschleife: NLS and the Nürburgring 24 Hours)
CODE60_SERIES = ("NLS", "N24")


def local_neutralisation(meta: dict | None) -> str:
    """The name a local neutralisation (a speed limit in one sector, green elsewhere: kind ``SZ`` of
    :func:`stintlab.analysis.flags.race_phases`) takes in this race, decided once from its metadata:
    ``"code60"`` on the Nordschleife (series NLS / N24, or a circuit named Nordschleife), where marshals
    show Code 60 zones; ``"slow_zone"`` elsewhere (Le Mans, WEC, IMSA, SRO). The faces word the code
    through the language catalogs (``Code 60 zone, sector 4`` / ``Slow zone, sector 4``).

    >>> local_neutralisation({"series": "NLS", "circuit": "Nürburgring Nordschleife"})
    'code60'
    >>> local_neutralisation({"series": None, "circuit": "Nürburgring Nordschleife"})
    'code60'
    >>> local_neutralisation({"series": "WEC", "event": "le-mans", "circuit": "Circuit de la Sarthe"})
    'slow_zone'
    >>> local_neutralisation({}), local_neutralisation(None)
    ('slow_zone', 'slow_zone')
    """
    meta = meta or {}
    series = str(meta.get("series") or "").upper()
    circuit = str(meta.get("circuit") or "").lower()
    if series in CODE60_SERIES or "nordschleife" in circuit:
        return "code60"
    return "slow_zone"
