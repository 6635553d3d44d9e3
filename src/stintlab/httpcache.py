"""HTTP downloads with a local cache and an offline mode: the piece :mod:`stintlab.archive.fetch` (the
timing portals) and :mod:`stintlab.live.urls` (a lap file polled while the race runs) share.

- :func:`default_cache_dir`: ``$STINTLAB_CACHE``, else ``$XDG_CACHE_HOME/stintlab`` or ``~/.cache/stintlab``;
- :func:`cache_path`: where a URL's bytes are kept, ``raw/<host>/<path>`` mirroring the server (a
  folder URL, ending with ``/``, is kept as ``.listing.html``);
- :func:`download`: one GET, optionally conditional (``If-None-Match`` / ``If-Modified-Since``: a
  ``304 Not Modified`` answer is returned, not raised); HTTP 403, 404, other errors, time-outs and
  unreachable hosts raise :class:`FetchError` with a one-line message; a body shorter than its
  ``Content-Length`` (the connection dropped) is returned with ``complete`` false;
- :func:`list_links`: the relative links of a folder listing.

Layer: a helper beside ``names`` and ``serial`` (it imports only :mod:`stintlab.errors`).
"""

from __future__ import annotations

import http.client
import os
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from stintlab.errors import StintlabError

__all__ = ["FetchError", "Response", "USER_AGENT", "LISTING", "default_cache_dir", "cache_path", "download",
           "list_links", "save"]  # fmt: skip

USER_AGENT = "stintlab (+https://github.com/stintlab)"
LISTING = ".listing.html"


class FetchError(StintlabError):
    """A download that failed (HTTP error, time-out, unreachable host, not in the offline cache)."""


def default_cache_dir() -> Path:
    env = os.environ.get("STINTLAB_CACHE")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "stintlab"


def cache_path(cache: Path, url: str) -> Path:
    """Where the bytes of ``url`` are kept under ``cache`` (module docstring); refuses ``..`` and ``.``.

    >>> cache_path(Path("/c"), "http://h:8000/a/b%20c.CSV").as_posix(), cache_path(Path("/c"), "http://h/a/").name
    ('/c/raw/h_8000/a/b c.CSV', '.listing.html')
    """
    u = urllib.parse.urlsplit(url)
    host = u.netloc.replace(":", "_") or "local"
    parts = [urllib.parse.unquote(p) for p in u.path.split("/") if p]
    for p in parts:
        if p in ("..", "."):
            raise FetchError(f"refusing a path with {p!r}: {url}")
    path = Path(cache) / "raw" / host
    for p in parts:
        path = path / p
    return path / LISTING if url.endswith("/") else path


@dataclass
class Response:
    """One answer: ``status`` (200, or 304 Not Modified), the body, the validators the server gave
    (``etag``, ``last_modified``) and whether the body is as long as the server announced."""

    status: int
    data: bytes = b""
    etag: str | None = None
    last_modified: str | None = None
    complete: bool = True
    headers: dict = field(default_factory=dict)


def download(url: str, timeout: float = 30.0, *, etag: str | None = None, last_modified: str | None = None) -> Response:
    """GET ``url`` (module docstring); ``etag`` / ``last_modified``: the validators of the copy held."""
    headers = {"User-Agent": USER_AGENT, "Accept": "text/html,text/csv,*/*"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    req = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            try:
                data, complete = resp.read(), True
            except http.client.IncompleteRead as exc:  # the connection dropped mid-body
                data, complete = bytes(exc.partial), False
            return Response(resp.status, data, resp.headers.get("ETag"), resp.headers.get("Last-Modified"),
                            complete, dict(resp.headers))  # fmt: skip
    except urllib.error.HTTPError as exc:
        if exc.code == 304:
            return Response(
                304, b"", exc.headers.get("ETag") or etag, exc.headers.get("Last-Modified") or last_modified
            )
        if exc.code == 403:
            raise FetchError(
                f"HTTP 403 Forbidden for {url}: the timing portal refuses scripted downloads "
                "(Al Kamel hosts block them since Oct 2025). Download the files in a browser and use "
                "`stintlab archive add`, or fetch from a mirror with --base."
            ) from None
        if exc.code == 404:
            raise FetchError(f"HTTP 404 Not Found: {url} (check the series, year and event)") from None
        raise FetchError(f"HTTP {exc.code} {exc.reason} for {url}") from None
    except TimeoutError:
        raise FetchError(f"timed out after {timeout:g} s waiting for {url} (try --timeout or --offline)") from None
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            raise FetchError(f"timed out after {timeout:g} s waiting for {url}") from None
        raise FetchError(f"cannot reach {url}: {exc.reason}") from None
    except (http.client.HTTPException, ConnectionError) as exc:  # a broken answer (bad status line, reset)
        raise FetchError(f"broken answer from {url}: {type(exc).__name__}: {exc}") from None


def save(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (a ``.part`` file renamed over it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(data)
    os.replace(tmp, path)


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag.lower() == "a":
            for k, v in attrs:
                if k.lower() == "href" and v:
                    self.links.append(v)


def list_links(html: str) -> list[str]:
    """Relative links of a folder listing (no parent, query or absolute links), unquoted.

    >>> list_links('<a href="../">..</a><a href="13_2024/">13_2024/</a><a href="?C=M">x</a><a href="a%20b.CSV">f</a>')
    ['13_2024/', 'a b.CSV']
    """
    p = _Links()
    p.feed(html)
    out = []
    for link in p.links:
        if link.startswith(("?", "/", "#", "../", "http:", "https:", "mailto:")) or link in (".", "./"):
            continue
        name = urllib.parse.unquote(link)
        if name not in out:
            out.append(name)
    return out
