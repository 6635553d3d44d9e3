"""Browser tests of the phone and desktop layouts (issue #14, item 6 and its "Done when"): the HTML report and
the web car page for Le Mans 2024 #92 and IMSA Sebring 2024 #40, at 1300 px and 390 px, in Debian's chromium
(same launch as tests/test_browser.py). Asserted: the section titles, no horizontal overflow of the page,
charts at least 90 % of the viewport wide on a phone, legends below the plot on a phone, the gap chart's note,
the car dropdown in natural order, and the journalist's story first: its headline is the first paragraph of the
first section, visible without a click, saying the car's laps and class result computed from the raw lap file
(tests/oracle.py), with the chronological account collapsed under it. Screenshots go to ``test-artifacts/``."""

from __future__ import annotations

import re

import pytest

from test_browser import ARTIFACTS, _errors, browser, server  # noqa: F401 - fixtures shared with test_browser

pytestmark = [pytest.mark.browser, pytest.mark.corpus]

CASES = [("lemans-2024", "92", "LMGT3"), ("imsa-2024-sebring-international-raceway", "40", "GTP")]
WIDTHS = [1300, 390]
REPORT_TITLES = ["Race story", "Class positions hour by hour", "Gap to the class leader", "Lap times", "Stint pace",
                 "Sectors", "Drive time", "Lap chart", "Battle", "Pit stops"]  # fmt: skip


def _slug(cls: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in cls.lower())


def _raw_result(race: str, car: str) -> tuple[int, int]:
    """(class position, laps) of ``car`` at its last crossing, from the raw rows (oracle, csv module)."""
    from conftest import lap_file
    from oracle import read_race

    row = next(r for r in read_race(lap_file(race)).final_order() if r["car"] == car)
    return row["class_position"], row["laps"]


def _headline_first(page, race: str, car: str, cls: str, lang: str = "en") -> None:
    """The story is the first section and opens on its headline, visible, with the raw result; the
    chronological account is collapsed under it."""
    assert page.locator("main h2").first.get_attribute("id") == "story"
    first = page.locator("#story ~ div.story.journal p").first
    assert first.get_attribute("data-key") == "headline" and first.is_visible()
    pos, laps = _raw_result(race, car)
    text = first.inner_text()
    if pos == 1:
        assert f"won the race, and {cls}, with {laps} laps" in text or f"won {cls}" in text, text
    else:
        nth = f"{pos}{'th' if 10 <= pos % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(pos % 10, 'th')}"
        assert f"finished {nth} in {cls}" in text and f"after {laps} laps" in text, text
    y = first.bounding_box()["y"]
    others = page.locator("main h2").all()[1:]
    assert all(h.bounding_box()["y"] > y for h in others[:3])  # above the other sections
    assert not page.locator("div.story.full p").first.is_visible()  # "Full account", collapsed
    assert page.locator("#story-full summary").inner_text() == "Full account"


def _no_horizontal_overflow(page) -> None:
    sw, iw = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert sw <= iw + 1, (sw, iw)


def _check_chart(page, div: str, width: int) -> None:
    """The chart is drawn; on a phone it spans >= 90 % of the viewport and its legend sits under the plot."""
    page.locator(f"#{div}").scroll_into_view_if_needed()
    page.wait_for_selector(f"#{div} .main-svg", timeout=30000)
    box = page.locator(f"#{div}").bounding_box()
    if width < 700:
        assert box["width"] >= 0.9 * width, (div, box)
        legend = page.locator(f"#{div} g.legend")
        if legend.count():
            plot = page.locator(f"#{div} .nsewdrag").first.bounding_box()  # the plot area
            lb = legend.first.bounding_box()
            assert lb["y"] >= plot["y"] + plot["height"] - 1, (div, lb, plot)  # below, not beside
            title = page.locator(f"#{div} .g-xtitle text")
            if title.count():  # and under the x axis title, not over it
                tb = title.first.bounding_box()
                assert lb["y"] >= tb["y"] + tb["height"] - 2, (div, lb, tb)
            assert plot["width"] >= 0.75 * width, (div, plot)  # the plot keeps the width
    else:
        assert box["width"] >= 0.8 * min(width, 1280) - 60, (div, box)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize(("race", "car", "cls"), CASES)
