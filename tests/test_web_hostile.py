"""The web app under hostile or odd input: every answer is a clean 2xx/4xx (JSON under /api, HTML
elsewhere), never a 500, a stack trace or a server-side file name. Cases found by running
schemathesis against the OpenAPI spec and by hand-probing (path traversal, odd ids, odd uploads,
HEAD/OPTIONS); they run here with FastAPI's TestClient, without schemathesis."""

from __future__ import annotations

import re
import threading

import pytest
from fastapi.testclient import TestClient

from stintlab.web import create_app

LAP_HEADER = b"NUMBER;DRIVER_NUMBER;LAP_NUMBER;LAP_TIME;ELAPSED;\n"
# the smallest lap file: no TEAM, CLASS, MANUFACTURER or DRIVER_NAME column (the reader accepts it)
ONE_LAP = LAP_HEADER + b"7;1;1;3:30.1;3:30.1;\n"
LEAK = re.compile(r"Traceback|File \"|/tmp/|/work/|/home/|\.py\b|[0-9a-f]{32}\.csv")


@pytest.fixture()
def app_dir(tmp_path):
    app = create_app(data_dir=tmp_path, max_upload_bytes=256 * 1024, with_demo=False)
    return TestClient(app, raise_server_exceptions=False), tmp_path


def _clean(r, status: int) -> dict | str:
    assert r.status_code == status, (r.status_code, r.text[:300])
    assert not LEAK.search(r.text), r.text[:300]
    if r.headers["content-type"].startswith("application/json"):
        return r.json()
    assert r.headers["content-type"].startswith("text/html")
    return r.text


def _upload(c, name, data, ctype="text/csv"):
    return c.post("/api/races", files={"file": (name, data, ctype)})


def test_car_of_a_lap_file_without_team_or_class_columns_is_json_not_500(app_dir):
    # was a 500: car_data passed pandas NA (no TEAM/CLASS/MANUFACTURER column) to json.dumps
    c, _ = app_dir
    rid = _clean(_upload(c, "one.csv", ONE_LAP), 201)["id"]
    car = _clean(c.get(f"/api/races/{rid}/cars/7"), 200)
    assert (car["car"], car["laps"], car["result"]["total_time"]) == ("7", 1, 210.1)
    assert all(car[k] is None or isinstance(car[k], str) for k in ("class", "team", "manufacturer"))
    story = _clean(c.get(f"/api/races/{rid}/cars/7/story"), 200)
    assert story["sentences"] and all(isinstance(s["text"], str) for s in story["sentences"])
    for url in (f"/api/races/{rid}", f"/api/races/{rid}/drivers", f"/races/{rid}", f"/races/{rid}/cars/7"):
        _clean(c.get(url), 200)
    # the car page's title, switcher and facts line said "#7 <NA>" and "<NA> · <NA> · 1 laps"
    page = c.get(f"/races/{rid}/cars/7").text
    head = re.search(r"<h1>.*?</select>.*?</p><p>.*?</p>", page, re.S).group(0)
    assert "#7" in head and "1 laps" in head and "NA&gt;" not in head


def test_every_json_view_turns_pandas_na_and_numpy_values_into_json(app_dir, monkeypatch):
    import numpy as np
    import pandas as pd

    from stintlab.web import views

    c, _ = app_dir
    rid = _clean(_upload(c, "one.csv", ONE_LAP), 201)["id"]
    odd = {"team": pd.NA, "laps": np.int64(3), "gap": np.float64("nan"), "t": np.float32(1.5), "ok": np.bool_(True)}
    monkeypatch.setattr(views, "car_data", lambda store, rid, car: {**odd, "rows": [odd]})
    body = _clean(c.get(f"/api/races/{rid}/cars/7"), 200)
    plain = {"team": None, "laps": 3, "gap": None, "t": 1.5, "ok": True}
    assert body == {**plain, "rows": [plain]}


