"""Classification rules as data: who is classified at the end of a race, per series.

The rules live in ``stintlab/rules/classification/series.toml`` (one ``[[rule]]`` per series,
each with its sources and what is uncertain); :func:`stintlab.analysis.order.final_status` applies
them. A rule says: a car is classified when it covered at least ``min_share`` of the reference
distance (``share_of``: the overall winner's laps, or its class winner's) and, when ``needs_flag``,
took the chequered flag.

>>> rule_for_classes(["HYPERCAR", "LMP2", "LMGT3"]).name, rule_for_classes(["GTP", "LMP2", "GTD"]).name
('aco-wec', 'imsa')
>>> r = classification_rule("aco-wec"); r.min_share, r.needs_flag, r.share_of
(0.7, True, 'overall')
>>> rule_for_classes(["SP9", "NO_CLASS"]).name
'generic'
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from importlib import resources

from stintlab.errors import StintlabUsageError

__all__ = ["ClassificationRule", "classification_rule", "classification_rules", "rule_for_classes"]

_SHARE_OF = ("overall", "class")


@dataclass(frozen=True)
class ClassificationRule:
    """One series' classification rule (fields: ``series.toml``)."""

    name: str
    title: str
    classes: tuple[str, ...]
    min_share: float
    share_of: str
    needs_flag: bool
    source: str = ""
    uncertain: str = ""
    not_checked: tuple[str, ...] = ()


@functools.cache
def classification_rules() -> tuple[ClassificationRule, ...]:
    """Every shipped rule, in file order (the ``generic`` rule last)."""
    path = resources.files("stintlab") / "rules" / "classification" / "series.toml"
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    out = []
    for r in data["rule"]:
        rule = ClassificationRule(
            name=r["name"], title=r.get("title", ""), classes=tuple(str(c).upper() for c in r.get("classes", ())),
            min_share=float(r["min_share"]), share_of=r.get("share_of", "overall"), needs_flag=bool(r["needs_flag"]),
            source=" ".join(r.get("source", "").split()), uncertain=" ".join(r.get("uncertain", "").split()),
            not_checked=tuple(r.get("not_checked", ())),
        )  # fmt: skip
        if rule.share_of not in _SHARE_OF or not 0.0 <= rule.min_share <= 1.0:
            raise ValueError(f"classification rule {rule.name}: share_of {rule.share_of!r}, min_share {rule.min_share}")
        out.append(rule)
    return tuple(out)


def classification_rule(name: str | ClassificationRule) -> ClassificationRule:
    """A shipped rule by name (``imsa``, ``aco-wec``, ``generic``)."""
    if isinstance(name, ClassificationRule):
        return name
    for r in classification_rules():
        if r.name == name:
            return r
    known = ", ".join(r.name for r in classification_rules())
    raise StintlabUsageError(f"unknown classification rule {name!r} (known: {known})")


def rule_for_classes(classes) -> ClassificationRule:
    """The rule of the series the car classes belong to (the first rule naming one of them), else
    the ``generic`` rule. Class names are compared upper-cased."""
    names = {str(c).strip().upper() for c in classes if isinstance(c, str)}
    for r in classification_rules():
        if names & set(r.classes):
            return r
    return classification_rule("generic")
