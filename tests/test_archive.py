"""The DuckDB archive: ingest of real corpus races (idempotent, atomic, lock-protected),
metadata detection, remove/export, re-reading races, and the CLI. Archives live in tmp paths only."""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

from conftest import ESTRE_2024_RACES, build_archive
from stintlab.archive.sources import find_race_files, meta_from_path
from stintlab.archive.store import Archive, ArchiveBusyError, default_db_path, ingest, open_race
from stintlab.errors import StintlabUsageError

ROOT = Path(__file__).resolve().parents[1]
RACES_2024 = ESTRE_2024_RACES


@pytest.fixture(scope="module")
def arc2024(tmp_path_factory):
    """An archive of the five 2024 races of Kévin Estre (IMSA Daytona is classification-only)."""
    return build_archive(tmp_path_factory, RACES_2024)


def _counts(db) -> dict:
    with Archive(db) as arc:
        return {
            t: arc.con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]
            for t in ("races", "laps", "classification", "entries", "files")
        }


def _consistent(db) -> list[str]:
    """Every table only holds rows of complete races; laps per race equal races.laps."""
    problems = []
    with Archive(db) as arc:
        ids = {r for (r,) in arc.con.execute("SELECT race_id FROM races").fetchall()}
        for t in ("laps", "classification", "entries", "files"):
            orphans = {r for (r,) in arc.con.execute(f"SELECT DISTINCT race_id FROM {t}").fetchall()} - ids
            if orphans:
                problems.append(f"{t} has rows of {sorted(orphans)}")
        for rid, n in arc.con.execute("SELECT race_id, laps FROM races").fetchall():
            got = arc.con.execute("SELECT count(*) FROM laps WHERE race_id = ?", [rid]).fetchall()[0][0]
            if got != n:
                problems.append(f"{rid}: {got} laps stored, races says {n}")
            files = arc.con.execute("SELECT count(*) FROM files WHERE race_id = ?", [rid]).fetchall()[0][0]
            if files == 0:
                problems.append(f"{rid}: no files")
            # every raw file a row names is whole in the store beside the database (written before the commit)
            for (sha,) in arc.con.execute(
                "SELECT sha256 FROM files WHERE race_id = ? AND data IS NULL", [rid]
            ).fetchall():
                f = Path(str(db) + ".files") / sha[:2] / f"{sha}.gz"
                if not f.is_file() or hashlib.sha256(gzip.decompress(f.read_bytes())).hexdigest() != sha:
                    problems.append(f"{rid}: raw file {sha[:12]} missing or damaged in the store")
            cls = arc.con.execute("SELECT count(*) FROM classification WHERE race_id = ?", [rid]).fetchall()[0][0]
            if cls == 0:
                problems.append(f"{rid}: no classification")
    return problems


def test_ingest_real_races(arc2024):
    db, results = arc2024
    assert [r["status"] for r in results] == ["added"] * 5
    with Archive(db) as arc:
        races = arc.races().set_index("race_id")
    assert set(races.index) == {
        "2024-imsa-daytona-international-speedway-race",
        "2024-imsa-road-atlanta-race",
        "2024-wec-le-mans-race",
        "2024-wec-bahrain8h-race",
        "2024-wec-fuji6h-race",
    }
    ra = races.loc["2024-imsa-road-atlanta-race"]
    # MANIFEST.csv: 20359 laps, 53 cars; file name 202410121210-race-laps.csv → 12 Oct 2024, 12:10
    assert (ra["laps"], ra["cars"], ra["series"], str(ra["date"])[:10], ra["start_time"]) == (
        20359,
        53,
        "IMSA",
        "2024-10-12",
        "12:10",
    )
    assert ra["classification_source"] == "official"
    day = races.loc["2024-imsa-daytona-international-speedway-race"]
    assert not day["has_laps"] and day["laps"] == 0 and day["cars"] == 59
    lm = races.loc["2024-wec-le-mans-race"]
    assert lm["laps"] == 15593 and lm["event"] == "le-mans"
    assert str(lm["date"])[:10] == "2024-06-15"  # no date in its path: the stamp of official-hourly/202406151600-*
    assert _consistent(db) == []


