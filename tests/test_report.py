"""The self-contained HTML report: sections, size, no network reference, story links, the demo
race, every Le Mans race of the corpus, and the ``report`` command."""

from __future__ import annotations

import json
import re

import pytest

from stintlab.report.charts import shade_neutralisations
from stintlab.report.html import build_report

LEMANS = ["lemans-2019", "lemans-2021", "lemans-2023", "lemans-2024", "lemans-2025", "lemans-2026"]
ALL_SECTIONS = [
    "summary",
    "story",
    "positions",
    "gap",
    "stints",
    "stops",
    "laptimes",
    "stintpace",
    "sectors",
    "drivetime",
    "lapchart",
    "battle",
    "neutralisations",
    "rankings",
    "classification",
]


def _no_remote_references(html: str) -> None:
    """No attribute of our own markup points to the network (the browser test checks the requests)."""
    ours = html.replace(html[html.index("<script>") : html.index("</script>") + 9], "", 1)  # minus the plotly bundle
    assert not re.search(r"""(src|href|action)\s*=\s*["']?\s*(https?:)?//""", ours, re.I)
    assert "@import" not in ours and "url(http" not in ours


def test_lemans_2024_report_for_car_92(load_corpus_race):
    race = load_corpus_race("lemans-2024")
    doc = build_report(race, car="92", lang="en")
    html = doc.html
    assert doc.car == "92" and doc.sections == ALL_SECTIONS and doc.missing == []
    assert len(html.encode()) < 10 * 1024 * 1024
    assert html.count("<script>") >= 5 and "<script src=" not in html  # plotly.js inline, charts inline
    assert "plotly.js v" in html[:20000] or "plotly.js v" in html
    _no_remote_references(html)
    # the followed car is highlighted in the classification; LMGT3 charts only
    assert 'id="positions-lmgt3"' in html and 'id="positions-hypercar"' not in html
    # every lap a story sentence cites has its row (anchor) in the "laps behind the story" table
    cited = set(re.findall(r'href="#lap-92-(\d+)"', html))
    assert cited and all(f'id="lap-92-{lap}"' in html for lap in cited)
    # raw: lap 182 of #92 is the in-lap (B) of the 24:44.030 garage stop, source line of that row
    row = re.search(r'<tr id="lap-92-182">(.*?)</tr>', html).group(1)
    assert "Klaus BACHLER" in row and ">in<" in row
    # raw: FLAG_AT_FL is SF in 3 runs (race time 6.62-8.04 h, 11.74-16.08 h, 17.59-18.46 h), listed and shaded
    assert html.count("<td>Safety car</td>") == 3
    assert '"fillcolor":"rgba(255,196,0,0.22)"' in html


def test_report_without_car_follows_the_winner_and_covers_every_class(load_corpus_race):
    race = load_corpus_race("lemans-2024")
    doc = build_report(race, lang="fr")
    assert doc.car == "50"  # raw: #50 completed 311 laps first
    assert "Aucune voiture choisie : le récit suit la voiture victorieuse." in doc.html
    for cls in ("hypercar", "lmp2", "lmgt3"):
        assert f'id="positions-{cls}"' in doc.html
    assert '<html lang="fr">' in doc.html and "Récit de course" in doc.html


@pytest.mark.parametrize("name", LEMANS)
def test_report_works_on_every_le_mans_race_and_stays_under_10_mb(load_corpus_race, name):
    race = load_corpus_race(name)
    winner = str(race.classification["car"].iloc[0])
    doc = build_report(race, car=winner, lang="en")
    assert doc.sections == ALL_SECTIONS, doc.missing
    assert len(doc.html.encode()) < 10 * 1024 * 1024
    assert f"#{winner}" in doc.html


def test_neutralisation_shading_in_hours():
    import pandas as pd

    phases = pd.DataFrame(
        {"kind": ["SC", "FCY", "RED"], "start": [3600.0, 7200.0, 9000.0], "end": [5400.0, 7210.0, 10800.0]}
    )
    fig = shade_neutralisations({"data": [], "layout": {}}, phases)
    shapes = fig["layout"]["shapes"]
    assert [(x["x0"], x["x1"]) for x in shapes] == [(1.0, 1.5), (2.0, round(7230 / 3600, 4)), (2.5, 3.0)]  # 30 s min
    assert shapes[2]["fillcolor"].startswith("rgba(220,0,0")


