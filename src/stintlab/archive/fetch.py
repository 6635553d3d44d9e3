"""Downloads from the Al Kamel timing portals, with a two-stage cache and an offline mode.

Portal layout (domain.md §1.1)::

    <base>/Results/<NN_YYYY>/<NN_EVENT>/<NNN_SERIES>/<YYYYMMDDHHMM_Session>/[<NN_>Hour N/]<file>

``fetch("imsa/2024/sebring")`` lists the season folder, finds the event whose name contains every
word given, and downloads the lap file (``23_*``), the official classification (``03_*``/
``05_Classification*``) and the weather file (``26_*``) of the ``Race`` session (the highest
``Hour N`` folder when there are several). A URL of a folder or of one file works too.

Cache (``--cache-dir``, ``$STINTLAB_CACHE``, else ``$XDG_CACHE_HOME/stintlab`` or ``~/.cache/stintlab``;
the HTTP piece — cache paths, downloads and their error messages — is :mod:`stintlab.httpcache`, shared
with the live URL source):

1. ``raw/<host>/<path>``: the downloaded files, mirroring the portal (folder listings are kept as
   ``.listing.html``); a file in the cache is never downloaded again (``refresh=True`` forces it);
2. ``parsed/<parser version>/<sha256 of the raw file>.parquet``: the parsed lap table, reused
   until the readers change (:func:`stintlab.archive.store.parser_version`).

``offline=True`` uses the cache only and fails clearly when something is not in it. HTTP 403
(the portals block scripted clients since Oct 2025), 404 and time-outs give one-line errors.
"""

from __future__ import annotations

import hashlib
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from stintlab.errors import StintlabUsageError
from stintlab.httpcache import (
    FetchError,
    cache_path,
    default_cache_dir,
    download,
    list_links,
    save,
)

__all__ = ["FetchError", "FetchResult", "fetch", "default_cache_dir", "parsed_table", "SERIES_BASES", "list_links"]

SERIES_BASES = {
    "wec": "https://fiawec.alkamelsystems.com/Results/",
    "lemans": "https://fiawec.alkamelsystems.com/Results/",
    "elms": "https://elms.alkamelsystems.com/Results/",
    "alms": "https://alms.alkamelsystems.com/Results/",
    "lmc": "https://lemanscup.alkamelsystems.com/Results/",
    "imsa": "https://imsa.results.alkamelcloud.com/Results/",
}
# the main championship's folder among those of one event (IMSA events also hold the support series)
CHAMPIONSHIPS = {
    "imsa": "WeatherTech",
    "wec": "WEC",
    "lemans": "WEC",
    "elms": "European Le Mans",
    "alms": "Asian Le Mans",
}
@dataclass
class FetchResult:
    """What :func:`fetch` got: per race (session folder) its local files, and counters."""

    races: list[dict] = field(default_factory=list)  # {"url", "dir", "laps", "results", "weather", "parsed"}
    downloaded: int = 0
    from_cache: int = 0
    listings: int = 0


class _Client:
    def __init__(self, cache: Path, offline: bool, refresh: bool, timeout: float):
        self.cache = cache
        self.offline = offline
        self.refresh = refresh
        self.timeout = timeout
        self.result = FetchResult()

    def local(self, url: str) -> Path:
        return cache_path(self.cache, url)

    def _download(self, url: str) -> bytes:
        return download(url, self.timeout).data

    def get(self, url: str, *, listing: bool = False) -> bytes:
        """Bytes of ``url`` from the cache or the network (see the module docstring)."""
        local = self.local(url)
        cached = local.is_file()
        if self.offline:
            if not cached:
                raise FetchError(f"offline: {url} is not in the cache ({local})")
            self.result.from_cache += 0 if listing else 1
            return local.read_bytes()
        if cached and not listing and not self.refresh:
            self.result.from_cache += 1
            return local.read_bytes()
        data = self._download(url)
        save(local, data)
        if listing:
            self.result.listings += 1
        else:
            self.result.downloaded += 1
        return data

    def links(self, folder_url: str) -> list[str]:
        return list_links(self.get(folder_url, listing=True).decode("utf-8", errors="replace"))


_SESSION = re.compile(r"^(\d{12})_(.+)/$")
_HOUR = re.compile(r"^(?:\d+_)?Hour\s*(\d+)/$", re.I)
_KIND = [
    ("laps", re.compile(r"^23_(Analysis|Time ?Cards)[^/]*\.csv$", re.I)),
    ("results", re.compile(r"^(03_(Results|Classification)|05_Classification_)[^/]*\.csv$", re.I)),
    ("weather", re.compile(r"^26_Weather[^/]*\.csv$", re.I)),
]


def _join(base: str, name: str) -> str:
    return base + urllib.parse.quote(name)


def _pick(names: list[str], kind: str) -> str | None:
    pat = dict(_KIND)[kind]
    hits = [n for n in names if pat.match(n)]
    if kind == "results":
        hits = [n for n in hits if "bycategory" not in n.lower().replace(" ", "")] or hits
        for word in ("official", "unofficial", "provisional"):
            best = [n for n in hits if word in n.lower()]
            if best:
                return sorted(best)[-1]
    return sorted(hits)[-1] if hits else None


def _session_files(client: _Client, url: str, depth: int = 0) -> dict[str, str]:
    """URLs of the lap/results/weather files of a session folder (highest Hour folder wins)."""
    names = client.links(url)
    files = [n for n in names if not n.endswith("/")]
    found = {k: _join(url, n) for k in ("laps", "results", "weather") if (n := _pick(files, k))}
    hours = sorted(((int(m.group(1)), n) for n in names if (m := _HOUR.match(n))), reverse=True)
    if hours and depth == 0:
        deeper = _session_files(client, _join(url, hours[0][1]), depth + 1)
        found.update(deeper)  # the last hour holds the final state
    return found


