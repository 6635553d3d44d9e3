"""Column specs shared by several output tables (:mod:`stintlab.schema.tables`, :mod:`stintlab.schema.pace_tables`)."""

from __future__ import annotations

from stintlab.schema.laps import ColumnSpec


def _c(name: str, dtype: str, unit: str, meaning: str) -> ColumnSpec:
    return ColumnSpec(name, dtype, unit, meaning, "derived")


# ------------------------------------------------------------------ shared columns
CAR = _c("car", "string", "", "Car number as printed (string; '007' != '7').")
CLASS = _c("class", "string", "", "Class of the car.")
TEAM = _c("team", "string", "", "Team name.")
DRIVER = _c("driver", "string", "", "Driver, as the lap file spells the name.")
DRIVER_SLOT = _c("driver_slot", "Int8", "", "Driver's slot in the crew (1..n).")
POSITION = _c("position", "int64", "", "Overall position, 1-based: laps completed desc, then race time of the last crossing asc.")
CLASS_POSITION = _c("class_position", "int64", "", "Position within the class (same order).")
RACE_TIME = _c("race_time", "float64", "s", "Race time of the crossing (from the start signal; may exceed 24 h).")
HOUR = _c("hour", "int64", "", "1-based race hour of race_time: floor(race_time / 3600) + 1.")
IN_PIT = _c("in_pit", "bool", "", "That crossing was an in-lap (the car was in the pit lane).")
