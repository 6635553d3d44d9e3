"""The story as a journalist writes it: the facts of :mod:`.facts`, chosen and ranked, with no words.

Order of the facts (at most 12 sentences):

1. ``headline`` — the result and what decided it (:class:`Headline`);
2. ``moment`` — the 3–6 decisive moments (stops, incidents, neutralisations, class leads lost or
   taken of the chronological account), ranked by what they cost or gained: laps first, then class positions,
   then time (:func:`moment_weight`);
3. ``hour_mark`` — the official hourly marks that mattered (``race.standings(hour=N)``): the last
   mark the car led its class at before losing the lead for good, or (a class winner) the last mark
   it was not leading at, or its best mark when it never led (:class:`HourMark`);
4. ``crew`` — the drivers with their FIA category and where it comes from (``race.categories``);
5. ``whatif`` — when one event changed the result: the class position the replay of the race
   without it gives most often (:mod:`stintlab.sim.whatif`), with the share of replays;
6. ``pace`` — each driver's pace rank within category (or class when the category is unknown).

Each fact keeps the ``kind``/``car``/``cls``/``laps``/``race_time`` of :class:`.facts.Fact`; a
``moment`` wraps the chronological fact it comes from (``fact``), worded by that fact's template.
"""

from __future__ import annotations

from dataclasses import dataclass

from stintlab.errors import StintlabUsageError
from stintlab.report import sections
from stintlab.report.story.facts import (
    BestLap,
    Fact,
    Finish,
    Incident,
    LeadGained,
    LeadLost,
    Neutral,
    Stop,
    story_facts,
)

__all__ = [
    "Headline", "Moment", "HourMark", "Crew", "WhatIf", "Pace", "journalist_facts", "moment_weight",
    "MAX_MOMENTS", "MIN_MOMENTS", "WHATIF_RUNS",
]  # fmt: skip

MAX_MOMENTS = 6
MIN_MOMENTS = 3
WHATIF_RUNS = 200
MIN_MOMENT_LOSS = 20.0  # seconds: a moment that moved no position must cost at least this


@dataclass(frozen=True, kw_only=True)
class Moment(Fact):
    rank: int  # 1 = the most decisive
    fact: Fact  # the chronological fact (Stop, Incident, Neutral, LeadLost)
    positions: int  # class positions gained (< 0: lost)
    time_lost: float | None
    laps_lost: int | None


@dataclass(frozen=True, kw_only=True)
class Headline(Fact):
    finish: Finish
    decider: Moment | None  # a car that did not win: its most decisive moment that cost places or time
    lead_from_hour: int | None = None  # a class winner: led at every official hourly mark from this one


@dataclass(frozen=True, kw_only=True)
class HourMark(Fact):
    mode: str  # last_lead (still leading after N hours), before_lead (a winner's last mark not leading), best
    hour: int
    position: int  # class position at the official hour-N mark
    laps_done: int


@dataclass(frozen=True, kw_only=True)
class Crew(Fact):
    drivers: tuple[tuple[str, str | None, str], ...]  # (name, category or None, category_source)


@dataclass(frozen=True, kw_only=True)
class WhatIf(Fact):
    event: str  # stop, incident, neutral
    lap: int
    stop_kind: str | None = None  # the stop's kind (long, garage, ...) when ``event`` is stop
    actual: int  # class position
    projected: int  # most frequent class position of the replays
    share: float  # share of the replays giving ``projected``
    runs: int


@dataclass(frozen=True, kw_only=True)
class Pace(Fact):
    drivers: tuple[BestLap, ...]


