"""The live stream in French (``/live/{id}/events?lang=fr``, web/live_view.py): gaps of a lap or more read
``N tour(s)``, the number of laps behind the class leader being the raw rows' (tests/oracle.py, csv module:
the class leader's completed laps minus the car's at the step's race time); a projection that cannot be
made says why in French (a 6-hour race projected at its scheduled end); the page's words and the English
stream are unchanged in English."""

from __future__ import annotations

import pytest

from conftest import lap_file
from oracle import read_race

pytestmark = pytest.mark.corpus

FUJI = "wec-2024-fuji6h"


def _payload(race, t: float, lang: str) -> dict:
    from stintlab.live.replay import replay_states
    from stintlab.web.live_view import LiveView

    view = LiveView(race, None, lang)
    state = next(s for s in replay_states(race, every=900.0, start=t - 900.0, speed=0.0) if s.race_time >= t)
    assert state.race_time == t
    return view.payload(state)


@pytest.mark.parametrize("t", [7200.0, 14400.0])
def test_french_gaps_say_tours_with_the_raw_laps_behind(load_corpus_race, t):
    race = load_corpus_race(FUJI)
    raw = {r["car"]: r for r in read_race(lap_file(FUJI)).standings_at(t)}
    lead = {r["class"]: r["laps"] for r in raw.values() if r["class_position"] == 1}
    fr, en = _payload(race, t, "fr"), _payload(race, t, "en")
    behind = 0
    for r, e in zip(fr["standings"], en["standings"], strict=True):
        n = lead[raw[r["car"]]["class"]] - raw[r["car"]]["laps"]
        if n >= 1:
            behind += 1
            assert r["class_gap_text"] == f"{n} tour" + ("s" if n > 1 else ""), (r["car"], r["class_gap_text"], n)
            assert e["class_gap_text"] == f"{n} Lap" + ("s" if n > 1 else ""), (e["car"], e["class_gap_text"], n)
        else:
            assert r["class_gap_text"] == e["class_gap_text"]  # seconds: no word
    assert behind >= 5


def test_a_projection_past_the_scheduled_end_says_why_in_french(load_corpus_race):
    from stintlab.web.live_page import live_page
    from stintlab.web.live_view import LiveView

    race = load_corpus_race(FUJI)
    raw = read_race(lap_file(FUJI))
    assert raw.end > 6 * 3600  # the flag fell after 6:00:00 (raw rows): 6:00:00 is the scheduled end
    p = LiveView(race, None, "fr").projections(6 * 3600.0)
    assert p["error_code"] == "past_end" and "cars" not in p
    page = live_page("x", race.title_in("fr"), lang="fr")
    assert '"past_end": "la fin prévue de la course est atteinte"' in page
    ok = LiveView(race, None, "fr").projections(3 * 3600.0)
    assert "error" not in ok and len(ok["cars"]) == len(race.cars)