def test_reingest_changes_nothing(arc2024):
    from conftest import CORPUS

    db, _ = arc2024
    before = _counts(db)
    again = ingest([CORPUS / r for r in RACES_2024], db)
    assert {r["status"] for r in again} == {"unchanged"}
    assert _counts(db) == before


def test_classification_only_race(arc2024):
    db, _ = arc2024
    with Archive(db) as arc:
        top = arc.df(
            "SELECT car, laps, total_time FROM classification WHERE race_id LIKE '2024-imsa-daytona%' ORDER BY position LIMIT 1"
        )
        crew6 = arc.df(
            "SELECT driver, category FROM entries WHERE race_id LIKE '2024-imsa-daytona%' AND car = '6' ORDER BY slot"
        )
    # 202401271340-race-results.csv line 2: POSITION 1, NUMBER 7, 791 laps, 24:00:... total
    assert top.iloc[0]["car"] == "7" and top.iloc[0]["laps"] == 791
    assert abs(top.iloc[0]["total_time"] - 86304.723) < 1e-6
    # line 5: #6 Tandy, Jaminet, Estre, Vanthoor, all Platinum
    assert list(crew6["driver"]) == ["Nick Tandy", "Mathieu Jaminet", "Kevin Estre", "Laurens Vanthoor"]
    assert set(crew6["category"]) == {"Platinum"}


def test_open_race_matches_load(arc2024, load_corpus_race):
    db, _ = arc2024
    race = open_race("2024-wec-le-mans", db)
    ref = load_corpus_race("lemans-2024")
    assert len(race.laps) == len(ref.laps) == 15593
    pd.testing.assert_frame_equal(race.laps.reset_index(drop=True), ref.laps.reset_index(drop=True))
    assert race.meta["series"] == "WEC" and race.meta["race_id"] == "2024-wec-le-mans-race"
    day = open_race("2024-imsa-daytona-international-speedway-race", db)
    assert day.laps.empty and len(day.classification) == 59
    assert day.classification.iloc[0]["car"] == "7"
    assert "Kevin Estre" in day.cars.set_index("car").loc["6", "crew"]


def test_unknown_race_is_a_usage_error(arc2024):
    db, _ = arc2024
    with pytest.raises(StintlabUsageError, match="no race 'nope'"):
        open_race("nope", db)


def test_export_parquet(arc2024, tmp_path):
    db, _ = arc2024
    with Archive(db) as arc:
        written = arc.export(tmp_path)
    laps = pd.read_parquet(written["laps"])
    assert len(laps) == 20359 + 15593 + 7486 + 7042
    assert "data" not in pd.read_parquet(written["files"]).columns
    assert len(pd.read_parquet(written["races"])) == 5


def test_replace_and_remove(tmp_path, corpus):
    """Same race id with new content is replaced; remove deletes every row of the race."""
    src = corpus / "wec-2025-cota6h" / "cota_6h.csv"
    folder = tmp_path / "wec-2025-cota6h"
    folder.mkdir()
    shutil.copy(src, folder / "cota_6h.csv")
    db = tmp_path / "a.duckdb"
    first = ingest([folder], db)
    assert [r["status"] for r in first] == ["added"] and first[0]["race_id"] == "2025-wec-cota6h-race"
    with open(folder / "cota_6h.csv", "ab") as fh:  # a re-saved file: one more empty line
        fh.write(b"\r\n")
    second = ingest([folder], db)
    assert [r["status"] for r in second] == ["replaced"]
    c = _counts(db)
    assert c["races"] == 1 and c["laps"] == 3964  # MANIFEST: 3964 laps
    with Archive(db, write=True) as arc:
        arc.remove("2025-wec-cota6h-race")
    assert _counts(db) == {"races": 0, "laps": 0, "classification": 0, "entries": 0, "files": 0}


