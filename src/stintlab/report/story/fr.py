"""Le catalogue français : un modèle de phrase par sorte de fait (:mod:`.facts`), et la façon
française d'écrire ordinaux, durées, nombres de tours et temps au tour.

>>> ordinal(1), ordinal(16), ordinal(1, feminine=False), duration(30.75), laps_label([5]), lap_time(237.412)
('1re', '16e', '1er', '30,8 s', 'tour 5', '3\\'57"412')
"""

from __future__ import annotations

import re

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

CODE = "fr"


# ------------------------------------------------------------------------ wording
def ordinal(n: int, *, feminine: bool = True) -> str:
    """1re (1er au masculin), 2e, 3e…"""
    n = int(n)
    return (f"{n}re" if feminine else f"{n}er") if n == 1 else f"{n}e"


def duration(seconds: float) -> str:
    return duration_text(seconds, decimal=",")


def laps_label(laps) -> str:
    ranges = lap_ranges(laps)
    return f"tour{'s' if len(set(laps)) > 1 else ''} {', '.join(ranges)}" if ranges else ""


def lap_time(seconds: float) -> str:
    """3'57"412: :func:`stintlab.display.lap_time` in French notation."""
    return _lap_time(seconds).replace(":", "'").replace(".", '"')


def laps_count(n: int) -> str:
    n = int(n)
    return f"{n} tour" + ("s" if n > 1 else "")


def hour(n: int) -> str:
    return f"à la {ordinal(n)} heure"


def car(f: Fact, *, start: bool = False) -> str:
    return ("La" if start else "la") + f" n°{f.car}"


def rivals(cars) -> str:
    """la n°59 ; les n°59, 95 et 3 autres."""
    cars = [str(c) for c in cars]
    if len(cars) == 1:
        return f"la n°{cars[0]}"
    rest = len(cars) - MAX_RIVALS
    items = cars[:MAX_RIVALS] + ([f"{rest} autre" + ("s" if rest > 1 else "")] if rest > 0 else [])
    return "les n°" + join(items, " et ")


def to(text: str) -> str:
    """ "à" contracted: à la n°7 / aux n°7 et 8."""
    return "aux " + text[4:] if text.startswith("les ") else "à " + text


def of(name: str) -> str:
    """ "de"/"d'" before a name.

    >>> of("Aliaksandr MALYKHIN"), of("Joel STURM")
    ("d'Aliaksandr MALYKHIN", 'de Joel STURM')
    """
    return ("d'" if name[:1].upper() in "AEIOUYÉÈÊÀÂÎÔÛH" and name[:1].upper() != "H" else "de ") + name


CATEGORIES = {"Platinum": "Platine", "Gold": "Or", "Silver": "Argent", "Bronze": "Bronze"}


# ------------------------------------------------------------------------ phrases
def start(f: Start) -> str:
    team = f" {f.team}" if f.team else ""
    who = f", avec {f.driver} au volant," if f.driver else ""
    return f"{car(f, start=True)}{team}{who} prend le départ en {f.cls}."


def hour1(f: HourOne) -> str:
    place = f"en tête de la catégorie {f.cls}" if f.position == 1 else f"{ordinal(f.position)} de la catégorie {f.cls}"
    return f"Au terme de la première heure, {car(f)} est {place} après {laps_count(f.laps_done)}."


def lead(f: LeadGained) -> str:
    frm = f" aux dépens de la n°{f.rival}" if f.rival else ""
    return f"{hour(f.hour).capitalize()}, {car(f)} prend la tête de la catégorie {f.cls}{frm}."


def lost_lead(f: LeadLost) -> str:
    why = " lors de son arrêt au stand" if f.pitting else ""
    rival = f" à la n°{f.rival}" if f.rival else ""
    text = f"{hour(f.hour).capitalize()}, {car(f)} cède la tête de la catégorie {f.cls}{rival}{why}"
    if f.back_hour is not None:
        when = f"{f.back_after} tours plus tard" if f.back_after > 1 else "au tour suivant"
        if f.back_hour != f.hour:
            when = f"{hour(f.back_hour)}, {when}"
        r2 = f.back_rival
        text += f", puis la reprend {when}" + (f" aux dépens de la n°{r2}" if r2 and r2 != f.rival else "")
    return text + "."


