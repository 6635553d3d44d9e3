"""SRO cups (issue 13): the entry list beside the Paul Ricard 2026 files is FP1's and alone gives each car
its cup, so whatever the race files say about cars and drivers is held against it (``race.issues`` rules
``entry_*``, stintlab.io.sro.entry_check). Oracle: the csv module and xml.etree on the raw files only.

On the real files nothing contradicts the entry list: its 58 cars are the sector list's 58, every sector-list
crew (Driver1..4 of a car's first row) is the entered crew, and every Driver in / Driver out of the 289 pit
rows is in the entered crew of its car. Then three edited copies (tmp_path) show each rule with its line."""

from __future__ import annotations

import csv
import xml.etree.ElementTree as ET

import pandas as pd

import stintlab
from test_sro import copy_race, folder, pit_file, sector_file

ENTRY = "ENTRY_LIST_V_3.XML"


def _entries(path) -> dict[str, set]:
    root = ET.parse(path).getroot()
    out = {}
    for e in root.iter("ENTR"):
        names = set()
        for k in range(1, 9):
            d = e.find(f"Driver{k}")
            if d is not None:
                name = f"{(d.findtext('First') or '').strip()} {(d.findtext('Last') or '').strip()}".strip()
                if name:
                    names.add(name)
        out[e.findtext("Bib").strip()] = names
    return out


def _oracle(dir_) -> set[tuple]:
    """(rule, line, column) of every contradiction, from the raw files."""
    entered = _entries(dir_ / ENTRY)
    with open(dir_ / sector_file().name, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh, delimiter=";"))
    header, first = rows[0], {}
    for line, r in enumerate(rows[1:], 2):
        if r != header and r[0] not in first:
            first[r[0]] = (line, r)
    out = set()
    for car, (line, r) in first.items():
        if car not in entered:
            out.add(("entry_car_unknown", line, "Bib"))
            continue
        for k in range(4):
            if r[2 + k].strip() and r[2 + k].strip() not in entered[car]:
                out.add(("entry_crew_sector", line, f"Driver{k + 1}"))
    out |= {("entry_car_absent", None, "Bib") for car in entered if car not in first}
    with open(dir_ / pit_file().name, encoding="utf-8", newline="") as fh:
        for line, s in enumerate(csv.DictReader(fh, delimiter=";"), 2):
            if s["Nr"] in entered:
                for col in ("Driver in", "Driver out"):
                    if s[col].strip() and s[col].strip() not in entered[s["Nr"]]:
                        out.add(("entry_crew_pit", line, col))
    return out


def _got(race) -> set[tuple]:
    iss = race.issues[race.issues["rule"].str.startswith("entry_")]
    return {(rule, None if pd.isna(line) else int(line), col)
            for rule, line, col in zip(iss["rule"], iss["line"].astype(object), iss["column"], strict=True)}  # fmt: skip


def test_nothing_in_the_real_files_contradicts_the_entry_list():
    entered = _entries(folder() / ENTRY)
    assert len(entered) == 58 and _oracle(folder()) == set()
    race = stintlab.load(sector_file())
    assert race.meta["entry_mismatches"] == [] and _got(race) == set()
    # so the cups are the entry list's for every car
    cls = race.cars.set_index("car")["class"]
    root = ET.parse(folder() / ENTRY).getroot()
    assert {e.findtext("Bib"): e.findtext("Class") for e in root.iter("ENTR")} == cls.to_dict()


def test_a_misspelt_driver_is_reported_on_every_line_that_names_him(tmp_path):
    """Car #2's entered Alessio Picariello (ENTRY_LIST_V_3.XML line 269) spelt 'Picarielo': the sector list's
    first #2 row (line 2, Driver3) and every pit row naming him contradict the entry list."""
    path = copy_race(tmp_path)
    xml = (tmp_path / ENTRY).read_bytes()
    assert xml.count(b"<Last>Picariello</Last>") == 1
    (tmp_path / ENTRY).write_bytes(xml.replace(b"<Last>Picariello</Last>", b"<Last>Picarielo</Last>"))
    expected = _oracle(tmp_path)
    assert ("entry_crew_sector", 2, "Driver3") in expected
    assert {e[0] for e in expected} == {"entry_crew_sector", "entry_crew_pit"} and len(expected) > 2
    assert _got(stintlab.load(path)) == expected


def test_a_car_missing_from_the_entry_list_and_an_entered_car_never_seen(tmp_path):
    """#44's ENTR removed (it has laps: unknown car, line of its first row) and a #999 ENTR added (absent)."""
    path = copy_race(tmp_path)
    root = ET.parse(tmp_path / ENTRY).getroot()
    e44 = next(e for e in root.iter("ENTR") if e.findtext("Bib") == "44")
    root.remove(e44)
    e44.find("Bib").text = "999"
    root.append(e44)
    ET.ElementTree(root).write(tmp_path / ENTRY, encoding="utf-8", xml_declaration=True)
    expected = _oracle(tmp_path)
    assert {e[0] for e in expected} == {"entry_car_unknown", "entry_car_absent"} and len(expected) == 2
    race = stintlab.load(path)
    assert _got(race) == expected
    assert race.cars.set_index("car").loc["44", "class"] == "ALL"


def test_a_class_that_is_not_the_entered_cup_is_reported(tmp_path):
    """The sector list's Class is empty on every row of the real file; written on car #2's first row (line
    2) as a cup other than its entered one (ENTRY_LIST_V_3.XML), it contradicts the entry list: one
    ``entry_cup_class`` at line 2, column Class; the car's class stays the entered cup. (Before the SRO
    reader read its columns without itertuples, this rule never fired: itertuples renames a column named
    ``class``, a Python keyword.)"""
    path = copy_race(tmp_path)
    cup = next(e.findtext("Class") for e in ET.parse(tmp_path / ENTRY).getroot().iter("ENTR") if e.findtext("Bib") == "2")
    other = "Bronze Cup" if cup != "Bronze Cup" else "Pro Cup"
    lines = path.read_bytes().split(b"\n")
    fields = lines[1].split(b";")
    assert fields[0] == b"2" and fields[1].strip() == b""  # Bib, Class of line 2
    fields[1] = other.encode()
    lines[1] = b";".join(fields)
    path.write_bytes(b"\n".join(lines))
    race = stintlab.load(path)
    assert _got(race) == {("entry_cup_class", 2, "Class")}
    assert race.cars.set_index("car").loc["2", "class"] == cup
