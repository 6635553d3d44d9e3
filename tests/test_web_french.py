"""The French web pages have no English left (issue #14, item 6): the car page, and the race overview, class
and driver pages (``?lang=fr``). Their visible text and every word their charts show (axis titles, legend
names, hover labels) are checked against a list of English words, once the proper names of the race (teams,
drivers, read from the raw lap file with the csv module) are taken out; words are split on letters with their
accents ("Classée" is one French word, not "Class" + "e"). The link to the English page is marked
``lang="en"`` and is the only English allowed. The same check finds English words on the English pages."""

from __future__ import annotations

import csv
import html
import json
import re

import pytest
from fastapi.testclient import TestClient

from conftest import lap_file, results_file
from stintlab.web import create_app

ENGLISH = {
    "the", "and", "of", "with", "from", "to", "at", "in", "out", "after", "before", "lap", "laps", "car", "cars",
    "race", "stint", "stints", "driver", "drivers", "time", "pit", "stop", "stops", "gap", "hour", "hours", "best",
    "average", "share", "longest", "clean", "lost", "story", "behind", "kind", "sector", "sectors",
    "fastest", "traffic", "degradation", "pace", "finished", "retired", "took", "start",
    "class", "chart", "safety", "won", "led", "lead", "spell", "spells", "speed", "ideal",
    "battle", "line", "flag", "file", "gained", "fell", "down", "up",
}  # fmt: skip
# also French, so not in the list: position(s), leader, long, final, total, top, drive(-through)


def _names(name: str) -> list[str]:
    """Teams and drivers (raw TEAM, DRIVER_NAME, MANUFACTURER, CLASS columns), longest first."""
    path = lap_file(name)
    out: set[str] = set()
    with open(path, encoding="utf-8-sig", newline="") as fh:
        head = fh.readline()
        sep = ";" if head.count(";") >= head.count(",") else ","
        cols = [c.strip() for c in next(csv.reader([head], delimiter=sep))]
        for row in csv.reader(fh, delimiter=sep):
            rec = dict(zip(cols, (v.strip() for v in row), strict=False))
            for k in ("TEAM", "DRIVER_NAME", "MANUFACTURER", "CLASS", "VEHICLE"):
                if rec.get(k):
                    out.add(rec[k])
    res = results_file(name)
    if res is not None:
        with open(res, encoding="utf-8-sig", newline="") as fh:
            for rec in csv.DictReader(fh):
                for k, v in rec.items():
                    if k and (k.startswith("DRIVER") and ("NAME" in k) or k in ("TEAM", "VEHICLE")) and v:
                        out.add(v.strip())
    return sorted(out, key=len, reverse=True)


def _words_shown(page: str) -> str:
    """Visible text plus the words of the charts (titles, legend names, hover labels)."""
    shown = []
    for payload in re.findall(r"var f=(\{.*?\});(?:if\(window|Plotly)", page, flags=re.S):
        fig = json.loads(payload.replace("\\u003c", "<"))
        lay = fig["layout"]
        for ax in ("xaxis", "yaxis", "yaxis2", "xaxis2"):
            t = (lay.get(ax) or {}).get("title")
            shown.append(t.get("text", "") if isinstance(t, dict) else str(t or ""))
        for ann in lay.get("annotations", []):
            shown.append(str(ann.get("text", "")))
        for tr in fig["data"]:
            shown.append(str(tr.get("name") or ""))
            shown.append(re.sub(r"%\{[^}]*\}", " ", str(tr.get("hovertemplate") or "")))
            text = tr.get("text")
            if isinstance(text, list):
                shown.extend(str(x) for x in text[:50])
            elif isinstance(text, str):
                shown.append(text)
    body = re.sub(r"<script.*?</script>|<style.*?</style>", " ", page, flags=re.S)
    body = re.sub(r'<a [^>]*lang="en"[^>]*>.*?</a>', " ", body, flags=re.S)  # the link to the English page
    body = re.sub(r"<title>.*?</title>", " ", body, flags=re.S)
    shown.append(body)
    text = html.unescape(re.sub(r"<[^>]+>", " ", " ".join(shown)))
    return text


