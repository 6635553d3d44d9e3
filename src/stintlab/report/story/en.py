"""The English catalog: one template per fact kind (:mod:`.facts`), and the English wording of
numbers, ordinals, durations, lap counts and lap times.

>>> ordinal(1), ordinal(2), ordinal(13), laps_label([5, 6, 7, 12]), lap_time(237.412)
('1st', '2nd', '13th', 'laps 5–7, 12', '3:57.412')
"""

from __future__ import annotations

from stintlab.display import duration as _clock
from stintlab.display import lap_time as _lap_time
from stintlab.report.story.facts import (
    BestLap,
    Fact,
    Finish,
    HourOne,
    Incident,
    LeadGained,
    LeadLost,
    LeadPitCycles,
    Neutral,
    Start,
    Stop,
)
from stintlab.report.story.wording import MAX_RIVALS, duration_text, given, join, lap_ranges, status_key

CODE = "en"


# ------------------------------------------------------------------------ wording
def ordinal(n: int, *, feminine: bool = True) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 21st (``feminine`` is for languages that need it)."""
    n = int(n)
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def duration(seconds: float) -> str:
    return duration_text(seconds)


def laps_label(laps) -> str:
    ranges = lap_ranges(laps)
    return f"lap{'s' if len(set(laps)) > 1 else ''} {', '.join(ranges)}" if ranges else ""


def lap_time(seconds: float) -> str:
    return _lap_time(seconds)


def laps_count(n: int) -> str:
    n = int(n)
    return f"{n} lap" + ("s" if n != 1 else "")


def hour(n: int) -> str:
    return f"in hour {int(n)}"


def car(f: Fact, *, start: bool = False) -> str:
    return ("The" if start else "the") + f" #{f.car}"


def rivals(cars) -> str:
    """#59, #95 and 3 others."""
    cars = [str(c) for c in cars]
    rest = len(cars) - MAX_RIVALS
    items = [f"#{c}" for c in cars[:MAX_RIVALS]] + ([f"{rest} other" + ("s" if rest > 1 else "")] if rest > 0 else [])
    return join(items, " and ")


# ------------------------------------------------------------------------ sentences
def start(f: Start) -> str:
    team = f" {f.team}" if f.team else ""
    who = f" with {f.driver} at the wheel" if f.driver else ""
    return f"{car(f, start=True)}{team} took the start in {f.cls}{who}."


def hour1(f: HourOne) -> str:
    place = f"led {f.cls}" if f.position == 1 else f"was {ordinal(f.position)} in {f.cls}"
    return f"After the first hour {car(f)} {place}, with {laps_count(f.laps_done)} completed."


def lead(f: LeadGained) -> str:
    frm = f" from #{f.rival}" if f.rival else ""
    return f"{hour(f.hour).capitalize()}, {car(f)} took the {f.cls} lead{frm}."


def lost_lead(f: LeadLost) -> str:
    why = " while it pitted" if f.pitting else ""
    to = f" to #{f.rival}" if f.rival else ""
    text = f"{hour(f.hour).capitalize()}, {car(f)} lost the {f.cls} lead{to}{why}"
    if f.back_hour is not None:
        when = f"{f.back_after} laps later" if f.back_after > 1 else "on the next lap"
        if f.back_hour != f.hour:
            when = f"{hour(f.back_hour)}, {when}"
        r2 = f.back_rival
        text += f", and took it back {when}" + (f" from #{r2}" if r2 and r2 != f.rival else "")
    return text + "."


def lead_pit_cycles(f: LeadPitCycles) -> str:
    h0, h1 = f.first_hour, f.last_hour
    span = f"From hour {h0} to hour {h1}" if h1 != h0 else hour(h0).capitalize()
    who = f" (to {join(['#' + r for r in f.rivals], ' and ')})" if f.rivals else ""
    return (
        f"{span}, {car(f)} led {f.cls} but for its pit stops: it handed the lead over at {f.stops} stops{who} "
        "and took it back each time."
    )


