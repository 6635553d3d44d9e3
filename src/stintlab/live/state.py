"""The live state as typed values: what a live view (web, terminal, JSON lines) reads from the engine.

A :class:`LiveState` is a snapshot taken by :meth:`stintlab.live.engine.LiveRace.state` at one race
time: standings rows (:class:`StandingRow`), the race-control line (:class:`RaceControl`) and the events
seen since the previous snapshot (:class:`LiveEvent`). Values are numbers, codes and car ids only (no
sentences: a face words them). ``to_dict()`` gives the JSON form (the keys are public interface,
docs/live.md); ``projections`` stays ``None`` until a projection module fills it.

>>> row = StandingRow(position=1, class_position=1, car="7", cls="HYPERCAR", laps=12, gap_s=0.0,
...                   gap_laps=0, interval_s=0.0, interval_laps=0, race_time=1234.5)
>>> row.to_dict()["class"], row.to_dict()["gap_s"]
('HYPERCAR', 0.0)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

__all__ = ["StandingRow", "RaceControl", "LiveEvent", "LiveState", "EVENT_KINDS", "CONTROL_KINDS", "REBUILD_CODES"]

#: kinds of :class:`LiveEvent`
EVENT_KINDS = (
    "lead_change",  # new overall leader (value: previous leader's car id)
    "class_lead_change",  # new leader of a class (value: previous class leader)
    "pit_in",  # the car crossed the line in the pit lane (its in-lap)
    "pit_out",  # the car left the pits (value: PIT_TIME, s; NaN when not printed)
    "driver_change",  # the out-lap's driver differs from the in-lap's (value: previous driver)
    "long_stop",  # a stop whose pit time is long / garage for its class so far (value: pit time, s)
    "best_lap",  # the car's best lap improved and it is the class's best so far (value: lap time, s)
    "incident",  # a lap confirmed abnormally slow (live/incidents.py; value: seconds lost, code: worst sector)
    "flag",  # race control changed (code: GREEN, SC, FCY, RED, FINISH)
    "rebuild",  # the engine was rebuilt from its source (code: why, one of REBUILD_CODES)
    "notice",  # something the engine could not do, said: code zones_not_analysed / incidents_not_analysed, value the error
)
#: why a source rebuilt the engine (the ``code`` of a ``rebuild`` event; the faces word it)
REBUILD_CODES = (
    "file_shrank",  # the file is shorter than what was read (value: its size now, bytes)
    "file_rewritten",  # bytes already read changed (a correction)
    "crossings_missing",  # a restart found fewer crossings than were fed (value: how many are missing)
    "rows_contradict",  # new rows contradict crossings fed (value: how many; car and lap: the first)
)
#: codes of :attr:`RaceControl.state`
CONTROL_KINDS = ("GREEN", "SC", "FCY", "RED", "FINISH", "UNKNOWN")


@dataclass(frozen=True)
class StandingRow:
    """One car in the standings at the snapshot's race time (as of its last crossing known to the engine)."""

    position: int
    class_position: int
    car: str
    cls: str
    laps: int  # laps completed (the lap number of the last crossing)
    gap_s: float  # to the overall leader, seconds at the same point of the track (0 for the leader)
    gap_laps: int  # whole laps behind the leader
    interval_s: float  # to the car ahead overall
    interval_laps: int
    race_time: float  # race time of the car's last crossing
    class_gap_s: float = 0.0  # to the class leader
    class_gap_laps: int = 0
    class_interval_s: float = 0.0  # to the car ahead in the class
    class_interval_laps: int = 0
    last_lap: float | None = None  # last lap time, s
    best_lap: float | None = None  # best lap time so far, s
    laps_in_stint: int = 0  # laps since the car's last stop (out-lap counted)
    stops: int = 0  # in-laps so far
    in_pit: bool = False  # the last crossing was in the pit lane (in-lap, not yet out)
    driver: str | None = None  # driver of the last lap
    team: str | None = None

    def to_dict(self) -> dict:
        d = asdict(self)
        d["class"] = d.pop("cls")
        return d


@dataclass(frozen=True)
class RaceControl:
    """The race-control line: the flag at the most recent crossing (FLAG_AT_FL) and the phase it opened."""

    state: str  # one of CONTROL_KINDS
    since: float | None  # race time the state began (first crossing showing it)
    flags_known: bool  # the source has a flag column (else state is UNKNOWN)
    slow_zones: tuple = ()  # slow zones active in the recomputed tail window: ((sector, start), ...)

    def to_dict(self) -> dict:
        return {"state": self.state, "since": self.since, "flags_known": self.flags_known,
                "slow_zones": [{"sector": s, "start": t} for s, t in self.slow_zones]}  # fmt: skip


@dataclass(frozen=True)
class LiveEvent:
    """One event: ``kind`` (:data:`EVENT_KINDS`), race time, car (None for race control), class, lap,
    ``code`` (a short code: flag state, stop kind, rebuild reason) and ``value`` (a number or car id)."""

    kind: str
    race_time: float
    car: str | None = None
    cls: str | None = None
    lap: int | None = None
    code: str | None = None
    value: float | str | None = None

    def to_dict(self) -> dict:
        d = asdict(self)
        d["class"] = d.pop("cls")
        return d


@dataclass(frozen=True)
class LiveState:
    """A snapshot of the race: ``race_time`` (s), standings in order, race control, events since the
    previous snapshot, ``laps_fed`` (crossings the engine has taken) and ``projections`` (None: filled by
    the projection module when present)."""

    race_time: float
    standings: tuple[StandingRow, ...]
    control: RaceControl
    events: tuple[LiveEvent, ...] = ()
    laps_fed: int = 0
    finished: bool = False
    projections: object | None = None
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict:
        return {
            "race_time": self.race_time,
            "laps_fed": self.laps_fed,
            "finished": self.finished,
            "control": self.control.to_dict(),
            "standings": [r.to_dict() for r in self.standings],
            "events": [e.to_dict() for e in self.events],
            "projections": self.projections,
            "notes": list(self.notes),
        }
