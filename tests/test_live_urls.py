"""The URL live source against a local HTTP server (a thread of this test) serving a real lap file
(Fuji 2024) that grows: conditional requests, a line still being written, an answer cut by the
connection, a rewrite, a restart, offline, and a listing of hourly files. Expectations: the crossings
counted from the raw lines served (each non-empty line after the header is one crossing) and the final
order of the raw-row oracle (tests/oracle.py, csv module)."""

from __future__ import annotations

import hashlib
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import lap_file
from oracle import read_race
from stintlab.live import LiveRace
from stintlab.live.urls import UrlSource


class _Site:
    """What the server serves: path -> bytes; ``cut``: path -> bytes actually sent (Content-Length stays
    the whole length); ``log``: (path, If-None-Match sent, status answered)."""

    def __init__(self):
        self.files: dict[str, bytes] = {}
        self.cut: dict[str, int] = {}
        self.log: list[tuple] = []


def _server(site: _Site):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # quiet
            pass

        def do_GET(self):  # noqa: N802 - the http.server API
            path = urllib.parse.unquote(self.path)
            data = site.files.get(path)
            inm = self.headers.get("If-None-Match")
            if data is None:
                site.log.append((path, inm, 404))
                self.send_error(404)
                return
            etag = '"' + hashlib.sha1(data).hexdigest() + '"'
            if inm == etag:
                site.log.append((path, inm, 304))
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            site.log.append((path, inm, 200))
            self.send_response(200)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            n = site.cut.get(path, len(data))
            self.wfile.write(data[:n])
            if n < len(data):
                self.close_connection = True

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


@pytest.fixture
def site():
    s = _Site()
    srv = _server(s)
    s.base = f"http://127.0.0.1:{srv.server_address[1]}"
    yield s
    srv.shutdown()
    srv.server_close()


def _lines(path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


def _crossings(lines: list[bytes]) -> int:
    return sum(1 for ln in lines[1:] if ln.strip())


def test_a_growing_file_over_http(site, tmp_path):
    path = lap_file("wec-2024-fuji6h")
    raw = read_race(path)
    lines = _lines(path)
    n = len(lines)
    url_path = "/live/23_Analysis_Race_Hour 6.CSV"
    url = site.base + urllib.parse.quote(url_path)
    cache = tmp_path / "cache"
    src = UrlSource(url, LiveRace(), cache=cache, timeout=10)

    a = int(n * 0.4)
    site.files[url_path] = b"".join(lines[:a])
    p = src.poll()
    assert p.status == "new" and src.engine.laps_fed == _crossings(lines[:a]) == p.added
    # nothing new: a conditional request answered 304, nothing fed twice
    p = src.poll()
    assert p.status == "idle" and site.log[-1][2] == 304 and site.log[-1][1] is not None
    assert src.engine.laps_fed == _crossings(lines[:a])
    # the file grows, its last line still being written: complete lines taken, the partial one waits
    b = int(n * 0.7)
    site.files[url_path] = b"".join(lines[:b]) + lines[b][: len(lines[b]) // 2]
    p = src.poll()
    assert p.status == "waiting" and src.engine.laps_fed == _crossings(lines[:b])
    # an answer cut by the connection in the middle of a line: like a half-written line
    c = int(n * 0.85)
    whole = b"".join(lines[:c])
    site.files[url_path] = whole
    site.cut[url_path] = len(b"".join(lines[: c - 20])) + 7
    p = src.poll()
    assert p.status == "waiting" and "cut" in p.message
    assert src.engine.laps_fed == _crossings(lines[: c - 20])
    site.cut.clear()
    p = src.poll()
    assert site.log[-1][1:] == (None, 200)  # the cut answer's validators were not kept: the whole file again
    assert p.status == "new" and src.engine.laps_fed == _crossings(lines[:c])
    # the whole race
    site.files[url_path] = path.read_bytes()
    src.poll()
    assert src.engine.laps_fed == raw.rows
    assert [r.car for r in src.engine.standings()] == [w["car"] for w in raw.final_order()]
    # restart: a new process, the same cache: the server says 304, every crossing counted once
    again = UrlSource(url, LiveRace(), cache=cache, timeout=10)
    p = again.poll()
    assert site.log[-1][2] == 304 and again.engine.laps_fed == raw.rows == p.added
    # a source handed an engine that holds the rows already: all duplicates
    p = UrlSource(url, src.engine, cache=cache, timeout=10).poll()
    assert (p.added, p.duplicates, src.engine.laps_fed) == (0, raw.rows, raw.rows)
    # the timekeeper rewrites the file with a correction on an early line: rebuilt, never double counted
    fixed = list(lines)
    fixed[5] = fixed[5].replace(b";", b"; ", 1)  # the same crossing, the bytes changed
    site.files[url_path] = b"".join(fixed)
    p = src.poll()
    assert p.status == "rebuilt" and src.engine.laps_fed == raw.rows
    # offline: the cached copy only, no request
    before = len(site.log)
    off = UrlSource(url, LiveRace(), cache=cache, offline=True)
    assert off.poll().status == "new" and off.engine.laps_fed == raw.rows and len(site.log) == before
    p = UrlSource(url, LiveRace(), cache=tmp_path / "empty", offline=True).poll()
    assert p.status == "error" and "offline" in p.message
    # an HTTP error is said, not raised
    p = UrlSource(site.base + "/nothing.csv", LiveRace(), cache=cache, timeout=10).poll()
    assert p.status == "error" and "404" in p.message


def test_a_listing_of_hourly_files(site, tmp_path):
    path = lap_file("wec-2024-fuji6h")
    raw = read_race(path)
    lines = _lines(path)
    h1 = b"".join(lines[: len(lines) // 3])
    site.files["/hourly/23_Analysis_Race_Hour 1.CSV"] = h1
    site.files["/hourly/"] = b'<a href="../">..</a><a href="23_Analysis_Race_Hour%201.CSV">Hour 1</a>'
    src = UrlSource(site.base + "/hourly/", LiveRace(), cache=tmp_path / "c", timeout=10)
    p = src.poll()
    n1 = _crossings(h1.splitlines(keepends=True))
    assert p.path.endswith("Hour%201.CSV") and src.engine.laps_fed == n1
    site.files["/hourly/23_Analysis_Race_Hour 6.CSV"] = path.read_bytes()
    site.files["/hourly/"] += b'<a href="23_Analysis_Race_Hour%206.CSV">Hour 6</a>'
    p = src.poll()
    assert p.path.endswith("Hour%206.CSV")
    assert (p.added, p.duplicates) == (raw.rows - n1, n1)  # the newer file: only the rows not yet fed
    assert src.engine.laps_fed == raw.rows


def test_follow_command_takes_a_url(site, tmp_path, capsys):
    import json

    from stintlab.cli import main

    path = lap_file("wec-2024-fuji6h")
    raw = read_race(path)
    site.files["/f/23_Analysis_Race_Hour 6.CSV"] = path.read_bytes()
    url = site.base + "/f/23_Analysis_Race_Hour%206.CSV"
    capsys.readouterr()
    args = ["follow", url, "--polls", "1", "--interval", "0", "--zones", "0", "--json", "--cache-dir", str(tmp_path)]
    assert main(args) == 0
    step = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert step["laps_fed"] == raw.rows
    assert [r["car"] for r in step["standings"]] == [w["car"] for w in raw.final_order()]
    # the same offline, from the cache
    assert main(args + ["--offline"]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["laps_fed"] == raw.rows