CATEGORIES = {"Platinum": "Platinum", "Gold": "Gold", "Silver": "Silver", "Bronze": "Bronze"}  # FIA driver categories
NEUTRAL = {"SC": "the safety car", "FCY": "a full-course yellow", "RED": "a red flag", "C60": "a full-course Code 60"}
#: a local neutralisation (phase kind SZ) by the name it takes in the race (:func:`stintlab.event.local_neutralisation`)
ZONE = {"slow_zone": "slow zone", "code60": "Code 60 zone"}
ZONES = {"slow_zone": "slow zones", "code60": "Code 60 zones"}  # the plural
#: the phases' names in the report's and the web pages' tables (SZ: :func:`phase_name`)
PHASE_NAMES = {"SC": "Safety car", "FCY": "Full-course yellow", "RED": "Red flag", "C60": "Full-course Code 60"}
#: the title of the neutralisations section
PHASES_TITLE = {"slow_zone": "Neutralisations and slow zones", "code60": "Neutralisations and Code 60 zones"}


def zone_word(zone: str = "slow_zone") -> str:
    return ZONE.get(zone, ZONE["slow_zone"])


def phase_name(kind: str, sector: int | None = None, zone: str = "slow_zone") -> str:
    """A phase as the tables name it: ``Code 60 zone, sector 4``, ``Slow zone, sector 2``, ``Safety car``.

    >>> phase_name("SZ", 4, "code60"), phase_name("SZ", 2), phase_name("SC")
    ('Code 60 zone, sector 4', 'Slow zone, sector 2', 'Safety car')
    """
    if kind == "SZ":
        word = zone_word(zone)
        word = word[0].upper() + word[1:]
        return f"{word}, sector {int(sector)}" if sector else word
    return PHASE_NAMES.get(kind, kind)


def neutral(f: Neutral) -> str:
    b, a = f.before, f.after
    head = f"Under {NEUTRAL.get(f.phase_kind, f.phase_kind)}" if f.phase_kind != "RED" else "During the red flag"
    if f.phase_kind == "SZ":
        head = f"In the {zone_word(f.zone)} of sector {f.sector}" if f.sector else f"In a {zone_word(f.zone)}"
    text = f"{head} from {duration(f.start)} to {duration(f.end)} of racing, {car(f)}"
    if f.pitted:
        text += " pitted" + (f" (lap {f.pit_lap})" if f.pit_lap is not None else "")
        text += " and" if b and a else ""
    if b and a and b != a:
        verb = "climbed" if a < b else "dropped"
        text += f" {verb} from {ordinal(b)} to {ordinal(a)} in {f.cls}"
        if f.rivals:
            text += (", ahead of " if a < b else ", passed by ") + rivals(f.rivals)
    elif b and a:
        text += f" kept {ordinal(a)} place in {f.cls}"
    return text + "."


def stop(f: Stop) -> str:
    b, a = f.before, f.after
    what = {"garage": "garage stop", "long": "long stop", "drive_through": "drive-through"}.get(f.stop_kind, "stop")
    if f.on_track_loss is not None:
        driver = f"{f.driver} ({f.category})" if f.driver and f.category else (f.driver or car(f).capitalize())
        where = f" in sector {f.on_track_sector}" if f.on_track_sector else ""
        text = (f"{hour(f.hour).capitalize()}, on lap {f.lap}, {driver} lost about {duration(f.on_track_loss)}"
                f" on track{where} before a {what}")  # fmt: skip
        text += f" of {duration(f.pit_time)}" if f.pit_time is not None else ""
        text += f"; in all {car(f)} lost {duration(f.time_lost)}" if f.time_lost is not None else ""
    else:
        text = f"{hour(f.hour).capitalize()}, a {what}"
        text += f" of {duration(f.pit_time)}" if f.pit_time is not None else ""
        text += f" (lap {f.lap}) cost {car(f)} {duration(f.time_lost)}" if f.time_lost is not None else f" (lap {f.lap})"
    if f.laps_equiv is not None:
        text += f", about {laps_count(f.laps_equiv)}"
    if b and a and a > b:
        text += f": it fell from {ordinal(b)} to {ordinal(a)} in {f.cls}"
        if f.passed_by:
            text += f", passed by {rivals(f.passed_by)}"
    elif b and a:
        text += f", but it kept {ordinal(a)} in {f.cls}"
    if f.laps_lost_to and b and a and a > b and set(f.laps_lost_to) == set(f.passed_by):
        text += ", and lost a lap to each of them"  # the same cars: not listed twice
    elif f.laps_lost_to:
        text += f", and lost a lap to {rivals(f.laps_lost_to)}"
    return text + "."


