"""The story of one car's race, in English or French: deterministic templates filled from the
analysis tables (the car timeline, stops, neutralisations, incidents, driver pace), never a
language model. Every sentence carries the laps it is built from (``laps``), so the report
can link it to the rows of the lap file behind it.

A sentence is a dict: ``key`` (what kind: start, hour1, lead, lost_lead, neutral, stop,
incident, finish, best_lap), ``text``, ``laps`` (lap numbers of the car, ascending) and
``race_time`` (race seconds it refers to, or None).

>>> ordinal(1, "en"), ordinal(2, "en"), ordinal(13, "en"), ordinal(1, "fr"), ordinal(16, "fr")
('1st', '2nd', '13th', '1re', '16e')
>>> duration_text(83.4, "en"), duration_text(30.75, "fr"), duration_text(3725, "fr")
('1 min 23 s', '30,8 s', '1 h 02 min')
>>> laps_label([5, 6, 7, 12], "en"), laps_label([5], "fr")
('laps 5–7, 12', 'tour 5')
"""

from __future__ import annotations

import math

import pandas as pd

from stintlab.analysis.classification import race_finished
from stintlab.report import sections
from stintlab.report.page import esc

__all__ = ["story", "story_html", "ordinal", "duration_text", "laps_label", "LANGS"]

LANGS = ("en", "fr")


# ------------------------------------------------------------------------ wording helpers
def ordinal(n: int, lang: str, *, feminine: bool = True) -> str:
    """1st/2nd/3rd… in English; 1re (or 1er)/2e/3e… in French."""
    n = int(n)
    if lang == "fr":
        return (f"{n}re" if feminine else f"{n}er") if n == 1 else f"{n}e"
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def duration_text(seconds: float, lang: str) -> str:
    """A duration as a race report writes it: 1 min 23 s, 30.8 s (30,8 s in French), 1 h 02 min."""
    s = float(seconds)
    if lang == "fr":
        if s >= 3600:
            h, rem = divmod(int(round(s)), 3600)
            return f"{h} h {rem // 60:02d} min"
        if s >= 60:
            m, rem = divmod(int(round(s)), 60)
            return f"{m} min {rem:02d} s" if rem else f"{m} min"
        return f"{s:.1f} s".replace(".", ",")
    if s >= 3600:
        h, rem = divmod(int(round(s)), 3600)
        return f"{h} h {rem // 60:02d} min"
    if s >= 60:
        m, rem = divmod(int(round(s)), 60)
        return f"{m} min {rem:02d} s" if rem else f"{m} min"
    return f"{s:.1f} s"


def laps_label(laps: list[int], lang: str) -> str:
    """Lap numbers as ranges: ``laps 5–7, 12`` / ``tours 5–7, 12``."""
    laps = sorted({int(x) for x in laps})
    if not laps:
        return ""
    parts, start, prev = [], laps[0], laps[0]
    for x in laps[1:] + [None]:
        if x is not None and x == prev + 1:
            prev = x
            continue
        parts.append(f"{start}" if start == prev else f"{start}–{prev}")
        if x is not None:
            start = prev = x
    word = ("tour" if lang == "fr" else "lap") + ("s" if len(laps) > 1 else "")
    return f"{word} {', '.join(parts)}"


def _laps_count(n: int, lang: str) -> str:
    n = int(n)
    if lang == "fr":
        return f"{n} tour" + ("s" if n > 1 else "")
    return f"{n} lap" + ("s" if n != 1 else "")


def _hour(n: int, lang: str) -> str:
    """'in hour 16' / 'à la 16e heure'."""
    return f"à la {ordinal(n, 'fr')} heure" if lang == "fr" else f"in hour {int(n)}"


def _car(car: str, lang: str, *, start: bool = False) -> str:
    if lang == "fr":
        return ("La" if start else "la") + f" n°{car}"
    return ("The" if start else "the") + f" #{car}"


def _names(items: list[str], lang: str) -> str:
    items = [str(x) for x in items]
    if len(items) <= 1:
        return "".join(items)
    conj = " et " if lang == "fr" else " and "
    return ", ".join(items[:-1]) + conj + items[-1]


def _sentence(key: str, text: str, laps, race_time=None) -> dict:
    laps = sorted({int(x) for x in laps if x is not None and not (isinstance(x, float) and math.isnan(x))})
    rt = (
        None
        if race_time is None or (isinstance(race_time, float) and math.isnan(race_time))
        else round(float(race_time), 3)
    )
    return {"key": key, "text": text, "laps": laps, "race_time": rt}


