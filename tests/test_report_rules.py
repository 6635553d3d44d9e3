"""The report's drive-time section applies a rule set only when it fits the race, by the same decision as
``stintlab rules`` (Race.rule_fit): a set meant for other seasons is named and not applied, the one shipped
set that fits is applied by default.

Expectations come from the rule files read here with tomllib (their ``[applies]`` years) and the race's
folder name (its season), not from stintlab's decision."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import lap_file
from stintlab.cli import app
from stintlab.report.pace import pace_sections

RULES = Path(__file__).resolve().parents[1] / "src" / "stintlab" / "rules"
runner = CliRunner()


def _years(name: str) -> list[int]:
    return tomllib.loads((RULES / f"{name}.toml").read_text(encoding="utf-8"))["applies"]["years"]


def _drive_section(race, car, cls, rules):
    html = dict(pace_sections(race, car, [cls], rules=rules))["drivetime"]
    notes = re.findall(r'<p class="muted">(.*?)</p>', html)
    return html, notes


@pytest.mark.corpus
def test_a_rule_set_of_other_seasons_is_not_applied(load_corpus_race):
    assert 2024 not in _years("lemans-2019")  # the file's own claim
    race = load_corpus_race("lemans-2024")
    html, notes = _drive_section(race, "92", "LMGT3", "lemans-2019")
    assert any("lemans-2019 does not apply" in n and "not 2024" in n for n in notes), notes
    assert "Minimum" not in html  # no minimum column: nothing judged against 2019's rules
    # the `rules` command refuses the same set for the same race, for the same reason
    res = runner.invoke(app, ["rules", str(lap_file("lemans-2024")), "--rules", "lemans-2019"])
    assert res.exit_code != 0 and "not 2024" in (res.output + str(res.exception or ""))


@pytest.mark.corpus
def test_the_set_that_fits_is_applied_by_default(load_corpus_race):
    assert 2019 in _years("lemans-2019")
    race = load_corpus_race("lemans-2019")
    html, notes = _drive_section(race, "85", "LMGTE Am", None)
    assert any("lemans-2019" in n and "applies to this race" in n for n in notes), notes
    # lemans-2019.toml: min_total "6:00:00" for LMGTE Am drivers, shown in the minimum column
    rule = next(r for r in tomllib.loads((RULES / "lemans-2019.toml").read_text(encoding="utf-8"))["driving"]
                if r["rule"] == "min_total")  # fmt: skip
    assert "LMGTE Am" in rule["classes"] and rule["min_total"] == "6:00:00"
    assert "Minimum" in html and "6:00:00" in html
    # and the 2024 race gets its own set, not 2019's
    _, notes24 = _drive_section(load_corpus_race("lemans-2024"), "92", "LMGT3", None)
    assert 2024 in _years("lemans-2024")
    assert any("lemans-2024" in n and "applies to this race" in n for n in notes24), notes24
