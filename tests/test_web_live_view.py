"""What the live page receives (/live/{rid}/events: web/live.py, web/live_view.py) on real races:

- track position: each car's ``fraction`` of the lap is the **causal** distance (what a live screen shows:
  from the car's last timing point at or before the step, at the pace known there, capped at the next
  timing point; docs/analysis.md "Two definitions") minus its laps. It used to be compared with
  ``race.standings(at=t)`` of the whole file, which interpolates towards the next crossing (the replay knew
  the future); it is now compared with the csv-module oracle of the causal rule
  (tests/test_distance_causal.py) for every car, and, for three cars in each sector of an ordinary lap,
  with a hand computation from the raw S1/S2/LAP_TIME (the sector ends' shares of the reference laps; the
  pace of the sector just completed);
- status: a car retired on track (found in the raw rows: not a finisher, last row not in the pit lane) is
  "running" just after its last crossing, "stopped" an hour later and "retired" at the end; a car retired
  in the pits is "pit", then "retired"; cars in the pit lane per the raw rows are "pit";
- times as text: the ``*_text`` strings are display.py's for the same raw values, and equal the raw file's
  own LAP_TIME text for best laps;
- projections at a bounded rate with their methods; the car page's stream carries the car's events;
- the SSE payload stays bounded (events capped).
"""

from __future__ import annotations

import csv
import http.client
import json
import statistics
import time

import pytest

from conftest import lap_file, serve_in_thread
from oracle import parse_time, read_race
from test_distance_causal import CausalOracle

pytestmark = pytest.mark.corpus

FUJI = "wec-2024-fuji6h"
LEMANS = "lemans-2023"



@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from stintlab.web import create_app

    app = create_app(data_dir=tmp_path_factory.mktemp("live-view"), with_demo=False, max_live_streams=8)
    ids = {name: app.state.store.add_upload(f"{name}.csv", lap_file(name).read_bytes()).id for name in (FUJI, LEMANS)}
    with serve_in_thread(app) as port:
        yield app, port, ids


