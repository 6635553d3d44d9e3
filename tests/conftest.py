"""Shared fixtures. The real corpus is read in place from ../shared/data/races (relative to the
repository root); when it is missing, corpus tests skip locally and FAIL under CI=true."""

from __future__ import annotations

import contextlib
import csv
import functools
import os
import socket
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("STINTLAB_CORPUS", ROOT.parent / "shared" / "data" / "races"))


def _need_corpus():
    if not (CORPUS / "MANIFEST.csv").is_file():
        msg = f"real race corpus not found at {CORPUS}"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(msg + " (CI=true: corpus tests must not skip)")
        pytest.skip(msg)


@functools.cache
def manifest() -> list[dict]:
    with open(CORPUS / "MANIFEST.csv", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def lap_races() -> list[str]:
    """Names of corpus races with a lap file (for parametrize; empty when the corpus is absent)."""
    if not (CORPUS / "MANIFEST.csv").is_file():
        return ["<corpus missing>"]
    return [r["race"] for r in manifest() if r["laps_file"]]


def race_row(name: str) -> dict:
    _need_corpus()
    for r in manifest():
        if r["race"] == name:
            return r
    raise KeyError(name)


def lap_file(name: str) -> Path:
    r = race_row(name)
    return CORPUS / r["race"] / r["laps_file"]


def results_file(name: str) -> Path | None:
    r = race_row(name)
    return CORPUS / r["race"] / r["results_file"] if r["results_file"] else None


@functools.cache
def _cached_race(name: str):
    import stintlab

    return stintlab.load(lap_file(name))


@pytest.fixture
def corpus() -> Path:
    _need_corpus()
    return CORPUS


@pytest.fixture
def load_corpus_race():
    """``load_corpus_race("lemans-2019")`` → a Race, cached for the whole test session (treat as read-only)."""

    def _load(name: str):
        _need_corpus()
        return _cached_race(name)

    return _load


# Kévin Estre's 2024 season in the corpus (IMSA Daytona is classification-only), for archive tests
ESTRE_2024_RACES = [
    "imsa-2024-daytona-international-speedway",
    "imsa-2024-road-atlanta",
    "lemans-2024",
    "wec-2024-bahrain8h",
    "wec-2024-fuji6h",
]


def build_archive(tmp_path_factory, races=tuple(ESTRE_2024_RACES), name: str = "arc"):
    """A fresh DuckDB archive of ``races`` in a temporary folder: (db path, ingest results)."""
    from stintlab.archive.store import ingest

    _need_corpus()
    db = tmp_path_factory.mktemp(name) / "archive.duckdb"
    return db, ingest([CORPUS / r for r in races], db)


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve_in_thread(app, timeout: float = 15.0):
    """``app`` served by uvicorn on 127.0.0.1 in a daemon thread: yields its port; stopped on exit."""
    import uvicorn

    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error", lifespan="off"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert srv.started, "the web app did not start"
    try:
        yield port
    finally:
        srv.should_exit = True
        thread.join(timeout=10)