# ------------------------------------------------------------------------ the story
MAX_RIVALS = 5
SHORT_STOP_KINDS = ("normal",)


def story(race, car: str, lang: str = "en") -> list[dict]:
    """The story of ``car`` in ``race`` (``lang`` en or fr): a list of sentence dicts, in race order:
    start, class position after hour 1, each class lead change, the neutralisations that changed
    its class position or caught it in the pits, every long/garage stop and incident with its
    cost in time and laps and the rivals involved, the result, each driver's best lap and rank."""
    from stintlab.errors import StintlabUsageError

    if lang not in LANGS:
        raise StintlabUsageError(f"unknown language {lang!r} (use en or fr)")
    car = sections.car_or_error(race, car)
    mine = race.laps[race.laps["car"] == car]
    if mine.empty:
        return []
    info = race.cars[race.cars["car"] == car].iloc[0]
    cls = str(info["class"])
    events = sections.car_timeline(race, car)
    body: list[dict] = []
    body += _start(car, mine, info, lang)
    body += _hour_one(race, car, cls, lang)
    if events is not None:
        stops = sections.stops(race)
        stops = None if stops is None else stops[stops["car"].astype(str) == car]
        cats = sections.categories(race)
        grade = {
            str(d): str(c)
            for c_, d, c in zip(cats["car"].astype(str), cats["driver"], cats["category"], strict=False)
            if c_ == car and isinstance(c, str) and c
        }
        body += _events(race, events, stops, mine, car, cls, lang, grade)
    body.sort(key=lambda x: x["race_time"] if x["race_time"] is not None else 0.0)
    body = _merge_pit_swaps(body, car, cls, lang)
    stopped_early = events is not None and len(events) and str(events["kind"].iloc[-1]) == "retired"
    body += _finish(race, car, mine, info, lang, stopped_early=bool(stopped_early))
    body += _best_laps(race, car, mine, cls, lang)
    return body


def _rivals(cars, lang: str) -> str:
    """#59, #95 and 3 others / la n°59 ; les n°59, 95 et 3 autres."""
    cars = [str(c) for c in cars]
    rest = len(cars) - MAX_RIVALS
    shown = cars[:MAX_RIVALS]
    if lang == "fr":
        if len(cars) == 1:
            return f"la n°{cars[0]}"
        items = shown + ([f"{rest} autre" + ("s" if rest > 1 else "")] if rest > 0 else [])
        return "les n°" + _names(items, lang)
    items = [f"#{c}" for c in shown] + ([f"{rest} other" + ("s" if rest > 1 else "")] if rest > 0 else [])
    return _names(items, lang)


def _a(text: str) -> str:
    """French "à" contracted: à la n°7 / aux n°7 et 8."""
    return "aux " + text[4:] if text.startswith("les ") else "à " + text


def _de(name: str) -> str:
    """French "de"/"d'" before a name.

    >>> _de("Aliaksandr MALYKHIN"), _de("Joel STURM")
    ("d'Aliaksandr MALYKHIN", 'de Joel STURM')
    """
    return ("d'" if name[:1].upper() in "AEIOUYÉÈÊÀÂÎÔÛH" and name[:1].upper() != "H" else "de ") + name


def _pos(v) -> int | None:
    return None if v is None or pd.isna(v) else int(v)


def _start(car, mine: pd.DataFrame, info, lang: str) -> list[dict]:
    first = mine.iloc[0]
    driver = first["driver"] if isinstance(first["driver"], str) else None
    team, cls = info["team"], info["class"]
    team = f" {team}" if isinstance(team, str) and team else ""  # a file without TEAM: no "<NA>"
    if lang == "fr":
        who = f", avec {driver} au volant," if driver else ""
        text = f"{_car(car, lang, start=True)}{team}{who} prend le départ en {cls}."
    else:
        who = f" with {driver} at the wheel" if driver else ""
        text = f"{_car(car, lang, start=True)}{team} took the start in {cls}{who}."
    return [_sentence("start", text, [int(first["lap"])], 0.0)]


