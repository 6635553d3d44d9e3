"""Rule sets as data: the rule model (driving limits, crew line-ups) and the TOML loader.

Rule sets are TOML files shipped in :mod:`stintlab.rules` (one per series and season; format
and sources in ``docs/rules.md``); a user file can be given by path.

>>> rs = load_rules("lemans-2019")
>>> rs.name, [r.rule for r in rs.driving]
('lemans-2019', ['min_total', 'max_total', 'max_window'])
>>> rs.windows
[21600.0]
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import pandas as pd

from stintlab.errors import StintlabUsageError
from stintlab.io.values import parse_time_text

__all__ = ["CATEGORIES", "CrewRule", "DrivingRule", "RuleSet", "applicable_rules", "composition_text", "list_rules", "load_rules"]

#: FIA driver categories, strongest first.
CATEGORIES = ("Platinum", "Gold", "Silver", "Bronze")
_CAT_ORDER = {c: i for i, c in enumerate(CATEGORIES)}


def _seconds(value) -> float | None:
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    return parse_time_text(str(value))


def _norm(text) -> str:
    return " ".join(str(text).lower().replace("-", " ").split())


@dataclass(frozen=True)
class DrivingRule:
    """One per-driver limit. Empty ``classes``/``categories`` mean every class/category."""

    rule: str  # min_total | max_total | max_continuous | max_window
    classes: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    min_total: float | None = None
    max_total: float | None = None
    max_continuous: float | None = None
    rest_after: float | None = None
    max_in_window: float | None = None
    window: float | None = None
    source: str = ""
    note: str = ""
    uncertain: str = ""

    def class_applies(self, cls) -> bool:
        return not self.classes or (cls is not None and _norm(cls) in {_norm(c) for c in self.classes})

    def category_applies(self, category) -> bool | None:
        """True/False, or None when the rule depends on the category and it is unknown."""
        if not self.categories:
            return True
        if category is None:
            return None
        return category in self.categories


@dataclass(frozen=True)
class CrewRule:
    """Crew composition for some classes: counts of categories, or a list of allowed line-ups."""

    rule: str
    classes: tuple[str, ...] = ()
    at_least: tuple[tuple[int, tuple[str, ...]], ...] = ()
    at_most: tuple[tuple[int, tuple[str, ...]], ...] = ()
    one_of: tuple[tuple[str, ...], ...] = ()
    min_drivers: int | None = None
    max_drivers: int | None = None
    source: str = ""
    uncertain: str = ""

    def class_applies(self, cls) -> bool:
        return not self.classes or (cls is not None and _norm(cls) in {_norm(c) for c in self.classes})

    @property
    def needs_categories(self) -> bool:
        return bool(self.at_least or self.at_most or self.one_of)

    def judge(self, categories: list[str | None]) -> tuple[str, str]:
        """(verdict, detail) for a crew given its drivers' categories (None = unknown)."""
        n = len(categories)
        problems = []
        if self.min_drivers is not None and n < self.min_drivers:
            problems.append(f"{n} drivers, at least {self.min_drivers} required")
        if self.max_drivers is not None and n > self.max_drivers:
            problems.append(f"{n} drivers, at most {self.max_drivers} allowed")
        known = [c for c in categories if c is not None]
        unknown = n - len(known)
        undecided = False
        for count, of in self.at_least:
            have = sum(c in of for c in known)
            if have + unknown < count:
                problems.append(f"at least {count} of {'/'.join(of)} required, has {have}")
            elif have < count:
                undecided = True
        for count, of in self.at_most:
            have = sum(c in of for c in known)
            if have > count:
                problems.append(f"at most {count} of {'/'.join(of)} allowed, has {have}")
        if self.one_of:
            if unknown:
                undecided = True
            elif not any(_lineup_matches(known, lineup) for lineup in self.one_of):
                allowed = " or ".join("-".join(x) for x in self.one_of)
                problems.append(f"line-up {'-'.join(sorted(known, key=_CAT_ORDER.get))} not one of {allowed}")
        if problems:
            return "violation", "; ".join(problems)
        if undecided or (unknown and self.needs_categories):
            return "unknown", f"{unknown} driver(s) without a category"
        return "ok", ""


def _lineup_matches(categories: list[str], lineup: tuple[str, ...]) -> bool:
    if len(categories) != len(lineup):
        return False
    need = sorted(x for x in lineup if x.lower() != "any")
    pool = list(categories)
    for x in need:
        if x not in pool:
            return False
        pool.remove(x)
    return True


