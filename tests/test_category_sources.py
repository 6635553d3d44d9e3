"""Which results files carry FIA driver categories (issue #12): the WIGE (NLS) results and the SRO entry
list carry none, so the registry gets nothing from them; a driver category stated in an SRO entry list
would be registered, a cup never.

Oracles, read here without stintlab: the NLS ``RENNEN_RESULT.CSV`` files with the csv module (header line 1:
``FAHRERn_LIZENZ``, e.g. line 2 of nls-2025-nls1 ``DE-11220``, line 10 ``NL-International B 43634``: national
licences; ``PRO``/``PROAM``/``AM`` are 0/1 flags of the car, set for CUP2 cars, lines 14-20); the SRO
``ENTRY_LIST_V_3.XML`` with ElementTree (each ``ENTR`` has Bib, Car, Class = Pro/Gold/Silver/Bronze Cup,
Team and Driver1..4 with Country, First, Last, Short, Id only: lines 10-43 for #10)."""

from __future__ import annotations

import csv
import io
import shutil
import xml.etree.ElementTree as ET

import pytest

from conftest import CORPUS, build_archive

pytestmark = pytest.mark.corpus
FIA = {"platinum", "platinium", "gold", "silver", "bronze"}
SRO = "gtwc-endurance-sro"


def nls_licences() -> list[str]:
    out = []
    for path in sorted(CORPUS.glob("nls-2025-*/RENNEN_RESULT.CSV")):
        text = path.read_bytes().decode("latin-1")
        for row in csv.DictReader(io.StringIO(text), delimiter=";"):
            out += [(row.get(f"FAHRER{n}_LIZENZ") or "").strip() for n in range(1, 9)]
    return [v for v in out if v]


def sro_entries(path) -> list[ET.Element]:
    return list(ET.parse(path).getroot().iter("ENTR"))


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path, results = build_archive(tmp_path_factory, ("nls-2025-nls1", SRO), "sources")
    assert [r["status"] for r in results] == ["added", "added"], results
    return path


def registry(db):
    from stintlab.archive.db import Archive

    with Archive(db) as arc:
        return arc.df("SELECT driver, category, kind, series, race_id FROM driver_categories"), arc.df(
            "SELECT race_id, category FROM entries"
        )


def test_nls_licences_are_national_not_fia(db):
    lic = nls_licences()
    assert len(lic) > 1000
    assert not [v for v in lic if v.lower().strip("* ") in FIA]  # no FIA category word in any licence field
    assert sum(v[:2].isalpha() and v[2] == "-" for v in lic) / len(lic) > 0.95  # country-prefixed numbers
    reg, ent = registry(db)
    nls = ent[ent["race_id"].str.contains("nls")]
    assert len(nls) and nls["category"].isna().all()
    assert not reg["race_id"].str.contains("nls").any()


def test_sro_entry_list_has_cups_not_driver_categories(db):
    entries = sro_entries(CORPUS / SRO / "ENTRY_LIST_V_3.XML")
    assert len(entries) == 58
    assert {e.findtext("Class") for e in entries} == {"Pro Cup", "Gold Cup", "Silver Cup", "Bronze Cup"}
    tags = {c.tag for e in entries for d in e if d.tag.startswith("Driver") for c in d}
    assert tags == {"Country", "First", "Last", "Short", "Id"}
    reg, ent = registry(db)
    sro = ent[ent["race_id"].str.contains("gtwc")]
    assert len(sro) and sro["category"].isna().all() and not reg["race_id"].str.contains("gtwc").any()


def _with_category(tmp_path, value: str):
    """A copy of the SRO race whose entry list gives #2 driver Morris Schuring a Category element."""
    from stintlab.archive.store import ingest

    folder = tmp_path / "gtwc-endurance-sro"
    shutil.copytree(CORPUS / SRO, folder)
    xml = folder / "ENTRY_LIST_V_3.XML"
    text = xml.read_text(encoding="utf-8")
    anchor = "<Last>Schuring</Last>"
    assert text.count(anchor) == 1
    xml.write_text(text.replace(anchor, f"{anchor}\n      <Category>{value}</Category>"), encoding="utf-8")
    db = tmp_path / "a.duckdb"
    res = ingest([folder], db, overrides={"season": 2026})
    assert [r["status"] for r in res] == ["added"], res
    reg, _ = registry(db)
    return reg[reg["kind"] == "observed"]


def test_a_stated_driver_category_is_registered_a_cup_never(tmp_path):
    got = _with_category(tmp_path / "a", "Gold")
    assert got[["driver", "category", "series"]].values.tolist() == [["Morris Schuring", "Gold", "GTWC"]]
    assert _with_category(tmp_path / "b", "Gold Cup").empty
