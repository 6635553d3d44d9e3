"""Closed stints and stops kept column by column: what :meth:`LiveRace.stints` and :meth:`LiveRace.stops`
need of the race so far, in a few bytes per record instead of a dict of boxed values (~500 bytes).

A record is appended once it is closed (a stint when the car's next stint starts, a stop at its out-lap);
the open ones stay dicts in the car's state. Columns: times in a float array (8 bytes), counts in an
int array (4 bytes; -1 for a missing driver slot), flags in a byte array, names as references to one
shared (interned) string per name (8 bytes).
"""

from __future__ import annotations

import sys
from array import array

import pandas as pd

__all__ = ["Records", "STINT_SPEC", "STOP_SPEC", "stint_record"]

#: column -> kind ("s" name, "i" count, "d" time, "b" flag)
STINT_SPEC = {"car": "s", "stint": "i", "driver": "s", "driver_slot": "i", "class": "s", "lap_start": "i",
              "lap_end": "i", "laps": "i", "start": "d", "end": "d", "driver_change": "b", "ended_by": "s",
              "pit_time_before": "d"}  # fmt: skip
STOP_SPEC = {"car": "s", "stop": "i", "class": "s", "lap_in": "i", "lap_out": "i", "race_time": "d", "hour": "i",
             "pit_time": "d", "driver_in": "s", "driver_out": "s", "driver_change": "b", "in_lap_time": "d",
             "out_lap_time": "d", "neutralised": "b", "stint_before": "i"}  # fmt: skip
_MISSING = -1  # an int column's missing value (driver slot)


def _store(kind: str):
    return array("d") if kind == "d" else array("i") if kind == "i" else bytearray() if kind == "b" else []


class Records:
    """Closed records of one kind (:data:`STINT_SPEC` or :data:`STOP_SPEC`), column by column."""

    def __init__(self, spec: dict[str, str]):
        self.spec = spec
        self.cols = {name: _store(kind) for name, kind in spec.items()}

    def __len__(self) -> int:
        return len(next(iter(self.cols.values())))

    def append(self, rec: dict) -> None:
        for name, kind in self.spec.items():
            v = rec.get(name)
            if kind == "s":
                self.cols[name].append(None if v is None else sys.intern(str(v)))
            elif kind == "i":
                self.cols[name].append(_MISSING if v is None else int(v))
            elif kind == "b":
                self.cols[name].append(1 if v else 0)
            else:
                self.cols[name].append(float(v))

    def column(self, name: str):
        return self.cols[name]

    def rows(self) -> list[dict]:
        """The records as dicts (for a table: O(records), at the snapshot only)."""
        names = list(self.spec)
        vals = []
        for name in names:
            col, kind = self.cols[name], self.spec[name]
            if kind == "i":
                vals.append([None if v == _MISSING else v for v in col])
            elif kind == "b":
                vals.append([bool(v) for v in col])
            else:
                vals.append(list(col))
        return [dict(zip(names, r)) for r in zip(*vals)]

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows(), columns=list(self.spec))


def stint_record(s: dict) -> dict:
    """A stint as the table has it (the engine's open record without its private keys): driver_change
    against the previous stint's driver (:func:`stintlab.analysis.stints.stints`)."""
    r = {k: v for k, v in s.items() if not k.startswith("_")}
    r["driver_change"] = "_prev_driver" in s and (s["_prev_driver"] or "") != (r["driver"] or "")
    return r
