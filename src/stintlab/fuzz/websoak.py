"""A web soak on loopback: ``stintlab serve`` in a subprocess, then at once many page requests,
slow clients (half-sent heads, silent connections, trickled bodies) and uploads of real files cut
from the corpus and of their mutants, over raw sockets (one connection per request).

It records every answer's status and security headers, how long each slow client was kept,
whether normal requests were answered while the slow clients hung on, and the server's resident
memory (``/proc/<pid>/status``) before, during and after. Used by ``benchmarks/bench_web_soak.py``
(the heavy run, figures printed) and by a light test.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import socket
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from stintlab.fuzz.operators import OPERATORS
from stintlab.fuzz.runner import cut_seed, load_seeds

__all__ = ["Answer", "SoakReport", "flood", "free_port", "rss_mb", "serve", "soak", "upload_bodies"]

SECURITY = (b"x-content-type-options", b"x-frame-options", b"content-security-policy", b"referrer-policy")


@dataclass
class Answer:
    kind: str  # "page", "upload" or "normal" (a page asked while slow clients hang on)
    path: str
    status: int  # 0: no answer (connection refused/reset/closed, or the client's own timeout)
    body: bytes = b""
    secure: bool = False  # every security header present
    seconds: float = 0.0
    note: str = ""  # the upload's origin: "cut" (a real file cut short) or the operator's name


@dataclass
class SoakReport:
    answers: list[Answer] = field(default_factory=list)
    slow: list[tuple[str, float, bytes]] = field(default_factory=list)  # (kind, seconds kept, first bytes answered)
    normal_at: list[float] = field(default_factory=list)  # seconds from the slow clients' start to each normal answer
    rss_mb: list[float] = field(default_factory=list)  # samples during the soak
    rss_before: float = 0.0
    rss_after: float = 0.0
    rss_peak: float = 0.0  # VmHWM of the server process
    seconds: float = 0.0

    def statuses(self, kind: str | None = None) -> Counter:
        return Counter(a.status for a in self.answers if kind is None or a.kind == kind)

    @property
    def server_errors(self) -> list[Answer]:
        return [a for a in self.answers if a.status >= 500 or a.status == 0]

    def summary(self) -> dict:
        ups = [a for a in self.answers if a.kind == "upload"]
        return {
            "requests": len(self.answers),
            "seconds": round(self.seconds, 1),
            "status": {k: dict(sorted(self.statuses(k).items())) for k in ("page", "upload", "normal")},
            "no_5xx_or_lost": not self.server_errors,
            "missing_security_headers": sum(not a.secure for a in self.answers if a.status),
            "uploads_2xx": sum(200 <= a.status < 300 for a in ups),
            "uploads_4xx": sum(400 <= a.status < 500 for a in ups),
            "slow_clients": len(self.slow),
            "slow_kept_max_s": round(max((s for _, s, _ in self.slow), default=0.0), 2),
            "slow_answered_408": sum(first.startswith(b"HTTP/1.1 408") for _, _, first in self.slow),
            "normal_answered_at_s": [round(t, 2) for t in self.normal_at],
            "rss_mb": {"before": self.rss_before, "peak": self.rss_peak, "after": self.rss_after},
        }


# --- the server ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int, key: str = "VmRSS") -> float:
    """Resident memory of ``pid`` in MB (``key``: VmRSS now, VmHWM the peak), 0 when unknown."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return 0.0