def _english_left(page: str, names: list[str]) -> set[str]:
    text = _words_shown(page)
    for n in names:
        text = text.replace(n, " ")
    words = {w.lower() for w in re.findall(r"[^\W\d_]+", text)}
    return words & ENGLISH


@pytest.mark.corpus
@pytest.mark.parametrize(("race", "car"), [("lemans-2024", "92"), ("imsa-2024-sebring-international-raceway", "40")])
def test_the_french_car_page_has_no_english(tmp_path, race, car):
    laps, res = lap_file(race), results_file(race)
    files = {"file": (laps.name, laps.read_bytes(), "text/csv")}
    if res is not None:
        files["results"] = (res.name, res.read_bytes(), "text/csv")
    with TestClient(create_app(data_dir=tmp_path, with_demo=False)) as c:
        rid = c.post("/api/races", files=files).json()["id"]
        fr = c.get(f"/races/{rid}/cars/{car}?lang=fr").text
        en = c.get(f"/races/{rid}/cars/{car}?lang=en").text
    names = _names(race)
    assert '<html lang="fr">' in fr
    # the check can fail: the English page shows many of these words
    assert len(_english_left(en, names)) >= 10
    assert _english_left(fr, names) == set()


def _raw_class_and_driver(name: str, car: str) -> tuple[str, str]:
    """The car's CLASS and the DRIVER_NAME of its first row, from the raw lap file (csv module)."""
    with open(lap_file(name), encoding="utf-8-sig", newline="") as fh:
        head = fh.readline()
        sep = ";" if head.count(";") >= head.count(",") else ","
        cols = [c.strip() for c in next(csv.reader([head], delimiter=sep))]
        for row in csv.reader(fh, delimiter=sep):
            rec = dict(zip(cols, (v.strip() for v in row), strict=False))
            if rec.get("NUMBER") == car:
                return rec["CLASS"], rec["DRIVER_NAME"]
    raise AssertionError(f"no car {car} in {name}")


@pytest.mark.corpus
@pytest.mark.parametrize(("race", "car"), [("lemans-2024", "92"), ("imsa-2024-sebring-international-raceway", "40")])
def test_the_french_overview_class_and_driver_pages_have_no_english(tmp_path, race, car):
    from urllib.parse import quote

    laps, res = lap_file(race), results_file(race)
    files = {"file": (laps.name, laps.read_bytes(), "text/csv")}
    if res is not None:
        files["results"] = (res.name, res.read_bytes(), "text/csv")
    cls, driver = _raw_class_and_driver(race, car)
    names = _names(race)
    with TestClient(create_app(data_dir=tmp_path, with_demo=False)) as c:
        rid = c.post("/api/races", files=files).json()["id"]
        pages = {
            "overview": (f"/races/{rid}", {}),
            "class": (f"/races/{rid}/classes/{quote(cls, safe='')}", {}),
            "driver": (f"/races/{rid}/drivers/{quote(driver, safe='')}", {"car": car}),
        }
        for kind, (url, params) in pages.items():
            en = c.get(url, params=params)
            fr = c.get(url, params={**params, "lang": "fr"})
            assert en.status_code == fr.status_code == 200, (kind, en.status_code, fr.status_code)
            assert '<html lang="fr">' in fr.text, kind
            # the check can fail: the English page shows several of these words
            assert len(_english_left(en.text, names)) >= 5, (kind, _english_left(en.text, names))
            assert _english_left(fr.text, names) == set(), kind
            # the page's links keep the language: to the other language, and to the cars / classes in French
            assert 'lang="en" hreflang="en"' in fr.text, kind
        overview = c.get(f"/races/{rid}", params={"lang": "fr"}).text
        assert f'href="/races/{rid}/cars/{car}?lang=fr"' in overview
        assert f'href="/races/{rid}/classes/{quote(cls, safe="")}?lang=fr"' in overview
        # the raw CLASS and DRIVER_NAME are on the pages (the class heading, the driver heading)
        assert f"— {cls}</h1>" in c.get(pages["class"][0], params={"lang": "fr"}).text
        assert f"<h1>{html.escape(driver)}</h1>" in c.get(pages["driver"][0], params={"car": car, "lang": "fr"}).text
