"""The live view: a stored or uploaded race replayed through the live engine (:mod:`stintlab.live`),
streamed to the page as server-sent events (docs/web.md, "Live view").

``GET /live/{rid}`` is the page, ``GET /live/{rid}/car/{car}`` a car's page (the same stream, with
``car=``); ``GET /live/{rid}/events?speed=&every=&from=&car=&project=&lang=`` the stream: one ``meta`` event
(race end, classes, the projections' methods), then one ``state`` event per step (the JSON of
:meth:`stintlab.live.state.LiveState.to_dict` with what the page needs beside it:
:class:`stintlab.web.live_view.LiveView`), then ``end``. Each stream owns one engine
(:func:`stintlab.live.replay.replay_states`), fed in a worker thread, paced with ``asyncio.sleep``.

Projections (:meth:`LiveView.projections`, a Monte Carlo of 200 runs: 0.3–1.5 s for a 62-car field,
benchmarks/bench_live_view.py) are made at race times on a grid of ``project`` race seconds (default
1800, 0: off; 600 to 86400), kept per race (``race.once``: streams and seeks of one race share them),
in a worker thread beside the stream: at most one at a time in the whole app (``MAX_PROJECTING``; a
stream that finds the slot taken tries again at its next step) and per stream at most every
``PROJECT_MIN_WALL`` wall seconds. The step after one ends carries it (``projections``; the other
steps: null, the page keeps the last).
Pause, seek and speed are done by the page: it closes its stream and opens a new one from the race
time it shows (or the one chosen), so no state is kept between streams and a disconnect frees all.

Compression: a client that accepts gzip gets the stream gzip-encoded with one compressor for the whole
stream, flushed at every event (:func:`gzipped`): a step repeats most of the previous one, so it costs
about a tenth of its JSON (docs/live.md gives the figures).

Bounds: at most ``max_streams`` streams at once (beyond: 429 with a message); a step at most every
``MIN_STEP_S`` wall seconds (a faster speed takes longer race steps); parameters out of range: 400.
"""

from __future__ import annotations

import asyncio
import json
import math
import threading
import zlib

from stintlab import display
from stintlab.errors import StintlabError
from stintlab.io.values import parse_time_text
from stintlab.serial import to_jsonable
from stintlab.web.store import RequestError

__all__ = ["LiveStreams", "live_params", "project_param", "gzipped", "accepts_gzip", "PROJECT_EVERY", "PROJECT_MIN_WALL", "MAX_STREAMS", "MAX_SPEED", "MIN_STEP_S"]

MAX_STREAMS = 16  # live streams open at once, all races together
MAX_SPEED = 100_000.0  # race seconds per wall-clock second
MIN_STEP_S = 0.05  # wall seconds between two steps at least (20 steps a second per stream)
MAX_EVERY = 3600.0
PROJECT_EVERY = 1800.0  # race seconds between two projections by default
PROJECT_MIN_WALL = 2.0  # wall seconds between the starts of two projections of a stream at least
MAX_PROJECTING = 1  # projections computed at once, all streams together (each one keeps a core busy)


class LiveStreams:
    """A counter of the open live streams, capped (thread-safe: streams start in the event loop and
    end there, but the store's loading may run in a worker thread)."""

    def __init__(self, cap: int = MAX_STREAMS):
        self.cap = cap
        self.open = 0
        self._lock = threading.Lock()
        self.projecting = threading.BoundedSemaphore(MAX_PROJECTING)  # projection slots, all streams

    def acquire(self) -> None:
        with self._lock:
            if self.open >= self.cap:
                raise RequestError(f"too many live streams open ({self.cap}): close one and retry", 429)
            self.open += 1

    def release(self) -> None:
        with self._lock:
            self.open = max(0, self.open - 1)


def _number(name: str, text: str | None, default: float, low: float, high: float) -> float:
    if text is None or text == "":
        return default
    try:
        value = float(text)
    except ValueError:
        raise RequestError(f"{name} wants a number (got {text[:40]!r})") from None
    if not math.isfinite(value) or value < low or value > high:
        raise RequestError(f"{name} must be between {low:g} and {high:g} (got {text[:40]!r})")
    return value


def _race_time(text: str | None) -> float:
    """``from``: seconds, or a race time H:MM:SS(.s)."""
    if text is None or text.strip() == "":
        return 0.0
    text = text.strip()[:40]
    try:
        value = float(text) if ":" not in text else parse_time_text(text)
    except (ValueError, StintlabError):
        raise RequestError(f"from wants race seconds or H:MM:SS (got {text!r})") from None
    if value is None or not math.isfinite(value) or value < 0 or value > 10 * 24 * 3600:
        raise RequestError(f"from must be a race time between 0 and 240 h (got {text!r})")
    return float(value)


