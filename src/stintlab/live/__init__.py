"""Live: follow a race while it runs, and replay a finished one as if live (docs/live.md).

- :mod:`stintlab.live.engine`: :class:`LiveRace`, the incremental race state fed crossing by crossing;
- :mod:`stintlab.live.state`: the typed snapshot a live view reads (:class:`LiveState`);
- :mod:`stintlab.live.sources`: a growing lap file or a folder of hourly files, polled;
- :mod:`stintlab.live.replay`: a finished race fed in crossing order, one snapshot per step.

Layer: above :mod:`stintlab.race` (beside ``sim`` and ``archive``), below the faces.
"""

from stintlab.live.engine import FeedResult, LiveRace
from stintlab.live.state import LiveEvent, LiveState, RaceControl, StandingRow

__all__ = ["LiveRace", "FeedResult", "LiveState", "StandingRow", "RaceControl", "LiveEvent"]
