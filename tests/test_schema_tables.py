"""The output tables are data (stintlab.schema.tables): docs/tables.md shows exactly that data, the tables
of real races match it (names and dtype kinds), the CLI JSON keys documented in docs/cli.md and
docs/analysis.md are columns of the tables they print, and public entry points name missing columns."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pandas as pd
import pytest

from stintlab.analysis import classification as cl
from stintlab.analysis import (
    distance,
    flags,
    headline,
    incidents,
    laptimes,
    pace,
    rankings,
    slowzones,
    standings,
    timeline,
)
from stintlab.errors import StintlabUsageError
from stintlab.schema import TABLES, check_columns, check_table, tables_markdown
from stintlab.schema.category_tables import ARCHIVE_TABLES
from stintlab.schema.tables import dtype_kind

# the modules, not the functions of the same name that stintlab.analysis exports
an = importlib.import_module("stintlab.analysis.annotate")
stints = importlib.import_module("stintlab.analysis.stints")
stops = importlib.import_module("stintlab.analysis.stops")

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_docs_tables_is_generated_from_the_schema():
    assert (DOCS / "tables.md").read_text(encoding="utf-8") == tables_markdown()


def test_every_column_is_described_once():
    for name, cols in TABLES.items():
        names = [c.name for c in cols]
        assert len(names) == len(set(names)), name
        for c in cols:
            assert c.meaning.strip(), (name, c.name)
            assert c.dtype == "object" or dtype_kind(c.dtype) in ("text", "int", "float", "bool"), (name, c)
            assert c.unit in ("", "s", "km/h"), (name, c)


def test_check_table_catches_a_wrong_kind_and_extra_columns():
    ok = pd.DataFrame({c.name: pd.Series([], dtype="float64") for c in TABLES["phases"]})
    problems = check_table(ok.assign(extra=1.0, kind=1.0), "phases")
    assert "columns not in the schema: extra" in problems
    assert any(p.startswith("column 'kind'") for p in problems)


def all_tables(race) -> dict[str, pd.DataFrame]:
    from stintlab.sim.projections import project

    laps = race.laps
    a = an.annotate(laps)
    car = str(race.classification["car"].iloc[0])
    clean = pace.clean_laps(a)
    rk = rankings.driver_rankings(laps, clean, n_boot=20)
    trace = laptimes.lap_trace(a)
    second = str(race.classification["car"].iloc[1])
    return {
        "annotated_laps": a,
        "clean_laps": clean,
        "standings": standings.standings_after_hour(laps, 2),
        "distance_standings": distance.distance_standings(distance.progress(laps), 2 * 3600.0 + 61.5),
        "hourly_positions": standings.hourly_positions(laps),
        "position_history": standings.position_history(laps),
        "gap_history": distance.gap_history(distance.progress(laps), samples=50),
        "classification": cl.derive_classification(laps),
        "stints": stints.stints(laps),
        "driver_spells": stints.driver_spells(laps),
        "drive_time": stints.drive_time(laps),
        "stops": stops.stops(a),
        "phases": flags.neutralisations(laps),
        "slow_zones": slowzones.slow_zones(laps),
        "race_phases": flags.race_phases(flags.neutralisations(laps), slowzones.slow_zones(laps)),
        "incidents": incidents.incident_table(laps, a["neutralised"].to_numpy()),
        "events": timeline.car_events(a, car),
        "time_losses": timeline.time_loss_account(a),
        "driver_metrics": pace.driver_metrics(laps, clean),
        "car_metrics": pace.car_metrics(laps, clean),
        "driver_rankings": rk,
        "crew_rankings": rankings.crew_rankings(laps, clean, n_boot=20),
        "best_performers": rankings.best_performers(rk),
        "metric_leaders": rankings.metric_leaders(rk),
        "category_standing": headline.category_standing(rk),
        "category_headline": headline.category_headline(rk),
        "best_headline": headline.best_headline(rk),
        "lap_trace": trace,
        "stint_pace": laptimes.stint_pace(trace, stints.stints(laps)),
        "sectors": laptimes.sector_table(clean, laps, pace.driver_metrics(laps, clean)),
        "drive_shares": laptimes.drive_shares(stints.drive_time(laps)),
        "battle": laptimes.battle(trace, car, second),
        "projections": project(race, 2 * 3600.0 + 61.5, runs=5, seed=1).table,
    }


# a flagged race (observed phases, one red flag) and an unflagged one (inferred phases)
@pytest.mark.corpus
@pytest.mark.parametrize("name", ["wec-2025-cota6h", "wec-2019-spa6h"])
def test_every_output_table_of_a_real_race_matches_its_schema(load_corpus_race, name):
    tables = all_tables(load_corpus_race(name))
    # every schema table is produced here, but those made from an archive (tests/test_rating.py)
    assert set(tables) == set(TABLES) - {"laps", *ARCHIVE_TABLES}
    for table, df in tables.items():
        assert len(df), (name, table)  # non-empty, so the dtype kinds are really checked
        assert check_table(df, table) == [], (name, table)
        # the columns come in the documented order
        assert list(df.columns) == [c.name for c in TABLES[table]], (name, table)


def _documented_keys() -> dict[str, list[list[str]]]:
    """CLI command -> key lists documented for it in docs/cli.md (command table) and docs/analysis.md."""
    out: dict[str, list[list[str]]] = {}
    for line in (DOCS / "cli.md").read_text(encoding="utf-8").splitlines():
        m = re.match(r"\| `(\w+) [^|]*` \| list of `([^`]+)`", line)
        if m:
            out.setdefault(m.group(1), []).append([k.strip() for k in m.group(2).split(",")])
    text = (DOCS / "analysis.md").read_text(encoding="utf-8").split("## CLI JSON keys", 1)[1]
    for m in re.finditer(r"`stintlab (\w+) [^`]*`[^{]*\{([^}]+)\}", text):
        out.setdefault(m.group(1), []).append([k.strip() for k in m.group(2).split(",")])
    return out


# which table each command prints
COMMAND_TABLE = {
    "classification": "classification",
    "standings": "standings",
    "stops": "stops",
    "stints": "stints",
    "events": "events",
    "flags": "race_phases",
    "losses": "time_losses",
    "drivers": "driver_rankings",
}


def test_cli_json_keys_are_schema_columns():
    documented = _documented_keys()
    # every command of the two pages that prints a table of the schema is found and checked
    assert set(documented) == set(COMMAND_TABLE), set(documented) ^ set(COMMAND_TABLE)
    for command, key_lists in documented.items():
        names = {c.name for c in TABLES[COMMAND_TABLE[command]]}
        for keys in key_lists:
            assert keys and set(keys) <= names, (command, set(keys) - names)


def test_entry_points_name_missing_columns(load_corpus_race):
    laps = pd.DataFrame({"car": ["1"], "lap": [1], "elapsed": [100.0], "lap_time": [100.0]})
    with pytest.raises(StintlabUsageError, match=r"annotate\(\) needs lap table column\(s\) driver, in_lap, out_lap, pit_time"):
        an.annotate(laps)
    with pytest.raises(StintlabUsageError, match=r"standings_at\(\) needs lap table column\(s\) class"):
        standings.standings_at(laps, 100.0)
    with pytest.raises(StintlabUsageError, match=r"derive_classification\(\) needs .* group, team, manufacturer, in_lap"):
        cl.derive_classification(laps.assign(**{"class": "X"}))
    with pytest.raises(StintlabUsageError, match="needs stops table column"):
        check_columns(laps, "stops", "report", ["car", "kind"])
    with pytest.raises(StintlabUsageError, match="no table 'nope'"):
        check_columns(laps, "nope", "x")
