"""`stintlab.load(folder)` and every command's FILE take an event folder: the race it holds, its files
chosen by the one owner the archive uses too (stintlab.io.racefiles). Checked on every folder of the
corpus against the manifests (read here with the csv module), against loading the main file, and on the
folders that hold no race or several."""

from __future__ import annotations

import csv
import json
import os

import pytest

import stintlab
from conftest import CORPUS, _need_corpus
from stintlab.cli import main
from stintlab.errors import StintlabFolderError

pytestmark = pytest.mark.corpus


def _manifest_rows() -> list[dict]:
    """Every race folder of the corpus: MANIFEST.csv (Al Kamel) and MANIFEST-other.csv (WIGE, SRO)."""
    rows = []
    for name in ("MANIFEST.csv", "MANIFEST-other.csv"):
        path = CORPUS / name
        if path.is_file():
            with open(path, encoding="utf-8", newline="") as fh:
                rows += list(csv.DictReader(fh))
    return rows


ROWS = {r["race"]: r for r in _manifest_rows()}
WITH_LAPS = [k for k, r in ROWS.items() if r["laps_file"]] or ["<corpus missing>"]
RESULTS_ONLY = [k for k, r in ROWS.items() if not r["laps_file"]] or ["<corpus missing>"]


def _row(name: str) -> dict:
    _need_corpus()
    if name not in ROWS:
        pytest.fail(f"{name} not in the manifests")
    return ROWS[name]


def _final_hourly(race: str) -> str | None:
    """The last hour's file of a race in HOURLY.csv (the data set's own index): its final classification."""
    with open(CORPUS / "HOURLY.csv", encoding="utf-8", newline="") as fh:
        hours = [(int(r["hour"]), r["file"]) for r in csv.DictReader(fh) if r["race"] == race]
    return max(hours)[1] if hours else None


def _untimed_rows(path) -> int:
    """Rows of an SRO sector list without a Time (never-completed laps: the manifest counts them, the lap
    table does not), read with the csv module; the repeated header rows skipped."""
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh, delimiter=";"))
    header = rows[0]
    t = header.index("Time")
    return sum(1 for r in rows[1:] if r != header and not r[t].strip())


def _expected_laps(row: dict) -> int:
    laps = int(row["laps"])
    if row.get("pitstops_file"):  # the SRO export: rows without a Time are not laps
        laps -= _untimed_rows(CORPUS / row["race"] / row["laps_file"])
    return laps


@pytest.mark.parametrize("name", WITH_LAPS)
def test_load_folder_is_the_race_of_its_main_file(name):
    row = _row(name)
    folder = CORPUS / name
    race = stintlab.load(folder)
    # the manifest: cars and laps (laps without a time excepted, SRO)
    assert race.meta["path"] == str(folder.absolute() / row["laps_file"])
    assert len(race.cars) == int(row["cars"])
    assert len(race.laps) == _expected_laps(row)
    # the official classification it was loaded with: the manifest's results file, else the last
    # hourly classification of HOURLY.csv; none for the others
    official = row["results_file"] or _final_hourly(name)
    if official:
        assert race.meta["classification_source"] == "official"
        assert os.path.basename(race.meta["results_path"]) == official
    else:
        assert race.meta["classification_source"] == "derived" and race.meta["results_path"] is None
    # the same race as loading the main file
    alone = stintlab.load(folder / row["laps_file"])
    assert race.laps.equals(alone.laps)
    assert race.cars.equals(alone.cars)
    assert race.classification.equals(alone.classification)
    assert race.meta["results_path"] == alone.meta["results_path"]


def test_sro_untimed_rows_are_the_known_six():
    """Hand-checked (tests/test_sro.py): 6 rows of the sector list have no Time."""
    row = _row("gtwc-endurance-sro")
    assert _untimed_rows(CORPUS / row["race"] / row["laps_file"]) == 6


@pytest.mark.parametrize("name", WITH_LAPS)
def test_cli_info_json_takes_the_folder(name, capsys):
    row = _row(name)
    rc = main(["info", str(CORPUS / name), "--json"])
    out = capsys.readouterr().out
    assert rc == 0
    info = json.loads(out)
    assert info["cars"] == int(row["cars"]) and info["laps"] == _expected_laps(row)
    assert info["name"] == name  # a generic lap-file name is shown as its folder's


@pytest.mark.parametrize("name", RESULTS_ONLY)
def test_a_folder_with_only_results_is_a_typed_error(name, capsys):
    row = _row(name)
    with pytest.raises(StintlabFolderError) as err:
        stintlab.load(CORPUS / name)
    assert err.value.races == [] and row["results_file"] in str(err.value) and "no lap file" in str(err.value)
    rc = main(["info", str(CORPUS / name)])
    msg = capsys.readouterr().err
    assert rc == 2 and msg.count("\n") == 1 and "no lap file" in msg