def _stream(port: int, url: str, first_only: bool = False, until: float | None = None) -> list[tuple[str, dict, int]]:
    """(event, data, bytes of the data line) of an SSE stream; ``first_only``: up to the first state;
    ``until``: up to the first state at or after that race time."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.request("GET", url)
    resp = conn.getresponse()
    assert resp.status == 200, resp.read()[:300]
    out, kind = [], None
    try:
        for raw in resp:
            line = raw.decode().rstrip("\n")
            if line.startswith("event: "):
                kind = line[7:]
            elif line.startswith("data: "):
                out.append((kind, json.loads(line[6:]), len(raw)))
                if kind == "state" and (first_only or (until is not None and out[-1][1]["race_time"] >= until)):
                    break
    finally:
        conn.close()
    return out


def _state_at(port: int, rid: str, t: float, extra: str = "") -> dict:
    """The first state of a stream started at race time ``t`` (a step falls at ``t`` itself)."""
    got = _stream(port, f"/live/{rid}/events?speed=100000&every=3600&project=0&from={t!r}{extra}", first_only=True)
    state = [d for k, d, _ in got if k == "state"][0]
    assert state["race_time"] == pytest.approx(t)
    return state


# ------------------------------------------------------------------ csv-module oracle of sector shares
def _raw_rows(path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        head = fh.readline()
        sep = ";" if head.count(";") >= head.count(",") else ","
        names = [n.strip() for n in next(csv.reader([head], delimiter=sep))]
        rows = []
        for fields in csv.reader(fh, delimiter=sep):
            if any(f.strip() for f in fields):
                rows.append({n: (fields[i].strip() if i < len(fields) else "") for i, n in enumerate(names) if n})
    return rows


def _quantile(values: list[float], q: float) -> float:
    """Linear-interpolation quantile (the usual definition)."""
    v = sorted(values)
    pos = (len(v) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (pos - lo)


def sector_shares(path) -> tuple[float, float, dict]:
    """(share of the lap at the end of S1, at the end of S2, {(car, lap): row}) from the raw rows: the
    median of S1 / LAP_TIME and (S1 + S2) / LAP_TIME over the reference laps (racing laps: lap > 1, not
    crossed in the pit lane, not an out-lap; within 1.07 x their class's 5th-percentile lap; both sector
    ends inside the lap) — the rule of docs (analysis/distance.py), computed with the csv module."""
    rows = _raw_rows(path)
    by = {}
    for r in rows:
        lt, s1, s2 = parse_time(r["LAP_TIME"]), parse_time(r["S1"]), parse_time(r["S2"])
        by[(r["NUMBER"], int(r["LAP_NUMBER"]))] = dict(r, lt=lt, s1=s1, s2=s2, el=parse_time(r["ELAPSED"]))
    racing = []
    for (car, lap), r in by.items():
        prev = by.get((car, lap - 1))
        out_lap = prev is not None and prev["CROSSING_FINISH_LINE_IN_PIT"] == "B"
        if lap > 1 and r["lt"] and r["CROSSING_FINISH_LINE_IN_PIT"] != "B" and not out_lap and not r["PIT_TIME"]:
            racing.append(r)
    q05 = {}
    for cls in {r["CLASS"] for r in racing}:
        q05[cls] = _quantile([r["lt"] for r in racing if r["CLASS"] == cls], 0.05)
    ref = [r for r in racing if r["lt"] <= 1.07 * q05[r["CLASS"]] and r["s1"] and r["s2"]
           and 0 < r["s1"] < r["s1"] + r["s2"] < r["lt"]]  # fmt: skip
    return (statistics.median(r["s1"] / r["lt"] for r in ref),
            statistics.median((r["s1"] + r["s2"]) / r["lt"] for r in ref), by)  # fmt: skip


def test_track_fractions_are_the_causal_distance_by_a_csv_oracle(server):
    import stintlab

    app, port, ids = server
    path = lap_file(FUJI)
    race = stintlab.load(path, find_results=False)
    # 1. several moments: every car's fraction = the causal distance (csv-module oracle) - laps (to 1/1000 lap)
    causal = CausalOracle(FUJI)
    for t in (1234.5, 7200.0, 13000.25, 19999.0):
        state = _state_at(port, ids[FUJI], t)
        listed = set(race.standings(at=t)["car"].astype(str))
        got = {r["car"]: r["fraction"] for r in state["standings"]}
        laps = {r["car"]: r["laps"] for r in state["standings"]}
        want = {c: min(max(causal.at(c, t) - laps[c], 0.0), 0.999) for c in got}
        assert got.keys() == listed
        assert got == pytest.approx(want, abs=0.0005 + 1e-9), t  # the JSON's 3 decimals
        assert all(0.0 <= f < 1.0 for f in got.values())
        assert len({round(f, 2) for f in got.values()}) > len(got) // 3  # the cars are spread round the lap
    # 2. three cars, mid-race, in each sector of an ordinary lap: from the last timing point at the pace of the
    # stretch just completed (S3 of lap k, then S1, S2 of lap k + 1), capped at the next sector end
    share1, share2, by = sector_shares(path)
    raw = read_race(path)
    checked = 0
    for car in raw.cars[:3]:
        laps = [c.lap for c in raw.laps[car]]
        lap = laps[len(laps) // 2]
        while True:  # an ordinary green lap k + 1 after an ordinary lap k
            prev, cur = by[(car, lap)], by.get((car, lap + 1))
            if (cur and prev["CROSSING_FINISH_LINE_IN_PIT"] != "B" and cur["CROSSING_FINISH_LINE_IN_PIT"] != "B"
                    and not cur["PIT_TIME"] and prev["FLAG_AT_FL"] == "GF" and cur["FLAG_AT_FL"] == "GF"
                    and prev["s1"] and prev["s2"] and cur["s1"] and cur["s2"]):  # fmt: skip
                break
            lap += 1
        e_k, s1, s2, lt = prev["el"], cur["s1"], cur["s2"], cur["lt"]
        s3_k = prev["lt"] - prev["s1"] - prev["s2"]
        for t, want in ((e_k + 0.5 * s1, min(0.5 * s1 * (1 - share2) / s3_k, share1)),
                        (e_k + s1 + 0.5 * s2, share1 + min(0.5 * s2 * share1 / s1, share2 - share1)),
                        (e_k + s1 + s2 + 0.5 * (lt - s1 - s2),
                         share2 + min(0.5 * (lt - s1 - s2) * (share2 - share1) / s2, 1 - share2))):  # fmt: skip
            t = round(t, 3)
            state = _state_at(port, ids[FUJI], t)
            row = next(r for r in state["standings"] if r["car"] == car)
            assert row["laps"] == lap
            assert row["fraction"] == pytest.approx(want, abs=0.003), (car, lap, t)
            checked += 1
    assert checked == 9


def _retirements(path):
    """(car retired on track, car retired in the pits): non-finishers by the raw rows, their last row."""
    raw = read_race(path)
    gone = [raw.laps[c][-1] for c in raw.cars if c not in raw.finishers()]
    on_track = max((c for c in gone if not c.in_lap), key=lambda c: c.elapsed)
    in_pits = max((c for c in gone if c.in_lap), key=lambda c: c.elapsed)
    return raw, on_track, in_pits


def test_status_of_retired_stopped_and_pitted_cars_on_a_real_24h(server):
    app, port, ids = server
    path = lap_file(LEMANS)
    raw, on_track, in_pits = _retirements(path)
    # Le Mans 2023, the last retirements: #57 stopped on track after lap 254 (raw line 9721, ELAPSED
    # 20:08:23.674, no `B`), #911 retired in the pits after lap 246 (line 13992, `B`)
    assert (on_track.car, on_track.lap, on_track.line) == ("57", 254, 9721)
    assert (in_pits.car, in_pits.lap, in_pits.line) == ("911", 246, 13992)

    def status(state, car):
        return next(r["status"] for r in state["standings"] if r["car"] == car)

    s = _state_at(port, ids[LEMANS], on_track.elapsed + 30)
    assert status(s, on_track.car) == "running"
    s = _state_at(port, ids[LEMANS], on_track.elapsed + 3600)
    assert status(s, on_track.car) == "stopped"
    s = _state_at(port, ids[LEMANS], in_pits.elapsed + 3600)
    assert status(s, in_pits.car) == "pit"
    # every car the raw rows put in the pit lane (last crossing a `B`) is "pit", no other running car is
    mid = 45000.0
    s = _state_at(port, ids[LEMANS], mid)
    want_pit = {w["car"] for w in raw.standings_at(mid) if w["in_pit"]}
    assert want_pit and {r["car"] for r in s["standings"] if r["status"] == "pit"} == want_pit
    # the end: the raw finishers "finished", every other car "retired"
    got = _stream(port, f"/live/{ids[LEMANS]}/events?speed=100000&every=3600&project=0&from=86000")
    final = [d for k, d, _ in got if k == "state"][-1]
    assert final["race_time"] == pytest.approx(raw.end)
    st = {r["car"]: r["status"] for r in final["standings"]}
    assert {c for c, v in st.items() if v == "finished"} == raw.finishers()
    assert {c for c, v in st.items() if v == "retired"} == set(raw.cars) - raw.finishers()


def test_times_are_display_text_of_the_raw_values(server):
    from stintlab import display

    app, port, ids = server
    path = lap_file(FUJI)
    raw_rows = _raw_rows(path)
    t = 14400.0
    s = _state_at(port, ids[FUJI], t, "&car=8")
    assert s["race_time_text"] == display.race_time(t) == "4:00:00"
    n = 0
    for r in s["standings"]:
        assert r["last_lap_text"] == display.lap_time(r["last_lap"])
        assert r["best_lap_text"] == display.lap_time(r["best_lap"])
        assert r["class_gap_text"] == display.gap(r["class_gap_laps"], r["class_gap_s"])
        assert r["class_interval_text"] == display.gap(r["class_interval_laps"], r["class_interval_s"])
        # the best lap's text is the raw file's own LAP_TIME text of that lap (csv module)
        texts = {x["LAP_TIME"] for x in raw_rows if x["NUMBER"] == r["car"] and parse_time(x["ELAPSED"]) <= t
                 and parse_time(x["LAP_TIME"]) == r["best_lap"]}  # fmt: skip
        assert r["best_lap_text"] in texts, (r["car"], r["best_lap_text"], texts)
        n += 1
    assert n == len(read_race(path).standings_at(t))
    for e in s["events"] + s["car"]["events"]:
        assert e["time_text"] == display.race_time(e["race_time"])
        if e["kind"] in ("pit_out", "long_stop", "best_lap") and e["value"] is not None:
            assert e["value_text"] == display.lap_time(e["value"])
    # the car page's events are the car's (its stops in the raw rows up to t: `B` rows)
    stops = [c for c in read_race(path).laps["8"] if c.in_lap and c.elapsed <= t]
    kinds = [e["kind"] for e in s["car"]["events"]]
    assert s["car"]["car"] == "8" and {e["car"] for e in s["car"]["events"]} == {"8"}
    assert "pit_in" in kinds and len(s["car"]["events"]) <= 12
    assert [e["lap"] for e in s["car"]["events"] if e["kind"] == "pit_in"] == [c.lap for c in stops][-kinds.count("pit_in"):]


def test_projections_come_at_a_bounded_rate_with_their_methods(server):
    app, port, ids = server
    raw = read_race(lap_file(FUJI))
    got = _stream(port, f"/live/{ids[FUJI]}/events?speed=3000&every=150&from=3600&project=3600")
    meta = got[0][1]
    assert got[0][0] == "meta" and set(meta["methods"]) == {"laps_to_flag", "stops_remaining", "pit_window",
                                                            "class_position"}  # fmt: skip
    states = [d for k, d, _ in got if k == "state"]
    projected = [s for s in states if s["projections"] is not None]
    assert projected, "no projection arrived"
    ats = [s["projections"]["at"] for s in projected]
    assert all(b - a >= 3600 for a, b in zip(ats, ats[1:]))  # at most one per `project` race seconds
    for s in projected:
        p = s["projections"]
        if "error" in p:  # the grid reaches the scheduled end (6:00:00): nothing left to project, said so
            assert p["error_code"] == "past_end" and p["at"] >= 6 * 3600, p
            continue
        assert p["at"] <= s["race_time"] and p["meta"]["runs"] == 200
        want = {w["car"]: w for w in raw.standings_at(p["at"])}
        cars = p["cars"]
        assert {c: v["laps"] for c, v in cars.items()} == {c: w["laps"] for c, w in want.items()}
        size = {}
        for w in want.values():
            size[w["class"]] = size.get(w["class"], 0) + 1
        for car, v in cars.items():
            if v["running"]:
                assert v["laps_to_flag"] >= 1 and v["final_laps"] == v["laps"] + v["laps_to_flag"]
            assert v["final_laps_p10"] <= v["final_laps_p90"] and v["stops_p10"] <= v["stops_p90"]
            lo, mid, hi = v["class_position_p10"], v["class_position_median"], v["class_position_p90"]
            assert 1 <= lo <= mid <= hi <= size[want[car]["class"]]
    # on the grid of `project` race seconds, and the app's projection slot is free again afterwards
    assert all(a % 3600 == 0 for a in ats)
    slot = app.state.live_streams.projecting
    assert slot.acquire(timeout=30)
    slot.release()
    # a step per 150 race s from 1 h, as without projections (they run beside the stream)
    assert [s["race_time"] for s in states[:-1]] == [3600.0 + 150.0 * i for i in range(len(states) - 1)]


def test_payload_is_bounded_and_bad_car_or_project_is_refused(server):
    app, port, ids = server
    # from 20 h of a 24 h race: thousands of events happened before; one step carries at most 50
    got = _stream(port, f"/live/{ids[LEMANS]}/events?speed=100000&every=3600&project=0&from=72000")
    states = [(d, n) for k, d, n in got if k == "state"]
    first, size = states[0]
    assert len(first["events"]) == 50 and first["events_dropped"] > 1000
    assert all(n < 60_000 for _, n in states), [n for _, n in states]  # 62 cars
    for url, status in ((f"/live/{ids[FUJI]}/events?car=999", 404), (f"/live/{ids[FUJI]}/car/999", 404),
                        (f"/live/{ids[FUJI]}/events?project=300", 400), (f"/live/{ids[FUJI]}/events?project=x", 400)):  # fmt: skip
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", url)
        resp = conn.getresponse()
        resp.read()
        conn.close()
        assert resp.status == status, url
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", f"/live/{ids[FUJI]}/car/8")
    resp = conn.getresponse()
    body = resp.read().decode()
    conn.close()
    assert resp.status == 200 and 'id="carpanel"' in body and "car #8" in body
    assert "function fmt" not in body and "padStart" not in body  # the page formats no time itself
    assert app.state.live_streams.open == 0


def test_gzip_stream_carries_the_same_states_in_a_fraction_of_the_bytes(server):
    """A client accepting gzip gets the same events (one compressor for the stream, flushed per event);
    Le Mans 2023, 62 cars, from 10 h, a step per 60 race s: the bytes sent are a fraction of the JSON's."""
    import zlib

    app, port, ids = server
    url = f"/live/{ids[LEMANS]}/events?speed=1200&every=60&project=0&from=36000"
    stop = 36000 + 60 * 40  # the first 41 steps
    plain = [d for k, d, _ in _stream(port, url, until=stop) if k == "state"]
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.request("GET", url, headers={"Accept-Encoding": "gzip, deflate"})
    resp = conn.getresponse()
    assert resp.status == 200 and resp.getheader("content-encoding") == "gzip"
    z, text, sent = zlib.decompressobj(31), "", 0
    while True:
        chunk = resp.read1(1 << 16)
        if not chunk:
            break
        sent += len(chunk)
        text += z.decompress(chunk).decode()
        if f'"race_time":{stop}' in text or f'"race_time":{float(stop)}' in text:
            break
    conn.close()
    got = [json.loads(line[6:]) for line in text.splitlines() if line.startswith("data: ")]
    states = [d for d in got[1:] if "standings" in d and d["race_time"] <= stop]
    assert len(states) == len(plain) >= 40
    assert states == plain
    raw_bytes = sum(len(line.encode()) + 1 for line in text.splitlines())
    assert sent < 0.35 * raw_bytes, (sent, raw_bytes)
    deadline = time.monotonic() + 30
    while app.state.live_streams.open and time.monotonic() < deadline:
        time.sleep(0.1)
    assert app.state.live_streams.open == 0  # the gzip stream's client left: its slot is free


