"""Slow and greedy clients against ``stintlab serve`` run for real (a subprocess on a free loopback
port, raw sockets): half-sent heads, silent connections and trickled bodies are dropped by the
server within its bounds while normal requests are answered; a light soak (100 pages, slow clients,
uploads of real files cut from the corpus and of their mutants) gets no 5xx and bounded memory.
The heavy soak is ``benchmarks/bench_web_soak.py``."""

from __future__ import annotations

import asyncio
import contextlib
import json

import pytest

from conftest import CORPUS
from oracle import read_race
from stintlab.fuzz import websoak

HEADER_S, BODY_S, IDLE_S = 2.0, 4.0, 2.0
LONG_HEADER_S = 6.0  # long enough that a loaded machine answers the normal requests before it
LONG_LIMITS = ("--header-timeout", str(LONG_HEADER_S), "--body-timeout", "8", "--body-idle-timeout", "8")
LIMITS = ("--header-timeout", str(HEADER_S), "--body-timeout", str(BODY_S), "--body-idle-timeout", str(IDLE_S))
CLIENT_LIMIT = 40.0  # a slow client gives up after this long: the server never closed it


async def _trailing_body(port: int) -> tuple[bytes, float]:
    """A GET announcing a body it trickles a byte at a time: the page is answered, then the
    connection must still be closed (uvicorn alone re-armed no timer: it stayed open)."""
    import time

    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n")
    got, t = b"", time.monotonic()
    try:
        while time.monotonic() - t < CLIENT_LIMIT:
            writer.write(b"a")
            await writer.drain()
            try:
                chunk = await asyncio.wait_for(reader.read(4096), 0.5)
            except TimeoutError:
                continue
            if not chunk:
                break
            got += chunk
    except OSError:
        pass
    kept = time.monotonic() - t
    writer.close()
    return got, kept


def test_half_sent_requests_are_dropped_while_normal_requests_are_served(tmp_path):
    async def scenario(port):
        slow = [asyncio.create_task(websoak.slow_client(port, k, CLIENT_LIMIT)) for k in ("head", "silent", "body") * 2]
        trailing = asyncio.create_task(_trailing_body(port))
        await asyncio.sleep(0.3)
        normal = [await websoak.request(port, "GET", "/api/races")]
        open_during_normal = sum(not t.done() for t in slow)  # when the first normal answer came
        normal += [await websoak.request(port, "GET", "/api/races") for _ in range(2)]
        return await asyncio.gather(*slow), await trailing, normal, open_during_normal

    with websoak.serve(tmp_path, *LONG_LIMITS) as (proc, port):
        slow, (trail_got, trail_kept), normal, open_during_normal = asyncio.run(scenario(port))
        after = asyncio.run(websoak.request(port, "GET", "/healthz"))
        assert proc.poll() is None
    # the first normal request was answered while all six slow clients still held their connections
    assert open_during_normal == 6
    assert [s for s, _, _ in normal] == [200, 200, 200]
    assert any(r["id"] == "demo" and r["source"] == "demo" for r in json.loads(normal[0][2]))
    for kind, kept, first in slow:
        assert kept < CLIENT_LIMIT - 5, (kind, kept)  # closed by the server, not by the client giving up
        assert first.startswith(b"HTTP/1.1 408"), (kind, first)
        if kind != "body":  # (the body's JSON 408: the next test)
            assert first.endswith(f"request head not complete within {LONG_HEADER_S:g} s".encode()), first
    assert {kind for kind, _, _ in slow} == {"head", "silent", "body"}
    assert trail_got.startswith(b"HTTP/1.1 200") and trail_kept < CLIENT_LIMIT - 5
    assert after[0] == 200 and json.loads(after[2])["ok"] is True


def test_a_slow_body_gets_the_one_line_json_408(tmp_path):
    async def one(port):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(
            b"POST /api/races HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n"
            b"Content-Type: multipart/form-data; boundary=b\r\n\r\n"
            b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\nNUMBER;'
        )
        await writer.drain()  # then nothing: the idle deadline, not the total one, fires
        raw = await asyncio.wait_for(reader.read(), CLIENT_LIMIT)
        writer.close()
        return raw

    with websoak.serve(tmp_path, *LIMITS) as (_, port):
        raw = asyncio.run(one(port))
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408") and b"connection: close" in head.lower()
    assert json.loads(body) == {
        "error": f"request body too slow: it must arrive within {BODY_S:g} s, with no pause over {IDLE_S:g} s",
        "status": 408,
    }


