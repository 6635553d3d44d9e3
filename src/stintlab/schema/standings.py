"""The standings tables (:mod:`stintlab.schema.tables` lists them in ``TABLES``): standings at a crossing-based
moment (an official hour, the finish), standings by distance at any instant, hourly positions, the lap chart."""

from __future__ import annotations

from stintlab.schema.columns import CAR, CLASS, CLASS_POSITION, IN_PIT, POSITION, RACE_TIME, TEAM, derived

_c = derived

__all__ = ["STANDINGS", "DISTANCE_STANDINGS", "HOURLY_POSITIONS", "POSITION_HISTORY", "GAP_HISTORY"]

# ------------------------------------------------------------------ standings
_GAPS = (
    _c("gap_to_leader", "string", "", "Gap to the overall leader as printed: '-', '+3.297', '1 Lap', '12 Laps'."),
    _c("gap_to_class_leader", "string", "", "Gap to the class leader, as printed."),
    _c("gap_to_class_leader_laps", "int64", "", "Laps behind the class leader."),
    _c("gap_to_class_leader_s", "float64", "s", "Seconds behind the class leader at equal laps; NaN when laps behind."),
    _c("interval", "string", "", "Gap to the car directly ahead overall, as printed."),
    _c("interval_s", "float64", "s", "Seconds to the car ahead overall at equal laps; NaN when laps behind."),
    _c("class_interval", "string", "", "Gap to the car directly ahead in the class, as printed."),
    _c("class_interval_s", "float64", "s", "Seconds to the car ahead in the class at equal laps; NaN when laps behind."),
)
STANDINGS = (
    POSITION, CLASS_POSITION, CAR, CLASS, TEAM,
    _c("driver", "string", "", "Driver at the car's last crossing at or before the moment."),
    _c("laps", "int64", "", "Laps completed at the moment."),
    _c("race_time", "float64", "s", "Race time of the car's last crossing at or before the moment."),
    IN_PIT, *_GAPS,
)  # fmt: skip
DISTANCE_STANDINGS = (
    _c("position", "int64", "", "Overall position at the moment: distance covered desc, then the time the car reached it asc."),
    _c("class_position", "int64", "", "Position within the class (same order)."),
    CAR, CLASS, TEAM,
    _c("driver", "string", "", "Driver on the lap the car is running (or at its last crossing when it has stopped)."),
    _c("laps", "int64", "", "Laps completed at the moment (line crossings reached)."),
    _c("distance", "float64", "", "Distance covered at the moment, in laps: laps plus the share of the current lap, interpolated between timing points (held while the car is stopped)."),
    _c("race_time", "float64", "s", "Race time of the car's last crossing of the line at or before the moment; NaN before its first one."),
    _c("in_pit", "bool", "", "The car is in the pits at the moment: held at a line it crossed in the pit lane, or in the pit stop of its out-lap."),
    _c("held", "bool", "", "The car does not advance at the moment (in the pits, stopped, or past its last crossing)."),
    _c("gap_to_leader", "string", "", "Gap to the overall leader as printed: '-', '+3.297' or 'N Lap(s)' when at least N laps behind in distance."),
    _c("gap_to_leader_laps", "int64", "", "Whole laps behind the leader in distance: floor(leader distance - distance)."),
    _c("gap_to_leader_s", "float64", "s", "Seconds behind the leader at the same point of the track: the moment minus the time the leader was at this car's distance."),
    _c("gap_to_class_leader", "string", "", "Gap to the class leader, as printed."),
    _c("gap_to_class_leader_laps", "int64", "", "Whole laps behind the class leader in distance."),
    _c("gap_to_class_leader_s", "float64", "s", "Seconds behind the class leader at the same point of the track (given also when laps behind)."),
    _c("interval", "string", "", "Gap to the car directly ahead overall, as printed."),
    _c("interval_laps", "int64", "", "Whole laps behind the car directly ahead overall."),
    _c("interval_s", "float64", "s", "Seconds to the car directly ahead overall, at the same point of the track."),
    _c("class_interval", "string", "", "Gap to the car directly ahead in the class, as printed."),
    _c("class_interval_laps", "int64", "", "Whole laps behind the car directly ahead in the class."),
    _c("class_interval_s", "float64", "s", "Seconds to the car directly ahead in the class, at the same point of the track."),
)  # fmt: skip
HOURLY_POSITIONS = (
    _c("hour", "int64", "", "1-based index of the moment (race hour N, or the N-th of the times given)."),
    _c("at", "float64", "s", "The moment: race time of the snapshot."),
    POSITION, CLASS_POSITION, CAR, CLASS,
    _c("laps", "int64", "", "Laps completed at the moment."),
    _c("race_time", "float64", "s", "Race time of the car's last crossing at or before the moment."),
    IN_PIT,
)  # fmt: skip
POSITION_HISTORY = (
    CAR,
    _c("lap", "int32", "", "Lap completed at this crossing."),
    CLASS, RACE_TIME,
    _c("position", "int64", "", "Rank of this crossing among all crossings completing the same lap (the lap chart)."),
    _c("class_position", "int64", "", "The same rank within the class."),
    _c("gap_to_leader", "float64", "s", "Seconds behind the first car to complete this lap."),
    _c("class_gap", "float64", "s", "Seconds behind the first car of the class to complete this lap."),
)  # fmt: skip
GAP_HISTORY = (
    CAR, CLASS, RACE_TIME,
    _c("distance", "float64", "", "Distance covered at that instant (laps, interpolated between timing points)."),
    _c("laps_behind", "float64", "", "Class leader's distance minus the car's, at the same instant (0 for the leader)."),
)  # fmt: skip
