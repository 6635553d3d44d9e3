"""Driver identity across series and seasons.

Timing files carry no driver ID, only a name written differently by each series
(WEC ``Kévin ESTRE``, IMSA ``Kevin Estre``). A driver is identified by a *key*: the name
with accents, case, punctuation and spacing removed (:func:`stintlab.names.name_key`).
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

from stintlab.names import name_key

__all__ = ["driver_key", "resolve_key", "season_category", "suggest_aliases", "CATEGORY_ORDER"]

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


# short forms that are not a prefix of the full first name (short -> possible full names)
NICKNAMES = {
    "nick": {"nicholas", "nicolas", "nikolaus", "nicola"},
    "nicky": {"nicholas", "nicolas"},
    "charlie": {"charles"},
    "chuck": {"charles"},
    "eddie": {"edward", "eduardo"},
    "ted": {"edward"},
    "jonny": {"jonathan"},
    "johnny": {"john", "jonathan"},
    "bill": {"william"},
    "billy": {"william"},
    "bob": {"robert"},
    "bobby": {"robert"},
    "jim": {"james"},
    "jimmy": {"james"},
    "tommy": {"thomas"},
    "mike": {"michael"},
    "tony": {"antonio", "anthony"},
    "sandy": {"alexander"},
    "kuba": {"jakub"},
}


def _same_first_name(a: str, b: str) -> bool:
    """True for one first name written short and long (prefix of 3+ letters, or a known nickname).

    >>> [_same_first_name(*p) for p in [("phil", "philip"), ("nick", "nicholas"), ("mikkel", "michael")]]
    [True, True, False]
    """
    if a == b:
        return True
    short, long_ = sorted((a, b), key=len)
    if len(short) >= 3 and long_.startswith(short):
        return True
    return long_ in NICKNAMES.get(short, ()) or short in NICKNAMES.get(long_, ())


def suggest_aliases(keys: Iterable[str], known: Mapping[str, str] | None = None) -> list[tuple[str, str]]:
    """Pairs of driver keys that are probably one driver written two ways: same surname and a
    short/full first name (``nick``/``nicholas``, ``fred``/``frederic``, ``charlie``/``charles``) or
    a middle name more (``rui andrade``/``rui pinto de andrade``). Only suggestions: a user confirms
    them with ``stintlab archive alias``. Pairs already joined by ``known`` aliases are left out.
    Each pair is (alias, canonical), the canonical being the longer spelling (alphabetical on a tie).

    >>> suggest_aliases(["nick tandy", "nicholas tandy", "mikkel jensen", "michael jensen", "charlie eastwood",
    ...                  "charles eastwood", "rui andrade", "rui pinto de andrade", "albert costa", "antonio felix da costa"])
    [('charles eastwood', 'charlie eastwood'), ('nick tandy', 'nicholas tandy'), ('rui andrade', 'rui pinto de andrade')]
    """
    known = known or {}
    by_surname: dict[str, list[list[str]]] = {}
    for k in sorted(set(keys)):
        words = k.split()
        if len(words) >= 2:
            by_surname.setdefault(words[-1], []).append(words)
    out = []
    for group in by_surname.values():
        for i, a in enumerate(group):
            for b in group[i + 1 :]:
                ka, kb = " ".join(a), " ".join(b)
                if resolve_key(ka, known) == resolve_key(kb, known):
                    continue
                middle = a[0] == b[0] and (set(a) <= set(b) or set(b) <= set(a))
                if middle or (len(a) == len(b) and a[1:] == b[1:] and _same_first_name(a[0], b[0])):
                    alias, canonical = sorted((ka, kb), key=lambda x: (len(x), x))
                    out.append((alias, canonical))
    return sorted(out)