def _hour_one(race, car, cls, lang: str) -> list[dict]:
    hp = sections.hourly_positions(race)
    if hp is None or race.duration <= 3600.0:
        return []
    row = hp[(hp["hour"] == 1) & (hp["car"].astype(str) == car)]
    if row.empty:
        return []
    r = row.iloc[0]
    pos, laps, at = int(r["class_position"]), int(r["laps"]), float(r["at"])
    if lang == "fr":
        place = f"en tête de la catégorie {cls}" if pos == 1 else f"{ordinal(pos, 'fr')} de la catégorie {cls}"
        text = f"Au terme de la première heure, {_car(car, lang)} est {place} après {_laps_count(laps, lang)}."
    else:
        place = f"led {cls}" if pos == 1 else f"was {ordinal(pos, 'en')} in {cls}"
        text = f"After the first hour {_car(car, lang)} {place}, with {_laps_count(laps, lang)} completed."
    return [_sentence("hour1", text, [laps], at)]


def _laps_between(mine: pd.DataFrame, t0: float, t1: float) -> list[int]:
    el = mine["elapsed"].to_numpy(dtype=float)
    lap = mine["lap"].to_numpy()
    inside = lap[(el >= t0) & (el <= t1)].tolist()
    after = lap[el > t1][:1].tolist()
    return [int(x) for x in inside + after]


def _events(
    race, ev: pd.DataFrame, stops, mine: pd.DataFrame, car, cls, lang: str, grade: dict | None = None
) -> list[dict]:
    out = []
    stop_laps = set() if stops is None else {int(x) for x in stops["lap_in"]}
    ref = (
        {} if stops is None else dict(zip(stops["lap_in"].astype(int), stops["reference"].astype(float), strict=False))
    )
    long_laps = set()
    if stops is not None:
        for lap_in, k in zip(stops["lap_in"], stops["kind"], strict=False):
            if str(k) != "normal":
                long_laps.update({int(lap_in), int(lap_in) + 1})
    inc = sections.incidents(race)
    expected = {} if inc is None else {
        int(lap): float(x) for lap, x in zip(inc.loc[inc["car"].astype(str) == car, "lap"],
                                            inc.loc[inc["car"].astype(str) == car, "expected"], strict=False)
    }  # fmt: skip
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
                out.append(_lead_sentence(e, nxt, stop_laps, car, cls, lang))
        elif kind == "neutralisation":
            s = _neutral_sentence(e, ev, mine, car, cls, lang)
            if s:
                out.append(s)
        elif kind == "stop" and not str(e.description).lower().startswith(("normal", "retired")):
            out.append(_stop_sentence(e, ref.get(int(e.lap)), car, cls, lang))
        elif kind == "incident":
            group = [e]
            while i + 1 < len(rows) and rows[i + 1].kind == "incident" and rows[i + 1].lap == group[-1].lap + 1:
                i += 1
                group.append(rows[i])
            out.append(_incident_sentence(group, expected.get(int(group[0].lap)), car, cls, lang, grade or {}))
        i += 1
    return out


def _rival_of(e) -> str | None:
    return e.description.rsplit("#", 1)[-1] if "#" in str(e.description) else None


def _lead_sentence(e, back, stop_laps: set, car, cls, lang: str) -> dict:
    """A class lead change; a lost lead taken back (``back``) is told in the same sentence."""
    hour, rival = int(e.hour), _rival_of(e)
    pitting = any(lap in stop_laps for lap in (e.lap, e.lap - 1))
    if e.kind == "lead_gained":
        if lang == "fr":
            frm = f" aux dépens de la n°{rival}" if rival else ""
            text = f"{_hour(hour, lang).capitalize()}, {_car(car, lang)} prend la tête de la catégorie {cls}{frm}."
        else:
            frm = f" from #{rival}" if rival else ""
            text = f"{_hour(hour, lang).capitalize()}, {_car(car, lang)} took the {cls} lead{frm}."
        return _sentence("lead", text, [e.lap], e.race_time)
    laps = [e.lap]
    if lang == "fr":
        why = " lors de son arrêt au stand" if pitting else ""
        to = f" à la n°{rival}" if rival else ""
        text = f"{_hour(hour, lang).capitalize()}, {_car(car, lang)} cède la tête de la catégorie {cls}{to}{why}"
        if back is not None:
            n = int(back.lap) - int(e.lap)
            when = f"{n} tours plus tard" if n > 1 else "au tour suivant"
            if int(back.hour) != hour:
                when = f"{_hour(int(back.hour), lang)}, {when}"
            r2 = _rival_of(back)
            text += f", puis la reprend {when}" + (f" aux dépens de la n°{r2}" if r2 and r2 != rival else "")
            laps.append(back.lap)
    else:
        why = " while it pitted" if pitting else ""
        to = f" to #{rival}" if rival else ""
        text = f"{_hour(hour, lang).capitalize()}, {_car(car, lang)} lost the {cls} lead{to}{why}"
        if back is not None:
            n = int(back.lap) - int(e.lap)
            when = f"{n} laps later" if n > 1 else "on the next lap"
            if int(back.hour) != hour:
                when = f"{_hour(int(back.hour), lang)}, {when}"
            r2 = _rival_of(back)
            text += f", and took it back {when}" + (f" from #{r2}" if r2 and r2 != rival else "")
            laps.append(back.lap)
    out = _sentence("lost_lead" if back is None else "lead_swap", text + ".", laps, e.race_time)
    if back is not None and pitting:
        out["_pit"] = (hour, int(back.hour), rival)  # a pit-cycle swap: merged with its neighbours
    return out


