"""Driving-time and crew-composition rules as data, and a checker.

- :mod:`~stintlab.analysis.rules.model`: the rule model and the TOML loader (:func:`load_rules`,
  :func:`list_rules`; shipped files in :mod:`stintlab.rules`, format in ``docs/rules.md``);
- :mod:`~stintlab.analysis.rules.check`: :func:`check_rules` on driver spells, :func:`check_laps`
  (the adapter from a lap table);
- the driving window itself is :func:`stintlab.analysis.window.worst_window`.

>>> rs = load_rules("lemans-2019")
>>> import pandas as pd
>>> plan = pd.DataFrame({"car": ["1", "1"], "driver": ["A", "B"], "class": ["LMP2", "LMP2"],
...                      "start": [0.0, 5 * 3600.0], "end": [5 * 3600.0, 24 * 3600.0],
...                      "drive_time": [5 * 3600.0, 19 * 3600.0]})
>>> out = check_rules(plan, rs, {("1", "A"): "Silver", ("1", "B"): "Gold"})
>>> out["violations"][["driver", "rule"]].values.tolist()
[['A', 'min_total'], ['A', 'max_window'], ['B', 'max_total'], ['B', 'max_window']]
"""

from stintlab.analysis.rules.check import (
    SPELL_COLUMNS,
    check_laps,
    check_rules,
    finishers,
    is_lap_table,
    max_window,
    spells_from_laps,
)
from stintlab.analysis.rules.model import (
    CATEGORIES,
    CrewRule,
    DrivingRule,
    RuleSet,
    applicable_rules,
    composition_text,
    list_rules,
    load_rules,
    rule_fit,
)

__all__ = [
    "CATEGORIES",
    "SPELL_COLUMNS",
    "CrewRule",
    "DrivingRule",
    "RuleSet",
    "applicable_rules",
    "check_laps",
    "check_rules",
    "composition_text",
    "finishers",
    "is_lap_table",
    "list_rules",
    "load_rules",
    "max_window",
    "rule_fit",
    "spells_from_laps",
]
