"""``stintlab fetch`` against a loopback mirror of the timing portal: corpus files are laid out
in the portal's folder structure (domain.md §1.1) in a tmp dir with symlinks and served by
``http.server`` on 127.0.0.1 (no other network)."""

from __future__ import annotations

import contextlib
import functools
import http.server
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from stintlab.archive.fetch import FetchError, fetch, list_links, parsed_table
from stintlab.archive.store import Archive

IMSA_SESSION = "imsa/Results/24_2024/11_Michelin GT Challenge at VIR/01_IMSA WeatherTech SportsCar Championship"
RA_SESSION = "imsa/Results/24_2024/12_Motul Petit Le Mans/01_IMSA WeatherTech SportsCar Championship/202410121210_Race"
LM_SESSION = "wec/Results/13_2024/04_LE MANS/541_FIA WEC/202406151600_Race"


class _Handler(http.server.SimpleHTTPRequestHandler):
    hits: list[str] = []

    def log_message(self, *args):  # quiet
        pass

    def do_GET(self):
        type(self).hits.append(self.path)
        if "/forbidden/" in self.path:
            self.send_error(403, "Forbidden")
            return
        if "/slow/" in self.path:
            time.sleep(1.5)
        if "/cut/" in self.path:  # the connection drops after half the announced bytes
            data = Path(self.translate_path(self.path)).read_bytes()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.close_connection = True
            return
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up (time-out test)
            super().do_GET()


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    from conftest import CORPUS, _need_corpus

    _need_corpus()
    root = tmp_path_factory.mktemp("portal")
    ra = root / RA_SESSION
    ra.mkdir(parents=True)
    (ra / "23_Time Cards_Race.CSV").symlink_to(CORPUS / "imsa-2024-road-atlanta" / "202410121210-race-laps.csv")
    (ra / "03_Results_Race_Official.CSV").symlink_to(
        CORPUS / "imsa-2024-road-atlanta" / "202410121210-race-results.csv"
    )
    quali = root / RA_SESSION.replace("202410121210_Race", "202410111505_Qualifying")
    quali.mkdir(parents=True)
    (quali / "23_Time Cards_Qualifying.CSV").symlink_to(
        CORPUS / "imsa-2024-road-atlanta" / "202410121210-race-laps.csv"
    )
    (root / IMSA_SESSION).mkdir(parents=True)
    # a support series of the same event, with its own Race session: not the one wanted by default
    support = root / RA_SESSION.replace(
        "01_IMSA WeatherTech SportsCar Championship", "02_IMSA Michelin Pilot Challenge"
    )
    support = support.with_name("202410111015_Race")
    support.mkdir(parents=True)
    (support / "23_Time Cards_Race.CSV").symlink_to(CORPUS / "imsa-2024-road-atlanta" / "202410121210-race-laps.csv")
    lm_laps = CORPUS / "lemans-2024" / "23_Analysis_Race_Hour 24.csv"
    for hour in (6, 24):
        d = root / LM_SESSION / f"{hour:02d}_Hour {hour}"
        d.mkdir(parents=True)
        # the hour-6 file is a stand-in: a copy cut to its header, so taking it would show
        if hour == 6:
            (d / "23_Analysis_Race_Hour 6.CSV").write_bytes(lm_laps.read_bytes().split(b"\n", 1)[0] + b"\n")
        else:
            (d / "23_Analysis_Race_Hour 24.CSV").symlink_to(lm_laps)
    for bad in ("forbidden", "slow", "cut"):
        (root / "wec" / "Results" / bad).mkdir(parents=True)
        (root / "wec" / "Results" / bad / "23_Analysis_Race.CSV").symlink_to(lm_laps)
    handler = functools.partial(_Handler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host = f"http://127.0.0.1:{server.server_address[1]}"
    yield {"imsa": f"{host}/imsa/Results/", "wec": f"{host}/wec/Results/"}, CORPUS
    server.shutdown()
    server.server_close()


def _csv_hits() -> list[str]:
    return [h for h in _Handler.hits if h.lower().endswith(".csv")]


def test_list_links_of_http_server_listing(mirror):
    import urllib.request

    bases, _ = mirror
    html = urllib.request.urlopen(bases["imsa"] + "24_2024/", timeout=5).read().decode()
    assert list_links(html) == ["11_Michelin GT Challenge at VIR/", "12_Motul Petit Le Mans/"]


def test_fetch_event_then_cache_then_offline(mirror, tmp_path):
    bases, corpus = mirror
    base = bases["imsa"]
    cache = tmp_path / "cache"
    before = len(_csv_hits())
    res = fetch("imsa/2024/petit le mans", base=base, cache_dir=cache)
    assert res.downloaded == 2 and res.from_cache == 0
    assert len(_csv_hits()) - before == 2
    (race,) = res.races  # the WeatherTech Race session only: not Qualifying, not the support series' race
    assert race["url"].endswith("202410121210_Race/")
    laps, results = Path(race["laps"]), Path(race["results"])
    assert laps.read_bytes() == (corpus / "imsa-2024-road-atlanta" / "202410121210-race-laps.csv").read_bytes()
    assert results.name == "03_Results_Race_Official.CSV"
    assert str(laps).startswith(str(cache / "raw" / "127.0.0.1_"))
    pq = Path(race["parsed"]["laps"])
    assert pq.parent.parent == cache / "parsed"
    assert len(pd.read_parquet(pq)) == 20359  # MANIFEST: 20359 laps
    mtime = pq.stat().st_mtime_ns

    # second run: files from the raw cache (no CSV request), parsed table reused
    before = len(_csv_hits())
    again = fetch("imsa/2024/petit le mans", base=base, cache_dir=cache)
    assert (again.downloaded, again.from_cache) == (0, 2)
    assert len(_csv_hits()) == before
    assert Path(again.races[0]["parsed"]["laps"]).stat().st_mtime_ns == mtime

    # offline: no request at all, same files
    before_all = len(_Handler.hits)
    off = fetch("imsa/2024/petit le mans", base=base, cache_dir=cache, offline=True)
    assert len(_Handler.hits) == before_all
    assert off.races[0]["laps"] == race["laps"] and off.from_cache == 2
    with pytest.raises(FetchError, match="offline: .* not in the cache"):
        fetch("wec/2024/le mans", base=bases["wec"], cache_dir=cache, offline=True)


def test_fetch_takes_highest_hour(mirror, tmp_path):
    bases, corpus = mirror
    base = bases["wec"]
    res = fetch("wec/2024/le mans", base=base, cache_dir=tmp_path, parse=False)
    (race,) = res.races
    assert Path(race["laps"]).parent.name == "24_Hour 24"
    assert Path(race["laps"]).stat().st_size == (corpus / "lemans-2024" / "23_Analysis_Race_Hour 24.csv").stat().st_size


def test_fetch_file_url(mirror, tmp_path):
    base = mirror[0]["wec"]
    url = base + "13_2024/04_LE%20MANS/541_FIA%20WEC/202406151600_Race/24_Hour%2024/23_Analysis_Race_Hour%2024.CSV"
    res = fetch(url, cache_dir=tmp_path)
    assert res.downloaded == 1 and Path(res.races[0]["laps"]).name == "23_Analysis_Race_Hour 24.CSV"
    assert len(pd.read_parquet(res.races[0]["parsed"]["laps"])) == 15593


def test_http_errors_are_clear(mirror, tmp_path):
    base = mirror[0]["wec"]
    with pytest.raises(FetchError, match="HTTP 403.*scripted downloads"):
        fetch(base + "forbidden/23_Analysis_Race.CSV", cache_dir=tmp_path)
    with pytest.raises(FetchError, match="HTTP 404"):
        fetch(base + "13_2024/nothing_here.CSV", cache_dir=tmp_path)
    with pytest.raises(FetchError, match="no event matching 'monza'"):
        fetch("wec/2024/monza", base=base, cache_dir=tmp_path)
    t0 = time.monotonic()
    with pytest.raises(FetchError, match="timed out after 0.3 s"):
        fetch(base + "slow/23_Analysis_Race.CSV", cache_dir=tmp_path, timeout=0.3)
    assert time.monotonic() - t0 < 1.4
    assert not list((tmp_path / "raw").rglob("*.CSV"))  # nothing half-written in the cache


def test_cut_answer_is_an_error_and_not_cached(mirror, tmp_path):
    """A download cut by the connection is not kept as the file (the cache would serve it whole forever)."""
    urls, _ = mirror
    url = urls["wec"] + "cut/23_Analysis_Race.CSV"
    with pytest.raises(FetchError, match="cut"):
        fetch(url, cache_dir=tmp_path, timeout=5)
    assert not list(tmp_path.rglob("23_Analysis_Race.CSV"))


def test_unreachable_host(tmp_path):
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    with pytest.raises(FetchError, match="cannot reach"):
        fetch(f"http://127.0.0.1:{port}/Results/x.CSV", cache_dir=tmp_path, timeout=2)


def test_parsed_cache_keyed_by_parser_version(mirror, tmp_path, monkeypatch):
    _, corpus = mirror
    raw = corpus / "wec-2025-cota6h" / "cota_6h.csv"
    t1, p1 = parsed_table(raw, tmp_path)
    monkeypatch.setattr("stintlab.archive.store.parser_version", lambda: "9.9.9+test")
    t2, p2 = parsed_table(raw, tmp_path)
    assert p1 != p2 and p2.parent.name == "9.9.9+test"
    assert len(t1) == len(t2) == 3964


def test_cli_fetch_add(mirror, tmp_path):
    from stintlab.cli import main

    base = mirror[0]["imsa"]
    db = tmp_path / "a.duckdb"
    code = main(
        [
            "fetch",
            "imsa/2024/petit",
            "--base",
            base,
            "--cache-dir",
            str(tmp_path / "c"),
            "--add",
            "--db",
            str(db),
            "--json",
        ]
    )
    assert code == 0
    with Archive(db) as arc:
        row = arc.race_row("2024-imsa-motul-petit-le-mans-race")
    # metadata from the portal folders: season 24_2024, series folder IMSA, session folder 202410121210_Race
    assert (row["series"], row["season"], str(row["date"])[:10], row["start_time"], row["laps"]) == (
        "IMSA",
        2024,
        "2024-10-12",
        "12:10",
        20359,
    )
    assert main(["fetch", "imsa/2024/petit", "--base", base, "--cache-dir", str(tmp_path / "empty"), "--offline"]) == 2


def test_championship_filter(mirror, tmp_path):
    base = mirror[0]["imsa"]
    res = fetch("imsa/2024/petit le mans", base=base, cache_dir=tmp_path, championship="", parse=False)
    assert sorted(r["url"].split("/")[-3] for r in res.races) == [
        "01_IMSA%20WeatherTech%20SportsCar%20Championship",
        "02_IMSA%20Michelin%20Pilot%20Challenge",
    ]
    res = fetch("imsa/2024/petit le mans", base=base, cache_dir=tmp_path, championship="Pilot", parse=False)
    assert [r["url"].split("/")[-2] for r in res.races] == ["202410111015_Race"]