def test_metadata_overrides_and_missing_season(tmp_path, corpus):
    folder = tmp_path / "somewhere"
    folder.mkdir()
    shutil.copy(corpus / "wec-2025-cota6h" / "cota_6h.csv", folder / "cota_6h.csv")
    db = tmp_path / "a.duckdb"
    with pytest.raises(StintlabUsageError, match="pass --season"):
        ingest([folder], db)
    res = ingest([folder], db, overrides={"season": 2025, "event": "COTA 6h", "date": "2025-03-22"})
    assert res[0]["race_id"] == "2025-wec-cota-6h-race"  # series WEC from the classes (HYPERCAR, LMGT3)
    with Archive(db) as arc:
        row = arc.race_row("2025-wec-cota-6h-race")
    assert str(row["date"])[:10] == "2025-03-22" and row["track"] == "cota"


def test_find_race_files_portal_layout(tmp_path, corpus):
    """Only the highest Hour folder of a portal session is taken; metadata from the folders."""
    session = tmp_path / "Results" / "13_2024" / "04_LE MANS" / "541_FIA WEC" / "202406151600_Race"
    src = corpus / "lemans-2024" / "23_Analysis_Race_Hour 24.csv"
    for hour in (6, 24):
        d = session / f"{hour:02d}_Hour {hour}"
        d.mkdir(parents=True)
        (d / f"23_Analysis_Race_Hour {hour}.CSV").symlink_to(src)
    found = find_race_files([tmp_path / "Results", session, session / "24_Hour 24" / "23_Analysis_Race_Hour 24.CSV"])
    assert len(found) == 1 and found[0].laps.parent.name == "24_Hour 24"
    m = meta_from_path(found[0].laps)
    assert (m["series"], m["season"], m["event"], m["date"], m["start_time"]) == (
        "WEC",
        2024,
        "le-mans",
        "2024-06-15",
        "16:00",
    )


def test_default_path_env(monkeypatch, tmp_path):
    monkeypatch.setenv("STINTLAB_ARCHIVE", str(tmp_path / "x.duckdb"))
    assert default_db_path() == tmp_path / "x.duckdb"
    monkeypatch.delenv("STINTLAB_ARCHIVE")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert default_db_path() == tmp_path / "data" / "stintlab" / "archive.duckdb"


def test_reader_on_missing_archive(tmp_path):
    with pytest.raises(StintlabUsageError, match="no archive at"):
        Archive(tmp_path / "none.duckdb").open()


def test_lock_waits_then_fails_clearly(tmp_path):
    db = tmp_path / "a.duckdb"
    with Archive(db, write=True):
        t0 = time.monotonic()
        with pytest.raises(ArchiveBusyError, match="busy"):
            Archive(db, write=True, lock_timeout=0.3).open()
        assert time.monotonic() - t0 >= 0.3


CLI = [sys.executable, "-c", "import sys; from stintlab.cli import main; sys.exit(main())"]


def _env():
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", "")
    return env


KILL_SCRIPT = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from stintlab.archive.store import ingest
    db, *dirs = sys.argv[1:]
    seen = []
    def step(name, race_id):
        if name == "laps":
            seen.append(race_id)
            if len(seen) == 2:  # inside the second race's transaction: laps written, not committed
                print("IN-TXN", race_id, flush=True)
                time.sleep(60)
    ingest([Path(d) for d in dirs], db, on_step=step)
    print("DONE", flush=True)
    """
)


KILL_DIRS = ("wec-2025-cota6h", "wec-2020-spa6h", "wec-2025-spa6h")

RUN_SCRIPT = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from stintlab.archive.store import ingest
    db, *dirs = sys.argv[1:]
    print("READY", flush=True)  # imports done: the ingest starts now
    ingest([Path(d) for d in dirs], db)
    print("DONE", flush=True)
    """
)