def incident(f: Incident) -> str:
    b, a = f.before, f.after
    driver = f"{f.driver} ({f.category})" if f.driver and f.category else f.driver
    who = f" with {driver} driving" if driver else ""
    text = f"{hour(f.hour).capitalize()}, {car(f)}{who} lost {duration(f.time_lost)}"
    if f.laps_equiv is not None:
        text += f" (about {laps_count(f.laps_equiv)})"
    text += f" on track ({laps_label(f.laps)})"
    if b and a and a > b:
        text += f" and dropped from {ordinal(b)} to {ordinal(a)} in {f.cls}"
        if f.passed_by:
            text += f", passed by {rivals(f.passed_by)}"
    return text + "."


def finish(f: Finish) -> str:
    the, n = car(f, start=True), laps_count(f.laps_done)
    if f.outcome == "snapshot":
        text = (
            f"The file ends after {duration(f.duration)} of racing, with the race still running: {car(f)} is "
            f"{ordinal(f.position)} in {f.cls} ({ordinal(f.overall)} overall) with {n}"
        )
        if f.in_pits:
            text += ", in the pits"
        elif f.stopped:
            text += f", but has not crossed the line since hour {f.hour}"
        return text + "."
    if f.outcome == "stopped_classified":
        return (
            f"{the} stopped {hour(f.hour)} after {n} "
            f"and was classified {ordinal(f.position)} in {f.cls} ({ordinal(f.overall)} overall)."
        )
    if f.outcome == "won_race":
        return f"{the} won the race, and {f.cls}, with {n}."
    if f.outcome == "won_class":
        return f"{the} won {f.cls} ({ordinal(f.overall)} overall) with {n}."
    if f.outcome == "finished":
        return f"{the} finished {ordinal(f.position)} in {f.cls} ({ordinal(f.overall)} overall) after {n}."
    if f.outcome == "disqualified":
        return f"{the} was disqualified ({n} covered)."
    if f.outcome == "not_classified":
        return not_classified(f)
    return f"{the} retired{' in the pits' if f.in_pits else ''} {hour(f.hour)}, after {n}."


def not_classified(f: Finish) -> str:
    """Why a car is not classified: short of the distance although it took the flag, or stopped."""
    the, n = car(f, start=True), laps_count(f.laps_done)
    share = f"{f.distance_share:.0%}" if f.distance_share is not None else None
    need = f"{f.min_share:.0%}" if f.min_share is not None else None
    if f.took_flag and share and need and f.distance_share < f.min_share:  # short of the distance
        return (f"{the} took the chequered flag but was not classified: {n}, {share} of the winner's distance "
                f"({need} needed).")  # fmt: skip
    if f.took_flag is False:
        return f"{the} stopped {hour(f.hour)} after {n} and was not classified."
    return f"{the} was not classified, with {n}."


#: the words for a classification status code (analysis.order.final_status; official STATUS codes).
STATUS_WORDS = {
    "classified": "Classified", "classified_stopped": "Classified (stopped before the flag)",
    "not_classified": "Not classified", "retired": "Retired",
    "retired_in_pits": "Retired in the pits", "running": "Running", "in_pits": "In the pits", "stopped": "Stopped",
    "disqualified": "Disqualified", "did_not_start": "Did not start",
}  # fmt: skip


def status_word(code, in_pits: bool = False, took_flag: bool | None = None) -> str:
    """A status code in words (``retired`` with ``in_pits``: retired in the pits); '' for none."""
    key = status_key(code, in_pits, took_flag)
    return "" if key is None else STATUS_WORDS.get(key, key)


def best_lap(f: BestLap) -> str:
    text = f"{f.driver}'s best lap was {lap_time(f.lap_time)}" + (f" (lap {f.lap})" if f.lap else "")
    if f.rank is not None:
        group = f"{f.category} drivers in {f.cls}" if f.category else f"drivers in {f.cls}"
        text += f"; {ordinal(f.rank)} of {f.of} {group} on pace ({f.metric})"
    return text + (" — few clean laps." if f.low_sample else ".")


#: the summary of the collapsed chronological account under the journalist's story (report, web car page)
FULL_ACCOUNT = "Full account"

SENTENCES = {
    "start": start, "hour1": hour1, "lead": lead, "lost_lead": lost_lead, "lead_swap": lost_lead,
    "lead_pit_cycles": lead_pit_cycles, "neutral": neutral, "stop": stop, "incident": incident, "finish": finish,
    "best_lap": best_lap,
}  # fmt: skip