@contextlib.contextmanager
def serve(data_dir: Path, *args: str, port: int | None = None, wait: float = 90.0):
    """``stintlab serve`` on loopback in a subprocess (``args``: more options); yields (process, port)
    once it answers, stops it on exit."""
    port = port or free_port()
    env = {**os.environ, "STINTLAB_CACHE": str(Path(data_dir) / "cache")}
    env.pop("STINTLAB_ARCHIVE", None)
    cmd = [sys.executable, "-m", "stintlab", "serve", "--port", str(port), "--data-dir", str(data_dir), *args]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    try:
        deadline = time.monotonic() + wait
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"stintlab serve exited {proc.returncode}: {proc.stderr.read().decode()[-500:]}")
            try:
                socket.create_connection(("127.0.0.1", port), 0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("stintlab serve did not listen in time") from None
                time.sleep(0.2)
        yield proc, port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stderr.close()


# --- raw HTTP ---------------------------------------------------------------------------------------


async def request(port: int, method: str, path: str, body: bytes = b"", headers=(), timeout: float = 180.0):
    """One request on its own connection: (status, head bytes, body bytes); status 0 when no answer."""
    head = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close", *headers]
    if body or method == "POST":
        head.append(f"Content-Length: {len(body)}")
    data = ("\r\n".join(head) + "\r\n\r\n").encode() + body
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), timeout)
    except (OSError, TimeoutError):
        return 0, b"", b""
    try:
        writer.write(data)
        await writer.drain()
        raw = await asyncio.wait_for(reader.read(), timeout)
    except (OSError, TimeoutError):
        return 0, b"", b""
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
    head_bytes, _, rest = raw.partition(b"\r\n\r\n")
    try:
        status = int(head_bytes.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return 0, head_bytes, rest
    return status, head_bytes, rest


def _secure(head: bytes) -> bool:
    names = {line.split(b":", 1)[0].strip().lower() for line in head.split(b"\r\n")[1:]}
    return all(h in names for h in SECURITY)


async def _ask(report: SoakReport, port: int, kind: str, method: str, path: str, body=b"", headers=(), note=""):
    t = time.monotonic()
    status, head, rest = await request(port, method, path, body, headers)
    report.answers.append(Answer(kind, path, status, rest[:2000], _secure(head), time.monotonic() - t, note))


async def slow_client(port: int, kind: str, limit: float) -> tuple[str, float, bytes]:
    """A client that never finishes its request: ``head`` (a request head, one header line every
    half second), ``silent`` (connects, sends nothing), ``body`` (an upload body trickled a byte
    every half second). Returns (kind, seconds until the server closed, what it answered);
    ``limit`` seconds at most (then the client gives up: the server never closed it)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    t = time.monotonic()
    got = b""
    if kind == "body":
        writer.write(
            b"POST /api/races HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n"
            b"Content-Type: multipart/form-data; boundary=soak\r\n\r\n"
            b'--soak\r\nContent-Disposition: form-data; name="file"; filename="slow.csv"\r\nContent-Type: text/csv\r\n\r\n'
        )
    elif kind == "head":
        writer.write(b"GET /api/races HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    try:
        while time.monotonic() - t < limit:
            if kind != "silent":
                writer.write(b"a" if kind == "body" else b"X-Slow: 1\r\n")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(writer.drain(), 0.5)
            try:
                chunk = await asyncio.wait_for(reader.read(4096), 0.5)
            except TimeoutError:
                continue
            if not chunk:
                break
            got += chunk
    except OSError:
        pass  # reset by the server: closed
    finally:
        kept = time.monotonic() - t
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
    return kind, kept, got[:200]


# --- what is asked ------------------------------------------------------------------------------------


def upload_bodies(corpus: Path, n: int, seed: int = 0) -> list[tuple[str, bytes]]:
    """``n`` uploads: half real lap files cut short (a few whole cars from lap 1), half their mutants
    (each by one fuzz operator): (note, file bytes)."""
    rng = random.Random(seed)
    laps = [p for p, kind in load_seeds(corpus) if kind == "laps"]
    names = sorted(OPERATORS)
    out = []
    for i in range(n):
        base = cut_seed(laps[rng.randrange(len(laps))], "laps", rng)
        if i % 2 == 0:
            out.append(("cut", base.join()))
        else:
            op = names[rng.randrange(len(names))]
            out.append((op, OPERATORS[op](base, rng)))
    return out


def multipart(name: str, data: bytes) -> tuple[bytes, str]:
    boundary = "stintlabsoak" + os.urandom(8).hex()
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"Content-Type: multipart/form-data; boundary={boundary}"


async def page_paths(port: int, races: int = 2) -> list[str]:
    """Pages to ask: home, listings, and for the demo race and ``races - 1`` archive races the
    overview, a class, two cars (page, JSON, story), drivers; plus 404s and traversal attempts."""
    status, _, body = await request(port, "GET", "/api/races")
    ids = [r["id"] for r in json.loads(body)] if status == 200 else []
    chosen = [i for i in ids if i == "demo"] + [i for i in ids if i != "demo"][: max(0, races - 1)]
    paths = ["/", "/healthz", "/api/races", "/api/races/nope", "/races/..%2F..%2Fetc%2Fpasswd", "/docs"]
    for rid in chosen:
        st, _, b = await request(port, "GET", f"/api/races/{rid}")
        if st != 200:
            continue
        info = json.loads(b)
        cars = [str(r["car"]) for r in info.get("classification", [])][:2]
        paths += [f"/races/{rid}", f"/api/races/{rid}", f"/api/races/{rid}/drivers"]
        paths += [f"/races/{rid}/classes/{c.replace('/', '%2F')}" for c in info.get("classes", [])[:1]]
        for car in cars:
            paths += [
                f"/races/{rid}/cars/{car}",
                f"/api/races/{rid}/cars/{car}",
                f"/api/races/{rid}/cars/{car}/story?lang=fr",
            ]
        paths += [f"/api/races/{rid}/cars/no-such-car", f"/races/{rid}/classes/NOPE"]
    return paths


async def _soak(
    port: int, pid: int, *, requests: int, slow: int, uploads: list, races: int, slow_limit: float
) -> SoakReport:
    report = SoakReport()
    paths = await page_paths(port, races)
    for p in paths:  # warm: each race loaded once, so the soak measures serving, not first loads
        await request(port, "GET", p)
    report.rss_before = rss_mb(pid)
    done = asyncio.Event()

    async def sample():
        while not done.is_set():
            report.rss_mb.append(rss_mb(pid))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(done.wait(), 0.25)

    sampler = asyncio.create_task(sample())
    start = time.monotonic()
    rng = random.Random(requests)
    slow_tasks = [
        asyncio.create_task(slow_client(port, ("head", "silent", "body")[i % 3], slow_limit)) for i in range(slow)
    ]
    await asyncio.sleep(0.5)  # the slow clients hold their connections from here on
    for _ in range(3 if slow else 0):  # a normal request is answered while they hang on
        await _ask(report, port, "normal", "GET", "/healthz")
        report.normal_at.append(time.monotonic() - start)
    jobs = []
    for i in range(requests):
        path = paths[rng.randrange(len(paths))]
        jobs.append(_ask(report, port, "page", "HEAD" if i % 25 == 0 else "GET", path))
    for note, data in uploads:
        body, ctype = multipart("soak.csv", data)
        jobs.append(_ask(report, port, "upload", "POST", "/api/races", body, (ctype,), note))
    rng.shuffle(jobs)
    await asyncio.gather(*jobs)
    report.slow = list(await asyncio.gather(*slow_tasks))
    report.seconds = time.monotonic() - start
    done.set()
    await sampler
    report.rss_after = rss_mb(pid)
    report.rss_peak = rss_mb(pid, "VmHWM")
    return report


def soak(
    port: int,
    pid: int,
    *,
    requests: int = 500,
    slow: int = 30,
    uploads: list | None = None,
    races: int = 2,
    slow_limit: float = 60.0,
) -> SoakReport:
    """Ask ``requests`` pages, ``uploads`` and hold ``slow`` slow clients all at once against the
    server on ``port`` (process ``pid``); see :class:`SoakReport`."""
    return asyncio.run(
        _soak(port, pid, requests=requests, slow=slow, uploads=uploads or [], races=races, slow_limit=slow_limit)
    )


async def _flood(port: int, pid: int, n: int, limit: float) -> dict:
    start = time.monotonic()
    conns = []
    for _ in range(n):
        try:
            conns.append(await asyncio.open_connection("127.0.0.1", port))
        except OSError:
            break
    opened = time.monotonic() - start
    during = [(await request(port, "GET", "/healthz"))[0] for _ in range(3)]
    rss_during = rss_mb(pid)

    async def closed(reader) -> bytes:
        with contextlib.suppress(OSError, TimeoutError):
            return await asyncio.wait_for(reader.read(), limit)
        return b""

    firsts = await asyncio.gather(*(closed(r) for r, _ in conns))
    all_closed = time.monotonic() - start
    for _, writer in conns:
        writer.close()
    after = (await request(port, "GET", "/healthz"))[0]
    return {
        "silent_connections": len(conns),
        "opened_in_s": round(opened, 1),
        "normal_status_during": during,
        "answered_408": sum(f.startswith(b"HTTP/1.1 408") for f in firsts),
        "all_closed_after_s": round(all_closed, 1),
        "normal_status_after": after,
        "rss_mb_during": rss_during,
    }


def flood(port: int, pid: int, n: int = 3000, limit: float = 60.0) -> dict:
    """Open ``n`` connections that never send a byte, ask normal requests meanwhile, and wait
    (``limit`` s at most) for the server to close them all: figures as a dict."""
    return asyncio.run(_flood(port, pid, n, limit))
