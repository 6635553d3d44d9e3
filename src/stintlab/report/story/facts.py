"""The facts of one car's race, chosen from the analysis tables (the car timeline with its typed
event columns, stops, hourly positions, the classification, driver rankings): a list of fact
records in race order, with no words in them. The language catalogs (:mod:`.en`, :mod:`.fr`)
turn each record into a sentence; the same list gives the story in every language.

Every fact carries ``kind`` (the sentence key: start, hour1, lead, lost_lead, lead_swap,
lead_pit_cycles, neutral, stop, incident, finish, best_lap), ``car``, ``cls`` (its class),
``laps`` (lap numbers of the car behind it, ascending) and ``race_time`` (race seconds it refers
to, or None). Class positions are ints or None; rivals are tuples of car numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import pandas as pd

from stintlab.analysis.classification import race_finished
from stintlab.config import THRESHOLDS
from stintlab.report import sections

__all__ = [
    "Fact", "Start", "HourOne", "LeadGained", "LeadLost", "LeadPitCycles", "Neutral", "Stop", "Incident",
    "Finish", "BestLap", "story_facts",
]  # fmt: skip


SLOW_ZONE_STORY_MIN = THRESHOLDS.slow_zone_story_min

@dataclass(frozen=True, kw_only=True)
class Fact:
    kind: str
    car: str
    cls: str
    laps: tuple[int, ...]
    race_time: float | None


@dataclass(frozen=True, kw_only=True)
class Start(Fact):
    team: str | None
    driver: str | None


@dataclass(frozen=True, kw_only=True)
class HourOne(Fact):
    position: int  # class position at 1:00:00
    laps_done: int


@dataclass(frozen=True, kw_only=True)
class LeadGained(Fact):
    hour: int
    rival: str | None  # the class leader it took the lead from


@dataclass(frozen=True, kw_only=True)
class LeadLost(Fact):
    """kind ``lost_lead``, or ``lead_swap`` when the lead came back (``back_*``) before anyone else took it."""

    hour: int
    rival: str | None
    pitting: bool  # lost on the in-lap or the out-lap of a stop
    back_hour: int | None = None
    back_after: int | None = None  # laps between losing and retaking it
    back_rival: str | None = None

    @property
    def pit_swap(self) -> bool:
        return self.back_hour is not None and self.pitting


@dataclass(frozen=True, kw_only=True)
class LeadPitCycles(Fact):
    """Consecutive pit-cycle lead swaps: the car led, but for its stops, from hour a to hour b."""

    first_hour: int
    last_hour: int
    stops: int
    rivals: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class Neutral(Fact):
    phase_kind: str  # SC, FCY, RED, SZ (a slow zone in one sector)
    start: float
    end: float
    pitted: bool
    pit_lap: int | None  # the in-lap when it pitted exactly once under the phase
    before: int | None
    after: int | None
    rivals: tuple[str, ...]  # those it passed (climbed) or that passed it (dropped)
    sector: int | None = None  # the slow zone's sector
    zone: str = "slow_zone"  # what a zone (SZ) is called in this race: slow_zone or code60 (Race.local_neutralisation)


@dataclass(frozen=True, kw_only=True)
class Stop(Fact):
    hour: int
    lap: int
    stop_kind: str  # long, garage
    pit_time: float | None
    time_lost: float | None
    laps_equiv: int | None  # time lost in laps, when half a lap or more
    before: int | None
    after: int | None
    passed_by: tuple[str, ...]
    laps_lost_to: tuple[str, ...]
    # the in-lap before the stop lost time on track (a crash, an off, a puncture): who, how much, where
    driver: str | None = None
    category: str | None = None
    on_track_loss: float | None = None
    on_track_sector: int | None = None


@dataclass(frozen=True, kw_only=True)
class Incident(Fact):
    hour: int
    driver: str | None
    category: str | None  # the driver's FIA category
    time_lost: float
    laps_equiv: int | None
    before: int | None
    after: int | None
    passed_by: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class Finish(Fact):
    """``outcome``: snapshot (file of a race still running), stopped_classified, won_race, won_class,
    finished, disqualified, not_classified, retired."""

    outcome: str
    laps_done: int
    position: int | None  # class position
    overall: int | None
    hour: int  # race hour of the last crossing
    in_pits: bool = False  # retired in the pits / in the pits when the file ends
    stopped: bool = False  # snapshot: the car has not crossed the line since ``hour``
    duration: float | None = None  # snapshot: race seconds the file covers
    took_flag: bool | None = None  # not_classified: the car took the chequered flag (None: unknown)
    distance_share: float | None = None  # not_classified: laps / the winner's laps
    min_share: float | None = None  # not_classified: the share the series' rule asks for


@dataclass(frozen=True, kw_only=True)
class BestLap(Fact):
    driver: str
    lap_time: float
    lap: int | None
    rank: int | None
    of: int | None  # drivers ranked in the group
    category: str | None  # ranked among this FIA category in class (None: in class)
    metric: str
    low_sample: bool


# ------------------------------------------------------------------------ helpers
def _laps(laps) -> tuple[int, ...]:
    return tuple(sorted({int(x) for x in laps if x is not None and not (isinstance(x, float) and math.isnan(x))}))


def _rt(race_time) -> float | None:
    if race_time is None or (isinstance(race_time, float) and math.isnan(race_time)):
        return None
    return round(float(race_time), 3)


def _int(v) -> int | None:
    return None if v is None or pd.isna(v) else int(v)


def _num(v) -> float | None:
    return None if v is None or pd.isna(v) else float(v)


def _rival(e) -> str | None:
    return str(e.rivals[0]) if len(e.rivals) else None


# ------------------------------------------------------------------------ selection
def story_facts(race, car: str) -> list[Fact]:
    """The facts of ``car`` in ``race``, in race order: start, class position after hour 1, each
    class lead change, the neutralisations that changed its class position or caught it in the
    pits, every long/garage stop and incident with its cost in time and laps and the rivals
    involved, the result, each driver's best lap and rank."""
    car = sections.car_or_error(race, car)
    mine = race.laps[race.laps["car"] == car]
    if mine.empty:
        return []
    info = race.cars[race.cars["car"] == car].iloc[0]
    cls = str(info["class"])
    events = sections.car_timeline(race, car)
    body: list[Fact] = [_start(car, cls, mine, info), *_hour_one(race, car, cls)]
    if events is not None:
        stops = sections.stops(race)
        stops = None if stops is None else stops[stops["car"].astype(str) == car]
        cats = sections.categories(race)
        grade = {
            str(d): str(c)
            for c_, d, c in zip(cats["car"].astype(str), cats["driver"], cats["category"], strict=False)
            if c_ == car and isinstance(c, str) and c
        }
        body += _events(events, stops, mine, car, cls, grade)
    body.sort(key=lambda f: f.race_time if f.race_time is not None else 0.0)
    body = _merge_pit_swaps(body)
    zone = race.local_neutralisation  # decided once, from the race's metadata; the catalogs word it
    body = [replace(f, zone=zone) if isinstance(f, Neutral) else f for f in body]
    stopped_early = events is not None and len(events) and str(events["kind"].iloc[-1]) == "retired"
    body += _finish(race, car, mine, stopped_early=bool(stopped_early))
    body += _best_laps(race, car, mine, cls)
    return body