def live_params(speed: str | None, every: str | None, start: str | None) -> tuple[float, float, float]:
    """(speed, every, start) checked: speed in race s per wall s (0 < speed ≤ MAX_SPEED, default 60),
    every: race seconds between steps (1 to 3600; default: speed × 0.25 s, at least 1), start: race s."""
    spd = _number("speed", speed, 60.0, 0.001, MAX_SPEED)
    if spd <= 0:
        raise RequestError("speed must be positive")
    evr = _number("every", every, max(1.0, spd * 0.25), 1.0, MAX_EVERY)
    return spd, evr, _race_time(start)


def project_param(text: str | None) -> float:
    """``project``: race seconds between two projections (0: none; else 600 to 86400; default 1800)."""
    value = _number("project", text, PROJECT_EVERY, 0.0, 86400.0)
    if 0 < value < 600:
        raise RequestError(f"project must be 0 (off) or between 600 and 86400 race seconds (got {text[:40]!r})")
    return value


def _projection(race, view, at: float, slot: threading.BoundedSemaphore) -> dict:
    """The projections at grid time ``at``, kept per race; releases the app's projection slot."""
    try:
        return race.once(("web", "live_projection", at), lambda: view.projections(at))
    finally:
        slot.release()


def _sse(event: str, data) -> bytes:
    body = json.dumps(to_jsonable(data), ensure_ascii=False, separators=(",", ":"))
    return f"event: {event}\ndata: {body}\n\n".encode()


async def stream(race, request, streams: LiveStreams, speed: float, every: float, start: float,
                 car: str | None = None, project: float = PROJECT_EVERY, lang: str = "en"):  # fmt: skip
    """The SSE body (an async generator): ``meta``, then ``state`` per step, then ``end``. The stream
    slot (acquired by the caller) is released when the generator ends, fails or is cancelled."""
    from starlette.concurrency import run_in_threadpool

    from stintlab.live.replay import replay_states
    from stintlab.web.live_view import LiveView, methods

    pending = None  # the projection under way (an asyncio task), at most one
    try:
        view = await run_in_threadpool(LiveView, race, car, lang)
        end = view.end
        classes = [str(c) for c in race.cars["class"].dropna().unique()] if "class" in race.cars else []
        start = min(start, end)
        # a faster speed than MIN_STEP_S allows takes longer steps: never more than 1 / MIN_STEP_S a second
        every = max(every, speed * MIN_STEP_S)
        yield _sse("meta", {"end": end, "end_text": display.race_time(end), "start": start, "speed": speed,
                            "every": every, "classes": classes, "title": race.title_in(lang), "car": car,
                            "project": project, "methods": methods() if project else {}})  # fmt: skip
        steps = replay_states(race, every=every, start=start, speed=0.0)
        pause = every / speed
        loop = asyncio.get_running_loop()
        projected_at, projected_wall = -math.inf, -math.inf
        while True:
            t0 = loop.time()
            state = await run_in_threadpool(next, steps, None)
            if state is None:
                break
            data = await run_in_threadpool(view.payload, state)
            if pending is not None and pending.done():
                data["projections"] = pending.result()
                pending = None
            at = math.floor(state.race_time / project) * project if project else 0.0
            if (at > 0 and at > projected_at and pending is None and t0 - projected_wall >= PROJECT_MIN_WALL
                    and not state.finished and streams.projecting.acquire(blocking=False)):  # fmt: skip
                projected_at, projected_wall = at, t0
                pending = asyncio.ensure_future(run_in_threadpool(_projection, race, view, at, streams.projecting))
            yield _sse("state", data)
            if await request.is_disconnected():
                break
            await asyncio.sleep(max(0.0, pause - (loop.time() - t0)))
        yield _sse("end", {"end": end})
    finally:
        # a projection under way is left to end (its thread releases the app's slot; the race keeps it)
        streams.release()


def accepts_gzip(header: str | None) -> bool:
    """The request's Accept-Encoding allows gzip (``gzip;q=0`` refuses it).

    >>> accepts_gzip("gzip, deflate, br"), accepts_gzip("br;q=1, gzip;q=0"), accepts_gzip(None)
    (True, False, False)
    """
    for part in (header or "").lower().split(","):
        name, _, params = part.strip().partition(";")
        if name.strip() in ("gzip", "*"):
            q = params.strip()
            return not (q.startswith("q=") and q[2:].strip() in ("0", "0.0", "0.00", "0.000"))
    return False


async def gzipped(body):
    """``body`` (an async generator of SSE chunks) gzip-encoded: one compressor for the whole stream,
    each chunk flushed (Z_SYNC_FLUSH) so that every event reaches the client at once; closing the
    result closes ``body`` (its ``finally`` frees the stream slot)."""
    z = zlib.compressobj(6, zlib.DEFLATED, 31)
    try:
        async for chunk in body:
            yield z.compress(chunk) + z.flush(zlib.Z_SYNC_FLUSH)
        yield z.flush()
    finally:
        await body.aclose()
