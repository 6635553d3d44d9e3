"""The simulator's inputs: calibrated parameters and the entry list (cars, crews, categories).

:func:`load_params` reads ``params.toml`` (written by ``stintlab calibrate``);
:func:`demo_entries` builds a deterministic Le Mans-like entry list of fictional teams
and drivers.

>>> p = load_params()
>>> sorted(p["categories"])
['Bronze', 'Gold', 'Platinum', 'Silver']
>>> e = demo_entries(seed=1)
>>> len(e), sorted({c.cls for c in e})
(60, ['HYPERCAR', 'LMGTE Am', 'LMGTE Pro', 'LMP2'])
>>> all(2 <= len(c.crew) <= 3 for c in e)
True
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

__all__ = ["Driver", "Entry", "load_params", "demo_entries", "DEMO_CLASSES", "PARAMS_PATH"]

PARAMS_PATH = Path(__file__).with_name("params.toml")

# class -> (cars, crew categories to draw from per seat, share of two-driver crews, hybrid share, manufacturers)
DEMO_CLASSES: dict[str, dict] = {
    "HYPERCAR": {
        "cars": 14,
        "seats": [["Platinum"], ["Platinum", "Gold"], ["Platinum", "Gold"]],
        "two_driver": 0.0,
        "hybrid": 0.7,
        "makes": ["Aurelia", "Vantor", "Kestrel", "Halden", "Marqis"],
    },
    "LMP2": {
        "cars": 20,
        "seats": [["Platinum", "Gold"], ["Gold", "Silver"], ["Silver", "Bronze"]],
        "two_driver": 0.0,
        "hybrid": 0.0,
        "makes": ["Oryx", "Oryx", "Oryx", "Liger"],
    },
    "LMGTE Pro": {
        "cars": 8,
        "seats": [["Platinum"], ["Platinum", "Gold"], ["Gold", "Platinum"]],
        "two_driver": 0.0,
        "hybrid": 0.0,
        "makes": ["Falcata", "Rennwerk", "Corvan", "Stellar"],
    },
    "LMGTE Am": {
        "cars": 18,
        "seats": [["Bronze"], ["Bronze", "Silver"], ["Platinum", "Gold", "Silver"]],
        "two_driver": 0.1,
        "hybrid": 0.0,
        "makes": ["Falcata", "Rennwerk", "Stellar", "Corvan"],
    },
}

_FIRST = [
    "Adrien",
    "Bruno",
    "Carla",
    "Dario",
    "Elias",
    "Felipe",
    "Greta",
    "Hugo",
    "Ivan",
    "Jonas",
    "Kai",
    "Luca",
    "Marta",
    "Nico",
    "Oscar",
    "Paulo",
    "Quentin",
    "Rafael",
    "Sofia",
    "Tomas",
    "Ugo",
    "Viktor",
    "Wes",
    "Xavier",
    "Yann",
    "Zoe",
    "Anders",
    "Bram",
    "Cyril",
    "Dane",
    "Emil",
    "Fabio",
    "Gil",
    "Henk",
    "Ines",
    "Jules",
    "Kenji",
    "Lars",
    "Milo",
    "Noor",
    "Otto",
    "Piet",
    "Rosa",
    "Sven",
    "Teo",
    "Uma",
    "Vera",
    "Willem",
]
_LAST = [
    "ALDEN",
    "BARROS",
    "CASTELLI",
    "DUVAL",
    "EKSTROM",
    "FONTAINE",
    "GARNIER",
    "HOLLAND",
    "IBARRA",
    "JANSSEN",
    "KOVAC",
    "LAMBERT",
    "MORETTI",
    "NAKAMURA",
    "OLSEN",
    "PEREIRA",
    "QUINTERO",
    "RENARD",
    "SAUNDERS",
    "TAVARES",
    "ULRICH",
    "VALENTE",
    "WAGNER",
    "YAMADA",
    "ZELLER",
    "ARNAUD",
    "BECKER",
    "CORREIA",
    "DEVLIN",
    "ESPOSITO",
    "FERRO",
    "GUERIN",
    "HARTMANN",
    "INGRAM",
    "JOUBERT",
    "KRUGER",
    "LEROUX",
    "MARCHETTI",
    "NOVAK",
    "ORTEGA",
    "PRIETO",
    "ROSSET",
    "SILVA",
    "TANNER",
    "VIDAL",
    "WEBER",
    "BRANDT",
    "CALLOWAY",
    "DORAN",
    "FAUCHER",
]
_TEAM_A = [
    "Apex",
    "Borealis",
    "Cobalt",
    "Delta",
    "Ember",
    "Falcon",
    "Granite",
    "Horizon",
    "Iron",
    "Jade",
    "Kinetic",
    "Lumen",
    "Meridian",
    "Nova",
    "Orbit",
    "Pioneer",
    "Quartz",
    "Radiant",
    "Summit",
    "Titan",
    "Vertex",
    "Zenith",
]
_TEAM_B = ["Racing", "Motorsport", "Competition", "Autosport", "Engineering"]


@dataclass
class Driver:
    name: str
    category: str
    slot: int
    skill: float = 0.0  # pace offset (fraction of the lap) on top of the category offset


@dataclass
class Entry:
    car: str
    cls: str
    team: str
    manufacturer: str
    group: str = ""
    crew: list[Driver] = field(default_factory=list)


def load_params(path=None) -> dict:
    """The calibrated parameters (``params.toml`` beside this module unless ``path`` is given)."""
    from stintlab.errors import StintlabUsageError

    where = path or PARAMS_PATH
    try:
        with open(where, "rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise StintlabUsageError(f"{where}: not a valid parameter file ({exc})") from exc
    missing = [k for k in ("race", "flags", "ranges", "classes", "categories") if k not in data]
    if missing:
        raise StintlabUsageError(
            f"{where}: parameter file lacks {', '.join(missing)} (write it with stintlab calibrate)"
        )
    return data


def demo_entries(seed: int = 2024, classes: dict | None = None) -> list[Entry]:
    """A deterministic entry list: ~60 cars in four classes with FIA-categorised crews."""
    rng = np.random.default_rng(seed)
    classes = classes or DEMO_CLASSES
    total = sum(c["cars"] for c in classes.values())
    numbers = rng.choice(np.arange(1, 100), size=total, replace=False)
    firsts = rng.permutation(len(_FIRST) * len(_LAST))
    used = 0
    entries: list[Entry] = []
    k = 0
    for cls, spec in classes.items():
        for i in range(spec["cars"]):
            num = str(int(numbers[k]))
            k += 1
            team = f"{_TEAM_A[rng.integers(len(_TEAM_A))]} {_TEAM_B[rng.integers(len(_TEAM_B))]}"
            make = spec["makes"][i % len(spec["makes"])]
            group = "H" if rng.random() < spec["hybrid"] else ""
            if cls == "LMP2" and i % 4 == 3:
                group = "P/A"
            n = 2 if rng.random() < spec["two_driver"] else 3
            crew = []
            for slot in range(1, n + 1):
                choices = spec["seats"][slot - 1]
                if group == "P/A" and slot == 3:
                    choices = ["Bronze"]
                cat = str(choices[rng.integers(len(choices))])
                idx = int(firsts[used])
                used += 1
                name = f"{_FIRST[idx % len(_FIRST)]} {_LAST[idx // len(_FIRST) % len(_LAST)]}"
                crew.append(Driver(name=name, category=cat, slot=slot, skill=float(rng.normal(0.0, 0.003))))
            entries.append(Entry(car=num, cls=cls, team=team, manufacturer=make, group=group, crew=crew))
    return entries
