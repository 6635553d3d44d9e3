"""Web and report integrity (issue: hostile input): security headers on every answer, a class whose
name holds a slash has a reachable page, and the report file is replaced atomically."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient

from stintlab.web import create_app

HEADER = b"NUMBER;DRIVER_NUMBER;LAP_NUMBER;LAP_TIME;ELAPSED;CLASS;DRIVER_NAME;\n"
# two cars of a class whose name holds a slash, one of another class
LAPS = HEADER + (
    b"7;1;1;3:30.000;3:30.000;LMP2 Pro/Am;Ann A;\n7;1;2;3:30.000;7:00.000;LMP2 Pro/Am;Ann A;\n"
    b"8;1;1;3:31.000;3:31.000;LMP2 Pro/Am;Bo B;\n8;1;2;3:31.000;7:02.000;LMP2 Pro/Am;Bo B;\n"
    b"9;1;1;3:40.000;3:40.000;LMGT3;Cy C;\n9;1;2;3:40.000;7:20.000;LMGT3;Cy C;\n"
)


@pytest.fixture()
def client(tmp_path):
    return TestClient(create_app(data_dir=tmp_path, max_upload_bytes=64 * 1024, with_demo=False),
                      raise_server_exceptions=False)  # fmt: skip


def _headers_ok(r):
    h = {k.lower(): v for k, v in r.headers.items()}
    assert h.get("x-content-type-options") == "nosniff", r.request.url
    assert h.get("x-frame-options") == "DENY"
    csp = h.get("content-security-policy", "")
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp


def test_security_headers_on_every_kind_of_answer(client):
    rid = client.post("/api/races", files={"file": ("r.csv", LAPS, "text/csv")}).json()["id"]
    answers = [
        client.get("/"), client.get("/api/races"), client.get(f"/races/{rid}"), client.get(f"/api/races/{rid}"),
        client.get("/no/such/page"), client.get("/api/races/nope"), client.head("/"),
        client.post("/api/races", files={"file": ("x.csv", b"not a lap file\n", "text/csv")}),  # 4xx
        client.post("/api/races", files={"file": ("big.csv", b"x" * 200_000, "text/csv")}),  # over the cap
    ]  # fmt: skip
    assert {r.status_code // 100 for r in answers} == {2, 4}
    for r in answers:
        _headers_ok(r)


def test_a_class_name_with_a_slash_has_a_reachable_page(client):
    rid = client.post("/api/races", files={"file": ("r.csv", LAPS, "text/csv")}).json()["id"]
    page = client.get(f"/races/{rid}").text
    links = [unquote(h) for h in re.findall(r'href="(/races/[^"]+/classes/[^"]+)"', page)]
    target = [h for h in links if h.endswith("LMP2 Pro/Am")]
    assert target, links
    # the app's own link (as the browser sends it: %2F) and the API twin answer 200
    quoted = [h for h in re.findall(r'href="(/races/[^"]+/classes/[^"]+)"', page) if "Pro" in h][0]
    r = client.get(quoted)
    assert r.status_code == 200 and "#7" in r.text and "#8" in r.text
    api = client.get(f"/api/races/{rid}/classes/LMP2%20Pro%2FAm")
    assert api.status_code == 200, api.text
    assert {row["car"] for row in api.json()["classification"]} == {"7", "8"}


def test_report_file_is_replaced_atomically(tmp_path, monkeypatch, capsys):
    import os

    from stintlab.cli import main

    laps = tmp_path / "r.csv"
    laps.write_bytes(LAPS)
    out = tmp_path / "report.html"
    out.write_text("the old report", encoding="utf-8")

    def full_disk(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    assert main(["report", str(laps), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "No space left on device" in err and str(out) in err
    assert out.read_text(encoding="utf-8") == "the old report"  # nothing half-written
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.csv", "report.html"]  # no temporary file left
    monkeypatch.undo()
    assert main(["report", str(laps), "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>") or "<html" in out.read_text(encoding="utf-8")
