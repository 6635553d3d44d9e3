"""The live view in French (issue 14 item 6 / issue 15 item 3): ``/live/{id}?lang=fr`` and
``/live/{id}/car/{car}?lang=fr`` played in Chromium for a few steps of a real race (WEC Fuji 2024): every
label, status, race-control line, ticker event and projection method the page draws is French. The check is
tests/test_web_french.py's: the page's text (as drawn by its script: the DOM, scripts and styles left out)
against a list of English words, the race's proper names (teams, drivers, classes, read from the raw lap file
with the csv module) taken out; it finds English words on the English live page, so it can fail. The
French race overview links to the live view in French."""

from __future__ import annotations

import re
import time

import pytest

from conftest import lap_file, serve_in_thread
from test_browser import ARTIFACTS, _errors, browser  # noqa: F401 - the module's Chromium fixture
from test_web_french import _english_left, _names

pytestmark = [pytest.mark.browser, pytest.mark.corpus]

RACE, CAR = "wec-2024-fuji6h", "8"


@pytest.fixture(scope="module")
def fuji_app(tmp_path_factory):
    from stintlab.web import create_app

    app = create_app(data_dir=tmp_path_factory.mktemp("live-fr"), with_demo=False)
    rid = app.state.store.add_upload(lap_file(RACE).name, lap_file(RACE).read_bytes()).id
    with serve_in_thread(app) as port:
        yield app, f"http://127.0.0.1:{port}", rid


_STATE = """() => { const b = document.getElementById('board');
  return {t: Number(b.dataset.t), rows: b.querySelectorAll('tr[data-car]').length, proj: b.dataset.projAt || null,
          ticker: [...document.querySelectorAll('#ticker li')].map(li => li.textContent),
          methods: document.querySelectorAll('#methods li').length,
          control: document.getElementById('control').textContent}; }"""


def _play(browser, url: str, *, steps: int = 6, want_projection: bool = True, shot: str | None = None) -> tuple[str, dict, list]:  # noqa: F811, E501
    """Open ``url``, let it play until ``steps`` distinct board times were drawn (and a projection), then
    pause: (the page's HTML as drawn, its last state, page errors)."""
    context = browser.new_context(viewport={"width": 1300, "height": 900})
    page = context.new_page()
    errs = _errors(page)
    page.goto(url)
    seen, deadline, snap = set(), time.monotonic() + 90, {}
    while time.monotonic() < deadline:
        snap = page.evaluate(_STATE)
        if snap["rows"]:
            seen.add(snap["t"])
        if len(seen) >= steps and snap["ticker"] and (snap["proj"] or not want_projection):
            break
        time.sleep(0.1)
    page.click("#play")  # pause: the drawn page stays as it is
    time.sleep(0.3)
    html = page.content()
    if shot:
        page.screenshot(path=str(ARTIFACTS / shot), full_page=False)
    context.close()
    assert len(seen) >= steps, seen
    return html, snap, errs


def test_the_french_live_page_plays_in_french(browser, fuji_app):  # noqa: F811
    app, base, rid = fuji_app
    names = _names(RACE)
    q = "speed=600&every=300&from=5400&project=1800"
    en, en_state, en_errs = _play(browser, f"{base}/live/{rid}?{q}")
    fr, fr_state, fr_errs = _play(browser, f"{base}/live/{rid}?{q}&lang=fr", shot="web-live-fr.png")
    assert en_errs == [] and fr_errs == []
    # the check can fail: the English live page shows many of these words
    assert len(_english_left(en, names)) >= 10, _english_left(en, names)
    assert '<html lang="fr">' in fr
    assert _english_left(fr, names) == set()
    # what it played is there, in French: the table heads, statuses, race control, ticker, projections and methods
    assert fr_state["ticker"] and fr_state["proj"] is not None and fr_state["methods"] == 4
    for word in ("Position en piste", "Écart", "Voiture", "Pilote", "Événements", "Comment les projections sont faites",
                 "Projections à ", "tirages de Monte-Carlo", "Tours jusqu'au drapeau", "Position prévue"):
        assert word in fr, word
    assert re.search(r">(en piste|au stand)<", fr)
    assert fr_state["control"].startswith(("Drapeau vert", "Voiture de sécurité", "Full Course Yellow", "Drapeau rouge"))
    assert any(re.search(r"(au stand|prend la tête|mène la catégorie|changement de pilote|meilleur tour|arrêt long)", t)
               for t in fr_state["ticker"]), fr_state["ticker"]


def test_the_french_live_car_page_plays_in_french(browser, fuji_app):  # noqa: F811
    app, base, rid = fuji_app
    names = _names(RACE)
    q = "speed=600&every=300&from=5400&project=1800"
    en, _, _ = _play(browser, f"{base}/live/{rid}/car/{CAR}?{q}")
    fr, state, errs = _play(browser, f"{base}/live/{rid}/car/{CAR}?{q}&lang=fr", shot="web-live-car-fr.png")
    assert errs == []
    assert len(_english_left(en, names)) >= 10
    assert _english_left(fr, names) == set()
    for word in ("voiture n°8", "Dernier tour", "Tours dans le relais", "Arrêts restants", "Prochain arrêt",
                 "Derniers événements"):
        assert word in fr, word
    # the car's links keep the language
    assert re.search(rf'href="/live/{rid}/car/\d+\?[^"]*lang=fr', fr)


def test_the_french_overview_links_to_the_french_live_view(fuji_app):
    import httpx

    app, base, rid = fuji_app
    fr = httpx.get(f"{base}/races/{rid}", params={"lang": "fr"}, timeout=120).text
    en = httpx.get(f"{base}/races/{rid}", timeout=120).text
    assert f'id="live-link" href="/live/{rid}?lang=fr"' in fr
    assert f'id="live-link" href="/live/{rid}"' in en
    assert httpx.get(f"{base}/live/{rid}", params={"lang": "xx"}, timeout=30).status_code == 400
