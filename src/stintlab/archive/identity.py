"""Driver identity across series and seasons.

Timing files carry no driver ID, only a name written differently by each series
(WEC ``Kévin ESTRE``, IMSA ``Kevin Estre``). A driver is identified by a *key*: the name
with accents, case, punctuation and spacing removed (:func:`stintlab.race.name_key`).
Names that still differ (``Nicky Catsburg`` / ``Nick Catsburg``) are joined by the user's
alias table (``driver_aliases`` in the archive; ``stintlab archive alias``), which maps an
alias key to a canonical key.

>>> driver_key("Kévin ESTRE") == driver_key("Kevin Estre")
True
>>> resolve_key("nick catsburg", {"nick catsburg": "nicky catsburg"})
'nicky catsburg'
>>> resolve_key("kevin estre", {})
'kevin estre'
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

from stintlab.race import name_key

__all__ = ["driver_key", "resolve_key", "season_category", "CATEGORY_ORDER"]

CATEGORY_ORDER = {"Platinum": 0, "Gold": 1, "Silver": 2, "Bronze": 3}


def driver_key(name) -> str:
    """The identity key of a driver name (see the module docstring)."""
    return name_key(name)


def resolve_key(key: str, aliases: Mapping[str, str]) -> str:
    """Follow the alias table from ``key`` to its canonical key (chains are followed, cycles stop)."""
    seen = {key}
    while key in aliases:
        key = aliases[key]
        if key in seen:
            break
        seen.add(key)
    return key


def season_category(categories: Iterable) -> str | None:
    """The FIA category of a driver for a season from the categories seen in that season's
    races (official classifications): the most frequent one, ties going to the higher grade.

    >>> season_category(["Gold", None, "Gold", "Platinum"])
    'Gold'
    >>> season_category(["Gold", "Platinum"])
    'Platinum'
    >>> season_category([None]) is None
    True
    """
    counts = Counter(c for c in categories if isinstance(c, str) and c)
    if not counts:
        return None
    return min(counts, key=lambda c: (-counts[c], CATEGORY_ORDER.get(c, 9), c))