def _merge_pit_swaps(body: list[dict], car, cls, lang: str) -> list[dict]:
    """Runs of two or more consecutive pit-cycle lead swaps (lead handed over at a stop and taken
    back on track) become one sentence: the car led, but for its stops, from hour a to hour b."""
    out: list[dict] = []
    i = 0
    while i < len(body):
        j = i
        while j < len(body) and "_pit" in body[j]:
            j += 1
        if j - i >= 2:
            run = body[i:j]
            h0, h1 = run[0]["_pit"][0], run[-1]["_pit"][1]
            rivals = list(dict.fromkeys(r["_pit"][2] for r in run if r["_pit"][2]))
            n = len(run)
            if lang == "fr":
                span = (
                    f"De la {ordinal(h0, 'fr')} à la {ordinal(h1, 'fr')} heure"
                    if h1 != h0
                    else _hour(h0, lang).capitalize()
                )
                who = (
                    f", au profit {'de la n°' + rivals[0] if len(rivals) == 1 else 'des n°' + _names(rivals, lang)}"
                    if rivals
                    else ""
                )
                text = (
                    f"{span}, {_car(car, lang)} mène la catégorie {cls} et ne cède la tête que le temps de ses arrêts "
                    f"au stand ({n} fois{who}), pour la reprendre à chaque fois."
                )
            else:
                span = f"From hour {h0} to hour {h1}" if h1 != h0 else _hour(h0, lang).capitalize()
                who = f" (to {_names(['#' + r for r in rivals], lang)})" if rivals else ""
                text = (
                    f"{span}, {_car(car, lang)} led {cls} but for its pit stops: it handed the lead over at {n} stops{who} "
                    "and took it back each time."
                )
            laps = [lap for r in run for lap in r["laps"]]
            out.append(_sentence("lead_pit_cycles", text, laps, run[0]["race_time"]))
            i = j
        elif j > i:
            out.extend(body[i:j])
            i = j
        else:
            out.append(body[i])
            i += 1
    for sentence in out:
        sentence.pop("_pit", None)
    return out


_NEUTRAL = {
    "en": {"SC": "the safety car", "FCY": "a full-course yellow", "RED": "a red flag"},
    "fr": {"SC": "voiture de sécurité", "FCY": "Full Course Yellow", "RED": "drapeau rouge"},
}