def test_an_empty_folder_is_a_typed_error(tmp_path, capsys):
    with pytest.raises(StintlabFolderError, match="no timing file") as err:
        stintlab.load(tmp_path)
    assert err.value.races == []
    (tmp_path / "notes.csv").write_text("a;b\n1;2\n")  # a CSV no reader knows: still no race
    with pytest.raises(StintlabFolderError, match="no timing file.*notes.csv"):
        stintlab.load(tmp_path)
    rc = main(["story", str(tmp_path), "--car", "7"])
    assert rc == 2 and "no timing file" in capsys.readouterr().err


def test_a_folder_of_two_sessions_lists_them(tmp_path, capsys):
    """Two lap files (two IMSA races at Road Atlanta, 2021 and 2022) with their results: two races, an
    error naming both lap files, never one of them picked."""
    a, b = _row("imsa-2021-road-atlanta"), _row("imsa-2022-road-atlanta")
    for row in (a, b):
        for f in (row["laps_file"], row["results_file"]):
            (tmp_path / f).symlink_to(CORPUS / row["race"] / f)
    with pytest.raises(StintlabFolderError) as err:
        stintlab.load(tmp_path)
    assert sorted(os.path.basename(p) for p in err.value.races) == sorted([a["laps_file"], b["laps_file"]])
    assert "2 races" in str(err.value) and a["laps_file"] in str(err.value) and b["laps_file"] in str(err.value)
    rc = main(["report", str(tmp_path), "-o", str(tmp_path / "r.html")])
    assert rc == 2 and "2 races" in capsys.readouterr().err and not (tmp_path / "r.html").exists()
    # each lap file still loads alone, with its own results
    race = stintlab.load(tmp_path / a["laps_file"], results=tmp_path / a["results_file"])
    assert len(race.laps) == int(a["laps"])


def test_official_hourly_files_are_never_a_race(capsys):
    """lemans-2023/official-hourly holds 23 classifications (HOURLY.csv) and no lap file: not a race;
    its parent folder is one race whose official classification is hour 24."""
    with open(CORPUS / "HOURLY.csv", encoding="utf-8", newline="") as fh:
        n = sum(1 for r in csv.DictReader(fh) if r["race"] == "lemans-2023")
    _need_corpus()
    with pytest.raises(StintlabFolderError, match=f"only {n} hourly classification") as err:
        stintlab.load(CORPUS / "lemans-2023" / "official-hourly")
    assert err.value.races == []
    race = stintlab.load(CORPUS / "lemans-2023")
    assert os.path.basename(race.meta["results_path"]) == "202306101600-race-hour-24-results.csv"


def test_nls4_folder_finds_the_file_named_renne_laps():
    """nls-2025-nls4's lap file is RENNE_LAPS.CSV (MANIFEST-other.csv), recognised by its header."""
    row = _row("nls-2025-nls4")
    assert row["laps_file"] == "RENNE_LAPS.CSV"
    race = stintlab.load(CORPUS / "nls-2025-nls4")
    assert race.meta["path"].endswith("RENNE_LAPS.CSV") and race.meta["format"] == "wige"
    assert race.sections is not None and not race.sections.empty  # the sector file beside it was read


COMMANDS = [
    ["classification", "--json"],
    ["standings", "--hour", "2", "--json"],
    ["stops", "--car", "{winner}", "--json"],
    ["stints", "--car", "{winner}", "--json"],
    ["events", "--car", "{winner}", "--json"],
    ["flags", "--json"],
    ["losses", "--json"],
    ["drivers", "--json"],
    ["rules", "--json"],
    ["story", "--car", "{winner}", "--json"],
    ["project", "--at", "2:00:00", "--runs", "5", "--json"],
    ["replay", "--every", "3600", "--json"],
]


@pytest.mark.parametrize("argv", COMMANDS, ids=[a[0] for a in COMMANDS])
def test_every_command_taking_file_takes_the_folder(argv, capsys):
    """nls-2025-nls4 (the file named RENNE_LAPS.CSV): each command prints for the folder what it prints for
    its lap file, and the winner of MANIFEST-other.csv is the car those commands follow."""
    row = _row("nls-2025-nls4")
    folder = CORPUS / row["race"]
    args = [a.format(winner=row["winner"]) for a in argv[1:]]
    outs = []
    for target in (folder, folder / row["laps_file"]):
        rc = main([argv[0], str(target), *args])
        out, err = capsys.readouterr()
        assert rc == 0, err
        outs.append(out)
    assert outs[0] == outs[1] and outs[0].strip()
    if argv[0] == "classification":
        assert json.loads(outs[0])[0]["car"] == row["winner"]


def test_categories_race_takes_the_folder(capsys):
    row = _row("nls-2025-nls4")
    assert main(["categories", "--race", str(CORPUS / row["race"]), "--json"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["race"] == row["race"] and len({d["car"] for d in body["drivers"]}) == int(row["cars"])
