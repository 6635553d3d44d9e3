"""Columns shared by several output tables (:mod:`stintlab.schema.tables`)."""

from __future__ import annotations

from stintlab.schema.laps import ColumnSpec

__all__ = ["derived", "CAR", "CLASS", "TEAM", "DRIVER", "DRIVER_SLOT", "POSITION", "CLASS_POSITION", "RACE_TIME", "HOUR", "IN_PIT"]


def derived(name: str, dtype: str, unit: str, meaning: str) -> ColumnSpec:
    """A derived column of an output table."""
    return ColumnSpec(name, dtype, unit, meaning, "derived")


# ------------------------------------------------------------------ shared columns
CAR = derived("car", "string", "", "Car number as printed (string; '007' != '7').")
CLASS = derived("class", "string", "", "Class of the car.")
TEAM = derived("team", "string", "", "Team name.")
DRIVER = derived("driver", "string", "", "Driver, as the lap file spells the name.")
DRIVER_SLOT = derived("driver_slot", "Int8", "", "Driver's slot in the crew (1..n).")
POSITION = derived("position", "int64", "", "Overall position, 1-based: laps completed desc, then race time of the last crossing asc.")
CLASS_POSITION = derived("class_position", "int64", "", "Position within the class (same order).")
RACE_TIME = derived("race_time", "float64", "s", "Race time of the crossing (from the start signal; may exceed 24 h).")
HOUR = derived("hour", "int64", "", "1-based race hour of race_time: floor(race_time / 3600) + 1.")
IN_PIT = derived("in_pit", "bool", "", "That crossing was an in-lap (the car was in the pit lane).")
