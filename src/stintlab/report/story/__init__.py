"""The story of one car's race, in English or French: deterministic templates filled from the
analysis tables (the car timeline, stops, neutralisations, incidents, driver pace), never a
language model. Every sentence carries the laps it is built from (``laps``), so the report
can link it to the rows of the lap file behind it.

Three parts: :mod:`.facts` chooses the facts from the typed analysis columns (numbers, codes, car
numbers), one catalog per language (:mod:`.en`, :mod:`.fr`, registered in :mod:`.languages`)
words them, :mod:`.html` renders the sentences. Every language is told from the same facts.

A sentence is a dict: ``key`` (what kind: start, hour1, lead, lost_lead, lead_swap,
lead_pit_cycles, neutral, stop, incident, finish, best_lap), ``text``, ``laps`` (lap numbers of
the car, ascending) and ``race_time`` (race seconds it refers to, or None).

>>> ordinal(1, "en"), ordinal(2, "en"), ordinal(13, "en"), ordinal(1, "fr"), ordinal(16, "fr")
('1st', '2nd', '13th', '1re', '16e')
>>> duration_text(83.4, "en"), duration_text(30.75, "fr"), duration_text(3725, "fr")
('1 min 23 s', '30,8 s', '1 h 02 min')
>>> laps_label([5, 6, 7, 12], "en"), laps_label([5], "fr")
('laps 5–7, 12', 'tour 5')
"""

from __future__ import annotations

from stintlab.report import sections
from stintlab.report.page import esc
from stintlab.report.story.facts import Fact, story_facts
from stintlab.report.story.html import story_html
from stintlab.report.story.journal import journalist_facts
from stintlab.report.story.languages import CATALOGS, catalog, register_language

__all__ = [
    "story", "journalist_story", "journalist_facts", "story_html", "story_facts", "render", "register_language", "ordinal", "duration_text", "laps_label",
    "lap_time_text", "LANGS", "story_block",
]  # fmt: skip

LANGS = tuple(CATALOGS)  # the built-in languages


def story(race, car: str, lang: str = "en") -> list[dict]:
    """The story of ``car`` in ``race`` (``lang`` en or fr): a list of sentence dicts, in race order:
    start, class position after hour 1, each class lead change, the neutralisations that changed
    its class position or caught it in the pits, every long/garage stop and incident with its
    cost in time and laps and the rivals involved, the result, each driver's best lap and rank."""
    catalog(lang)  # an unknown language fails before any work
    return render(story_facts(race, sections.car_or_error(race, car)), lang)


def journalist_story(race, car: str, lang: str = "en") -> list[dict]:
    """The story of ``car`` as a journalist writes it (at most 12 sentences): the headline (key
    ``headline``: result and what decided it), the decisive moments ranked by what they cost or gained
    (key ``moment``, with ``rank``), the official hourly marks that mattered (``hour_mark``), the crew
    with categories (``crew``), the what-if when one event changed the result (``whatif``), each
    driver's pace rank (``pace``). :mod:`.journal` chooses the facts; the language catalog words them
    (French typography: non-breaking spaces before « : ; ? ! % » and inside « 24 min 44 s »)."""
    words = catalog(lang)
    out = render(journalist_facts(race, sections.car_or_error(race, car)), lang)
    fix = getattr(words, "typography", None)
    for s in out:
        if fix is not None:
            s["text"] = fix(s["text"])
    return out


def story_block(race, car: str, lang: str = "en", *, link_laps: bool = True) -> tuple[str, list[dict]]:
    """The story as the HTML report and the web car page show it: the journalist's story
    (:func:`journalist_story`, the one ``stintlab story`` prints: headline first) as paragraphs, then the
    chronological account (:func:`story`, ``story --full``) collapsed in a ``<details>`` ("Full account",
    "Récit complet"). Returns the HTML and every sentence of both (for the table of the laps they cite);
    ("", []) when the car has no story."""
    short = journalist_story(race, car, lang=lang)
    full = story(race, car, lang=lang)
    if not short and not full:
        return "", []
    html = story_html(short, car=car, lang=lang, link_laps=link_laps, ids="story", css="story journal")
    if full:
        summary = getattr(catalog(lang), "FULL_ACCOUNT", "Full account")
        html += (
            f'<details class="story-full" id="story-full"><summary>{esc(summary)}</summary>'
            f'{story_html(full, car=car, lang=lang, link_laps=link_laps, ids="account", css="story full")}</details>'
        )
    return html, short + full


def render(facts: list[Fact], lang: str) -> list[dict]:
    """The facts as sentences of ``lang`` (a decisive moment also carries its ``rank`` and ``of``:
    the kind of the chronological fact it comes from)."""
    sentences = catalog(lang).SENTENCES
    out = []
    for f in facts:
        s = {"key": f.kind, "text": sentences[f.kind](f), "laps": list(f.laps), "race_time": f.race_time}
        if f.kind == "moment":
            s["rank"], s["of"] = f.rank, f.fact.kind
        out.append(s)
    return out


def ordinal(n: int, lang: str, *, feminine: bool = True) -> str:
    """1st/2nd/3rd… in English; 1re (or 1er)/2e/3e… in French."""
    return catalog(lang).ordinal(n, feminine=feminine)


def duration_text(seconds: float, lang: str) -> str:
    """A duration as a race report writes it: 1 min 23 s, 30.8 s (30,8 s in French), 1 h 02 min."""
    return catalog(lang).duration(seconds)


def laps_label(laps: list[int], lang: str) -> str:
    """Lap numbers as ranges: ``laps 5–7, 12`` / ``tours 5–7, 12``."""
    return catalog(lang).laps_label(laps)


def lap_time_text(seconds: float, lang: str) -> str:
    """A lap time: 3:57.412 in English, 3'57"412 in French.

    >>> lap_time_text(237.412, "en"), lap_time_text(237.412, "fr")
    ('3:57.412', '3\\'57"412')
    """
    return catalog(lang).lap_time(seconds)