def lead_pit_cycles(f: LeadPitCycles) -> str:
    h0, h1 = f.first_hour, f.last_hour
    span = f"De la {ordinal(h0)} à la {ordinal(h1)} heure" if h1 != h0 else hour(h0).capitalize()
    if not f.rivals:
        who = ""
    elif len(f.rivals) == 1:
        who = f", au profit de la n°{f.rivals[0]}"
    else:
        who = f", au profit des n°{join(f.rivals, ' et ')}"
    return (
        f"{span}, {car(f)} mène la catégorie {f.cls} et ne cède la tête que le temps de ses arrêts "
        f"au stand ({f.stops} fois{who}), pour la reprendre à chaque fois."
    )


NEUTRAL = {"SC": "voiture de sécurité", "FCY": "Full Course Yellow", "RED": "drapeau rouge", "C60": "Code 60 sur tout le circuit"}
#: une neutralisation locale (phase SZ) sous le nom qu'elle prend dans la course (:func:`stintlab.event.local_neutralisation`)
ZONE = {"slow_zone": "zone lente", "code60": "zone Code 60"}
ZONES = {"slow_zone": "zones lentes", "code60": "zones Code 60"}  # the plural
#: les phases dans les tableaux du rapport et des pages web (SZ : :func:`phase_name`)
PHASE_NAMES = {"SC": "Voiture de sécurité", "FCY": "Full Course Yellow", "RED": "Drapeau rouge", "C60": "Code 60 sur tout le circuit"}
#: le titre de la section des neutralisations
PHASES_TITLE = {"slow_zone": "Neutralisations et zones lentes", "code60": "Neutralisations et zones Code 60"}


def zone_word(zone: str = "slow_zone") -> str:
    return ZONE.get(zone, ZONE["slow_zone"])


def phase_name(kind: str, sector: int | None = None, zone: str = "slow_zone") -> str:
    """Une phase telle que les tableaux la nomment : ``Zone Code 60, secteur 4``, ``Zone lente, secteur 2``.

    >>> phase_name("SZ", 4, "code60"), phase_name("SZ", 2), phase_name("SC")
    ('Zone Code 60, secteur 4', 'Zone lente, secteur 2', 'Voiture de sécurité')
    """
    if kind == "SZ":
        word = zone_word(zone)
        word = word[0].upper() + word[1:]
        return f"{word}, secteur {int(sector)}" if sector else word
    return PHASE_NAMES.get(kind, kind)


def neutral(f: Neutral) -> str:
    b, a = f.before, f.after
    what = NEUTRAL.get(f.phase_kind, f.phase_kind)
    head = f"Sous {what}" if f.phase_kind != "RED" else "Pendant l'interruption (drapeau rouge)"
    if f.phase_kind == "SZ":
        head = f"Dans la {zone_word(f.zone)} du secteur {f.sector}" if f.sector else f"Dans une {zone_word(f.zone)}"
    text = f"{head}, de {duration(f.start)} à {duration(f.end)} de course, {car(f)}"
    if f.pitted:
        text += " s'arrête au stand" + (f" (tour {f.pit_lap})" if f.pit_lap is not None else "")
        text += " et" if b and a else ""
    if b and a and b != a:
        verb = "remonte" if a < b else "recule"
        text += f" {verb} de la {ordinal(b)} à la {ordinal(a)} place de la catégorie"
        if f.rivals:
            text += (", devant " if a < b else ", dépassée par ") + rivals(f.rivals)
    elif b and a:
        text += f" conserve sa {ordinal(a)} place"
    return text + "."


