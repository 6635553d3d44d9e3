"""The stintlab web app (FastAPI): upload a lap file or open one from the archive, then browse
the race overview, a class, a car (story, charts, stops) and a driver. Every page has a JSON
twin under ``/api`` (OpenAPI docs at ``/docs``). See ``docs/web.md``.

Safety: uploads are capped (``max_upload_bytes``, checked on the request body as it arrives),
must be ``.csv`` and must have a known lap-file header; they are stored under a random id
chosen by the server. Requests name races by id only. Errors are one-line messages (JSON under
``/api``, a small HTML page elsewhere), never a stack trace.
"""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response, StreamingResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from stintlab.errors import StintlabError, StintlabFormatError, StintlabUsageError
from stintlab.report import sections
from stintlab.serial import to_jsonable
from stintlab.web import pages, views
from stintlab.web.live import MAX_STREAMS, LiveStreams, accepts_gzip, gzipped, live_params, project_param
from stintlab.web.live import stream as live_stream
from stintlab.web.live_page import live_page
from stintlab.web.server import BodyDeadline, ServerLimits
from stintlab.web.store import (
    MAX_RESULTS_BYTES,
    MAX_UPLOAD_BYTES,
    PAGE_CACHE_BYTES,
    PageCache,
    RaceStore,
    RequestError,
    UploadRejected,
    size_text,
    sort_uploads,
)

__all__ = ["create_app"]

log = logging.getLogger("stintlab.web")


class _BodyLimit:
    """ASGI middleware: refuse an upload body larger than ``limit`` bytes while it arrives."""

    def __init__(self, app, limit: int, cap: int):
        self.app = app
        self.limit = limit  # body bytes allowed: the file cap plus room for the multipart framing
        self.cap = cap

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope.get("method") != "POST":
            return await self.app(scope, receive, send)
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    too_big = int(value) > self.limit
                except ValueError:
                    too_big = True
                if too_big:
                    message = f"file too large: the limit is {size_text(self.cap)}"
                    return await _plain_error(send, 413, message, html=not scope["path"].startswith("/api"))
        seen = 0

        async def limited():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise HTTPException(413, f"file too large: the limit is {size_text(self.cap)}")
            return message

        return await self.app(scope, limited, send)


class _HeadAsGet:
    """ASGI middleware: answer HEAD on every GET page (FastAPI routes list GET only, so ``curl -I``
    and uptime monitors got 405): the request is routed as GET and the response body dropped."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope.get("method") != "HEAD":
            return await self.app(scope, receive, send)

        async def headers_only(message):
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        return await self.app({**scope, "method": "GET"}, receive, headers_only)


SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    # pages are self-contained: their scripts and styles are inline (plotly.js embedded), nothing is
    # fetched from elsewhere; no page may be framed
    (
        b"content-security-policy",
        b"default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
        b"img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    ),
]


class _SecurityHeaders:
    """ASGI middleware: the security headers on every response (pages, JSON, errors)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def with_headers(message):
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in SECURITY_HEADERS if k not in names]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        return await self.app(scope, receive, with_headers)


async def _plain_error(send, status: int, message: str, html: bool = False) -> None:
    """A one-line error sent before the app runs: JSON, or the small HTML page (the upload form)."""
    import json

    if html:
        body, ctype = views.error_page(status, message).encode(), b"text/html; charset=utf-8"
    else:
        body, ctype = json.dumps({"error": message, "status": status}).encode(), b"application/json"
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", ctype),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _live_car(race, car: str) -> str:
    """``car`` as the race spells it (car numbers are text: "007" is not "7"); 404 when not in the race."""
    cars = {str(c) for c in race.cars["car"]}
    if car not in cars:
        raise RequestError(f"no car {car[:20]!r} in this race", 404)
    return car