def test_report_layout(browser, load_corpus_race, tmp_path, race, car, cls, width):  # noqa: F811
    from stintlab.report.html import build_report

    doc = build_report(load_corpus_race(race), car=car)
    path = tmp_path / "report.html"
    path.write_text(doc.html, encoding="utf-8")
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    errs = _errors(page)
    page.goto(path.as_uri())
    page.wait_for_selector(f"#gap-{_slug(cls)} .main-svg", timeout=30000)
    titles = page.locator("h2").all_inner_texts()
    assert [t for t in REPORT_TITLES if t not in titles] == [], titles
    _headline_first(page, race, car, cls)
    page.screenshot(path=str(ARTIFACTS / f"phone-report-{race}-{car}-{width}-story.png"))
    # the gap chart says what it plots, and the car's class is drawn by distance at the same instant
    assert "same instant" in page.locator("#gap ~ p.note").first.inner_text()
    for div in [f"gap-{_slug(cls)}", f"positions-{_slug(cls)}", "laptimes-chart", "battle-chart"]:
        _check_chart(page, div, width)
    _no_horizontal_overflow(page)
    page.screenshot(path=str(ARTIFACTS / f"phone-report-{race}-{car}-{width}.png"), full_page=False)
    page.locator(f"#gap-{_slug(cls)}").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / f"phone-report-{race}-{car}-{width}-gap.png"))
    assert errs == []
    context.close()


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize(("race", "car", "cls"), CASES)
def test_web_car_page_layout(browser, server, race, car, cls, width):  # noqa: F811
    from conftest import lap_file, results_file

    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    errs = _errors(page)
    page.goto(server + "/")
    _no_horizontal_overflow(page)
    # one form, both files (IMSA has its results file; Le Mans 2024 has none in the corpus)
    page.set_input_files("#upload input[name=file]", str(lap_file(race)))
    res = results_file(race)
    if res is not None:
        page.set_input_files("#upload input[name=results]", str(res))
    with page.expect_navigation(timeout=60000):
        page.click("#upload button[type=submit]")
    rid = re.search(r"/races/([0-9a-f]{32})", page.url).group(1)
    page.goto(f"{server}/races/{rid}/cars/{car}")
    page.wait_for_selector(f"#gap-{_slug(cls)} .main-svg", timeout=30000)
    titles = page.locator("h2").all_inner_texts()
    for t in ["Lap times", "Stint pace", "Drive time", "Story", "Pit stops"]:
        assert t in titles, (t, titles)
    _headline_first(page, race, car, cls)
    page.screenshot(path=str(ARTIFACTS / f"phone-web-{race}-{car}-{width}-story.png"))
    assert any(t.endswith("gap to the class leader") for t in titles), titles
    options = page.locator("#car-select option").evaluate_all("els => els.map(e => e.value)")
    nums = [int(re.sub(r"\D", "", o) or 0) for o in options]
    assert nums == sorted(nums) and car in options
    for div in [f"gap-{_slug(cls)}", f"positions-{_slug(cls)}", "laptimes-chart", "stints"]:
        _check_chart(page, div, width)
    _no_horizontal_overflow(page)
    page.screenshot(path=str(ARTIFACTS / f"phone-web-{race}-{car}-{width}.png"))
    page.locator(f"#gap-{_slug(cls)}").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / f"phone-web-{race}-{car}-{width}-gap.png"))
    if res is not None:  # the results file was read: the official classification on the overview
        page.goto(f"{server}/races/{rid}")
        assert "official" in page.locator("main p").nth(0).inner_text()
    # French page at the same width: the same layout, French titles
    page.goto(f"{server}/races/{rid}/cars/{car}?lang=fr")
    page.wait_for_selector(f"#gap-{_slug(cls)} .main-svg", timeout=30000)
    assert "Récit" in page.locator("h2").all_inner_texts()
    assert page.locator("#story ~ div.story.journal p").first.get_attribute("data-key") == "headline"
    assert page.locator("#story-full summary").inner_text() == "Récit complet"
    _no_horizontal_overflow(page)
    page.screenshot(path=str(ARTIFACTS / f"phone-web-{race}-{car}-{width}-fr.png"))
    assert errs == []
    context.close()