def test_light_soak_no_5xx_headers_everywhere_uploads_answered_memory_bounded(corpus, tmp_path):
    uploads = websoak.upload_bodies(CORPUS, 10, seed=17)
    with websoak.serve(tmp_path / "srv", *LONG_LIMITS) as (proc, port):
        report = websoak.soak(port, proc.pid, requests=100, slow=6, uploads=uploads, races=1, slow_limit=CLIENT_LIMIT)
        assert proc.poll() is None
    assert len(report.answers) == 100 + 10 + 3
    assert report.server_errors == []
    assert all(a.secure for a in report.answers), [a.path for a in report.answers if not a.secure]
    pages = report.statuses("page")
    assert pages[200] > 50 and set(pages) <= {200, 404}
    assert report.statuses("normal") == {200: 3}
    assert min(report.normal_at) < min(kept for _, kept, _ in report.slow)  # answered while they hung on
    assert all(first.startswith(b"HTTP/1.1 408") for _, _, first in report.slow)

    by_note = {}
    for a in (a for a in report.answers if a.kind == "upload"):
        by_note.setdefault(a.note, []).append(a)
    cuts = [data for note, data in uploads if note == "cut"]
    assert len(by_note["cut"]) == len(cuts) == 5
    # each real cut is stored whole: its cars and laps as counted by the raw-row oracle
    expected = []
    for i, data in enumerate(cuts):
        path = tmp_path / f"cut{i}.csv"
        path.write_bytes(data)
        raw = read_race(path)
        expected.append((len(raw.cars), sum(len(v) for v in raw.laps.values())))
    got = [(json.loads(a.body)["cars"], json.loads(a.body)["laps"]) for a in by_note["cut"]]
    assert sorted(got) == sorted(expected) and all(a.status == 201 for a in by_note["cut"])
    for a in (a for note, group in by_note.items() if note != "cut" for a in group):
        assert a.status == 201 or 400 <= a.status < 500, (a.note, a.status)
        if a.status >= 400:
            error = json.loads(a.body)["error"]
            assert error and "\n" not in error
            if a.status == 422:
                assert ", line " in error, (a.note, error)  # located
    assert 0 < report.rss_peak < 1024


@pytest.mark.parametrize("bad", [["--header-timeout", "0"], ["--max-connections", "0"]])
def test_serve_refuses_a_zero_bound(bad, capsys):
    from stintlab.cli import main

    assert main(["serve", *bad]) == 2
    assert "stintlab: error:" in capsys.readouterr().err


def test_an_upload_without_a_length_is_cut_at_the_cap_while_it_streams(tmp_path):
    """Chunked transfer, no Content-Length: the 413 comes once the cap (1 MB + framing) is passed,
    long before the 8 MB the client would send; the server then closes the connection."""

    async def stream(port):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(
            b"POST /api/races HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
            b"Content-Type: multipart/form-data; boundary=b\r\n\r\n"
        )
        part = b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\n'
        writer.write(b"%x\r\n%s\r\n" % (len(part), part))
        chunk = b"NUMBER;LAP_NUMBER;LAP_TIME;ELAPSED\r\n" * 1800  # ~64 KB
        sent, got = 0, b""
        try:
            while sent < 8 * 1024 * 1024:
                writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                await writer.drain()
                sent += len(chunk)
                try:
                    got += await asyncio.wait_for(reader.read(4096), 0.01)
                except TimeoutError:
                    continue
                if got:
                    break
        except OSError:
            pass
        with contextlib.suppress(OSError, TimeoutError):  # the rest of the answer, up to the close
            got += await asyncio.wait_for(reader.read(), 10)
        writer.close()
        return sent, got

    with websoak.serve(tmp_path, "--max-upload-mb", "1") as (proc, port):
        sent, got = asyncio.run(stream(port))
        assert proc.poll() is None
    assert got.startswith(b"HTTP/1.1 413"), got[:200]
    assert b'"file too large: the limit is 1 MB"' in got
    assert sent < 4 * 1024 * 1024  # refused while streaming, not after reading everything


def test_a_flood_of_silent_connections_does_not_lock_real_clients_out(tmp_path):
    """300 connections that never send a byte, against --max-connections 50: they do not count
    against the bound until they send a request head, so real requests are answered 200 meanwhile
    (uvicorn alone: 503 for every real request); every one of them is answered 408 and closed."""

    async def flood(port):
        conns = [await asyncio.open_connection("127.0.0.1", port) for _ in range(300)]
        during = [await websoak.request(port, "GET", "/healthz") for _ in range(3)]
        firsts = [b""] * len(conns)
        for i, (reader, _) in enumerate(conns):  # still open, nothing answered yet?
            with contextlib.suppress(TimeoutError):
                firsts[i] = await asyncio.wait_for(reader.read(1), 0.01) or b"<closed>"
        still_open = sum(f == b"" for f in firsts)

        async def closed(i, reader):
            with contextlib.suppress(OSError, TimeoutError):
                return firsts[i] + await asyncio.wait_for(reader.read(), CLIENT_LIMIT)
            return b"<not closed>"

        firsts = await asyncio.gather(*(closed(i, r) for i, (r, _) in enumerate(conns)))
        for _, w in conns:
            w.close()
        return during, still_open, firsts

    with websoak.serve(tmp_path, "--max-connections", "50", *LONG_LIMITS) as (proc, port):
        during, still_open, firsts = asyncio.run(flood(port))
        after = asyncio.run(websoak.request(port, "GET", "/healthz"))
        assert proc.poll() is None
    assert [s for s, _, _ in during] == [200, 200, 200] and still_open == 300
    assert sum(f.startswith(b"HTTP/1.1 408") for f in firsts) == 300
    assert after[0] == 200