# ------------------------------------------------------------------------ the journalist's story
STOP_WORDS = {"garage": "garage stop", "long": "long stop", "drive_through": "drive-through"}
SOURCE_WORDS = {
    "entry list": "entry list", "entry list beside": "entry list", "classification": "results",
    "archive": "archive", "estimated": "estimated from pace",
}  # fmt: skip


def _moved(f) -> str:
    b, a = getattr(f, "before", None), getattr(f, "after", None)
    if b and a and b != a:
        return f" and {'lifted' if a < b else 'dropped'} it from {ordinal(b)} to {ordinal(a)}"
    return ""


def decider(m) -> str:
    """The decisive moment as a noun phrase: a garage stop in hour 17 that cost 25 min 27 s …"""
    f = m.fact
    if isinstance(f, Stop):
        cost = f.time_lost if f.time_lost is not None else f.on_track_loss
        text = f"a {STOP_WORDS.get(f.stop_kind, 'stop')} on lap {f.lap} ({hour(f.hour)})"
        return text + (f" that cost {duration(cost)}" if cost is not None else "") + _moved(f)
    if isinstance(f, Incident):
        return f"{duration(f.time_lost)} lost on track {hour(f.hour)} ({laps_label(f.laps)})" + (
            f" that dropped it from {ordinal(f.before)} to {ordinal(f.after)}"
            if f.before and f.after and f.after > f.before else ""
        )  # fmt: skip
    if isinstance(f, Neutral):
        what = NEUTRAL.get(f.phase_kind, f"a {zone_word(f.zone)}" if f.phase_kind == "SZ" else f.phase_kind)
        h = int(f.start // 3600) + 1
        if f.pitted:
            return f"{what} {hour(h)}, which caught it in the pits" + _moved(f)
        return f"{what} {hour(h)}" + _moved(f).replace(" and ", ", which ", 1)
    return f"losing the lead {hour(f.hour)}" + (f" to #{f.rival}" if getattr(f, "rival", None) else "")


def headline(f) -> str:
    text = finish(f.finish)[:-1]
    if f.lead_from_hour is not None:
        if f.lead_from_hour <= 1:
            return text + ", leading its class at every hourly mark."
        return text + f", leading at every hourly mark from hour {f.lead_from_hour} on."
    if f.decider is not None:
        return text + f"; what decided it: {decider(f.decider)}."
    return text + "."


def moment(m) -> str:
    return SENTENCES[m.fact.kind](m.fact)


def hour_mark(f) -> str:
    if f.mode == "last_lead":
        return f"It was still leading {f.cls} after {f.hour} hour{'s' if f.hour > 1 else ''} ({laps_count(f.laps_done)})."
    if f.mode == "before_lead":
        return f"After {f.hour} hour{'s' if f.hour > 1 else ''} it was still only {ordinal(f.position)} in {f.cls}."
    return f"Its best place at an hourly mark was {ordinal(f.position)} in {f.cls}, after {f.hour} hour{'s' if f.hour > 1 else ''}."


def crew(f) -> str:
    items = []
    for name, cat, src in f.drivers:
        if cat:
            items.append(f"{name} ({cat}, {SOURCE_WORDS.get(src, src)})")
        else:
            items.append(f"{name} (category unknown)")
    return f"The crew: {join(items, ' and ')}."


WHATIF_EVENT = {"stop": "the lap-{lap} {what}", "incident": "the time lost on lap {lap}", "neutral": "what it lost in the neutralisation of lap {lap}"}


def whatif(f) -> str:
    event = WHATIF_EVENT[f.event].format(lap=f.lap, what=STOP_WORDS.get(f.stop_kind, "stop"))
    place = f"won {f.cls}" if f.projected == 1 else f"finished {ordinal(f.projected)} in {f.cls}"
    return (f"Without {event} it would most likely have {place}, not {ordinal(f.actual)}: "
            f"{f.share:.0%} of {f.runs} replays.")  # fmt: skip


def pace(f) -> str:
    def group(b):
        return f"{b.category} drivers in {b.cls}" if b.category else f"drivers in {b.cls}"

    same = len({(group(b), b.of) for b in f.drivers}) == 1
    if same:  # one group for the crew: said once
        parts = [f"{b.driver} {ordinal(b.rank)}" for b in f.drivers]
        return f"On pace ({f.drivers[0].metric}) among the {f.drivers[0].of} {group(f.drivers[0])}: {join(parts, ', ')}."
    parts = [f"{b.driver} {ordinal(b.rank)} of {b.of} {group(b)}" for b in f.drivers]
    return f"On pace ({f.drivers[0].metric}): {join(parts, ', ')}."


SENTENCES.update(
    {"headline": headline, "moment": moment, "hour_mark": hour_mark, "crew": crew, "whatif": whatif, "pace": pace}
)


# ------------------------------------------------------------------------ a car's timeline, one line per event
#: the title of ``stintlab events``
EVENTS_TITLE = "events of #{car}"
#: where the neutralisation phases of a race come from (:attr:`stintlab.race.Race.phase_source`)
PHASE_SOURCE = {
    "flag_column": "from the flag column FLAG_AT_FL", "lap_times": "inferred from lap times",
    "lap_and_sector_times": "inferred from lap and sector times",
}  # fmt: skip
#: whole-course phases in the timeline: SC, FCY and RED by their codes, a full-course Code 60 in words
EVENT_PHASES = {"C60": "Full-course Code 60"}


EVENT_STOPS = {"normal": "Normal stop", "long": "Long stop", "garage": "Garage stop", "drive_through": "Drive-through"}


def event_text(e, zone: str = "slow_zone") -> str:
    """One event of a car's timeline (a row of :func:`stintlab.analysis.timeline.car_events`, a dict)
    in a line, from its typed columns; ``zone``: what a local neutralisation is called in the race.

    >>> event_text({"kind": "stop", "stop_kind": "normal", "pit_time": 78.7, "time_lost": 74.21,
    ...             "driver_change": False})
    'Normal stop (pit 1:18.700, 1:14.210 lost)'
    >>> event_text({"kind": "stop", "stop_kind": "drive_through", "pit_time": 31.2, "time_lost": 29.9,
    ...             "driver_change": False})
    'Drive-through (pit 0:31.200, 0:29.900 lost)'
    >>> event_text({"kind": "neutralisation", "phase_kind": "SZ", "phase_sector": 4, "phase_start": 2359.0,
    ...             "phase_end": 7191.0, "phase_inferred": True}, zone="code60")
    'Code 60 zone in sector 4 0:39:19 to 1:59:51'
    """

    def get(key):
        v = e.get(key)
        return v if given(v) else None

    kind, driver = e["kind"], get("driver")
    where = "in the pits" if get("in_pits") else "on track"
    if kind == "start":
        return f"Start, {driver} driving"
    if kind == "stint":
        return f"Stint {get('stint')}: {driver} ({'driver change' if get('driver_change') else 'same driver'})"
    if kind == "stop":
        if get("stop_kind") == "final":
            return "Retired in the pits"
        pit, lost = get("pit_time"), get("time_lost")
        text = f"pit {lap_time(pit)}" if pit is not None else "pit time unknown"
        text += f", {lap_time(lost)} lost" if lost is not None else ""
        text += f", {driver} -> {get('driver_out')}" if get("driver_change") else ""
        return f"{EVENT_STOPS.get(get('stop_kind'), 'Stop')} ({text})"
    if kind == "incident":
        return f"Slow lap {lap_time(get('lap_time'))}: {lap_time(get('time_lost'))} lost"
    if kind == "neutralisation":
        phase, sector = get("phase_kind"), get("phase_sector")
        if phase == "SZ":
            word = zone_word(zone)
            what = word[0].upper() + word[1:] + (f" in sector {int(sector)}" if sector else "")
        else:
            what = EVENT_PHASES.get(phase, str(phase))
        text = f"{what} {_clock(get('phase_start'))} to {_clock(get('phase_end'))}"
        return text + (" (inferred)" if get("phase_inferred") and phase != "SZ" else "")
    rival = (get("rivals") or ["?"])[0]
    if kind == "lead_gained":
        return f"Took the class lead from #{rival}"
    if kind == "lead_lost":
        return f"Lost the class lead to #{rival}"
    if kind == "finish":
        return f"Finished, {laps_count(get('laps'))}"
    if kind == "retired":
        return f"Last crossing ({where}), {laps_count(get('laps'))}"
    if kind == "file_end":
        return f"Last crossing before the file ends ({where}), {laps_count(get('laps'))}"
    return str(kind)