@dataclass(frozen=True)
class RuleSet:
    """A parsed rule file (see ``docs/rules.md``)."""

    name: str
    series: str
    season: str
    title: str = ""
    source: str = ""
    uncertain: str = ""
    applies: dict = field(default_factory=dict)
    exclude_pit: bool = True
    driving: tuple[DrivingRule, ...] = ()
    crew: tuple[CrewRule, ...] = ()
    not_checked: tuple[dict, ...] = ()
    path: str = ""

    def applies_to(self, series: str, year: int, hours: float | None = None, event: str | None = None) -> bool:
        """Whether this rule set is meant for a race of ``series`` (corpus series code) in ``year``."""
        return not self.why_not(series, year, hours, event)

    def why_not(self, series, year, hours: float | None = None, event: str | None = None) -> str:
        """Why this rule set does not apply to a race of ``series`` in ``year`` (``event``: the event slug,
        e.g. ``le-mans``; ``hours``: the race length), or "" when it applies. An unknown series or year
        is a reason when the set names the series or years it is for.

        >>> rs = load_rules("lemans-2019")
        >>> rs.why_not("WEC", 2024, 24.0, "le-mans")
        'lemans-2019 is for 2017, 2018, 2019, not 2024'
        >>> rs.why_not("WEC", 2019, 24.0, "le-mans"), rs.why_not("LEMANS", 2019, 24.0)
        ('', '')
        """
        a = self.applies
        if series and str(series).upper() == "LEMANS":  # the MANIFEST's code for Le Mans: WEC, event le-mans
            series, event = "WEC", event or "le-mans"
        if a.get("series"):
            if not series:
                return f"{self.name} is for {', '.join(a['series'])}; the race's series is unknown"
            if str(series).upper() not in {s.upper() for s in a["series"]}:
                return f"{self.name} is for {', '.join(a['series'])}, not {series}"
        if a.get("events") and (not event or str(event).lower() not in {e.lower() for e in a["events"]}):
            return f"{self.name} is for the event(s) {', '.join(a['events'])}, not {event or 'an unknown event'}"
        if a.get("not_events") and event and str(event).lower() in {e.lower() for e in a["not_events"]}:
            return f"{self.name} is not for {event}"
        if a.get("years"):
            if year is None:
                return f"{self.name} is for {', '.join(map(str, a['years']))}; the race's season is unknown"
            if int(year) not in set(a["years"]):
                return f"{self.name} is for {', '.join(map(str, a['years']))}, not {year}"
        if hours is not None:
            if a.get("min_hours") is not None and hours < a["min_hours"]:
                return f"{self.name} is for races of at least {a['min_hours']} h, not {hours:.1f} h"
            if a.get("max_hours") is not None and hours > a["max_hours"]:
                return f"{self.name} is for races of at most {a['max_hours']} h, not {hours:.1f} h"
        return ""

    @property
    def windows(self) -> list[float]:
        return sorted({r.window for r in self.driving if r.window})


def _rules_dir():
    return resources.files("stintlab") / "rules"


def _rule_files() -> dict[str, object]:
    return {p.name[:-5]: p for p in _rules_dir().iterdir() if p.name.endswith(".toml")}


def list_rules() -> pd.DataFrame:
    """The shipped rule sets: name, series, season, source (and title).

    >>> "lemans-2019" in set(list_rules()["name"])
    True
    """
    rows = []
    for name in sorted(_rule_files()):
        rs = load_rules(name)
        rows.append({"name": rs.name, "series": rs.series, "season": rs.season, "source": rs.source, "title": rs.title})
    return pd.DataFrame(rows, columns=["name", "series", "season", "source", "title"])


def applicable_rules(series, year, hours: float | None = None, event: str | None = None) -> list[str]:
    """Names of the shipped rule sets meant for a race (:meth:`RuleSet.applies_to`); sets without an
    ``[applies]`` table are never chosen automatically.

    >>> applicable_rules("WEC", 2024, 24.1, "le-mans")
    ['lemans-2024']
    """
    out = []
    for name in sorted(_rule_files()):
        rs = load_rules(name)
        if rs.applies and rs.applies_to(series, year, hours, event):
            out.append(name)
    return out


