"""Does anything in the race files contradict the entry list? (issue 13)

The SRO entry list beside the race files is the event's (``ENTRY_LIST_V_3.XML``: in the Paul Ricard
2026 folder, FP1's), and it alone gives each car its cup, which stintlab uses as the class. So every fact
of the race files that names a car or a driver is held against it; each contradiction becomes one typed
row of ``facts["entry_mismatches"]`` (``race.issues`` shows them): ``(rule, file, line, column, detail)``.

- ``entry_car_unknown``: a car of the sector list (its first row) that the entry list does not have
  (it is in class ``ALL``, its cup unknown);
- ``entry_car_absent``: an entered car with no row in the sector list (entered, never on track; a car
  whose only row has no Time, like #10 and #555 at Paul Ricard, has a row: it is not absent);
- ``entry_crew_sector``: a name of the sector list's Driver1..Driver4 (the car's first row) that is not in
  the entry list's crew of that car;
- ``entry_crew_pit``: a ``Driver in`` / ``Driver out`` of the pit-stop file not in that car's entered crew
  (the drivers of the race are the pit-stop file's, so the cup line-up would be judged on a crew the
  entry list does not hold);
- ``entry_cup_class``: a non-empty ``Class`` of the sector list that differs from the entry list's cup.

Names are compared with case and runs of spaces ignored (the two files spell the same driver the same
way on the real race: 0 mismatch on Paul Ricard 2026, tests/test_sro_entries.py).

>>> import pandas as pd
>>> sectors = pd.DataFrame({"car": ["7", "7", "9"], "line": [2, 3, 4], "class": ["", "", ""],
...                         "driver1": ["Ana Test", "Ana Test", "Cy Z"], "driver2": ["Bo Ex", "Bo Ex", ""],
...                         "driver3": ["", "", ""], "driver4": ["", "", ""]})
>>> cars = {"7": {"class": "Gold Cup"}, "8": {"class": "Pro Cup"}}
>>> crew = pd.DataFrame({"car": ["7", "7", "8"], "driver": ["Ana TEST", "Bo Ex", "Di Q"]})
>>> stops = pd.DataFrame({"car": ["7"], "driver_in": ["Ana Test"], "driver_out": ["Ed New"], "line": [5]})
>>> [m[0] for m in entry_mismatches(sectors, stops, cars, crew, "sec.csv", "pit.csv", "entry.xml")]
['entry_car_unknown', 'entry_car_absent', 'entry_crew_pit']
"""

from __future__ import annotations

import functools
from pathlib import Path

import pandas as pd

from stintlab.io.sro.files import crews, records

__all__ = ["entry_mismatches"]


@functools.lru_cache(maxsize=4096)
def _key(name) -> str:
    return " ".join(str(name or "").split()).casefold()


def entry_mismatches(sectors, stops: pd.DataFrame | None, cars: dict, crew: pd.DataFrame | None,
                     sector_file, pit_file, entry_file, *, stop_rows: list | None = None) -> list[tuple]:  # fmt: skip
    """(rule, file name, line, column, detail) of every contradiction (module docstring); [] without an entry list.
    ``sectors``: the sector list's rows in file order, a DataFrame or a dict of numpy columns (each car's first
    row is the one held against the entry list; those first rows alone will do). ``stop_rows``: ``records(stops)`` when the caller has them."""
    if not cars:
        return []
    names: dict[str, set] = {}
    if crew is not None:
        for car, driver in zip(map(str, crew["car"].tolist()), crew["driver"].tolist(), strict=True):
            names.setdefault(car, set()).add(_key(driver))
    sec, pit, ent = (Path(f).name if f is not None else None for f in (sector_file, pit_file, entry_file))
    out: list[tuple] = []
    all_cars = sectors["car"].tolist()
    first_at: dict = {}
    for i, car in enumerate(all_cars):
        first_at.setdefault(car, i)  # each car's first row, in the order of the rows
    at = list(first_at.values())
    lines, classes, crew_rows = sectors["line"].tolist(), sectors["class"].tolist(), crews(sectors)
    firsts = [(all_cars[i], lines[i], classes[i], crew_rows[i]) for i in at]
    for car, line, row_class, crew_names in firsts:
        car, line = str(car), int(line)
        if car not in cars:
            out.append(("entry_car_unknown", sec, line, "Bib", f"car {car} is not in the entry list {ent}"))
            continue
        cup = cars[car].get("class")
        cls = str(row_class or "").strip()
        if cls and cup and _key(cls) != _key(cup):
            out.append(("entry_cup_class", sec, line, "Class", f"car {car}: Class {cls!r}, entry list cup {cup!r}"))
        for slot, name in enumerate(crew_names, 1):
            if str(name or "").strip() and _key(name) not in names.get(car, set()):
                out.append(("entry_crew_sector", sec, line, f"Driver{slot}",
                            f"car {car}: {name!r} is not in the entered crew"))  # fmt: skip
    on_track = {str(car) for car in all_cars}
    for car in cars:
        if car not in on_track:
            out.append(("entry_car_absent", ent, None, "Bib", f"car {car} is entered but has no lap in {sec}"))
    if stops is not None:
        for r in records(stops) if stop_rows is None else stop_rows:
            car = str(r.car)
            if car not in cars:
                continue  # already reported from the sector list (the pit-stop file has the sector list's cars)
            for column, name in (("Driver in", r.driver_in), ("Driver out", r.driver_out)):
                if str(name or "").strip() and _key(name) not in names.get(car, set()):
                    out.append(("entry_crew_pit", pit, int(r.line), column,
                                f"car {car}: {str(name).strip()!r} is not in the entered crew"))  # fmt: skip
    return out
