"""``stintlab replay`` (a finished race as if live) and ``stintlab follow`` (a lap file or a folder of
hourly files while the race runs): the live state of :mod:`stintlab.live`, step by step.

With ``--json`` each step is one line of JSON (JSON lines): the keys of
:meth:`stintlab.live.state.LiveState.to_dict` (docs/live.md): ``race_time``, ``standings`` (rows with
car, class, position, class_position, laps, gap_s, interval_s, ...), ``control``, ``events``,
``projections`` (null unless ``--project-every``: then ``{"meta", "cars"}`` from
:func:`stintlab.sim.projections.project` with ``runs=0``), ``laps_fed``, ``finished``.
"""

from __future__ import annotations

import json
import math
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from stintlab.commands._common import load_race, race_time_arg
from stintlab.errors import StintlabError, StintlabUsageError

if TYPE_CHECKING:
    from stintlab.live.state import LiveState

__all__ = ["register", "replay", "follow"]


def _start(text: str | None) -> float:
    if not text:
        return 0.0
    return race_time_arg(text, "--from", "6:00:00 or 16:05:56.7")


def _zones_word(meta: dict) -> str:
    """``slow zones``, or ``Code 60 zones`` on the Nordschleife (:func:`stintlab.event.local_neutralisation`)."""
    from stintlab.event import local_neutralisation
    from stintlab.report.story.languages import catalog

    return catalog("en").ZONES[local_neutralisation(meta)]


def _print_state(state: LiveState, as_json: bool, top: int, zones_word: str = "slow zones") -> None:
    from stintlab.io.values import format_time
    from stintlab.serial import to_jsonable

    if as_json:
        sys.stdout.write(json.dumps(to_jsonable(state.to_dict()), ensure_ascii=False, separators=(",", ":")) + "\n")
        return
    c = state.control
    print(f"== {format_time(state.race_time)}  {c.state}{'  (finished)' if state.finished else ''}  "
          f"{state.laps_fed} crossings")  # fmt: skip
    for r in state.standings[:top] if top else state.standings:
        gap = "" if r.position == 1 else (f"{r.gap_laps} L" if r.gap_laps else f"+{r.gap_s:.3f}")
        last = format_time(r.last_lap, hours=False) if r.last_lap else ""
        print(f"{r.position:>3} {r.cls:<10} P{r.class_position:<3} #{r.car:<4} {r.laps:>4} {gap:>11}  "
              f"{last:>9}  {'PIT' if r.in_pit else '   '} {r.stops:>2} stops  {r.driver or ''}")  # fmt: skip
    for e in state.events:
        if e.kind in ("lead_change", "class_lead_change", "long_stop", "flag", "rebuild", "incident"):
            who = f" #{e.car}" if e.car else ""
            print(f"   {format_time(e.race_time)} {e.kind}{who} {e.code or ''} {to_jsonable(e.value) or ''}".rstrip())
    if c.slow_zones:
        print(f"   {zones_word}: " + ", ".join(f"S{s} since {format_time(t)}" for s, t in c.slow_zones))
    sys.stdout.flush()


def replay(
    file: Path = typer.Argument(..., help="A finished race's lap file, or the event folder holding it."),
    speed: float = typer.Option(0.0, "--speed", help="Race seconds per wall-clock second; 0: as fast as possible."),
    start: str = typer.Option(None, "--from", help="Start at race time H:MM:SS (everything before is fed silently)."),
    every: float = typer.Option(60.0, "--every", help="Race seconds between two steps."),
    top: int = typer.Option(0, "--top", help="Rows per step in the terminal (0: all)."),
    zones: float = typer.Option(
        0.0, "--zones", help="Re-detect slow zones on the last 45 min every N race s (0: off)."
    ),
    incidents: float = typer.Option(
        0.0, "--incidents", help="Confirm incidents on the last 3 h every N race s (0: off)."
    ),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per step (JSON lines)."),
    project_every: float = typer.Option(
        0.0, "--project-every", help="Fill 'projections' (closed-form, runs=0) every N race seconds (0: off)."
    ),
):
    """Replay a finished race as if live: the live state every --every race seconds, the last step at the
    final crossing (= the final order). With --project-every N, a step at least N race seconds after the
    last projected one carries the strategy projections of every car (sim.projections.project, runs=0)."""
    from stintlab.live.replay import replay_states

    if every <= 0:
        raise StintlabUsageError("--every wants a positive number of race seconds")
    if speed < 0:
        raise StintlabUsageError("--speed wants 0 (as fast as possible) or a positive factor")
    if project_every < 0:
        raise StintlabUsageError("--project-every wants 0 (off) or a positive number of race seconds")
    race = load_race(file, quiet=as_json)
    last = -math.inf
    for state in replay_states(race, every=every, start=_start(start), speed=speed, tail_every=zones,
                               incidents_every=incidents):  # fmt: skip
        if project_every and state.race_time - last >= project_every:
            state = replace(state, projections=_projections(race, state.race_time, Path(race.meta.get("path") or file)))
            last = state.race_time
        _print_state(state, as_json, top, _zones_word(race.meta))