def _find_sessions(
    client: _Client, url: str, session: str, depth: int = 0, championship: str | None = None
) -> list[str]:
    """Session folder URLs under ``url`` whose name matches ``session`` (case-insensitive words).

    ``championship``: when some sub-folders' names contain it (``WeatherTech`` among the IMSA
    support series of one event), only those are searched."""
    names = client.links(url)
    want = session.lower().split()
    out = []
    for n in names:
        m = _SESSION.match(n)
        if m:
            label = m.group(2).lower().replace("_", " ")
            if all(w in label.split() for w in want):
                out.append(_join(url, n))
    if out or depth >= 3:
        return out
    folders = [n for n in names if n.endswith("/") and not _HOUR.match(n)]
    if championship:
        wanted = [n for n in folders if championship.lower() in n.lower()]
        folders = wanted or folders
    for n in folders:
        out.extend(_find_sessions(client, _join(url, n), session, depth + 1, championship))
    return out


def _resolve_event(client: _Client, spec: str, base: str | None) -> str:
    parts = [p for p in re.split(r"[/]", spec.strip()) if p]
    if len(parts) < 3 or not parts[1].isdigit():
        raise StintlabUsageError(
            f"cannot read {spec!r}: give a URL, or SERIES/YEAR/EVENT such as 'imsa/2024/sebring' or 'wec/2024/le mans'"
        )
    series, year, event = parts[0].lower(), parts[1], " ".join(parts[2:])
    root = base or SERIES_BASES.get(series)
    if root is None:
        raise StintlabUsageError(
            f"unknown series {series!r} (known: {', '.join(sorted(SERIES_BASES))}; or pass --base URL)"
        )
    if not root.endswith("/"):
        root += "/"
    seasons = [n for n in client.links(root) if n.endswith("/") and re.match(rf"^\d+_(\d{{4}}-)?{year}/$", n)]
    if not seasons:
        raise FetchError(f"no season folder for {year} at {root}")
    words = re.sub(r"[^a-z0-9]+", " ", event.lower()).split()
    events = []
    for season_folder in seasons:
        season_url = _join(root, season_folder)
        events += [
            _join(season_url, n)
            for n in client.links(season_url)
            if n.endswith("/") and all(w in re.sub(r"[^a-z0-9]+", " ", n.lower()).split() for w in words)
        ]
    if not events:
        raise FetchError(f"no event matching {event!r} in {', '.join(_join(root, s) for s in seasons)}")
    if len(events) > 1:
        names = ", ".join(urllib.parse.unquote(e.rstrip("/").rsplit("/", 1)[-1]) for e in events)
        raise StintlabUsageError(f"event {event!r} is ambiguous: {names}")
    return events[0]


def parsed_table(raw: Path, cache: Path | None = None) -> tuple[pd.DataFrame, Path]:
    """The parsed table of a raw timing file, from ``parsed/<parser version>/<sha256>.parquet``
    when there (else parsed now and stored). Returns (table, parquet path)."""
    from stintlab.archive.store import parser_version
    from stintlab.io import read_file

    cache = cache or default_cache_dir()
    digest = hashlib.sha256(Path(raw).read_bytes()).hexdigest()
    target = cache / "parsed" / parser_version() / f"{digest}.parquet"
    if target.is_file():
        return pd.read_parquet(target), target
    table = read_file(raw).table
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".part")
    table.to_parquet(tmp, index=False)
    os.replace(tmp, target)
    return table, target


def fetch(
    target: str,
    *,
    base: str | None = None,
    cache_dir=None,
    offline: bool = False,
    refresh: bool = False,
    timeout: float = 30.0,
    session: str = "Race",
    parse: bool = True,
    championship: str | None = None,
) -> FetchResult:
    """Download (or take from the cache) the race files named by ``target`` (see the module docstring).

    ``championship``: keep the series folders whose name contains it (default for SERIES/YEAR/EVENT:
    :data:`CHAMPIONSHIPS`, e.g. ``WeatherTech`` for IMSA; ``""`` keeps every folder)."""
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    client = _Client(cache, offline, refresh, timeout)
    if re.match(r"^https?://", target):
        if target.endswith("/"):
            sessions = [target] if _SESSION.match(target.rstrip("/").rsplit("/", 1)[-1] + "/") else None
            if sessions is None:
                sessions = _find_sessions(client, target, session, championship=championship)
        else:
            client.get(target)
            local = client.local(target)
            kind = next((k for k, pat in _KIND if pat.match(local.name)), "file")
            client.result.races.append({"url": target, "dir": str(local.parent), kind: str(local), "parsed": {}})
            sessions = []
    else:
        series = target.strip().split("/", 1)[0].lower()
        champ = championship if championship is not None else CHAMPIONSHIPS.get(series)
        sessions = _find_sessions(client, _resolve_event(client, target, base), session, championship=champ or None)
        if not sessions:
            raise FetchError(f"no {session!r} session found for {target!r}")
    for s in sessions:
        files = _session_files(client, s)
        if not files:
            raise FetchError(f"no lap, classification or weather file in {s}")
        entry = {"url": s, "dir": None, "laps": None, "results": None, "weather": None, "parsed": {}}
        for kind, url in files.items():
            client.get(url)
            entry[kind] = str(client.local(url))
        entry["dir"] = str(Path(entry["laps"] or entry["results"] or entry["weather"]).parent)
        client.result.races.append(entry)
    if parse:
        for entry in client.result.races:
            for kind in ("laps", "results"):
                if entry.get(kind):
                    _, pq = parsed_table(Path(entry[kind]), cache)
                    entry["parsed"][kind] = str(pq)
    return client.result
