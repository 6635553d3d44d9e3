"""race.drivers, race.cars and race.categories against the raw files read with the csv module
(issue #16: the roster is built on integer codes; these facts are computed without stintlab).

Oracle rules, from the domain notes (../shared/docs/domain.md §1.2, §2): a lap row's driver is
DRIVER_NAME, its slot DRIVER_NUMBER; a (car, driver) pair's laps are its rows, its class and team
those of its first row; a car's crew is its drivers ordered by the slot of their first lap (a tie by
first lap), its laps its last LAP_NUMBER. The IMSA classification gives each car's DRIVERn by slot n,
with the FIA grade in DRIVERn_LICENSE (data README; DRIVERn_IMSA_DriverRatingLong repeats it, empty
for some drivers) and the country in DRIVERn_COUNTRY; the WEC
hourly classification lists each car's DRIVER_1..DRIVER_5.
"""

from __future__ import annotations

import csv
import unicodedata

import pytest

from conftest import CORPUS, lap_file, results_file
from oracle import final_hourly_classification

RACES = ["lemans-2024", "imsa-2023-road-atlanta", "wec-2019-spa6h"]


def _raw_rows(path) -> list[dict]:
    """Every lap row as {column: stripped text}, in file order, with its line number."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        header = fh.readline()
        sep = ";" if header.count(";") >= header.count(",") else ","
        names = [n.strip() for n in next(csv.reader([header], delimiter=sep))]
        rows = []
        for line, fields in enumerate(csv.reader(fh, delimiter=sep), 2):
            if any(f.strip() for f in fields):
                rows.append({n: (fields[i].strip() if i < len(fields) else "") for i, n in enumerate(names) if n} | {"line": line})
    return rows


def _pairs(rows: list[dict]) -> dict:
    """(car, driver) -> {laps, first_lap, last_lap, slot, class, team}: slot, class and team of the pair's
    lowest lap (the file is in time order per car, not necessarily per lap)."""
    out: dict = {}
    for r in rows:
        if not r["DRIVER_NAME"]:
            continue
        lap = int(r["LAP_NUMBER"])
        p = out.setdefault((r["NUMBER"], r["DRIVER_NAME"]), {"laps": 0, "first_lap": lap, "last_lap": lap, "at": lap,
                                                              "slot": r["DRIVER_NUMBER"], "class": r["CLASS"],
                                                              "team": r["TEAM"]})  # fmt: skip
        p["laps"] += 1
        p["last_lap"] = max(p["last_lap"], lap)
        if lap < p["at"]:
            p.update(at=lap, slot=r["DRIVER_NUMBER"], **{"class": r["CLASS"], "team": r["TEAM"]})
        p["first_lap"] = min(p["first_lap"], lap)
    return out


@pytest.mark.parametrize("name", RACES)
def test_drivers_table_matches_raw_rows(name, load_corpus_race):
    race = load_corpus_race(name)
    want = _pairs(_raw_rows(lap_file(name)))
    d = race.drivers
    got = {
        (r.car, r.driver): {"laps": r.laps, "first_lap": r.first_lap, "last_lap": r.last_lap,
                            "slot": str(r.driver_slot), "class": r._4, "team": r.team}  # fmt: skip
        for r in d.itertuples()
    }
    assert len(d) == len(got) == len(want)  # one row per pair
    for key, w in want.items():
        w = {k: v for k, v in w.items() if k != "at"}
        assert got[key] == w, (key, got[key], w)
    # drivers of a car in order of their first lap
    for car in {c for c, _ in want}:
        order = [drv for (c, drv) in sorted(want, key=lambda k: want[k]["first_lap"]) if c == car]
        assert d.loc[d["car"] == car, "driver"].tolist() == order


@pytest.mark.parametrize("name", RACES)
def test_cars_table_matches_raw_rows(name, load_corpus_race):
    race = load_corpus_race(name)
    rows = _raw_rows(lap_file(name))
    pairs = _pairs(rows)
    last_lap: dict = {}
    for r in rows:
        last_lap[r["NUMBER"]] = max(last_lap.get(r["NUMBER"], 0), int(r["LAP_NUMBER"]))
    cars = race.cars.set_index("car")
    assert set(cars.index) == set(last_lap)
    for car, laps in last_lap.items():
        assert cars.at[car, "laps"] == laps, car
        mine = sorted((k for k in pairs if k[0] == car), key=lambda k: (int(pairs[k]["slot"]), pairs[k]["first_lap"]))
        assert cars.at[car, "crew"] == [drv for _, drv in mine], car
        assert cars.at[car, "drivers"] == len(mine)


def _fold(name: str) -> str:
    text = unicodedata.normalize("NFKD", name)
    return " ".join("".join(ch for ch in text if ch.isalnum() or ch == " ").upper().split())


def test_imsa_categories_and_countries_from_the_classification(load_corpus_race):
    name = "imsa-2023-road-atlanta"
    race = load_corpus_race(name)
    with open(results_file(name), encoding="utf-8-sig", newline="") as fh:
        results = {r["NUMBER"].strip(): r for r in csv.DictReader(fh)}
    want = {}
    for (car, driver), p in _pairs(_raw_rows(lap_file(name))).items():
        r = results[car]
        n = p["slot"]
        official = f"{r[f'DRIVER{n}_FIRSTNAME']} {r[f'DRIVER{n}_SECONDNAME']}"
        if _fold(official) == _fold(driver):  # the same person in slot n of both files
            grade = r[f"DRIVER{n}_LICENSE"] or r[f"DRIVER{n}_IMSA_DriverRatingLong"]  # cars 27, 74: LICENSE only
            want[(car, driver)] = (grade, r[f"DRIVER{n}_COUNTRY"])
    assert len(want) >= 140  # 152 pairs in the lap file
    d = race.drivers
    got = {(r.car, r.driver): (r.category, r.country) for r in d.itertuples()}
    assert {k: got[k] for k in want} == want
    cats = race.categories
    by = {(r.car, r.driver): (r.category, r.category_source) for r in cats.itertuples()}
    assert {k: by[k] for k in want} == {k: (v[0], "classification") for k, v in want.items()}
    assert sorted(set(c for c, _ in want.values())) == ["Bronze", "Gold", "Platinum", "Silver"]


def test_lemans_official_crew_from_the_final_hourly_classification(load_corpus_race):
    race = load_corpus_race("lemans-2024")
    final = final_hourly_classification(CORPUS / "lemans-2024" / "official-hourly")
    with open(final, encoding="utf-8-sig", newline="") as fh:
        want = {r["NUMBER"].strip(): [r[f"DRIVER_{i}"].strip() for i in range(1, 6) if r[f"DRIVER_{i}"].strip()]
                for r in csv.DictReader(fh)}  # fmt: skip
    cars = race.cars.set_index("car")
    for car, crew in want.items():
        if car in cars.index:
            assert cars.at[car, "official_crew"] == crew, car
    # every lap driver of the race is found in its car's official crew (accents and case aside)
    d = race.drivers
    assert all(_fold(drv) in {_fold(x) for x in want[car]} for car, drv in zip(d["car"], d["driver"], strict=True))


def _imsa_crew(name: str) -> list[dict]:
    """The official crew of an IMSA classification with the csv module: car, slot, driver, last_name,
    category (LICENSE, else the rating), country."""
    out = []
    with open(results_file(name), encoding="utf-8-sig", newline="") as fh:
        for r in csv.DictReader(fh):
            for n in range(1, 7):
                first, last = r.get(f"DRIVER{n}_FIRSTNAME", ""), r.get(f"DRIVER{n}_SECONDNAME", "")
                if first or last:
                    grade = r[f"DRIVER{n}_LICENSE"] or r[f"DRIVER{n}_IMSA_DriverRatingLong"]
                    out.append({"car": r["NUMBER"].strip(), "slot": n, "driver": f"{first} {last}", "last_name": last,
                                "category": grade, "country": r[f"DRIVER{n}_COUNTRY"]})  # fmt: skip
    return out


def test_crew_matched_by_slot_when_only_the_surname_agrees(load_corpus_race):
    """A results file spelling a driver differently (initial, accents) still gives the grade, by slot,
    and says so; a different surname in that slot gives nothing."""
    import pandas as pd

    from stintlab.analysis.roster import drivers_table

    name = "imsa-2023-road-atlanta"
    race = load_corpus_race(name)
    crew = _imsa_crew(name)
    # raw results: car 01 slot 1 is Sebastien Bourdais (Platinum), car 27 slot 3 Ian James (Bronze, LICENSE only)
    bourdais = next(r for r in crew if r["car"] == "01" and r["slot"] == 1)
    james = next(r for r in crew if r["car"] == "27" and r["slot"] == 3)
    assert (bourdais["driver"], bourdais["category"]) == ("Sebastien Bourdais", "Platinum")
    assert (james["driver"], james["category"]) == ("Ian James", "Bronze")
    bourdais["driver"] = "S. BOURDAÎS"  # same surname (accents and case aside), initial only
    bourdais["last_name"] = "BOURDAÎS"
    james["driver"], james["last_name"] = "Ian Jameson", "Jameson"  # another surname: no match
    table = pd.DataFrame(crew).astype({c: "string" for c in ("car", "driver", "last_name", "category", "country")})
    matches: list = []
    d = drivers_table(race.laps, table.astype({"slot": "Int8"}), matches).set_index(["car", "driver"])
    assert matches == [("01", "Sebastien Bourdais", "S. BOURDAÎS", 1)]
    assert d.at[("01", "Sebastien Bourdais"), "category"] == "Platinum"
    assert pd.isna(d.at[("27", "Ian James"), "category"]) and pd.isna(d.at[("27", "Ian James"), "country"])
    assert d.at[("27", "Roman De Angelis"), "category"] == "Silver"  # the rest of the crew by name