def _start(car, cls, mine: pd.DataFrame, info) -> Start:
    first = mine.iloc[0]
    team = info["team"]
    return Start(
        kind="start", car=car, cls=cls, laps=_laps([first["lap"]]), race_time=0.0,
        team=team if isinstance(team, str) and team else None,  # a file without TEAM: no "<NA>"
        driver=first["driver"] if isinstance(first["driver"], str) else None,
    )  # fmt: skip


def _hour_one(race, car, cls) -> list[Fact]:
    hp = sections.hourly_positions(race)
    if hp is None or race.duration <= 3600.0:
        return []
    row = hp[(hp["hour"] == 1) & (hp["car"].astype(str) == car)]
    if row.empty:
        return []
    r = row.iloc[0]
    laps = int(r["laps"])
    return [HourOne(kind="hour1", car=car, cls=cls, laps=_laps([laps]), race_time=_rt(float(r["at"])),
                    position=int(r["class_position"]), laps_done=laps)]  # fmt: skip


def _laps_between(mine: pd.DataFrame, t0: float, t1: float) -> list[int]:
    el = mine["elapsed"].to_numpy(dtype=float)
    lap = mine["lap"].to_numpy()
    inside = lap[(el >= t0) & (el <= t1)].tolist()
    after = lap[el > t1][:1].tolist()
    return [int(x) for x in inside + after]


