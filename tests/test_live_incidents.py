"""Live incidents (live/incidents.py) on a real 24 h race: each lap is judged once, when the car has
driven enough racing laps after it, and what is reported live is what the whole-race detector finds.

Le Mans 2025 replayed with incidents confirmed every 600 race s: the reported (car, lap) are those of
race.incidents (the detector run on the whole file: 8 laps), each reported once; checked on the raw rows
(tests/oracle.py, csv module): the lap is neither an in-lap (`B`) nor an out-lap, and by the step that
reports it the car had crossed the line at least CONFIRM_LAPS more times.
"""

from __future__ import annotations

from collections import Counter

import stintlab
from conftest import lap_file
from oracle import read_race
from stintlab.live.incidents import CONFIRM_LAPS
from stintlab.live.replay import replay_states


def test_live_incidents_are_the_whole_race_ones_judged_once():
    path = lap_file("lemans-2025")
    race = stintlab.load(path, find_results=False)
    raw = read_race(path)
    reported = []
    for state in replay_states(race, every=600.0, incidents_every=600.0):
        reported += [(e.car, e.lap, state.race_time, e.value) for e in state.events if e.kind == "incident"]
    keys = [(c, lap) for c, lap, _t, _v in reported]
    assert keys and max(Counter(keys).values()) == 1  # never reported twice
    whole = set(zip(race.incidents["car"].astype(str), race.incidents["lap"].astype(int)))
    assert set(keys) == whole
    for car, lap, t, lost in reported:
        rows = raw.laps[car]
        i = next(k for k, c in enumerate(rows) if c.lap == lap)
        assert not rows[i].in_lap and not (i and rows[i - 1].in_lap)
        assert sum(1 for c in rows[i + 1 :] if c.elapsed <= t) >= CONFIRM_LAPS
        assert lost >= 8.0  # THRESHOLDS.incident_min_loss
