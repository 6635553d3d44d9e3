"""Driving-time and crew-composition rules as data, and a checker.

Rule sets are TOML files shipped in :mod:`stintlab.rules` (one per series and season; format
and sources in ``docs/rules.md``). :func:`check_rules` judges a race (its lap table) or a plan
(a table of driver spells, as :func:`stintlab.analysis.stints.driver_spells` returns) against
one rule set:

- ``drivers``: car, driver, class, category, total, longest_spell, worst_window, min_total,
  max_total, verdict (``ok`` / ``violation`` / ``unknown`` when a needed category is unknown);
- ``crews``: car, class, drivers, composition, rule, verdict (``ok`` / ``violation`` /
  ``unknown`` / ``no rule``);
- ``violations``: car, driver, rule, laps (lap ranges that prove it, e.g. ``"12-40"``), detail.

>>> rs = load_rules("lemans-2019")
>>> rs.name, [r.rule for r in rs.driving]
('lemans-2019', ['min_total', 'max_total', 'max_window'])
>>> import pandas as pd
>>> plan = pd.DataFrame({"car": ["1", "1"], "driver": ["A", "B"], "class": ["LMP2", "LMP2"],
...                      "start": [0.0, 5 * 3600.0], "end": [5 * 3600.0, 24 * 3600.0],
...                      "drive_time": [5 * 3600.0, 19 * 3600.0]})
>>> out = check_rules(plan, rs, {("1", "A"): "Silver", ("1", "B"): "Gold"})
>>> out["drivers"][["driver", "verdict"]].values.tolist()
[['A', 'violation'], ['B', 'violation']]
>>> sorted(set(out["violations"]["rule"]))
['max_total', 'max_window', 'min_total']
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from stintlab.errors import StintlabUsageError
from stintlab.io.values import format_time, parse_time_text

__all__ = [
    "CATEGORIES",
    "CrewRule",
    "DrivingRule",
    "RuleSet",
    "check_rules",
    "composition_text",
    "list_rules",
    "load_rules",
    "max_window",
]

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

    def applies_to(self, series: str, year: int, hours: float | None = None) -> bool:
        """Whether this rule set is meant for a race of ``series`` (corpus series code) in ``year``."""
        a = self.applies
        if a.get("series") and series.upper() not in {s.upper() for s in a["series"]}:
            return False
        if a.get("years") and int(year) not in set(a["years"]):
            return False
        if hours is not None:
            if a.get("min_hours") is not None and hours < a["min_hours"]:
                return False
            if a.get("max_hours") is not None and hours > a["max_hours"]:
                return False
        return True

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


# ---------------------------------------------------------------------------------------------
# spells


SPELL_COLUMNS = ["car", "driver", "start", "end", "drive_time", "first_lap", "last_lap"]
_ALIASES = {"start_time": "start", "end_time": "end", "lap_first": "first_lap", "lap_last": "last_lap"}


def _spells(laps_or_spells: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame | None, pd.DataFrame | None]:
    """(spells, laps or None, driving intervals or None) from a lap table or a spells table."""
    from stintlab.analysis.stints import driver_spells, driving_intervals

    df = laps_or_spells
    if "lap_time" in df.columns and "lap" in df.columns:
        laps = df
        spells = driver_spells(laps).rename(columns={"lap_start": "first_lap", "lap_end": "last_lap"})
        iv = driving_intervals(laps).assign(lap=laps["lap"].to_numpy())
        return spells, laps, iv
    df = df.rename(columns={k: v for k, v in _ALIASES.items() if k in df.columns})
    if "lap_start" in df.columns and "first_lap" not in df.columns:  # driver_spells names: lap numbers
        df = df.rename(columns={"lap_start": "first_lap", "lap_end": "last_lap"})
    missing = [c for c in ("car", "driver", "drive_time") if c not in df.columns]
    if missing:
        raise StintlabUsageError(
            f"check_rules needs a lap table or spells with car, driver, drive_time (missing {missing})"
        )
    for col in ("start", "end"):
        if col not in df.columns:
            df = df.assign(**{col: np.nan})
    return df, None, None


def max_window(starts, ends, amounts, window: float) -> tuple[float, float]:
    """Most driving inside any window of length ``window``, and where that window starts.

    Driving is spread evenly over each segment [start, end]; the best window starts or ends
    on a segment edge, so only those positions are tried.

    >>> max_window([0, 7200], [3600, 10800], [3600, 3600], 6 * 3600)
    (7200.0, 0.0)
    >>> max_window([0, 30000], [3600, 33600], [3600, 3600], 6 * 3600)
    (3600.0, 0.0)
    """
    s = np.asarray(starts, dtype=float)
    e = np.asarray(ends, dtype=float)
    a = np.asarray(amounts, dtype=float)
    ok = np.isfinite(s) & np.isfinite(e) & np.isfinite(a)
    s, e, a = s[ok], e[ok], a[ok]
    if len(s) == 0:
        return 0.0, float("nan")
    order = np.argsort(s, kind="stable")
    s, e, a = s[order], e[order], a[order]
    # cumulative driving F(t) is piecewise linear with knots at segment edges
    knots = np.unique(np.concatenate([s, e]))
    cum = np.zeros(len(knots))
    for si, ei, ai in zip(s, e, a, strict=True):
        if ei > si:
            cum += ai * np.clip((knots - si) / (ei - si), 0.0, 1.0)
        else:
            cum += np.where(knots >= si, ai, 0.0)
    cand = np.unique(np.concatenate([knots, knots - window]))
    vals = np.interp(cand + window, knots, cum) - np.interp(cand, knots, cum)
    i = int(np.argmax(vals))
    t0 = float(max(cand[i], 0.0)) if cand[i] >= knots[0] - window else float(cand[i])
    return float(round(vals[i], 6)), t0


def _lap_ranges(laps: list[int]) -> str:
    """'3-5, 9' from [3, 4, 5, 9].

    >>> _lap_ranges([3, 4, 5, 9])
    '3-5, 9'
    """
    if not laps:
        return ""
    laps = sorted(set(int(x) for x in laps))
    out, a, b = [], laps[0], laps[0]
    for x in laps[1:]:
        if x == b + 1:
            b = x
            continue
        out.append(f"{a}-{b}" if b > a else f"{a}")
        a = b = x
    out.append(f"{a}-{b}" if b > a else f"{a}")
    return ", ".join(out)


def _spell_laps(sp: pd.DataFrame) -> str:
    if "first_lap" not in sp.columns:
        return ""
    laps = []
    for first, last in zip(sp["first_lap"], sp["last_lap"], strict=True):
        if pd.isna(first) or pd.isna(last):
            continue
        laps.extend(range(int(first), int(last) + 1))
    return _lap_ranges(laps)


def _category_lookup(categories) -> dict:
    from stintlab.race import name_key

    if categories is None:
        return {}
    if isinstance(categories, pd.DataFrame):
        items = zip(categories["car"], categories["driver"], categories["category"], strict=True)
    else:
        items = ((k[0], k[1], v) for k, v in dict(categories).items())
    out = {}
    for car, drv, cat in items:
        if cat is None or cat is pd.NA or (isinstance(cat, float) and np.isnan(cat)):
            continue
        out[(str(car), name_key(drv))] = str(cat)
    return out


def composition_text(categories: list[str | None]) -> str:
    """Crew line-up strongest first, '?' for an unknown category.

    >>> composition_text(["Bronze", None, "Gold"])
    'Gold-Bronze-?'
    """
    return "-".join(sorted((c or "?" for c in categories), key=lambda c: _CAT_ORDER.get(c, 9)))


def _finishers(laps: pd.DataFrame) -> set:
    from stintlab.analysis.classification import derive_classification, race_finished

    if not race_finished(laps):  # a file of a race still running: nobody has finished yet
        return set()
    cls = derive_classification(laps)
    return set(cls.loc[cls["status"] == "Running", "car"].astype(str))


def check_rules(laps_or_spells: pd.DataFrame, rules, categories=None, *, finished=None) -> dict:
    """Check a race (lap table) or a plan (spells) against a rule set.

    ``categories``: ``{(car, driver): category}`` or a DataFrame with car, driver, category
    (names matched with :func:`stintlab.race.name_key`), or None. ``finished``: the cars that
    took the finish (minimum-time rules apply only to them); by default derived from the laps,
    or every car when spells are given.
    Spells need car, driver, drive_time (s); start, end (race s) for window rules; class for
    class rules; first_lap, last_lap to list the laps that prove a violation.
    """
    rs = load_rules(rules)
    spells, laps, intervals = _spells(laps_or_spells)
    iv_groups = (
        {} if intervals is None else {k: g for k, g in intervals.groupby(["car", "driver"], sort=False, observed=True)}
    )
    cats = _category_lookup(categories)
    if finished is None:
        finished = _finishers(laps) if laps is not None else set(spells["car"].astype(str))
    finished = {str(c) for c in finished}

    from stintlab.race import name_key

    spells = spells.assign(car=spells["car"].astype(str), driver=spells["driver"].astype("string").fillna("(unknown)"))
    if "class" not in spells.columns:
        spells = spells.assign(**{"class": pd.NA})
    windows = rs.windows
    driver_rows, violations = [], []
    for (car, drv), sp in spells.groupby(["car", "driver"], sort=False):
        sp = sp.sort_values("start", kind="stable") if sp["start"].notna().all() else sp
        cls = sp["class"].iloc[0]
        cls = None if pd.isna(cls) else str(cls)
        cat = cats.get((car, name_key(drv)))
        total = float(sp["drive_time"].sum())
        longest_i = int(np.argmax(sp["drive_time"].to_numpy())) if len(sp) else 0
        longest = float(sp["drive_time"].iloc[longest_i]) if len(sp) else 0.0
        w = windows[0] if windows else 6 * 3600.0
        seg = iv_groups.get((car, drv))
        if seg is not None:
            seg_s, seg_e = seg["drive_start"].to_numpy(), seg["drive_end"].to_numpy()
            seg_a = seg_e - seg_s
        else:
            seg_s, seg_e, seg_a = sp["start"].to_numpy(), sp["end"].to_numpy(), sp["drive_time"].to_numpy()
        worst, _ = max_window(seg_s, seg_e, seg_a, w)
        verdict = "ok"
        mins, maxs = [], []
        for r in rs.driving:
            if not r.class_applies(cls):
                continue
            applies = r.category_applies(cat)
            if applies is False:
                continue
            fail, detail, proof = False, "", ""
            if r.rule == "min_total":
                if car not in finished:
                    continue
                if applies:
                    mins.append(r.min_total)
                if total < r.min_total:
                    fail = True
                    detail = f"drove {format_time(total)}, minimum {format_time(r.min_total)}"
                    proof = _spell_laps(sp)
            elif r.rule == "max_total":
                if applies:
                    maxs.append(r.max_total)
                if total > r.max_total:
                    fail = True
                    detail = f"drove {format_time(total)}, maximum {format_time(r.max_total)}"
                    proof = _spell_laps(sp)
            elif r.rule == "max_continuous":
                over = sp[sp["drive_time"] > r.max_continuous]
                if len(over):
                    fail = True
                    detail = f"continuous spell of {format_time(float(over['drive_time'].max()))}, maximum {format_time(r.max_continuous)}"
                    proof = _spell_laps(over)
                if r.rest_after is not None and sp["start"].notna().all() and len(sp) > 1:
                    gaps = sp["start"].to_numpy()[1:] - sp["end"].to_numpy()[:-1]
                    long_before = sp["drive_time"].to_numpy()[:-1] >= r.max_continuous - 1e-6
                    bad = np.flatnonzero(long_before & (gaps < r.rest_after))
                    if len(bad):
                        fail = True
                        detail = (
                            (detail + "; " if detail else "")
                            + f"rest of {format_time(float(gaps[bad[0]]))} after a maximal spell, minimum {format_time(r.rest_after)}"
                        )
                        proof = ", ".join(x for x in (proof, _spell_laps(sp.iloc[[bad[0], bad[0] + 1]])) if x)
            elif r.rule == "max_window":
                value, t0 = max_window(seg_s, seg_e, seg_a, r.window)
                if r.window == w:
                    worst = value
                if value > r.max_in_window:
                    fail = True
                    detail = (f"drove {format_time(value)} in the {format_time(r.window)} from race time "
                              f"{format_time(t0)}, maximum {format_time(r.max_in_window)}")  # fmt: skip
                    inside = sp[(sp["end"] > t0) & (sp["start"] < t0 + r.window)]
                    if seg is not None:
                        ov = seg[(seg["drive_end"] > t0) & (seg["drive_start"] < t0 + r.window)]
                        proof = _lap_ranges(ov["lap"].tolist())
                    else:
                        proof = _spell_laps(inside)
            if fail:
                if applies is None:
                    if verdict == "ok":
                        verdict = "unknown"
                    continue
                verdict = "violation"
                violations.append({"car": car, "driver": drv, "rule": r.rule, "laps": proof, "detail": detail,
                                   "class": cls, "category": cat, "source": r.source})  # fmt: skip
        driver_rows.append(
            {
                "car": car,
                "driver": drv,
                "class": cls,
                "category": cat,
                "total": total,
                "longest_spell": longest,
                "worst_window": worst,
                "window": w,
                "spells": len(sp),
                "min_total": max(mins) if mins else np.nan,
                "max_total": min(maxs) if maxs else np.nan,
                "finished": car in finished,
                "verdict": verdict,
            }
        )
    drivers = pd.DataFrame(driver_rows, columns=["car", "driver", "class", "category", "total", "longest_spell",
                                                 "worst_window", "window", "spells", "min_total", "max_total",
                                                 "finished", "verdict"])  # fmt: skip
    crews = _check_crews(drivers, rs, violations)
    viol = pd.DataFrame(violations, columns=["car", "driver", "rule", "laps", "detail", "class", "category", "source"])
    return {"drivers": drivers, "crews": crews, "violations": viol, "rules": rs}


def _check_crews(drivers: pd.DataFrame, rs: RuleSet, violations: list) -> pd.DataFrame:
    rows = []
    for car, d in drivers.groupby("car", sort=False):
        cls = d["class"].iloc[0]
        cats = [None if pd.isna(c) else c for c in d["category"]]
        comp = composition_text(cats)
        applicable = [r for r in rs.crew if r.class_applies(cls)]
        if not applicable:
            rows.append(
                {
                    "car": car,
                    "class": cls,
                    "drivers": len(d),
                    "composition": comp,
                    "rule": "",
                    "verdict": "no rule",
                    "detail": "",
                }
            )
            continue
        verdicts, details, names = [], [], []
        for r in applicable:
            v, detail = r.judge(cats)
            verdicts.append(v)
            names.append(r.rule)
            if detail:
                details.append(detail)
            if v == "violation":
                violations.append({"car": car, "driver": "", "rule": "crew: " + r.rule, "laps": "", "detail": f"{comp}: {detail}",
                                   "class": cls, "category": comp, "source": r.source})  # fmt: skip
        verdict = "violation" if "violation" in verdicts else "unknown" if "unknown" in verdicts else "ok"
        rows.append({"car": car, "class": cls, "drivers": len(d), "composition": comp, "rule": "; ".join(names),
                     "verdict": verdict, "detail": "; ".join(details)})  # fmt: skip
    return pd.DataFrame(rows, columns=["car", "class", "drivers", "composition", "rule", "verdict", "detail"])
