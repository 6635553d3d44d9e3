"""How ``stintlab serve`` runs the app under uvicorn, with bounds against slow and greedy clients.

uvicorn alone never times out a request that is only half sent: a client that opens a connection
and sends its headers one byte a minute (slowloris), or announces a body and never sends it, holds
a connection forever (the issue-17 probe still had 3,000 of them open after 60 s). Here:

- **headers**: a connection must deliver a complete request head within ``header_timeout`` seconds
  of connecting, and of the first byte of each later request on a kept-alive connection; else
  it gets a 408 and is closed (:class:`HeaderDeadlineProtocol`, an h11 protocol with one timer);
- **body**: each chunk of a request body must arrive within ``body_idle_timeout`` seconds and the
  whole body within ``body_timeout`` seconds; else a one-line 408 (:class:`BodyDeadline`, ASGI);
- **connections**: at most ``max_connections`` with a request under way or kept alive (uvicorn's
  ``limit_concurrency``: beyond it a request is answered 503 at once, without running the app);
  connections that have not sent a first request head yet are not counted there but are at most
  ``max_waiting``; idle kept-alive connections are closed after ``keep_alive`` seconds; a request
  head is at most ``max_head_bytes`` (h11);
- **upload size**: checked while the body arrives (``_BodyLimit`` in :mod:`stintlab.web.app`).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

__all__ = ["BodyDeadline", "ServerLimits", "deadline_protocol", "uvicorn_options"]


@dataclass(frozen=True)
class ServerLimits:
    header_timeout: float = 10.0  # seconds to send a whole request head
    body_timeout: float = 120.0  # seconds to send a whole request body (50 MB at 0.5 MB/s)
    body_idle_timeout: float = 15.0  # seconds between two chunks of a body
    keep_alive: int = 5  # seconds an idle kept-alive connection stays open
    max_connections: int = 1000  # connections with a request under way or kept alive (and running requests)
    max_waiting: int = 10000  # connections that have not sent a whole first request head yet
    max_head_bytes: int = 16 * 1024  # request line + headers


def deadline_protocol(header_timeout: float, max_waiting: int = 10000):
    """An h11 protocol class (uvicorn's, plus a header deadline) for ``uvicorn.run(http=...)``.

    A connection that has not yet sent a whole first request head is *waiting*: it is not counted
    in uvicorn's ``limit_concurrency`` (else a flood of silent connections would get every real
    request answered 503 until the deadline cleared them), but at most ``max_waiting`` of them are
    kept (beyond: closed at once); each waits ``header_timeout`` seconds at most."""
    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol

    waiting: set = set()  # of this server (one class per server)

    class HeaderDeadlineProtocol(H11Protocol):
        """uvicorn's h11 protocol that closes a connection whose request head is not complete
        ``header_timeout`` seconds after it opened (or after the first byte of a later request)."""

        _head_timer: asyncio.TimerHandle | None = None

        def connection_made(self, transport) -> None:
            super().connection_made(transport)
            self.connections.discard(self)  # counted from its first request head on
            if len(waiting) >= max_waiting:
                transport.close()
                return
            waiting.add(self)
            self._arm()

        def data_received(self, data: bytes) -> None:
            if self.cycle is None or self.cycle.response_complete:
                # between requests: the bytes of the next request head (or of a body nobody reads,
                # e.g. a slowly trickled body after a GET was answered), all under the deadline
                self._arm()
            before = self.cycle
            if self in waiting and not self.transport.is_closing():
                # counted before uvicorn compares the open connections with limit_concurrency
                waiting.discard(self)
                self.connections.add(self)
                super().data_received(data)
                if self.cycle is None:  # no whole head yet: still waiting, not counted
                    self.connections.discard(self)
                    waiting.add(self)
            else:
                super().data_received(data)
            if self.cycle is not before:  # a complete request head arrived
                self._disarm()

        def connection_lost(self, exc) -> None:
            self._disarm()
            waiting.discard(self)
            super().connection_lost(exc)

        def _arm(self) -> None:
            if self._head_timer is None:
                self._head_timer = self.loop.call_later(header_timeout, self._expired)

        def _disarm(self) -> None:
            if self._head_timer is not None:
                self._head_timer.cancel()
                self._head_timer = None

        def _expired(self) -> None:
            self._head_timer = None
            if self.transport.is_closing():
                return
            if self.cycle is None or self.cycle.response_complete:
                if self.conn.our_state in (h11.IDLE, h11.DONE, h11.MUST_CLOSE):
                    body = f"request head not complete within {header_timeout:g} s".encode()
                    self.transport.write(
                        b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\n"
                        b"connection: close\r\ncontent-length: " + str(len(body)).encode() + b"\r\n\r\n" + body
                    )
                self.transport.close()

    return HeaderDeadlineProtocol


class _BodyTimeout(Exception):
    pass


class BodyDeadline:
    """ASGI middleware: a request body must arrive in ``total`` seconds, each chunk within ``idle``
    seconds of the previous one; a late body is answered 408 (through the app's error handler,
    with ``connection: close``) and the connection closed."""

    def __init__(self, app, total: float, idle: float):
        self.app = app
        self.total = total
        self.idle = idle

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        from fastapi import HTTPException

        start = time.monotonic()
        done = False

        async def timed():
            nonlocal done
            if done:  # the body is complete: later receives wait for a disconnect, unbounded
                return await receive()
            left = min(self.idle, self.total - (time.monotonic() - start))
            try:
                if left <= 0:
                    raise TimeoutError
                message = await asyncio.wait_for(receive(), left)
            except TimeoutError:
                raise HTTPException(
                    408,
                    f"request body too slow: it must arrive within {self.total:g} s, "
                    f"with no pause over {self.idle:g} s",
                    headers={"connection": "close"},
                ) from None
            if message["type"] != "http.request" or not message.get("more_body", False):
                done = True
            return message

        return await self.app(scope, timed, send)


def uvicorn_options(limits: ServerLimits) -> dict:
    """The keyword arguments of ``uvicorn.run`` that enforce ``limits`` (the body deadline is the
    app's middleware: see :func:`stintlab.web.create_app`)."""
    return {
        "http": deadline_protocol(limits.header_timeout, limits.max_waiting),
        "limit_concurrency": limits.max_connections,
        "timeout_keep_alive": limits.keep_alive,
        "h11_max_incomplete_event_size": limits.max_head_bytes,
        "timeout_graceful_shutdown": 5,
    }
