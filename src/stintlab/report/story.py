"""The story of one car's race, in English or French: deterministic templates filled from the
analysis tables (the car timeline, stops, neutralisations, incidents, driver pace), never a
language model. Every sentence carries the laps it is built from (``laps``), so the report
can link it to the rows of the lap file behind it.

A sentence is a dict: ``key`` (what kind: start, hour1, lead, lost_lead, neutral, stop,
incident, finish, best_lap), ``text``, ``laps`` (lap numbers of the car, ascending) and
``race_time`` (race seconds it refers to, or None).

>>> ordinal(1, "en"), ordinal(2, "en"), ordinal(13, "en"), ordinal(1, "fr"), ordinal(16, "fr")
('1st', '2nd', '13th', '1re', '16e')
>>> duration_text(83.4, "en"), duration_text(83.4, "fr"), duration_text(3725, "fr")
('1:23.4', '1 min 23 s', '1 h 02 min')
>>> laps_label([5, 6, 7, 12], "en"), laps_label([5], "fr")
('laps 5–7, 12', 'tour 5')
"""

from __future__ import annotations

import math

import pandas as pd

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
    """A duration as a race report writes it: 1:23.4 / 1 min 23 s; hours for long ones."""
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
        m, rem = divmod(s, 60)
        return f"{int(m)}:{rem:04.1f}"
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
def story(race, car: str, lang: str = "en") -> list[dict]:
    """The story of ``car`` in ``race`` (``lang`` en or fr): a list of sentence dicts."""
    from stintlab.errors import StintlabUsageError

    if lang not in LANGS:
        raise StintlabUsageError(f"unknown language {lang!r} (use en or fr)")
    car = sections.car_or_error(race, car)
    mine = race.laps[race.laps["car"] == car]
    info = race.cars[race.cars["car"] == car].iloc[0]
    out: list[dict] = []
    out += _start(race, car, mine, info, lang)
    out += _finish(race, car, mine, info, lang)
    return out


def _start(race, car, mine: pd.DataFrame, info, lang: str) -> list[dict]:
    if mine.empty:
        return []
    first = mine.iloc[0]
    driver = first["driver"] if isinstance(first["driver"], str) else None
    team, cls = info["team"], info["class"]
    if lang == "fr":
        who = f", avec {driver} au volant," if driver else ""
        text = f"{_car(car, lang, start=True)} {team}{who} prend le départ en {cls}."
    else:
        who = f" with {driver} at the wheel" if driver else ""
        text = f"{_car(car, lang, start=True)} {team} took the start in {cls}{who}."
    return [_sentence("start", text, [int(first["lap"])], float(first["elapsed"]))]


def _finish(race, car, mine: pd.DataFrame, info, lang: str) -> list[dict]:
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
    if running and pos is not None and not pd.isna(pos):
        if lang == "fr":
            text = (
                f"{_car(car, lang, start=True)} termine {ordinal(pos, 'fr')} de la catégorie {cls}"
                f" ({ordinal(overall, 'fr')} au général) après {_laps_count(laps, lang)}."
            )
            if int(pos) == 1:
                text = (
                    f"{_car(car, lang, start=True)} remporte la catégorie {cls}"
                    f" ({ordinal(overall, 'fr')} au général) en {_laps_count(laps, lang)}."
                )
        else:
            text = (
                f"{_car(car, lang, start=True)} finished {ordinal(pos, 'en')} in {cls}"
                f" ({ordinal(overall, 'en')} overall) after {_laps_count(laps, lang)}."
            )
            if int(pos) == 1:
                text = (
                    f"{_car(car, lang, start=True)} won {cls}"
                    f" ({ordinal(overall, 'en')} overall) with {_laps_count(laps, lang)}."
                )
    else:
        hour = int(float(last["elapsed"]) // 3600) + 1
        in_pits = bool(r.get("retired_in_pits")) if "retired_in_pits" in r else False
        if lang == "fr":
            where = " au stand" if in_pits else ""
            text = (
                f"{_car(car, lang, start=True)} abandonne{where} {_hour(hour, lang)}, "
                f"après {_laps_count(laps, lang)} ({status.lower() or 'non classée'})."
            )
        else:
            where = " in the pits" if in_pits else ""
            text = (
                f"{_car(car, lang, start=True)} stopped{where} {_hour(hour, lang)} after "
                f"{_laps_count(laps, lang)} ({status.lower() or 'not classified'})."
            )
    return [_sentence("finish", text, [int(last["lap"])], float(last["elapsed"]))]


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