def stop(f: Stop) -> str:
    b, a = f.before, f.after
    what = {"garage": "passage au garage", "long": "arrêt long", "drive_through": "drive-through"}.get(
        f.stop_kind, "arrêt"
    )
    if f.on_track_loss is not None:
        driver = f"{f.driver} ({f.category})" if f.driver and f.category else (f.driver or car(f))
        where = f" dans le secteur {f.on_track_sector}" if f.on_track_sector else ""
        text = (f"{hour(f.hour).capitalize()}, au tour {f.lap}, {driver} perd environ {duration(f.on_track_loss)}"
                f" en piste{where} avant un {what}")  # fmt: skip
        text += f" de {duration(f.pit_time)}" if f.pit_time is not None else ""
        text += f" ; au total, cela coûte {duration(f.time_lost)}" if f.time_lost is not None else ""
    else:
        text = f"{hour(f.hour).capitalize()}, un {what}"
        text += f" de {duration(f.pit_time)}" if f.pit_time is not None else ""
        text += f" (tour {f.lap}) coûte {duration(f.time_lost)}" if f.time_lost is not None else f" (tour {f.lap})"
    if f.laps_equiv is not None:
        text += f", soit environ {laps_count(f.laps_equiv)},"
    text += f" à {car(f)}"
    if b and a and a > b:
        text += f", qui passe de la {ordinal(b)} à la {ordinal(a)} place de la catégorie"
        if f.passed_by:
            text += f", dépassée par {rivals(f.passed_by)}"
    elif b and a:
        text += f", qui conserve sa {ordinal(a)} place de la catégorie"
    if f.laps_lost_to and b and a and a > b and set(f.laps_lost_to) == set(f.passed_by):
        text += " ; elle concède un tour à chacune d'elles"  # les mêmes voitures : pas deux fois la liste
    elif f.laps_lost_to:
        text += f" ; elle concède un tour {to(rivals(f.laps_lost_to))}"
    return text + "."


def incident(f: Incident) -> str:
    b, a = f.before, f.after
    driver = f"{f.driver} ({f.category})" if f.driver and f.category else f.driver
    who = f", pilotée par {driver}," if driver else ""
    text = f"{hour(f.hour).capitalize()}, {car(f)}{who} perd {duration(f.time_lost)}"
    if f.laps_equiv is not None:
        text += f" (environ {laps_count(f.laps_equiv)})"
    text += f" en piste ({laps_label(f.laps)})"
    if b and a and a > b:
        text += f" et recule de la {ordinal(b)} à la {ordinal(a)} place de la catégorie"
        if f.passed_by:
            text += f", dépassée par {rivals(f.passed_by)}"
    return text + "."


def finish(f: Finish) -> str:
    the, n = car(f, start=True), laps_count(f.laps_done)
    if f.outcome == "snapshot":
        text = (
            f"Le fichier s'arrête après {duration(f.duration)} de course, course en cours : {car(f)} est "
            f"{ordinal(f.position)} de la catégorie {f.cls} ({ordinal(f.overall)} au général) avec {n}"
        )
        if f.in_pits:
            text += " et se trouve au stand"
        elif f.stopped:
            text += f", mais n'a plus franchi la ligne depuis {hour(f.hour).removeprefix('à ')}"
        return text + "."
    if f.outcome == "stopped_classified":
        return (
            f"{the} s'arrête {hour(f.hour)} après {n} ; "
            f"elle est classée {ordinal(f.position)} de la catégorie {f.cls} ({ordinal(f.overall)} au général)."
        )
    if f.outcome == "won_race":
        return f"{the} remporte la course, et la catégorie {f.cls}, en {n}."
    if f.outcome == "won_class":
        return f"{the} remporte la catégorie {f.cls} ({ordinal(f.overall)} au général) en {n}."
    if f.outcome == "finished":
        return (
            f"{the} termine {ordinal(f.position)} de la catégorie {f.cls} ({ordinal(f.overall)} au général) après {n}."
        )
    if f.outcome == "disqualified":
        return f"{the} est disqualifiée ({n} parcourus)."
    if f.outcome == "not_classified":
        return not_classified(f)
    return f"{the} abandonne{' au stand' if f.in_pits else ''} {hour(f.hour)}, après {n}."