def _projections(race, at: float, path: Path) -> dict:
    """The projections at ``at`` as JSON: ``meta`` (length and its source, expected flag, ...) and one
    row per car (table ``projections``, docs/tables.md), or ``error`` when they cannot be made then."""
    from stintlab.serial import records, to_jsonable
    from stintlab.sim.projections import project

    try:
        p = project(race, at, path=path, runs=0)
    except StintlabError as exc:  # e.g. no scheduled length known: said in the step, the replay goes on
        return {"error": str(exc)}
    return {"meta": to_jsonable(p.meta), "cars": records(p.table)}


def follow(
    path: str = typer.Argument(
        ...,
        help="A lap file being written, a folder where '..._Hour N.CSV' files appear, "
        "or the URL of either (a folder listing ends with /).",
    ),
    interval: float = typer.Option(10.0, "--interval", help="Seconds between two polls."),
    polls: int = typer.Option(0, "--polls", help="Stop after this many polls (0: until interrupted)."),
    top: int = typer.Option(0, "--top", help="Rows per step in the terminal (0: all)."),
    zones: float = typer.Option(
        300.0, "--zones", help="Re-detect slow zones on the last 45 min every N race s (0: off)."
    ),
    incidents: float = typer.Option(
        600.0, "--incidents", help="Confirm incidents on the last 3 h every N race s (0: off)."
    ),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per poll with news (JSON lines)."),
    cache_dir: Path = typer.Option(
        None, "--cache-dir", help="URL: the download cache (default: $STINTLAB_CACHE or ~/.cache/stintlab)."
    ),
    offline: bool = typer.Option(False, "--offline", help="URL: read the cached copy only, no request."),
    timeout: float = typer.Option(30.0, "--timeout", help="URL: seconds to wait for an answer."),
):
    """Follow a race while it runs: poll a growing lap file (or the newest hourly file of a folder, local or
    over HTTP with conditional requests and the download cache) and print the live state whenever new
    crossings arrive; rewrites, shrinks, stalls, half-written lines and cut answers are said."""
    from stintlab.event import meta_from_path
    from stintlab.live.engine import LiveRace
    from stintlab.live.sources import HourlyFolderSource, LapFileSource
    from stintlab.live.urls import UrlSource, is_url

    engine = LiveRace(tail_every=zones, incidents_every=incidents)
    if is_url(path):
        src = UrlSource(path, engine, cache=cache_dir, offline=offline, timeout=timeout)
    else:
        src = HourlyFolderSource(path, engine) if Path(path).is_dir() else LapFileSource(path, engine)
    zones_word = _zones_word(meta_from_path(Path(path)) if not is_url(path) else {})
    n = 0
    while True:
        p = src.poll()
        n += 1
        if p.message:
            print(f"stintlab: {p.status}: {p.message}", file=sys.stderr)
        if p.added or p.status == "rebuilt":
            _print_state(src.engine.state(), as_json, top, zones_word)
        if polls and n >= polls:
            return
        time.sleep(interval)


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app`` (called once by :func:`stintlab.cli.build_app`)."""
    for command in (replay, follow):
        app.command()(command)
