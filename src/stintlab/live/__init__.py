"""Live: follow a race while it runs, and replay a finished one as if live (docs/live.md).

- :mod:`stintlab.live.engine`: :class:`LiveRace`, the incremental race state fed crossing by crossing;
- :mod:`stintlab.live.state`: the typed snapshot a live view reads (:class:`LiveState`);
- :mod:`stintlab.live.sources`: a growing lap file or a folder of hourly files, polled;
- :mod:`stintlab.live.replay`: a finished race fed in crossing order, one snapshot per step;
- :mod:`stintlab.live.final`: the final board = the classification; :mod:`stintlab.live.incidents`:
  incidents confirmed live; :mod:`stintlab.live.urls`: a lap file polled over HTTP;
  :mod:`stintlab.live.records`, :mod:`stintlab.live.rows`: compact history, crossing order.

Layer: above :mod:`stintlab.race` (beside ``sim`` and ``archive``), below the faces.
"""

from stintlab.live.engine import FeedResult, LiveRace
from stintlab.live.state import LiveEvent, LiveState, RaceControl, StandingRow

__all__ = ["LiveRace", "FeedResult", "LiveState", "StandingRow", "RaceControl", "LiveEvent"]