def test_driver_category_is_the_classification_license(load_corpus_race):
    """IMSA Road Atlanta 2022 (lap file + classification): each car's driver in the live rows carries the
    category of the classification's DRIVERn_LICENSE for that car and name (csv module)."""
    from conftest import results_file
    from stintlab.live.replay import replay_states
    from stintlab.web.live_view import LiveView

    name = "imsa-2022-road-atlanta"
    race = load_corpus_race(name)
    lic = {}
    with open(results_file(name), encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            for n in range(1, 7):
                first, second = row.get(f"DRIVER{n}_FIRSTNAME", ""), row.get(f"DRIVER{n}_SECONDNAME", "")
                if (first or second) and row.get(f"DRIVER{n}_LICENSE"):
                    lic[(row["NUMBER"].strip(), f"{first} {second}".strip())] = row[f"DRIVER{n}_LICENSE"].strip()
    view = LiveView(race)
    state = next(iter(replay_states(race, every=3600, start=18000.0)))
    rows = view.payload(state)["standings"]
    matched = [(r["car"], r["driver"], r["category"]) for r in rows if (r["car"], r["driver"]) in lic]
    assert len(matched) >= 0.8 * len(rows), len(matched)
    assert [c for _, _, c in matched] == [lic[(car, d)] for car, d, _ in matched]
    assert len({c for _, _, c in matched}) >= 3  # several categories, not one default