def _neutral_sentence(e, ev: pd.DataFrame, mine: pd.DataFrame, car, cls, lang: str) -> dict | None:
    """A safety car or red flag matters to the car when its class position changed across it or it
    pitted under it; a full-course yellow only when it pitted under it."""
    kind = str(e.description).split(" ", 1)[0]
    b, a = _pos(e.class_position_before), _pos(e.class_position_after)
    parts = str(e.description).split(" ")
    # the phase's own race-time span is in the description ("SC 6:37:08.853 to 8:02:16.304")
    try:
        t_end = _parse_clock(parts[3])
    except (IndexError, ValueError):
        t_end = float(e.race_time)
    in_phase = ev[(ev["kind"] == "stop") & (ev["race_time"] >= float(e.race_time)) & (ev["race_time"] <= t_end)]
    pitted = not in_phase.empty
    if (b is None or a is None or b == a) and not pitted:
        return None
    if kind == "FCY" and not pitted:
        return None  # a few minutes of FCY matter when the car stopped under it; position swaps are noise
    what = _NEUTRAL[lang].get(kind, kind)
    start, end = duration_text(float(e.race_time), lang), duration_text(t_end, lang)
    laps = _laps_between(mine, float(e.race_time), t_end)
    pit_laps = [int(x) for x in in_phase["lap"]]
    if lang == "fr":
        head = f"Sous {what}" if kind != "RED" else "Pendant l'interruption (drapeau rouge)"
        text = f"{head}, de {start} à {end} de course, {_car(car, lang)}"
        if pitted:
            text += " s'arrête au stand" + (f" (tour {pit_laps[0]})" if len(pit_laps) == 1 else "")
            text += " et" if b and a else ""
        if b and a and b != a:
            verb = "remonte" if a < b else "recule"
            text += f" {verb} de la {ordinal(b, 'fr')} à la {ordinal(a, 'fr')} place de la catégorie"
            rivals = list(e.passed if a < b else e.passed_by)
            if rivals:
                text += (", devant " if a < b else ", dépassée par ") + _rivals(rivals, lang)
        elif b and a:
            text += f" conserve sa {ordinal(a, 'fr')} place"
        text += "."
    else:
        head = f"Under {what}" if kind != "RED" else "During the red flag"
        text = f"{head} from {start} to {end} of racing, {_car(car, lang)}"
        if pitted:
            text += " pitted" + (f" (lap {pit_laps[0]})" if len(pit_laps) == 1 else "")
            text += " and" if b and a else ""
        if b and a and b != a:
            verb = "climbed" if a < b else "dropped"
            text += f" {verb} from {ordinal(b, 'en')} to {ordinal(a, 'en')} in {cls}"
            rivals = list(e.passed if a < b else e.passed_by)
            if rivals:
                text += (", ahead of " if a < b else ", passed by ") + _rivals(rivals, lang)
        elif b and a:
            text += f" kept {ordinal(a, 'en')} place in {cls}"
        text += "."
    return _sentence("neutral", text, laps + pit_laps, e.race_time)


def _parse_clock(text: str) -> float:
    from stintlab.io.values import parse_time_text

    return float(parse_time_text(text))


def _stop_sentence(e, reference, car, cls, lang: str) -> dict:
    desc = str(e.description)
    kind = desc.split(" ", 1)[0].lower()  # long / garage / retired ...
    lost = None if e.time_lost is None or pd.isna(e.time_lost) else float(e.time_lost)
    laps_lost = lost / reference if lost is not None and reference and reference > 0 else None
    b, a = _pos(e.class_position_before), _pos(e.class_position_after)
    hour = int(e.hour)
    pit = None
    if "pit " in desc:
        try:
            pit = float(desc.split("pit ", 1)[1].split(" s", 1)[0])
        except ValueError:
            pit = None
    laps = [int(e.lap), int(e.lap) + 1]
    if kind == "retired":  # pragma: no cover - the finish sentence tells it (see _events)
        if lang == "fr":
            text = (
                f"{_car(car, lang, start=True)} rentre au stand {_hour(hour, lang)} (tour {e.lap}) et n'en ressort pas."
            )
        else:
            text = f"{_car(car, lang, start=True)} came into the pits {_hour(hour, lang)} (lap {e.lap}) and did not come out again."
        return _sentence("stop", text, [int(e.lap)], e.race_time)
    if lang == "fr":
        what = "passage au garage" if kind == "garage" else "arrêt long"
        text = f"{_hour(hour, lang).capitalize()}, un {what}"
        text += f" de {duration_text(pit, lang)}" if pit is not None else ""
        text += f" (tour {e.lap}) coûte {duration_text(lost, lang)}" if lost is not None else f" (tour {e.lap})"
        if laps_lost is not None and laps_lost >= 0.5:
            text += f", soit environ {_laps_count(round(laps_lost), lang)},"
        text += f" à {_car(car, lang)}"
        if b and a and a > b:
            text += f", qui passe de la {ordinal(b, 'fr')} à la {ordinal(a, 'fr')} place de la catégorie"
            if len(e.passed_by):
                text += f", dépassée par {_rivals(e.passed_by, lang)}"
        elif b and a:
            text += f", qui conserve sa {ordinal(a, 'fr')} place de la catégorie"
        if len(e.laps_lost_to):
            text += f" ; elle concède un tour {_a(_rivals(e.laps_lost_to, lang))}"
        text += "."
    else:
        what = "garage stop" if kind == "garage" else "long stop"
        text = f"{_hour(hour, lang).capitalize()}, a {what}"
        text += f" of {duration_text(pit, lang)}" if pit is not None else ""
        text += (
            f" (lap {e.lap}) cost {_car(car, lang)} {duration_text(lost, lang)}"
            if lost is not None
            else f" (lap {e.lap})"
        )
        if laps_lost is not None and laps_lost >= 0.5:
            text += f", about {_laps_count(round(laps_lost), lang)}"
        if b and a and a > b:
            text += f": it fell from {ordinal(b, 'en')} to {ordinal(a, 'en')} in {cls}"
            if len(e.passed_by):
                text += f", passed by {_rivals(e.passed_by, lang)}"
        elif b and a:
            text += f", but it kept {ordinal(a, 'en')} in {cls}"
        if len(e.laps_lost_to):
            text += f", and lost a lap to {_rivals(e.laps_lost_to, lang)}"
        text += "."
    return _sentence("stop", text, laps, e.race_time)


