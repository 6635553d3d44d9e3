"""A live source over HTTP: a URL serving the growing lap file, or a folder listing (a URL ending with
``/``) where the timekeeper publishes ``..._Hour N.CSV`` files, polled with the download cache and offline
rules of :mod:`stintlab.httpcache` (the ones ``stintlab fetch`` follows).

Each :meth:`UrlSource.poll`:

1. (a listing URL) reads the listing and picks the ``Hour N.CSV`` link with the highest N
   (:func:`stintlab.live.sources.newest_hour_name`); switching to a newer file feeds only the rows not
   yet fed (the older ones are duplicates);
2. asks for the file **conditionally**: ``If-None-Match`` / ``If-Modified-Since`` with the validators of
   the copy in the cache (``raw/<host>/<path>``, validators beside it in ``<name>.http.json``); ``304
   Not Modified`` costs no body; a ``200`` replaces the cached copy atomically;
3. feeds the cached copy through a :class:`~stintlab.live.sources.LapFileSource`, so everything it does
   holds here: only complete new lines, a line still being written waits, a shrink or a rewrite of bytes
   already taken rebuilds the engine, never a double count.

A **truncated answer** (the connection dropped before ``Content-Length`` bytes) is handled like a
half-written line: its complete lines are kept (when they extend the cached copy), the cut line waits,
the poll says ``waiting``, and its validators are not kept (the next poll asks for the whole file again).
An HTTP error, a time-out or an unreachable host is said (``error``) and the cached copy is kept.
``offline=True``: no request at all, the cached copy only (``error`` when there is none).

**Restart**: a new process with the same cache feeds the cached copy from the start (the server
answers ``304`` when nothing changed) — a new engine counts every crossing once; an engine that already
holds rows skips them as duplicates.
"""

from __future__ import annotations

import json
import urllib.parse
from dataclasses import replace
from pathlib import Path

from stintlab.httpcache import FetchError, cache_path, default_cache_dir, download, list_links, save
from stintlab.live.engine import LiveRace
from stintlab.live.sources import LapFileSource, Poll, newest_hour_name

__all__ = ["UrlSource", "is_url"]


def is_url(text: str) -> bool:
    """``http://`` or ``https://``."""
    return str(text).lower().startswith(("http://", "https://"))


class UrlSource:
    """A lap file (or a listing of hourly files) over HTTP, polled (module docstring)."""

    def __init__(self, url: str, engine: LiveRace | None = None, *, cache=None, offline: bool = False,
                 timeout: float = 30.0, **options):  # fmt: skip
        self.url = url
        self.engine = engine if engine is not None else LiveRace()
        self.cache = Path(cache) if cache is not None else default_cache_dir()
        self.offline = offline
        self.timeout = timeout
        self.options = options  # for the LapFileSource (settle, stall_after, clock)
        self.file: LapFileSource | None = None
        self.target: str | None = None  # the file URL followed
        self.requests = 0
        self.not_modified = 0

    @property
    def rebuilds(self) -> list[str]:
        return self.file.rebuilds if self.file is not None else []

    def poll(self) -> Poll:
        try:
            target = self._target()
        except FetchError as e:
            return Poll("error", message=str(e), path=self.url)
        if target is None:
            return Poll("idle", message=f"no '..._Hour N.CSV' link at {self.url} yet", path=self.url)
        local = cache_path(self.cache, target)
        cut = None
        if self.offline:
            if not local.is_file():
                return Poll("error", message=f"offline: {target} is not in the cache ({local})", path=target)
        else:
            try:
                cut = self._refresh(target, local)
            except FetchError as e:
                return Poll("error", message=f"{e}; the cached copy is kept", path=target)
            if not local.is_file():
                return Poll("waiting", message=cut or "nothing complete received yet", path=target)
        if self.file is None or self.file.path != local:
            self.file = LapFileSource(local, self.engine, **self.options)
        p = self.file.poll()
        if cut:
            p = replace(p, status="waiting" if p.status in ("new", "idle") else p.status,
                        message="; ".join(m for m in (p.message, cut) if m))  # fmt: skip
        return replace(p, path=target)

    def _target(self) -> str | None:
        if not self.url.endswith("/"):
            return self.url
        local = cache_path(self.cache, self.url)
        if self.offline:
            if not local.is_file():
                raise FetchError(f"offline: {self.url} is not in the cache ({local})")
            html = local.read_bytes()
        else:
            self.requests += 1
            html = download(self.url, self.timeout).data
            save(local, html)
        name = newest_hour_name(list_links(html.decode("utf-8", errors="replace")))
        return None if name is None else urllib.parse.urljoin(self.url, urllib.parse.quote(name))

    def _refresh(self, target: str, local: Path) -> str | None:
        """Bring the cached copy of ``target`` up to date; a message when the answer was cut."""
        meta_path = local.with_name(local.name + ".http.json")
        meta = {}
        if local.is_file() and meta_path.is_file():
            try:
                meta = json.loads(meta_path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                meta = {}
        self.requests += 1
        resp = download(target, self.timeout, etag=meta.get("etag"), last_modified=meta.get("last_modified"))
        if resp.status == 304:
            self.not_modified += 1
            return None
        if resp.complete:
            save(local, resp.data)
            save(meta_path, json.dumps({"etag": resp.etag, "last_modified": resp.last_modified}).encode())
            return None
        # cut answer: keep its complete lines when they extend the copy held; forget the validators
        lines = resp.data[: resp.data.rfind(b"\n") + 1]
        held = local.read_bytes() if local.is_file() else b""
        if len(lines) > len(held) and lines.startswith(held):
            save(local, lines)
        meta_path.unlink(missing_ok=True)
        want = resp.headers.get("Content-Length", "?")
        return f"the answer was cut ({len(resp.data)} of {want} bytes): its last line waits for the next poll"