def moment_weight(f: Fact) -> tuple[int, int, float]:
    """What a fact cost (or gained): (laps, class positions, seconds), compared in that order;
    the larger the more decisive."""
    b, a = getattr(f, "before", None), getattr(f, "after", None)
    positions = abs(a - b) if b is not None and a is not None else 0
    laps = getattr(f, "laps_equiv", None) or 0
    lost = getattr(f, "time_lost", None)
    if isinstance(f, Stop) and f.on_track_loss is not None and lost is None:
        lost = f.on_track_loss
    if isinstance(f, (LeadLost, LeadGained)):
        positions = max(positions, 1)
    return int(laps), int(positions), float(lost or 0.0)


def _positions(f: Fact) -> int:
    b, a = getattr(f, "before", None), getattr(f, "after", None)
    if isinstance(f, LeadLost):
        return -1
    if isinstance(f, LeadGained):
        return 1
    return b - a if b is not None and a is not None else 0


def _moments(chronology: list[Fact]) -> list[Moment]:
    """The decisive moments: stops, incidents, neutralisations, class leads lost or taken, ranked by
    :func:`moment_weight`; at most :data:`MAX_MOMENTS`. Beyond the first :data:`MIN_MOMENTS`, a
    moment must have cost a lap, moved a class position or cost :data:`MIN_MOMENT_LOSS` s."""
    kinds = (Stop, Incident, Neutral, LeadGained)
    cands = [f for f in chronology if isinstance(f, kinds) or f.kind == "lost_lead"]
    weighted = [(moment_weight(f), f) for f in cands]
    weighted = [(w, f) for w, f in weighted if w > (0, 0, 0.0)]
    weighted.sort(key=lambda x: (x[0], -(x[1].race_time or 0.0)), reverse=True)
    keep = [
        (w, f) for i, (w, f) in enumerate(weighted)
        if i < MIN_MOMENTS or w[0] > 0 or w[1] > 0 or w[2] >= MIN_MOMENT_LOSS
    ][:MAX_MOMENTS]  # fmt: skip
    return [
        Moment(kind="moment", car=f.car, cls=f.cls, laps=f.laps, race_time=f.race_time, rank=i, fact=f,
               positions=_positions(f), time_lost=w[2] or None, laps_lost=w[0] or None)
        for i, (w, f) in enumerate(keep, 1)
    ]  # fmt: skip