def _whole_races_only(db, corpus) -> dict[str, int]:
    """The stored races (id -> laps), after checking each is whole: its laps as in MANIFEST.csv."""
    from conftest import race_row

    assert _consistent(db) == []
    expected = {f"{d.split('-')[1]}-wec-{d.split('-', 2)[2]}-race": int(race_row(d)["laps"]) for d in KILL_DIRS}
    with Archive(db) as arc:
        stored = dict(arc.con.execute("SELECT race_id, laps FROM races").fetchall())
    assert {rid: expected.get(rid) for rid in stored} == stored
    return stored


def test_kill_midway_leaves_whole_races(tmp_path, corpus):
    db = tmp_path / "a.duckdb"
    dirs = [str(corpus / r) for r in KILL_DIRS]
    proc = subprocess.Popen(
        [sys.executable, "-c", KILL_SCRIPT, str(db), *dirs], stdout=subprocess.PIPE, text=True, env=_env()
    )
    try:
        line = proc.stdout.readline()
        assert line.startswith("IN-TXN"), line
        proc.kill()
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert _consistent(db) == []
    c = _counts(db)
    assert c["races"] == 1  # the first race only; the second's laps were rolled back
    with Archive(db) as arc:
        assert arc.races()["race_id"].tolist() == ["2020-wec-spa6h-race"]
    again = ingest([Path(d) for d in dirs], db)
    assert sorted(r["status"] for r in again) == ["added", "added", "unchanged"]
    assert _consistent(db) == [] and _counts(db)["races"] == 3


@pytest.mark.slow
def test_kill_at_random_moments_leaves_whole_races(tmp_path, corpus):
    """5 SIGKILLs at random moments of an ingest of 3 races (seed in the messages; set
    STINTLAB_KILL_SEED to replay): each time every stored race is whole, and ingesting again
    completes the archive."""
    import random

    seed = int(os.environ.get("STINTLAB_KILL_SEED", time.time_ns() % 2**32))
    rng = random.Random(seed)
    dirs = [str(corpus / r) for r in KILL_DIRS]

    def run(db, kill_after=None):
        proc = subprocess.Popen(
            [sys.executable, "-c", RUN_SCRIPT, str(db), *dirs], stdout=subprocess.PIPE, text=True, env=_env()
        )
        try:
            assert proc.stdout.readline().startswith("READY")
            t0 = time.monotonic()
            if kill_after is None:
                assert proc.stdout.readline().startswith("DONE") and proc.wait(timeout=300) == 0
            else:
                time.sleep(kill_after)
                proc.kill()
                proc.wait(timeout=30)
            return time.monotonic() - t0
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=30)

    duration = run(tmp_path / "full.duckdb")  # uninterrupted: how long the ingest takes here, now
    assert len(_whole_races_only(tmp_path / "full.duckdb", corpus)) == 3
    seen = []
    for i in range(5):
        db = tmp_path / f"k{i}.duckdb"
        at = rng.uniform(0.0, duration)
        run(db, kill_after=at)
        if db.exists() and db.stat().st_size == 0:  # killed between creating the file and its header
            db.unlink()  # (an empty file is refused as an archive: ArchiveError, "remove it")
        stored = _whole_races_only(db, corpus) if db.exists() else {}
        seen.append((round(at, 2), len(stored)))
        again = ingest([Path(d) for d in dirs], db)
        assert sorted(r["status"] for r in again) == sorted(["unchanged"] * len(stored) + ["added"] * (3 - len(stored)))
        assert len(_whole_races_only(db, corpus)) == 3, (seed, seen)
    print(f"seed {seed}: (kill after s, races stored) {seen}")