@pytest.mark.parametrize(
    ("body", "located"),
    [
        (LAP_HEADER, "line 2, column NUMBER: the file has a header but no laps"),
        (LAP_HEADER + b";1;1;3:30.1;3:30.1;\n", "line 2, column NUMBER: empty car number"),
        (LAP_HEADER + b"7;1;1;3:30.1;3:30.1;\n7;1;1;3:30.1;3:30.1;\n", "line 3, column LAP_NUMBER: car 7 lap 1"),
        (b"NUMBER;DRIVER_NUMBER;LAP_NUMBER;LAP_TIME;ELAPSED;DRIVER_NAME;\n7;1;1;3:30.1;3:30.1;Jos\xe9;\n", "not UTF-8"),
    ],
)
def test_unreadable_upload_is_located_in_the_clients_file_not_the_servers(app_dir, body, located):
    # was "e494f701565321054fc538dabf34ecb0.csv, line 2, ...": the server's random storage name
    c, folder = app_dir
    err = _clean(_upload(c, "../../my race<1>.csv", body), 422)["error"]
    assert err.startswith("my race1.csv, line ") and located in err
    assert list(folder.iterdir()) == []  # refused files are removed


@pytest.mark.parametrize(
    ("kwargs", "status", "words"),
    [
        ({"files": {"file": ("a.csv", b"", "text/csv")}}, 415, "the file is empty"),
        ({"files": {"file": ("a.csv", b"\r\n \n", "text/csv")}}, 415, "the file is empty"),
        ({"files": {"file": ("a.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image/png")}}, 415, "not UTF-8"),
        ({"files": {"file": ("a.csv", "NUMBER;LAP_NUMBER\n".encode("utf-16"), "text/csv")}}, 415, "binary"),
        ({"files": {"file": ("a.png", ONE_LAP, "image/png")}}, 415, "only .csv"),
        ({"files": {"other": ("a.csv", ONE_LAP, "text/csv")}}, 400, "no file in the upload"),
        ({"data": {"file": "NUMBER;LAP_NUMBER"}, "files": {"x": ("x.csv", b"x")}}, 400, "no file in the upload"),
        ({"data": {"file": "x"}}, 415, "multipart/form-data"),
        ({"json": {"file": "x"}}, 415, "multipart/form-data"),
        ({}, 415, "multipart/form-data"),
        ({"content": b"abc", "headers": {"content-type": "multipart/form-data"}}, 400, "boundary"),
        ({"files": [("file", ("a.csv", ONE_LAP)), ("file", ("b.csv", ONE_LAP))]}, 400, "one lap file"),
        ({"files": [("file", ("a.csv", ONE_LAP)), ("results", ("b.csv", ONE_LAP)), ("x", ("c.csv", ONE_LAP))]}, 400,
         "Too many files"),
    ],
)
def test_odd_uploads_are_refused_with_one_line_json(app_dir, kwargs, status, words):
    c, folder = app_dir
    body = _clean(c.post("/api/races", **kwargs), status)
    assert body["status"] == status and words in body["error"] and "\n" not in body["error"]
    assert list(folder.iterdir()) == []


def test_results_file_renamed_csv_and_oversized_body_are_refused(app_dir, corpus):
    from conftest import results_file

    c, folder = app_dir
    res = results_file("lemans-2019") or results_file("imsa-2024-sebring-international-raceway")
    r = _clean(_upload(c, "laps.csv", res.read_bytes()[:200_000]), 415)
    assert "not an Al Kamel lap file" in r["error"]
    big = ONE_LAP + b"7;1;2;3:30.1;7:00.2;\n" * 20_000  # ~420 KB over a 256 KB cap
    assert _clean(_upload(c, "big.csv", big), 413)["error"] == "file too large: the limit is 256 KB"
    page = _clean(c.post("/upload", files={"file": ("big.csv", big, "text/csv")}), 413)
    assert "file too large" in page
    assert list(folder.iterdir()) == []


