"""Rule sets apply to their series/season only (issue 12 item 6): `rules` picks the set meant for the race,
refuses another year's set, and judges LMGT3 line-ups by the 2024 rule (ACO RG 1/2024 p.36) on real crews.

Crews are read from the raw lap file with the csv module; the categories are given in an entry list
written by the test (hand-chosen, so each verdict follows from the rule text alone)."""

from __future__ import annotations

import csv
import json

import pytest

from conftest import lap_file
from stintlab.cli import main

pytestmark = pytest.mark.corpus


def crews(name: str) -> dict[str, set[str]]:
    with open(lap_file(name), encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh, delimiter=";"))
    ix = {h.strip(): i for i, h in enumerate(rows[0])}
    out: dict[str, set[str]] = {}
    for r in rows[1:]:
        out.setdefault(r[ix["NUMBER"]].strip(), set()).add(r[ix["DRIVER_NAME"]].strip())
    return out


@pytest.fixture
def no_archive(tmp_path, monkeypatch):
    monkeypatch.delenv("STINTLAB_ARCHIVE", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))


def test_old_rule_set_refused_and_forced(corpus, capsys, no_archive):
    f = str(lap_file("lemans-2024"))
    assert main(["rules", f, "--rules", "lemans-2019", "--json"]) == 2
    err = capsys.readouterr().err
    assert "does not apply" in err and "2024" in err and "--force" in err
    assert main(["rules", f, "--rules", "lemans-2019", "--force", "--json"]) == 0
    out = capsys.readouterr()
    data = json.loads(out.out)
    assert data["applies"] is False and "2024" in data["applies_note"] and "WARNING" in out.err


@pytest.mark.parametrize(
    "race, expected",
    [("lemans-2019", "lemans-2019"), ("lemans-2024", "lemans-2024"), ("lemans-2025", "lemans-2024"),
     ("wec-2024-fuji6h", "wec-2024"), ("imsa-2024-sebring-international-raceway", "imsa-2024")],
)  # fmt: skip
def test_applicable_set_is_chosen(corpus, capsys, no_archive, race, expected):
    assert main(["rules", str(lap_file(race)), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["rules"] == expected and data["applies"] is True


def test_lmgt3_lineups_lemans_2024(corpus, capsys, no_archive, tmp_path):
    cr = crews("lemans-2024")
    legal, illegal = sorted(cr["85"]), sorted(cr["92"])  # two LMGT3 cars, three drivers each
    assert len(legal) == len(illegal) == 3
    ent = tmp_path / "entry.csv"
    lines = ["car,driver,category"]
    lines += [f"85,{d},{c}" for d, c in zip(legal, ["Bronze", "Silver", "Gold"], strict=True)]  # B-S-any: legal
    lines += [f"92,{d},{c}" for d, c in zip(illegal, ["Silver", "Silver", "Gold"], strict=True)]  # no Bronze
    ent.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["rules", str(lap_file("lemans-2024")), "--entry-list", str(ent), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["rules"] == "lemans-2024"
    verdict = {c["car"]: c for c in data["crews"]}
    assert verdict["85"]["verdict"] == "ok" and verdict["85"]["composition"] == "Gold-Silver-Bronze"
    assert verdict["92"]["verdict"] == "violation" and "LMGT3" in verdict["92"]["rule"]