def test_unknown_car_and_language(load_corpus_race):
    from stintlab.errors import StintlabUsageError

    race = load_corpus_race("lemans-2024")
    with pytest.raises(StintlabUsageError, match="no car '999'"):
        build_report(race, car="999")
    with pytest.raises(StintlabUsageError, match="en or fr"):
        build_report(race, car="92", lang="de")


# ------------------------------------------------------------------ CLI, demo race
def test_report_command_on_a_file(tmp_path, capsys, corpus):
    from conftest import lap_file
    from stintlab.cli import main

    out = tmp_path / "r.html"
    assert main(["report", str(lap_file("lemans-2019")), "--car", "8", "-o", str(out), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["output"] == str(out) and data["bytes"] == out.stat().st_size and data["demo"] is False
    assert data["car"] == "8" and data["missing_sections"] == []
    html = out.read_text(encoding="utf-8")
    # 2019 files have no flag column: the neutralisations are inferred from lap times and say so
    assert "Inferred from lap times" in html


def test_report_command_without_file_uses_the_demo_race_and_says_so(tmp_path, capsys, monkeypatch):
    from stintlab.cli import main

    monkeypatch.setenv("STINTLAB_CACHE", str(tmp_path / "cache"))  # the demo generated here, not shared

    out = tmp_path / "demo.html"
    assert main(["report", "-o", str(out), "--lang", "fr", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["demo"] is True and data["sections"] == ALL_SECTIONS
    html = out.read_text(encoding="utf-8")
    assert 'id="demo-note"' in html and "course de démonstration intégrée" in html
    assert len(html.encode()) < 10 * 1024 * 1024


def test_report_command_errors_are_one_line(tmp_path, capsys, corpus):
    from conftest import lap_file
    from stintlab.cli import main

    assert main(["report", str(lap_file("lemans-2024")), "--car", "999", "-o", str(tmp_path / "x.html")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no car '999'" in err[0]
    assert not (tmp_path / "x.html").exists()
    assert main(["report", str(tmp_path / "missing.csv"), "-o", str(tmp_path / "y.html")]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_car_option_completes_from_the_file(corpus):
    from types import SimpleNamespace

    from conftest import lap_file
    from stintlab.commands.report import _complete_car

    got = _complete_car(SimpleNamespace(params={"file": lap_file("lemans-2024")}), "9")
    # raw: the 2024 entry has #9, #90 ... #99; #92 is Manthey PureRxcing
    assert ("92", "Manthey PureRxcing") in got and all(c.startswith("9") for c, _ in got)
    assert _complete_car(SimpleNamespace(params={"file": "/nonexistent.csv"}), "") == []


def test_french_report_classification_says_tours_not_laps(load_corpus_race):
    """The French report's classification words laps behind the winner in French: the official file
    prints '2 Laps' (GAP_FIRST), the page must say '2 tours'. Expected gaps come from the raw lap file
    (csv oracle): winner's laps minus each car's laps."""
    from conftest import lap_file
    from oracle import read_race

    raw = read_race(lap_file("lemans-2024")).final_order()
    behind = {r["car"]: raw[0]["laps"] - r["laps"] for r in raw}
    assert behind["63"] == 2 and behind["92"] == 38  # raw: #50 311 laps, #63 309, #92 273
    html = build_report(load_corpus_race("lemans-2024"), lang="fr").html
    section = html[html.index('id="classification"') :]
    table = section[: section.index("</table>")]
    rows = [re.findall(r"<td>(.*?)</td>", tr) for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", table)]
    gaps = {cells[2]: cells[-1] for cells in rows if len(cells) == 8}  # car -> gap_first
    assert len(gaps) == len(behind) == 62
    for car, laps in behind.items():
        if laps > 0:
            assert gaps[car] == f"{laps} tour" + ("s" if laps > 1 else ""), (car, gaps[car])
    assert not re.search(r"\bLaps?\b", table)