def test_concurrent_uploads_get_distinct_ids_and_all_load(app_dir):
    c, folder = app_dir
    out: list = []

    def send(i):
        out.append(_upload(c, f"r{i}.csv", LAP_HEADER + f"{i};1;1;3:30.1;3:30.1;\n".encode()))

    threads = [threading.Thread(target=send, args=(i,)) for i in range(1, 9)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    bodies = [_clean(r, 201) for r in out]
    ids = {b["id"] for b in bodies}
    assert len(ids) == 8 and {p.stem for p in folder.iterdir()} == ids
    cars = {_clean(c.get(f"/api/races/{b['id']}"), 200)["classification"][0]["car"] for b in bodies}
    assert cars == {str(i) for i in range(1, 9)}


@pytest.mark.parametrize(
    "url",
    [
        "/api/races/..%2f..%2fetc%2fpasswd",
        "/api/races/%00",
        "/api/races/demo%00",
        "/api/races/" + "a" * 5000,
        "/races/..%2f..",
        "/races/%00",
        "/races/%3Cscript%3E",
    ],
)
def test_odd_race_ids_are_404_without_echoing_everything(app_dir, url):
    c, _ = app_dir
    r = c.get(url)
    body = _clean(r, 404)
    assert len(r.text) < 4000  # a 5000-character id is cut in the message
    if isinstance(body, str):
        assert "<script>" not in body


def test_odd_car_class_driver_and_lang(app_dir):
    c, _ = app_dir
    two = LAP_HEADER + b"7;1;1;3:30.1;3:30.1;\n007;1;1;3:31.0;3:31.0;\n8;1;1;3:32.0;3:32.0;\n"
    rid = _clean(_upload(c, "two.csv", two), 201)["id"]
    # "007" and "7" are two cars; "08" finds car 8 (the only one that reads 8 without zeros)
    assert _clean(c.get(f"/api/races/{rid}/cars/007"), 200)["car"] == "007"
    assert _clean(c.get(f"/api/races/{rid}/cars/7"), 200)["car"] == "7"
    assert _clean(c.get(f"/api/races/{rid}/cars/08"), 200)["car"] == "8"
    for car in ("%00", "8.0", "-1", "nan", "None", "9" * 3000):
        assert "no car" in _clean(c.get(f"/api/races/{rid}/cars/{car}"), 404)["error"]
    for cls in ("%00", "nan", "LMP9"):
        assert "no class" in _clean(c.get(f"/api/races/{rid}/classes/{cls}"), 404)["error"]
    assert "no driver" in _clean(c.get(f"/api/races/{rid}/drivers/nobody"), 404)["error"]
    assert "no car ''" in _clean(c.get(f"/api/races/{rid}/drivers/x?car="), 404)["error"]
    for lang in ("xx", "%00", "de"):
        assert "en or fr" in _clean(c.get(f"/api/races/{rid}/cars/7/story?lang={lang}"), 400)["error"]
    assert _clean(c.get(f"/api/races/{rid}/cars/7/story?lang=FR"), 200)["lang"] == "fr"
    page = _clean(c.get(f"/races/{rid}/cars/7?lang=%22%3E%3Cscript%3E"), 400)
    assert "<script>" not in page


def test_head_is_answered_like_get_without_a_body(app_dir):
    # was 405 on every page and API route (FastAPI routes are GET only): curl -I / monitors failed
    c, _ = app_dir
    for url in ("/", "/api/races", "/healthz", "/openapi.json"):
        get, head = c.get(url), c.head(url)
        assert head.status_code == get.status_code == 200, url
        assert head.content == b"" and head.headers["content-type"] == get.headers["content-type"]
    assert c.head("/api/races/nope").status_code == 404 and c.head("/api/races/nope").content == b""


def test_405_lists_every_method_of_the_path_in_allow(app_dir):
    # was a 405 without Allow (RFC 9110), then Allow: POST only for /api/races, which has GET too
    c, _ = app_dir
    for method in ("OPTIONS", "PUT", "DELETE", "TRACE"):
        r = c.request(method, "/api/races")
        assert _clean(r, 405) == {"error": "Method Not Allowed", "status": 405}
        assert r.headers["allow"] == "GET, HEAD, POST"
    r = c.request("DELETE", "/")
    _clean(r, 405)
    assert r.headers["allow"] == "GET, HEAD"


def test_openapi_documents_the_one_line_errors(app_dir):
    # FastAPI documented only 200 and a 422 shaped {"detail": [...]}, which this app never sends
    c, _ = app_dir
    spec = _clean(c.get("/openapi.json"), 200)
    post = spec["paths"]["/api/races"]["post"]["responses"]
    assert {"201", "400", "413", "415", "422"} <= set(post)
    car = spec["paths"]["/api/races/{rid}/cars/{car}"]["get"]["responses"]
    assert {"200", "400", "404", "422"} <= set(car)
    schema = car["422"]["content"]["application/json"]["schema"]
    assert schema["required"] == ["error", "status"]
    assert _clean(c.get("/docs"), 200).count("swagger") > 0
    # lang was a free string in the spec, so a fuzzer's valid request got 400 "use en or fr"
    (lang,) = [
        p for p in spec["paths"]["/api/races/{rid}/cars/{car}/story"]["get"]["parameters"] if p["name"] == "lang"
    ]
    assert lang["schema"]["enum"] == ["en", "fr"]


def test_classified_car_without_laps_is_not_linked_to_a_404_page(tmp_path, corpus):
    # raw: IMSA Watkins Glen 2023 results list #24 "Classified" with LAPS 0; the lap file has no row of car 24
    c = TestClient(create_app(data_dir=tmp_path, archive=corpus, with_demo=False), raise_server_exceptions=False)
    rid = "imsa-2023-watkins-glen-international"
    rows = _clean(c.get(f"/api/races/{rid}"), 200)["classification"]
    assert [(r["car"], r["laps"]) for r in rows if r["car"] == "24"] == [("24", 0)]
    assert "car '24' completed no lap" in _clean(c.get(f"/api/races/{rid}/cars/24"), 404)["error"]
    page = _clean(c.get(f"/races/{rid}"), 200)
    assert "<td>24</td>" in page and f'href="/races/{rid}/cars/24"' not in page
    assert f'href="/races/{rid}/cars/01"' in page


# ------------------------------------------------------------------ stintlab serve
def test_serve_in_a_subprocess_answers_home_and_race_list_on_loopback(tmp_path):
    import os
    import socket
    import subprocess
    import sys
    import time
    from pathlib import Path

    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "STINTLAB_CACHE": str(tmp_path / "cache")}
    env.pop("STINTLAB_ARCHIVE", None)
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "stintlab"), "serve", "--port", str(port), "--data-dir", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    try:
        base, home = f"http://127.0.0.1:{port}", None
        deadline = time.monotonic() + 60
        while home is None and time.monotonic() < deadline and proc.poll() is None:
            try:
                home = httpx.get(base + "/", timeout=2)
            except httpx.HTTPError:
                time.sleep(0.2)
        assert home is not None and home.status_code == 200 and 'name="file"' in home.text
        races = httpx.get(base + "/api/races", timeout=30)
        assert (
            races.status_code == 200
            and {"id": "demo", "name": "Demo race (simulated)", "title": "Demo race (simulated)", "source": "demo"} in races.json()
        )
        head = httpx.head(base + "/api/races", timeout=30)
        assert head.status_code == 200 and head.content == b""
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=20)
    assert f"http://127.0.0.1:{port}/".encode() in err and b"reachable from other machines" not in err