def _events(ev: pd.DataFrame, stops, mine: pd.DataFrame, car, cls, grade: dict) -> list[Fact]:
    out: list[Fact] = []
    stop_laps = set() if stops is None else {int(x) for x in stops["lap_in"]}
    long_laps = set()
    if stops is not None:
        for lap_in, k in zip(stops["lap_in"], stops["kind"], strict=False):
            if str(k) not in ("normal", "drive_through"):  # a lead handed over in a drive-through comes back like a pit cycle
                long_laps.update({int(lap_in), int(lap_in) + 1})
    rows = list(ev.itertuples(index=False))
    consumed: set[int] = set()
    i = 0
    while i < len(rows):
        e = rows[i]
        kind = e.kind
        if kind in ("lead_gained", "lead_lost"):
            if kind == "lead_lost" and any(lap in long_laps for lap in (e.lap, e.lap - 1)):
                i += 1  # told by the long stop's own sentence (it fell from the lead)
                continue
            nxt = None
            if kind == "lead_lost":
                later = [r for r in rows[i + 1 :] if r.kind in ("lead_gained", "lead_lost")]
                if later and later[0].kind == "lead_gained":
                    nxt = later[0]
                    consumed.add(id(nxt))
            if id(e) not in consumed:
                out.append(_lead(e, nxt, stop_laps, car, cls))
        elif kind == "neutralisation":
            f = _neutral(e, ev, mine, car, cls)
            told = {lap for g in out if isinstance(g, Neutral) and g.phase_kind == "SZ" for lap in g.laps}
            if f is not None and not (f.phase_kind == "SZ" and f.pit_lap is not None and f.pit_lap in told):
                out.append(f)  # zones overlapping in two sectors around one stop: told once
        elif kind == "stop" and _told_stop(e):
            out.append(_stop(e, car, cls, grade))
        elif kind == "incident":
            group = [e]
            while i + 1 < len(rows) and rows[i + 1].kind == "incident" and rows[i + 1].lap == group[-1].lap + 1:
                i += 1
                group.append(rows[i])
            out.append(_incident(group, car, cls, grade))
        i += 1
    return out


def _lead(e, back, stop_laps: set, car, cls) -> Fact:
    """A class lead change; a lost lead taken back (``back``) is one fact with it."""
    hour, rival = int(e.hour), _rival(e)
    if e.kind == "lead_gained":
        return LeadGained(kind="lead", car=car, cls=cls, laps=_laps([e.lap]), race_time=_rt(e.race_time),
                          hour=hour, rival=rival)  # fmt: skip
    pitting = any(lap in stop_laps for lap in (e.lap, e.lap - 1))
    if back is None:
        return LeadLost(kind="lost_lead", car=car, cls=cls, laps=_laps([e.lap]), race_time=_rt(e.race_time),
                        hour=hour, rival=rival, pitting=pitting)  # fmt: skip
    return LeadLost(
        kind="lead_swap", car=car, cls=cls, laps=_laps([e.lap, back.lap]), race_time=_rt(e.race_time), hour=hour,
        rival=rival, pitting=pitting, back_hour=int(back.hour), back_after=int(back.lap) - int(e.lap),
        back_rival=_rival(back),
    )  # fmt: skip


def _merge_pit_swaps(body: list[Fact]) -> list[Fact]:
    """Runs of two or more consecutive pit-cycle lead swaps (lead handed over at a stop and taken
    back on track) become one fact: the car led, but for its stops, from hour a to hour b."""
    out: list[Fact] = []
    i = 0
    while i < len(body):
        j = i
        # slow zones told between the swaps do not break the run
        while j < len(body) and (
            (isinstance(body[j], LeadLost) and body[j].pit_swap) or (isinstance(body[j], Neutral) and body[j].phase_kind == "SZ")
        ):
            j += 1
        while j > i and isinstance(body[j - 1], Neutral):  # a run ends on a swap
            j -= 1
        run = [f for f in body[i:j] if isinstance(f, LeadLost)]
        zones = [f for f in body[i:j] if isinstance(f, Neutral)]
        if len(run) >= 2:
            out.append(
                LeadPitCycles(
                    kind="lead_pit_cycles", car=run[0].car, cls=run[0].cls,
                    laps=_laps([lap for f in run for lap in f.laps]), race_time=run[0].race_time,
                    first_hour=run[0].hour, last_hour=run[-1].back_hour, stops=len(run),
                    rivals=tuple(dict.fromkeys(f.rival for f in run if f.rival)),
                )
            )  # fmt: skip
            out.extend(zones)
            i = j
        elif j > i:
            out.extend(body[i:j])
            i = j
        else:
            out.append(body[i])
            i += 1
    return out