def _incident_sentence(group: list, reference: float | None, car, cls, lang: str, grade: dict) -> dict:
    """Consecutive incident laps told as one: time lost, its equivalent in laps (time lost ÷ the
    lap expected at that moment, when half a lap or more), positions lost and who passed. The
    driver's FIA category follows the name when it is known (``grade``: driver -> category)."""
    first = group[0]
    lost = sum(float(g.time_lost) for g in group if g.time_lost is not None and not pd.isna(g.time_lost))
    laps_lost = lost / reference if reference and reference > 0 else None
    driver = first.driver if isinstance(first.driver, str) else None
    if driver and grade.get(driver):
        driver = f"{driver} ({grade[driver]})"
    laps = [int(g.lap) for g in group]
    b, a = _pos(first.class_position_before), _pos(group[-1].class_position_after)
    span = laps_label(laps, lang)
    passed = list(dict.fromkeys(c for g in group for c in g.passed_by))
    if lang == "fr":
        who = f", pilotée par {driver}," if driver else ""
        text = f"{_hour(int(first.hour), lang).capitalize()}, {_car(car, lang)}{who} perd {duration_text(lost, lang)}"
        if laps_lost is not None and laps_lost >= 0.5:
            text += f" (environ {_laps_count(max(1, round(laps_lost)), lang)})"
        text += f" en piste ({span})"
        if b and a and a > b:
            text += f" et recule de la {ordinal(b, 'fr')} à la {ordinal(a, 'fr')} place de la catégorie"
            if passed:
                text += f", dépassée par {_rivals(passed, lang)}"
        text += "."
    else:
        who = f" with {driver} driving" if driver else ""
        text = f"{_hour(int(first.hour), lang).capitalize()}, {_car(car, lang)}{who} lost {duration_text(lost, lang)}"
        if laps_lost is not None and laps_lost >= 0.5:
            text += f" (about {_laps_count(max(1, round(laps_lost)), lang)})"
        text += f" on track ({span})"
        if b and a and a > b:
            text += f" and dropped from {ordinal(b, 'en')} to {ordinal(a, 'en')} in {cls}"
            if passed:
                text += f", passed by {_rivals(passed, lang)}"
        text += "."
    return _sentence("incident", text, laps, first.race_time)


