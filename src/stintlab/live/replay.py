"""Replay a finished race as if live: its crossings fed to a :class:`~stintlab.live.engine.LiveRace`
in race-time order, one :class:`~stintlab.live.state.LiveState` per step.

Race time here is the common clock (the first start group's: :func:`stintlab.live.rows.common_clock`;
the lap file's race time when the cars take one start). Steps fall at ``start + every``, ``start + 2 × every``, ... (and at ``start`` itself when ``start`` > 0:
everything before it is fed silently), then one last step at the race's last crossing, whose
standings are the final order. ``speed`` > 0 paces the steps in wall-clock time (``every / speed``
seconds apart); 0 runs as fast as possible.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pandas as pd

from stintlab.live.engine import LiveRace
from stintlab.live.rows import common_clock, crossing_order
from stintlab.live.state import LiveState

__all__ = ["replay_states", "crossings"]


def crossings(laps: pd.DataFrame) -> list[dict]:
    """The lap table's rows as dicts in the order the cars crossed the line (:func:`stintlab.live.rows.crossing_order`:
    the common clock of group starts, then source line); each with ``_t``, its time on the common clock."""
    idx = crossing_order(laps)
    ordered = laps.iloc[idx]
    # the rows of ``ordered.to_dict("records")`` (Python values, None for a missing value of a nullable
    # column), built column by column: a third of its time (benchmarks/bench_cli.py, replay)
    columns = [_plain_values(ordered[c]) for c in ordered.columns]
    names = [*ordered.columns, "_t"]
    t = common_clock(laps)[idx].astype(float).tolist()
    return [dict(zip(names, values)) for values in zip(*columns, t)]


def _plain_values(col: pd.Series) -> list:
    """A column's values as ``to_dict`` gives them: Python scalars, None for NA in a nullable column."""
    values = col.tolist()
    if isinstance(col.dtype, pd.api.extensions.ExtensionDtype) and col.hasnans:
        values = [None if na else v for v, na in zip(values, col.isna().tolist())]
    return values


def replay_states(race, every: float = 60.0, start: float = 0.0, speed: float = 0.0,
                  sleep: Callable[[float], None] = time.sleep, tail_every: float = 0.0,
                  incidents_every: float = 0.0) -> Iterator[LiveState]:  # fmt: skip
    """Yield the live state of ``race`` (a :class:`~stintlab.race.Race`) at every step (module docstring);
    ``tail_every``: slow zones re-detected on the tail window that often; ``incidents_every``: incidents
    confirmed that often (:class:`LiveRace`, :mod:`stintlab.live.incidents`)."""
    if every <= 0:
        raise ValueError("every must be positive")
    rows = crossings(race.laps)
    engine = LiveRace(
        tail_every=tail_every, incidents_every=incidents_every, classification=lambda: race.classification
    )
    end = rows[-1]["_t"] if rows else 0.0
    k = 0
    t = float(start) if start > 0 else float(every)
    while True:
        final = t >= end
        if final:
            t = end
        j = k
        while j < len(rows) and rows[j]["_t"] <= t:
            j += 1
        if j > k:
            engine.feed(rows[k:j])
            k = j
        if final and k == len(rows):
            engine.end_of_feed()  # the last crossing: a race without flags may be called finished
        if k:
            if speed > 0:
                sleep(every / speed)
            yield engine.state(t)
        if final:
            return
        t += every
