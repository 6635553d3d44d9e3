"""Browser tests: Playwright (sync API) driving Debian's chromium.

- The HTML report opens from a file with every network request blocked and recorded: it makes
  none, and its plotly charts render (SVG drawn), and a story sentence links to its lap rows.
- The web app starts on 127.0.0.1, a real Le Mans lap file is uploaded through the page's form,
  the car page shows the class-position chart and the story, and switching car updates both.

Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest

from conftest import serve_in_thread

pytestmark = [pytest.mark.browser, pytest.mark.corpus]

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        msg = f"{CHROMIUM} is missing (tasks.py test installs Debian's chromium)"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(msg)
        pytest.skip(msg)
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def _errors(page) -> list[str]:
    errs: list[str] = []
    page.on("pageerror", lambda e: errs.append(str(e)))
    page.on("console", lambda m: errs.append(m.text) if m.type == "error" else None)
    return errs


# ------------------------------------------------------------------ the report, offline
def test_report_opens_offline_renders_charts_and_links_story_to_laps(browser, load_corpus_race, tmp_path):
    from stintlab.report.html import build_report

    race = load_corpus_race("lemans-2024")
    doc = build_report(race, car="92", lang="en")
    path = tmp_path / "report.html"
    path.write_text(doc.html, encoding="utf-8")

    context = browser.new_context(viewport={"width": 1300, "height": 900}, offline=True)
    network: list[str] = []

    def block(route):
        url = route.request.url
        if url.startswith("file://"):
            route.continue_()
        else:
            network.append(url)
            route.abort()

    context.route("**/*", block)
    page = context.new_page()
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url))
    errs = _errors(page)
    page.goto(path.as_uri())
    page.wait_for_selector("#positions-lmgt3 .main-svg", timeout=20000)
    assert network == [], f"the report asked the network for {network}"
    assert [u for u in seen if not u.startswith(("file://", "data:", "blob:", "about:"))] == []
    assert errs == []
    # every chart div was drawn by plotly (class positions, gap, stints, stops)
    for div in ["positions-lmgt3", "gap-lmgt3", "stints-chart", "stops-chart"]:
        assert page.locator(f"#{div} .main-svg").count() >= 1, div
    # #92 led LMGT3 before its 24-minute garage stop on lap 182 (raw file: PIT_TIME 24:44.030 on lap 183):
    # the journalist's story (shown first) ranks it the most decisive moment
    garage = page.locator(".story.journal p", has_text="garage stop of 24 min 44 s")
    assert garage.count() == 1
    garage.locator("a.laps").click()
    assert page.url.endswith("#lap-92-182")
    row = page.locator("#lap-92-182")
    assert row.is_visible() and "Klaus BACHLER" in row.inner_text()
    page.screenshot(path=str(ARTIFACTS / "report-lemans-2024-92.png"), full_page=False)
    page.locator("#positions").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "report-lemans-2024-92-positions.png"))
    context.close()


def test_nls_report_opens_offline_with_its_class_charts_and_story(browser, corpus, tmp_path):
    """An NLS race (WIGE export, start groups, 114 cars): the report of #3 opens offline, its SP9 PRO
    charts render, and the story's lead sentence links to lap 16, driven by Morris Schuring
    (nls-2025-nls1/RENNEN_LAPS.CSV line 41: STNR 3, RUNDE 16, DRIVERID 2, FAHRER2 Schuring Morris)."""
    import stintlab
    from stintlab.report.html import build_report

    race = stintlab.load(corpus / "nls-2025-nls1" / "RENNEN_LAPS.CSV")
    path = tmp_path / "nls.html"
    path.write_text(build_report(race, car="3", lang="en").html, encoding="utf-8")
    context = browser.new_context(viewport={"width": 1300, "height": 900}, offline=True)
    network: list[str] = []

    def block(route):
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            network.append(route.request.url)
            route.abort()

    context.route("**/*", block)
    page = context.new_page()
    errs = _errors(page)
    page.goto(path.as_uri())
    page.wait_for_selector("#positions-sp9-pro .main-svg", timeout=30000)
    assert network == [] and errs == []
    for div in ["positions-sp9-pro", "gap-sp9-pro", "stints-chart", "stops-chart"]:
        assert page.locator(f"#{div} .main-svg").count() >= 1, div
    lead = page.locator(".story.journal p", has_text="took the SP9 PRO lead from #4")
    assert lead.count() == 1
    lead.locator("a.laps").click()
    assert page.url.endswith("#lap-3-16")
    row = page.locator("#lap-3-16")
    assert row.is_visible() and "Morris Schuring" in row.inner_text()
    page.screenshot(path=str(ARTIFACTS / "report-nls-2025-nls1-3.png"), full_page=False)
    context.close()


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_sro_report_opens_offline_with_its_cup_charts_and_story(browser, corpus, tmp_path, lang):
    """The GTWC Paul Ricard 2026 race (SRO export: sector list + pit-stop file + entry list): the report of
    #2 opens offline, its Pro Cup charts render, the story (EN and FR) says 7th in Pro Cup after 176 laps
    (#2 has 176 rows in the sector list; 7th of the 17 Pro Cup cars by laps then summed lap times, cups
    from ENTRY_LIST_V_3.XML), and Morris Schuring's best lap links to lap 138: sector list line 152
    (Bib 2, Lap 138, Time 1:55.365), driven by Schuring (pit-stop file lines 231 and 282: Driver out
    Morris Schuring after lap 130, Driver in Morris Schuring at lap 157)."""
    import stintlab
    from stintlab.report.html import build_report

    race = stintlab.load(corpus / "gtwc-endurance-sro" / "GTWCEU_GT3_R_SectorListCSV_1.0.CSV")
    path = tmp_path / f"sro-{lang}.html"
    path.write_text(build_report(race, car="2", lang=lang).html, encoding="utf-8")
    context = browser.new_context(viewport={"width": 1300, "height": 900}, offline=True)
    network: list[str] = []

    def block(route):
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            network.append(route.request.url)
            route.abort()

    context.route("**/*", block)
    page = context.new_page()
    errs = _errors(page)
    page.goto(path.as_uri())
    page.wait_for_selector("#positions-pro-cup .main-svg", timeout=30000)
    assert network == [] and errs == []
    for div in ["positions-pro-cup", "gap-pro-cup", "stints-chart", "stops-chart"]:
        assert page.locator(f"#{div} .main-svg").count() >= 1, div
    finish = {"en": "finished 7th in Pro Cup", "fr": "termine 7e de la catégorie Pro Cup"}[lang]
    # the headline first; the chronological account (with the best laps) opens from its <details>
    assert finish in page.locator(".story.journal p").first.inner_text()
    page.locator("#story-full summary").click()
    assert page.locator(".story.full p", has_text=finish).count() == 1
    assert "176" in page.locator(".story.full p", has_text=finish).inner_text()
    best = page.locator(".story.full p", has_text={"en": "1:55.365", "fr": "1'55\"365"}[lang])
    assert best.count() == 1 and "Morris Schuring" in best.inner_text()
    best.locator("a.laps").click()
    assert page.url.endswith("#lap-2-138")
    row = page.locator("#lap-2-138")
    assert row.is_visible() and "Morris Schuring" in row.inner_text() and "1:55.365" in row.inner_text()
    page.screenshot(path=str(ARTIFACTS / f"report-gtwc-paul-ricard-2026-2-{lang}.png"), full_page=False)
    context.close()


# ------------------------------------------------------------------ the web app


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from stintlab.web import create_app

    app = create_app(data_dir=tmp_path_factory.mktemp("web-uploads"), with_demo=False)
    with serve_in_thread(app) as port:
        yield f"http://127.0.0.1:{port}"


def test_web_upload_car_page_story_and_switching_car(browser, server, corpus):
    from conftest import lap_file

    context = browser.new_context(viewport={"width": 1300, "height": 900})
    page = context.new_page()
    hosts: set[str] = set()
    page.on("request", lambda r: hosts.add(urlparse(r.url).netloc))
    errs = _errors(page)

    page.goto(server + "/")
    page.set_input_files("#upload input[name=file]", str(lap_file("lemans-2024")))
    with page.expect_navigation(timeout=30000):
        page.click("#upload button[type=submit]")
    assert "/races/" in page.url
    # the uploaded file's name (23_Analysis_Race_Hour 24.csv) tells only the session: never the title;
    # the race says 24 h and 62 cars (MANIFEST.csv: lemans-2024, 62 cars, 24.11 h)
    assert page.locator("h1").inner_text() == "Race · 24 h · 62 cars"
    page.screenshot(path=str(ARTIFACTS / "web-race-overview.png"))

    # the classification links every car to its page
    page.locator("table.data a", has_text="92").first.click()
    page.wait_for_selector("#positions-lmgt3 .main-svg", timeout=20000)
    assert "Manthey PureRxcing" in page.locator("h1").inner_text()
    assert page.locator(".story.journal p").first.get_attribute("data-key") == "headline"
    page.locator("#story-full summary").click()  # the chronological account, collapsed under the headline
    story = page.locator(".story.full p").first
    assert "took the start in LMGT3 with Aliaksandr MALYKHIN" in story.inner_text()
    page.screenshot(path=str(ARTIFACTS / "web-car-92.png"))

    # switching car: the page, its position chart (now HYPERCAR) and its story follow
    with page.expect_navigation(timeout=30000):
        page.select_option("#car-select", "50")
    page.wait_for_selector("#positions-hypercar .main-svg", timeout=20000)
    assert "Ferrari AF Corse" in page.locator("h1").inner_text()
    assert "won the race, and HYPERCAR" in page.locator(".story.journal p").first.inner_text()
    page.locator("#story-full summary").click()
    assert "took the start in HYPERCAR with Nicklas NIELSEN" in page.locator(".story.full p").first.inner_text()
    assert page.locator(".story.full p", has_text="won the race, and HYPERCAR").count() == 1
    page.screenshot(path=str(ARTIFACTS / "web-car-50.png"))

    # French story on the same page
    page.click("text=Français")
    page.wait_for_selector(".story p")
    assert "remporte la course" in page.locator(".story.journal p").first.inner_text()
    page.locator("#story-full summary").click()
    assert (
        "La n°50 Ferrari AF Corse, avec Nicklas NIELSEN au volant, prend le départ en HYPERCAR."
        in page.locator(".story.full p").first.inner_text()
    )
    assert hosts == {urlparse(server).netloc}, hosts  # nothing but the app itself (plotly.js served locally)
    assert errs == []
    context.close()


# ------------------------------------------------------------------ pace views (issue 14, item 1)
@pytest.mark.parametrize("width", [1300, 390])
def test_pace_sections_draw_in_the_report_and_on_the_web_car_page(browser, server, load_corpus_race, tmp_path, width):
    from conftest import lap_file
    from stintlab.report.html import build_report

    doc = build_report(load_corpus_race("lemans-2024"), car="92")
    path = tmp_path / "report.html"
    path.write_text(doc.html, encoding="utf-8")
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    errs = _errors(page)
    page.goto(path.as_uri())
    page.wait_for_selector("#laptimes-chart .main-svg", timeout=20000)
    for div in ["laptimes-chart", "stintpace-chart", "lapchart-lmgt3", "battle-chart"]:
        assert page.locator(f"#{div} .main-svg").count() >= 1, div
        assert page.locator(f"#{div}").bounding_box()["width"] >= 0.8 * min(width, 1300) - 60, div
    # the stint table: stint 1 of #92 is MALYKHIN's laps 1-10, best 4:00.064 (raw file, lap 2)
    first = page.locator("#stintpace ~ table.data tbody tr").first.inner_text()
    assert "Aliaksandr MALYKHIN" in first and "(1–10)" in first and "4:00.064" in first
    for anchor in ["laptimes", "stintpace", "sectors", "drivetime", "lapchart", "battle"]:
        page.locator(f"#{anchor}").scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / f"report-pace-{anchor}-{width}.png"))
    assert errs == []

    # the web car page: trace, stint table, drive time
    page.goto(server + "/")
    page.set_input_files("#upload input[name=file]", str(lap_file("lemans-2024")))
    with page.expect_navigation(timeout=30000):
        page.click("#upload button[type=submit]")
    page.goto(page.url.split("?")[0].rstrip("/") + "/cars/92")
    page.wait_for_selector("#laptimes-chart .main-svg", timeout=20000)
    assert page.locator("#stintpace").count() == 1 and page.locator("#drivetime").count() == 1
    drive = page.locator("#drivetime ~ table.data").first.inner_text()  # after the note saying what it counts
    assert "Aliaksandr MALYKHIN" in drive and "Joel STURM" in drive and "Klaus BACHLER" in drive
    page.locator("#laptimes").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / f"web-car-92-pace-{width}.png"))
    assert errs == []
    context.close()


# ------------------------------------------------------------------ live view (issue 15, item 3)
@pytest.fixture(scope="module")
def live_app(tmp_path_factory):
    """The web app with Le Mans 2023 uploaded (its id), on 127.0.0.1."""
    from conftest import lap_file
    from stintlab.web import create_app

    app = create_app(data_dir=tmp_path_factory.mktemp("live-web"), with_demo=False)
    rid = app.state.store.add_upload("race.csv", lap_file("lemans-2023").read_bytes()).id
    with serve_in_thread(app) as port:
        yield app, f"http://127.0.0.1:{port}", rid


_BOARD = """() => {
  const b = document.getElementById('board');
  const rows = [...b.querySelectorAll('tr[data-car]')].map(r => [Number(r.dataset.pos), r.dataset.car,
      Number(r.dataset.laps), r.closest('table').dataset.cls]);
  rows.sort((x, y) => x[0] - y[0]);
  return {t: Number(b.dataset.t), done: b.dataset.done === '1', rows,
          control: document.getElementById('control').textContent,
          ticker: document.querySelectorAll('#ticker li').length};
}"""


def _cut_standings(path, t: float, tmp_path):
    """``race.standings(at=t)`` of the lap file cut at ``t`` with the csv module (tests/test_live.py)."""
    import stintlab
    from test_live import cut_file

    cut = tmp_path / f"cut-{t:.0f}.csv"
    cut_file(path, cut, t)
    return stintlab.load(cut, find_results=False).standings(at=t)


def test_live_view_replays_a_24h_race_against_the_standings_of_the_same_moments(browser, live_app, tmp_path):
    """Le Mans 2023 replayed in the page at 7200 race seconds per second (a step every 1800 race s):
    the leaderboard read at several moments = race.standings(at=t) of the file cut at t (car order, laps,
    classes) and the raw-row oracle; the last board = the final order; then pause, seek and speed."""
    import stintlab
    from conftest import lap_file
    from oracle import read_race

    app, base, rid = live_app
    path = lap_file("lemans-2023")
    raw = read_race(path)
    context = browser.new_context(viewport={"width": 1300, "height": 900})
    page = context.new_page()
    errs = _errors(page)
    hosts: set[str] = set()
    page.on("request", lambda r: hosts.add(urlparse(r.url).netloc))
    page.goto(f"{base}/live/{rid}?speed=7200&every=1800")
    seen: dict[float, dict] = {}
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        snap = page.evaluate(_BOARD)
        if snap["rows"]:
            seen.setdefault(snap["t"], snap)
        if snap["done"]:
            break
        time.sleep(0.05)
    final = page.evaluate(_BOARD)
    assert final["done"], "the replay did not reach the end"
    assert final["t"] == pytest.approx(raw.end)
    times = sorted(seen)
    assert len(times) >= 8, times  # several distinct moments were read while it played
    # steps fall on multiples of 1800 s (then the final crossing)
    assert all(t % 1800 == 0 for t in times if t < raw.end)
    picks = [times[len(times) * k // 6] for k in range(1, 6)]
    for t in picks:
        snap = seen[t]
        want = _cut_standings(path, t, tmp_path)
        assert [r[1] for r in snap["rows"]] == want["car"].astype(str).tolist(), t
        assert [r[2] for r in snap["rows"]] == want["laps"].tolist(), t
        assert [r[3] for r in snap["rows"]] == want["class"].astype(str).tolist(), t
        assert [r[1] for r in snap["rows"]] == [w["car"] for w in raw.standings_at(t)], t
    # the final board: the final order of the race (lap file's standings and the raw rows' last crossings)
    full = stintlab.load(path, find_results=False)
    assert [r[1] for r in final["rows"]] == full.standings()["car"].astype(str).tolist()
    assert [(r[1], r[2]) for r in final["rows"]] == [(w["car"], w["laps"]) for w in raw.final_order()]
    assert final["ticker"] > 0 and "Chequered flag" in final["control"]
    page.screenshot(path=str(ARTIFACTS / "web-live-lemans-2023-final.png"))

    # seek to 12:00:00 at 60x, then pause: the board stays at the moment shown, the stream is closed
    page.select_option("#speed", "60")
    page.evaluate("() => { const s = document.getElementById('seek'); s.value = 43200;"
                  " s.dispatchEvent(new Event('change')); }")  # fmt: skip
    page.wait_for_function("() => { const t = Number(document.getElementById('board').dataset.t);"
                           " return t >= 43200 && t < 43800; }", timeout=30000)  # fmt: skip
    page.click("#play")
    time.sleep(0.3)
    paused = page.evaluate(_BOARD)
    assert 43200 <= paused["t"] < 43200 + 600
    want = _cut_standings(path, paused["t"], tmp_path)
    assert [r[1] for r in paused["rows"]] == want["car"].astype(str).tolist()
    time.sleep(1.5)
    assert page.evaluate(_BOARD)["t"] == paused["t"]
    assert page.locator("#play").inner_text() == "Play"
    deadline = time.monotonic() + 10
    while app.state.live_streams.open and time.monotonic() < deadline:
        time.sleep(0.1)
    assert app.state.live_streams.open == 0  # the paused page's stream was closed and its slot freed
    page.select_option("#speed", "3600")  # while paused: no stream opened
    assert app.state.live_streams.open == 0 and page.evaluate(_BOARD)["t"] == paused["t"]
    page.click("#play")  # resume from the moment shown, at 3600x: the next step (1800 race s) half a second later
    page.wait_for_function(f"() => Number(document.getElementById('board').dataset.t) > {paused['t']}", timeout=30000)
    page.click("#play")
    assert hosts == {urlparse(base).netloc}, hosts
    assert errs == []
    context.close()


def test_live_view_fits_a_390px_phone(browser, live_app):
    _, base, rid = live_app
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    errs = _errors(page)
    page.goto(f"{base}/live/{rid}?speed=60&from=43200")
    page.wait_for_function("() => Number(document.getElementById('board').dataset.t) >= 43200", timeout=30000)
    page.click("#play")  # pause for a still screenshot
    # no horizontal scroll of the page: the boards fit (narrow columns hidden) or scroll inside themselves
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    for box in page.locator(".board").all():
        b = box.bounding_box()
        assert b["x"] >= 0 and b["x"] + b["width"] <= 390
    for table in page.locator(".board table").all():  # the narrow layout needs no sideways scroll
        assert table.bounding_box()["width"] <= 390, table.get_attribute("data-cls")
    assert page.locator("th.wide").first.is_hidden() and page.locator("#control").is_visible()
    first = page.locator(".board tr[data-car]").first
    assert first.is_visible() and first.bounding_box()["height"] < 60
    page.screenshot(path=str(ARTIFACTS / "web-live-390.png"), full_page=False)
    assert errs == []
    context.close()


_STRIP = """() => {
  const b = document.getElementById('board');
  const dots = [...document.querySelectorAll('#strips .dot')].map(d => [d.dataset.car, Number(d.dataset.frac),
      d.closest('.strip').dataset.cls]);
  const cells = [...b.querySelectorAll('tr[data-car]')].map(r => [r.dataset.car, r.dataset.last || null,
      r.querySelector('td.last').textContent, r.dataset.status, r.querySelector('td.where').textContent]);
  return {t: Number(b.dataset.t), dots, cells, clock: document.getElementById('clock').textContent,
          sw: document.documentElement.scrollWidth};
}"""


_LABELS = """() => [...document.querySelectorAll('#strips .strip')].map(s => {
  const tr = s.querySelector('.track').getBoundingClientRect(), sb = s.getBoundingClientRect();
  return [...s.querySelectorAll('.dot')].map(d => { const b = d.getBoundingClientRect();
    return {car: d.dataset.car, hid: d.classList.contains('hid'), frac: Number(d.dataset.frac), text: d.textContent,
            x0: b.left, x1: b.right, y0: b.top, y1: b.bottom, w: b.width, tl: tr.left, tw: tr.width,
            top: sb.top, bottom: sb.bottom}; });
})"""


def _check_strip_labels(page) -> int:
    """No two shown car labels of a strip overlap; every car keeps a mark (a label or, when its label
    found no free row, a small dot) centred at its track fraction and inside its strip. Returns the number
    of labels shown."""
    shown = 0
    for dots in page.evaluate(_LABELS):
        vis = [d for d in dots if not d["hid"]]
        shown += len(vis)
        for i, a in enumerate(vis):
            for b in vis[i + 1 :]:
                apart = a["x1"] <= b["x0"] + 0.5 or b["x1"] <= a["x0"] + 0.5 or a["y1"] <= b["y0"] + 0.5 or b["y1"] <= a["y0"] + 0.5
                assert apart, (a["car"], b["car"])
        for d in dots:
            assert d["w"] >= 5, d["car"]  # a visible mark
            assert abs((d["x0"] + d["x1"]) / 2 - (d["tl"] + d["frac"] * d["tw"])) <= 1.5, d["car"]
            assert d["top"] - 0.5 <= d["y0"] and d["y1"] <= d["bottom"] + 0.5, d["car"]
            assert d["text"] == d["car"]
    return shown


@pytest.mark.parametrize("width", [1300, 390])
def test_live_strip_and_car_page_render_without_overflow(browser, live_app, tmp_path, width):
    """The track-position strip and the car page of Le Mans 2023 at 12 h (paused), desktop and phone:
    one strip per class, one dot per car on track with its fraction = the causal distance (what a live
    screen shows; csv-module oracle of tests/test_distance_causal.py) minus the laps of race.standings(at=t)
    (it used to be race.standings(at=t)'s interpolated distance, which knew the next crossing); the page's time strings = display.py's for the row's raw seconds; no
    horizontal overflow; the car page shows the car's panel, events and (once computed) projection."""
    import stintlab
    from conftest import lap_file
    from stintlab import display
    from test_distance_causal import CausalOracle

    _, base, rid = live_app
    full = stintlab.load(lap_file("lemans-2023"), find_results=False)
    phone = width < 600
    context = browser.new_context(viewport={"width": width, "height": 900}, is_mobile=phone, has_touch=phone)
    page = context.new_page()
    errs = _errors(page)
    encodings: list[str | None] = []
    page.on("response", lambda r: encodings.append(r.headers.get("content-encoding")) if "/events" in r.url else None)
    page.goto(f"{base}/live/{rid}?speed=60&from=43200")
    page.wait_for_function("() => Number(document.getElementById('board').dataset.t) >= 43200", timeout=30000)
    page.click("#play")  # pause
    time.sleep(0.3)
    assert encodings and set(encodings) == {"gzip"}  # the browser's stream comes gzip-encoded
    snap = page.evaluate(_STRIP)
    t = snap["t"]
    want = full.standings(at=t)
    causal = CausalOracle("lemans-2023")
    frac = {str(c): min(max(causal.at(str(c), t) - int(n), 0.0), 0.999) for c, n in zip(want["car"], want["laps"])}
    assert {c for _, _, c in snap["dots"]} == set(want["class"].astype(str))  # a strip per class
    status = {c: s for c, _, _, s, _ in snap["cells"]}
    assert {car for car, _, _ in snap["dots"]} == {c for c, s in status.items() if s != "retired"}
    for car, f, _cls in snap["dots"]:
        assert f == pytest.approx(frac[car], abs=0.0005 + 1e-9), car
    assert snap["clock"] == display.race_time(t)
    words = {"running": "on track", "pit": "in pit", "stopped": "stopped", "retired": "retired"}
    for car, last, text, st, where in snap["cells"]:
        assert text == (display.lap_time(float(last)) if last else ""), car
        assert where == words[st], car
    assert snap["sw"] <= width
    for el in page.locator("#strips .strip").all():
        b = el.bounding_box()
        assert b["x"] >= 0 and b["x"] + b["width"] <= width
    assert _check_strip_labels(page) >= len(set(want["class"].astype(str)))  # overlapping labels spread or hidden
    page.screenshot(path=str(ARTIFACTS / f"web-live-strip-{width}.png"), full_page=False)

    # the car page of the leader at that moment, via the link of its row
    leader = str(want["car"].iloc[0])
    page.click(f"tr[data-car='{leader}'] a.car")
    page.wait_for_function("() => document.querySelector('#carpanel dl') !== null", timeout=30000)
    page.wait_for_function("() => document.querySelector(\"#carpanel dd[data-key='Expected class position']\")"
                           " !== null", timeout=60000)  # fmt: skip
    page.click("#play")
    time.sleep(0.3)
    panel = page.evaluate("""() => ({t: Number(document.getElementById('carpanel').dataset.t),
        dd: Object.fromEntries([...document.querySelectorAll('#carpanel dd')].map(d => [d.dataset.key, d.textContent])),
        events: document.querySelectorAll('#carevents li').length, sel: document.querySelectorAll('.dot.sel:not(.hid)').length,
        sw: document.documentElement.scrollWidth})""")  # fmt: skip
    row = full.standings(at=panel["t"])
    row = row[row["car"].astype(str) == leader].iloc[0]
    # the board's projection cells of the car: laps to the flag, stops left, class position, each with p10–p90
    sel = ", ".join(f"tr[data-car='{leader}'] td.{c}" for c in ("pl", "ps", "pp"))
    cells = page.evaluate(f"""() => [...document.querySelectorAll("{sel}")].map(c => c.textContent)""")
    assert len(cells) == 3 and all(c[:1].isdigit() for c in cells), cells
    assert panel["dd"]["Laps"] == str(int(row["laps"]))
    assert panel["dd"]["Status"] in ("on track", "in pit")
    assert panel["dd"]["Expected class position"].startswith("P") and panel["events"] > 0 and panel["sel"] == 1
    assert panel["sw"] <= width
    box = page.locator("#carpanel").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width
    page.screenshot(path=str(ARTIFACTS / f"web-live-car-{width}.png"), full_page=False)
    assert errs == []
    context.close()