def rule_fit(series, year, hours: float | None = None, event: str | None = None, name=None) -> tuple[RuleSet | None, str]:
    """The one decision of which rule set judges a race: (rule set, why it does not apply).

    ``name`` given (a shipped set or a TOML file): that set and "" when it applies to the race's
    ``series``/``year``/``event``/``hours``, else the reason (:meth:`RuleSet.why_not`). Without a name:
    the one shipped set that applies, or (None, reason) when none or several do. Callers decide what a
    reason means: ``stintlab rules`` refuses (or warns with ``--force``), the report shows no minimums.

    >>> rs, why = rule_fit("WEC", 2024, 24.1, "le-mans")
    >>> rs.name, why
    ('lemans-2024', '')
    >>> rule_fit("WEC", 2024, 24.1, "le-mans", "lemans-2019")[1]
    'lemans-2019 is for 2017, 2018, 2019, not 2024'
    """
    if name is None or str(name) == "":
        fits = applicable_rules(series, year, hours, event)
        if len(fits) != 1:
            where = f"{series or '?'} {year or '?'} {event or ''}".strip()
            found = "none" if not fits else ", ".join(fits)
            return None, f"no single shipped rule set applies to this race ({where}; applicable: {found})"
        return load_rules(fits[0]), ""
    rs = load_rules(name)
    return rs, rs.why_not(series, year, hours, event)


def load_rules(name) -> RuleSet:
    """A shipped rule set by name (``list_rules()``), or a TOML file by path."""
    if isinstance(name, RuleSet):
        return name
    files = _rule_files()
    if str(name) in files:
        text = files[str(name)].read_text(encoding="utf-8")
        where = str(name)
    elif str(name).endswith(".toml") and Path(name).is_file():
        text = Path(name).read_text(encoding="utf-8")
        where = str(name)
    else:
        raise StintlabUsageError(
            f"unknown rule set {name!r} (shipped: {', '.join(sorted(files))}; or give a .toml path)"
        )
    try:
        data = tomllib.loads(text)
        return _parse(data, where)
    except (tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
        raise StintlabUsageError(f"rule file {where}: {exc}") from None


def _parse(data: dict, where: str) -> RuleSet:
    driving = []
    for d in data.get("driving", []):
        driving.append(
            DrivingRule(
                rule=d["rule"],
                classes=tuple(d.get("classes", ())),
                categories=tuple(d.get("categories", ())),
                min_total=_seconds(d.get("min_total")),
                max_total=_seconds(d.get("max_total")),
                max_continuous=_seconds(d.get("max_continuous")),
                rest_after=_seconds(d.get("rest_after")),
                max_in_window=_seconds(d.get("max_in_window")),
                window=_seconds(d.get("window")),
                source=d.get("source", ""),
                note=d.get("note", ""),
                uncertain=d.get("uncertain", ""),
            )
        )
        r = driving[-1]
        needed = {"min_total": r.min_total, "max_total": r.max_total, "max_continuous": r.max_continuous,
                  "max_window": r.max_in_window is not None and r.window is not None}  # fmt: skip
        if r.rule not in needed:
            raise ValueError(f"unknown driving rule {r.rule!r} (known: {', '.join(needed)})")
        if not needed[r.rule]:
            raise ValueError(f"driving rule {r.rule!r} lacks its figure")
    crew = []
    for c in data.get("crew", []):
        crew.append(
            CrewRule(
                rule=c["rule"],
                classes=tuple(c.get("classes", ())),
                at_least=tuple((int(x["count"]), tuple(x["of"])) for x in c.get("at_least", [])),
                at_most=tuple((int(x["count"]), tuple(x["of"])) for x in c.get("at_most", [])),
                one_of=tuple(tuple(x) for x in c.get("one_of", [])),
                min_drivers=c.get("min_drivers"),
                max_drivers=c.get("max_drivers"),
                source=c.get("source", ""),
                uncertain=c.get("uncertain", ""),
            )
        )
    return RuleSet(
        name=data["name"],
        series=data["series"],
        season=str(data["season"]),
        title=data.get("title", ""),
        source=data.get("source", ""),
        uncertain=data.get("uncertain", ""),
        applies=dict(data.get("applies", {})),
        exclude_pit=bool(data.get("counting", {}).get("exclude_pit", True)),
        driving=tuple(driving),
        crew=tuple(crew),
        not_checked=tuple(data.get("not_checked", [])),
        path=where,
    )


def composition_text(categories: list[str | None]) -> str:
    """Crew line-up strongest first, '?' for an unknown category.

    >>> composition_text(["Bronze", None, "Gold"])
    'Gold-Bronze-?'
    """
    return "-".join(sorted((c or "?" for c in categories), key=lambda c: _CAT_ORDER.get(c, 9)))
