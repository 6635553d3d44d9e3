"""`stintlab drivers` and `stintlab rules` on real files: JSON keys, values, usage errors (exit 2)."""

import json

import pytest

from conftest import lap_file
from stintlab.cli import main

pytestmark = pytest.mark.corpus

DRIVER_KEYS = {"driver", "car", "class", "category", "clean_laps", "best_lap", "ideal_lap", "best_10", "best_20pct",
               "median_clean", "index", "class_rank", "category_rank"}  # fmt: skip


def _json(capsys, argv):
    rc = main(argv)
    out = capsys.readouterr().out
    assert rc == 0
    return json.loads(out)


def test_drivers_json_imsa_by_class_and_category(corpus, capsys):
    """Watkins Glen 2021 (6 h), GTD Bronze drivers, ranked by best lap: keys, order, official categories."""
    rows = _json(capsys, ["drivers", str(lap_file("imsa-2021-6h-watkins-glen-international")), "--class", "gtd",
                          "--category", "bronze", "--by", "best_lap", "--json"])  # fmt: skip
    assert rows and set(rows[0]) >= DRIVER_KEYS
    assert {r["class"] for r in rows} == {"GTD"} and {r["category"] for r in rows} == {"Bronze"}
    assert {r["category_source"] for r in rows} == {"classification"}
    ranks = [r["category_rank"] for r in rows]
    assert ranks == sorted(ranks) and ranks[0] == 1
    assert all(isinstance(r["best_lap"], float) for r in rows if r["clean_laps"])
    assert [r["best_lap"] for r in rows] == sorted(r["best_lap"] for r in rows)
    # #39's Richard Heistand is Bronze in the results file (line 29)
    assert any(r["driver"] == "Richard Heistand" and r["car"] == "39" for r in rows)


def test_drivers_best_table(corpus, capsys):
    rows = _json(capsys, ["drivers", str(lap_file("imsa-2021-6h-watkins-glen-international")), "--best", "--json"])
    assert {"class", "category", "place", "driver", "car", "value", "ci_low", "ci_high", "gap_to_next", "close"} <= set(
        rows[0]
    )
    assert len({(r["class"], r["category"]) for r in rows}) == len(rows)


def test_rules_list_json(capsys):
    rows = _json(capsys, ["rules", "--list", "--json"])
    assert {"lemans-2019", "wec-6h-2021", "spa24-2023", "n24-2024"} <= {r["name"] for r in rows}
    assert set(rows[0]) == {"name", "series", "season", "source"}


def test_rules_json_lemans_2019(corpus, capsys):
    data = _json(capsys, ["rules", str(lap_file("lemans-2019")), "--rules", "lemans-2019", "--json"])
    assert set(data) >= {"drivers", "crews", "violations"}
    assert {"driver", "car", "total", "longest_spell", "worst_window", "verdict"} <= set(data["drivers"][0])
    assert {"car", "composition", "verdict"} <= set(data["crews"][0])
    flohr = [v for v in data["violations"] if v["driver"] == "Thomas FLOHR"]
    assert flohr and flohr[0]["laps"] == "27-54, 71-100" and flohr[0]["rule"] == "max_window"


def test_rules_with_entry_list_judges_a_crew(corpus, capsys, tmp_path):
    """#54 (LMGTE Am, Flohr/Castellacci/Fisichella): with a user entry list Bronze/Silver/Platinum the crew
    is legal; the categories are test inputs."""
    el = tmp_path / "el.csv"
    el.write_text(
        "car,driver,category\n54,Thomas Flohr,Bronze\n54,Francesco Castellacci,Silver\n54,Giancarlo Fisichella,Platinum\n"
    )
    data = _json(
        capsys, ["rules", str(lap_file("lemans-2019")), "--rules", "lemans-2019", "--entry-list", str(el), "--json"]
    )
    crew = next(c for c in data["crews"] if c["car"] == "54")
    assert crew["composition"] == "Platinum-Silver-Bronze" and crew["verdict"] == "ok"


@pytest.mark.parametrize(
    "argv, message",
    [
        (["drivers", "{f}", "--by", "fastest"], "unknown metric"),
        (["drivers", "{f}", "--class", "LMP9"], "no class"),
        (["drivers", "{f}", "--category", "Gold"], "no driver categories"),
        (["rules", "{f}", "--rules", "nope"], "unknown rule set"),
        (["rules", "{f}"], "no single shipped rule set applies"),  # Spa 2019: none shipped
    ],
)
def test_usage_errors_one_line_exit_2(corpus, capsys, argv, message):
    f = str(lap_file("wec-2019-spa6h"))
    rc = main([a.replace("{f}", f) for a in argv])
    err = capsys.readouterr().err
    assert rc == 2 and message in err and "Traceback" not in err


def test_drivers_crews_json(corpus, capsys):
    rows = _json(
        capsys,
        ["drivers", str(lap_file("imsa-2021-6h-watkins-glen-international")), "--crews", "--class", "DPi", "--json"],
    )
    assert {"car", "class", "clean_laps", "index", "class_rank", "ci_low", "ci_high"} <= set(rows[0])
    assert [r["class_rank"] for r in rows] == sorted(r["class_rank"] for r in rows)
    assert {r["class"] for r in rows} == {"DPi"}