def _neutral(e, ev: pd.DataFrame, mine: pd.DataFrame, car, cls) -> Fact | None:
    """A safety car or red flag matters to the car when its class position changed across it or it
    pitted under it; a full-course yellow only when it pitted under it; a slow zone only when it
    pitted in it, the zone lasted :data:`SLOW_ZONE_STORY_MIN` s or more and its class position changed."""
    kind = str(e.phase_kind)
    b, a = _int(e.class_position_before), _int(e.class_position_after)
    start = float(e.race_time)
    end = float(e.phase_end) if _num(e.phase_end) is not None else start
    in_phase = ev[(ev["kind"] == "stop") & (ev["race_time"] >= start) & (ev["race_time"] <= end)]
    pitted = not in_phase.empty
    if (b is None or a is None or b == a) and not pitted:
        return None
    if kind in ("FCY", "C60") and not pitted:
        return None  # a few minutes of FCY matter when the car stopped under it; position swaps are noise
    if kind == "SZ" and (not pitted or end - start < SLOW_ZONE_STORY_MIN or b is None or a is None or b == a):
        return None  # told when the car stopped in a long one and its class position changed
    pit_laps = [int(x) for x in in_phase["lap"]]
    rivals = (e.passed if a < b else e.passed_by) if b and a and b != a else []
    return Neutral(
        kind="neutral", car=car, cls=cls, laps=_laps(_laps_between(mine, start, end) + pit_laps),
        race_time=_rt(e.race_time), phase_kind=kind, start=start, end=end, pitted=pitted,
        pit_lap=pit_laps[0] if len(pit_laps) == 1 else None, before=b, after=a, rivals=tuple(str(c) for c in rivals),
        sector=_int(getattr(e, "phase_sector", None)),
    )  # fmt: skip


def _told_stop(e) -> bool:
    """Long and garage stops, stops after an on-track incident on the in-lap, and drive-throughs
    that cost a class position are told; routine stops are not."""
    if _num(e.on_track_loss) is not None:
        return True
    if e.stop_kind == "drive_through":
        b, a = _int(e.class_position_before), _int(e.class_position_after)
        return b is not None and a is not None and a > b
    return e.stop_kind not in ("normal", "final")


def _stop(e, car, cls, grade: dict) -> Fact:
    lost = _num(e.time_lost)
    laps_lost = _num(e.laps_lost) if lost is not None else None
    on_track = _num(e.on_track_loss)
    driver = e.driver if isinstance(e.driver, str) and on_track is not None else None
    category = (e.category if isinstance(e.category, str) else grade.get(driver)) if driver else None
    return Stop(
        driver=driver, category=category or None, on_track_loss=on_track,
        on_track_sector=_int(e.on_track_sector) if on_track is not None else None,
        kind="stop", car=car, cls=cls, laps=_laps([e.lap, int(e.lap) + 1]), race_time=_rt(e.race_time),
        hour=int(e.hour), lap=int(e.lap), stop_kind=str(e.stop_kind), pit_time=_num(e.pit_time), time_lost=lost,
        laps_equiv=round(laps_lost) if laps_lost is not None and laps_lost >= 0.5 else None,
        before=_int(e.class_position_before), after=_int(e.class_position_after),
        passed_by=tuple(str(c) for c in e.passed_by), laps_lost_to=tuple(str(c) for c in e.laps_lost_to),
    )  # fmt: skip


def _incident(group: list, car, cls, grade: dict) -> Fact:
    """Consecutive incident laps as one fact: time lost, its equivalent in laps (time lost ÷ the
    lap expected at that moment, when half a lap or more), positions lost and who passed. The
    driver's FIA category comes with the name when it is known (``grade``: driver -> category)."""
    first = group[0]
    lost = sum(float(g.time_lost) for g in group if _num(g.time_lost) is not None)
    reference = _num(first.reference)
    laps_lost = lost / reference if reference and reference > 0 else None
    driver = first.driver if isinstance(first.driver, str) else None
    category = first.category if isinstance(first.category, str) else grade.get(driver) if driver else None
    return Incident(
        kind="incident", car=car, cls=cls, laps=_laps([g.lap for g in group]), race_time=_rt(first.race_time),
        hour=int(first.hour), driver=driver, category=category or None, time_lost=lost,
        laps_equiv=max(1, round(laps_lost)) if laps_lost is not None and laps_lost >= 0.5 else None,
        before=_int(first.class_position_before), after=_int(group[-1].class_position_after),
        passed_by=tuple(dict.fromkeys(str(c) for g in group for c in g.passed_by)),
    )  # fmt: skip


