"""Calendar files and clash checks for a driver's programme.

A calendar is a CSV or YAML file of events. Columns / keys:

- ``event`` (name), ``series``, ``track``, ``date`` (race day, ``YYYY-MM-DD``) — required;
- ``start``, ``end``: first and last day of the meeting (default: ``date`` − 2 days … ``date``);
- ``country``, ``continent``: where (default: looked up from ``track`` in :data:`TRACKS`);
- ``drivers``: the drivers entered (``;`` or ``|`` separated in CSV, a list in YAML).

A **clash** is two events of the programme whose meeting days overlap. A **tight gap** is fewer
free days between two consecutive meetings than needed to travel: ``min_gap_days`` (default 1)
on the same continent, ``min_gap_intercontinental`` (default 3) across continents. When the place
of either event is unknown the same-continent rule applies and the issue says ``places_known: false``.

>>> cal = parse_calendar_rows([
...     {"event": "Spa 6h", "series": "WEC", "track": "Spa", "date": "2026-05-09"},
...     {"event": "Nürburgring 24h", "series": "NLS", "track": "Nürburgring", "date": "2026-05-10"},
...     {"event": "Watkins Glen", "series": "IMSA", "track": "Watkins Glen", "date": "2026-05-14"},
... ])
>>> [(i["type"], i["first"], i["second"]) for i in check_programme(cal)]
[('clash', 'Spa 6h', 'Nürburgring 24h'), ('tight', 'Nürburgring 24h', 'Watkins Glen')]
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pandas as pd

from stintlab.archive.identity import driver_key, resolve_key
from stintlab.errors import StintlabUsageError

__all__ = [
    "TRACKS",
    "SERIES_TRACKS",
    "load_calendar",
    "parse_calendar_rows",
    "check_programme",
    "programme_for",
    "archived_events",
]

# track (lower-case words) → (country, continent)
TRACKS = {
    "le mans": ("FRA", "Europe"),
    "spa": ("BEL", "Europe"),
    "spa francorchamps": ("BEL", "Europe"),
    "nurburgring": ("DEU", "Europe"),
    "nordschleife": ("DEU", "Europe"),
    "monza": ("ITA", "Europe"),
    "imola": ("ITA", "Europe"),
    "portimao": ("PRT", "Europe"),
    "silverstone": ("GBR", "Europe"),
    "barcelona": ("ESP", "Europe"),
    "paul ricard": ("FRA", "Europe"),
    "hockenheim": ("DEU", "Europe"),
    "zandvoort": ("NLD", "Europe"),
    "misano": ("ITA", "Europe"),
    "daytona": ("USA", "North America"),
    "sebring": ("USA", "North America"),
    "long beach": ("USA", "North America"),
    "laguna seca": ("USA", "North America"),
    "watkins glen": ("USA", "North America"),
    "road atlanta": ("USA", "North America"),
    "road america": ("USA", "North America"),
    "indianapolis": ("USA", "North America"),
    "battle on the bricks": ("USA", "North America"),
    "virginia": ("USA", "North America"),
    "vir": ("USA", "North America"),
    "lime rock": ("USA", "North America"),
    "detroit": ("USA", "North America"),
    "mosport": ("CAN", "North America"),
    "cota": ("USA", "North America"),
    "austin": ("USA", "North America"),
    "mid ohio": ("USA", "North America"),
    "sao paulo": ("BRA", "South America"),
    "interlagos": ("BRA", "South America"),
    "fuji": ("JPN", "Asia"),
    "suzuka": ("JPN", "Asia"),
    "shanghai": ("CHN", "Asia"),
    "bahrain": ("BHR", "Asia"),
    "sakhir": ("BHR", "Asia"),
    "qatar": ("QAT", "Asia"),
    "lusail": ("QAT", "Asia"),
    "dubai": ("ARE", "Asia"),
    "abu dhabi": ("ARE", "Asia"),
    "yas marina": ("ARE", "Asia"),
    "sepang": ("MYS", "Asia"),
    "bathurst": ("AUS", "Oceania"),
    "kyalami": ("ZAF", "Africa"),
}

# series raced on one circuit only, whose archived event names (nls2, nls10 ...) do not name it
SERIES_TRACKS = {"NLS": "Nürburgring Nordschleife", "N24": "Nürburgring Nordschleife"}


def _place(track: str | None) -> tuple[str | None, str | None]:
    key = driver_key(track or "")  # same normalisation as names: accents, case, punctuation
    if not key:
        return None, None
    if key in TRACKS:
        return TRACKS[key]
    for name, place in sorted(TRACKS.items(), key=lambda kv: -len(kv[0])):
        if name in key:
            return place
    return None, None


def _date(value, what: str, row: int) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise StintlabUsageError(f"calendar row {row}: bad {what} {value!r} (use YYYY-MM-DD)") from None


def parse_calendar_rows(rows: list[dict]) -> pd.DataFrame:
    """Events as a DataFrame (event, series, track, date, start, end, country, continent, drivers)."""
    out = []
    for i, r in enumerate(rows, start=1):
        r = {str(k).strip().lower(): v for k, v in r.items() if k is not None}
        missing = [k for k in ("event", "date") if r.get(k) in (None, "")]
        if missing:
            raise StintlabUsageError(f"calendar row {i}: missing {', '.join(missing)}")
        day = _date(r["date"], "date", i)
        start = _date(r["start"], "start", i) if r.get("start") not in (None, "") else day - dt.timedelta(days=2)
        end = _date(r["end"], "end", i) if r.get("end") not in (None, "") else day
        if end < start:
            raise StintlabUsageError(f"calendar row {i}: end {end} is before start {start}")
        country, continent = _place(r.get("track") or r.get("event"))
        drivers = r.get("drivers")
        if isinstance(drivers, str):
            drivers = [d.strip() for d in drivers.replace("|", ";").split(";") if d.strip()]
        out.append(
            {
                "event": str(r["event"]).strip(),
                "series": (str(r.get("series")).strip() if r.get("series") else None),
                "track": (str(r.get("track")).strip() if r.get("track") else None),
                "date": day,
                "start": start,
                "end": end,
                "country": r.get("country") or country,
                "continent": r.get("continent") or continent,
                "drivers": list(drivers or []),
            }
        )
    df = pd.DataFrame(
        out, columns=["event", "series", "track", "date", "start", "end", "country", "continent", "drivers"]
    )
    return df.sort_values(["start", "date", "event"], kind="stable").reset_index(drop=True)


def load_calendar(path) -> pd.DataFrame:
    """Read a calendar CSV (``,`` or ``;``) or YAML (a list, or ``{events: [...]}``)."""
    p = Path(path)
    if not p.is_file():
        raise StintlabUsageError(f"no calendar file {p}")
    text = p.read_text(encoding="utf-8-sig")
    if p.suffix.lower() in (".yaml", ".yml"):
        import yaml

        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise StintlabUsageError(f"{p}: not valid YAML: {exc}") from None
        rows = data.get("events") if isinstance(data, dict) else data
        if not isinstance(rows, list):
            raise StintlabUsageError(f"{p}: expected a list of events (or events: [...])")
        return parse_calendar_rows(rows)
    dialect = ";" if text.splitlines()[0].count(";") > text.splitlines()[0].count(",") else ","
    return parse_calendar_rows(list(csv.DictReader(text.splitlines(), delimiter=dialect)))


def archived_events(races: pd.DataFrame, driver: str) -> list[dict]:
    """Calendar rows (for :func:`parse_calendar_rows`) of the dated races of a season table
    (:func:`stintlab.archive.season.driver_season`): one meeting per race, its place from the event
    name or, for a one-circuit series (:data:`SERIES_TRACKS`), from the series."""
    rows = []
    for r in races.itertuples(index=False):
        if r.date is None or pd.isna(r.date):
            continue
        series = str(r.series)
        rows.append(
            {
                "event": f"{series} {r.event}",
                "series": series,
                "track": SERIES_TRACKS.get(series.upper(), str(r.event).replace("-", " ")),
                "date": r.date,
                "drivers": [driver],
            }
        )
    return rows


def programme_for(calendar: pd.DataFrame, driver: str | None, aliases: dict | None = None) -> pd.DataFrame:
    """The events of ``driver`` (matched on normalised names and aliases, in any word order); every event when
    ``driver`` is None or the calendar lists no drivers at all."""
    if driver is None or not any(len(d) for d in calendar["drivers"]):
        return calendar
    aliases = aliases or {}
    key = resolve_key(driver_key(driver), aliases)

    def same(d) -> bool:  # same key after aliases, or the same words in another order ("PICARIELLO Alessio")
        k = resolve_key(driver_key(d), aliases)
        return k == key or sorted(k.split()) == sorted(key.split())

    mask = [any(same(d) for d in ds) for ds in calendar["drivers"]]
    return calendar[mask].reset_index(drop=True)


def check_programme(events: pd.DataFrame, min_gap_days: int = 1, min_gap_intercontinental: int = 3) -> list[dict]:
    """Clashes (overlapping meetings) and tight gaps between consecutive meetings.

    ``gap_days`` = free days between the last day of one meeting and the first of the next.
    """
    ev = events.sort_values(["start", "date", "event"], kind="stable").reset_index(drop=True)
    issues = []
    rows = list(ev.itertuples(index=False))
    for i, a in enumerate(rows):
        for b in rows[i + 1 :]:
            if b.start <= a.end:
                issues.append(_issue("clash", a, b, (b.start - a.end).days - 1, None))
        if i + 1 < len(rows):
            b = rows[i + 1]
            if b.start <= a.end:
                continue
            gap = (b.start - a.end).days - 1
            known = isinstance(a.continent, str) and isinstance(b.continent, str)
            inter = known and a.continent != b.continent
            need = min_gap_intercontinental if inter else min_gap_days
            if gap < need:
                issues.append(_issue("tight", a, b, gap, need, inter, known))
    return issues


def _issue(kind, a, b, gap, need, inter=None, known=None) -> dict:
    return {
        "type": kind,
        "first": a.event,
        "second": b.event,
        "first_series": a.series,
        "second_series": b.series,
        "first_days": f"{a.start.isoformat()}..{a.end.isoformat()}",
        "second_days": f"{b.start.isoformat()}..{b.end.isoformat()}",
        "gap_days": int(gap),
        "min_gap_days": need,
        "intercontinental": inter,
        "places_known": known,
    }
