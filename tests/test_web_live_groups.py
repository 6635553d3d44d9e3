"""The web live view on a race with group starts (NLS 1 2025: three start groups, 131 s and 305 s after
the first): its clock is the replay's common clock, so the race ends at the last crossing counted from
the first group's signal, and a car of a later group is not called over before its last crossing.

Oracle (csv module on RENNEN_LAPS.CSV): each row's time of day (TAGESZEIT: the first h:mm:ss.fff field,
DURCHGANGSZEIT, repeats it) and lap time (RUNDENZEIT, the field after it); the first signal is the
earliest lap-1 crossing minus its lap time; the race ends at the latest crossing (59489.104 s of day,
15318.681 s after the signal — the cars' own race times end at 15211.219 s)."""

from __future__ import annotations

import csv
import re

import pytest

import stintlab
from conftest import CORPUS, _need_corpus
from oracle import parse_time

pytestmark = pytest.mark.corpus
TOD = re.compile(r"^\d{1,2}:\d{2}:\d{2}\.\d+$")


def _raw(path):
    """(first start signal, {car: its crossings as seconds of day}) from the raw rows."""
    text = path.read_bytes().decode("cp1252")
    rows = [f for f in csv.reader(text.splitlines()[1:], delimiter=";") if any(x.strip() for x in f)]
    starts, crossings = [], {}
    for f in rows:
        k = next(i for i, x in enumerate(f) if TOD.match(x.strip()))  # DURCHGANGSZEIT (some rows lack a field before)
        t, lap_time = parse_time(f[k + 1]), parse_time(f[k + 2]) if f[k + 2].strip() else None
        crossings.setdefault(f[0].strip(), []).append(t)
        if f[k - 1].strip() == "1" and lap_time:
            starts.append(t - lap_time)
    return min(starts), crossings


def test_group_start_race_ends_on_the_common_clock():
    _need_corpus()
    from stintlab.live.replay import replay_states
    from stintlab.web.live_view import LiveView

    path = CORPUS / "nls-2025-nls1" / "RENNEN_LAPS.CSV"
    signal, crossings = _raw(path)
    end = max(max(ts) for ts in crossings.values()) - signal
    race = stintlab.load(path)
    view = LiveView(race)
    assert view.end == pytest.approx(end, abs=1e-3)
    own = race.laps["elapsed"].max()
    assert end - own > 100  # the cars' own race times end earlier

    # a moment between the end of the own race times and the last crossing: cars still to cross are running
    t = own + 1.0
    later = {car for car, ts in crossings.items() if max(ts) - signal > t + 1e-3}
    assert later
    state = next(replay_states(race, every=1e9, start=t))
    rows = {r["car"]: r for r in view.payload(state)["standings"]}
    assert {car: rows[car]["status"] for car in later} == {car: "running" for car in later}