def _finish(race, car, mine: pd.DataFrame, *, stopped_early: bool = False) -> list[Fact]:
    """The result. ``stopped_early``: the timeline says the car's last crossing came before the
    chequered flag (an official classification may still list it as classified)."""
    cls_tab = race.classification
    row = cls_tab[cls_tab["car"] == car]
    if row.empty or mine.empty:
        return []
    r = row.iloc[0]
    last = mine.iloc[-1]
    status = str(r.get("status", "") or "").lower()
    code = r.get("status_code")
    code = None if code is None or pd.isna(code) else str(code)
    pos, overall = _int(r.get("class_position")), _int(r.get("position"))
    running = code == "classified" if code is not None else status in ("running", "classified", "")
    common = {
        "kind": "finish", "car": car, "cls": str(r["class"]), "laps": _laps([last["lap"]]),
        "race_time": _rt(float(last["elapsed"])), "laps_done": int(r["laps"]), "position": pos, "overall": overall,
        "hour": int(float(last["elapsed"]) // 3600) + 1,
    }  # fmt: skip
    if pos is not None and not race_finished(race.laps):
        # a file taken while the race was running (hourly snapshot): a position, not a result
        return [Finish(outcome="snapshot", in_pits=status == "in pits", stopped=status == "stopped",
                       duration=float(race.duration), **common)]  # fmt: skip
    if running and stopped_early and pos is not None:
        outcome = "stopped_classified"
    elif running and pos is not None:
        outcome = "won_race" if pos == 1 and overall == 1 else "won_class" if pos == 1 else "finished"
    elif code == "disqualified" or status in ("dsq", "disqualified", "excluded"):  # WEC/ACO results: STATUS DSQ
        outcome = "disqualified"
    elif code == "not_classified" or "not classified" in status:
        flag = r.get("took_flag")
        share = r.get("distance_share")
        need = getattr(getattr(race, "classification_rule", None), "min_share", 0.0)
        return [Finish(outcome="not_classified", took_flag=None if flag is None or pd.isna(flag) else bool(flag),
                       distance_share=None if share is None or pd.isna(share) else float(share),
                       min_share=need if need > 0 else None, **common)]  # fmt: skip
    else:
        outcome = "retired"
    in_pits = outcome == "retired" and "retired_in_pits" in r and bool(r.get("retired_in_pits"))
    return [Finish(outcome=outcome, in_pits=in_pits, **common)]


def _best_laps(race, car, mine: pd.DataFrame, cls) -> list[Fact]:
    ranks = sections.driver_rankings(race)
    if ranks is None:
        return []
    r_car = ranks[ranks["car"].astype(str) == car]
    out: list[Fact] = []
    order = {d: i for i, d in enumerate(race.cars.loc[race.cars["car"] == car, "crew"].iloc[0])}
    for r in sorted(r_car.itertuples(index=False), key=lambda x: order.get(x.driver, 99)):
        if r.best_lap is None or pd.isna(r.best_lap):
            continue
        laps = mine[(mine["driver"] == r.driver) & ((mine["lap_time"] - float(r.best_lap)).abs() < 0.0005)]
        lap_no = int(laps["lap"].iloc[0]) if len(laps) else None
        cat = r.category if isinstance(r.category, str) else None
        rank = n = group = None
        if cat and not pd.isna(r.category_rank):
            n = int(((ranks["class"] == cls) & (ranks["category"] == cat)).sum())
            rank, group = int(r.category_rank), cat
        elif not pd.isna(r.class_rank):
            n = int((ranks["class"] == cls).sum())
            rank = int(r.class_rank)
        out.append(
            BestLap(
                kind="best_lap", car=car, cls=cls, laps=_laps([lap_no] if lap_no else []), race_time=None,
                driver=str(r.driver), lap_time=float(r.best_lap), lap=lap_no, rank=rank, of=n, category=group,
                metric=str(r.metric), low_sample=bool(getattr(r, "low_sample", False)),
            )
        )  # fmt: skip
    return out
