"""httpcache.download on hostile answers, against a local HTTP server (a thread of this test) serving
the real Fuji 2024 lap file: an answer larger than the bound (announced or not), an endless stream, a
server that trickles bytes (each one resets the socket time-out) and an answer cut by the connection.
Expectations from the raw file's bytes (read directly) and the server's own counts."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import lap_file
from stintlab.httpcache import FetchError, download

FUJI = "wec-2024-fuji6h"


@pytest.fixture(scope="module")
def site():
    raw = lap_file(FUJI).read_bytes()
    sent = {"endless": 0}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"  # no Content-Length: the body ends when the connection closes

        def log_message(self, *args):  # quiet
            pass

        def do_GET(self):  # noqa: N802 - the http.server API
            self.send_response(200)
            if self.path == "/file.csv" or self.path.endswith("escaped.csv"):  # the file (under any path)
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)
            elif self.path == "/unannounced.csv":  # the whole file, no length given
                self.end_headers()
                self.wfile.write(raw)
            elif self.path == "/cut.csv":  # announces the whole file, sends half of it
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw[: len(raw) // 2])
            elif self.path == "/endless.csv":  # the file again and again, never ending
                self.end_headers()
                try:
                    while sent["endless"] < 50 * len(raw):
                        self.wfile.write(raw)
                        sent["endless"] += len(raw)
                except OSError:  # the client went away
                    pass
            elif self.path == "/trickle.csv":  # one line every 20 ms
                self.end_headers()
                try:
                    for line in raw.splitlines(keepends=True)[:500]:
                        self.wfile.write(line)
                        self.wfile.flush()
                        time.sleep(0.02)
                except OSError:
                    pass

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}", raw, sent
    srv.shutdown()
    srv.server_close()


def test_whole_file_within_the_bound(site):
    base, raw, _ = site
    r = download(f"{base}/file.csv", 10, max_bytes=len(raw))
    assert r.status == 200 and r.complete and r.data == raw
    r = download(f"{base}/unannounced.csv", 10, max_bytes=len(raw))
    assert r.complete and r.data == raw


def test_larger_than_the_bound_is_refused(site):
    base, raw, _ = site
    with pytest.raises(FetchError, match="announces"):
        download(f"{base}/file.csv", 10, max_bytes=len(raw) - 1)
    with pytest.raises(FetchError, match="longer than"):
        download(f"{base}/unannounced.csv", 10, max_bytes=len(raw) - 1)


def test_an_endless_stream_stops_at_the_bound(site):
    base, raw, sent = site
    with pytest.raises(FetchError, match="longer than"):
        download(f"{base}/endless.csv", 10, max_bytes=2 * len(raw))
    assert sent["endless"] < 50 * len(raw)  # the client stopped reading long before the server's end


def test_a_trickling_server_meets_the_total_limit(site):
    base, _, _ = site
    # each line arrives well within the socket time-out (1 s), the whole would take 10 s
    with pytest.raises(FetchError, match="still arriving"):
        download(f"{base}/trickle.csv", 1.0, max_seconds=0.5)


def test_a_cut_answer_is_incomplete(site):
    base, raw, _ = site
    r = download(f"{base}/cut.csv", 10)
    assert not r.complete and r.data == raw[: len(raw) // 2]


def test_an_encoded_separator_cannot_leave_the_cache(site, tmp_path):
    # %2F unquotes to "/" inside one segment: the copy of ../../x.csv would be written beside the cache
    from stintlab.live.urls import UrlSource

    base, _, _ = site
    cache = tmp_path / "deep" / "cache"
    src = UrlSource(f"{base}/..%2F..%2F..%2F..%2Fescaped.csv", cache=cache, timeout=5)
    p = src.poll()
    assert p.status == "error" and "refusing" in p.message
    assert not list(tmp_path.rglob("escaped.csv"))