def not_classified(f: Finish) -> str:
    """Pourquoi une voiture n'est pas classée : distance insuffisante malgré le drapeau, ou arrêt."""
    the, n = car(f, start=True), laps_count(f.laps_done)
    share = f"{f.distance_share * 100:.0f} %" if f.distance_share is not None else None
    need = f"{f.min_share * 100:.0f} %" if f.min_share is not None else None
    if f.took_flag and share and need and f.distance_share < f.min_share:  # short of the distance
        return (f"{the} voit le drapeau à damier mais n'est pas classée : {n}, soit {share} de la distance "
                f"du vainqueur ({need} requis).")  # fmt: skip
    if f.took_flag is False:
        return f"{the} s'arrête {hour(f.hour)} après {n} et n'est pas classée."
    return f"{the} n'est pas classée, avec {n}."


#: les mots d'un code de statut de classement (analysis.order.final_status ; STATUS officiels).
STATUS_WORDS = {
    "classified": "Classée", "classified_stopped": "Classée (arrêtée avant le drapeau)",
    "not_classified": "Non classée", "retired": "Abandon",
    "retired_in_pits": "Abandon au stand", "running": "En piste", "in_pits": "Au stand", "stopped": "Arrêtée",
    "disqualified": "Disqualifiée", "did_not_start": "Non partante",
}  # fmt: skip


def status_word(code, in_pits: bool = False, took_flag: bool | None = None) -> str:
    """Un code de statut en mots (``retired`` avec ``in_pits`` : abandon au stand) ; '' sans code."""
    key = status_key(code, in_pits, took_flag)
    return "" if key is None else STATUS_WORDS.get(key, key)


def best_lap(f: BestLap) -> str:
    text = f"Meilleur tour {of(f.driver)} : {lap_time(f.lap_time)}" + (f" (tour {f.lap})" if f.lap else "")
    if f.category:
        group = f"pilotes {CATEGORIES.get(f.category, f.category)} de la catégorie {f.cls}"
    else:
        group = f"pilotes de la catégorie {f.cls}"
    if f.rank == 1:
        text += f" ; premier des {f.of} {group} au classement de rythme ({f.metric})"
    elif f.rank is not None:
        text += f" ; {ordinal(f.rank)} sur {f.of} {group} au classement de rythme ({f.metric})"
    return text + (" — peu de tours propres." if f.low_sample else ".")


#: the summary of the collapsed chronological account under the journalist's story (report, web car page)
FULL_ACCOUNT = "Récit complet"

SENTENCES = {
    "start": start, "hour1": hour1, "lead": lead, "lost_lead": lost_lead, "lead_swap": lost_lead,
    "lead_pit_cycles": lead_pit_cycles, "neutral": neutral, "stop": stop, "incident": incident, "finish": finish,
    "best_lap": best_lap,
}  # fmt: skip


# ------------------------------------------------------------------------ le récit du journaliste
STOP_WORDS = {"garage": "un passage au garage", "long": "un arrêt long", "drive_through": "un drive-through"}
SOURCE_WORDS = {
    "entry list": "liste des engagés", "entry list beside": "liste des engagés", "classification": "résultats",
    "archive": "archives", "estimated": "estimée d'après le rythme",
}  # fmt: skip
NBSP, NNBSP = "\u00a0", "\u202f"


def typography(text: str) -> str:
    """French typography: a non-breaking space (U+00A0) before « : », a narrow one (U+202F) before
    « ; ? ! % », and non-breaking spaces between a number and its unit (24 min 44 s, 6 h 04 min, 3 tours).

    >>> print(typography("25 min 27 s : 88 % ; 6 h 04 min !").encode("unicode_escape").decode())
    25\\xa0min 27\\xa0s\\xa0: 88\\u202f%\\u202f; 6\\xa0h\\xa004\\xa0min\\u202f!
    """
    text = re.sub(r" ([:])", NBSP + r"\1", text)
    text = re.sub(r" ([;?!%])", NNBSP + r"\1", text)
    text = re.sub(r"(\d) (h|min|s|tours?)\b", r"\1" + NBSP + r"\2", text)
    return re.sub(r"(\d\u00a0h) (\d)", r"\1" + NBSP + r"\2", text)  # 6 h 04 min: one block