def _finish(race, car, mine: pd.DataFrame, info, lang: str, *, stopped_early: bool = False) -> list[dict]:
    """The result. ``stopped_early``: the timeline says the car's last crossing came before the
    chequered flag (an official classification may still list it as classified)."""
    cls_tab = race.classification
    row = cls_tab[cls_tab["car"] == car]
    if row.empty or mine.empty:
        return []
    r = row.iloc[0]
    last = mine.iloc[-1]
    laps = int(r["laps"])
    status = str(r.get("status", "") or "")
    cls = str(r["class"])
    pos = r.get("class_position")
    running = status.lower() in ("running", "classified", "")
    overall = r.get("position")
    not_classified = "not classified" in status.lower()
    hour_last = int(float(last["elapsed"]) // 3600) + 1
    if pos is not None and not pd.isna(pos) and not race_finished(race.laps):
        # a file taken while the race was running (hourly snapshot): a position, not a result
        text = _snapshot_position(race, car, status, pos, overall, laps, hour_last, lang)
        return [_sentence("finish", text, [int(last["lap"])], float(last["elapsed"]))]
    if running and stopped_early and pos is not None and not pd.isna(pos):
        if lang == "fr":
            text = (
                f"{_car(car, lang, start=True)} s'arrête {_hour(hour_last, lang)} après {_laps_count(laps, lang)} ; "
                f"elle est classée {ordinal(pos, 'fr')} de la catégorie {cls} ({ordinal(overall, 'fr')} au général)."
            )
        else:
            text = (
                f"{_car(car, lang, start=True)} stopped {_hour(hour_last, lang)} after {_laps_count(laps, lang)} "
                f"and was classified {ordinal(pos, 'en')} in {cls} ({ordinal(overall, 'en')} overall)."
            )
    elif running and pos is not None and not pd.isna(pos):
        won_race = int(pos) == 1 and overall is not None and not pd.isna(overall) and int(overall) == 1
        if lang == "fr":
            if won_race:
                text = f"{_car(car, lang, start=True)} remporte la course, et la catégorie {cls}, en {_laps_count(laps, lang)}."
            elif int(pos) == 1:
                text = (
                    f"{_car(car, lang, start=True)} remporte la catégorie {cls}"
                    f" ({ordinal(overall, 'fr')} au général) en {_laps_count(laps, lang)}."
                )
            else:
                text = (
                    f"{_car(car, lang, start=True)} termine {ordinal(pos, 'fr')} de la catégorie {cls}"
                    f" ({ordinal(overall, 'fr')} au général) après {_laps_count(laps, lang)}."
                )
        else:
            if won_race:
                text = f"{_car(car, lang, start=True)} won the race, and {cls}, with {_laps_count(laps, lang)}."
            elif int(pos) == 1:
                text = (
                    f"{_car(car, lang, start=True)} won {cls}"
                    f" ({ordinal(overall, 'en')} overall) with {_laps_count(laps, lang)}."
                )
            else:
                text = (
                    f"{_car(car, lang, start=True)} finished {ordinal(pos, 'en')} in {cls}"
                    f" ({ordinal(overall, 'en')} overall) after {_laps_count(laps, lang)}."
                )
    elif status.lower() in ("dsq", "disqualified", "excluded"):  # WEC/ACO results: STATUS DSQ
        if lang == "fr":
            text = f"{_car(car, lang, start=True)} est disqualifiée ({_laps_count(laps, lang)} parcourus)."
        else:
            text = f"{_car(car, lang, start=True)} was disqualified ({_laps_count(laps, lang)} covered)."
    elif not_classified:
        if lang == "fr":
            text = f"{_car(car, lang, start=True)} n'est pas classée, avec {_laps_count(laps, lang)}."
        else:
            text = f"{_car(car, lang, start=True)} was not classified, with {_laps_count(laps, lang)}."
    else:
        hour = int(float(last["elapsed"]) // 3600) + 1
        in_pits = bool(r.get("retired_in_pits")) if "retired_in_pits" in r else False
        if lang == "fr":
            where = " au stand" if in_pits else ""
            text = (
                f"{_car(car, lang, start=True)} abandonne{where} {_hour(hour, lang)}, après {_laps_count(laps, lang)}."
            )
        else:
            where = " in the pits" if in_pits else ""
            text = f"{_car(car, lang, start=True)} retired{where} {_hour(hour, lang)}, after {_laps_count(laps, lang)}."
    return [_sentence("finish", text, [int(last["lap"])], float(last["elapsed"]))]


def _snapshot_position(race, car, status: str, pos, overall, laps: int, hour_last: int, lang: str) -> str:
    """Where the car stands when a file of a race still running ends (Le Mans 2024 cut at hour 6:
    "... the #92 is 1st in LMGT3 (8th overall) with 85 laps.")."""
    cls = str(race.classification.loc[race.classification["car"] == car, "class"].iloc[0])
    when = duration_text(race.duration, lang)
    stopped = status.lower() == "stopped"
    if lang == "fr":
        text = (
            f"Le fichier s'arrête après {when} de course, course en cours : {_car(car, lang)} est "
            f"{ordinal(pos, 'fr')} de la catégorie {cls} ({ordinal(overall, 'fr')} au général) avec {_laps_count(laps, lang)}"
        )
        if status.lower() == "in pits":
            text += " et se trouve au stand"
        elif stopped:
            text += f", mais n'a plus franchi la ligne depuis {_hour(hour_last, lang).removeprefix('à ')}"
        return text + "."
    text = (
        f"The file ends after {when} of racing, with the race still running: {_car(car, lang)} is "
        f"{ordinal(pos, 'en')} in {cls} ({ordinal(overall, 'en')} overall) with {_laps_count(laps, lang)}"
    )
    if status.lower() == "in pits":
        text += ", in the pits"
    elif stopped:
        text += f", but has not crossed the line since hour {hour_last}"
    return text + "."


def lap_time_text(seconds: float, lang: str) -> str:
    """A lap time: 3:57.412 in English, 3'57"412 in French.

    >>> lap_time_text(237.412, "en"), lap_time_text(237.412, "fr")
    ('3:57.412', '3\\'57"412')
    """
    ms = int(round(float(seconds) * 1000))
    m, rem = divmod(ms, 60000)
    s, ms = divmod(rem, 1000)
    return f"{m}'{s:02d}\"{ms:03d}" if lang == "fr" else f"{m}:{s:02d}.{ms:03d}"


_CAT_FR = {"Platinum": "Platine", "Gold": "Or", "Silver": "Argent", "Bronze": "Bronze"}


def _best_laps(race, car, mine: pd.DataFrame, cls, lang: str) -> list[dict]:
    ranks = sections.driver_rankings(race)
    if ranks is None:
        return []
    r_car = ranks[ranks["car"].astype(str) == car]
    out = []
    order = {d: i for i, d in enumerate(race.cars.loc[race.cars["car"] == car, "crew"].iloc[0])}
    for r in sorted(r_car.itertuples(index=False), key=lambda x: order.get(x.driver, 99)):
        if r.best_lap is None or pd.isna(r.best_lap):
            continue
        laps = mine[(mine["driver"] == r.driver) & ((mine["lap_time"] - float(r.best_lap)).abs() < 0.0005)]
        lap_no = int(laps["lap"].iloc[0]) if len(laps) else None
        cat = r.category if isinstance(r.category, str) else None
        rank = n = None
        if cat and not pd.isna(r.category_rank):
            n = int(((ranks["class"] == cls) & (ranks["category"] == cat)).sum())
            rank = int(r.category_rank)
            grp_en, grp_fr = f"{cat} drivers in {cls}", f"pilotes {_CAT_FR.get(cat, cat)} de la catégorie {cls}"
        elif not pd.isna(r.class_rank):
            n = int((ranks["class"] == cls).sum())
            rank = int(r.class_rank)
            grp_en, grp_fr = f"drivers in {cls}", f"pilotes de la catégorie {cls}"
        metric = str(r.metric)
        at = f" (lap {lap_no})" if lap_no else ""
        at_fr = f" (tour {lap_no})" if lap_no else ""
        if lang == "fr":
            text = f"Meilleur tour {_de(r.driver)} : {lap_time_text(r.best_lap, 'fr')}{at_fr}"
            if rank == 1:
                text += f" ; premier des {n} {grp_fr} au classement de rythme ({metric})"
            elif rank is not None:
                text += f" ; {ordinal(rank, 'fr')} sur {n} {grp_fr} au classement de rythme ({metric})"
        else:
            text = f"{r.driver}'s best lap was {lap_time_text(r.best_lap, 'en')}{at}"
            if rank is not None:
                text += f"; {ordinal(rank, 'en')} of {n} {grp_en} on pace ({metric})"
        text += "."
        low = bool(getattr(r, "low_sample", False))
        if low:
            text = text[:-1] + (" — peu de tours propres." if lang == "fr" else " — few clean laps.")
        out.append(_sentence("best_lap", text, [lap_no] if lap_no else [], None))
    return out


# ------------------------------------------------------------------------ HTML
def story_html(sentences: list[dict], *, car: str | None = None, lang: str = "en", link_laps: bool = True) -> str:
    """The story as paragraphs; each sentence links to the laps behind it (``#lap-<car>-<lap>``
    anchors of the report's lap table when ``link_laps``, else a plain lap label)."""
    parts = ['<div class="story">']
    for i, s in enumerate(sentences, 1):
        laps = s.get("laps") or []
        ref = ""
        if laps:
            label = esc(laps_label(laps, lang))
            if link_laps and car is not None:
                ref = f'<a class="laps" href="#lap-{esc(car)}-{laps[0]}" data-laps="{esc(",".join(map(str, laps)))}">[{label}]</a>'
            else:
                ref = f'<span class="laps muted" data-laps="{esc(",".join(map(str, laps)))}">[{label}]</span>'
        parts.append(f'<p id="story-{i}" data-key="{esc(s.get("key"))}">{esc(s["text"])} {ref}</p>')
    parts.append("</div>")
    return "".join(parts)
