"""The language catalogs the story is told in: ``en`` and ``fr`` modules, one per language.

A catalog maps every fact kind of :mod:`.facts` to a function (``SENTENCES``) and words numbers
in its language: ``ordinal(n, feminine=True)``, ``duration(seconds)``, ``laps_label(laps)``,
``lap_time(seconds)``. Adding a language is adding a catalog module and registering it here
(or, for a plug-in, calling :func:`register_language`); the facts do not change.
"""

from __future__ import annotations

from typing import Any

from stintlab.errors import StintlabUsageError
from stintlab.report.story import en, fr

__all__ = ["CATALOGS", "catalog", "register_language", "event_texts"]

CATALOGS: dict[str, Any] = {"en": en, "fr": fr}


def register_language(code: str, module: Any) -> None:
    """Tell the story in one more language: ``module`` has ``SENTENCES`` (fact kind -> function of
    the fact), ``ordinal``, ``duration``, ``laps_label`` and ``lap_time``."""
    missing = [n for n in ("SENTENCES", "ordinal", "duration", "laps_label", "lap_time") if not hasattr(module, n)]
    if missing:
        raise ValueError(f"catalog {code!r} lacks {', '.join(missing)}")
    CATALOGS[code] = module


def catalog(lang: str):
    """The catalog of ``lang``, or a StintlabUsageError naming the languages."""
    if lang not in CATALOGS:
        codes = list(CATALOGS)
        known = " or ".join(codes) if len(codes) <= 2 else ", ".join(codes[:-1]) + " or " + codes[-1]
        raise StintlabUsageError(f"unknown language {lang!r} (use {known})")
    return CATALOGS[lang]


def event_texts(events, lang: str = "en", zone: str = "slow_zone") -> list[str]:
    """Each event of a car's timeline (:func:`stintlab.analysis.timeline.car_events`, a DataFrame) in
    a line of ``lang``, worded from its typed columns by the catalog's ``event_text``; ``zone`` is
    what a local neutralisation is called in the race (:attr:`stintlab.race.Race.local_neutralisation`)."""
    cat = catalog(lang)
    if not hasattr(cat, "event_text"):
        raise StintlabUsageError(f"the {lang!r} catalog does not word a car's events (no event_text)")
    return [cat.event_text(e, zone) for e in events.to_dict("records")]