def _moved(f) -> str:
    b, a = getattr(f, "before", None), getattr(f, "after", None)
    if b and a and b != a:
        return f" et l'a fait passer de la {ordinal(b)} à la {ordinal(a)} place"
    return ""


def decider(m) -> str:
    """Le moment décisif en groupe nominal : un passage au garage au tour 182 …"""
    f = m.fact
    if isinstance(f, Stop):
        cost = f.time_lost if f.time_lost is not None else f.on_track_loss
        text = f"{STOP_WORDS.get(f.stop_kind, 'un arrêt')} au tour {f.lap} ({hour(f.hour)})"
        return text + (f", qui lui a coûté {duration(cost)}" if cost is not None else "") + _moved(f)
    if isinstance(f, Incident):
        return f"{duration(f.time_lost)} perdues en piste {hour(f.hour)} ({laps_label(f.laps)})"
    if isinstance(f, Neutral):
        what = {"SC": "la voiture de sécurité", "FCY": "la Full Course Yellow", "RED": "le drapeau rouge"}.get(
            f.phase_kind, f"une {zone_word(f.zone)}")
        h = int(f.start // 3600) + 1
        if f.pitted:
            return f"{what} {hour(h)}, qui l'a surprise au stand" + _moved(f)
        return f"{what} {hour(h)}" + _moved(f).replace(" et ", ", qui ", 1)
    return f"la perte de la tête {hour(f.hour)}" + (f" au profit de la n°{f.rival}" if getattr(f, "rival", None) else "")


def headline(f) -> str:
    text = finish(f.finish)[:-1]
    if f.lead_from_hour is not None:
        if f.lead_from_hour <= 1:
            return text + ", en tête de sa catégorie à chaque heure de course."
        return text + f", en tête à chaque pointage horaire depuis la {ordinal(f.lead_from_hour)} heure."
    if f.decider is not None:
        return text + f" ; le tournant : {decider(f.decider)}."
    return text + "."


def moment(m) -> str:
    return SENTENCES[m.fact.kind](m.fact)


def _hours(n: int) -> str:
    return f"{n} heure" + ("s" if n > 1 else "")


def hour_mark(f) -> str:
    if f.mode == "last_lead":
        return f"Après {_hours(f.hour)}, elle menait encore la catégorie {f.cls} ({laps_count(f.laps_done)})."
    if f.mode == "before_lead":
        return f"Après {_hours(f.hour)}, elle n'était encore que {ordinal(f.position)} de la catégorie {f.cls}."
    return f"Sa meilleure place à un pointage horaire : {ordinal(f.position)} de la catégorie {f.cls}, après {_hours(f.hour)}."


def crew(f) -> str:
    items = []
    for name, cat, src in f.drivers:
        if cat:
            items.append(f"{name} ({CATEGORIES.get(cat, cat)}, {SOURCE_WORDS.get(src, src)})")
        else:
            items.append(f"{name} (catégorie inconnue)")
    return f"L'équipage : {join(items, ' et ')}."


WHATIF_EVENT = {"stop": "{what} du tour {lap}", "incident": "le temps perdu au tour {lap}",
                "neutral": "ce qu'elle a perdu pendant la neutralisation du tour {lap}"}  # fmt: skip


def whatif(f) -> str:
    what = {"garage": "le passage au garage", "long": "l'arrêt long", "drive_through": "le drive-through"}
    event = WHATIF_EVENT[f.event].format(lap=f.lap, what=what.get(f.stop_kind, "l'arrêt"))
    place = "remporté" if f.projected == 1 else f"terminé {ordinal(f.projected)} de"
    share = f"{f.share * 100:.0f} %"
    return (f"Sans {event}, elle aurait le plus probablement {place} la catégorie {f.cls}, et non "
            f"{ordinal(f.actual)} : {share} des {f.runs} simulations.")  # fmt: skip


def pace(f) -> str:
    def group(b):
        return f"pilotes {CATEGORIES.get(b.category, b.category)} de {b.cls}" if b.category else f"pilotes de {b.cls}"

    same = len({(group(b), b.of) for b in f.drivers}) == 1
    if same:  # un seul groupe pour l'équipage : dit une fois
        parts = [f"{b.driver} {ordinal(b.rank, feminine=False)}" for b in f.drivers]
        return f"Au rythme ({f.drivers[0].metric}), parmi les {f.drivers[0].of} {group(f.drivers[0])} : {join(parts, ', ')}."
    parts = [f"{b.driver} {ordinal(b.rank, feminine=False)} sur {b.of} {group(b)}" for b in f.drivers]
    return f"Au rythme ({f.drivers[0].metric}) : {join(parts, ', ')}."


SENTENCES.update(
    {"headline": headline, "moment": moment, "hour_mark": hour_mark, "crew": crew, "whatif": whatif, "pace": pace}
)


# ------------------------------------------------------------------------ la chronologie d'une voiture
EVENTS_TITLE = "événements de la n°{car}"
PHASE_SOURCE = {
    "flag_column": "d'après la colonne des drapeaux FLAG_AT_FL", "lap_times": "déduites des temps au tour",
    "lap_and_sector_times": "déduites des temps au tour et des temps intermédiaires",
}  # fmt: skip
EVENT_STOPS = {"long": "Arrêt long", "garage": "Passage au garage", "drive_through": "Drive-through"}


def event_text(e, zone: str = "slow_zone") -> str:
    """Un événement de la chronologie d'une voiture (une ligne de
    :func:`stintlab.analysis.timeline.car_events`) en une ligne, d'après ses colonnes typées.

    >>> print(event_text({"kind": "stop", "stop_kind": "garage", "pit_time": 1484.03, "time_lost": 1526.7,
    ...                   "driver_change": False}))
    Passage au garage (24'44"030 au stand, 25'26"700 perdues)
    """

    def get(key):
        v = e.get(key)
        return v if given(v) else None

    kind, driver = e["kind"], get("driver")
    where = "au stand" if get("in_pits") else "en piste"
    if kind == "start":
        text = f"Départ, {driver} au volant"
    elif kind == "stint":
        text = f"Relais {get('stint')} : {driver} ({'changement de pilote' if get('driver_change') else 'même pilote'})"
    elif kind == "stop" and get("stop_kind") == "final":
        text = "Abandon au stand"
    elif kind == "stop":
        pit, lost = get("pit_time"), get("time_lost")
        text = f"{lap_time(pit)} au stand" if pit is not None else "temps au stand inconnu"
        text += f", {lap_time(lost)} perdues" if lost is not None else ""
        text += f", {driver} → {get('driver_out')}" if get("driver_change") else ""
        text = f"{EVENT_STOPS.get(get('stop_kind'), 'Arrêt')} ({text})"
    elif kind == "incident":
        text = f"Tour lent en {lap_time(get('lap_time'))} : {lap_time(get('time_lost'))} perdues"
    elif kind == "neutralisation":
        phase, sector = get("phase_kind"), get("phase_sector")
        what = phase_name(str(phase), zone=zone)
        if phase == "SZ" and sector:
            what += f" dans le secteur {int(sector)}"
        text = f"{what}, de {_clock(get('phase_start'))} à {_clock(get('phase_end'))}"
        text += " (phase déduite)" if get("phase_inferred") and phase != "SZ" else ""
    elif kind in ("lead_gained", "lead_lost"):
        rival = (get("rivals") or ["?"])[0]
        text = f"Prend la tête de la catégorie aux dépens de la n°{rival}" if kind == "lead_gained" else (
            f"Cède la tête de la catégorie à la n°{rival}")  # fmt: skip
    elif kind == "finish":
        text = f"Arrivée, {laps_count(get('laps'))}"
    elif kind == "retired":
        text = f"Dernier passage ({where}), {laps_count(get('laps'))}"
    elif kind == "file_end":
        text = f"Dernier passage avant la fin du fichier ({where}), {laps_count(get('laps'))}"
    else:
        text = str(kind)
    return typography(text)