@pytest.mark.parametrize(
    ("host", "warned"),
    [("127.0.0.1", False), ("127.0.0.2", False), ("localhost", False), ("::1", False), ("[::1]", False),
     ("0.0.0.0", True), ("::", True), ("192.168.1.20", True), ("myhost.example", True)],
)  # fmt: skip
def test_serve_warns_in_one_line_for_a_host_beyond_loopback(host, warned, monkeypatch, capsys, tmp_path):
    import uvicorn

    from stintlab.cli import main
    from stintlab.commands.web import host_warning

    assert (host_warning(host) is not None) is warned
    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append(kw))  # never listens
    monkeypatch.setenv("STINTLAB_CACHE", str(tmp_path / "cache"))
    assert main(["serve", "--host", host, "--port", "8765", "--data-dir", str(tmp_path / "up")]) == 0
    assert len(calls) == 1
    kw = calls[0]
    assert {k: kw[k] for k in ("host", "port", "log_level")} == {"host": host, "port": 8765, "log_level": "warning"}
    # the default bounds against slow and greedy clients (stintlab.web.server)
    assert (kw["limit_concurrency"], kw["timeout_keep_alive"], kw["h11_max_incomplete_event_size"]) == (1000, 5, 16384)
    assert kw["http"].__name__ == "HeaderDeadlineProtocol"
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if "reachable from other machines" in line]
    assert lines == ([f"Listening on {host}: the app is reachable from other machines."] if warned else [])


def test_stored_uploads_are_bounded(tmp_path):
    """An open server cannot be made to fill its disk: beyond max_uploads the oldest uploads go."""
    from stintlab.web.store import RaceStore

    store = RaceStore(tmp_path, with_demo=False, max_uploads=3)
    body = (
        b"NUMBER;DRIVER_NUMBER;LAP_NUMBER;LAP_TIME;ELAPSED;CLASS;\n7;1;1;1:00.000;1:00.000;A;\n8;1;1;1:01.000;1:01.000;A;\n"
    )
    ids = [store.add_upload(f"r{i}.csv", body.replace(b"1:01.000", f"1:0{i + 1}.000".encode())).id for i in range(5)]
    kept = [e.id for e in store.entries.values() if e.source == "upload"]
    assert kept == ids[2:]
    assert sorted(p.stem for p in tmp_path.glob("*.csv")) == sorted(ids[2:])
