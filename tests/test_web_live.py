"""The web live view's stream (/live/{rid}/events, server-sent events) and `replay --project-every`,
on real races, against the raw-row oracle (tests/oracle.py: csv module only): the stream's states
match the raw standings at their race times and end at the raw final order; bad parameters are 4xx
with a message; streams are capped and a client that goes away frees its slot.
(The browser drives the page in tests/test_browser.py.)"""

from __future__ import annotations

import http.client
import json
import time

import pytest

from conftest import lap_file, serve_in_thread
from oracle import read_race

pytestmark = pytest.mark.corpus

RACE = "wec-2024-fuji6h"



@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    from stintlab.web import create_app

    app = create_app(data_dir=tmp_path_factory.mktemp("live-uploads"), with_demo=False, max_live_streams=2)
    entry = app.state.store.add_upload("race.csv", lap_file(RACE).read_bytes())
    with serve_in_thread(app) as port:
        yield app, port, entry.id


def _get(port: int, url: str):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", url)
    return conn, conn.getresponse()


def _events(resp):
    """(event, data) pairs of an SSE body, as they arrive."""
    kind = None
    for raw in resp:
        line = raw.decode().rstrip("\n")
        if line.startswith("event: "):
            kind = line[7:]
        elif line.startswith("data: "):
            yield kind, json.loads(line[6:])


def test_stream_states_match_the_raw_standings_and_end_at_the_final_order(live_server):
    app, port, rid = live_server
    raw = read_race(lap_file(RACE))
    # 36000 race s per wall s, a step every 1800 race s (0.05 s apart: the fastest pace the server allows)
    conn, resp = _get(port, f"/live/{rid}/events?speed=36000&every=1800&from=1:00:00")
    assert resp.status == 200 and resp.getheader("content-type").startswith("text/event-stream")
    got = list(_events(resp))
    conn.close()
    kinds = [k for k, _ in got]
    assert kinds[0] == "meta" and kinds[-1] == "end" and set(kinds[1:-1]) == {"state"}
    assert got[0][1]["end"] == pytest.approx(raw.end) and got[0][1]["every"] == 1800.0
    states = [d for k, d in got if k == "state"]
    # steps at 1:00, 1:30, ... then the final crossing (raw.end, the last ELAPSED of the file)
    assert [s["race_time"] for s in states[:-1]] == [3600.0 + 1800.0 * i for i in range(len(states) - 1)]
    assert states[-1]["race_time"] == pytest.approx(raw.end) and states[-1]["finished"] is True
    for s in states:
        want = raw.standings_at(s["race_time"])
        assert [(r["car"], r["laps"], r["class_position"]) for r in s["standings"]] == [
            (w["car"], w["laps"], w["class_position"]) for w in want
        ]
    assert [r["car"] for r in states[-1]["standings"]] == [w["car"] for w in raw.final_order()]
    assert app.state.live_streams.open == 0


@pytest.mark.parametrize(
    ("query", "status", "words"),
    [
        ("speed=abc", 400, "speed wants a number"),
        ("speed=0", 400, "speed must be between"),
        ("speed=-5", 400, "speed must be between"),
        ("speed=nan", 400, "speed must be between"),
        ("speed=1e9", 400, "speed must be between"),
        ("every=0", 400, "every must be between"),
        ("from=9:99:xx", 400, "from wants"),
        ("from=-10", 400, "from must be"),
        ("from=" + "9" * 300, 400, "from"),
    ],
)
def test_bad_parameters_are_4xx_with_a_message(live_server, query, status, words):
    app, port, rid = live_server
    conn, resp = _get(port, f"/live/{rid}/events?{query}")
    body = resp.read().decode()
    conn.close()
    assert resp.status == status and words in body
    assert app.state.live_streams.open == 0


def test_unknown_race_is_404_on_page_and_stream(live_server):
    _, port, _ = live_server
    for url in ("/live/nope", "/live/nope/events", "/live/..%2F..%2Fetc/events"):
        conn, resp = _get(port, url)
        resp.read()
        conn.close()
        assert resp.status == 404, url


def test_streams_are_capped_and_a_client_that_leaves_frees_its_slot(live_server):
    app, port, rid = live_server
    # two slow streams (1 race second per wall second) hold both slots
    held = []
    for _ in range(2):
        conn, resp = _get(port, f"/live/{rid}/events?speed=1&every=60")
        assert resp.status == 200
        assert next(_events(resp))[0] == "meta"
        held.append((conn, resp))
    assert app.state.live_streams.open == 2
    conn, resp = _get(port, f"/live/{rid}/events?speed=1")
    assert resp.status == 429 and "too many live streams" in resp.read().decode()
    conn.close()
    # the clients go away: the server notices at its next step and frees the slots
    for c, r in held:
        r.close()
        c.sock and c.sock.close()
        c.close()
    deadline = time.monotonic() + 90
    while app.state.live_streams.open and time.monotonic() < deadline:
        time.sleep(0.2)
    assert app.state.live_streams.open == 0
    conn, resp = _get(port, f"/live/{rid}")
    assert resp.status == 200 and "live replay" in resp.read().decode()
    conn.close()


def test_replay_project_every_fills_projections_with_the_raw_laps(capsys):
    """`replay --project-every 7200` on a 6 h race: the steps at 2 h and 4 h (and the first one) carry the
    projections, the others null; each projected car's laps at that moment are the raw file's."""
    from stintlab.cli import main

    path = lap_file(RACE)
    raw = read_race(path)
    capsys.readouterr()
    assert main(["replay", str(path), "--every", "3600", "--json", "--project-every", "7200"]) == 0
    steps = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    projected = [s["race_time"] for s in steps if s["projections"] is not None]
    assert projected == [3600.0, 10800.0, 18000.0]
    for s in steps:
        if s["projections"] is None:
            continue
        cars = {c["car"]: c for c in s["projections"]["cars"]}
        want = {w["car"]: w["laps"] for w in raw.standings_at(s["race_time"])}
        assert {car: c["laps"] for car, c in cars.items()} == want
        # a car still running has laps to go, and its final laps are at least what it has
        for c in cars.values():
            if c["running"]:
                assert c["laps_to_flag"] >= 1 and c["final_laps"] >= c["laps"]
        assert s["projections"]["meta"]["length"] == 6 * 3600
    assert main(["replay", str(path), "--project-every", "-1"]) != 0


def test_the_race_page_links_to_its_live_view(live_server):
    _, port, rid = live_server
    conn, resp = _get(port, f"/races/{rid}")
    assert resp.status == 200 and f'id="live-link" href="/live/{rid}"' in resp.read().decode()
    conn.close()
