"""Car and class lookup: the one place that turns a user's car number or class name into the
spelling stored in the race, or says why it cannot (used by the CLI, the report and the web app).

- a car: exact, or ``"7"`` for ``"007"`` when unambiguous; a car that the classification lists
  but that has no lap row ("completed no lap", e.g. IMSA Watkins Glen 2023 #24) gets its own message;
- a class: case-insensitive, returned in the race's spelling.

>>> find_car(["007", "8"], "7")
'007'
>>> find_car(["19", "2", "7", "007"], "5")
Traceback (most recent call last):
...
stintlab.errors.StintlabUsageError: no car '5' in this race (cars: 2, 7, 007, 19)
>>> find_class(["LMP2", "LMGT3"], "lmgt3")
'LMGT3'
>>> import pandas as pd
>>> cls = pd.DataFrame({"car": ["24"], "laps": [0], "status": ["Classified"]})
>>> find_car(["8"], "24", cls)
Traceback (most recent call last):
...
stintlab.errors.StintlabUsageError: car '24' completed no lap: the classification lists it (0 laps, Classified) but the lap file has no row for it
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from stintlab.display import sort_cars
from stintlab.errors import StintlabUsageError

__all__ = ["find_car", "find_class", "no_lap_message"]

#: At most this many known cars are named in a "no car" message.
MAX_CARS_NAMED = 15


def no_lap_message(classification: pd.DataFrame | None, car) -> str | None:
    """When ``car`` is in the (official) classification but has no row in the lap file (it never
    completed a lap, e.g. IMSA Watkins Glen 2023 #24, 0 laps), a message saying so; else None."""
    if classification is None or "car" not in classification or not len(classification):
        return None
    hit = classification[classification["car"].astype(str) == str(car)]
    if hit.empty:
        return None
    r = hit.iloc[0]
    laps = r.get("laps")
    laps = "?" if laps is None or pd.isna(laps) else int(laps)
    status = r.get("status")
    status = "" if status is None or pd.isna(status) else f", {status}"
    return (
        f"car {str(car)!r} completed no lap: the classification lists it ({laps} laps{status}) "
        "but the lap file has no row for it"
    )


def find_car(cars: Iterable, car, classification: pd.DataFrame | None = None) -> str:
    """``car`` as stored among ``cars`` (the race's car numbers), or a
    :class:`~stintlab.errors.StintlabUsageError` naming the known cars (or, with
    ``classification``, saying that a classified car never completed a lap)."""
    car = str(car).strip()
    known = list(dict.fromkeys(str(c) for c in cars if c is not None and not pd.isna(c)))
    if car in known:
        return car
    # tolerate "7" for "007" only when it is unambiguous
    loose = [c for c in known if c.lstrip("0") == car.lstrip("0")]
    if len(loose) == 1:
        return loose[0]
    if (msg := no_lap_message(classification, car)) is not None:
        raise StintlabUsageError(msg)
    known = sort_cars(known)  # named in natural order: 2, 7, 19
    sample = ", ".join(known[:MAX_CARS_NAMED]) + (" ..." if len(known) > MAX_CARS_NAMED else "")
    raise StintlabUsageError(f"no car {car!r} in this race (cars: {sample})")


def find_class(classes: Iterable, cls, *, what: str = "class") -> str:
    """``cls`` in the race's spelling among ``classes`` (case-insensitive), or a
    :class:`~stintlab.errors.StintlabUsageError` naming the known classes (``what`` names the
    kind of group in the message)."""
    known = sorted({str(c) for c in classes if c is not None and not pd.isna(c)})
    want = str(cls).strip().lower()
    for k in known:
        if k.lower() == want:
            return k
    raise StintlabUsageError(f"no {what} {cls!r} in this race (classes: {', '.join(known)})")