def test_two_concurrent_ingests(tmp_path, corpus):
    db = tmp_path / "a.duckdb"
    dirs = [str(corpus / r) for r in ("wec-2025-cota6h", "wec-2020-spa6h", "imsa-2023-daytona-international-speedway")]
    cmd = [*CLI, "archive", "add", *dirs, "--db", str(db), "--json"]
    procs = [
        subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env()) for _ in range(2)
    ]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [o[1] for o in outs]
    import json

    statuses = sorted(r["status"] for o in outs for r in json.loads(o[0]))
    assert statuses == ["added"] * 3 + ["unchanged"] * 3
    assert _consistent(db) == [] and _counts(db)["races"] == 3


def test_cli_archive_commands(arc2024, tmp_path):
    import json

    from stintlab.cli import main

    db, _ = arc2024
    out = subprocess.run(
        [*CLI, "archive", "list", "--db", str(db), "--season", "2024", "--series", "wec", "--json"],
        capture_output=True,
        text=True,
        env=_env(),
        check=True,
    )
    rows = json.loads(out.stdout)
    assert sorted(r["race_id"] for r in rows) == [
        "2024-wec-bahrain8h-race",
        "2024-wec-fuji6h-race",
        "2024-wec-le-mans-race",
    ]
    assert set(rows[0]) >= {"race_id", "series", "season", "event", "date", "session", "cars", "laps", "hours"}
    assert main(["archive", "remove", "no-such-race", "--db", str(db)]) == 2
    assert main(["archive", "list", "--db", str(tmp_path / "missing.duckdb")]) == 2


BAD_LAPS = (
    "NUMBER;DRIVER_NUMBER;LAP_NUMBER;LAP_TIME;LAP_IMPROVEMENT;CROSSING_FINISH_LINE_IN_PIT;S1;S1_IMPROVEMENT;S2;"
    "S2_IMPROVEMENT;S3;S3_IMPROVEMENT;KPH;ELAPSED;HOUR;S1_LARGE;S2_LARGE;S3_LARGE;TOP_SPEED;DRIVER_NAME;PIT_TIME;"
    "CLASS;GROUP;TEAM;MANUFACTURER;\n"
    "7;1;1;abc;0;;30.0;0;30.0;0;30.0;0;200;1:30.000;15:01:30.000;0:30.000;0:30.000;0:30.000;;A B;;HYPERCAR;;T;M;\n"
)


def test_parallel_ingest_equals_serial_and_reports_bad_files(tmp_path, corpus):
    src = tmp_path / "src"
    for name, f in (("wec-2025-cota6h", "cota_6h.csv"), ("wec-2025-spa6h", "spa_6h.csv")):
        (src / name).mkdir(parents=True)
        (src / name / f).symlink_to(corpus / name / f)
    # sorted between the two good races: the race after the bad file is stored too
    bad_file = src / "wec-2025-mbad" / "x.csv"
    bad_file.parent.mkdir()
    bad_file.write_text(BAD_LAPS, encoding="utf-8")
    serial, parallel = tmp_path / "s.duckdb", tmp_path / "p.duckdb"
    ingest([src / "wec-2025-cota6h", src / "wec-2025-spa6h"], serial, workers=1)
    res = ingest([src], parallel, workers=2)
    assert [r["status"] for r in res] == ["added", "error", "added"]
    bad = res[1]
    assert bad["race_id"] is None and bad["source"] == bad["file"] == str(bad_file)
    # BAD_LAPS line 2 has LAP_TIME 'abc'; the message carries the full path, not only "x.csv"
    assert bad["reason"] == f"{bad_file}, line 2, column LAP_TIME: not a time: 'abc'"
    assert (bad["line"], bad["column"]) == (2, "LAP_TIME")
    # the two good races (parsed in worker processes) were written all the same
    assert _consistent(parallel) == [] and _counts(parallel) == _counts(serial)
    for table, order in (("entries", "race_id, car, driver"), ("classification", "race_id, position, car")):
        with Archive(serial) as a, Archive(parallel) as b:
            pd.testing.assert_frame_equal(
                a.df(f"SELECT * FROM {table} ORDER BY {order}"), b.df(f"SELECT * FROM {table} ORDER BY {order}")
            )


