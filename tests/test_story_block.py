"""The story block of the HTML report and of the web car page (issue #14, what is left, items 1 and 4): the
journalist's story first (the headline is its first paragraph), in English and French, the chronological
account collapsed under it ("Full account" / "Récit complet").

The headline's facts for Le Mans 2024 #92 are computed here from the raw Al Kamel rows with the csv module
(tests/oracle.py), never from stintlab: 14th in LMGT3 (41st overall) after 273 laps at its last crossing;
its costliest stop the garage stop of lap 182 (raw lap 182 is a ``B`` in-lap, PIT_TIME 0:24:44.030 on lap
183; no other in-lap + out-lap pair of #92 is longer).
"""

from __future__ import annotations

import csv
import html
import re

import pytest
from fastapi.testclient import TestClient

from conftest import lap_file
from oracle import parse_time, read_race

NBSP = "\u00a0"
RACE, CAR = "lemans-2024", "92"


def _raw_facts() -> dict:
    """#92's class, final class and overall positions, laps, and its costliest stop (raw rows only)."""
    path = lap_file(RACE)
    fin = next(r for r in read_race(path).final_order() if r["car"] == CAR)
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = [{k.strip(): (v or "").strip() for k, v in r.items() if k} for r in csv.DictReader(fh, delimiter=";")]
    mine = {int(r["LAP_NUMBER"]): r for r in rows if r["NUMBER"] == CAR}
    stops = [lap for lap, r in mine.items() if r["CROSSING_FINISH_LINE_IN_PIT"] == "B" and lap + 1 in mine]
    worst = max(stops, key=lambda lap: parse_time(mine[lap]["LAP_TIME"]) + parse_time(mine[lap + 1]["LAP_TIME"]))
    return {"class": mine[max(mine)]["CLASS"], "class_position": fin["class_position"], "position": fin["position"],
            "laps": fin["laps"], "garage_lap": worst, "pit_time": mine[worst + 1]["PIT_TIME"]}  # fmt: skip


@pytest.fixture(scope="module")
def raw():
    from conftest import _need_corpus

    _need_corpus()
    facts = _raw_facts()
    # the facts the brief names, from the raw rows
    assert (facts["class"], facts["class_position"], facts["laps"], facts["garage_lap"]) == ("LMGT3", 14, 273, 182)
    assert facts["pit_time"] == "0:24:44.030" and facts["position"] == 41
    return facts


def _en(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def _fr(n: int) -> str:
    return "1re" if n == 1 else f"{n}e"


def _story_parts(page: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]], str]:
    """(key, text) of the paragraphs of the journalist's block and of the collapsed account, and the
    account's <summary> text, read from the page's HTML."""

    def paras(block: str) -> list[tuple[str, str]]:
        found = re.findall(r'<p id="[^"]+" data-key="([^"]+)">(.*?)</p>', block, flags=re.S)
        return [(k, html.unescape(re.sub(r"<[^>]+>", "", t)).strip()) for k, t in found]

    journal = re.search(r'<div class="story journal">(.*?)</div>', page, flags=re.S)
    full = re.search(r'<details class="story-full" id="story-full"><summary>(.*?)</summary>'
                     r'<div class="story full">(.*?)</div></details>', page, flags=re.S)  # fmt: skip
    assert journal and full
    return paras(journal.group(1)), paras(full.group(2)), html.unescape(full.group(1))


def _check_headline(journal, full, summary, raw, lang: str) -> None:
    keys = [k for k, _ in journal]
    assert keys[0] == "headline" and 5 <= len(journal) <= 12 and keys.count("headline") == 1
    head = journal[0][1]
    lap = raw["garage_lap"]
    if lang == "en":
        assert head.startswith(
            f"The #92 finished {_en(raw['class_position'])} in {raw['class']} ({_en(raw['position'])} overall) "
            f"after {raw['laps']} laps; what decided it: a garage stop on lap {lap} "
        ), head
        assert summary == "Full account"
    else:
        assert head.startswith(
            f"La n°92 termine {_fr(raw['class_position'])} de la catégorie {raw['class']} ({_fr(raw['position'])} "
            f"au général) après {raw['laps']}{NBSP}tours"
        ), head
        assert f"un passage au garage au tour {lap} " in head, head
        assert summary == "Récit complet"
    # the headline's lap reference: the last lap, as the raw row count of #92
    assert head.endswith(f"[{'lap' if lang == 'en' else 'tour'} {raw['laps']}]"), head
    # the chronological account is all there, collapsed: it opens on the start and holds the finish
    assert full[0][0] == "start" and "finish" in [k for k, _ in full] and len(full) > 12


@pytest.mark.corpus
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_report_story_block_opens_on_the_headline(load_corpus_race, raw, lang):
    from stintlab.report.html import build_report

    doc = build_report(load_corpus_race(RACE), car=CAR, lang=lang)
    page = doc.html
    journal, full, summary = _story_parts(page)
    _check_headline(journal, full, summary, raw, lang)
    # the story is the first section of the report, the block right under its heading
    assert page.index('<h2 id="story">') < page.index("<h2", page.index('<h2 id="story">') + 1)
    assert re.search(r'<h2 id="story">[^<]*</h2><div class="story journal"><p id="story-1" data-key="headline">', page)
    assert page.index("<h2") == page.index('<h2 id="story">')
    # every lap the story cites has its raw row in "Laps behind the story": the garage stop's in-lap included
    assert f'id="lap-92-{raw["garage_lap"]}"' in page and f'href="#lap-92-{raw["garage_lap"]}"' in page
    assert len(page.encode("utf-8")) <= 10 * 1024 * 1024


@pytest.mark.corpus
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_web_car_page_story_block_opens_on_the_headline(tmp_path, raw, lang):
    from stintlab.web import create_app

    laps = lap_file(RACE)
    with TestClient(create_app(data_dir=tmp_path, with_demo=False)) as c:
        rid = c.post("/api/races", files={"file": (laps.name, laps.read_bytes(), "text/csv")}).json()["id"]
        page = c.get(f"/races/{rid}/cars/{CAR}", params={"lang": lang}).text
        api = c.get(f"/api/races/{rid}/cars/{CAR}/story", params={"lang": lang}).json()
    journal, full, summary = _story_parts(page)
    _check_headline(journal, full, summary, raw, lang)
    assert page.index("<h2") == page.index('<h2 id="story">')  # the story before the charts and tables
    # the collapsed account is the chronological story the JSON API serves
    assert [k for k, _ in full] == [s["key"] for s in api["sentences"]]