def create_app(
    data_dir: Path | None = None,
    archive: Path | None = None,
    *,
    max_upload_bytes: int = MAX_UPLOAD_BYTES,
    with_demo: bool = True,
    cache_size: int = 8,
    archive_db: Path | None = None,
    limits: ServerLimits | None = None,
    max_live_streams: int = MAX_STREAMS,
) -> FastAPI:
    """Build the app. ``data_dir``: where uploads go (a fresh temporary folder by default);
    ``archive``: a folder of race folders (each with one lap CSV) offered for opening;
    ``archive_db``: a DuckDB archive (``stintlab archive add``) whose races are offered;
    ``limits``: the body deadlines (the other bounds are uvicorn's: :mod:`stintlab.web.server`);
    ``max_live_streams``: live replay streams open at once (:mod:`stintlab.web.live`)."""
    store = RaceStore(data_dir, archive, cache_size=cache_size, with_demo=with_demo, archive_db=archive_db)

    @asynccontextmanager
    async def lifespan(_app):
        yield
        store.close()

    app = FastAPI(
        lifespan=lifespan,
        title="stintlab",
        version="0.1.0",
        description="Endurance-race intelligence from Al Kamel lap-by-lap timing files. "
        "Upload a lap CSV (POST /api/races) or use a race of the archive, then query it by id.",
        debug=False,
    )
    app.state.store = store
    app.state.max_upload_bytes = max_upload_bytes
    app.state.live_streams = live_streams = LiveStreams(max_live_streams)
    app.add_middleware(_BodyLimit, limit=max_upload_bytes + MAX_RESULTS_BYTES + 64 * 1024, cap=max_upload_bytes)
    limits = limits or ServerLimits()
    app.add_middleware(BodyDeadline, total=limits.body_timeout, idle=limits.body_idle_timeout)
    app.add_middleware(_HeadAsGet)
    app.add_middleware(_SecurityHeaders)  # outermost: also on the body-limit and HEAD answers

    # ---------------------------------------------------------------- errors
    def _wants_json(request: Request) -> bool:
        return request.url.path.startswith("/api") or request.url.path in ("/openapi.json",)

    def _error(request: Request, status: int, message: str, headers: dict | None = None):
        if len(message) > 600:  # a 5000-character id is not echoed back whole
            message = message[:600] + "…"
        if _wants_json(request):
            return JSONResponse({"error": message, "status": status}, status_code=status, headers=headers)
        return HTMLResponse(views.error_page(status, message), status_code=status, headers=headers)

    @app.exception_handler(RequestError)
    async def _request_error(request: Request, exc: RequestError):
        return _error(request, exc.status, str(exc))

    @app.exception_handler(StintlabFormatError)
    async def _format_error(request: Request, exc: StintlabFormatError):
        return _error(request, 422, str(exc))

    @app.exception_handler(StintlabUsageError)
    async def _usage_error(request: Request, exc: StintlabUsageError):
        return _error(request, 404, str(exc))

    @app.exception_handler(StintlabError)
    async def _stintlab_error(request: Request, exc: StintlabError):
        return _error(request, 400, str(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException):
        headers = getattr(exc, "headers", None)
        if exc.status_code == 405:  # Allow: the methods of every route on this path (GET and POST /api/races)
            from starlette.routing import Match

            allowed = set()
            for route in app.routes:
                if getattr(route, "methods", None) and route.matches(request.scope)[0] != Match.NONE:
                    allowed |= route.methods
            if allowed:
                headers = {"Allow": ", ".join(sorted(allowed | ({"HEAD"} if "GET" in allowed else set())))}
        return _error(request, exc.status_code, str(exc.detail), headers)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError):
        parts = []
        for e in exc.errors():
            where = ".".join(str(x) for x in e.get("loc", ()) if x not in ("query", "path", "body"))
            parts.append(f"{where}: {e.get('msg', 'invalid')}" if where else str(e.get("msg", "invalid")))
        return _error(request, 422, "invalid request: " + "; ".join(parts))

    @app.exception_handler(Exception)
    async def _internal_error(request: Request, exc: Exception):
        log.exception("internal error on %s", request.url.path)
        return _error(request, 500, "internal error: the request could not be answered")

    # ---------------------------------------------------------------- upload
    async def _read_upload(request: Request):
        ctype = request.headers.get("content-type", "")
        if not ctype.startswith("multipart/form-data"):
            raise UploadRejected("send the lap file as multipart/form-data in a field named 'file'", 415)
        files = []
        async with request.form(max_files=2, max_fields=4) as form:
            for key, upload in form.multi_items():
                if key not in ("file", "results") or isinstance(upload, str):
                    continue
                files.append((upload.filename, await upload.read(max(max_upload_bytes, MAX_RESULTS_BYTES) + 1)))
        # which of the two is the lap file and which the results is told by their headers, not by the field
        laps, results = sort_uploads(files, max_upload_bytes)
        from starlette.concurrency import run_in_threadpool

        return await run_in_threadpool(store.put_upload, laps[0], laps[1], max_upload_bytes, results)

    upload_doc = {
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["file"],
                        "properties": {
                            "file": {
                                "type": "string",
                                "format": "binary",
                                "description": "Al Kamel lap CSV (Analysis or Time Cards)",
                            },
                            "results": {
                                "type": "string",
                                "format": "binary",
                                "description": "Optional: the race's results (classification) CSV. The two files are "
                                "told apart by their headers; the same files sent again give the same race id.",
                            },
                        },
                    }
                }
            },
        }
    }

    @app.post(
        "/api/races",
        tags=["races"],
        openapi_extra=upload_doc,
        status_code=201,
        summary="Upload a lap file (and its results file); returns the race id (201 new, 200 already stored)",
        responses={200: {"description": "the same files were already stored: the existing race's summary"}},
    )
    async def api_upload(request: Request):
        entry, created = await _read_upload(request)
        race = store.race(entry.id)
        # 201 for a new race; 200 when the same files were already stored (the existing race id)
        return JSONResponse(to_jsonable(views.race_summary(entry, race)), status_code=201 if created else 200)

    @app.post("/upload", include_in_schema=False)
    async def form_upload(request: Request):
        entry, _created = await _read_upload(request)
        return RedirectResponse(f"/races/{entry.id}", status_code=303)

    # ---------------------------------------------------------------- JSON API
    @app.get("/api/races", tags=["races"], summary="Races that can be opened (demo, archive, uploads)")
    def api_races():
        return store.listing()

    def _json(rid: str, key: tuple, build) -> Response:
        """The JSON of a race view, serialised once per race and view (races are read-only)."""
        import json

        from stintlab.serial import to_jsonable

        race = store.race(rid)
        # to_jsonable: NA/NaN become null and numpy scalars numbers (a lap file without TEAM/CLASS has NA there)
        body = race.once(("json", *key), lambda: json.dumps(to_jsonable(build()), ensure_ascii=False).encode("utf-8"))
        return Response(body, media_type="application/json")

    @app.get("/api/races/{rid}", tags=["races"], summary="Race overview: facts and classification")
    def api_race(rid: str):
        return _json(rid, ("overview",), lambda: views.overview_data(store, rid))

    # {cls:path}: a class name may hold a slash ("LMP2 Pro/Am"), sent as %2F and decoded before routing
    @app.get("/api/races/{rid}/classes/{cls:path}", tags=["races"], summary="One class: classification and hourly positions")
    def api_class(rid: str, cls: str):
        cls = sections.class_or_error(store.race(rid), cls)  # canonical spelling: one cache entry per class
        return _json(rid, ("class", cls), lambda: views.class_data(store, rid, cls))

    @app.get("/api/races/{rid}/cars/{car}", tags=["cars"], summary="One car: facts, stints, stops, events")
    def api_car(rid: str, car: str):
        car = sections.car_or_error(store.race(rid), car)
        return _json(rid, ("car", car), lambda: views.car_data(store, rid, car))

    @app.get("/api/races/{rid}/cars/{car}/story", tags=["cars"], summary="The car's story (EN or FR)")
    def api_story(rid: str, car: str, lang: str = Query("en", json_schema_extra={"enum": ["en", "fr"]})):
        car, lang = sections.car_or_error(store.race(rid), car), views.check_lang(lang)
        return _json(rid, ("story", car, lang), lambda: views.story_data(store, rid, car, lang))

    @app.get("/api/races/{rid}/drivers", tags=["drivers"], summary="Every driver of the race")
    def api_drivers(rid: str):
        return _json(rid, ("drivers",), lambda: views.drivers_data(store, rid))

    @app.get("/api/races/{rid}/drivers/{driver}", tags=["drivers"], summary="One driver: entries and rankings")
    def api_driver(rid: str, driver: str, car: str | None = None):
        race = store.race(rid)
        rows = views.driver_rows(race, driver, car)  # 404 for an unknown name, before anything is cached
        key = ("driver", tuple(sorted(rows["driver"].astype(str) + "/" + rows["car"].astype(str))))
        return _json(rid, key, lambda: views.driver_data(store, rid, driver, car))

    # ---------------------------------------------------------------- pages
    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home():
        return views.home_page(store, max_upload_bytes)

    @app.get("/static/plotly.min.js", include_in_schema=False)
    def plotly_bundle():
        from stintlab.report.page import plotly_js

        return Response(
            plotly_js(), media_type="application/javascript", headers={"cache-control": "public, max-age=86400"}
        )

    # the race pages in English or French (?lang=fr), rendered once per (race, page, language): a race id names
    # one content (uploads are content-hashed), so a page never goes stale; bounded by PAGE_CACHE_BYTES
    page_cache = PageCache(PAGE_CACHE_BYTES)

    def _page(rid: str, key: tuple, build):
        return HTMLResponse(page_cache.get((rid, *key), build))

    @app.get("/races/{rid}", response_class=HTMLResponse, include_in_schema=False)
    def race_page(rid: str, lang: str = "en"):
        lang = views.check_lang(lang)
        return _page(rid, ("overview", lang), lambda: pages.overview_page(store, rid, lang))

    @app.get("/races/{rid}/classes/{cls:path}", response_class=HTMLResponse, include_in_schema=False)
    def class_page(rid: str, cls: str, lang: str = "en"):
        lang, cls = views.check_lang(lang), sections.class_or_error(store.race(rid), cls)
        return _page(rid, ("class", cls, lang), lambda: pages.class_page(store, rid, cls, lang))

    @app.get("/races/{rid}/cars/{car}", response_class=HTMLResponse, include_in_schema=False)
    def car_page(rid: str, car: str, lang: str = "en"):
        lang, car = views.check_lang(lang), sections.car_or_error(store.race(rid), car)
        return _page(rid, ("car", car, lang), lambda: pages.car_page(store, rid, car, lang))

    @app.get("/races/{rid}/drivers/{driver}", response_class=HTMLResponse, include_in_schema=False)
    def driver_page(rid: str, driver: str, car: str | None = None, lang: str = "en"):
        return pages.driver_page(store, rid, driver, car, lang)

    # ---------------------------------------------------------------- live replay (SSE)
    @app.get("/live/{rid}", response_class=HTMLResponse, include_in_schema=False)
    def live_view(rid: str, lang: str = "en"):
        lang = views.check_lang(lang)
        race = store.race(rid)
        return live_page(rid, race.title_in(lang), lang=lang, zone=race.local_neutralisation)

    @app.get("/live/{rid}/car/{car}", response_class=HTMLResponse, include_in_schema=False)
    def live_car_view(rid: str, car: str, lang: str = "en"):
        lang = views.check_lang(lang)
        race = store.race(rid)
        return live_page(rid, race.title_in(lang), car=_live_car(race, car), lang=lang, zone=race.local_neutralisation)

    @app.get("/live/{rid}/events", include_in_schema=False)
    async def live_events(request: Request, rid: str, speed: str | None = None, every: str | None = None,
                          car: str | None = None, project: str | None = None, lang: str = "en"):  # fmt: skip
        spd, evr, start = live_params(speed, every, request.query_params.get("from"))
        lang = views.check_lang(lang)
        every_projection = project_param(project)
        from starlette.concurrency import run_in_threadpool

        race = await run_in_threadpool(store.race, rid)  # 404 for an unknown id, before a slot is taken
        the_car = _live_car(race, car) if car else None
        live_streams.acquire()  # 429 when full
        headers = {"cache-control": "no-store", "x-accel-buffering": "no"}
        body = live_stream(race, request, live_streams, spd, evr, start, car=the_car, project=every_projection,
                           lang=lang)  # fmt: skip
        if accepts_gzip(request.headers.get("accept-encoding")):
            body = gzipped(body)
            headers["content-encoding"] = "gzip"
            headers["vary"] = "accept-encoding"
        return StreamingResponse(body, media_type="text/event-stream", headers=headers)

    @app.get("/healthz", include_in_schema=False)
    def healthz():
        return {"ok": True, "races": len(store.entries)}

    _document_errors(app)
    return app


def _document_errors(app: FastAPI) -> None:
    """List the one-line JSON errors each API operation can answer in the OpenAPI spec (FastAPI
    would otherwise document only 200 and a 422 body shaped ``{"detail": [...]}`` that this app never sends)."""
    from fastapi.routing import APIRoute

    schema = {
        "type": "object",
        "required": ["error", "status"],
        "properties": {"error": {"type": "string"}, "status": {"type": "integer"}},
    }
    why = {
        400: "bad parameter or malformed upload",
        404: "unknown race, car, class or driver",
        413: "upload too large",
        415: "not a .csv lap file",
        422: "invalid request, or a lap file that cannot be read (located message)",
    }
    for route in app.routes:
        if not isinstance(route, APIRoute) or not route.path.startswith("/api/races"):
            continue
        if "POST" in route.methods:
            codes = (400, 413, 415, 422)
        elif "{" in route.path:
            codes = (400, 404, 422)
        else:
            continue
        for code in codes:
            route.responses.setdefault(
                code, {"description": why[code], "content": {"application/json": {"schema": schema}}}
            )