def test_list_races(arc2024):
    from stintlab.archive import list_races

    db, _ = arc2024
    wec = list_races(db, series="WEC")
    assert sorted(wec["event"]) == ["bahrain8h", "fuji6h", "le-mans"]
    assert len(list_races(db, season=2023)) == 0


def test_weather_file_goes_with_its_race(tmp_path, corpus):
    """A weather file beside the lap file is archived with the race (synthetic IMSA-style readings, °F / inHg)."""
    folder = tmp_path / "wec-2025-cota6h"
    folder.mkdir()
    (folder / "cota_6h.csv").symlink_to(corpus / "wec-2025-cota6h" / "cota_6h.csv")
    db = tmp_path / "a.duckdb"
    assert ingest([folder], db)[0]["status"] == "added"
    (folder / "26_Weather_Race.CSV").write_text(
        "TIME_UTC_SECONDS;TIME_UTC_STR;AIR_TEMP;TRACK_TEMP;HUMIDITY;PRESSURE;WIND_SPEED;WIND_DIRECTION;RAIN;\n"
        "1611693670;26-Jan-21 20:41:10;67.8;86.0;52;30.15;5.2;180;-1;\n"
        "1611693730;26-Jan-21 20:42:10;68.0;86.5;51;30.14;5.0;175;-1;\n",
        encoding="utf-8",
    )
    again = ingest([folder], db)
    assert again[0]["status"] == "replaced"  # same race, new content (the weather file)
    with Archive(db) as arc:
        w = arc.df("SELECT * FROM weather ORDER BY time_utc")
        roles = sorted(r for (r,) in arc.con.execute("SELECT role FROM files").fetchall())
    assert roles == ["laps", "weather"]
    assert list(w["air_temp"]) == [67.8, 68.0] and w["temp_unit"].iloc[0] == "°F"
    assert w["air_temp_c"].iloc[0] == pytest.approx((67.8 - 32) * 5 / 9, abs=0.01)
    assert w["pressure_hpa"].iloc[0] == pytest.approx(30.15 * 33.8639, abs=0.1)
    assert len(open_race("2025-wec-cota6h", db).weather) == 2
    with Archive(db, write=True) as arc:
        arc.remove("2025-wec-cota6h-race")
    assert _counts(db)["races"] == 0
    with Archive(db) as arc:
        assert arc.con.execute("SELECT count(*) FROM weather").fetchall()[0][0] == 0


def test_archived_race_keeps_the_official_final_hourly_classification(tmp_path_factory):
    """A race folder with no results file but ``official-hourly/``: the archive (ingest and open_race,
    so the web app and season views) uses the final hourly classification like ``stintlab.load``.
    Le Mans 2023 #5 had 4 laps deducted after the race (shared/data/README.md): the lap file shows 329
    laps, the official hour-24 file 325 and 16th; expected from that file with the csv module."""
    from conftest import CORPUS
    from oracle import final_hourly_classification, read_classification

    official = {
        r["car"]: r
        for r in read_classification(final_hourly_classification(CORPUS / "lemans-2023" / "official-hourly"))
    }
    assert (official["5"]["laps"], official["5"]["position"]) == (325, 16)
    db, res = build_archive(tmp_path_factory, ("lemans-2023",), "hourly")
    assert [r["status"] for r in res] == ["added"]
    with Archive(db) as arc:
        row = arc.races().set_index("race_id").loc["2023-wec-le-mans-race"]
    assert row["classification_source"] == "official"
    c = open_race("2023-wec-le-mans-race", db).classification.set_index("car")
    assert (c.loc["5", "laps"], c.loc["5", "position"]) == (325, 16)
    for car, r in official.items():
        assert (c.loc[car, "laps"], c.loc[car, "position"], c.loc[car, "class_position"]) == (
            r["laps"], r["position"], r["class_position"]), car  # fmt: skip
