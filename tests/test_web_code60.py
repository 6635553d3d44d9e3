"""The web app names a Nordschleife zone as the race does (issue 13): an NLS race (nls-2025-nls3, read from
its WIGE folder as the app's archive offers it) is "Code 60 zone" / "zone Code 60" on its overview page and in
the words of its live page, in English and French, never "slow zone" / "zone lente"; Le Mans stays slow zone.
Each zone row's sector is checked against the raw RENNEN_SEKTORZEITEN.CSV rows (csv module: the field slowed
in that sector then, tests/test_slowzones_nls.py's oracle)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from conftest import CORPUS, lap_file
from test_slowzones_nls import _field, _race

pytestmark = pytest.mark.corpus

NLS = "nls-2025-nls3"


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    from stintlab.web import create_app

    _race(NLS)  # fails under CI=true when the corpus is missing
    root = tmp_path_factory.mktemp("nls-archive")
    (root / NLS).symlink_to(CORPUS / NLS, target_is_directory=True)
    app = create_app(data_dir=tmp_path_factory.mktemp("nls-up"), with_demo=False, archive=root)
    with TestClient(app) as c:
        yield app, c


def test_the_nls_overview_and_live_pages_say_code_60(client):
    app, c = client
    _, raw = _race(NLS)
    assert NLS in app.state.store.entries
    en = c.get(f"/races/{NLS}").text
    fr = c.get(f"/races/{NLS}", params={"lang": "fr"}).text
    sectors = [int(s) for s in re.findall(r"<td>Code 60 zone, sector (\d)</td>", en)]
    assert sectors and sectors == [int(s) for s in re.findall(r"<td>Zone Code 60, secteur (\d)</td>", fr)]
    # each row's sector was slowed for the whole field over the row's span (raw rows)
    spans = re.findall(r"<td>Code 60 zone, sector (\d)</td><td>(\d+):(\d\d):(\d\d)</td><td>(\d+):(\d\d):(\d\d)</td>", en)
    assert len(spans) == len(sectors)
    for s, h0, m0, s0, h1, m1, s1 in spans:
        t0, t1 = int(h0) * 3600 + int(m0) * 60 + int(s0), int(h1) * 3600 + int(m1) * 60 + int(s1)
        assert _field(raw, int(s), t0, t1)[0] >= 1.03, (s, t0, t1)
    for page in (en, fr, c.get(f"/live/{NLS}").text, c.get(f"/live/{NLS}", params={"lang": "fr"}).text,
                 c.get(f"/live/{NLS}/car/6", params={"lang": "fr"}).text):
        low = page.lower()
        assert "slow zone" not in low and "zone lente" not in low
    live_fr = c.get(f"/live/{NLS}", params={"lang": "fr"}).text
    assert '"zone": "zone Code 60"' in live_fr and '"zones": "zones Code 60"' in live_fr
    assert '"zone": "Code 60 zone"' in c.get(f"/live/{NLS}").text


def test_le_mans_live_page_still_says_slow_zone(tmp_path):
    from stintlab.web import create_app

    with TestClient(create_app(data_dir=tmp_path, with_demo=False)) as c:
        path = lap_file("lemans-2024")
        rid = c.post("/api/races", files={"file": (path.name, path.read_bytes(), "text/csv")}).json()["id"]
        assert '"zone": "slow zone"' in c.get(f"/live/{rid}").text
        assert '"zone": "zone lente"' in c.get(f"/live/{rid}", params={"lang": "fr"}).text
        assert "code 60" not in c.get(f"/live/{rid}").text.lower()