def _hour_positions(race, car: str) -> list[tuple[int, int, int]]:
    """(hour, class position, laps) of the car at every official hourly mark of the race (whole hours of
    its duration), read from ``race.hourly_positions``: the same snapshot moments and order as
    ``race.standings(hour=N, cls=...)`` (the same answers for every car of the 31 Le Mans, WEC and IMSA lap
    files of the corpus), computed once for every car (the report draws it anyway)."""
    hp = race.hourly_positions
    mine = hp[(hp["car"].astype(str) == car) & (hp["hour"] <= int(race.duration // 3600.0))].sort_values("hour")
    return [(int(h), int(p), int(n)) for h, p, n in zip(mine["hour"], mine["class_position"], mine["laps"], strict=True)]


def _hour_marks(race, car, cls, finish: Finish | None) -> tuple[list[HourMark], int | None]:
    marks = _hour_positions(race, car)
    if not marks:
        return [], None
    won = finish is not None and finish.outcome in ("won_race", "won_class")

    def mark(mode, h, p, n):
        return HourMark(kind="hour_mark", car=car, cls=cls, laps=(n,), race_time=h * 3600.0, mode=mode, hour=h,
                        position=p, laps_done=n)  # fmt: skip

    led = [m for m in marks if m[1] == 1]
    if won and marks[-1][1] == 1:
        i = len(marks) - 1
        while i > 0 and marks[i - 1][1] == 1:
            i -= 1
        before = [mark("before_lead", *marks[i - 1])] if i > 0 else []  # where it was just before
        # led from the last mark only (the finish): nothing to add to "won"
        return before, (marks[i][0] if i < len(marks) - 1 else None)
    if led:
        last = led[-1]
        return [mark("last_lead", *last)], None
    best = min(marks, key=lambda m: (m[1], m[0]))
    return [mark("best", *best)], None


def _crew(race, car, cls) -> Crew | None:
    cats = sections.categories(race)
    mine = cats[cats["car"].astype(str) == car]
    order = {d: i for i, d in enumerate(race.cars.loc[race.cars["car"] == car, "crew"].iloc[0])}
    drivers = []
    for d, c, src in zip(mine["driver"], mine["category"], mine["category_source"], strict=False):
        cat = str(c) if isinstance(c, str) and c else None
        drivers.append((str(d), cat, str(src) if isinstance(src, str) else "unknown"))
    drivers.sort(key=lambda x: order.get(x[0], 99))
    if not drivers:
        return None
    return Crew(kind="crew", car=car, cls=cls, laps=(), race_time=None, drivers=tuple(drivers))


def _whatif(race, car, cls, moments: list[Moment], finish: Finish | None) -> WhatIf | None:
    """The replay without the most decisive stop / incident / neutralisation; kept when its most
    frequent class position is better than the real one (the event cost the car places)."""
    from stintlab.sim.whatif import parse_change, whatif

    if finish is None or finish.position is None or finish.position == 1 or finish.outcome in ("snapshot", "disqualified"):
        return None
    for m in moments:
        f = m.fact
        if isinstance(f, Stop):
            event, change = "stop", parse_change("stop", f"{f.lap}=median")
        elif isinstance(f, Incident):
            event, change = "incident", parse_change("lap", f"{f.laps[0]}=clean")
        elif isinstance(f, Neutral) and f.phase_kind in ("SC", "FCY", "C60"):
            event, change = "neutral", parse_change("sc", f"{f.laps[0]}=median")
        else:
            continue
        try:
            r = whatif(race.annotated, car, [change], runs=WHATIF_RUNS, seed=0)
        except StintlabUsageError:
            continue
        dist = r["projected"]["class_position_distribution"]
        top = max(dist.items(), key=lambda kv: (kv[1], -int(kv[0])))
        projected, share = int(top[0]), float(top[1])
        actual = int(r["actual"]["class_position"])
        if projected >= actual:
            # the most decisive event did not cost the car places (a replay without what it lost that ends
            # worse than the race is the replay model's doing, not a fact about the race: not told)
            return None
        return WhatIf(kind="whatif", car=car, cls=cls, laps=f.laps, race_time=f.race_time, event=event,
                      lap=change.lap, stop_kind=f.stop_kind if isinstance(f, Stop) else None, actual=actual, projected=projected, share=share, runs=int(r["runs"]))  # fmt: skip
    return None


def journalist_facts(race, car: str) -> list[Fact]:
    """The facts of the journalist's story of ``car`` (module docstring), at most 12."""
    car = sections.car_or_error(race, car)
    chronology = story_facts(race, car)
    if not chronology:
        return []
    cls = chronology[0].cls
    finish = next((f for f in chronology if isinstance(f, Finish)), None)
    moments = _moments(chronology)
    marks, lead_from = _hour_marks(race, car, cls, finish)
    won = finish is not None and finish.outcome in ("won_race", "won_class")
    out: list[Fact] = []
    if finish is not None:
        # what decided a result short of a win: the most decisive moment that cost something
        decider = None if won else next((m for m in moments if m.positions < 0 or (m.positions == 0 and m.time_lost)), None)
        out.append(Headline(kind="headline", car=car, cls=cls, laps=finish.laps, race_time=finish.race_time,
                            finish=finish, decider=decider, lead_from_hour=lead_from))  # fmt: skip
    out += moments
    out += marks
    crew = _crew(race, car, cls)
    if crew is not None:
        out.append(crew)
    w = _whatif(race, car, cls, moments, finish)
    if w is not None:
        out.append(w)
    best = tuple(f for f in chronology if isinstance(f, BestLap) and f.rank is not None)
    if best:
        out.append(Pace(kind="pace", car=car, cls=cls, laps=(), race_time=None, drivers=best))
    return out
